"""How `search` and `list` show papers: a table on a wide terminal, two lines a paper on a narrow one.

At 80 columns a six-column table leaves a title about 11 characters, so each paper took 8 lines; below `WIDE` the
title gets the whole line, and the key, venue, year and section go on a dim line under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

    from evlm_cli.search.engine import Hit

WIDE = 120
"""Terminals at least this wide get the table: enough for a key, a title of about 40 characters and the rest."""


def papers(hits: list[Hit], *, width: int, ranked: bool) -> Any:
    """A rich renderable of the hits, numbered when `ranked`, with the matched words of each title highlighted."""
    from rich.table import Table
    from rich.text import Text

    numbers = [f"{rank}" for rank in range(1, len(hits) + 1)] if ranked else []
    if width >= WIDE:
        table = Table()
        if ranked:
            table.add_column("#", justify="right")
        table.add_column("key", style="cyan", no_wrap=True)
        table.add_column("title", ratio=4)
        table.add_column("venue")
        table.add_column("year", justify="right")
        table.add_column("section", ratio=2)
        for index, hit in enumerate(hits):
            first = [numbers[index]] if ranked else []
            table.add_row(*first, Text(hit.key), _title(hit), Text(hit.venue), str(hit.year or ""), Text(_leaf(hit)))
        return table
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 0), pad_edge=False)
    if ranked:
        table.add_column(justify="right", no_wrap=True)
    table.add_column()
    for index, hit in enumerate(hits):
        cell = _title(hit)
        details = " · ".join(part for part in (hit.key, f"{hit.venue} {hit.year or ''}".strip(), _leaf(hit)) if part)
        cell.append("\n" + ("" if ranked else "  ") + details, style="dim")
        table.add_row(*([numbers[index] + "."] if ranked else []), cell)
    return table


def _title(hit: Hit) -> Text:
    from rich.text import Text

    title = Text(hit.title)
    for start, end in hit.title_marks:
        title.stylize("bold reverse", start, end)
    return title


def _leaf(hit: Hit) -> str:
    """The paper's own section (the last part of its path), which is what a reader scans for."""
    return hit.section_path.rpartition(" > ")[2]
