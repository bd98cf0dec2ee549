"""Importing a real-world .bib file into the survey.

bibtexparser 2 splits the file into blocks (it keeps going after a broken one); this module then resolves
`@string` and month macros and `#` concatenation itself, decodes LaTeX to Unicode field by field (only the fields
it stores, which is much faster than a whole-library middleware), maps the fields to a `Paper`, and leaves out
papers the survey already has by `evlm add`'s rule (`dedupe.Index`: same arXiv id or DOI, or a near-identical
title when the ids do not tell the papers apart).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from evlm_cli import dedupe, ids
from evlm_cli.errors import DatabaseError, ImportFormatError
from evlm_cli.importers import Problem
from evlm_cli.keys import is_organisation, make_key
from evlm_cli.latex import decode
from evlm_cli.model import MIN_YEAR, Link, Paper, Survey, check_paper, validate_key
from evlm_cli.render.names import ET_AL
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    from bibtexparser.model import Entry

MONTHS = dict(
    zip(
        "jan feb mar apr may jun jul aug sep oct nov dec".split(),
        "January February March April May June July August September October November December".split(),
        strict=True,
    )
)
"""BibTeX's predefined month macros."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry left out because the survey (or an earlier entry of the file) already has that paper."""

    line: int
    key: str
    title: str
    existing: str
    """The key of the paper already present."""
    reason: str
    """Why, as `evlm add` says it: 'same arXiv id 2412.19509', 'same DOI ...', 'same title', 'near-identical title'."""


@dataclass(frozen=True, slots=True)
class BibImport:
    """What importing a .bib would add, and everything left out with the reason."""

    papers: tuple[Paper, ...]
    skipped: tuple[Skipped, ...]
    problems: tuple[Problem, ...]
    """Blocks that could not be parsed (not imported) and entries imported with a caveat (a dropped year, ...)."""
    entries: int
    """How many entries the file has."""


def parse_bibtex(
    text: str,
    survey: Survey,
    section: str,
    *,
    keep_keys: bool = False,
    today: dt.date | None = None,
    source: str = "<bibtex>",
) -> BibImport:
    """The papers a .bib file adds to `section` of `survey`. ImportFormatError if it holds no entry at all."""
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import Entry, ParsingFailedBlock, String

    survey.section(section)
    logger = logging.getLogger("bibtexparser")
    level, logger.level = logger.level, logging.CRITICAL  # failed blocks are reported below, as Problems
    try:
        library = parse_string(text, parse_stack=[])
    finally:
        logger.setLevel(level)

    problems: list[Problem] = []
    macros: dict[str, str] = dict(MONTHS)
    entries: list[Entry] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, String):
            try:
                macros[block.key.lower()] = evaluate(block.value, macros)
            except ValueError as error:
                problems.append(Problem(line, block.raw or "", f"@string not understood: {error}"))
        elif isinstance(recovered := getattr(block, "ignore_error_block", None), Entry):
            # A repeated key or field: the entry itself is usable (keys are made unique below).
            entries.append(recovered)
        elif isinstance(block, ParsingFailedBlock):
            detail = normalize_space(getattr(block.error, "abort_reason", "") or str(block.error))
            first = _first_line(block.raw)
            reason = f"cannot parse `{first[:60]}`, not imported" + (f": {detail}" if detail else "")
            problems.append(Problem(line, first, reason))
        elif isinstance(block, Entry):
            entries.append(block)
    if not entries:
        raise ImportFormatError(
            "no BibTeX entries found",
            where=source,
            hint="the file needs @article{...}-style entries" + (f"; first problem: {problems[0]}" if problems else ""),
        )

    taken = {p.key for p in survey.papers}
    folded = {key.casefold() for key in taken}  # BibTeX compares keys ignoring case
    index = dedupe.Index(survey.papers)
    added = today or dt.date.today()
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    for block in entries:
        line = (block.start_line or 0) + 1
        try:
            paper, notes = _paper(block, macros, section, added)
        except ValueError as error:
            problems.append(Problem(line, _first_line(block.raw), str(error)))
            continue
        duplicate = index.find(paper)
        if duplicate:
            skipped.append(Skipped(line, block.key, paper.title, duplicate[0].key, duplicate[1]))
            continue
        usable = keep_keys and not validate_key(block.key) and block.key.casefold() not in folded
        paper = replace(paper, key=block.key if usable else make_key(paper.title, paper.authors, paper.year, taken))
        if keep_keys and not usable:
            why = "is not usable" if validate_key(block.key) else "is taken (BibTeX ignores case in keys)"
            notes.append(f"key {block.key!r} {why}; imported as {paper.key!r}")
        try:
            check_paper(paper, {section}, folded)
        except DatabaseError as error:  # whatever slipped through the mapping must not stop the whole import
            problems.append(Problem(line, _first_line(block.raw), f"{block.key}: {error.message}; not imported"))
            continue
        taken.add(paper.key)
        folded.add(paper.key.casefold())
        index.add(paper)
        papers.append(paper)
        problems.extend(Problem(line, f"@{block.entry_type}{{{block.key},", f"{block.key}: {note}") for note in notes)
    problems.sort(key=lambda p: p.line)
    return BibImport(tuple(papers), tuple(skipped), tuple(problems), len(entries))


def decode_bytes(data: bytes) -> tuple[str, str]:
    """The text of a .bib file and, when it is not UTF-8, a warning saying how it was read instead.

    Old .bib files are often Windows-1252 or Latin-1: they are read as Windows-1252 (Latin-1 for the five bytes
    Windows-1252 leaves undefined), and the warning names the line of the first byte that is not UTF-8.
    """
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "Latin-1"
        return text, f"not UTF-8 (first bad byte on line {line}); read as {encoding}: check the accents"


def merge(survey: Survey, papers: tuple[Paper, ...]) -> Survey:
    """The survey with `papers` appended (each at the end of its section, since papers stay in curated order)."""
    return replace(survey, papers=survey.papers + papers)


def _first_line(raw: str | None) -> str:
    return (raw or "").strip().splitlines()[0] if (raw or "").strip() else ""


# -- field values ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<brace>\{)|(?P<quote>\")|(?P<number>\d+)\b|(?P<name>[^\s#{}\"=,]+))")


def evaluate(value: str, macros: dict[str, str]) -> str:
    """A raw field value (`{A} # " B" # jan # 2020`) as the LaTeX text BibTeX would see, macros expanded."""
    pieces: list[str] = []
    for piece in _pieces(value):
        if piece[0] in '{"':
            pieces.append(piece[1:-1])
        elif piece.isdigit():
            pieces.append(piece)
        else:
            try:
                pieces.append(macros[piece.lower()])
            except KeyError:
                raise ValueError(f"undefined @string macro {piece!r}") from None
    return "".join(pieces)


def _pieces(value: str) -> Iterator[str]:
    """The `#`-separated parts of a value, each still enclosed in its braces or quotes."""
    position, expect_part = 0, True
    while position < len(value):
        if not expect_part:
            separator = re.compile(r"\s*#\s*").match(value, position)
            if not separator:
                if value[position:].strip():
                    raise ValueError(f"unexpected {value[position:].strip()[:20]!r}")
                return
            position, expect_part = separator.end(), True
            continue
        match = _TOKEN.match(value, position)
        if not match:
            raise ValueError(f"unexpected {value[position:].strip()[:20]!r}")
        start = match.start("brace") if match.group("brace") else match.start("quote")
        if match.group("brace") or match.group("quote"):
            end = _closing(value, start)
            yield value[start : end + 1]
            position = end + 1
        else:
            yield match.group("number") or match.group("name")
            position = match.end()
        expect_part = False
    if expect_part and position:
        raise ValueError("value ends with '#'")


def _closing(value: str, start: int) -> int:
    """The index of the `}` or `"` closing the part opened at `start` (a quote inside braces does not count)."""
    depth = 0
    for index in range(start, len(value)):
        char = value[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and value[start] == "{":
                return index
        elif char == '"' and value[start] == '"' and index > start and depth == 0:
            return index
    raise ValueError("unbalanced braces or quotes")


# -- entry to paper --------------------------------------------------------------------------------

_YEAR = re.compile(r"\b(\d{4})\b")
_YEAR_RANGE = re.compile(r"\s*\d{4}\s*(?:--?|–|/)\s*(\d{4}|\d{2})\s*")
"""`2020--2021`, `2020/21`; not a year-month date such as `2020-05`."""
_LINK = re.compile(r"\\(?:url|href)\s*\{([^{}]*)\}(?:\s*\{((?:[^{}]|\{[^{}]*\})*)\})?")
_VERBATIM_FIELDS = frozenset({"doi", "url", "eprint", "code", "github"})
"""Fields BibTeX files write verbatim (a `%` in a URL is not a comment), at most with `\\_`-style escapes."""
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(?:abs/)?(\S+)", re.IGNORECASE)


def _paper(entry: Entry, macros: dict[str, str], section: str, added: dt.date) -> tuple[Paper, list[str]]:
    """A Paper (with a placeholder key) and notes about what had to be dropped; ValueError if it has no title."""
    raw: dict[str, str] = {}
    notes: list[str] = []
    for field in entry.fields:
        name = field.key.lower()
        try:
            raw[name] = evaluate(str(field.value), macros)
        except ValueError as error:
            notes.append(f"field {name!r} left out: {error}")  # as BibTeX does, which warns and goes on

    def text(name: str) -> str:
        if name not in raw:
            return ""
        return _verbatim(raw[name]) if name in _VERBATIM_FIELDS else decode(raw[name])

    title = text("title")
    if not title:
        raise ValueError(f"@{entry.entry_type}{{{entry.key}}} has no title; not imported")
    authors = tuple(_names(raw.get("author", "")))
    year = _year(raw, notes)

    prefix = (text("archiveprefix") or text("eprinttype")).lower()
    arxiv = ids.parse_arxiv_id(text("eprint")) if text("eprint") and prefix in ("", "arxiv") else None
    published, published_url = _howpublished(raw.get("howpublished", ""))
    venue = text("journal") or text("journaltitle") or text("booktitle") or published
    if ids.is_valid_url(venue):
        published_url, venue = published_url or venue, ""
    if arxiv is None:
        for candidate in (venue, text("url"), text("note")):
            for found in _ARXIV_IN_TEXT.finditer(candidate):  # `arXiv preprint arXiv:2401.01234`
                arxiv = arxiv or ids.parse_arxiv_id(found.group(1).rstrip(".,;"))
            arxiv = arxiv or ids.arxiv_from_url(candidate)
    if arxiv and (not venue or venue.lower().startswith(("arxiv", "corr"))):
        venue = "arXiv"
    doi = ids.parse_doi(text("doi")) or ids.doi_from_url(text("doi")) or ids.doi_from_url(text("url"))
    if text("doi") and not ids.parse_doi(text("doi")) and not ids.doi_from_url(text("doi")):
        notes.append(f"doi {text('doi')!r} is not a DOI and was left out")

    links = []
    url = text("url")
    if url and not ids.is_valid_url(url):
        notes.append(f"url {url!r} is not an http(s) URL and was left out")
        url = ""
    url = url or published_url
    url = url or (ids.arxiv_abs_url(arxiv.id) if arxiv else "") or (f"https://doi.org/{doi}" if doi else "")
    if url:
        links.append(Link("Paper", url))
    code = text("code") or text("github")
    if code and ids.is_valid_url(code):
        links.append(Link("Code", code))
    keywords = [normalize_space(word) for word in re.split(r"[,;]", text("keywords"))]
    paper = Paper(
        key="",
        title=title,
        section=section,
        authors=authors,
        year=year,
        venue=venue,
        links=tuple(links),
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        arxiv_category=text("primaryclass") or text("eprintclass"),
        doi=doi,
        abstract=text("abstract"),
        tags=tuple(word for word in keywords if word),
        note=text("note"),
        added=added,
    )
    return paper, notes


def _howpublished(value: str) -> tuple[str, str]:
    """(venue, URL) of a `howpublished` field: a `\\url{...}` or `\\href{...}{...}` is the link, not the venue."""
    urls = [_verbatim(match.group(1)) for match in _LINK.finditer(value)]
    rest = decode(_LINK.sub(" ", value)).strip(" ,;:.-")
    url = next((url for url in urls if ids.is_valid_url(url)), "")
    return rest if any(char.isalnum() for char in rest) else "", url


def _verbatim(value: str) -> str:
    """A URL-like field's text: `\\url{...}` unwrapped, `\\_` and `\\%` unescaped, braces dropped."""
    value = re.sub(r"\\(?:url|href)\s*", "", value)
    value = re.sub(r"\\(?:textasciitilde|~)(?:\{\})?", "~", value)
    value = re.sub(r"\\([_%&#$])", r"\1", value)
    return normalize_space(value.replace("{", "").replace("}", ""))


def _names(value: str) -> Iterator[str]:
    """The authors of an `and`-separated list as `First von Last Jr` Unicode text.

    A name braced whole (`{Barnes and Noble, Inc.}`) is an organisation and keeps its braces; a final `others`
    (BibTeX's "et al.") is kept as the last author.

    BibTeX's `von Last, First` and `von Last, Jr, First` forms are reordered; a name without a comma keeps its
    order, so only commas outside braces need to be understood (`{Barnes, Noble}` is one last name).
    """
    from bibtexparser.middlewares.names import split_multiple_persons_names

    names = [raw.strip() for raw in split_multiple_persons_names(value)]
    for index, raw in enumerate(names):
        if raw.lower() == ET_AL:
            if index and index == len(names) - 1:
                yield ET_AL  # `and others`: kept, so the list is known to be incomplete
            continue
        if is_organisation(raw):
            whole = decode(raw[1:-1])
            if whole:
                yield f"{{{whole}}}" if " " in whole or "," in whole else whole
            continue
        parts = [decode(part) for part in _split_top_level(raw, ",")]
        if len(parts) == 2:
            parts = [parts[1], parts[0]]
        elif len(parts) >= 3:
            parts = [", ".join(parts[2:]), parts[0], parts[1]]
        name = normalize_space(" ".join(parts))
        if name:
            yield name


def _split_top_level(text: str, separator: str) -> list[str]:
    """`text` split at each `separator` outside braces."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _year(raw: dict[str, Any], notes: list[str]) -> int | None:
    value = raw.get("year") or raw.get("date") or ""
    match = _YEAR.search(value)
    if not match:
        if value:
            notes.append(f"year {value!r} is not a year and was left out")
        return None
    year = int(match.group(1))
    short = _YEAR_RANGE.fullmatch(value)
    if len(_YEAR.findall(value)) > 1 or (short and int(short.group(1)) > 12):
        notes.append(f"year {normalize_space(value)!r} is a range or list; kept the first year, {year}")
    if not MIN_YEAR <= year <= dt.date.today().year + 1:
        notes.append(f"year {year} is impossible and was left out")
        return None
    return year
