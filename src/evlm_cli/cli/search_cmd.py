"""`evlm search`: ranked full-text search through the cached index.

Plain invocations never reach this module: `evlm_cli.launcher` runs them without Typer (see there why). This
command serves the rest (`--help`, unusual spellings, in-process tests) through the same `run_search`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from evlm_cli.cli import app
from evlm_cli.cli._options import AuthorFilter, JsonOption, SectionFilter, VenueFilter, YearRangeFilter


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
    """Search the survey, best match first (title above section above tags above abstract).

    Words match their stems (quantized finds quantization), prefixes (quant), hyphenated and joined forms
    (vision-language, visionlanguage) and, from 5 letters, typos; case and accents are ignored. Quote
    "exact phrases"; restrict a word to a field with author:, title:, tag:, note:, abstract:, key:; filter
    with year:2022..2024, section:ID, venue:NAME. Exit code 1 when nothing matches.

    Example: evlm search quantization author:shinde --year 2022..2024
    """
    from evlm_cli.launcher import SearchArgs, run_search

    code = run_search(
        SearchArgs(
            db=ctx.find_root().params.get("db"),
            words=list(words or []),
            section=section,
            year=year,
            venue=venue,
            author=list(author or []),
            limit=limit,
            show_all=show_all,
            json_output=json_output,
            keys_output=keys_output,
        )
    )
    if code:
        raise typer.Exit(code)
