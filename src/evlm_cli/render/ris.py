"""RIS, the tagged format reference managers (Zotero, EndNote, Mendeley) import."""

from __future__ import annotations

from collections.abc import Iterable

from evlm_cli.model import Paper
from evlm_cli.render.names import split_name
from evlm_cli.render.venues import Kind, kind, paper_url
from evlm_cli.text import normalize_space

_TYPES = {Kind.PREPRINT: "UNPB", Kind.CONFERENCE: "CPAPER", Kind.JOURNAL: "JOUR", Kind.OTHER: "GEN"}


def record(paper: Paper) -> str:
    """One paper as an RIS record, from `TY  - ` to `ER  - `."""
    paper_kind = kind(paper)
    lines: list[tuple[str, str]] = [("TY", _TYPES[paper_kind]), ("ID", paper.key), ("TI", paper.title)]
    for name in paper.authors:
        parts = split_name(name)
        lines.append(("AU", f"{parts.family}, {parts.given}" if parts.family else parts.literal))
    if paper.year:
        lines.append(("PY", str(paper.year)))
    if paper_kind is Kind.CONFERENCE:
        lines.append(("T2", paper.venue))
    elif paper_kind is Kind.JOURNAL:
        lines.append(("JO", paper.venue))
    elif paper_kind is Kind.PREPRINT:
        lines += [("PB", "arXiv"), ("M1", f"arXiv:{paper.arxiv}")]
    elif paper.venue.strip():
        lines.append(("PB", paper.venue))
    if paper.doi:
        lines.append(("DO", paper.doi))
    url = paper_url(paper)
    if url:
        lines.append(("UR", url))
    if paper.code_url:
        lines.append(("N1", f"Code: {paper.code_url}"))
    lines += [("KW", tag) for tag in paper.tags]
    if paper.abstract:
        lines.append(("AB", paper.abstract))
    body = [f"{tag}  - {normalize_space(value)}" for tag, value in lines if normalize_space(value)]
    return "\n".join([*body, "ER  - "]) + "\n"


def render_ris(papers: Iterable[Paper]) -> str:
    """RIS records separated by blank lines."""
    return "\n".join(record(paper) for paper in papers)
