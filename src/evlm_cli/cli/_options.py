"""Options shared by several commands, defined once, and access to the database a command uses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli import db, ids
from evlm_cli.model import Survey

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
SectionFilter = Annotated[
    str | None, typer.Option("--section", "-s", help="Only papers in this section id or below it.")
]
YearFilter = Annotated[int | None, typer.Option("--year", help="Only papers of this year.")]
VenueFilter = Annotated[str | None, typer.Option("--venue", help="Only papers at this venue (case-insensitive).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace what already exists.")]


def location(ctx: typer.Context) -> db.Location:
    """The database chosen by --db, EVLM_DB, the current folder or the bundled copy."""
    explicit: Path | None = ctx.find_root().params.get("db")
    return db.locate(explicit)


def load(ctx: typer.Context) -> tuple[Survey, db.Location]:
    """Load the command's database (read-only use)."""
    where = location(ctx)
    return db.load(where.path), where


def writable_path(ctx: typer.Context) -> Path:
    """The database path a writing command may change; the bundled copy is refused with a clear message."""
    return db.require_writable(location(ctx))


def _check_years(value: str | None) -> str | None:
    """Reject a malformed --year as a usage error (exit 2), before any work is done."""
    if value is not None:
        from evlm_cli.search.query import QueryError, parse_years

        try:
            parse_years(value)
        except QueryError as error:
            raise typer.BadParameter(f"{error.message} ({error.hint})" if error.hint else error.message) from None
    return value


YearRangeFilter = Annotated[
    str | None,
    typer.Option(
        "--year", help="Only papers of this year or range of years: 2024, 2022..2024, 2022..", callback=_check_years
    ),
]
AuthorFilter = Annotated[
    list[str] | None,
    typer.Option("--author", "-a", help="Only papers with an author matching these words (repeatable)."),
]


def url_option(value: str | None) -> str | None:
    """Callback of an option whose value is a URL: a malformed one is a usage error (exit 2), before any work."""
    if value is not None and not ids.is_valid_url(value):
        raise typer.BadParameter(not_a_url(value))
    return value


def not_a_url(value: str) -> str:
    """The usage error for a malformed URL argument (`repr` shows a control character or a stray bracket)."""
    return f"{value!r} is not an absolute http(s) URL with a valid host, e.g. https://github.com/owner/repo"
