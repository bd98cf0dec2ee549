"""Rules on years and venues: a year before the arXiv id's, a publisher as venue, one venue spelled several ways."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator

from evlm_cli import ids
from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule
from evlm_cli.lint.rules.venue_names import CANONICAL_VENUES, NOT_VENUES, venue_key


@rule("year-arxiv")
def year_arxiv(context: Context) -> Iterator[Finding]:
    """A year that cannot be right: before the year of the paper's arXiv id, or `arXiv, YEAR` where YEAR is not
    the id's year.

    An arXiv id starts with the year and month it was assigned (2111.12293 is November 2021). A paper cannot be
    published before it, and an entry citing only arXiv should give the year of the arXiv version."""
    for paper in context.survey.papers:
        parsed = ids.parse_arxiv_id(paper.arxiv) if paper.arxiv else None
        if parsed is None or paper.year is None:
            continue
        if paper.year < parsed.year:
            yield context.finding(
                paper,
                "year-arxiv",
                "year",
                f"year {paper.year} is before its arXiv id {parsed.id} ({parsed.year})",
                f"set year = {parsed.year} or later",
            )
        elif venue_key(paper.venue) == "arxiv" and paper.year != parsed.year:
            yield context.finding(
                paper,
                "year-arxiv",
                "year",
                f"listed as arXiv, {paper.year}, but arXiv id {parsed.id} is from {parsed.year}",
                f"set year = {parsed.year}, or give the venue that published it in {paper.year}",
            )


@rule("not-a-venue")
def not_a_venue(context: Context) -> Iterator[Finding]:
    """A venue that is not a venue: a publisher or organisation (`IEEE/CVF`, `ACM`), not a conference or journal.

    Readers want to know where the paper appeared (CVPR, ICCV, ACM MM, TPAMI); the paper's link page says."""
    for paper in context.survey.papers:
        reason = NOT_VENUES.get(venue_key(paper.venue))
        if reason:
            yield context.finding(
                paper,
                "not-a-venue",
                "venue",
                f"venue {paper.venue!r} is not a venue: {reason}",
                "name the conference or journal (e.g. CVPR, ICCV, ACM MM), as the paper's page gives it",
            )


_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}")


@rule("venue-spelling")
def venue_spelling(context: Context) -> Iterator[Finding]:
    """One venue spelled in several ways across the list (`NeurIPS` and `NIPS`, `ICLR` and `Iclr 2024`).

    Filters such as `evlm list --venue` and the README's consistency need one spelling; the message suggests the
    list's most common one (or the usual name)."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for paper in context.survey.papers:
        if paper.venue.strip() and not _ARXIV_ID.search(paper.venue):  # `arXiv:1502.02367 / ICML`: not a spelling
            spellings[venue_key(paper.venue)][paper.venue] += 1
    for paper in context.survey.papers:
        forms = spellings.get(venue_key(paper.venue))
        if not forms or len(forms) < 2:
            continue
        preferred = CANONICAL_VENUES.get(venue_key(paper.venue), "")
        if preferred not in forms:
            preferred = min(forms, key=lambda form: (-forms[form], form))
        if paper.venue != preferred:
            yield context.finding(
                paper,
                "venue-spelling",
                "venue",
                f"venue {paper.venue!r} is spelled {preferred!r} elsewhere ({forms[preferred]} papers)",
                f"write venue = {preferred!r}",
            )
