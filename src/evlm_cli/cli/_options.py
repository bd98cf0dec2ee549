"""The Typer side of `_params`' declarations, options shared by the Typer-declared commands, and access to the
database a command uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from evlm_cli import db, ids
from evlm_cli.cli import _complete, _params
from evlm_cli.cli._complete import Completer
from evlm_cli.location import Location, locate, require_writable
from evlm_cli.model import Survey


def typer_parameter(spec: _params.Option | _params.Argument) -> Any:
    """The `typer.Option` or `typer.Argument` of a declaration: same flags, help, bounds and check."""
    if isinstance(spec, _params.Argument):
        return typer.Argument(
            help=spec.help,
            metavar=spec.metavar,
            callback=_callback(spec.check),
            show_default=False,
            autocompletion=completion(spec.complete),
        )
    return typer.Option(
        *spec.flags,
        help=spec.help,
        metavar=spec.metavar,
        callback=_callback(spec.check),
        min=spec.minimum,
        show_default=spec.show_default,
        autocompletion=completion(spec.complete),
    )


def completion(complete: Completer | None) -> Callable[..., list[tuple[str, str]]] | None:
    """A completer (`_complete`) as Typer's `autocompletion`: it sees the root --db given on the command line."""
    if complete is None:
        return None

    def autocompletion(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        value = ctx.find_root().params.get("db")
        return complete(Path(value) if value else None, incomplete)

    return autocompletion


def _callback(check: _params.Check | None) -> Callable[[Any], Any] | None:
    """A declaration's check as a Typer callback: its ValueError becomes a usage error (exit 2)."""
    if check is None:
        return None

    def callback(value: Any) -> Any:
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None

    return callback


JsonOption = Annotated[bool, typer_parameter(_params.JSON)]
KEYS = completion(_complete.keys)
SECTIONS = completion(_complete.sections)
"""`autocompletion=` for the Typer-declared options and arguments that take a citation key or a section id."""
ForceOption = Annotated[bool, typer.Option("--force", help="Replace what already exists.")]


def root_db(ctx: typer.Context) -> Path | None:
    """The root `--db` value (checked not to be empty), if given."""
    value: str | None = ctx.find_root().params.get("db")
    return Path(value) if value is not None else None


def location(ctx: typer.Context) -> Location:
    """The database chosen by --db, EVLM_DB, the current folder or the bundled copy."""
    return locate(root_db(ctx))


def load(ctx: typer.Context) -> tuple[Survey, Location]:
    """Load the command's database (read-only use)."""
    where = location(ctx)
    return db.load(where.path), where


def writable_path(ctx: typer.Context) -> Path:
    """The database path a writing command may change; the bundled copy is refused with a clear message."""
    return require_writable(location(ctx))


def url_option(value: str | None) -> str | None:
    """Callback of an option whose value is a URL: a malformed one is a usage error (exit 2), before any work."""
    if value is not None and not ids.is_valid_url(value):
        raise typer.BadParameter(not_a_url(value))
    return value


def not_a_url(value: str) -> str:
    """The usage error for a malformed URL argument (`repr` shows a control character or a stray bracket)."""
    return f"{value!r} is not an absolute http(s) URL with a valid host, e.g. https://github.com/owner/repo"
