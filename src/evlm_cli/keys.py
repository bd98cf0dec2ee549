"""The citation key rule, as Google Scholar and Better BibTeX users know it.

`{first author's last name}{year}{first significant title word}`, ASCII-folded and lower case:
`shinde2025efficient`. A paper without authors uses its first significant title word in place of the name and
the next one as the word (`mbq2024modality`); without a year, the year is left out. On a collision the key gets
a suffix `a`, `b`, ... (`shinde2025efficienta`). Keys are generated once and never change when other fields are
edited; `evlm rekey` renames one on purpose.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Collection, Iterator, Sequence

from evlm_cli.model import Survey
from evlm_cli.text import ascii_fold

STOPWORDS = frozenset(
    """a an the and or but nor of on in into onto at to for from by with without via as is are be
    its it this that these those towards toward over under about between through than vs versus do does
    how what when where which who why can we our""".split()
)
_NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la", "du", "dos"})


def last_name(author: str) -> str:
    """The family name of `Last, First` or `First Last` (dropping `Jr.` and keeping `van der` with it)."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = [p for p in author.split() if p.rstrip(".").lower() not in {"jr", "sr", "ii", "iii", "iv"}]
    if not parts:
        return ""
    name = [parts[-1]]
    for part in reversed(parts[:-1]):
        if part.lower() not in _NAME_PARTICLES:
            break
        name.insert(0, part)
    return " ".join(name)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", ascii_fold(text).lower())


def significant_words(title: str) -> list[str]:
    """Title words that can stand for the paper: not stop words, single letters or bare numbers."""
    words = _words(title)
    return [w for w in words if w not in STOPWORDS and len(w) > 1 and not w.isdigit()] or words


def base_key(title: str, authors: Sequence[str], year: int | None) -> str:
    """The key before collision suffixes."""
    words = significant_words(title)
    name = "".join(_words(last_name(authors[0]))) if authors else ""
    if not name:
        name, words = (words[0], words[1:]) if words else ("anon", [])
    word = words[0] if words else ""
    return f"{name}{year if year else ''}{word}" or "anon"


def make_key(title: str, authors: Sequence[str], year: int | None, taken: Collection[str]) -> str:
    """A key by the rule above that is not in `taken`."""
    base = base_key(title, authors, year)
    if base not in taken:
        return base
    for suffix in _suffixes():
        if base + suffix not in taken:
            return base + suffix
    raise AssertionError("unreachable: the suffixes are endless")


def _suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ... as Better BibTeX does."""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def rename(survey: Survey, old: str, new: str) -> Survey:
    """The survey with paper `old` keyed `new`.

    NotFoundError for an unknown `old`, EvlmError for a malformed or taken `new`.
    """
    from dataclasses import replace

    from evlm_cli.errors import EvlmError
    from evlm_cli.model import validate_key

    paper = survey.paper(old)
    problem = validate_key(new)
    if problem:
        raise EvlmError(f"new key {new!r} {problem}", hint="e.g. 'shinde2025efficient'")
    if survey.has_paper(new):
        raise EvlmError(f"key {new!r} is already taken", hint=f"`evlm show {new}` shows that paper; pick another key")
    papers = tuple(replace(p, key=new) if p is paper else p for p in survey.papers)
    return replace(survey, papers=papers)
