"""`evlm format`: put data/papers.toml in canonical form (the pre-commit formatter)."""

from __future__ import annotations

from typing import Annotated

import typer

from evlm_cli import canonical
from evlm_cli.cli import _console, _write, app
from evlm_cli.cli._options import location, writable_path
from evlm_cli.errors import ExitCode


@app.command("format")
def format_database(
    ctx: typer.Context,
    *,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; print the diff and exit 1 if the file is not canonical.")
    ] = False,
) -> None:
    """Rewrite the database in evlm's canonical form (field order, quoting, spacing), changing no paper.

    Hand edits stay as they are until the next evlm write; this makes that write now, as a pre-commit hook would.
    TOML comments are not kept (no evlm write keeps them).

    Example: evlm format --check
    """
    if check:
        path = location(ctx).path
        text = canonical.diff(path)
        if text:
            _console.print_plain(text)
            _console.error(f"{_console.shown(path)} is not in canonical form; run `evlm format`")
            raise typer.Exit(ExitCode.ERROR)
        _console.info(f"canonical: {_console.shown(path)}")
        return
    path = writable_path(ctx)
    done = canonical.write(path, on_wait=_write.waiting(path))
    _console.info(f"{'formatted' if path in done.files else 'unchanged'}: {_console.shown(path)}")
    _write.report(path, done)
