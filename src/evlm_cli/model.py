"""The survey as data: frozen dataclasses for the header, the taxonomy and the papers, and their validation.

No I/O here: `db` reads and writes these, `render` turns them into README and BibTeX text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields

from evlm_cli import ids
from evlm_cli.errors import DatabaseError, NotFoundError
from evlm_cli.text import closest, quoted

SCHEMA_VERSION = 3
"""2 added the bibliographic fields (`type`, `editors`, `container`, ..., `extra`); 3 added `provenance`, `pinned`
and `rejected` (what `evlm update` needs). Files of schemas 1 and 2 read unchanged."""
READABLE_SCHEMAS = (1, 2, SCHEMA_VERSION)
MIN_YEAR = 1900
"""No paper in a survey of vision-language models predates this; a smaller year is a typo."""


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link of a paper or of the survey, in the README's `[[Label](url)]` form."""

    label: str
    url: str


SOURCES = ("arxiv", "crossref", "dblp", "s2", "bibtex", "readme", "hand")
"""Where a field's value can come from: a public record (arXiv, Crossref, DBLP, Semantic Scholar), an imported BibTeX
file or README list, or a maintainer (`evlm edit`, `add` without a record, or the file edited by hand)."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one field's value came from, so `evlm update` knows what it may replace and a reviewer can check it."""

    source: str
    """One of SOURCES."""
    id: str = ""
    """The record's id at that source: an arXiv id, a DOI, a DBLP key, a Semantic Scholar paper id, a file name."""
    url: str = ""
    """Where a person can read the record."""
    date: dt.date | None = None
    """When the value was taken."""


@dataclass(frozen=True, slots=True)
class Section:
    """One node of the taxonomy. The survey keeps sections in reading order, parents before children."""

    id: str
    """Stable id used by `--section` and by papers; lower-case letters, digits and hyphens."""
    title: str
    emoji: str = ""
    """Shown before the title in headings and the table of contents."""
    parent: str | None = None
    intro: str = ""
    """Text under the heading before the papers, verbatim (a list's own description of the section)."""
    outro: str = ""
    """Text after the section's papers, verbatim (prose or a sub-heading that is not a paper list)."""
    level: int | None = None
    """The heading's Markdown level when it is not the survey's `heading_levels` for its depth."""


TYPES = (
    "article",
    "inproceedings",
    "book",
    "inbook",
    "incollection",
    "proceedings",
    "phdthesis",
    "mastersthesis",
    "techreport",
    "manual",
    "booklet",
    "periodical",
    "misc",
    "online",
    "preprint",
    "unpublished",
)
"""Entry types a paper can have: the classic BibTeX ones, plus `online`, `preprint` and `periodical` (a whole issue of
a journal; BibLaTeX's, and acmart's, which classic styles format as `@misc`)."""
TYPE_ALIASES = {
    "conference": "inproceedings",
    "paper-conference": "inproceedings",
    "article-journal": "article",
    "chapter": "incollection",
    "report": "techreport",
    "thesis": "phdthesis",
    "webpage": "online",
    "electronic": "online",
    "www": "online",
}
"""Other names of the same types (BibTeX's `@conference`, CSL's names, BibLaTeX's), read as the type they name."""


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper of the survey. Field names are the database's and `--json`'s.

    Besides the survey's own fields (section, links, tags, note, ...), a paper is a full bibliographic record, modelled
    on BibTeX and CSL; every bibliographic field is optional and empty when unknown (docs/database.md).
    """

    key: str
    """Citation key, unique and stable (see `keys.make_key`)."""
    title: str
    """Readable text (Unicode, no LaTeX): what search, the README and CSL show."""
    section: str
    aliases: tuple[str, ...] = ()
    """Other citation keys of the same work (an imported file cited it under two keys); each exported as its own
    entry so every `\\cite` of it still resolves. Validated like keys, unique across keys and aliases."""
    title_tex: str = ""
    """The title exactly as a BibTeX source wrote it (`The {\\TeX}book`), kept when it differs from what the exporter
    derives from `title`; BibTeX export writes it verbatim."""
    type: str = ""
    """Entry type, one of TYPES; empty means derived from the venue and identifiers (`render.venues.kind`)."""
    authors: tuple[str, ...] = ()
    """Names in BibTeX syntax (`First von Last`, `von Last, Jr, First`, `{R Core Team}`), see `keys.split_name`."""
    editors: tuple[str, ...] = ()
    year: int | None = None
    month: int | None = None
    """1..12."""
    venue: str = ""
    """The short venue the README shows (`NeurIPS`); `container` holds the full name."""
    container: str = ""
    """Journal, or the title of the book or proceedings, as readable text."""
    container_tex: str = ""
    """The container exactly as a BibTeX source wrote it (`Proceedings, Part {I}`, `{\\rm The Barbados}`), kept like
    `title_tex` when it differs from what the exporters derive from `container`."""
    volume: str = ""
    number: str = ""
    pages: str = ""
    """As written: `558--565`, `e12`."""
    edition: str = ""
    series: str = ""
    publisher: str = ""
    address: str = ""
    school: str = ""
    institution: str = ""
    organization: str = ""
    howpublished: str = ""
    isbn: str = ""
    issn: str = ""
    url: str = ""
    """The URL to cite when it is not the Paper link (the exports fall back to the Paper link, arXiv, DOI)."""
    crossref: str = ""
    """The key of the paper (usually the proceedings) this one inherits fields from, as in BibTeX."""
    bib_note: str = ""
    """BibTeX's `note`, printed by citation styles (the survey's own `note` is never exported)."""
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
    extra: tuple[tuple[str, str], ...] = ()
    """Every other field of an imported BibTeX entry, (lower-case name, LaTeX value) in the source's order, written back
    verbatim on BibTeX export; a TOML table in the database."""
    also_in: tuple[str, ...] = ()
    """Other sections that list this paper too (curated lists cross-list on purpose); the README shows it in each."""
    provenance: tuple[tuple[str, Provenance], ...] = ()
    """(field name, where its value came from), in field order; a TOML table of inline tables in the database."""
    pinned: tuple[str, ...] = ()
    """Fields `evlm update` never changes (unless told with `--force-field`)."""
    rejected: tuple[tuple[str, str], ...] = ()
    """(field name, the value a maintainer rejected, as `update` shows it): proposals not to offer again."""

    def source_of(self, name: str) -> Provenance | None:
        """Where this paper's field `name` came from, if recorded."""
        return next((origin for field_name, origin in self.provenance if field_name == name), None)

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
class InboxQuery:
    """`[survey.inbox]`: what `evlm inbox fetch` asks arXiv for (docs/database.md)."""

    categories: tuple[str, ...] = ()
    """arXiv categories (`cs.CV`); a paper must be in one of them."""
    keywords: tuple[str, ...] = ()
    """Words or phrases; a paper must mention one of them (in any field)."""
    authors: tuple[str, ...] = ()
    """Authors to follow: their papers are asked for whatever the keywords."""


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
    paper_line: str = ""
    """How the README writes each paper: a Jinja2 template (`render.paperline`); empty: evlm's own line
    (`render.readme.paper_line`). `import readme` sets it to the imported list's own style."""
    inbox: InboxQuery | None = None
    """`[survey.inbox]`; None: `evlm_cli.inbox` derives a query from the taxonomy."""


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
                f"no section {quoted(section_id)}", hint=_did_you_mean(section_id, list(self._by_id), "evlm sections")
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
            hint = _did_you_mean(key, list(self._by_key), "evlm list")
            raise NotFoundError(f"no paper {quoted(key)}", hint=hint) from None

    def has_paper(self, key: str) -> bool:
        return key in self._by_key

    def papers_in(self, section_id: str) -> list[Paper]:
        """Papers filed directly in a section, in curated order."""
        return [p for p in self.papers if p.section == section_id]

    def listed_in(self, section_id: str) -> list[Paper]:
        """Papers the README shows in a section: its own, then those cross-listed there (`also_in`)."""
        return self.papers_in(section_id) + [p for p in self.papers if section_id in p.also_in]

    def in_reading_order(self) -> Iterator[Paper]:
        """Papers in the order the README shows them: by section order, then curated order."""
        position = {s.id: i for i, s in enumerate(self.sections)}
        yield from sorted(self.papers, key=lambda p: position.get(p.section, len(position)))


def _did_you_mean(word: str, candidates: list[str], command: str) -> str:
    matches = closest(word, candidates)
    if matches:
        return "did you mean " + ", ".join(repr(m) for m in matches) + "?"
    return f"`{command}` lists them"


def validate(survey: Survey, *, valid_before: Survey | None = None) -> None:
    """Raise DatabaseError for the first schema violation, naming the paper key (or section) and the field.

    `valid_before`: a valid survey this one was made from (a write's starting point). While the header and the
    sections are the same, a paper object it holds is checked only for clashing keys, not field by field again:
    a one-paper change to 10,000 papers checks one paper."""
    trusted: set[int] = set()
    if valid_before is not None and (valid_before.info, valid_before.sections) == (survey.info, survey.sections):
        trusted = {id(paper) for paper in valid_before.papers}
    problems = validate_all(survey, trusted=trusted)
    if problems:
        raise problems[0]


def validate_all(survey: Survey, *, trusted: Set[int] = frozenset()) -> list[DatabaseError]:
    """Every schema violation, in database order (header, sections, then papers), each naming its record and
    field. Papers whose `id` is in `trusted` are known valid: only their keys are checked against the others."""
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
        if id(paper) in trusted:
            found = _key_clashes(paper, f"paper {paper.key!r}", seen_keys)
        else:
            found = paper_problems(paper, seen_sections, seen_keys)
        for error in found:
            error.record = ("papers", paper.key)
            problems.append(error)
        seen_keys.add(paper.key.casefold())
        seen_keys.update(alias.casefold() for alias in paper.aliases)
    return problems


ONE_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""What a one-line field (a title, a name, a label) must not hold: control characters other than tab, and line
breaks, which would start a new line (a heading, say) in the README or a new record in an RIS export."""
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""What a multi-line field (an abstract, a note, the intro) must not hold: control characters other than tab and
line feed."""


_MULTI_LINE_PAPER_FIELDS = frozenset({"abstract", "note"})


def _one_line_text(paper: Paper) -> list[tuple[str, str | tuple[str, ...]]]:
    """Every one-line text of a paper by field name: its string fields, string lists, link labels and URLs, and the
    names and values of `extra` (so a field added to Paper is checked without being listed here)."""
    found: list[tuple[str, str | tuple[str, ...]]] = []
    for name in _PAPER_FIELD_NAMES:
        value = getattr(paper, name)
        if name in _MULTI_LINE_PAPER_FIELDS:
            continue
        if isinstance(value, str):
            found.append((name, value))
        elif isinstance(value, tuple) and name not in ("links", "extra"):
            found.append((name, tuple(item for item in value if isinstance(item, str))))
    found.append(("links", tuple(text for link in paper.links for text in (link.label, link.url))))
    found.append(("extra", tuple(text for pair in paper.extra for text in pair)))
    return found


def _texts(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


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
    for group, forbidden, hint in groups:
        for name, value in group.items():
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
    multi_line = {"intro": info.intro, "abstract": info.abstract, "footer": info.footer, "paper_line": info.paper_line}
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
    if section.level is not None and not 1 <= section.level <= 6:
        yield DatabaseError("field 'level' must be 1 to 6", where=where, hint="a Markdown heading level", field="level")


def _is_slug(text: str) -> bool:
    return all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in text)


def taken_keys(papers: Iterable[Paper], *, casefold: bool = False) -> set[str]:
    """Every key and alias of these papers (casefolded if asked: BibTeX ignores case): what a new key must not be."""
    return {key.casefold() if casefold else key for paper in papers for key in (paper.key, *paper.aliases)}


KEY_PUNCTUATION = "-_:./+"
"""Punctuation a key may hold besides ASCII letters and digits: what BibTeX and `\\cite` accept and real files use
(DBLP's `DBLP:conf/icml/DriessXSLCIWTVY23`); spaces, commas, braces, `%`, `#` and quotes would break `\\cite`."""


def validate_key(key: str) -> str | None:
    """Why `key` is not a usable citation key, or None when it is."""
    if not key:
        return "is empty"
    bad = sorted({c for c in key if not (c.isascii() and (c.isalnum() or c in KEY_PUNCTUATION))})
    if bad:
        return f"contains {quoted(''.join(bad))}; use ASCII letters, digits and {' '.join(KEY_PUNCTUATION)}"
    return None


def normalize_type(name: str) -> str | None:
    """The entry type `name` stands for (`Conference` -> `inproceedings`), or None when it is not one of TYPES."""
    lowered = name.strip().lower()
    lowered = TYPE_ALIASES.get(lowered, lowered)
    return lowered if lowered in TYPES else None


def container_field(entry_type: str) -> str | None:
    """The BibTeX field a paper's `container` is written to for this type: `journal` for an article, `booktitle`
    for a part of a book or proceedings, None for a type that has no container."""
    if entry_type == "article":
        return "journal"
    if entry_type in ("inproceedings", "incollection", "inbook"):
        return "booktitle"
    return None


_FIELD_NAME = re.compile(r"[a-z][a-z0-9_:.+-]*")


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
    yield from _key_clashes(paper, where, seen_keys)
    if not paper.title.strip():
        yield DatabaseError("field 'title' is empty", where=where, field="title")
    # One scan per kind of field for the clean paper (nearly every one), which keeps a 100,000-paper load fast.
    one_line = _one_line_text(paper)
    if ONE_LINE_FORBIDDEN.search("\t".join(text for _, value in one_line for text in _texts(value))) or (
        MULTI_LINE_FORBIDDEN.search(f"{paper.abstract}\t{paper.note}")
    ):
        yield from control_problems(where, dict(one_line), {"abstract": paper.abstract, "note": paper.note})
    if paper.section not in sections:
        hint = _did_you_mean(paper.section, sorted(sections), "evlm sections")
        yield DatabaseError(
            f"field 'section' names unknown section {paper.section!r}", where=where, hint=hint, field="section"
        )
    for other in paper.also_in:
        if other not in sections or other == paper.section:
            yield DatabaseError(
                f"field 'also_in' names {other!r}, which is not another section",
                where=where,
                hint=_did_you_mean(other, sorted(sections), "evlm sections"),
                field="also_in",
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
    yield from _bibliographic_problems(paper, where)
    if paper.doi is not None and ids.parse_doi(paper.doi) is None:
        yield DatabaseError(
            f"field 'doi' is malformed: {paper.doi!r}", where=where, hint="use e.g. '10.1145/3664647'", field="doi"
        )


def _key_clashes(paper: Paper, where: str, seen_keys: set[str]) -> Iterator[DatabaseError]:
    """The paper's key or aliases already taken by a paper before it (BibTeX ignores case in keys)."""
    if paper.key.casefold() in seen_keys:
        yield DatabaseError(
            "duplicate key", where=where, hint="keys must be unique; rename one with `evlm rekey`", field="key"
        )
    yield from _alias_problems(paper, where, seen_keys)


def _alias_problems(paper: Paper, where: str, seen_keys: set[str]) -> Iterator[DatabaseError]:
    """Aliases are keys too: usable, and unique among every key and alias (BibTeX ignores case)."""
    mine = {paper.key.casefold()}
    for alias in paper.aliases:
        problem = validate_key(alias)
        if problem:
            yield DatabaseError(f"field 'aliases' has {alias!r}, which {problem}", where=where, field="aliases")
        elif alias.casefold() in seen_keys or alias.casefold() in mine:
            yield DatabaseError(
                f"field 'aliases' has {alias!r}, which is already a key or alias",
                where=where,
                hint="keys and aliases must be unique; remove the alias",
                field="aliases",
            )
        mine.add(alias.casefold())


def _bibliographic_problems(paper: Paper, where: str) -> Iterator[DatabaseError]:
    """The schema-2 fields: a known type, a month 1..12, a URL, a crossref key, well-formed `extra` field names."""
    if paper.type and paper.type not in TYPES:
        yield DatabaseError(
            f"field 'type' is {paper.type!r}, not an entry type",
            where=where,
            hint="use one of " + ", ".join(TYPES) + ", or leave it out to derive it",
            field="type",
        )
    if paper.month is not None and not 1 <= paper.month <= 12:
        yield DatabaseError(f"field 'month' is {paper.month}; use 1..12", where=where, field="month")
    if paper.url and not ids.is_valid_url(paper.url):
        yield DatabaseError(
            f"field 'url' is malformed: {paper.url!r}", where=where, hint="use an absolute http(s) URL", field="url"
        )
    if paper.crossref and validate_key(paper.crossref):
        yield DatabaseError(f"field 'crossref' {validate_key(paper.crossref)}", where=where, field="crossref")
    names = [name for name, _ in paper.extra]
    for name in names:
        if not _FIELD_NAME.fullmatch(name):
            yield DatabaseError(
                f"field 'extra' has a field named {name!r}",
                where=where,
                hint="BibTeX field names are lower-case letters, digits and - _ : . +",
                field="extra",
            )
    if len(set(names)) != len(names):
        yield DatabaseError("field 'extra' names a field twice", where=where, field="extra")
    yield from _provenance_problems(paper, where)


PROVENANCE_FIELDS = frozenset(
    "title title_tex type authors editors year month venue container volume number pages edition series publisher "
    "address school institution organization howpublished isbn issn url crossref bib_note links arxiv arxiv_version "
    "arxiv_category doi journal_ref abstract".split()
)
"""The fields whose origin can be recorded, pinned or rejected: the bibliographic ones (not the survey's own)."""


def _provenance_problems(paper: Paper, where: str) -> Iterator[DatabaseError]:
    """The schema-3 fields name bibliographic fields, once each, and sources evlm knows."""
    hint = "name a bibliographic field: " + ", ".join(sorted(PROVENANCE_FIELDS))
    for table, names in (
        ("provenance", [name for name, _ in paper.provenance]),
        ("pinned", list(paper.pinned)),
        ("rejected", [name for name, _ in paper.rejected]),
    ):
        for name in names:
            if name not in PROVENANCE_FIELDS:
                yield DatabaseError(f"field {table!r} names {name!r}, not a field", where=where, hint=hint, field=table)
        if table != "rejected" and len(set(names)) != len(names):
            yield DatabaseError(f"field {table!r} names a field twice", where=where, field=table)
    for name, origin in paper.provenance:
        if origin.source not in SOURCES:
            yield DatabaseError(
                f"field 'provenance' gives {name!r} the source {origin.source!r}",
                where=where,
                hint="use one of " + ", ".join(SOURCES),
                field="provenance",
            )
        if origin.url and not ids.is_valid_url(origin.url):
            yield DatabaseError(
                f"field 'provenance' gives {name!r} the malformed URL {origin.url!r}",
                where=where,
                hint="use an absolute http(s) URL",
                field="provenance",
            )


_PAPER_FIELD_NAMES = tuple(spec.name for spec in dataclass_fields(Paper))
