"""RIS, the tagged format reference managers (Zotero, EndNote, Mendeley) import."""

from __future__ import annotations

from collections.abc import Iterable

from evlm_cli.model import Paper
from evlm_cli.render.names import literal, people
from evlm_cli.render.venues import Kind, kind, paper_url
from evlm_cli.text import normalize_space

_TYPES = {Kind.PREPRINT: "UNPB", Kind.CONFERENCE: "CPAPER", Kind.JOURNAL: "JOUR", Kind.OTHER: "GEN"}
_RIS_TYPES = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "book": "BOOK",
    "inbook": "CHAP",
    "incollection": "CHAP",
    "proceedings": "CONF",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "techreport": "RPRT",
    "manual": "RPRT",
    "booklet": "PAMP",
    "periodical": "JFULL",
    "misc": "GEN",
    "online": "ELEC",
    "preprint": "UNPB",
    "unpublished": "UNPB",
}
"""The RIS `TY` of each entry type a paper may have."""


def _bibliographic(paper: Paper) -> list[tuple[str, str]]:
    """The schema-2 fields of a paper as RIS tags: editors, container, volume, issue, pages, publisher, ..."""
    lines = [("ED", ", ".join(p for p in (parts.family, parts.given) if p)) for parts in people(paper.editors)]
    if paper.container:
        lines.append(("JO" if paper.type == "article" else "T2", paper.container))
    first, _, last = paper.pages.replace("--", "-").partition("-")
    lines += [("VL", paper.volume), ("IS", paper.number), ("SP", first), ("EP", last), ("ET", paper.edition)]
    lines += [("T3", paper.series), ("PB", paper.publisher or paper.school or paper.institution or paper.organization)]
    lines += [("CY", paper.address), ("SN", paper.isbn or paper.issn)]
    if paper.month and paper.year:
        lines.append(("DA", f"{paper.year}/{paper.month:02d}"))
    return lines


def record(paper: Paper) -> str:
    """One paper as an RIS record, from `TY  - ` to `ER  - `."""
    paper_kind = kind(paper)
    ris_type = _RIS_TYPES[paper.type] if paper.type else _TYPES[paper_kind]
    lines: list[tuple[str, str]] = [("TY", ris_type), ("ID", paper.key), ("TI", paper.title)]
    for parts in people(paper.authors):  # `Last, First, Suffix`, as RIS wants
        name = ", ".join(p for p in (parts.family, parts.first, parts.jr) if p) if parts.first else literal(parts)
        lines.append(("AU", name))
    if paper.year:
        lines.append(("PY", str(paper.year)))
    if paper.type:
        lines += _bibliographic(paper)
    elif paper_kind is Kind.CONFERENCE:
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
