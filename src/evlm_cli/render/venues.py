"""What kind of publication a paper is, from its venue and identifiers; shared by every citation format."""

from __future__ import annotations

import re
from enum import Enum

from evlm_cli.model import Paper


class Kind(Enum):
    """The publication kinds the export formats distinguish."""

    PREPRINT = "preprint"
    """Only on arXiv (venue empty or `arXiv`, with an arXiv id)."""
    CONFERENCE = "conference"
    JOURNAL = "journal"
    OTHER = "other"
    """No venue and no arXiv id: a web page, a report, ..."""


_PREPRINT_VENUES = re.compile(r"^\s*(arxiv|corr|preprint)\b", re.IGNORECASE)
_CONFERENCE_WORDS = re.compile(r"\b(conference|proceedings|workshops?|symposium|meeting|congress)\b", re.IGNORECASE)
_JOURNAL_WORDS = re.compile(
    r"\b(journal|transactions|trans\.|letters|magazine|review|tpami|pami|ijcv|tmlr|jmlr|tacl|neurocomputing|"
    r"pattern recognition|neural networks|nature|science|access|information fusion|computing surveys)\b",
    re.IGNORECASE,
)


def kind(paper: Paper) -> Kind:
    """Preprint, conference paper, journal article or other.

    A venue naming a journal (`Transactions`, `Journal`, `TPAMI`, ...) is a journal unless it also says
    `Conference`/`Proceedings` (CVPR's proceedings mention `Pattern Recognition`); any other venue counts as a
    conference, as most venues in this field are.
    """
    venue = "".join(c for c in paper.venue if c.isprintable()).strip()
    if not venue or _PREPRINT_VENUES.match(venue):
        return Kind.PREPRINT if paper.arxiv else Kind.OTHER
    if _JOURNAL_WORDS.search(venue) and not _CONFERENCE_WORDS.search(venue):
        return Kind.JOURNAL
    return Kind.CONFERENCE


def paper_url(paper: Paper) -> str | None:
    """The page a reader should open: the Paper link, else the arXiv abstract, else the DOI."""
    if paper.paper_url:
        return paper.paper_url
    if paper.arxiv:
        return f"https://arxiv.org/abs/{paper.arxiv}"
    if paper.doi:
        return f"https://doi.org/{paper.doi}"
    return None
