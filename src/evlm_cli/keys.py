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
from dataclasses import dataclass

from evlm_cli.model import Survey
from evlm_cli.text import ascii_fold, normalize_space, quoted

STOPWORDS = frozenset(
    """a an the and or but nor of on in into onto at to for from by with without via as is are be
    its it this that these those towards toward over under about between through than vs versus do does
    how what when where which who why can we our""".split()
)
_NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la", "du", "dos"})


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class NameParts:
    """A person's name in BibTeX's four parts: `first von last, jr`.

    `literal` is set instead for an organisation (stored in braces: `{Barnes and Noble, Inc.}`, kept whole) and
    for a name that cannot be split (one word, or more commas than BibTeX allows); the other parts are then empty.
    """

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    literal: str = ""

    @property
    def family(self) -> str:
        """The family name with its lower-case particles (`van Beethoven`), or the literal name."""
        return " ".join(part for part in (self.von, self.last) if part) or self.literal


def is_organisation(author: str) -> bool:
    """True for a name stored whole in braces (`{Barnes and Noble, Inc.}`): one author, never split."""
    author = author.strip()
    if not (author.startswith("{") and author.endswith("}")):
        return False
    depth = 0
    for index, char in enumerate(author):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return index == len(author) - 1
    return False


def _is_suffix(word: str) -> bool:
    return word.rstrip(".").lower() in _SUFFIXES


def split_name(author: str) -> NameParts:
    """`First von Last Jr`, `von Last, First`, `von Last, Jr, First` or `First von Last, Jr` split into parts.

    Particles (van, von, de, ...) directly before the last word belong to the family name; the lower-case ones
    before the first capitalised particle are the `von` part (`Ludwig van Beethoven`), a capitalised one starts
    the last name (`Jean-Claude Van Damme`). A trailing `Jr.`, `Sr.`, `II`, `III`, `IV` is the `jr` part.
    """
    name = normalize_space(author)
    if is_organisation(name):
        return NameParts(literal=normalize_space(name[1:-1]))
    if "," in name:
        pieces = [normalize_space(piece) for piece in name.split(",")]
        if len(pieces) == 2 and _is_suffix(pieces[1]) and " " in pieces[0]:
            plain = split_name(pieces[0])
            return NameParts(plain.first, plain.von, plain.last, pieces[1]) if plain.first else NameParts(literal=name)
        if len(pieces) == 2:
            before, jr, first = pieces[0], "", pieces[1]
        elif len(pieces) == 3:
            before, jr, first = pieces
        else:
            return NameParts(literal=name)
        words = before.split()
        if not words or not first or (len(pieces) == 3 and not jr):
            return NameParts(literal=name)
        count = 0
        while count < len(words) - 1 and words[count][:1].islower():
            count += 1
        return NameParts(first, " ".join(words[:count]), " ".join(words[count:]), jr)
    words = name.split()
    jr = words.pop() if len(words) > 1 and _is_suffix(words[-1]) else ""
    if not words:
        return NameParts(literal=name)
    start = len(words) - 1
    while start > 0 and words[start - 1].lower() in _NAME_PARTICLES:
        start -= 1
    particles = words[start:-1]
    lower = 0
    while lower < len(particles) and particles[lower][:1].islower():
        lower += 1
    first = " ".join(words[:start])
    return NameParts(first, " ".join(particles[:lower]), " ".join([*particles[lower:], words[-1]]), jr)


def last_name(author: str) -> str:
    """The family name of `Last, First` or `First Last` (dropping `Jr.` and keeping `van der` with it)."""
    return split_name(author).family


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
    """A key by the rule above that is not in `taken`, compared case-insensitively as BibTeX compares keys."""
    base = base_key(title, authors, year)
    folded = {key.casefold() for key in taken}
    if base.casefold() not in folded:
        return base
    for suffix in _suffixes():
        if (base + suffix).casefold() not in folded:
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
        raise EvlmError(f"new key {quoted(new)} {problem}", hint="e.g. 'shinde2025efficient'")
    clash = next((p.key for p in survey.papers if p is not paper and p.key.casefold() == new.casefold()), None)
    if clash is not None:
        same = "" if clash == new else f" (BibTeX ignores case in keys, so it clashes with {clash!r})"
        raise EvlmError(
            f"key {new!r} is already taken{same}", hint=f"`evlm show {clash}` shows that paper; pick another key"
        )
    papers = tuple(replace(p, key=new) if p is paper else p for p in survey.papers)
    return replace(survey, papers=papers)
