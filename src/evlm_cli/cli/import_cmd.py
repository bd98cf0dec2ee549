"""`evlm import ...`: create or extend the database from other formats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evlm_cli.cli import _console, _write, app
from evlm_cli.cli._options import ForceOption, location
from evlm_cli.errors import DatabaseError, ImportFormatError
from evlm_cli.inputfile import IMPORT_LIMIT, read_text, refuse_special
from evlm_cli.location import DEFAULT_RELATIVE

if TYPE_CHECKING:
    from evlm_cli.importers.readme import ReadmeImport

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
    """Create the database from an awesome-list README, with a README template that keeps the list's own text.

    Headings become the taxonomy and each list entry or table row that names a paper becomes a paper: the
    `- Title, <ins>Venue, Year</ins> [[Paper](url)]` format, `- [Title](url) - description`, author-first citations,
    nested bullets and paper tables. Everything else (header, news, prose sections, HTML) goes into
    README.template.md beside the database, so `evlm build` gives the page back, each paper in the list's own line
    style (recorded as `paper_line` in the database, docs/database.md). The import says how many entries it
    understood and how many come back as written, lists the others and every repair with its line number, and
    writes nothing when it found no paper. The database and template are written only if they do not exist yet, or
    with --force.

    Example: evlm --db data/papers.toml import readme README.md
    """
    where = location(ctx)
    target = where.path if where.writable else DEFAULT_RELATIVE
    refuse_special(target, what="database", error=DatabaseError)  # --force must not replace a pipe or a device
    result = read_readme(file)
    _write.create(target, result.survey, force=force, template=result.template)
    survey = result.survey
    _console.info(
        f"imported {len(survey.papers)} papers in {len(survey.sections)} sections into {target}"
        + (f"; {len(result.problems)} line(s) not understood" if result.problems else "")
    )


def read_readme(file: Path) -> ReadmeImport:
    """Import a README file, reporting what was not understood and what was repaired; an error if it has no paper."""
    from evlm_cli.importers.readme import parse_readme

    result = parse_readme(read_input(file))
    for problem in result.problems:
        _console.warning(f"{file}:{problem}")
    for repair in result.repairs:
        _console.info(f"{file}:line {repair.line}: repaired: {repair.reason}")
    understood = result.candidates - len(result.problems)
    if not result.survey.papers:
        raise ImportFormatError(
            f"no paper found in {file}",
            hint="expected headings with list entries such as `- Title, <ins>Venue, Year</ins> [[Paper](url)]` or "
            "`- [Title](url)`; nothing was written",
        )
    _console.info(f"understood {understood} of {result.candidates} entries that look like papers")
    kept = result.fidelity
    style = "the list's own paper line ([survey] paper_line)" if result.survey.info.paper_line else "evlm's paper line"
    spacing = f" ({kept.spacing} more but for spaces at the end)" if kept.spacing else ""
    _console.info(
        f"{style}: {kept.identical} of {kept.readable} entries read without repair come back as written{spacing}"
    )
    return result
