"""Rules on what a link points at: a Paper link to code or data, a Code link to a paper or data."""

from __future__ import annotations

from collections.abc import Iterator

from evlm_cli.ids import split_url
from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule

_CODE_HOSTS = {
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "sourceforge.net",
    "gitee.com",
    "colab.research.google.com",
}
_PAPER_HOSTS = {
    "arxiv.org",
    "doi.org",
    "dx.doi.org",
    "openreview.net",
    "aclanthology.org",
    "ieeexplore.ieee.org",
    "dl.acm.org",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "openaccess.thecvf.com",
    "proceedings.mlr.press",
    "link.springer.com",
    "sciencedirect.com",
    "ojs.aaai.org",
    "ijcai.org",
    "semanticscholar.org",
}


def link_kind(url: str) -> str:
    """'paper', 'code', 'dataset' or 'other', judged from the host and path of a URL."""
    parts = split_url(url.strip())
    if parts is None:
        return "other"
    host = (parts.hostname or "").lower().removeprefix("www.")
    first = parts.path.strip("/").split("/")[0].lower()
    if (host == "huggingface.co" and first == "datasets") or (host == "kaggle.com" and first == "datasets"):
        return "dataset"
    if host == "paperswithcode.com" and first in ("dataset", "datasets"):
        return "dataset"
    if host in _CODE_HOSTS:
        return "code"
    if host == "huggingface.co" and first != "papers":
        return "code"  # models and spaces: weights and demo code
    if host in _PAPER_HOSTS or host.endswith(".arxiv.org") or (host == "huggingface.co" and first == "papers"):
        return "paper"
    return "other"


_KIND_NAMES = {"code": "a code repository", "dataset": "a dataset page", "paper": "a paper page"}
_WANTED = {"Paper": "a paper", "Code": "code"}


@rule("paper-link-kind")
def paper_link_kind(context: Context) -> Iterator[Finding]:
    """A Paper link that is not a paper: it points at a code host (GitHub, GitLab) or a dataset page.

    Often the link belongs to another paper (its code), copied by mistake. Point Paper at the paper itself (arXiv,
    the proceedings, a DOI); if the link is this paper's code, label it Code instead."""
    yield from _wrong_kind(
        context,
        "paper-link-kind",
        "Paper",
        ("code", "dataset"),
        "link the paper itself (arXiv, proceedings, DOI); label the link Code if it is this paper's code",
    )


@rule("code-link-kind")
def code_link_kind(context: Context) -> Iterator[Finding]:
    """A Code link that is not code: it points at a dataset page or a paper page.

    A dataset is not the paper's code (and a dataset of another topic is a copied link). Point Code at the
    paper's repository, or drop the link."""
    yield from _wrong_kind(
        context,
        "code-link-kind",
        "Code",
        ("paper", "dataset"),
        "link the paper's code repository, or remove the Code link",
    )


def _wrong_kind(context: Context, rule_name: str, label: str, wrong: tuple[str, ...], hint: str) -> Iterator[Finding]:
    """A finding for each paper whose `label` link points at one of the `wrong` kinds."""
    for paper in context.survey.papers:
        url = paper.link(label)
        if url and (kind := link_kind(url)) in wrong:
            message = f"{label} link {url} is {_KIND_NAMES[kind]}, not {_WANTED[label]}"
            yield context.finding(paper, rule_name, "links", message, hint)
