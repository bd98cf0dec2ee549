"""`evlm inbox`: new arXiv papers for the survey, waiting in `data/inbox.toml` for a maintainer to accept or reject.

`fetch` asks arXiv for recent papers matching `[survey.inbox]` (or a query derived from the taxonomy), scores each
against every leaf section with the model `evlm add` suggests a section with (`suggest.SectionModel`), drops those
the survey already has (`dedupe.Index`), rejected before, or fitting no section, and keeps the rest in the inbox file
beside the database. The file is sorted by arXiv id with fixed fields, so a fetch is a small diff, and it is written
atomically under the database's lock. `accept` adds a candidate through the same write transaction as `evlm add`,
which also writes the inbox without it: the survey gains the paper and the inbox loses it together, or neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from evlm_cli import ids
from evlm_cli.errors import DatabaseError, EvlmError, NotFoundError
from evlm_cli.model import InboxQuery, Paper, Survey

if TYPE_CHECKING:
    import httpx

    from evlm_cli import transaction
    from evlm_cli.sources import Metadata

T = TypeVar("T")
INBOX_NAME = "inbox.toml"
DEFAULT_CATEGORIES = ("cs.CV", "cs.CL", "cs.LG")
DEFAULT_DAYS = 30
"""How far back the first fetch looks (later fetches start from the last one)."""
MIN_SCORE = 0.12
"""A paper whose best section fit is below this fits no section and is not kept (see benchmarks/inbox_quality.py)."""
GENERIC_WORDS = frozenset({"other", "others", "method", "methods", "misc", "miscellaneous", "general"})
"""A section title made only of these says nothing to search for (`Other Methods`)."""
_HEADER = (
    "# New arXiv papers for the survey, from `evlm inbox fetch`: review them with `evlm inbox`, then\n"
    "# `evlm inbox accept ID` or `evlm inbox reject ID`. Written by evlm; safe to commit.\n"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper waiting for review, with its best section and arXiv's metadata."""

    arxiv: str
    """arXiv id without version."""
    title: str
    score: float
    """Cosine similarity (0..1) with the best-fitting leaf section."""
    section: str
    """The suggested section."""
    fetched: dt.date
    """When it entered the inbox (`clear --older-than` counts from here)."""
    version: int | None = None
    published: dt.date | None = None
    category: str = ""
    authors: tuple[str, ...] = ()
    doi: str | None = None
    journal_ref: str = ""
    abstract: str = ""

    def metadata(self) -> Metadata:
        """What `evlm add` would have fetched for this paper."""
        from evlm_cli.sources import Metadata

        return Metadata(
            title=self.title,
            authors=self.authors,
            year=self.published.year if self.published else _id_year(self.arxiv),
            url=ids.arxiv_abs_url(self.arxiv),
            abstract=self.abstract,
            arxiv=self.arxiv,
            arxiv_version=self.version,
            arxiv_category=self.category,
            doi=self.doi,
            journal_ref=self.journal_ref,
            published=self.published,
        )


def _id_year(arxiv: str) -> int | None:
    parsed = ids.parse_arxiv_id(arxiv)
    return parsed.year if parsed else None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A paper the maintainer said no to: never fetched into the inbox again."""

    arxiv: str
    title: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class Inbox:
    """The review file's content."""

    candidates: tuple[Candidate, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    fetched: dt.date | None = None
    """The day of the last fetch: the next one starts there."""

    def find(self, text: str) -> Candidate:
        """The candidate with this arXiv id (any version, or an arXiv URL); NotFoundError otherwise."""
        wanted = arxiv_id(text)
        for candidate in self.candidates:
            if candidate.arxiv == wanted:
                return candidate
        raise NotFoundError(f"no paper {wanted} in the inbox", hint="`evlm inbox` lists them")

    def ranked(self, *, section: str | None = None, min_score: float = 0.0) -> list[Candidate]:
        """Candidates best first (ties: newest arXiv id first), optionally of one section and above a score."""
        chosen = [c for c in self.candidates if (section is None or c.section == section) and c.score >= min_score]
        newest = sorted(chosen, key=lambda c: c.arxiv, reverse=True)
        return sorted(newest, key=lambda c: -c.score)  # stable: equal scores stay newest first


def arxiv_id(text: str) -> str:
    """The arXiv id (without version) of an id or URL as typed; a usage-level EvlmError for anything else."""
    parsed = ids.parse_arxiv_id(text.strip()) or ids.arxiv_from_url(text.strip())
    if parsed is None:
        raise EvlmError(f"not an arXiv id: {text!r}", hint="e.g. 2412.19509 or https://arxiv.org/abs/2412.19509")
    return parsed.id


def inbox_path(db_path: Path) -> Path:
    return db_path.parent / INBOX_NAME


# -- the query ------------------------------------------------------------------------------------------


def effective_query(survey: Survey) -> InboxQuery:
    """`[survey.inbox]` with each empty field taken from the defaults: categories, and keywords from the taxonomy."""
    given = survey.info.inbox or InboxQuery()
    return InboxQuery(
        categories=given.categories or DEFAULT_CATEGORIES,
        keywords=given.keywords or default_keywords(survey),
        authors=given.authors,
    )


def default_keywords(survey: Survey) -> tuple[str, ...]:
    """The leaf sections' titles, a one-word title with its parent's (`Structured Pruning`), generic ones left out."""
    found: list[str] = []
    for section in survey.sections:
        if survey.children(section.id):
            continue
        words = section.title.split()
        if all(w.lower().strip("-") in GENERIC_WORDS for w in words):
            continue
        phrase = section.title
        if len(words) == 1 and section.parent is not None:
            phrase = f"{section.title} {survey.section(section.parent).title}"
        found.append(phrase)
    return tuple(dict.fromkeys(found))


def search_query(query: InboxQuery, *, since: dt.date | None = None, until: dt.date | None = None) -> str:
    """The API's `search_query`: (a category AND a keyword) OR an author, within the submission dates if given.

    Example: `(cat:cs.CV OR cat:cs.CL) AND (all:"token pruning" OR all:quantization) OR au:"Song Han"`."""
    parts = []
    topic = " AND ".join(group for group in (_any("cat", query.categories), _any("all", query.keywords)) if group)
    if topic:
        parts.append(f"({topic})" if query.authors else topic)
    if query.authors:
        parts.append(_any("au", query.authors))
    if not parts:
        raise EvlmError("nothing to ask arXiv for", where="[survey.inbox]", hint="give categories, keywords or authors")
    text = " OR ".join(parts)
    if since is not None:
        end = until or dt.date.today()
        text = f"({text}) AND submittedDate:[{since:%Y%m%d}0000 TO {end:%Y%m%d}2359]"
    return text


def _any(field: str, terms: Iterable[str]) -> str:
    quoted = [
        f'{field}:"{t}"' if " " in t or "-" in t else f"{field}:{t}"
        for t in (s.replace('"', "").strip() for s in terms)
        if t
    ]
    if len(quoted) > 1:
        return "(" + " OR ".join(quoted) + ")"
    return quoted[0] if quoted else ""


# -- scoring -----------------------------------------------------------------------------------------


def score(survey: Survey, papers: Iterable[Metadata], *, today: dt.date) -> list[Candidate]:
    """Each paper with its best leaf section and score, as `evlm add` would suggest it (title and abstract)."""
    from evlm_cli.suggest import SectionModel

    model = SectionModel(survey)
    leaves = [s.id for s in survey.sections if not survey.children(s.id)] or [s.id for s in survey.sections]
    out = []
    for paper in papers:
        if paper.arxiv is None:
            continue
        vector = model.vector(f"{paper.title} {paper.abstract}")
        best, value = "", -1.0
        for leaf in leaves:
            fit = model.score(vector, leaf)
            if fit > value + 1e-12:
                best, value = leaf, fit
        out.append(
            Candidate(
                arxiv=paper.arxiv,
                title=paper.title,
                score=round(max(value, 0.0), 4),
                section=best,
                fetched=today,
                version=paper.arxiv_version,
                published=paper.published,
                category=paper.arxiv_category,
                authors=paper.authors,
                doi=paper.doi,
                journal_ref=paper.journal_ref,
                abstract=paper.abstract,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a fetch did."""

    added: tuple[Candidate, ...]
    seen: int
    """Papers arXiv answered with."""
    known: int
    """Of those, papers the survey has, the inbox has, or that were rejected before."""
    low: int
    """Of those, papers that fit no section (score below the threshold)."""


def merge(
    survey: Survey, inbox: Inbox, papers: Iterable[Metadata], *, today: dt.date, min_score: float = MIN_SCORE
) -> tuple[Inbox, Fetched]:
    """The inbox with the new papers that fit a section, and the counts of what was left out and why."""
    from evlm_cli.dedupe import Index

    index = Index(survey.papers)
    waiting = {c.arxiv for c in inbox.candidates} | {r.arxiv for r in inbox.rejected}
    fresh: list[Metadata] = []
    seen = known = 0
    for paper in papers:
        seen += 1
        probe = Paper(key="", title=paper.title, section="", arxiv=paper.arxiv, doi=paper.doi, year=paper.year)
        if paper.arxiv is None or paper.arxiv in waiting or index.find(probe) is not None:
            known += 1
            continue
        waiting.add(paper.arxiv)
        fresh.append(paper)
    scored = score(survey, fresh, today=today)
    kept = tuple(c for c in scored if c.score >= min_score)
    candidates = tuple(sorted(inbox.candidates + kept, key=lambda c: c.arxiv))
    result = Fetched(kept, seen, known, len(scored) - len(kept))
    return replace(inbox, candidates=candidates, fetched=today), result


def fetch(
    db_path: Path,
    survey: Survey,
    *,
    since: dt.date | None = None,
    limit: int = 500,
    min_score: float = MIN_SCORE,
    client: httpx.Client | None = None,
    today: dt.date | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Fetched:
    """Ask arXiv (outside the lock), then merge the answer into the inbox file under the database's lock."""
    from evlm_cli.sources import arxiv
    from evlm_cli.sources._http import make_client

    today = today or dt.date.today()
    path = inbox_path(db_path)
    start = since or load(path).fetched or today - dt.timedelta(days=DEFAULT_DAYS)
    query = search_query(effective_query(survey), since=start, until=today)
    if client is None:
        with make_client() as made:
            papers = arxiv.search(query, made, since=start, limit=limit)
    else:
        papers = arxiv.search(query, client, since=start, limit=limit)
    return update(db_path, lambda current, s: merge(s, current, papers, today=today, min_score=min_score), on_wait)[1]


# -- review --------------------------------------------------------------------------------------------


def reject(db_path: Path, text: str, *, today: dt.date | None = None) -> Candidate:
    """Move a candidate to the rejected list, so that no later fetch brings it back."""
    wanted = arxiv_id(text)

    def change(inbox: Inbox, _: Survey) -> tuple[Inbox, Candidate]:
        candidate = inbox.find(wanted)
        rejection = Rejection(candidate.arxiv, candidate.title, today or dt.date.today())
        return replace(
            inbox,
            candidates=tuple(c for c in inbox.candidates if c.arxiv != wanted),
            rejected=tuple(sorted((*inbox.rejected, rejection), key=lambda r: r.arxiv)),
        ), candidate

    return update(db_path, change)[1]


def clear(db_path: Path, *, older_than: dt.timedelta, today: dt.date | None = None) -> tuple[Candidate, ...]:
    """Drop the candidates that entered the inbox more than `older_than` ago (not rejected: a later fetch may
    bring them back if they are still recent)."""
    limit = (today or dt.date.today()) - older_than

    def change(inbox: Inbox, _: Survey) -> tuple[Inbox, tuple[Candidate, ...]]:
        old = tuple(c for c in inbox.candidates if c.fetched < limit)
        return replace(inbox, candidates=tuple(c for c in inbox.candidates if c.fetched >= limit)), old

    return update(db_path, change)[1]


def accept(
    db_path: Path,
    text: str,
    *,
    section: str | None = None,
    rebuild: bool = True,
    on_wait: Callable[[str], None] | None = None,
    today: dt.date | None = None,
) -> tuple[Paper, transaction.Written]:
    """Add a candidate to the survey, as `evlm add` does (one write transaction, README and BibTeX rebuilt), in its
    suggested section unless `section` says otherwise, and remove it from the inbox in the same write."""
    from evlm_cli import edit as editing
    from evlm_cli import journal, transaction

    wanted = arxiv_id(text)
    with journal.hold(db_path, on_wait=on_wait):
        candidate = load(inbox_path(db_path)).find(wanted)
        added: list[Paper] = []

        def change(survey: Survey) -> Survey:
            survey.section(section or candidate.section)
            draft = editing.draft(
                candidate.metadata(), section=section or candidate.section, added=today or dt.date.today()
            )
            result = editing.add_papers(survey, [draft])
            if result.refused:
                refusal = result.refused[0]
                raise EvlmError(
                    f"already in the survey as {refusal.existing.key!r} ({refusal.reason})",
                    where=wanted,
                    hint=f"`evlm inbox reject {wanted}` removes it from the inbox",
                )
            added.extend(result.added)
            return result.survey

        path = inbox_path(db_path)
        rest = journal.Change(path, dumps(_without(load(path), wanted)).encode("utf-8"))
        done = transaction.write(db_path, change, rebuild=rebuild, also=[rest])
    return added[0], done


def _without(inbox: Inbox, wanted: str) -> Inbox:
    return replace(inbox, candidates=tuple(c for c in inbox.candidates if c.arxiv != wanted))


# -- the file ------------------------------------------------------------------------------------------


def update(
    db_path: Path, change: Callable[[Inbox, Survey], tuple[Inbox, T]], on_wait: Callable[[str], None] | None = None
) -> tuple[Inbox, T]:
    """Apply `change` to the inbox file under the database's lock, writing it atomically when it changed."""
    from evlm_cli import db, fsutil, journal

    path = inbox_path(db_path)
    with journal.hold(db_path, on_wait=on_wait):
        before = load(path)
        after, result = change(before, db.load(db_path))
        if after != before or not path.exists():
            fsutil.atomic_write(path, dumps(after))
    return after, result


def load(path: Path) -> Inbox:
    """The inbox file, or an empty inbox when there is none; DatabaseError naming the file for a broken one."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Inbox()
    except (OSError, UnicodeDecodeError) as error:
        raise DatabaseError(f"cannot read the inbox: {error}", where=str(path)) from None
    try:
        raw = tomllib.loads(text)
        return Inbox(
            candidates=tuple(_candidate(item) for item in raw.get("candidates", [])),
            rejected=tuple(Rejection(r["arxiv"], r.get("title", ""), r["date"]) for r in raw.get("rejected", [])),
            fetched=raw.get("fetched"),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as error:
        raise DatabaseError(
            f"the inbox file is broken ({type(error).__name__}: {error})",
            where=str(path),
            hint="fix it by hand, or delete it and run `evlm inbox fetch` again",
        ) from None


def _candidate(item: dict[str, Any]) -> Candidate:
    return Candidate(
        arxiv=item["arxiv"],
        title=item["title"],
        score=float(item["score"]),
        section=item["section"],
        fetched=item["fetched"],
        version=item.get("version"),
        published=item.get("published"),
        category=item.get("category", ""),
        authors=tuple(item.get("authors", ())),
        doi=item.get("doi"),
        journal_ref=item.get("journal_ref", ""),
        abstract=item.get("abstract", ""),
    )


def to_dict(candidate: Candidate) -> dict[str, Any]:
    """A candidate's fields in a fixed order, empty ones left out (also what `evlm inbox --json` prints)."""
    data: dict[str, Any] = {}
    for spec in fields(Candidate):
        name, value = spec.name, getattr(candidate, spec.name)
        if value in (None, "", ()):
            continue
        data[name] = list(value) if isinstance(value, tuple) else value
    return data


def dumps(inbox: Inbox) -> str:
    """The file's text: header, last fetch, candidates and rejections, each sorted by arXiv id."""
    import tomli_w

    document: dict[str, Any] = {}
    if inbox.fetched is not None:
        document["fetched"] = inbox.fetched
    document["candidates"] = [to_dict(c) for c in sorted(inbox.candidates, key=lambda c: c.arxiv)]
    document["rejected"] = [
        {"arxiv": r.arxiv, "title": r.title, "date": r.date} for r in sorted(inbox.rejected, key=lambda r: r.arxiv)
    ]
    return _HEADER + "\n" + tomli_w.dumps(document, multiline_strings=True)
