"""Finding a paper the survey already has: the same arXiv id (any version), the same DOI, or a near-identical title
of the same year and entry type.

Titles are compared only when the ids do not already tell the papers apart: two papers with different arXiv ids, or
different DOIs, are different papers however alike their titles; so are two entries of different years or types
(`distinct_works`), which are kept and reported as possible duplicates. Titles whose numbers differ (`Llama 2` and
`Llama 3`, `Qwen2-VL` and `Qwen2.5-VL`, `... 1` and `... 10`) name different papers too, however close the rest is.

Used by `evlm add` and `evlm import bibtex` (is this new paper already listed? `Index`) and by `evlm check` (which
papers are listed twice?).
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
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
    found = ids.ids_from_links(link.url for link in paper.links).arxiv
    return found.id if found is not None else None


def doi_of(paper: Paper) -> str | None:
    """The paper's DOI in lower case: its `doi` field, else the first DOI link."""
    if paper.doi:
        return paper.doi.lower()
    return ids.ids_from_links(link.url for link in paper.links).doi


def title_similarity(a: str, b: str) -> float:
    """The difflib ratio (0..1) of two titles once normalised (case, accents and punctuation ignored)."""
    return difflib.SequenceMatcher(None, normalize_title(a), normalize_title(b), autojunk=False).ratio()


_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def title_numbers(title: str) -> tuple[str, ...]:
    """The numbers of a title in order (`Qwen2.5-VL: ... 72B` -> ('2.5', '72')), digits of any script read as ASCII."""
    return tuple(_NUMBER.findall(unicodedata.normalize("NFKD", title)))


def same_title(a: str, b: str) -> bool:
    """True when two titles are equal or near-identical once normalised, with the same numbers (an empty title
    matches nothing)."""
    left, right = normalize_title(a), normalize_title(b)
    if not left or not right or title_numbers(a) != title_numbers(b):
        return False
    if left == right:
        return True
    return _close(difflib.SequenceMatcher(None, left, right, autojunk=False))


def exactly_same_title(a: str, b: str) -> bool:
    """True when two titles differ at most in case and white space."""
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def different_ids(a: Paper, b: Paper) -> bool:
    """True when the ids tell two papers apart: both have an arXiv id and they differ, or both a DOI and they differ."""
    arxiv_a, arxiv_b = arxiv_of(a), arxiv_of(b)
    if arxiv_a is not None and arxiv_b is not None and arxiv_a != arxiv_b:
        return True
    doi_a, doi_b = doi_of(a), doi_of(b)
    return doi_a is not None and doi_b is not None and doi_a != doi_b


def distinct_works(a: Paper, b: Paper) -> bool:
    """True when two papers are different works whatever their titles: their ids differ (`different_ids`), or both
    give a year or an entry type and these differ (a book and its review, a workshop paper and its journal version,
    a yearly report). A same-titled pair told apart only by year or type is a possible duplicate (`Index.possible`)."""
    if different_ids(a, b):
        return True
    return bool(a.year and b.year and a.year != b.year) or bool(a.type and b.type and a.type != b.type)


def _close(matcher: difflib.SequenceMatcher[str]) -> bool:
    """The ratio reaches TITLE_SIMILARITY, trying difflib's cheap upper bounds first."""
    return (
        matcher.real_quick_ratio() >= TITLE_SIMILARITY
        and matcher.quick_ratio() >= TITLE_SIMILARITY
        and matcher.ratio() >= TITLE_SIMILARITY
    )


def similar_titles(papers: Iterable[Paper]) -> Iterator[tuple[Paper, Paper]]:
    """Pairs of papers that `same_title` matches and `different_ids` does not tell apart.

    Titles are sorted by length, and two strings can only reach the ratio if their lengths are close
    (2·min/(a+b) ≥ TITLE_SIMILARITY), so each title is compared with a short window of others, and difflib's cheap
    upper bounds rule out most pairs before the full ratio is computed. A thousand papers take well under a second."""
    items = sorted(
        ((title, title_numbers(p.title), p) for p in papers if (title := normalize_title(p.title))),
        key=lambda i: len(i[0]),
    )
    longest = 2 / TITLE_SIMILARITY - 1  # b may be at most this many times as long as a
    for i, (title, numbers, paper) in enumerate(items):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(title)
        for other_title, other_numbers, other in items[i + 1 :]:
            if len(other_title) > len(title) * longest:
                break
            if other_numbers != numbers or different_ids(paper, other):
                continue
            matcher.set_seq1(other_title)
            if other_title == title or _close(matcher):
                yield paper, other


def why_duplicate(existing: Paper, paper: Paper) -> str | None:
    """Why `existing` and `paper` are the same paper ('same arXiv id ...', 'same DOI ...', 'same title',
    'near-identical title'), or None."""
    arxiv = arxiv_of(paper)
    if arxiv is not None and arxiv == arxiv_of(existing):
        return f"same arXiv id {arxiv}"
    doi = doi_of(paper)
    if doi is not None and doi == doi_of(existing):
        return f"same DOI {doi}"
    if distinct_works(existing, paper) or not same_title(existing.title, paper.title):
        return None
    return "same title" if exactly_same_title(existing.title, paper.title) else "near-identical title"


def find_duplicate(survey: Survey, paper: Paper) -> Paper | None:
    """The paper of the survey, other than `paper` itself (same key), that is the same paper (`why_duplicate`)."""
    hit = find(survey.papers, paper)
    return hit[0] if hit is not None else None


def find(papers: Iterable[Paper], paper: Paper) -> tuple[Paper, str] | None:
    """(existing paper, reason) for the first of `papers` (other than `paper` itself) that is the same paper."""
    return Index(papers).find(paper)


class Index:
    """Papers ready to be asked "is this one already here?" many times: `evlm add` and `evlm import bibtex` both ask
    it, so they refuse exactly the same papers (those `why_duplicate` names a reason for).

    Ids are looked up in dictionaries; titles are compared only with titles of a length that could reach
    TITLE_SIMILARITY, with difflib's cheap upper bounds first, so importing a large file into a large survey is fast."""

    def __init__(self, papers: Iterable[Paper] = ()) -> None:
        self._arxiv: dict[str, list[Paper]] = {}
        self._doi: dict[str, list[Paper]] = {}
        self._titles: dict[int, list[tuple[str, tuple[str, ...], Paper]]] = {}
        for paper in papers:
            self.add(paper)

    def add(self, paper: Paper) -> None:
        """Make `paper` findable (an entry imported a moment ago is a duplicate for the next ones too)."""
        if (arxiv := arxiv_of(paper)) is not None:
            self._arxiv.setdefault(arxiv, []).append(paper)
        if (doi := doi_of(paper)) is not None:
            self._doi.setdefault(doi, []).append(paper)
        if title := normalize_title(paper.title):
            self._titles.setdefault(len(title), []).append((title, title_numbers(paper.title), paper))

    def find(self, paper: Paper) -> tuple[Paper, str] | None:
        """(existing paper, `why_duplicate` reason) of a paper other than `paper` itself (same key), or None."""
        return next(self._matches(paper, possible=False), None)

    def possible(self, paper: Paper) -> Paper | None:
        """A paper with the same title that only its year or entry type tells apart from `paper` (not a duplicate,
        but worth a look), or None."""
        return next((existing for existing, _ in self._matches(paper, possible=True)), None)

    def _matches(self, paper: Paper, *, possible: bool) -> Iterator[tuple[Paper, str]]:
        arxiv, doi = arxiv_of(paper), doi_of(paper)
        for table, value in ((self._arxiv, arxiv), (self._doi, doi)):
            for existing in table.get(value, []) if value is not None and not possible else []:
                if existing.key != paper.key and (reason := why_duplicate(existing, paper)):
                    yield existing, reason
        title = normalize_title(paper.title)
        if not title:
            return
        numbers = title_numbers(paper.title)
        longest = 2 / TITLE_SIMILARITY - 1
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(title)
        for size in range(math.floor(len(title) / longest), math.ceil(len(title) * longest) + 1):
            if max(size, len(title)) > min(size, len(title)) * longest:
                continue  # too long or too short to reach the ratio
            for other_title, other_numbers, existing in self._titles.get(size, []):
                if existing.key == paper.key or other_numbers != numbers or different_ids(existing, paper):
                    continue
                if possible != distinct_works(existing, paper):
                    continue
                matcher.set_seq1(other_title)
                if other_title == title or _close(matcher):
                    yield existing, "" if possible else (why_duplicate(existing, paper) or "")
