"""Choosing papers: the filters shared by `list`, `export` and `search`."""

from __future__ import annotations

from dataclasses import dataclass, field

from evlm_cli.model import Paper, Survey
from evlm_cli.text import ascii_fold


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
    """Free text, matched by `matches_query`."""


def matches_query(paper: Paper, query: str) -> bool:
    """Whether a paper matches `--query`: every word is in its title, authors, venue, abstract, tags or key.

    The one place `evlm search`'s engine plugs in (issue 5); case- and accent-insensitive.
    """
    haystack = _fold(" ".join((paper.title, *paper.authors, paper.venue, paper.abstract, *paper.tags, paper.key)))
    return all(word in haystack for word in _fold(query).split())


def _fold(text: str) -> str:
    return ascii_fold(text).casefold()


def select(survey: Survey, filters: Filters) -> list[Paper]:
    """The papers that pass every filter, in reading order. Unknown sections and keys are errors."""
    wanted_keys = {survey.paper(key).key for key in filters.keys}
    sections = survey.subtree(filters.section) if filters.section else None
    venue = filters.venue.casefold() if filters.venue else None
    return [
        paper
        for paper in survey.in_reading_order()
        if (sections is None or paper.section in sections)
        and (filters.year is None or paper.year == filters.year)
        and (venue is None or paper.venue.casefold() == venue)
        and (not wanted_keys or paper.key in wanted_keys)
        and (not filters.query or matches_query(paper, filters.query))
    ]
