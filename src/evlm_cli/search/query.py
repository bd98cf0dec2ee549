"""The query language of `evlm search`, parsed into a `Query`; pure, no I/O.

quantization                 a word (stemmed, accent- and case-insensitive; a prefix of 3+ letters matches too)
quant*                       an explicit prefix
"post training"              an exact phrase
vision-language              a hyphenated form: also matches `visionlanguage` and `vision language`
author:shinde title:pruning  a word in one field (author, title, tag, note, abstract, key)
year:2024  year:2022..2024   a year or an inclusive range (open ends: `2022..`, `..2024`)
section:quantization         papers in a section id or below it
venue:iclr                   papers whose venue contains these words
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from evlm_cli.errors import EvlmError
from evlm_cli.text import quoted

FIELDS = {
    "title": "title",
    "author": "authors",
    "authors": "authors",
    "venue": "venue",
    "section": "section",
    "tag": "tags",
    "tags": "tags",
    "note": "note",
    "abstract": "abstract",
    "key": "citekey",
    "year": "year",
}
"""Field names accepted before a colon, mapped to the index column they search."""

_FIELD_NAMES = {column: name for name, column in reversed(FIELDS.items())}
"""Index column -> the field name a query writes for it (the first of FIELDS: `author`, not `authors`)."""

_TOKEN = re.compile(r'(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
_YEAR_RANGE = re.compile(r"^(?P<start>\d{4})?(?:(?P<dots>\.\.|-)(?P<end>\d{4})?)?$")


class QueryError(EvlmError):
    """A query that cannot be understood (a malformed year range)."""


@dataclass(frozen=True, slots=True)
class Term:
    """One thing every hit must match."""

    text: str
    """The words as typed (without quotes, field or trailing `*`)."""
    field: str | None = None
    """The index column to search (`title`, `authors`, ...), or None for every column."""
    phrase: bool = False
    """Quoted: the words must appear together, in order."""
    prefix: bool = False
    """Written with a trailing `*`."""

    def __str__(self) -> str:
        """The term in the query language (`title:"vision language"`, `quant*`)."""
        text = f'"{self.text}"' if self.phrase else self.text + ("*" if self.prefix else "")
        return f"{_FIELD_NAMES[self.field]}:{text}" if self.field else text


@dataclass(frozen=True, slots=True)
class YearRange:
    """An inclusive range of years; None on either end leaves it open."""

    start: int | None = None
    end: int | None = None

    def __str__(self) -> str:
        if self.start == self.end:
            return str(self.start)
        return f"{self.start or ''}..{self.end or ''}"


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: terms (all must match) and filters."""

    terms: tuple[Term, ...] = ()
    section: str | None = None
    """A section id; its subsections are included."""
    years: YearRange | None = None
    venue: str | None = None
    """Words the venue must contain (case- and accent-insensitive)."""
    keys: tuple[str, ...] = field(default=())
    """Only these papers (used by `export --keys` style callers)."""
    asks_words: bool = False
    """The text asked for words (not only filters), even if none of them is a word evlm can search for."""

    def filters(self) -> list[str]:
        """The filters, in the query language (`year:2022..2024`, `author:shinde`): what can remove every match."""
        found = [f"section:{_quoted(self.section)}"] if self.section is not None else []
        found += [f"year:{self.years}"] if self.years is not None else []
        found += [f"venue:{_quoted(self.venue)}"] if self.venue is not None else []
        return found + [str(term) for term in self.terms if term.field == "authors"]

    def without_filters(self) -> Query:
        """The same words, without section, year, venue, author and key filters."""
        return Query(terms=tuple(t for t in self.terms if t.field != "authors"), asks_words=self.asks_words)

    def words(self) -> str:
        """The words, in the query language, without the filters (`quant* title:vision`)."""
        return " ".join(str(term) for term in self.terms if term.field != "authors")

    def merged(
        self,
        *,
        section: str | None = None,
        years: YearRange | None = None,
        venue: str | None = None,
        authors: tuple[str, ...] = (),
    ) -> Query:
        """This query with command-line filters added (an option wins over the same field in the query text)."""
        return replace(
            self,
            terms=self.terms + tuple(Term(a, field="authors", phrase=" " in a.strip()) for a in authors),
            section=section if section is not None else self.section,
            years=years if years is not None else self.years,
            venue=venue if venue is not None else self.venue,
        )


def parse_years(text: str) -> YearRange:
    """`2024`, `2022..2024`, `2022-2024`, `2022..` or `..2024` as a YearRange; QueryError otherwise."""
    match = _YEAR_RANGE.match(text.strip())
    if not match or not (match["start"] or match["end"]):
        raise QueryError(f"bad year {quoted(text)}", hint="write a year (2024) or a range (2022..2024)")
    start = int(match["start"]) if match["start"] else None
    end = int(match["end"]) if match["end"] else None
    if not match["dots"]:
        end = start
    if start is not None and end is not None and start > end:
        raise QueryError(
            f"bad year range {quoted(text)}: it ends before it starts", hint="write the earlier year first"
        )
    return YearRange(start, end)


def parse(text: str) -> Query:
    """Parse the query language (see the module docstring). Unknown `name:` prefixes are searched as words."""
    terms: list[Term] = []
    section: str | None = None
    years: YearRange | None = None
    venue: str | None = None
    asks_words = False
    for match in _TOKEN.finditer(text):
        name, phrase, word = match["field"], match["phrase"], match["word"]
        column = FIELDS.get(name.lower()) if name else None
        if column not in {"year", "section", "venue"}:
            asks_words = True
        if name and column is None:
            # `arxiv:2412.19509` or `note:` misspelt: keep the whole thing as words rather than fail.
            terms.extend(_terms(f"{name} {phrase if phrase is not None else word}", None, phrase is not None))
            continue
        value = phrase if phrase is not None else word
        if value is None or not value.strip():
            continue
        if column == "year":
            years = parse_years(value)
        elif column == "section":
            section = value.strip()
        elif column == "venue":
            venue = value.strip()
        else:
            terms.extend(_terms(value, column, phrase is not None))
    return Query(terms=tuple(terms), section=section, years=years, venue=venue, asks_words=asks_words)


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def _terms(value: str, column: str | None, quoted: bool) -> list[Term]:
    if quoted:
        return [Term(value.strip(), field=column, phrase=True)] if value.strip() else []
    out = []
    for raw in value.split():
        prefix = raw.endswith("*")
        bare = raw.rstrip("*")
        if bare:
            out.append(Term(bare, field=column, prefix=prefix))
    return out
