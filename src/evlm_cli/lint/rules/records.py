"""Rules from what `evlm update` learnt from the public records, read from its cache: no network in `check`."""

from __future__ import annotations

from collections.abc import Iterator

from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule


@rule("link-other-paper")
def link_other_paper(context: Context) -> Iterator[Finding]:
    """The paper's arXiv id (from its Paper link) is another paper's, as the record `evlm update` fetched says.

    Several papers of a list can link to the same wrong paper (and carry its Code link too). Reported from the cache of
    the last `evlm update`, without a network; run `evlm update KEY` to see the right paper and apply it."""
    from evlm_cli import identity

    for key, learnt in context.records.items():
        other = learnt.get("link_is") if isinstance(learnt, dict) else None
        if not isinstance(other, dict) or not context.survey.has_paper(key):
            continue
        paper = context.survey.paper(key)
        if paper.arxiv != other.get("id") or identity.titles_match(paper.title, str(other.get("title", ""))):
            continue  # fixed since
        yield context.finding(
            paper,
            "link-other-paper",
            "links",
            f"the Paper link is {other.get('id')} {other.get('title')!r}, not this paper",
            f"`evlm update {key}` proposes the paper the title names",
        )


@rule("preprint-published")
def preprint_published(context: Context) -> Iterator[Finding]:
    """A paper listed as an arXiv preprint has a published version (DBLP or Semantic Scholar know its venue).

    Reported from the cache of the last `evlm update`, without a network; `evlm update KEY --apply` takes the venue,
    type, DOI and pages and keeps the arXiv id."""
    from evlm_cli import update

    for key, learnt in context.records.items():
        published = learnt.get("published") if isinstance(learnt, dict) else None
        if not isinstance(published, dict) or not context.survey.has_paper(key):
            continue
        paper = context.survey.paper(key)
        if not update.is_preprint(paper):
            continue
        venue = " ".join(str(published.get(name, "")) for name in ("venue", "year")).strip()
        yield context.finding(
            paper,
            "preprint-published",
            "venue",
            f"published as {venue} ({published.get('url', '')})",
            f"`evlm update {key} --apply` takes the published version",
        )
