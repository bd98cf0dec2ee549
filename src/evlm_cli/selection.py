"""Choosing papers: the filters shared by `list`, `export` and `search`."""

from __future__ import annotations

from dataclasses import dataclass, field

from evlm_cli.model import Paper, Survey


@dataclass(frozen=True, slots=True)
class Filters:
    """A selection of papers; an empty one selects all."""

    section: str | None = None
    """A section id; its subsections are included."""
    year: int | None = None
    venue: str | None = None
    """Compared case-insensitively."""
    keys: tuple[str, ...] = field(default=())
    query: str | None = None
    """A search query, as `evlm search` takes it (`quant*`, `"exact phrase"`, `author:shinde`)."""


def matching_keys(survey: Survey, query: str) -> set[str]:
    """The keys of the papers `evlm search` finds for `query` (the same engine, so `--query` means the same)."""
    from evlm_cli.search.engine import search

    return {hit.key for hit in search(survey, query)}


def select(survey: Survey, filters: Filters) -> list[Paper]:
    """The papers that pass every filter, in reading order. Unknown sections and keys are errors."""
    wanted_keys = {survey.paper(key).key for key in filters.keys}
    sections = survey.subtree(filters.section) if filters.section else None
    venue = filters.venue.casefold() if filters.venue else None
    found = matching_keys(survey, filters.query) if filters.query else None
    return [
        paper
        for paper in survey.in_reading_order()
        if (sections is None or paper.section in sections)
        and (filters.year is None or paper.year == filters.year)
        and (venue is None or paper.venue.casefold() == venue)
        and (not wanted_keys or paper.key in wanted_keys)
        and (found is None or paper.key in found)
    ]
