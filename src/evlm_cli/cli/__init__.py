"""The `evlm` command line: a thin shell over the library. Only this package prints or exits.

Each command lives in its own module and registers itself on `app`; library errors (EvlmError) are turned into
one line on stderr and exit code 1 in one place, `_Group.invoke`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from evlm_cli import __version__
from evlm_cli.errors import EvlmError, ExitCode


class _Group(TyperGroup):
    """Runs a command and converts the library's errors into clean CLI errors."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from evlm_cli.text import undecodable_argument

        problem = undecodable_argument(args)  # before any command sees (or writes) the text
        if problem is not None:
            raise typer.BadParameter(problem, ctx)
        result: list[str] = super().parse_args(ctx, args)
        return result

    def invoke(self, ctx: Any) -> Any:  # a click Context, whose module differs across Typer versions
        from evlm_cli.cli import _console

        try:
            return super().invoke(ctx)
        except EvlmError as error:
            _console.error(str(error))
            raise typer.Exit(ExitCode.ERROR) from None
        except KeyboardInterrupt:
            _console.error("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None


app = typer.Typer(
    cls=_Group,
    name="evlm",
    help="Maintain the Efficient Vision Language Models survey: list, search, add, export and build it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _db_path(value: str) -> Path:
    """`--db`'s value: an empty one is a usage error (Path('') would silently mean the current folder)."""
    if not value.strip():
        raise typer.BadParameter("--db is empty; pass the database file, e.g. --db data/papers.toml")
    return Path(value)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"evlm {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            parser=_db_path,
            metavar="PATH",
            help="The database file. Default: $EVLM_DB, else data/papers.toml above the current folder, "
            "else the survey bundled with evlm (read-only).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Maintain the Efficient Vision Language Models survey: list, search, add, export and build it."""


def _register() -> None:
    """Import the command modules, each of which adds its commands to `app`."""
    from evlm_cli.cli import (  # noqa: F401 - imported for registration
        add_cmd,
        build_cmd,
        check_cmd,
        edit_cmd,
        export_cmd,
        import_bibtex_cmd,
        import_cmd,
        list_cmd,
        rekey_cmd,
        search_cmd,
    )


_register()


def main() -> None:
    """Console-script entry point."""
    app()
