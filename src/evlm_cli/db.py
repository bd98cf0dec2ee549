"""Reading, validating and writing `data/papers.toml` (which file a command uses: `evlm_cli.location`).

The file format is documented in docs/database.md. Saving is canonical: loading a saved file and saving it again
gives the same bytes, and a one-paper change is a one-block diff.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from evlm_cli.errors import DatabaseError
from evlm_cli.inputfile import DATABASE_LIMIT, read_text
from evlm_cli.model import (
    READABLE_SCHEMAS,
    SCHEMA_VERSION,
    InboxQuery,
    Link,
    Paper,
    Provenance,
    Section,
    Survey,
    SurveyInfo,
    validate_all,
)
from evlm_cli.text import closest

try:  # tomli is tomllib's own source compiled with mypyc: the same parser, about 3 times faster on big files
    import tomli as toml_reader
except ImportError:  # pragma: no cover - tomli is a dependency; stay correct without it
    import tomllib as toml_reader  # type: ignore[no-redef]

# -- reading ----------------------------------------------------------------------------------------

_SURVEY_FIELDS = {f.name for f in fields(SurveyInfo)}
_SECTION_FIELDS = {f.name for f in fields(Section)}
_PAPER_FIELDS = {f.name for f in fields(Paper)}
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def load(path: Path) -> Survey:
    """Read and validate a database; every problem is a DatabaseError naming the file, line and field.

    A write that was interrupted after its commit point is finished first (see `journal`)."""
    return load_with_text(path)[1]


def load_with_text(path: Path) -> tuple[str, Survey]:
    """The database's text and what it parses to (a write needs both, to reuse the text of unchanged papers)."""
    from evlm_cli import journal

    journal.finish_interrupted(path)
    text = read(path)
    return text, loads(text, source=str(path))


def read(path: Path) -> str:
    """A database's text (a leading byte order mark dropped); DatabaseError saying why it cannot be read, also when
    it is not a regular file of at most `inputfile.DATABASE_LIMIT` bytes."""
    return read_text(
        path,
        what="database",
        limit=DATABASE_LIMIT,
        error=DatabaseError,
        missing_hint="create one with `evlm import readme README.md`",
    )


def loads(text: str, *, source: str = "<database>") -> Survey:
    """Parse and validate database text; `source` names it in errors (the first problem is raised).

    The last valid text parsed is remembered: a writing command reads the database once to check its arguments
    and again under the lock, and when nothing changed in between the second parse is free (Surveys are immutable).
    """
    if _last_valid and _last_valid[0][0] == text:
        return _last_valid[0][1]
    from evlm_cli import parsecache

    cached = parsecache.get(text)
    if cached is None:
        checked = check_text(text, source=source)
        if checked.problems:
            raise checked.problems[0]
        assert checked.survey is not None
        cached = (checked.survey, False)
        parsecache.put(text, checked.survey, canonical=False)
    _last_valid[:] = [(text, *cached)]
    return cached[0]


_last_valid: list[tuple[str, Survey, bool]] = []
"""(text, Survey, whether evlm wrote the text) of the last valid database read or written in this process."""


@dataclass(frozen=True, slots=True)
class Checked:
    """A database read without stopping at the first problem (what `evlm check` needs)."""

    survey: Survey | None
    """The valid part: every paper without a problem. None when the header or the sections are broken."""
    problems: list[DatabaseError]
    """Every problem found, in database order, each `where` naming the file and line."""
    records: int | None = None
    """How many paper records the file holds, valid or not; None when it is not TOML or `papers` is not a list."""


def check_text(text: str, *, source: str = "<database>") -> Checked:
    """Parse and validate database text, collecting every problem: per-record type errors, then schema errors.

    A leading byte order mark (some Windows editors write one) is ignored."""
    try:
        raw = toml_reader.loads(text.removeprefix("\ufeff"))
    except toml_reader.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        where = f"{source}:{position.group(1)}:{position.group(2)}" if position else source
        reason = _TOML_POSITION.sub("", message).strip()
        problem = DatabaseError(f"TOML syntax error: {reason}", where=where, hint="fix the TOML syntax there")
        return Checked(None, [problem])
    survey, problems = _collect_survey(raw)
    listed = raw.get("papers", [])
    records = len(listed) if isinstance(listed, list) else None
    if survey is not None:
        invalid = validate_all(survey)
        problems += invalid
        if any(error.record is None or error.record[0] != "papers" for error in invalid):
            survey = None
        elif invalid:
            bad = {error.record for error in invalid}
            papers = tuple(p for p in survey.papers if ("papers", p.key) not in bad)
            survey = Survey(info=survey.info, sections=survey.sections, papers=papers, schema=survey.schema)
    if problems:
        _add_lines(text, source, problems)
    return Checked(survey, problems, records)


def _add_lines(text: str, source: str, problems: list[DatabaseError]) -> None:
    """Put `source:line:` in front of each problem's `where`; a duplicate points at its own (later) record."""
    tables = {table: _all_record_lines(text, table) for table in ("papers", "sections")}
    header = next((n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[survey]"), None)
    tables["survey"] = {"": [header]} if header else {}
    duplicates: dict[tuple[str, str], int] = {}
    for error in problems:
        line = None
        if error.record:
            found = tables[error.record[0]].get(error.record[1], [])
            occurrence = 0
            if error.message.startswith("duplicate"):
                occurrence = duplicates[error.record] = duplicates.get(error.record, 0) + 1
            line = found[min(occurrence, len(found) - 1)] if found else None
        error.where = f"{source}:{line}: {error.where}" if line else f"{source}: {error.where}"


def record_lines(text: str, table: str) -> dict[str, int]:
    """Map each record of `[[table]]` (papers by key, sections by id) to the line of its first line."""
    return {name: found[0] for name, found in _all_record_lines(text, table).items()}


def _all_record_lines(text: str, table: str) -> dict[str, list[int]]:
    """Map each key (or section id) of `[[table]]` to the first line of every record that has it, in order."""
    field_name = "key" if table == "papers" else "id"
    header = f"[[{table}]]"
    lines: dict[str, list[int]] = {}
    start: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            start = number if stripped == header else None
        elif start is not None and stripped.startswith(field_name):
            name, _, value = stripped.partition("=")
            if name.strip() == field_name:
                try:
                    parsed = toml_reader.loads(f"v = {value.strip()}")["v"]
                except toml_reader.TOMLDecodeError:
                    continue
                if isinstance(parsed, str):
                    lines.setdefault(parsed, []).append(start)
                    start = None
    return lines


def _collect_survey(raw: dict[str, Any]) -> tuple[Survey | None, list[DatabaseError]]:
    """The survey and every type problem; a paper with a problem is left out, a broken header or section gives None."""
    try:
        _check_fields(raw, {"schema", "survey", "sections", "papers"}, "top level")
        schema = raw.get("schema", SCHEMA_VERSION)
        if isinstance(schema, bool) or schema not in READABLE_SCHEMAS:
            raise DatabaseError(
                f"schema {schema!r} is not supported",
                where="top level",
                hint=f"this evlm reads schemas {', '.join(map(str, READABLE_SCHEMAS))}",
                field="schema",
            )
        schema = SCHEMA_VERSION  # an older schema is this one without its newer fields: it upgrades as it loads
        header = raw.get("survey")
        if not isinstance(header, dict):
            raise DatabaseError(
                "missing [survey] table", where="top level", hint="add [survey] with at least a title", field="survey"
            )
        info = _survey_info(header)
        raw_sections, raw_papers = _table_list(raw, "sections"), _table_list(raw, "papers")
    except DatabaseError as error:
        return None, [error]
    problems: list[DatabaseError] = []
    sections = _each(_section, raw_sections, problems)
    broken_sections = bool(problems)
    papers = _each(_paper, raw_papers, problems)
    if broken_sections:
        return None, problems
    return Survey(info=info, sections=tuple(sections), papers=tuple(papers), schema=schema), problems


def _each(
    build: Callable[[dict[str, Any], int], Any], items: list[dict[str, Any]], problems: list[DatabaseError]
) -> list[Any]:
    """Build every record, collecting the problems of the ones that cannot be built."""
    built = []
    for index, item in enumerate(items):
        try:
            built.append(build(item, index))
        except DatabaseError as error:
            problems.append(error)
    return built


def _table_list(raw: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = raw.get(name, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise DatabaseError(f"'{name}' must be an array of tables", where="top level", hint=f"write [[{name}]] blocks")
    return items


def _check_fields(raw: dict[str, Any], allowed: set[str], where: str, record: tuple[str, str] | None = None) -> None:
    for name in raw:
        if name not in allowed:
            suggestion = closest(name, sorted(allowed), n=1)
            hint = f"did you mean {suggestion[0]!r}?" if suggestion else "see docs/database.md"
            raise DatabaseError(f"unknown field {name!r}", where=where, hint=hint, record=record, field=name)


class _Fields:
    """Typed access to one TOML table, raising DatabaseError that names the record and field."""

    def __init__(self, raw: dict[str, Any], where: str, record: tuple[str, str] | None) -> None:
        self.raw, self.where, self.record = raw, where, record

    def _fail(self, name: str, expected: str) -> DatabaseError:
        value = self.raw[name]
        return DatabaseError(
            f"field {name!r} must be {expected}, not {type(value).__name__} {value!r}",
            where=self.where,
            record=self.record,
            field=name,
        )

    def string(self, name: str, default: str = "", *, required: bool = False) -> str:
        if name not in self.raw:
            if required:
                raise DatabaseError(f"missing field {name!r}", where=self.where, record=self.record, field=name)
            return default
        value = self.raw[name]
        if not isinstance(value, str):
            raise self._fail(name, "a string")
        return value

    def optional_string(self, name: str) -> str | None:
        return self.string(name) if name in self.raw else None

    def integer(self, name: str) -> int | None:
        if name not in self.raw:
            return None
        value = self.raw[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, "an integer")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(name, "an array of strings")
        return tuple(value)

    def integers(self, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.raw.get(name, list(default))
        if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            raise self._fail(name, "an array of integers")
        return tuple(value)

    def links(self, name: str) -> tuple[Link, ...]:
        value = self.raw.get(name, [])
        if not isinstance(value, list) or not all(
            isinstance(item, dict) and set(item) == {"label", "url"} and all(isinstance(v, str) for v in item.values())
            for item in value
        ):
            raise self._fail(name, 'an array of { label = "...", url = "..." } tables')
        return tuple(Link(item["label"], item["url"]) for item in value)

    def table(self, name: str) -> tuple[tuple[str, str], ...]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
            raise self._fail(name, 'a table of strings ({ series = "..." })')
        return tuple(value.items())

    def provenance(self, name: str) -> tuple[tuple[str, Provenance], ...]:
        value = self.raw.get(name, {})
        expected = 'a table of { source = "...", id = "...", url = "...", date = 2026-12-01 } tables'
        if not isinstance(value, dict):
            raise self._fail(name, expected)
        found = []
        for field_name, origin in value.items():
            if (
                not isinstance(origin, dict)
                or not set(origin) <= {"source", "id", "url", "date"}
                or not all(isinstance(origin.get(k, ""), str) for k in ("source", "id", "url"))
                or "source" not in origin
                or (
                    "date" in origin
                    and (isinstance(origin["date"], dt.datetime) or not isinstance(origin["date"], dt.date))
                )
            ):
                raise self._fail(name, expected)
            found.append(
                (
                    field_name,
                    Provenance(origin["source"], origin.get("id", ""), origin.get("url", ""), origin.get("date")),
                )
            )
        return tuple(found)

    def rejections(self, name: str) -> tuple[tuple[str, str], ...]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict) or not all(
            isinstance(items, list) and all(isinstance(item, str) for item in items) for items in value.values()
        ):
            raise self._fail(name, 'a table of arrays of strings ({ doi = ["10.1145/..."] })')
        return tuple((field_name, item) for field_name, items in value.items() for item in items)

    def date(self, name: str) -> dt.date | None:
        if name not in self.raw:
            return None
        value = self.raw[name]
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self._fail(name, "a date (2024-12-31)")
        return value


def _survey_info(raw: dict[str, Any]) -> SurveyInfo:
    _check_fields(raw, _SURVEY_FIELDS, "[survey]")
    get = _Fields(raw, "[survey]", None)
    defaults = SurveyInfo(title="")
    return SurveyInfo(
        title=get.string("title", required=True),
        subtitle=get.string("subtitle"),
        year=get.integer("year"),
        authors=get.strings("authors"),
        affiliation=get.string("affiliation"),
        links=get.links("links"),
        links_note=get.string("links_note"),
        intro_title=get.string("intro_title"),
        intro_emoji=get.string("intro_emoji"),
        intro=get.string("intro"),
        abstract_title=get.string("abstract_title", defaults.abstract_title),
        abstract_emoji=get.string("abstract_emoji"),
        abstract=get.string("abstract"),
        toc_title=get.string("toc_title", defaults.toc_title),
        toc_emoji=get.string("toc_emoji"),
        heading_levels=get.integers("heading_levels", defaults.heading_levels),
        footer=get.string("footer"),
        paper_line=get.string("paper_line"),
        inbox=_inbox_query(raw),
    )


def _inbox_query(raw: dict[str, Any]) -> InboxQuery | None:
    """`[survey.inbox]`, or None when absent."""
    if "inbox" not in raw:
        return None
    table = raw["inbox"]
    if not isinstance(table, dict):
        raise DatabaseError(
            "'inbox' must be a table", where="[survey]", hint="write [survey.inbox] with categories, keywords, authors"
        )
    _check_fields(table, {f.name for f in fields(InboxQuery)}, "[survey.inbox]")
    get = _Fields(table, "[survey.inbox]", None)
    return InboxQuery(
        categories=get.strings("categories"), keywords=get.strings("keywords"), authors=get.strings("authors")
    )


def _section(raw: dict[str, Any], index: int) -> Section:
    identifier = raw.get("id")
    name = identifier if isinstance(identifier, str) else f"#{index + 1}"
    where, record = f"section {name!r}", ("sections", name)
    _check_fields(raw, _SECTION_FIELDS, where, record)
    get = _Fields(raw, where, record)
    return Section(
        id=get.string("id", required=True),
        title=get.string("title", required=True),
        emoji=get.string("emoji"),
        parent=get.optional_string("parent"),
        intro=get.string("intro"),
        outro=get.string("outro"),
        level=get.integer("level"),
    )


def _paper(raw: dict[str, Any], index: int) -> Paper:
    key = raw.get("key")
    name = key if isinstance(key, str) else f"#{index + 1}"
    where, record = f"paper {name!r}", ("papers", name)
    _check_fields(raw, _PAPER_FIELDS, where, record)
    get = _Fields(raw, where, record)
    return Paper(
        key=get.string("key", required=True),
        title=get.string("title", required=True),
        section=get.string("section", required=True),
        aliases=get.strings("aliases"),
        title_tex=get.string("title_tex"),
        type=get.string("type"),
        authors=get.strings("authors"),
        editors=get.strings("editors"),
        year=get.integer("year"),
        month=get.integer("month"),
        venue=get.string("venue"),
        **{name: get.string(name) for name in _BIB_STRINGS},
        links=get.links("links"),
        arxiv=get.optional_string("arxiv"),
        arxiv_version=get.integer("arxiv_version"),
        arxiv_category=get.string("arxiv_category"),
        doi=get.optional_string("doi"),
        journal_ref=get.string("journal_ref"),
        abstract=get.string("abstract"),
        tags=get.strings("tags"),
        note=get.string("note"),
        added=get.date("added"),
        ignore=get.strings("ignore"),
        extra=get.table("extra"),
        also_in=get.strings("also_in"),
        provenance=get.provenance("provenance"),
        pinned=get.strings("pinned"),
        rejected=get.rejections("rejected"),
    )


_BIB_STRINGS = (
    "container container_tex volume number pages edition series publisher address school institution organization "
    "howpublished isbn issn url crossref bib_note"
).split()
"""The schema-2 string fields of a paper, read alike."""


# -- writing ----------------------------------------------------------------------------------------


def to_dict(survey: Survey) -> dict[str, Any]:
    """The canonical TOML document: fields in dataclass order, empty optional fields left out."""
    return {
        "schema": survey.schema,
        "survey": _record(survey.info, keep={"title"}),
        "sections": [_record(section, keep={"id", "title"}) for section in survey.sections],
        "papers": [paper_to_dict(paper) for paper in survey.in_reading_order()],
    }


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    """One paper under the database's own field names (`paper_json` is the same, ready for JSON)."""
    return _record(paper, keep={"key", "title", "section", "authors"})


def paper_json(paper: Paper) -> dict[str, Any]:
    """`paper_to_dict` ready for json.dumps (dates as text): what `--json` and `export json` print."""
    data = paper_to_dict(paper)
    if paper.added is not None:
        data["added"] = paper.added.isoformat()
    for origin in data.get("provenance", {}).values():
        if "date" in origin:
            origin["date"] = origin["date"].isoformat()
    return data


def _record(obj: Any, keep: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in fields(obj):
        if spec.name.startswith("_"):
            continue
        value = getattr(obj, spec.name)
        # An empty value is left out, unless the field's default is not empty (`abstract_title = ""` stays empty).
        if (spec.name not in keep and value in (None, "", ()) and value == spec.default) or (
            spec.name == "heading_levels" and value == spec.default
        ):
            continue
        if spec.name == "extra":
            value = dict(value)
        elif isinstance(value, InboxQuery):
            value = _record(value, keep=set())
        elif spec.name == "provenance":
            value = {name: _record(origin, keep={"source"}) for name, origin in value}
        elif spec.name == "rejected":
            grouped: dict[str, list[str]] = {}
            for name, rejected in value:
                grouped.setdefault(name, []).append(rejected)
            value = grouped
        elif isinstance(value, tuple):
            value = [{"label": v.label, "url": v.url} if isinstance(v, Link) else v for v in value]
        out[spec.name] = value
    return out


_HEADER = (
    "# A survey database managed by evlm: change it with evlm (or by hand), then run `evlm build`."
    " Format: docs/database.md.\n"
)


def dumps(survey: Survey) -> str:
    """The canonical text of a database."""
    import tomli_w

    return _HEADER + "\n" + tomli_w.dumps(to_dict(survey), multiline_strings=True)


_PAPER_HEADER = "\n[[papers]]\n"


def dumps_reusing(old_text: str, before: Survey, after: Survey) -> str | None:
    """`dumps(after)`, given that `old_text == dumps(before)`, reusing the text of each paper that is unchanged.

    tomli-w writes the papers as `[[papers]]` blocks when at least one of them is too long for an inline table (any
    paper with a link is), else as one inline array; the text is reused only while some paper keeps it in blocks.
    None when the shortcut does not apply (the header or the taxonomy changed, no paper forces blocks, or the old
    text does not split into one block per paper, as when an abstract holds a `[[papers]]` line); the caller then
    runs `dumps`."""
    if (after.info, after.sections, after.schema) != (before.info, before.sections, before.schema):
        return None
    prefix, *blocks = old_text.split(_PAPER_HEADER)
    if f"\nschema = {after.schema}\n" not in prefix:
        return None  # an older schema's text: the header is rewritten
    old = list(before.in_reading_order())
    if not blocks or len(blocks) != len(old) or not after.papers:
        return None
    known: dict[str, tuple[Paper, str]] = {}
    for paper, block in zip(old, blocks, strict=True):
        if not block.startswith(f'key = "{paper.key}"\n'):
            return None
        known[paper.key] = (paper, block)
    parts = [prefix]
    reused: list[Paper] = []
    forced = False  # whether some paper is too long for an inline table, so tomli-w writes blocks
    for paper in after.in_reading_order():
        previous = known.get(paper.key)
        if previous and previous[0] == paper:
            parts += [_PAPER_HEADER, previous[1]]
            reused.append(paper)
        else:
            block, long = _paper_block(paper)
            forced = forced or long
            parts += [_PAPER_HEADER, block]
    if not forced and not any(_paper_block(paper)[1] for paper in reused):
        return None  # `any` stops at the first long paper: usually the first one
    return "".join(parts)


_FORCES_BLOCKS = {"key": "x" * 200}
"""A table too long to be inline: beside it, tomli-w writes any paper as a `[[papers]]` block."""


def _paper_block(paper: Paper) -> tuple[str, bool]:
    """One paper's text as tomli-w writes it in a `[[papers]]` block (after that line), and whether the paper is too
    long for an inline table, so that it alone makes tomli-w write blocks."""
    import tomli_w

    record = paper_to_dict(paper)
    alone = tomli_w.dumps({"papers": [record]}, multiline_strings=True)
    if alone.startswith("[[papers]]\n"):
        return alone.removeprefix("[[papers]]\n"), True
    beside = tomli_w.dumps({"papers": [record, _FORCES_BLOCKS]}, multiline_strings=True)
    return beside.removeprefix("[[papers]]\n").split(_PAPER_HEADER)[0], False


def dumps_after(current: str, before: Survey, after: Survey) -> str:
    """The text to write for `after`, read from `current` (which parsed as `before`).

    When `current` is canonical (evlm wrote it, or every part of it is text evlm wrote: `_is_canonical`), the text
    of papers the change left alone is reused, which makes a one-paper change fast on a large survey; otherwise
    the whole survey is serialised."""
    canonical = bool(_last_valid) and _last_valid[0][0] == current and _last_valid[0][2]
    if not canonical and len(current) >= _CANONICAL_CHECK_FROM:
        canonical = _is_canonical(current, before)
    return (canonical and dumps_reusing(current, before, after)) or dumps(after)


_CANONICAL_CHECK_FROM = 256 * 1024
"""Below this size (about 150 papers) serialising the whole survey is as quick as checking its parts."""


def _is_canonical(text: str, survey: Survey) -> bool:
    """Whether `text` (which parsed as `survey`) is exactly `dumps(survey)`, found without serialising every paper:
    the part before the papers is serialised (it is small), each paper's block is either one evlm wrote
    (`parsecache.known_blocks`) or serialised and compared. Another program's write (a `git pull`) usually leaves
    most blocks as evlm wrote them."""
    from evlm_cli import parsecache

    prefix, *blocks = text.split(_PAPER_HEADER)
    papers = list(survey.in_reading_order())
    if len(blocks) != len(papers) or prefix != _prefix_text(survey):
        return False
    known = parsecache.known_blocks()
    for paper, block in zip(papers, blocks, strict=True):
        if not block.startswith(f'key = "{paper.key}"\n'):
            return False  # not in reading order
        if parsecache.block_digest(block) not in known and block != _paper_block(paper)[0]:
            return False
    return True  # whether tomli-w would write blocks at all, `dumps_reusing` checks


def _prefix_text(survey: Survey) -> str:
    """What `dumps` writes before the papers: the header and the taxonomy."""
    import tomli_w

    document = to_dict(replace(survey, papers=()))
    document.pop("papers", None)
    return _HEADER + "\n" + tomli_w.dumps(document, multiline_strings=True)


def remember_written(text: str, survey: Survey) -> None:
    """Note that evlm has just written `text` for `survey`: the next read of it in this process, or (through the
    parsed cache) in the next command, needs no parsing, and its text counts as canonical, paper by paper too."""
    from evlm_cli import parsecache

    parsecache.put(text, survey, canonical=True)
    parsecache.remember_blocks(text.split(_PAPER_HEADER)[1:])
    _last_valid[:] = [(text, survey, True)]
