"""Changing the survey: add, remove, move and edit papers, as pure functions from one Survey to the next.

The CLI runs them inside `db.update`, which holds the database's lock across read, change and write, so keys are
chosen against what is really on disk and two maintainers' concurrent changes never overwrite each other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evlm_cli import dedupe, ids
from evlm_cli.errors import DatabaseError, EvlmError
from evlm_cli.keys import make_key
from evlm_cli.model import Link, Paper, Provenance, Survey, check_paper, taken_keys
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

EDITABLE = ("title", "authors", "venue", "year", "paper", "code", "link.LABEL", "links", "tags", "note", "abstract")
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


def _apply(paper: Paper, field: str, value: str) -> Paper:
    where = f"paper {paper.key!r}"
    if field == "title":
        if not value:
            raise EvlmError("title cannot be empty", where=where)
        return dataclasses.replace(paper, title=normalize_space(value))
    if field == "authors":
        return dataclasses.replace(paper, authors=tuple(normalize_space(a) for a in value.split(";") if a.strip()))
    if field == "venue":
        return dataclasses.replace(paper, venue=normalize_space(value))
    if field == "note":
        return dataclasses.replace(paper, note=normalize_space(value))
    if field == "abstract":
        return dataclasses.replace(paper, abstract=normalize_space(value))
    if field == "year":
        if value and not value.isdigit():
            raise EvlmError(f"year must be a number, not {quoted(value)}", where=where)
        return dataclasses.replace(paper, year=int(value) if value else None)
    if field == "tags":
        tags = dict.fromkeys(t.strip() for t in value.split(",") if t.strip())
        return dataclasses.replace(paper, tags=tuple(tags))
    if field == "links":
        if value:
            raise EvlmError("links can only be cleared (links=)", where=where, hint="set one with link.LABEL=URL")
        return dataclasses.replace(paper, links=())
    if field in ("paper", "code") or field.startswith("link."):
        label = field.removeprefix("link.") if field.startswith("link.") else field.capitalize()
        return dataclasses.replace(paper, links=_set_link(paper, label, value))
    suggestion = closest(field, [f for f in EDITABLE if f != "link.LABEL"], n=1)
    hint = f"did you mean {suggestion[0]!r}? " if suggestion else ""
    raise EvlmError(f"cannot edit field {quoted(field)}", where=where, hint=hint + "editable: " + ", ".join(EDITABLE))


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
