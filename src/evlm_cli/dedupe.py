"""Finding a paper the survey already has: the same arXiv id (any version), the same DOI, or a near-identical title.

Used by `evlm add` (is this new paper already listed?) and by `evlm check` (which papers are listed twice?).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from evlm_cli import ids
from evlm_cli.model import Paper, Survey
from evlm_cli.text import normalize_title

TITLE_SIMILARITY = 0.95
"""difflib ratio of two normalised titles above which they name the same paper (typos, punctuation, a subtitle dash)."""


def arxiv_of(paper: Paper) -> str | None:
    """The paper's arXiv id without version: its `arxiv` field, else the first arXiv link."""
    if paper.arxiv:
        return paper.arxiv
    for link in paper.links:
        found = ids.arxiv_from_url(link.url)
        if found is not None:
            return found.id
    return None


def doi_of(paper: Paper) -> str | None:
    """The paper's DOI in lower case: its `doi` field, else the first DOI link."""
    if paper.doi:
        return paper.doi.lower()
    for link in paper.links:
        found = ids.doi_from_url(link.url)
        if found is not None:
            return found
    return None


def title_similarity(a: str, b: str) -> float:
    """The difflib ratio (0..1) of two titles once normalised (case, accents and punctuation ignored)."""
    return difflib.SequenceMatcher(None, normalize_title(a), normalize_title(b), autojunk=False).ratio()


def same_title(a: str, b: str) -> bool:
    """True when two titles are equal or near-identical once normalised (an empty title matches nothing)."""
    left, right = normalize_title(a), normalize_title(b)
    if not left or not right:
        return False
    if left == right:
        return True
    return _close(difflib.SequenceMatcher(None, left, right, autojunk=False))


def _close(matcher: difflib.SequenceMatcher[str]) -> bool:
    """The ratio reaches TITLE_SIMILARITY, trying difflib's cheap upper bounds first."""
    return (
        matcher.real_quick_ratio() >= TITLE_SIMILARITY
        and matcher.quick_ratio() >= TITLE_SIMILARITY
        and matcher.ratio() >= TITLE_SIMILARITY
    )


def similar_titles(papers: Iterable[Paper]) -> Iterator[tuple[Paper, Paper]]:
    """Pairs of papers whose normalised titles have a difflib ratio of at least TITLE_SIMILARITY.

    Titles are sorted by length, and two strings can only reach the ratio if their lengths are close
    (2·min/(a+b) ≥ TITLE_SIMILARITY), so each title is compared with a short window of others, and difflib's cheap
    upper bounds rule out most pairs before the full ratio is computed. A thousand papers take well under a second."""
    items = sorted(((normalize_title(p.title), p) for p in papers if normalize_title(p.title)), key=lambda i: len(i[0]))
    longest = 2 / TITLE_SIMILARITY - 1  # b may be at most this many times as long as a
    for i, (title, paper) in enumerate(items):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(title)
        for other_title, other in items[i + 1 :]:
            if len(other_title) > len(title) * longest:
                break
            matcher.set_seq1(other_title)
            if _close(matcher):
                yield paper, other


def why_duplicate(existing: Paper, paper: Paper) -> str | None:
    """Why `existing` and `paper` are the same paper ('arXiv id', 'DOI', 'title'), or None."""
    arxiv = arxiv_of(paper)
    if arxiv is not None and arxiv == arxiv_of(existing):
        return f"same arXiv id {arxiv}"
    doi = doi_of(paper)
    if doi is not None and doi == doi_of(existing):
        return f"same DOI {doi}"
    if same_title(existing.title, paper.title):
        return "same title"
    return None


def find_duplicate(survey: Survey, paper: Paper) -> Paper | None:
    """The first paper of the survey, other than `paper` itself (same key), that is the same paper."""
    for existing in survey.papers:
        if existing.key != paper.key and why_duplicate(existing, paper) is not None:
            return existing
    return None
