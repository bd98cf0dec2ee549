"""`evlm list`, `evlm show` and `evlm sections`: read the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import (
    AuthorFilter,
    JsonOption,
    SectionFilter,
    VenueFilter,
    YearRangeFilter,
    load,
    location,
)
from evlm_cli.model import Paper

if TYPE_CHECKING:
    from evlm_cli.search.engine import Hit


def paper_json(paper: Paper) -> dict[str, Any]:
    """A paper under the database's own field names, ready for json.dumps."""
    from evlm_cli.search.index import paper_json as to_json

    return to_json(paper)


@app.command("list")
def list_papers(
    ctx: typer.Context,
    *,
    section: SectionFilter = None,
    year: YearRangeFilter = None,
    venue: VenueFilter = None,
    author: AuthorFilter = None,
    json_output: JsonOption = False,
) -> None:
    """List papers in the survey's order, optionally filtered.

    Example: evlm list --section quantization --year 2024
    """
    from evlm_cli.search.engine import run
    from evlm_cli.search.index import using_index
    from evlm_cli.search.query import Query, parse_years

    query = Query().merged(
        section=section, years=parse_years(year) if year else None, venue=venue, authors=tuple(author or ())
    )
    if json_output:
        index, result = using_index(location(ctx).path, lambda index: (index, run(index, query, limit=0)))
        _print_json_blobs(blob for (blob,) in index.fetch(result.rowids, "json"))
        return
    result = using_index(location(ctx).path, lambda index: run(index, query))
    _console.out().print(_papers_table(result.hits))
    _console.info(f"{result.total} of {result.papers} papers")


def _print_json_blobs(blobs: Iterator[str]) -> None:
    """Print a JSON array of pre-rendered objects exactly as print_json would, without parsing them again."""
    import sys

    first = True
    for blob in blobs:
        sys.stdout.write(("[\n  " if first else ",\n  ") + blob.replace("\n", "\n  "))
        first = False
    sys.stdout.write("[]\n" if first else "\n]\n")


def _papers_table(hits: list[Hit]) -> Any:
    from rich.table import Table

    table = Table(show_lines=False)
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("title", ratio=3)
    table.add_column("venue")
    table.add_column("year", justify="right")
    table.add_column("section", ratio=1)
    for hit in hits:
        table.add_row(
            hit.key,
            _console.escape(hit.title),
            _console.escape(hit.venue),
            str(hit.year or ""),
            _console.escape(hit.section_path.rpartition(" > ")[2]),
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
    from evlm_cli.search.index import using_index

    data, section_path = using_index(location(ctx).path, lambda index: index.paper(key))
    if json_output:
        _console.print_json(data)
        return
    from rich.table import Table

    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    for name, value in data.items():
        if name == "links":
            text = "\n".join(f"{link['label']}: {link['url']}" for link in value)
        elif name == "section":
            text = f"{value} ({section_path})"
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
