"""Is a record from a public source the paper the survey lists? Identity before anything is taken from a record.

A record is the same paper only when its title matches the list's closely (`dedupe.same_title`, or a near match of
the readable title a file name gives) AND something independent agrees: an id (arXiv id or DOI), an author's family
name, or the year (within one: a preprint published the next year). A search hit that fails this is another paper
and is never proposed, which is the failure that makes people distrust tools that "fix" bibliographies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evlm_cli import dedupe
from evlm_cli.keys import split_name
from evlm_cli.text import normalize_title

if TYPE_CHECKING:
    from evlm_cli.model import Paper
    from evlm_cli.sources import Metadata

CLOSE = 0.9
"""Similarity above which a readable title recovered from a file name matches a record's title (the file name lost
punctuation and sometimes a word)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    same: bool
    why: str
    """What agreed (`title and arXiv id`), or what did not (`another title`)."""


def readable_title(title: str) -> str:
    """The title a maintainer meant: a file name (`Fang_Isomorphic_Pruning_ECCV_2024_paper`) read as words."""
    from evlm_cli.lint.rules.titles import filename_title

    found = filename_title(title)
    return found[0] if found and found[0] else title


def is_mangled(title: str) -> bool:
    """True when a title is a file name or lost its punctuation (`Q-VLM- Post-training ...` for `Q-VLM: ...`)."""
    from evlm_cli.lint.rules.titles import filename_title

    return filename_title(title) is not None or "- " in title or title.strip().endswith(".pdf")


def titles_match(listed: str, record: str) -> bool:
    """The list's title and a record's name the same paper (numbers included: `Llama 2` is not `Llama 3`)."""
    if dedupe.same_title(listed, record):
        return True
    readable = readable_title(listed)
    if dedupe.title_numbers(readable) != dedupe.title_numbers(record):
        return False
    return bool(normalize_title(readable)) and dedupe.title_similarity(readable, record) >= CLOSE


def _families(names: Sequence[str]) -> set[str]:
    return {normalize_title(split_name(name).last or name) for name in names} - {""}


def same_paper(paper: Paper, record: Metadata) -> Verdict:
    """Whether `record` is `paper`: a close title and an agreeing id, author or year (module docstring)."""
    if not titles_match(paper.title, record.title):
        return Verdict(False, "another title")
    ids_agree = bool(paper.arxiv and record.arxiv == paper.arxiv) or bool(
        paper.doi and record.doi and record.doi.lower() == paper.doi.lower()
    )
    if ids_agree:
        return Verdict(True, "title and id")
    if paper.authors and record.authors:
        if _families(paper.authors) & _families(record.authors):
            return Verdict(True, "title and authors")
        return Verdict(False, "the same title by other authors")
    if paper.year and record.year and abs(paper.year - record.year) <= 1:
        return Verdict(True, "title and year")
    return Verdict(False, "only the title agrees")
