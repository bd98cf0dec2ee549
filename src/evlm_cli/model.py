"""The survey as data: frozen dataclasses for the header, the taxonomy and the papers, and their validation.

No I/O here: `db` reads and writes these, `render` turns them into README and BibTeX text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from evlm_cli import ids
from evlm_cli.errors import DatabaseError, NotFoundError
from evlm_cli.text import closest

SCHEMA_VERSION = 1
MIN_YEAR = 1900
"""No paper in a survey of vision-language models predates this; a smaller year is a typo."""


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link of a paper or of the survey, in the README's `[[Label](url)]` form."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Section:
    """One node of the taxonomy. The survey keeps sections in reading order, parents before children."""

    id: str
    """Stable id used by `--section` and by papers; lower-case letters, digits and hyphens."""
    title: str
    emoji: str = ""
    """Shown before the title in headings and the table of contents."""
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper of the survey. Field names are the database's and `--json`'s."""

    key: str
    """Citation key, unique and stable (see `keys.make_key`)."""
    title: str
    section: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    links: tuple[Link, ...] = ()
    """Paper, Code and any other labelled links, in the order the README shows them."""
    arxiv: str | None = None
    """arXiv id without version (`2412.19509`), derived from the links when possible."""
    arxiv_version: int | None = None
    arxiv_category: str = ""
    doi: str | None = None
    journal_ref: str = ""
    abstract: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    added: dt.date | None = None
    ignore: tuple[str, ...] = ()
    """`evlm check` rules a maintainer reviewed and silenced for this paper."""

    def link(self, label: str) -> str | None:
        """The URL of the first link with this label (case-insensitive), or None."""
        wanted = label.lower()
        return next((link.url for link in self.links if link.label.lower() == wanted), None)

    @property
    def paper_url(self) -> str | None:
        return self.link("Paper")

    @property
    def code_url(self) -> str | None:
        return self.link("Code")


@dataclass(frozen=True, slots=True)
class SurveyInfo:
    """The survey's own header: everything the README shows above the paper list."""

    title: str
    """The README's `# ` heading (the repository's name)."""
    subtitle: str = ""
    """The survey paper's title."""
    year: int | None = None
    authors: tuple[str, ...] = ()
    affiliation: str = ""
    links: tuple[Link, ...] = ()
    links_note: str = ""
    intro_title: str = ""
    intro_emoji: str = ""
    intro: str = ""
    """Prose between the header and the abstract (the published list's 'Support & Collaboration')."""
    abstract_title: str = "Abstract"
    abstract_emoji: str = ""
    abstract: str = ""
    toc_title: str = "Table of Contents"
    toc_emoji: str = ""
    heading_levels: tuple[int, ...] = (2, 3, 4)
    """Markdown heading level of sections at depth 1, 2, 3, ... (the published list uses 2, 3, 6)."""
    footer: str = ""
    """Text after the paper list, verbatim (may be an HTML comment)."""


@dataclass(frozen=True)
class Survey:
    """The whole database: header, taxonomy and papers, in curated order."""

    info: SurveyInfo
    sections: tuple[Section, ...] = ()
    papers: tuple[Paper, ...] = ()
    schema: int = SCHEMA_VERSION
    _by_id: dict[str, Section] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, Paper] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.sections})
        object.__setattr__(self, "_by_key", {p.key: p for p in self.papers})

    # -- sections -----------------------------------------------------------------------------
    def section(self, section_id: str) -> Section:
        """The section with this id; NotFoundError naming the closest ids otherwise."""
        try:
            return self._by_id[section_id]
        except KeyError:
            raise NotFoundError(
                f"no section {section_id!r}", hint=_did_you_mean(section_id, list(self._by_id), "evlm sections")
            ) from None

    def has_section(self, section_id: str) -> bool:
        return section_id in self._by_id

    def children(self, section_id: str | None) -> list[Section]:
        """Direct subsections of a section (of the root for None), in order."""
        return [s for s in self.sections if s.parent == section_id]

    def depth(self, section_id: str) -> int:
        """1 for a top-level section, 2 for its children, ..."""
        depth, current = 1, self._by_id[section_id]
        while current.parent is not None:
            depth, current = depth + 1, self._by_id[current.parent]
        return depth

    def ancestry(self, section_id: str) -> list[Section]:
        """The section and its parents, outermost first."""
        chain = [self._by_id[section_id]]
        while chain[0].parent is not None:
            chain.insert(0, self._by_id[chain[0].parent])
        return chain

    def section_path(self, section_id: str) -> str:
        """`Pre-deployment Techniques > Quantization > Post-Training Quantization`."""
        return " > ".join(s.title for s in self.ancestry(section_id))

    def subtree(self, section_id: str) -> set[str]:
        """The ids of a section and all sections below it."""
        self.section(section_id)
        found = {section_id}
        for candidate in self.sections:  # parents come first, so one pass suffices
            if candidate.parent in found:
                found.add(candidate.id)
        return found

    # -- papers -------------------------------------------------------------------------------
    def paper(self, key: str) -> Paper:
        """The paper with this key; NotFoundError naming the closest keys otherwise."""
        try:
            return self._by_key[key]
        except KeyError:
            raise NotFoundError(f"no paper {key!r}", hint=_did_you_mean(key, list(self._by_key), "evlm list")) from None

    def has_paper(self, key: str) -> bool:
        return key in self._by_key

    def papers_in(self, section_id: str) -> list[Paper]:
        """Papers filed directly in a section, in curated order."""
        return [p for p in self.papers if p.section == section_id]

    def in_reading_order(self) -> Iterator[Paper]:
        """Papers in the order the README shows them: by section order, then curated order."""
        position = {s.id: i for i, s in enumerate(self.sections)}
        yield from sorted(self.papers, key=lambda p: position.get(p.section, len(position)))


def _did_you_mean(word: str, candidates: list[str], command: str) -> str:
    matches = closest(word, candidates)
    if matches:
        return "did you mean " + ", ".join(repr(m) for m in matches) + "?"
    return f"`{command}` lists them"


def validate(survey: Survey) -> None:
    """Raise DatabaseError for the first schema violation, naming the paper key (or section) and the field."""
    problems = validate_all(survey)
    if problems:
        raise problems[0]


def validate_all(survey: Survey) -> list[DatabaseError]:
    """Every schema violation, in database order (header, sections, then papers), each naming its record and
    field."""
    problems: list[DatabaseError] = list(_info_problems(survey.info))
    for error in problems:
        error.record = ("survey", "")
    seen_sections: set[str] = set()
    for section in survey.sections:
        for error in _section_problems(section, seen_sections):
            error.record = ("sections", section.id)
            problems.append(error)
        seen_sections.add(section.id)
    seen_keys: set[str] = set()
    for paper in survey.papers:
        for error in paper_problems(paper, seen_sections, seen_keys):
            error.record = ("papers", paper.key)
            problems.append(error)
        seen_keys.add(paper.key.casefold())
    return problems


ONE_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""What a one-line field (a title, a name, a label) must not hold: control characters other than tab, and line
breaks, which would start a new line (a heading, say) in the README or a new record in an RIS export."""
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""What a multi-line field (an abstract, a note, the intro) must not hold: control characters other than tab and
line feed."""


def control_problems(
    where: str, one_line: dict[str, str | tuple[str, ...]], multi_line: dict[str, str] | None = None
) -> Iterator[DatabaseError]:
    """A DatabaseError for each field holding a character it must not (`ONE_LINE_FORBIDDEN`, `MULTI_LINE_FORBIDDEN`).

    Fields are given by name; a tuple is a list field (authors, tags)."""
    flat = {name: "\t".join(value) if isinstance(value, tuple) else value for name, value in one_line.items()}
    groups = [
        (flat, ONE_LINE_FORBIDDEN, "remove it: a one-line field may hold tabs, but no line break or control character"),
        (multi_line or {}, MULTI_LINE_FORBIDDEN, "remove it: only tabs and line feeds may appear here"),
    ]
    for fields, forbidden, hint in groups:
        for name, value in fields.items():
            found = forbidden.search(value)
            if found is not None:
                char = found.group()
                what = "a line break" if char in _LINE_BREAKS else "a control character"
                message = f"field {name!r} holds {what} (U+{ord(char):04X})"
                yield DatabaseError(message, where=where, hint=hint, field=name)


_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""The characters `str.splitlines` breaks lines at."""


def _info_problems(info: SurveyInfo) -> Iterator[DatabaseError]:
    where = "[survey]"
    one_line: dict[str, str | tuple[str, ...]] = {
        name: getattr(info, name)
        for name in (
            "title",
            "subtitle",
            "authors",
            "affiliation",
            "links_note",
            "intro_title",
            "intro_emoji",
            "abstract_title",
            "abstract_emoji",
            "toc_title",
            "toc_emoji",
        )
    }
    one_line["links"] = tuple(link.label for link in info.links)
    multi_line = {"intro": info.intro, "abstract": info.abstract, "footer": info.footer}
    yield from control_problems(where, one_line, multi_line)
    yield from _link_problems(where, info.links)
    if not info.heading_levels or not all(1 <= level <= 6 for level in info.heading_levels):
        yield DatabaseError(
            f"field 'heading_levels' is {list(info.heading_levels)}",
            where=where,
            hint="give Markdown heading levels (1 to 6) for sections at depth 1, 2, ..., e.g. [2, 3, 4]",
            field="heading_levels",
        )


def _link_problems(where: str, links: tuple[Link, ...]) -> Iterator[DatabaseError]:
    for link in links:
        if not link.label.strip():
            yield DatabaseError("field 'links' has a link without a label", where=where, field="links")
        if not ids.is_valid_url(link.url):
            yield DatabaseError(
                f"field 'links' has malformed URL {link.url!r}",
                where=where,
                hint="use an absolute http(s) URL",
                field="links",
            )


def _section_problems(section: Section, seen_sections: set[str]) -> Iterator[DatabaseError]:
    where = f"section {section.id!r}"
    yield from control_problems(where, {"title": section.title, "emoji": section.emoji})
    if not section.id or section.id != section.id.strip() or not _is_slug(section.id):
        yield DatabaseError(
            "field 'id' must be lower-case letters, digits and hyphens",
            where=where,
            hint="e.g. 'token-reduction'",
            field="id",
        )
    if section.id in seen_sections:
        yield DatabaseError("duplicate section id", where=where, hint="give each section its own id", field="id")
    if section.parent is not None and section.parent not in seen_sections:
        yield DatabaseError(
            f"field 'parent' names {section.parent!r}, which is not a section listed before this one",
            where=where,
            hint="list a parent section before its children",
            field="parent",
        )
    if not section.title.strip():
        yield DatabaseError("field 'title' is empty", where=where, field="title")


def _is_slug(text: str) -> bool:
    return all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in text)


def validate_key(key: str) -> str | None:
    """Why `key` is not a usable citation key, or None when it is."""
    if not key:
        return "is empty"
    bad = sorted({c for c in key if not (c.isascii() and (c.isalnum() or c in "-_:."))})
    if bad:
        return f"contains {''.join(bad)!r}; use ASCII letters, digits and - _ : ."
    return None


def check_paper(paper: Paper, sections: set[str], seen_keys: set[str]) -> None:
    """Raise DatabaseError if this paper breaks the schema, given the section ids and the other keys, casefolded."""
    for error in paper_problems(paper, sections, seen_keys):
        raise error


def paper_problems(paper: Paper, sections: set[str], seen_keys: set[str]) -> Iterator[DatabaseError]:
    """Every way this paper breaks the schema, given the section ids and the keys before it, casefolded."""
    where = f"paper {paper.key!r}"
    problem = validate_key(paper.key)
    if problem:
        yield DatabaseError(f"field 'key' {problem}", where=where, field="key")
    if paper.key.casefold() in seen_keys:  # BibTeX ignores case in keys
        yield DatabaseError(
            "duplicate key", where=where, hint="keys must be unique; rename one with `evlm rekey`", field="key"
        )
    if not paper.title.strip():
        yield DatabaseError("field 'title' is empty", where=where, field="title")
    labels = tuple(link.label for link in paper.links)
    one_line = (paper.title, paper.venue, paper.arxiv or "", paper.arxiv_category, paper.doi or "", paper.journal_ref)
    # One scan per kind of field for the clean paper (nearly every one), which keeps a 100,000-paper load fast.
    if ONE_LINE_FORBIDDEN.search("\t".join((*one_line, *paper.authors, *labels, *paper.tags, *paper.ignore))) or (
        MULTI_LINE_FORBIDDEN.search(f"{paper.abstract}\t{paper.note}")
    ):
        named = ("title", "venue", "arxiv", "arxiv_category", "doi", "journal_ref")
        fields: dict[str, str | tuple[str, ...]] = dict(zip(named, one_line, strict=True))
        fields.update(authors=paper.authors, links=labels, tags=paper.tags, ignore=paper.ignore)
        yield from control_problems(where, fields, {"abstract": paper.abstract, "note": paper.note})
    if paper.section not in sections:
        hint = _did_you_mean(paper.section, sorted(sections), "evlm sections")
        yield DatabaseError(
            f"field 'section' names unknown section {paper.section!r}", where=where, hint=hint, field="section"
        )
    this_year = dt.date.today().year
    if paper.year is not None and not MIN_YEAR <= paper.year <= this_year + 1:
        yield DatabaseError(
            f"field 'year' is {paper.year}, which is impossible",
            where=where,
            hint=f"use {MIN_YEAR}..{this_year + 1}",
            field="year",
        )
    yield from _link_problems(where, paper.links)
    if paper.arxiv is not None:
        parsed = ids.parse_arxiv_id(paper.arxiv)
        if parsed is None or parsed.version is not None:
            yield DatabaseError(
                f"field 'arxiv' is malformed: {paper.arxiv!r}",
                where=where,
                hint="use e.g. '2412.19509' or 'cs/0112017', with the version in 'arxiv_version'",
                field="arxiv",
            )
    if paper.arxiv_version is not None and paper.arxiv_version < 1:
        yield DatabaseError("field 'arxiv_version' must be 1 or more", where=where, field="arxiv_version")
    if paper.doi is not None and ids.parse_doi(paper.doi) is None:
        yield DatabaseError(
            f"field 'doi' is malformed: {paper.doi!r}", where=where, hint="use e.g. '10.1145/3664647'", field="doi"
        )
