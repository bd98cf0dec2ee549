"""`evlm export FORMAT`: the selected papers as BibTeX, BibLaTeX, CSL JSON, RIS, JSON, CSV or Markdown."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import SectionFilter, load
from evlm_cli.errors import EvlmError
from evlm_cli.render.formats import FORMATS

KeyOption = Annotated[
    list[str] | None, typer.Option("--key", "-k", help="Only this paper (repeat for more).", show_default=False)
]
QueryOption = Annotated[
    str | None,
    typer.Option(
        "--query", "-q", help="Only papers that `evlm search` finds for this query (e.g. 'quant* year:2024')."
    ),
]


class ExportFormat(enum.StrEnum):
    """The names of `render.formats.FORMATS` (a test keeps the two equal), so Click lists and checks them."""

    bibtex = "bibtex"
    biblatex = "biblatex"
    csl_json = "csl-json"
    ris = "ris"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def _output_file(value: str | None) -> Path | None:
    """The --output path, or a usage error for an empty name, a folder or a missing parent folder."""
    if value is None:
        return None
    path = Path(value)
    if not value.strip():
        raise typer.BadParameter("is empty; give a file name, e.g. -o papers.bib", param_hint="--output")
    if path.is_dir() or value.endswith(("/", "\\")):
        raise typer.BadParameter(
            f"{value!r} is a folder; give a file name, e.g. -o {path / 'papers.bib'}", param_hint="--output"
        )
    if not path.parent.is_dir():
        raise typer.BadParameter(f"folder {str(path.parent)!r} does not exist; create it first", param_hint="--output")
    return path


OutputOption = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (atomically) instead of stdout.",
        show_default=False,
        metavar="FILE",
    ),
]


@app.command("export")
def export(
    ctx: typer.Context,
    format_name: Annotated[
        ExportFormat,
        typer.Argument(
            metavar="FORMAT",
            help="One of: " + ", ".join(f"{f.name} ({f.description})" for f in FORMATS.values()),
            case_sensitive=False,
        ),
    ],
    *,
    section: SectionFilter = None,
    key: KeyOption = None,
    query: QueryOption = None,
    output: OutputOption = None,
    links: Annotated[
        bool,
        typer.Option(
            "--links", help="bibtex, biblatex: add the survey's other links (Code, ...) as fields named after them."
        ),
    ] = False,
) -> None:
    """Export papers (all, or a selection) as a bibliography or a table.

    Example: evlm export bibtex --section quantization -o quantization.bib
    """
    from evlm_cli.fsutil import atomic_write
    from evlm_cli.render.formats import get
    from evlm_cli.selection import Filters, select

    chosen = get(format_name.value)
    if links and chosen.render_links is None:
        raise typer.BadParameter(f"{chosen.name} has no place for links; use bibtex or biblatex", param_hint="--links")
    destination_file = _output_file(output)
    survey, _ = load(ctx)
    papers = select(survey, Filters(section=section, keys=tuple(key or ()), query=query))
    if not papers:
        what = f"matches {query!r}" if query else "is in that selection"
        raise EvlmError(f"nothing to export: no paper {what}", hint="`evlm search` and `evlm list` show what there is")
    text = chosen.render_links(papers) if links and chosen.render_links else chosen.render(papers)
    if destination_file is None:
        _console.print_plain(text)
    else:
        atomic_write(destination_file, text)
    destination = f" to {destination_file}" if destination_file else ""
    _console.info(f"exported {len(papers)} of {len(survey.papers)} papers as {chosen.name}{destination}")
