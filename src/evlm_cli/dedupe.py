"""Finding a paper the survey already has: the same arXiv id (any version), the same DOI, or a near-identical title."""

from __future__ import annotations

import difflib

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


def same_title(a: str, b: str) -> bool:
    """True when two titles are equal or near-identical once normalised."""
    left, right = normalize_title(a), normalize_title(b)
    if not left or not right:
        return False
    if left == right:
        return True
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    return matcher.real_quick_ratio() >= TITLE_SIMILARITY and matcher.ratio() >= TITLE_SIMILARITY


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
