"""`evlm list`, `evlm show` and `evlm sections`: read the database through its index (declared commands, see
`_params`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from evlm_cli.cli import _complete, _console
from evlm_cli.cli._params import Argument, AuthorFilter, JsonFlag, Option, SectionFilter, VenueFilter, YearRangeFilter


def list_papers(
    db: Path | None,
    *,
    section: SectionFilter = None,
    year: YearRangeFilter = None,
    venue: VenueFilter = None,
    author: AuthorFilter = None,
    json_output: JsonFlag = False,
) -> int:
    """List papers in the survey's order, optionally filtered.

    Example: evlm list --section quantization --year 2024
    """
    from evlm_cli.location import locate
    from evlm_cli.search.engine import run
    from evlm_cli.search.index import using_index
    from evlm_cli.search.query import Query, parse_years

    query = Query().merged(
        section=section, years=parse_years(year) if year else None, venue=venue, authors=tuple(author or ())
    )
    path = locate(db).path
    if json_output:
        index, result = using_index(path, lambda index: (index, run(index, query, limit=0)))
        _print_json_blobs(blob for (blob,) in index.fetch(result.rowids, "json"))
        return 0
    from evlm_cli.cli._listing import papers

    result = using_index(path, lambda index: run(index, query))
    out = _console.out()
    out.print(papers(result.hits, width=out.width, ranked=False))
    _console.info(f"{result.total} of {result.papers} papers")
    return 0


def _print_json_blobs(blobs: Iterator[str]) -> None:
    """Print a JSON array of pre-rendered objects exactly as print_json would, without parsing them again."""
    first = True
    for blob in blobs:
        sys.stdout.write(("[\n  " if first else ",\n  ") + blob.replace("\n", "\n  "))
        first = False
    sys.stdout.write("[]\n" if first else "\n]\n")


def show(
    db: Path | None,
    key: Annotated[str, Argument(help="The paper's citation key (see `evlm list`).", complete=_complete.keys)],
    *,
    provenance: Annotated[
        bool, Option("--provenance", help="Say where each field came from (source, id, date, URL), which are pinned.")
    ] = False,
    json_output: JsonFlag = False,
) -> int:
    """Show one paper in full: the survey's fields and its citation record (type, container, volume, pages, ...).

    A key an imported duplicate had (an alias) shows the paper it names.

    Example: evlm show mbq2024modality --provenance
    """
    from evlm_cli.location import locate
    from evlm_cli.search.index import using_index

    data, section_path = using_index(locate(db).path, lambda index: index.paper(key))
    if json_output:
        _console.print_json(data)
        return 0
    from rich.table import Table

    origins: dict[str, dict[str, str]] = data.get("provenance", {})
    pinned = set(data.get("pinned", []))
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    if provenance:
        table.add_column(style="dim")
    for name, value in data.items():
        if name in ("provenance", "pinned", "rejected") and (provenance or name != "pinned"):
            continue
        if name == "links":
            text = "\n".join(f"{link['label']}: {link['url']}" for link in value)
        elif name == "section":
            text = f"{value} ({section_path})"
        elif name == "extra":  # the source's other BibTeX fields, as written
            text = "\n".join(f"{field} = {{{written}}}" for field, written in value.items())
        elif isinstance(value, list):
            text = "; ".join(str(v) for v in value)
        else:
            text = str(value)
        origin = None
        if provenance:
            origin = "" if name in _SURVEY_OWN else _origin(origins.get(name), pinned=name in pinned)
        table.add_row(name, _console.escape(text), *([_console.escape(origin)] if origin is not None else []))
    if provenance:
        for name, rejected in data.get("rejected", {}).items():
            table.add_row(f"rejected {name}", _console.escape("; ".join(rejected)), "")
    _console.out().print(table)
    return 0


_SURVEY_OWN = {"key", "section", "aliases", "tags", "note", "added", "ignore", "extra", "also_in"}
"""The survey's own fields: no public record gives them, so they have no provenance."""


def _origin(origin: dict[str, str] | None, *, pinned: bool) -> str:
    """`arxiv 2308.13137, 2026-12-01, https://arxiv.org/abs/2308.13137 (pinned)`; `(unknown)` when not recorded."""
    text = "(unknown)"
    if origin:
        source = " ".join(filter(None, (origin.get("source"), origin.get("id"))))
        text = ", ".join(part for part in (source, origin.get("date"), origin.get("url")) if part)
    return text + (" (pinned)" if pinned else "")


def sections(db: Path | None, *, json_output: JsonFlag = False) -> int:
    """List the taxonomy: section ids, titles, and paper counts (papers counts a section's subsections too).

    Example: evlm sections
    """
    from evlm_cli.location import locate
    from evlm_cli.search.index import using_index

    rows = using_index(locate(db).path, lambda index: index.sections())
    if json_output:
        _console.print_json(
            [
                {"id": s.id, "title": s.title, "emoji": s.emoji, "parent": s.parent, "papers": s.papers, "own": s.own}
                for s in rows
            ]
        )
        return 0
    from rich.table import Table
    from rich.text import Text

    depth: dict[str | None, int] = {None: 0}
    table = Table()
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("papers", justify="right")
    table.add_column("own", justify="right")
    for s in rows:
        depth[s.id] = depth.get(s.parent, 0) + 1
        table.add_row(s.id, Text("  " * (depth[s.id] - 1) + s.title), str(s.papers), str(s.own))
    _console.out().print(table)
    return 0
