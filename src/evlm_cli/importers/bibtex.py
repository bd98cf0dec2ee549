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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evlm_cli import dedupe, ids, provenance
from evlm_cli.errors import DatabaseError, ImportFormatError
from evlm_cli.importers import Problem
from evlm_cli.keys import format_name, is_organisation, make_key, split_name
from evlm_cli.latex import decode
from evlm_cli.model import (
    MIN_YEAR,
    Link,
    Paper,
    Provenance,
    Survey,
    check_paper,
    container_field,
    normalize_type,
    taken_keys,
    validate_key,
)
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
    alias: bool = False
    """With --keep-keys: the entry's key was kept as an alias of `existing` (written back as its own entry)."""


@dataclass(frozen=True, slots=True)
class BibImport:
    """What importing a .bib would add, and everything left out with the reason."""

    papers: tuple[Paper, ...]
    skipped: tuple[Skipped, ...]
    problems: tuple[Problem, ...]
    """Blocks that could not be parsed (not imported) and entries imported with a caveat (a dropped year, ...)."""
    entries: int
    """How many entries the file has."""
    aliases: tuple[tuple[str, str], ...] = ()
    """(key of a paper the survey already had, alias): keys of skipped entries kept as aliases of those papers."""


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
    redefined: list[str] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        recovered = getattr(block, "ignore_error_block", None)
        if isinstance(block, String) or isinstance(recovered, String):
            string = block if isinstance(block, String) else recovered
            assert isinstance(string, String)
            if string.key.lower() in macros and string.key.lower() not in MONTHS:
                redefined.append(string.key)  # bibtex keeps the last definition, and so does evlm
            try:
                macros[string.key.lower()] = evaluate(string.value, macros)
            except ValueError as error:
                problems.append(Problem(line, block.raw or "", f"@string not understood: {error}"))
        elif isinstance(recovered, Entry):
            # A repeated key or field: the entry itself is usable (keys are made unique below).
            entries.append(recovered)
        elif isinstance(block, ParsingFailedBlock):
            detail = normalize_space(getattr(block.error, "abort_reason", "") or str(block.error))
            first = _first_line(block.raw)
            reason = f"cannot parse `{first[:60]}`, not imported" + (f": {detail}" if detail else "")
            problems.append(Problem(line, first, reason))
        elif isinstance(block, Entry):
            entries.append(block)
    if redefined:
        shown = ", ".join(redefined[:5]) + (", ..." if len(redefined) > 5 else "")
        problems.append(Problem(1, "@string", f"{len(redefined)} @string macros redefined ({shown}); the last wins"))
    if not entries:
        raise ImportFormatError(
            "no BibTeX entries found",
            where=source,
            hint="the file needs @article{...}-style entries" + (f"; first problem: {problems[0]}" if problems else ""),
        )

    taken = taken_keys(survey.papers)
    folded = {key.casefold() for key in taken}  # BibTeX compares keys ignoring case
    index = dedupe.Index(survey.papers)
    existing_keys = {p.key: p for p in survey.papers}
    added = today or dt.date.today()
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    survey_aliases: list[tuple[str, str]] = []
    for block in entries:
        line = (block.start_line or 0) + 1
        try:
            paper, notes = _paper(block, macros, section, added)
        except ValueError as error:
            problems.append(Problem(line, _first_line(block.raw), str(error)))
            continue
        same_key = existing_keys.get(block.key)
        duplicate = index.find(paper) or (
            (same_key, "same key and title") if same_key and dedupe.same_title(same_key.title, paper.title) else None
        )
        if duplicate:
            existing = duplicate[0].key
            alias = keep_keys and not validate_key(block.key) and block.key.casefold() not in folded
            if alias:  # the same work cited under another key: every \cite of it must still resolve
                _add_alias(existing, block.key, papers, survey_aliases)
                taken.add(block.key)
                folded.add(block.key.casefold())
            skipped.append(Skipped(line, block.key, paper.title, existing, duplicate[1], alias=alias))
            continue
        if (twin := index.possible(paper)) is not None:
            notes.append(f"possible duplicate of {twin.key!r} (same title, another year or type); imported")
        usable = keep_keys and not validate_key(block.key) and block.key.casefold() not in folded
        paper = replace(paper, key=block.key if usable else make_key(paper.title, paper.authors, paper.year, taken))
        if keep_keys and not usable:
            why = "is not usable" if validate_key(block.key) else "is taken (BibTeX ignores case in keys)"
            notes.append(f"key {block.key!r} {why}; imported as {paper.key!r}")
        paper = provenance.record(
            paper, provenance.filled(paper), Provenance("bibtex", f"{Path(source).name}:{block.key}", date=added)
        )
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
    return BibImport(tuple(papers), tuple(skipped), tuple(problems), len(entries), tuple(survey_aliases))


def _add_alias(existing: str, alias: str, papers: list[Paper], survey_aliases: list[tuple[str, str]]) -> None:
    """Give `alias` to the paper `existing`: one imported a moment ago, or one the survey had (applied by `merge`)."""
    position = next((i for i, paper in enumerate(papers) if paper.key == existing), None)
    if position is None:
        survey_aliases.append((existing, alias))
        return
    papers[position] = replace(papers[position], aliases=(*papers[position].aliases, alias))


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


def merge(survey: Survey, result: BibImport) -> Survey:
    """The survey with the imported papers appended (each at the end of its section, since papers stay in curated
    order) and the aliases the import gave to papers it already had."""
    given: dict[str, tuple[str, ...]] = {}
    for key, alias in result.aliases:
        given[key] = (*given.get(key, ()), alias)
    kept = tuple(replace(p, aliases=(*p.aliases, *given[p.key])) if p.key in given else p for p in survey.papers)
    return replace(survey, papers=kept + result.papers)


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


_CONSUMED = frozenset(
    "title author editor year month journal journaltitle booktitle volume number pages edition series publisher "
    "address location school institution organization howpublished isbn issn crossref note doi url eprint "
    "archiveprefix eprinttype primaryclass eprintclass code github keywords abstract date".split()
)
"""Fields read into a Paper's own fields; every other field goes to `extra`, verbatim."""
_TEXT_FIELDS = (
    "volume number edition series publisher address school institution organization howpublished isbn issn crossref"
).split()
"""Fields stored as readable text under their own name (`address` also from BibLaTeX's `location`)."""
_MONTH_NAMES = {name.lower(): number for number, name in enumerate(MONTHS.values(), start=1)}


def _paper(entry: Entry, macros: dict[str, str], section: str, added: dt.date) -> tuple[Paper, list[str]]:
    """A Paper (with a placeholder key) and notes about what had to be dropped; ValueError if it has no title.

    Every field is kept: the ones a Paper has a field for there (as readable text), the others in `extra` as the
    LaTeX the file wrote (macros expanded); the type is one of model.TYPES (an unknown one is read as `misc`)."""
    raw: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    notes: list[str] = []
    for field in entry.fields:
        name = field.key.lower()
        try:
            value = evaluate(str(field.value), macros)
        except ValueError as error:
            notes.append(f"field {name!r} left out: {error}")  # as BibTeX does, which warns and goes on
            continue
        if name in raw or name in dict(extra):
            continue  # bibtex keeps the first of a repeated field
        if name in _CONSUMED:
            raw[name] = value
        else:
            extra.append((name, value))

    def text(name: str) -> str:
        if name not in raw:
            return ""
        return _verbatim(raw[name]) if name in _VERBATIM_FIELDS else decode(raw[name])

    title = text("title")
    if not title:
        raise ValueError(f"@{entry.entry_type}{{{entry.key}}} has no title; not imported")
    entry_type = normalize_type(entry.entry_type)
    if entry_type is None:
        notes.append(f"entry type @{entry.entry_type} is not one evlm knows; imported as misc, as bibtex formats it")
        entry_type = "misc"
    authors = tuple(_names(raw.get("author", "")))
    editors = tuple(_names(raw.get("editor", "")))
    year = _year(raw, notes)
    month = _month(raw.get("month", ""))
    date = normalize_space(raw.get("date", ""))
    if date and (not year or date != str(year)):
        extra.append(("date", raw["date"]))  # BibLaTeX's full date: kept for the BibLaTeX export
    if raw.get("month", "").strip() and month is None:
        extra.append(("month", raw["month"]))

    prefix = (text("archiveprefix") or text("eprinttype")).lower()
    arxiv = ids.parse_arxiv_id(text("eprint")) if text("eprint") and prefix in ("", "arxiv") else None
    if text("eprint") and arxiv is None:
        extra += [(name, raw[name]) for name in ("eprint", "archiveprefix", "eprinttype") if name in raw]
    published, published_url = _howpublished(raw.get("howpublished", ""))
    journal = text("journal") or text("journaltitle")
    container_name = container_field(entry_type)
    container = {"journal": journal, "booktitle": text("booktitle")}.get(container_name or "", "")
    container_source = raw.get("booktitle", "") if container_name == "booktitle" else ""
    if container_name == "journal":
        container_source = raw["journal"] if text("journal") else raw.get("journaltitle", "")
    for name in ("journal", "journaltitle", "booktitle"):
        if name in raw and not (name == container_name or (name == "journaltitle" and container_name == "journal")):
            extra.append((name, raw[name]))
    venue = journal or text("booktitle") or published
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
    doi = _as_written(doi, text("doi") + " " + text("url")) if doi else doi
    if text("doi") and not ids.parse_doi(text("doi")) and not ids.doi_from_url(text("doi")):
        notes.append(f"doi {text('doi')!r} is not a DOI; kept as written")
        extra.append(("doi", raw["doi"]))

    links = []
    url = text("url")
    if url and not ids.is_valid_url(url):
        notes.append(f"url {url!r} is not an http(s) URL; kept as written")
        extra.append(("url", raw["url"]))
        url = ""
    url = url or published_url
    url = url or (ids.arxiv_abs_url(arxiv.id) if arxiv else "") or (f"https://doi.org/{doi}" if doi else "")
    if url:
        links.append(Link("Paper", url))
    code = text("code") or text("github")
    if code and ids.is_valid_url(code):
        links.append(Link("Code", code))
    keywords = [normalize_space(word) for word in re.split(r"[,;]", text("keywords"))]
    fields: dict[str, Any] = {name: _readable(raw.get(name, "")) for name in _TEXT_FIELDS}
    fields["address"] = fields["address"] or _readable(raw.get("location", ""))
    paper = Paper(
        key="",
        title=title,
        title_tex=_title_tex(raw["title"], title),
        section=section,
        type=entry_type,
        authors=authors,
        editors=editors,
        year=year,
        month=month,
        venue=venue,
        container=container,
        container_tex=_container_tex(container_source, container),
        pages=normalize_space(raw.get("pages", "")),
        bib_note=_readable(raw.get("note", "")),
        links=tuple(links),
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        arxiv_category=text("primaryclass") or text("eprintclass"),
        doi=doi,
        abstract=text("abstract"),
        tags=tuple(word for word in keywords if word),
        added=added,
        extra=tuple(extra),
        **fields,
    )
    return paper, notes


def _as_written(doi: str, source: str) -> str:
    """The DOI in the case the file wrote it (`10.1109/TC.1979.1675439`): DOIs ignore case, but citation styles
    print them as given (ids.parse_doi lower-cases them for comparing)."""
    start = source.lower().find(doi)
    return source[start : start + len(doi)] if start >= 0 else doi


def _title_tex(source: str, title: str) -> str:
    """The title's LaTeX as the file wrote it, or empty when the exporter would write the same from `title`."""
    from evlm_cli.render.bibtex import title_latex

    written = normalize_space(source)
    return "" if written == title_latex(title) else written


def _container_tex(source: str, container: str) -> str:
    """The container's LaTeX as the file wrote it (`Proceedings, Part {I}`), or empty when the export would write the
    same from `container`."""
    from evlm_cli.latex import encode

    written = normalize_space(source)
    return "" if not container or written == encode(container) else written


def _month(value: str) -> int | None:
    """1..12 for a month BibTeX prints as its full name (the `jan` macros, `{March}`), else None."""
    return _MONTH_NAMES.get(normalize_space(value).lower())


def _readable(value: str) -> str:
    """A field's text as Unicode; a `\\url{...}` becomes `<URL>` (written back as `\\url` on export)."""
    if not value:
        return ""
    parts = _URL_COMMAND.split(value)  # text, URL, text, URL, ..., text
    return normalize_space(
        "".join(f" <{_verbatim(part)}> " if index % 2 else decode(part) for index, part in enumerate(parts))
    )


_URL_COMMAND = re.compile(r"\\url\s*\{([^{}]*)\}")


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
    """The names of an `and`-separated list, in BibTeX's name syntax as the file wrote them, accents as Unicode.

    Grouping braces stay (`{R Core Team}`, `Daniel {Di Gregorio}`), so bibtex splits the name as it split the
    original; a final `others` (BibTeX's "et al.") is kept as the last name. A name that evlm's reading of plain-text
    names would split otherwise than bibtex (`Alessio Del Bue`: bibtex's last name is `Bue`) is stored in the
    unambiguous `von Last, Jr, First` form of bibtex's split.
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
        name = normalize_space(raw if _command_outside_braces(raw) else _decode_keeping_groups(raw))
        if not name:
            continue
        strict = split_name(name, strict=True)
        yield name if split_name(name) == strict else format_name(strict)


def _command_outside_braces(name: str) -> bool:
    """True for `Conceic\\~{a}o`: an accent bibtex does not read as one special character, so the name is kept as
    LaTeX (decoding and re-encoding it as `{\\~a}` would change bibtex's labels and sorting)."""
    depth = 0
    for char in name:
        if char == "\\" and depth == 0:
            return True
        depth += {"{": 1, "}": -1}.get(char, 0)
    return False


_COMMAND_BEFORE = re.compile(r"\\(?:[a-zA-Z]+|[^a-zA-Z])\s*$")


def _decode_keeping_groups(value: str) -> str:
    """LaTeX as Unicode, except that brace groups which are not accents (`{Di Gregorio}`) keep their braces."""
    units: list[tuple[str, bool]] = []  # (text, is a group to keep)
    depth, start = 0, 0
    for index, char in enumerate(value):
        if char == "{":
            if depth == 0 and index > start:
                units.append((value[start:index], False))
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                group = value[start : index + 1]
                if group.startswith("{\\") or (units and not units[-1][1] and _COMMAND_BEFORE.search(units[-1][0])):
                    previous = units.pop()[0] if units and not units[-1][1] else ""
                    units.append((previous + group, False))  # an accent: `{\\"u}`, `\\"{u}`
                else:
                    units.append((group, True))
                start = index + 1
    units.append((value[start:], False))
    out: list[str] = []
    for unit, keep in units:
        inner = decode(unit[1:-1]) if keep else decode(unit)
        lead = " " if unit[:1].isspace() else ""
        trail = " " if unit[-1:].isspace() else ""
        out.append(lead + (f"{{{inner}}}" if keep else inner) + trail)
    return "".join(out)


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
