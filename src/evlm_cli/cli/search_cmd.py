"""`evlm search`: ranked full-text search through the cached index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import AuthorFilter, JsonOption, SectionFilter, VenueFilter, YearRangeFilter, location
from evlm_cli.errors import ExitCode

if TYPE_CHECKING:
    from evlm_cli.search.engine import Hit


@app.command()
def search(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None,
        typer.Argument(help='Words, "exact phrases", prefixes (quant*) and fields (author:shinde year:2024).'),
    ] = None,
    *,
    section: SectionFilter = None,
    year: YearRangeFilter = None,
    venue: VenueFilter = None,
    author: AuthorFilter = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many papers.")] = 20,
    show_all: Annotated[bool, typer.Option("--all", help="Show every match.")] = False,
    json_output: JsonOption = False,
    keys_output: Annotated[bool, typer.Option("--keys", help="Print only the keys, one a line (for pipes).")] = False,
) -> None:
    """Search the survey: ranked by relevance (title above section above tags above abstract).

    Words match stems (quantized finds quantization), prefixes, hyphenated and joined forms and, from 5 letters,
    typos; accents and case are ignored. Exit code 1 when nothing matches.

    Example: evlm search quantization author:shinde --year 2022..2024
    """
    from evlm_cli.search.engine import run
    from evlm_cli.search.index import open_index
    from evlm_cli.search.query import parse, parse_years

    text = " ".join(words or [])
    query = parse(text).merged(
        section=section, years=parse_years(year) if year else None, venue=venue, authors=tuple(author or ())
    )
    result = run(open_index(location(ctx).path), query, limit=None if show_all else limit)
    if not result.total:
        hint = f" (did you mean {', '.join(repr(s) for s in result.suggestions)}?)" if result.suggestions else ""
        _console.error(f"no paper matches {text or 'these filters'!r}{hint}")
        raise typer.Exit(ExitCode.ERROR)
    if json_output:
        _console.print_json([_hit_json(rank, hit) for rank, hit in enumerate(result.hits, start=1)])
    elif keys_output:
        _console.print_plain("".join(hit.key + "\n" for hit in result.hits))
    else:
        _console.out().print(_table(result.hits))
    shown = len(result.hits)
    more = f"; showing the first {shown} (--all shows every one)" if shown < result.total else ""
    _console.info(f"{result.total} of {result.papers} papers match{more}")


def _hit_json(rank: int, hit: Hit) -> dict[str, Any]:
    return {
        "rank": rank,
        "key": hit.key,
        "score": hit.score,
        "matched_fields": list(hit.matched_fields),
        "matched_terms": list(hit.matched_terms),
        "title": hit.title,
        "venue": hit.venue,
        "year": hit.year,
        "section": hit.section,
        "section_path": hit.section_path,
    }


def _table(hits: list[Hit]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("title", ratio=3)
    table.add_column("venue")
    table.add_column("year", justify="right")
    table.add_column("section", ratio=1)
    for rank, hit in enumerate(hits, start=1):
        title = Text(hit.title)
        for start, end in hit.title_marks:
            title.stylize("bold reverse", start, end)
        table.add_row(str(rank), hit.key, title, hit.venue, str(hit.year or ""), Text(hit.section_path))
    return table
