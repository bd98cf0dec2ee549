"""Changing the survey: add, remove, move and edit papers, as pure functions from one Survey to the next.

The CLI runs them inside `db.update`, which holds the database's lock across read, change and write, so keys are
chosen against what is really on disk and two maintainers' concurrent changes never overwrite each other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evlm_cli import dedupe, ids
from evlm_cli.errors import DatabaseError, EvlmError
from evlm_cli.keys import make_key
from evlm_cli.model import TYPES, Link, Paper, Provenance, Survey, check_paper, normalize_type, taken_keys
from evlm_cli.text import closest, normalize_space, quoted

if TYPE_CHECKING:
    from evlm_cli.sources import Metadata

DEFAULT_VENUE = "arXiv"
"""The venue of a paper known only by its arXiv id, until a maintainer sets the real one."""


# -- adding -----------------------------------------------------------------------------------------


def draft(
    meta: Metadata,
    *,
    section: str,
    venue: str | None = None,
    year: int | None = None,
    code: str | None = None,
    tags: Sequence[str] = (),
    note: str = "",
    added: dt.date | None = None,
) -> Paper:
    """A paper without its key yet (`add_papers` chooses it), from fetched or typed metadata and the options.

    Its provenance says which fields the source gave and which the maintainer typed (`hand`)."""
    from evlm_cli import provenance

    links = [Link("Paper", meta.url)] if meta.url else []
    if code:
        links.append(Link("Code", code))
    paper = Paper(
        key="",
        title=normalize_space(meta.title),
        section=section,
        authors=tuple(normalize_space(a) for a in meta.authors if a.strip()),
        year=year if year is not None else meta.year,
        venue=venue or meta.venue or (DEFAULT_VENUE if meta.arxiv else ""),
        links=tuple(links),
        arxiv=meta.arxiv,
        arxiv_version=meta.arxiv_version,
        arxiv_category=meta.arxiv_category,
        doi=meta.doi,
        journal_ref=meta.journal_ref,
        abstract=normalize_space(meta.abstract),
        tags=tuple(dict.fromkeys(t.strip() for t in tags if t.strip())),
        note=note.strip(),
        added=added or dt.date.today(),
    )
    today = added or dt.date.today()
    typed = {name for name, value in (("venue", venue), ("year", year)) if value}
    if meta.source:
        fetched = [name for name in provenance.filled(paper) if name not in typed]
        paper = provenance.record(paper, fetched, Provenance(meta.source, meta.id, meta.url, today))
    else:
        typed.update(provenance.filled(paper))
    return provenance.record(paper, typed & set(provenance.filled(paper)), Provenance("hand", date=today))


@dataclass(frozen=True, slots=True)
class Refusal:
    """A draft that was not added because the survey already has it."""

    paper: Paper
    existing: Paper
    reason: str

    def __str__(self) -> str:
        return f"already in the survey as {self.existing.key!r} ({self.reason})"


@dataclass(frozen=True, slots=True)
class AddResult:
    survey: Survey
    added: tuple[Paper, ...] = ()
    """The new papers, with their keys."""
    refused: tuple[Refusal, ...] = ()


def add_papers(survey: Survey, drafts: Iterable[Paper], *, force: bool = False) -> AddResult:
    """Append each draft at the end of its section, keyed by the project's key rule; duplicates are refused.

    A draft whose key is empty gets one from `keys.make_key`. Without `force`, a draft with the same arXiv id, DOI
    or a near-identical title as a paper already there (or added just before it) is refused, not added.
    """
    papers = list(survey.papers)
    added: list[Paper] = []
    refused: list[Refusal] = []
    sections = {s.id for s in survey.sections}
    for candidate in drafts:
        current = Survey(survey.info, survey.sections, tuple(papers), survey.schema)
        existing = None if force else dedupe.find_duplicate(current, candidate)
        if existing is not None:
            refused.append(Refusal(candidate, existing, dedupe.why_duplicate(existing, candidate) or "same paper"))
            continue
        taken = taken_keys(papers)
        paper = candidate
        if not paper.key:
            paper = dataclasses.replace(paper, key=make_key(paper.title, paper.authors, paper.year, taken))
        check_paper(paper, sections, {key.casefold() for key in taken})
        papers.append(paper)
        added.append(paper)
    new = Survey(survey.info, survey.sections, tuple(papers), survey.schema)
    return AddResult(new, tuple(added), tuple(refused))


# -- removing and moving ----------------------------------------------------------------------------


def remove(survey: Survey, keys: Sequence[str]) -> Survey:
    """The survey without these papers; NotFoundError (changing nothing) if any key is unknown."""
    for key in keys:
        survey.paper(key)
    gone = set(keys)
    return dataclasses.replace(survey, papers=tuple(p for p in survey.papers if p.key not in gone))


def move(survey: Survey, key: str, section: str, *, before: str | None = None, after: str | None = None) -> Survey:
    """File a paper under `section`: at its end, or just before or after another paper of that section."""
    if before is not None and after is not None:
        raise EvlmError("give --before or --after, not both")
    paper = dataclasses.replace(survey.paper(key), section=survey.section(section).id)
    anchor_key = before if before is not None else after
    rest = [p for p in survey.papers if p.key != key]
    if anchor_key is None:
        return dataclasses.replace(survey, papers=(*rest, paper))
    if anchor_key == key:
        raise EvlmError(f"cannot move {quoted(key)} next to itself")
    anchor = survey.paper(anchor_key)
    if anchor.section != section:
        raise EvlmError(
            f"{quoted(anchor_key)} is in section {anchor.section!r}, not {quoted(section)}",
            hint="--before and --after name a paper of the target section",
        )
    index = next(i for i, p in enumerate(rest) if p.key == anchor_key) + (1 if after is not None else 0)
    return dataclasses.replace(survey, papers=(*rest[:index], paper, *rest[index:]))


# -- editing ----------------------------------------------------------------------------------------

_BIB_TEXT = (
    "container volume number edition series publisher address school institution organization howpublished bib_note"
).split()
"""Bibliographic fields set as they are typed (white space collapsed)."""
EDITABLE = (
    *("title", "authors", "venue", "year", "paper", "code", "link.LABEL", "links", "tags", "note", "abstract"),
    *("type", "editors", "month", "pages", "isbn", "issn", "url", *_BIB_TEXT),
)
"""What `evlm edit --set` changes. The key never changes here (`evlm rekey` renames on purpose)."""


def parse_assignment(text: str) -> tuple[str, str]:
    """`FIELD=VALUE` -> (field, value); the value may be empty (which clears the field)."""
    field, sep, value = text.partition("=")
    field = field.strip()
    if not sep or not field:
        raise EvlmError(f"expected FIELD=VALUE, got {quoted(text)}", hint="e.g. --set venue=CVPR --set year=2025")
    return field, value.strip()


def edit(survey: Survey, key: str, changes: Sequence[tuple[str, str]]) -> Survey:
    """The survey with these field changes applied to one paper, validated as a whole."""
    from evlm_cli import provenance

    original = paper = survey.paper(key)
    for field, value in changes:
        paper = _apply(paper, field, value)
    paper = rederive_ids(original, paper)
    paper = provenance.record(paper, provenance.changed(original, paper), Provenance("hand", date=dt.date.today()))
    where = f"paper {key!r}"
    try:
        check_paper(paper, {s.id for s in survey.sections}, {p.key.casefold() for p in survey.papers if p.key != key})
    except DatabaseError as error:
        raise EvlmError(error.message, where=where, hint=error.hint) from None
    return dataclasses.replace(survey, papers=tuple(paper if p.key == key else p for p in survey.papers))


def rederive_ids(before: Paper, after: Paper) -> Paper:
    """`after` with `arxiv`, `arxiv_version` and `doi` derived again from its links, if they changed since `before`.

    An id the new links give replaces the field (the arXiv category goes with a replaced arXiv id). An id that came
    from a link which is now gone is cleared; an id no link ever gave (fetched from a source) is kept."""
    if after.links == before.links:
        return after
    old = ids.ids_from_links(link.url for link in before.links)
    new = ids.ids_from_links(link.url for link in after.links)
    paper = after
    if new.arxiv is not None:
        if new.arxiv.id != paper.arxiv:
            paper = dataclasses.replace(paper, arxiv=new.arxiv.id, arxiv_version=new.arxiv.version, arxiv_category="")
        elif new.arxiv.version is not None:
            paper = dataclasses.replace(paper, arxiv_version=new.arxiv.version)
    elif old.arxiv is not None and paper.arxiv == old.arxiv.id:
        paper = dataclasses.replace(paper, arxiv=None, arxiv_version=None, arxiv_category="")
    if new.doi is not None:
        if new.doi != (paper.doi or "").lower():
            paper = dataclasses.replace(paper, doi=new.doi)
    elif old.doi is not None and (paper.doi or "").lower() == old.doi:
        paper = dataclasses.replace(paper, doi=None)
    return paper


def id_changes(before: Paper, after: Paper) -> list[str]:
    """What `rederive_ids` changed, for the CLI to tell: `arxiv 2412.19509 -> 2401.00001`, `doi ... -> (none)`."""
    told = []
    for name in ("arxiv", "arxiv_version", "doi"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            told.append(f"{name} {old if old is not None else '(none)'} -> {new if new is not None else '(none)'}")
    return told


def is_link_field(field: str) -> bool:
    """Whether `--set FIELD=VALUE` sets a link (`paper`, `code`, `link.LABEL`), so VALUE must be a URL."""
    return field in ("paper", "code") or field.startswith("link.")


def _apply(paper: Paper, field: str, value: str) -> Paper:
    where = f"paper {paper.key!r}"
    if field == "title":
        if not value:
            raise EvlmError("title cannot be empty", where=where)
        return dataclasses.replace(paper, title=normalize_space(value), title_tex="")  # the source's LaTeX is stale
    if field in ("authors", "editors"):
        names: dict[str, Any] = {field: tuple(normalize_space(a) for a in value.split(";") if a.strip())}
        return dataclasses.replace(paper, **names)
    if field in _BIB_TEXT:
        changes: dict[str, Any] = {field: normalize_space(value)}
        if field == "container":
            changes["container_tex"] = ""  # the source's LaTeX is stale
        return dataclasses.replace(paper, **changes)
    if field in _CHECKED:
        checked: dict[str, Any] = {field: _CHECKED[field](normalize_space(value), where)}
        return dataclasses.replace(paper, **checked)
    if field == "venue":
        return dataclasses.replace(paper, venue=normalize_space(value))
    if field == "note":
        return dataclasses.replace(paper, note=normalize_space(value))
    if field == "abstract":
        return dataclasses.replace(paper, abstract=normalize_space(value))
    if field == "year":
        if value and not (value.isascii() and value.isdigit()):  # `²` is a digit to isdigit, not to int
            raise EvlmError(f"year must be a number, not {quoted(value)}", where=where)
        return dataclasses.replace(paper, year=int(value) if value else None)
    if field == "tags":
        tags = dict.fromkeys(t.strip() for t in value.split(",") if t.strip())
        return dataclasses.replace(paper, tags=tuple(tags))
    if field == "links":
        if value:
            raise EvlmError("links can only be cleared (links=)", where=where, hint="set one with link.LABEL=URL")
        return dataclasses.replace(paper, links=())
    if is_link_field(field):
        label = field.removeprefix("link.") if field.startswith("link.") else field.capitalize()
        return dataclasses.replace(paper, links=_set_link(paper, label, value))
    suggestion = closest(field, [f for f in EDITABLE if f != "link.LABEL"], n=1)
    hint = f"did you mean {suggestion[0]!r}? " if suggestion else ""
    raise EvlmError(f"cannot edit field {quoted(field)}", where=where, hint=hint + "editable: " + ", ".join(EDITABLE))


def _type(value: str, where: str) -> str:
    """One of model.TYPES (or another name of one: `conference`, `chapter`); empty derives it from the venue."""
    found = normalize_type(value) if value else ""
    if found is None:
        suggestion = closest(value, TYPES, n=1)
        hint = f"did you mean {suggestion[0]!r}? " if suggestion else ""
        raise EvlmError(f"unknown entry type {quoted(value)}", where=where, hint=hint + "types: " + ", ".join(TYPES))
    return found


def _month(value: str, where: str) -> int | None:
    """1..12 from `7`, `jul`, `Jul.` or `July`; None for an empty value."""
    from evlm_cli.importers.bibtex import MONTHS

    if not value:
        return None
    text = value.lower().rstrip(".")
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    for number, (short, name) in enumerate(MONTHS.items(), start=1):
        if text in (short, name.lower()) or (short == "sep" and text == "sept"):
            return number
    raise EvlmError(f"month must be 1..12 or a month's name (jul, July), not {quoted(value)}", where=where)


_PAGE = r"(?:[A-Za-z]{0,3}\d+[A-Za-z]?|[ivxlcdm]+|[IVXLCDM]+)"
_PAGES = re.compile(rf"{_PAGE}(?:\s*(?:--?|–|—)\s*{_PAGE}|\+)?(?:\s*,\s*{_PAGE}(?:\s*(?:--?|–|—)\s*{_PAGE})?)*")


def _pages(value: str, where: str) -> str:
    """A page, a range or a list of them (`12--34`, `12-34`, `e123`, `xii`, `5, 7--9`); a range is written with
    BibTeX's `--`, which every export reads."""
    if value and not _PAGES.fullmatch(value):
        raise EvlmError(f"pages must look like 12--34, 12-34 or e123, not {quoted(value)}", where=where)
    return re.sub(r"\s*(?:--?|–|—)\s*", "--", value)


def _isbn(value: str, where: str) -> str:
    """An ISBN-10 or ISBN-13 with a right check digit, hyphens and spaces as typed."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if not value:
        return ""
    if re.fullmatch(r"\d{9}[\dX]", digits):
        valid = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) % 11 == 0
    elif re.fullmatch(r"\d{13}", digits):
        valid = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10 == 0
    else:
        raise EvlmError(
            f"isbn must have 10 or 13 digits, not {quoted(value)}", where=where, hint="e.g. 978-0-201-13447-6"
        )
    if not valid:
        raise EvlmError(f"isbn {quoted(value)} has a wrong check digit", where=where, hint="a typo? copy it again")
    return value


def _issn(value: str, where: str) -> str:
    """`NNNN-NNNC` with a right check digit (C may be X)."""
    if not value:
        return ""
    match = re.fullmatch(r"(\d{4})-?(\d{3}[\dXx])", value)
    if match is None:
        raise EvlmError(f"issn must look like 0001-0782, not {quoted(value)}", where=where)
    digits = (match.group(1) + match.group(2)).upper()
    total = sum((8 - i) * int(c) for i, c in enumerate(digits[:7])) + (10 if digits[7] == "X" else int(digits[7]))
    if total % 11:
        raise EvlmError(f"issn {quoted(value)} has a wrong check digit", where=where, hint="a typo? copy it again")
    return f"{digits[:4]}-{digits[4:]}"


def _url(value: str, where: str) -> str:
    if value and not ids.is_valid_url(value):
        raise EvlmError(f"malformed URL {value!r}", where=where, hint="use an absolute http(s) URL")
    return value


_CHECKED: dict[str, Callable[[str, str], Any]] = {
    "type": _type,
    "month": _month,
    "pages": _pages,
    "isbn": _isbn,
    "issn": _issn,
    "url": _url,
}
"""Fields whose value is checked (and written the standard way) before it is set: (value, where) -> field value."""


def _set_link(paper: Paper, label: str, url: str) -> tuple[Link, ...]:
    """Replace (or, with an empty URL, remove) the link with this label, keeping the others' order."""
    if not label.strip():
        raise EvlmError("a link needs a label: link.LABEL=URL", where=f"paper {paper.key!r}")
    if url and not ids.is_valid_url(url):
        raise EvlmError(f"malformed URL {url!r}", where=f"paper {paper.key!r}", hint="use an absolute http(s) URL")
    links = list(paper.links)
    index = next((i for i, link in enumerate(links) if link.label.lower() == label.lower()), None)
    if index is None:
        return (*links, Link(label, url)) if url else tuple(links)
    if url:
        links[index] = Link(links[index].label, url)
    else:
        del links[index]
    return tuple(links)
