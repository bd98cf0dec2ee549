"""Rules on identifiers: a paper listed twice, one arXiv id or DOI on different papers, ids the links contradict, one
URL on different papers.

What counts as the same paper (ids, near-identical titles) is decided by `evlm_cli.dedupe`, as for `evlm add`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from evlm_cli import dedupe, ids
from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule
from evlm_cli.model import Paper


def _others(keys: list[str], key: str) -> str:
    return ", ".join(k for k in keys if k != key)


# -- duplicates -------------------------------------------------------------------------------------


def _groups(papers: Iterable[Paper], value: Callable[[Paper], str | None]) -> list[list[Paper]]:
    groups: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        found = value(paper)
        if found:
            groups[found].append(paper)
    return [group for group in groups.values() if len(group) > 1]


def _shown_in(paper: Paper) -> set[str]:
    return {paper.section, *paper.also_in}


def _cross_listed(group: list[Paper]) -> bool:
    """True when no two of the papers are shown in one section: the list files one paper under several topics on
    purpose (as `also_in` does), which is not a duplicate."""
    return all(not _shown_in(a) & _shown_in(b) for i, a in enumerate(group) for b in group[i + 1 :])


def _all_same_title(group: list[Paper]) -> bool:
    return all(dedupe.same_title(group[0].title, p.title) for p in group[1:])


_ID_FIELDS: tuple[tuple[str, Callable[[Paper], str | None]], ...] = (
    ("arXiv id", dedupe.arxiv_of),
    ("DOI", dedupe.doi_of),
)


@rule("duplicate-paper")
def duplicate_paper(context: Context) -> Iterator[Finding]:
    """A paper listed twice: the same arXiv id or DOI with the same title, or near-identical titles.

    An id counts whether it is in the `arxiv`/`doi` field or only in a link (DOIs in any case). Titles are compared
    after `normalize_title` (case, accents and punctuation ignored) with a difflib ratio of 0.95 or more, as
    `evlm add` compares them; titles whose numbers differ (`Llama 2`, `Llama 3`) and papers whose arXiv ids or DOIs
    differ are never duplicates by title. Entries shown in different sections are cross-listed on purpose, not
    duplicates (`also_in` says so in one record). Keep one entry and delete the others."""
    papers = context.survey.papers
    reported: set[tuple[str, str]] = set()
    for label, value in _ID_FIELDS:
        for group in _groups(papers, value):
            if not _all_same_title(group) or _cross_listed(group):
                continue  # `conflicting-id` reports different titles
            keys = [p.key for p in group]
            for paper in group:
                reported.update((paper.key, other) for other in keys)
                yield context.finding(
                    paper,
                    "duplicate-paper",
                    "arxiv" if label == "arXiv id" else "doi",
                    f"listed more than once: same {label} {value(paper)} and title as {_others(keys, paper.key)}",
                    "keep one entry and delete the others",
                )
    for paper, other in dedupe.similar_titles(papers):
        if (paper.key, other.key) not in reported and not _cross_listed([paper, other]):
            exact = dedupe.exactly_same_title(paper.title, other.title)
            how = "the same title as" if exact else "a near-identical title to"
            for this, that in ((paper, other), (other, paper)):
                yield context.finding(
                    this,
                    "duplicate-paper",
                    "title",
                    f"listed more than once: {how} {that.key}",
                    "keep one entry and delete the other",
                )


@rule("conflicting-id")
def conflicting_id(context: Context) -> Iterator[Finding]:
    """Papers with different titles share one arXiv id or DOI, so at most one of them has the right id.

    This usually comes from copying a neighbouring entry's links. Look each title up and correct the ids (and the
    links they came from)."""
    for label, value in _ID_FIELDS:
        name = "arxiv" if label == "arXiv id" else "doi"
        for group in _groups(context.survey.papers, value):
            if _all_same_title(group):
                continue
            keys = [p.key for p in group]
            for paper in group:
                yield context.finding(
                    paper,
                    "conflicting-id",
                    name,
                    f"{label} {value(paper)} is also on {_others(keys, paper.key)}, whose titles differ",
                    f"at most one of them is right: look the title up and fix this paper's {label} and links",
                )


@rule("id-link-mismatch")
def id_link_mismatch(context: Context) -> Iterator[Finding]:
    """The `arxiv` or `doi` field disagrees with the paper's links: they link another arXiv id or DOI.

    One of them was changed without the other (a link edited by hand, a copied entry), so the README's links and the
    BibTeX entry point at different papers. Check which is right; `evlm edit KEY --set paper=URL` sets the link and
    derives the ids from it again."""
    for paper in context.survey.papers:
        links = [link.url for link in paper.links]
        linked_arxiv = {found.id for url in links if (found := ids.arxiv_from_url(url)) is not None}
        if paper.arxiv and linked_arxiv and paper.arxiv not in linked_arxiv:
            yield context.finding(
                paper,
                "id-link-mismatch",
                "arxiv",
                f"arxiv = {paper.arxiv!r} but the links give arXiv {', '.join(sorted(linked_arxiv))}",
                "correct the arxiv field or the link, whichever is wrong",
            )
        linked_doi = {doi for url in links if (doi := ids.doi_from_url(url)) is not None}
        if paper.doi and linked_doi and paper.doi.lower() not in linked_doi:
            yield context.finding(
                paper,
                "id-link-mismatch",
                "doi",
                f"doi = {paper.doi!r} but the links give DOI {', '.join(sorted(linked_doi))}",
                "correct the doi field or the link, whichever is wrong",
            )


@rule("shared-url")
def shared_url(context: Context) -> Iterator[Finding]:
    """One Paper URL is shared by papers with different titles.

    Two papers do not share a paper; the link was most likely copied from another entry. A shared Code link is not
    reported: several papers often share a framework's repository (DeepSpeed for the ZeroQuant papers)."""
    for label in ("Paper",):
        groups = _groups(context.survey.papers, lambda p, label=label: _url_key(p.link(label)))  # type: ignore[misc]
        for group in groups:
            if _all_same_title(group):
                continue  # `duplicate-paper` reports these
            keys = [p.key for p in group]
            for paper in group:
                yield context.finding(
                    paper,
                    "shared-url",
                    "links",
                    f"{label} link {paper.link(label)} is also the {label} link of {_others(keys, paper.key)}",
                    f"find this paper's own {label.lower()} link",
                )


def _url_key(url: str | None) -> str | None:
    """A URL without scheme, `www.`, query and trailing slash, so trivially different spellings compare equal."""
    if not url:
        return None
    parts = ids.split_url(url.strip())
    if parts is None:
        return url.strip()
    host = (parts.hostname or "").lower().removeprefix("www.")
    query = "&".join(sorted(q for q in parts.query.split("&") if q and not q.startswith(_TRACKING)))
    return f"{host}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


_TRACKING = ("tab=", "utm_")
"""Query parameters that do not change what a URL points at (GitHub's `?tab=readme-ov-file`, analytics)."""
