"""`evlm import ...`: create or extend the database from other formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli import db
from evlm_cli.cli import _console, app
from evlm_cli.cli._options import ForceOption, location
from evlm_cli.errors import DatabaseError, ImportFormatError
from evlm_cli.inputfile import IMPORT_LIMIT, read_text, refuse_special

import_app = typer.Typer(
    help="Create or extend the database from other formats.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(import_app, name="import")

InputFile = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]


def read_input(path: Path) -> str:
    """Read an input file as UTF-8 text (a byte order mark dropped), or an ImportFormatError saying why not."""
    return read_text(path, what="file to import", limit=IMPORT_LIMIT, error=ImportFormatError)


@import_app.command("readme")
def import_readme(
    ctx: typer.Context,
    file: InputFile,
    *,
    force: ForceOption = False,
) -> None:
    """Create the database from an awesome-list survey README.

    Headings become the taxonomy and each `- Title, <ins>Venue, Year</ins> [[Paper](url)]` bullet a paper.
    Lines that cannot be understood are reported with their line numbers; the rest is imported.
    The database is written only if it does not exist yet, or with --force.

    Example: evlm --db data/papers.toml import readme README.md
    """
    from evlm_cli.importers.readme import parse_readme

    where = location(ctx)
    target = where.path if where.writable else db.DEFAULT_RELATIVE
    refuse_special(target, what="database", error=DatabaseError)  # --force must not replace a pipe or a device
    result = parse_readme(read_input(file))
    if not result.survey.sections and not result.survey.papers:
        raise ImportFormatError(
            f"no sections or papers found in {file}",
            hint="expected `## Section` headings and `- Title, <ins>Venue, Year</ins> [[Paper](url)]` lines",
        )
    for problem in result.problems:
        _console.warning(f"{file}:{problem}")
    db.write_new(result.survey, target, force=force)
    survey = result.survey
    _console.info(
        f"imported {len(survey.papers)} papers in {len(survey.sections)} sections into {target}"
        + (f"; {len(result.problems)} line(s) not understood" if result.problems else "")
    )
