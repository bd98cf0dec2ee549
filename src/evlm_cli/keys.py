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
_FOREIGN_LETTERS = frozenset("oe OE ae AE aa AA o O l L ss i j".split())
"""BibTeX's special characters whose command is itself the letter (`{\\o}`): its case is the command's."""


@dataclass(frozen=True, slots=True)
class NameParts:
    """A person's name in BibTeX's four parts: `first von last, jr`, each as written (braces kept).

    `literal` is set instead for an organisation (stored in braces: `{Barnes and Noble, Inc.}`, kept whole) and
    for a name that cannot be split (more commas than BibTeX allows); the other parts are then empty. The
    properties give the parts as readable text (braces dropped), under CSL's names.
    """

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    literal: str = ""

    @property
    def given(self) -> str:
        return _unbraced(self.first)

    @property
    def particle(self) -> str:
        """`van`, `de la`: CSL's non-dropping particle."""
        return _unbraced(self.von)

    @property
    def surname(self) -> str:
        return _unbraced(self.last)

    @property
    def suffix(self) -> str:
        return _unbraced(self.jr)

    @property
    def family(self) -> str:
        """The family name with its lower-case particles (`van Beethoven`), or the literal name."""
        return " ".join(part for part in (self.particle, self.surname) if part) or _unbraced(self.literal)


def _unbraced(text: str) -> str:
    """A name part as readable text: braces dropped, any LaTeX accent (`Conceic\\~{a}o`) decoded."""
    from evlm_cli.latex import decode

    return decode(text) if "\\" in text else normalize_space(text.replace("{", "").replace("}", ""))


def format_name(parts: NameParts) -> str:
    """`von Last, Jr, First` (or `von Last, First`, or `{literal}`): the form BibTeX splits back into these parts."""
    if parts.literal:
        return f"{{{parts.literal}}}"
    front = " ".join(p for p in (parts.von, parts.last) if p)
    if parts.jr:
        return f"{front}, {parts.jr}, {parts.first}"
    return f"{front}, {parts.first}" if parts.first else front


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


def _split_top_level(text: str, separators: str) -> list[str]:
    """`text` split at each of `separators` outside braces (pieces not stripped)."""
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char in separators and depth == 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return pieces


def _words(text: str) -> list[str]:
    return [word for word in _split_top_level(text, " \t\n") if word]


def is_lower_word(word: str) -> bool:
    """BibTeX's test for a `von` word: its first letter outside braces is lower case.

    A brace group is skipped (caseless), except a special character `{\\'e}`, whose letter counts; a word with no
    letter is not lower case."""
    index, depth = 0, 0
    while index < len(word):
        char = word[index]
        if char == "{":
            if word.startswith("{\\", index) and depth == 0:
                command = re.match(r"\\([a-zA-Z]+|.)", word[index + 1 :])
                name = command.group(1) if command else ""
                if name in _FOREIGN_LETTERS:
                    return name[0].islower()
                rest = word[index + 1 + (command.end() if command else 1) :]
                letter = next((c for c in rest if c.isalpha()), "")
                return letter.islower()
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and char.isalpha():
            return char.islower()
        index += 1
    return False


def split_name(author: str, *, strict: bool = False) -> NameParts:
    """`First von Last`, `von Last, First` or `von Last, Jr, First` split into BibTeX's parts, as bibtex splits it.

    The `von` part is the words that start with a lower-case letter (`Ludwig van Beethoven`, `de la Fontaine, Jean`),
    braces group words (`{Di Gregorio}`), an empty Jr part is allowed (`Werneck,, Renato`). Unless `strict`, two
    readings are added for names that come as plain text (arXiv, Crossref), not written for BibTeX: a trailing `Jr.`,
    `Sr.`, `II`, `III`, `IV` is the `jr` part (`Martin Luther King Jr.`, `Martin Luther King, Jr.`), and capitalised
    particles before the last word belong to the last name (`Jean-Claude Van Damme`). `strict` is BibTeX's own rule.
    """
    name = normalize_space(author)
    if is_organisation(name):
        return NameParts(literal=normalize_space(name[1:-1]))
    pieces = [normalize_space(piece) for piece in _split_top_level(name, ",")]
    if len(pieces) > 3 or not pieces[0]:
        return NameParts(literal=name)
    if len(pieces) == 2 and not strict and _is_suffix(pieces[1]) and len(_words(pieces[0])) > 1:
        plain = split_name(pieces[0])
        return NameParts(plain.first, plain.von, plain.last, pieces[1])
    if len(pieces) > 1:
        words = _words(pieces[0])
        end = len(words) - 1
        while end > 0 and not is_lower_word(words[end - 1]):
            end -= 1
        return NameParts(
            pieces[-1], " ".join(words[:end]), " ".join(words[end:]), pieces[1] if len(pieces) == 3 else ""
        )
    words = _words(name)
    jr = words.pop() if not strict and len(words) > 1 and _is_suffix(words[-1]) else ""
    if not words:
        return NameParts(literal=name)
    start = next((i for i in range(len(words) - 1) if is_lower_word(words[i])), None)
    if start is None:
        first, von, last = words[:-1], [], words[-1:]
    else:
        end = max(i for i in range(start, len(words) - 1) if is_lower_word(words[i])) + 1
        first, von, last = words[:start], words[start:end], words[end:]
    if not strict:
        run = len(words) - 1
        while run > 0 and words[run - 1].lower() in _NAME_PARTICLES:
            run -= 1
        particles = words[run:-1]
        capital = next((i for i, word in enumerate(particles) if not is_lower_word(word)), None)
        if capital is not None:
            first, von, last = words[:run], particles[:capital], particles[capital:] + words[-1:]
    return NameParts(" ".join(first), " ".join(von), " ".join(last), jr)


def last_name(author: str) -> str:
    """The family name of `Last, First` or `First Last` (dropping `Jr.` and keeping `van der` with it)."""
    return split_name(author).family


def _key_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", ascii_fold(text).lower())


def significant_words(title: str) -> list[str]:
    """Title words that can stand for the paper: not stop words, single letters or bare numbers."""
    words = _key_words(title)
    return [w for w in words if w not in STOPWORDS and len(w) > 1 and not w.isdigit()] or words


def base_key(title: str, authors: Sequence[str], year: int | None) -> str:
    """The key before collision suffixes."""
    words = significant_words(title)
    name = "".join(_key_words(last_name(authors[0]))) if authors else ""
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
    from evlm_cli.model import taken_keys, validate_key

    paper = survey.paper(old)
    problem = validate_key(new)
    if problem:
        raise EvlmError(f"new key {quoted(new)} {problem}", hint="e.g. 'shinde2025efficient'")
    wanted = new.casefold()
    clash = next((p.key for p in survey.papers if p is not paper and wanted in taken_keys([p], casefold=True)), None)
    if clash is not None:
        same = "" if clash == new else f" (BibTeX ignores case in keys, so it clashes with {clash!r})"
        raise EvlmError(
            f"key {new!r} is already taken{same}", hint=f"`evlm show {clash}` shows that paper; pick another key"
        )
    aliases = tuple(alias for alias in paper.aliases if alias.casefold() != new.casefold())  # an alias becomes the key
    papers = tuple(replace(p, key=new, aliases=aliases) if p is paper else p for p in survey.papers)
    return replace(survey, papers=papers)
