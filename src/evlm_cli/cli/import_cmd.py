"""`evlm import ...`: create or extend the database from other formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console, _write, app
from evlm_cli.cli._options import ForceOption, location
from evlm_cli.errors import ImportFormatError
from evlm_cli.location import DEFAULT_RELATIVE

import_app = typer.Typer(
    help="Create or extend the database from other formats.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(import_app, name="import")

InputFile = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]


def read_input(path: Path) -> str:
    """Read an input file as UTF-8 text, or an ImportFormatError saying why not."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFormatError("no such file", where=str(path)) from None
    except UnicodeDecodeError as error:
        raise ImportFormatError(
            f"not UTF-8 text (byte {error.start})", where=str(path), hint="convert it to UTF-8"
        ) from None
    except OSError as error:
        raise ImportFormatError(f"cannot read: {error.strerror}", where=str(path)) from None


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
    target = where.path if where.writable else DEFAULT_RELATIVE
    result = parse_readme(read_input(file))
    if not result.survey.sections and not result.survey.papers:
        raise ImportFormatError(
            f"no sections or papers found in {file}",
            hint="expected `## Section` headings and `- Title, <ins>Venue, Year</ins> [[Paper](url)]` lines",
        )
    for problem in result.problems:
        _console.warning(f"{file}:{problem}")
    _write.create(target, result.survey, force=force)
    survey = result.survey
    _console.info(
        f"imported {len(survey.papers)} papers in {len(survey.sections)} sections into {target}"
        + (f"; {len(result.problems)} line(s) not understood" if result.problems else "")
    )
