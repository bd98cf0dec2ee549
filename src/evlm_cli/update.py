"""`evlm update`: what the public records say about each paper, as proposed changes (data; nothing is written here).

For each paper: its arXiv id's record (all ids in one batched request) and, by DOI, Crossref's; each is checked to be
the paper the title names (`identity`). When the Paper link's record is another paper, that is said, and the paper is
looked for by title (arXiv, DBLP, Semantic Scholar, Crossref), keeping only hits that are the same paper. DBLP and
Semantic Scholar give the published version of a preprint. The proposal fills missing fields, corrects a mangled
title, the year and the venue, and moves a preprint to its published version (the arXiv id is kept). A field that is
pinned, or entered by hand, is left alone unless forced; a rejected value is not proposed again.

Answers are cached (`sources._http.cached_get`); what was learnt per paper is kept in the cache too (`remember`), so
`evlm check` can warn about it without a network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evlm_cli import identity, ids, provenance
from evlm_cli.errors import EvlmError, SourceError
from evlm_cli.model import Link, Paper, Provenance, Survey

if TYPE_CHECKING:
    import httpx

    from evlm_cli.sources import Metadata

FIELDS = ("title", "authors", "year", "venue", "type", "pages", "doi", "arxiv", "links", "abstract")
"""The fields `update` proposes, in the order it shows them."""


@dataclass(frozen=True, slots=True)
class Change:
    """One proposed change of one field, with its evidence."""

    field: str
    old: Any
    new: Any
    source: str
    """The service the value comes from (`arxiv`, `crossref`, `dblp`, `s2`)."""
    id: str
    """The record's id there."""
    url: str
    """Where a reviewer can read the record."""

    def shown(self) -> str:
        """The new value as text (what `rejected` stores)."""
        return shown(self.new)


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the records say about one paper."""

    key: str
    title: str
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    """Findings a reviewer should read (`the Paper link is 2308.13137 'OmniQuant ...', not '...'`)."""
    held: tuple[str, ...] = ()
    """Changes not proposed because the field is pinned, entered by hand or the value was rejected."""
    problems: tuple[str, ...] = ()
    """Sources that failed for this paper."""
    link_is: dict[str, str] | None = None
    """When the Paper link's record is another paper: its id, title and URL."""
    published: dict[str, str] | None = None
    """When a preprint has a published version: its venue, year, DOI and URL."""


def shown(value: Any) -> str:
    """A field's value as one line of text: lists joined with `; `, links as `Label: URL`, None as empty."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "; ".join(f"{v.label}: {v.url}" if isinstance(v, Link) else str(v) for v in value)
    return str(value)


def select(survey: Survey, keys: Sequence[str], section: str | None) -> list[Paper]:
    """The papers named, or those of a section (and below), or all of them; NotFoundError for an unknown key."""
    if keys:
        return [survey.paper(key) for key in keys]
    if section is not None:
        wanted = survey.subtree(section)
        return [paper for paper in survey.in_reading_order() if paper.section in wanted]
    return list(survey.in_reading_order())


class Sources:
    """The services, behind one small interface: records by id, and searches by title (each may raise SourceError)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def by_arxiv(self, arxiv_ids: Sequence[str]) -> dict[str, Metadata | SourceError]:
        from evlm_cli.sources import arxiv

        return arxiv.fetch_many(arxiv_ids, self.client) if arxiv_ids else {}

    def by_doi(self, doi: str) -> Metadata:
        from evlm_cli.sources import crossref

        return crossref.fetch(doi, self.client)

    def s2(self, kind: str, value: str) -> Metadata | None:
        from evlm_cli.sources import s2

        return s2.fetch(kind, value, self.client)

    def searches(self) -> list[tuple[str, Callable[[str, tuple[str, ...]], list[Metadata]]]]:
        """(service, search(title, authors)) in the order they are asked."""
        from evlm_cli.sources import arxiv, crossref, dblp, s2

        return [
            ("arXiv", lambda title, authors: arxiv.search_title(title, self.client)),
            ("DBLP", lambda title, authors: dblp.search(title, self.client)),
            ("Semantic Scholar", lambda title, authors: s2.match(title, self.client)),
            ("Crossref", lambda title, authors: crossref.search(title, self.client, authors=authors)),
        ]


def propose(
    survey: Survey,
    papers: Sequence[Paper],
    sources: Sources,
    *,
    force_fields: Iterable[str] = (),
) -> list[Proposal]:
    """A proposal for each paper, in order (with no change when the records agree or none was found)."""
    forced = set(force_fields)
    by_arxiv = sources.by_arxiv(sorted({p.arxiv for p in papers if p.arxiv}))
    return [_propose_one(paper, by_arxiv.get(paper.arxiv or ""), sources, forced) for paper in papers]


def _propose_one(
    paper: Paper, arxiv_answer: Metadata | SourceError | None, sources: Sources, forced: set[str]
) -> Proposal:
    notes: list[str] = []
    problems: list[str] = []
    found: list[Metadata] = []
    link_is: dict[str, str] | None = None
    id_is_wrong = False
    if isinstance(arxiv_answer, SourceError):
        problems.append(f"arXiv: {arxiv_answer.message}")
    elif arxiv_answer is not None:
        verdict = identity.same_paper(paper, arxiv_answer)
        if verdict.same:
            found.append(arxiv_answer)
        elif verdict.why == "another title":
            id_is_wrong = True
            link_is = {"id": paper.arxiv or "", "title": arxiv_answer.title, "url": arxiv_answer.url}
            notes.append(f"the Paper link is {paper.arxiv} {_short(arxiv_answer.title)!r}, not {_short(paper.title)!r}")
    if paper.doi:
        record = _ask(problems, "Crossref", lambda: sources.by_doi(paper.doi or ""))
        if record is not None:
            if identity.same_paper(paper, record).same:
                found.append(record)
            else:
                notes.append(f"the DOI {paper.doi} is {_short(record.title)!r}, not {_short(paper.title)!r}")
    if paper.arxiv and not id_is_wrong:
        record = _ask(problems, "Semantic Scholar", lambda: sources.s2("arxiv", paper.arxiv or ""))
        if record is not None and identity.same_paper(paper, record).same:
            found.append(record)
    probe = dataclasses.replace(paper, arxiv=None) if id_is_wrong else paper
    if not any(r.source == "arxiv" for r in found) or not _published(found):
        title = found[0].title if found else identity.readable_title(paper.title)
        for service, search in sources.searches():
            if service == "arXiv" and any(r.source == "arxiv" for r in found):
                continue
            if service == "Crossref" and _published(found):
                continue
            hits = _ask(problems, service, functools.partial(search, title, paper.authors)) or []
            found += [hit for hit in hits if identity.same_paper(probe, hit).same and hit not in found]
    published = _published(found)
    proposal = Proposal(paper.key, paper.title, notes=tuple(notes), problems=tuple(problems), link_is=link_is)
    if published is not None and is_preprint(paper):
        proposal = dataclasses.replace(
            proposal,
            published={"venue": published.venue, "year": str(published.year or ""), "url": published.url},
        )
    changes = _changes(paper, found, published, id_is_wrong)
    kept, held = [], []
    for change in changes:
        if (change.field, change.shown()) in paper.rejected:
            held.append(f"{change.field}: rejected before")
        elif provenance.is_protected(paper, change.field) and change.field not in forced:
            why = "pinned" if change.field in paper.pinned else "entered by hand"
            held.append(f"{change.field}: {why} (--force-field {change.field} changes it)")
        else:
            kept.append(change)
    return dataclasses.replace(proposal, changes=tuple(kept), held=tuple(held))


def _ask(problems: list[str], service: str, call: Callable[[], Any]) -> Any:
    """The call's answer, or None with the failure noted (no network at all stops everything: NoNetworkError)."""
    try:
        return call()
    except SourceError as error:
        problems.append(f"{service}: {error.message}")
        return None


def _short(title: str, words: int = 4) -> str:
    parts = title.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def _published(records: Sequence[Metadata]) -> Metadata | None:
    """The record of the published version, if any: DBLP's first, then Semantic Scholar's, then Crossref's."""
    for source in ("dblp", "s2", "crossref"):
        for record in records:
            if record.source == source and record.type in ("inproceedings", "article", "incollection") and record.venue:
                return record
    return None


def is_preprint(paper: Paper) -> bool:
    """True when the list gives the paper as a preprint (no venue but arXiv, no published type)."""
    return paper.type in ("", "preprint", "misc") and paper.venue.lower() in ("", "arxiv", "corr", "arxiv preprint")


_VOLUME = re.compile(r"\s*\(\d+\)$")
"""DBLP's volume number after a proceedings venue (`ECCV (46)`)."""


def _changes(paper: Paper, found: list[Metadata], published: Metadata | None, id_is_wrong: bool) -> list[Change]:
    preprint = next((r for r in found if r.source == "arxiv"), None)
    best = preprint or published or (found[0] if found else None)
    if best is None:
        return []
    changes: list[Change] = []

    def offer(name: str, new: Any, record: Metadata) -> None:
        old = getattr(paper, name)
        if new not in (None, "", ()) and new != old:
            changes.append(Change(name, old, new, record.source, record.id, record.url))

    if identity.is_mangled(paper.title) or id_is_wrong:
        offer("title", best.title, best)
    if not paper.authors:
        offer("authors", best.authors, best)
    if published is not None and (is_preprint(paper) or paper.year != published.year):
        offer("year", published.year, published)
    elif paper.year is None:
        offer("year", best.year, best)
    if published is not None:
        venue = _VOLUME.sub("", published.venue)
        if is_preprint(paper) or paper.venue.casefold() != venue.casefold():
            offer("venue", venue, published)
        offer("type", published.type, published)
        if not paper.pages:
            offer("pages", published.pages, published)
    doi_source = published if published is not None and published.doi else best
    if not paper.doi:
        offer("doi", doi_source.doi, doi_source)
    if preprint is not None and (paper.arxiv is None or id_is_wrong):
        offer("arxiv", preprint.arxiv, preprint)
    if id_is_wrong and preprint is not None:
        url = ids.arxiv_abs_url(preprint.arxiv or "")
        links = tuple(Link(link.label, url) if link.label.lower() == "paper" else link for link in paper.links)
        offer("links", links if paper.paper_url else (Link("Paper", url), *paper.links), preprint)
    if not paper.abstract and preprint is not None:
        offer("abstract", preprint.abstract, preprint)
    order = {name: index for index, name in enumerate(FIELDS)}
    return sorted(changes, key=lambda change: order[change.field])


# -- applying and rejecting ---------------------------------------------------------------------------------


def apply(
    survey: Survey, proposals: Sequence[Proposal], *, fields: Iterable[str] | None = None, today: dt.date | None = None
) -> tuple[Survey, list[Change]]:
    """The survey with the proposed changes (only of `fields`, when given) applied, each field's provenance recorded;
    and the changes applied. A paper changed on disk since the proposal (its old value differs) is left alone."""
    wanted = set(fields) if fields is not None else None
    date = today or dt.date.today()
    done: list[Change] = []
    papers = {paper.key: paper for paper in survey.papers}
    for proposal in proposals:
        paper = papers.get(proposal.key)
        if paper is None:
            continue
        for change in proposal.changes:
            if (wanted is not None and change.field not in wanted) or getattr(paper, change.field) != change.old:
                continue
            paper = dataclasses.replace(paper, **{change.field: change.new})
            origin = Provenance(change.source, change.id, change.url, date)
            paper = provenance.record(paper, [change.field], origin)
            done.append(change)
        papers[proposal.key] = paper
    return dataclasses.replace(survey, papers=tuple(papers[p.key] for p in survey.papers)), done


def parse_rejection(text: str) -> tuple[str, str]:
    """`KEY:FIELD` -> (key, field); EvlmError otherwise."""
    key, sep, field = text.rpartition(":")
    if not sep or not key or field not in FIELDS:
        raise EvlmError(
            f"expected KEY:FIELD, got {text!r}", hint="FIELD is one of " + ", ".join(FIELDS) + "; e.g. mbq2024:doi"
        )
    return key, field


def reject(
    survey: Survey, proposals: Sequence[Proposal], wanted: Sequence[tuple[str, str]]
) -> tuple[Survey, list[Change]]:
    """The survey with each named proposal remembered as rejected in its paper (`rejected`); the changes rejected.
    EvlmError when a named field has no proposal."""
    by_key = {proposal.key: proposal for proposal in proposals}
    papers = {paper.key: paper for paper in survey.papers}
    rejected: list[Change] = []
    for key, field in wanted:
        change = next((c for c in by_key[key].changes if c.field == field), None) if key in by_key else None
        if change is None:
            raise EvlmError(f"nothing is proposed for {key}:{field}", hint="`evlm update KEY` shows what is proposed")
        paper = papers[key]
        papers[key] = dataclasses.replace(paper, rejected=(*paper.rejected, (field, change.shown())))
        rejected.append(change)
    return dataclasses.replace(survey, papers=tuple(papers[p.key] for p in survey.papers)), rejected


def to_json(proposals: Sequence[Proposal]) -> list[dict[str, Any]]:
    """The proposals as `--json` prints them."""
    from evlm_cli.db import paper_json

    def value(field: str, raw: Any) -> Any:
        probe = dataclasses.replace(Paper(key="k", title="t", section="s"), **{field: raw})
        return paper_json(probe).get(field)

    return [
        {
            "key": p.key,
            "title": p.title,
            "changes": [
                {
                    "field": c.field,
                    "old": value(c.field, c.old),
                    "new": value(c.field, c.new),
                    "source": c.source,
                    "id": c.id,
                    "url": c.url,
                }
                for c in p.changes
            ],
            "notes": list(p.notes),
            "held": list(p.held),
            "problems": list(p.problems),
        }
        for p in proposals
    ]


# -- what `check` may know offline ------------------------------------------------------------------------


def _known_path(db_path: Path) -> Path:
    from evlm_cli.cachedir import cache_dir

    name = hashlib.sha256(str(db_path.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / "records" / f"{name}.json"


def remember(db_path: Path, proposals: Sequence[Proposal]) -> None:
    """Keep what the records said about these papers (another paper behind the link, a published version), for
    `evlm check` to report offline. Only a cache: a failure to write it is ignored."""
    path = _known_path(db_path)
    try:
        known: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    for proposal in proposals:
        known[proposal.key] = {"link_is": proposal.link_is, "published": proposal.published}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        from evlm_cli.fsutil import atomic_write

        atomic_write(path, json.dumps(known, ensure_ascii=False, indent=1))
    except (OSError, EvlmError):
        pass


def known(db_path: Path) -> dict[str, dict[str, Any]]:
    """What `remember` kept for this database: paper key -> {"link_is": ..., "published": ...}; empty when none."""
    try:
        data = json.loads(_known_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
