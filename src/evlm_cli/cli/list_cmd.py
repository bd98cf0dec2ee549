"""`evlm list`, `evlm show` and `evlm sections`: read the database."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from evlm_cli import db
from evlm_cli.cli import _console, app
from evlm_cli.cli._options import JsonOption, SectionFilter, VenueFilter, YearFilter, load
from evlm_cli.model import Paper, Survey
from evlm_cli.selection import Filters, select


def paper_json(paper: Paper) -> dict[str, Any]:
    """A paper under the database's own field names, ready for json.dumps."""
    data = db.paper_to_dict(paper)
    if paper.added is not None:
        data["added"] = paper.added.isoformat()
    return data


@app.command("list")
def list_papers(
    ctx: typer.Context,
    *,
    section: SectionFilter = None,
    year: YearFilter = None,
    venue: VenueFilter = None,
    json_output: JsonOption = False,
) -> None:
    """List papers in the survey's order, optionally filtered.

    Example: evlm list --section quantization --year 2024
    """
    survey, _ = load(ctx)
    papers = select(survey, Filters(section=section, year=year, venue=venue))
    if json_output:
        _console.print_json([paper_json(p) for p in papers])
        return
    _console.out().print(_papers_table(survey, papers))
    _console.info(f"{len(papers)} of {len(survey.papers)} papers")


def _papers_table(survey: Survey, papers: list[Paper]) -> Any:
    from rich.table import Table

    table = Table(show_lines=False)
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("title", ratio=3)
    table.add_column("venue")
    table.add_column("year", justify="right")
    table.add_column("section", ratio=1)
    for paper in papers:
        table.add_row(
            paper.key,
            _console.escape(paper.title),
            _console.escape(paper.venue),
            str(paper.year or ""),
            _console.escape(survey.section(paper.section).title),
        )
    return table


@app.command()
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The paper's citation key (see `evlm list`).", show_default=False)],
    *,
    json_output: JsonOption = False,
) -> None:
    """Show one paper in full.

    Example: evlm show mbq2024modality
    """
    survey, _ = load(ctx)
    paper = survey.paper(key)
    if json_output:
        _console.print_json(paper_json(paper))
        return
    from rich.table import Table

    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    for name, value in paper_json(paper).items():
        if name == "links":
            text = "\n".join(f"{link['label']}: {link['url']}" for link in value)
        elif name == "section":
            text = f"{value} ({survey.section_path(value)})"
        elif isinstance(value, list):
            text = "; ".join(str(v) for v in value)
        else:
            text = str(value)
        table.add_row(name, _console.escape(text))
    _console.out().print(table)


@app.command()
def sections(ctx: typer.Context, *, json_output: JsonOption = False) -> None:
    """List the taxonomy: section ids, titles and paper counts.

    Example: evlm sections
    """
    survey, _ = load(ctx)
    counts = {s.id: len(survey.papers_in(s.id)) for s in survey.sections}
    if json_output:
        rows = [
            {"id": s.id, "title": s.title, "emoji": s.emoji, "parent": s.parent, "papers": counts[s.id]}
            for s in survey.sections
        ]
        _console.print_json(rows)
        return
    from rich.table import Table

    table = Table()
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("papers", justify="right")
    for s in survey.sections:
        indent = "  " * (survey.depth(s.id) - 1)
        table.add_row(s.id, indent + _console.escape(s.title), str(counts[s.id]))
    _console.out().print(table)
