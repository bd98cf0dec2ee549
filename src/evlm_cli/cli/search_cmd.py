"""`evlm search`: ranked full-text search through the cached index (a declared command, see `_params`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from evlm_cli.cli import _console
from evlm_cli.cli._params import (
    Argument,
    AuthorFilter,
    JsonFlag,
    Option,
    SectionFilter,
    VenueFilter,
    YearRangeFilter,
)

if TYPE_CHECKING:
    from evlm_cli.search.engine import Hit, Result
    from evlm_cli.search.index import Index


def search(
    db: Path | None,
    words: Annotated[
        list[str] | None,
        Argument(help='Words, "exact phrases", prefixes (quant*) and fields (title:vision year:2024).'),
    ] = None,
    *,
    section: SectionFilter = None,
    year: YearRangeFilter = None,
    venue: VenueFilter = None,
    author: AuthorFilter = None,
    limit: Annotated[int, Option("--limit", "-n", minimum=1, help="Show at most this many papers.")] = 20,
    show_all: Annotated[bool, Option("--all", help="Show every match.")] = False,
    json_output: JsonFlag = False,
    keys_output: Annotated[bool, Option("--keys", help="Print only the keys, one a line (for pipes).")] = False,
) -> int:
    """Search the survey, best match first (title above section above tags above abstract).

    Words match their stems (quantized finds quantization), prefixes (quant), hyphenated and joined forms
    (vision-language, visionlanguage) and, from 5 letters, typos; case and accents are ignored. Quote
    "exact phrases"; restrict a word to a field with author:, title:, tag:, note:, abstract:, key:; filter
    with year:2022..2024, section:ID, venue:NAME. Exit code 1 when nothing matches.

    Example: evlm search quantization --year 2023..2024
    """
    from evlm_cli.location import locate
    from evlm_cli.search.engine import run, unfiltered_total
    from evlm_cli.search.index import using_index
    from evlm_cli.search.query import parse, parse_years
    from evlm_cli.text import quoted

    text = " ".join(words or [])
    query = parse(text).merged(
        section=section,
        years=parse_years(year) if year else None,
        venue=venue,
        authors=tuple(author or ()),
    )

    def answer(index: Index) -> tuple[Result, int]:
        found = run(index, query, limit=None if show_all else limit)
        return found, 0 if found.total else unfiltered_total(index, query)

    result, unfiltered = using_index(locate(db).path, answer)
    if not result.total:
        filters = " ".join(query.filters())
        if unfiltered:
            matches = "1 paper matches" if unfiltered == 1 else f"{unfiltered} papers match"
            _console.error(f"{matches} {quoted(query.words())}, but none passes {quoted(filters)}")
        elif result.suggestions:
            suggestions = ", ".join(repr(s) for s in result.suggestions)
            _console.error(f"no paper matches {quoted(text)} (did you mean {suggestions}?)")
        elif query.words():
            hint = " (every word must match: try fewer words)" if len(query.without_filters().terms) > 1 else ""
            _console.error(f"no paper matches {quoted(text)}{hint}")
        else:
            _console.error(f"no paper passes {quoted(filters)}")
        return 1
    if json_output:
        _console.print_json([_hit_json(rank, hit) for rank, hit in enumerate(result.hits, start=1)])
    elif keys_output:
        sys.stdout.write("".join(hit.key + "\n" for hit in result.hits))
    else:
        from evlm_cli.cli._listing import papers

        out = _console.out()
        out.print(papers(result.hits, width=out.width, ranked=True))
    shown = len(result.hits)
    more = f"; showing the first {shown} (--all shows every one)" if shown < result.total else ""
    _console.info(f"{result.total} of {result.papers} papers match{more}")
    return 0


def _hit_json(rank: int, hit: Hit) -> dict[str, Any]:
    """A search hit as `--json` prints it."""
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
