"""Every command's name and the module that defines it, so that a command's module is imported only when it runs."""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    """Where a command lives."""

    module: str
    """The module under evlm_cli.cli that defines the command (for a group: that adds it to the app)."""
    function: str | None = None
    """For a declared command (see `_params`), its function, which the fast lane may run without Typer; None for
    a command that registers itself on the Typer app (`@app.command()`, `app.add_typer`)."""


COMMANDS = {
    "search": Entry("search_cmd", "search"),
    "list": Entry("list_cmd", "list_papers"),
    "show": Entry("list_cmd", "show"),
    "sections": Entry("list_cmd", "sections"),
    "export": Entry("export_cmd", "export"),
    "stats": Entry("stats_cmd"),
    "add": Entry("add_cmd"),
    "inbox": Entry("inbox_cmd"),
    "edit": Entry("edit_cmd"),
    "move": Entry("edit_cmd"),
    "remove": Entry("edit_cmd"),
    "rekey": Entry("rekey_cmd"),
    "init": Entry("init_cmd"),
    "section": Entry("section_cmd"),
    "import": Entry("import_bibtex_cmd"),  # adds the `import` group, with `import readme` from import_cmd
    "build": Entry("build_cmd"),
    "site": Entry("site_cmd"),
    "format": Entry("format_cmd"),
    "check": Entry("check_cmd"),
    "update": Entry("update_cmd"),
}
"""In the order `evlm --help` lists them: reading first, then changing, then maintaining."""
