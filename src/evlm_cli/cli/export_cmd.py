"""`evlm export FORMAT`: the selected papers as BibTeX, BibLaTeX, CSL JSON, RIS, JSON, CSV or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import SectionFilter, load
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
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout.", show_default=False),
]


@app.command("export")
def export(
    ctx: typer.Context,
    format_name: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT", help="One of: " + ", ".join(f"{f.name} ({f.description})" for f in FORMATS.values())
        ),
    ],
    *,
    section: SectionFilter = None,
    key: KeyOption = None,
    query: QueryOption = None,
    output: OutputOption = None,
) -> None:
    """Export papers (all, or a selection) as a bibliography or a table.

    Example: evlm export bibtex --section quantization -o quantization.bib
    """
    from evlm_cli.fsutil import atomic_write
    from evlm_cli.render.formats import get
    from evlm_cli.selection import Filters, select

    chosen = get(format_name)
    survey, _ = load(ctx)
    papers = select(survey, Filters(section=section, keys=tuple(key or ()), query=query))
    text = chosen.render(papers)
    if output is None:
        _console.print_plain(text)
    else:
        atomic_write(output, text)
    destination = f" to {output}" if output else ""
    _console.info(f"exported {len(papers)} of {len(survey.papers)} papers as {chosen.name}{destination}")
