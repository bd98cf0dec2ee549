"""CSL JSON (the citeproc input format): what pandoc's `--citeproc` and Zotero read.

Valid against the CSL-data schema (tests check it). The code link, which CSL has no variable for, goes to `note`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from evlm_cli.keys import NameParts
from evlm_cli.model import Paper
from evlm_cli.render.names import literal, people
from evlm_cli.render.venues import Kind, kind, paper_url
from evlm_cli.text import normalize_space

_TYPES = {
    Kind.PREPRINT: "article",  # CSL 1.0.2's type for preprints and working papers
    Kind.CONFERENCE: "paper-conference",
    Kind.JOURNAL: "article-journal",
    Kind.OTHER: "document",
}


_CSL_TYPES = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "book": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "proceedings": "book",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "manual": "report",
    "booklet": "pamphlet",
    "misc": "document",
    "online": "webpage",
    "preprint": "article",
    "unpublished": "manuscript",
}
"""The CSL type of each entry type a paper may have."""


def _person(parts: NameParts) -> dict[str, str]:
    """A CSL name: family, given, particle and suffix apart, or a `literal` for an organisation or a mononym."""
    if not (parts.first and parts.last):
        return {"literal": literal(parts)}
    person = {"family": parts.surname, "given": parts.given}
    if parts.von:
        person["non-dropping-particle"] = parts.particle
    if parts.jr:
        person["suffix"] = parts.suffix
    return person


def _bibliographic(paper: Paper, data: dict[str, Any]) -> None:
    """The schema-2 fields of a paper, under CSL's variable names."""
    editors = [_person(parts) for parts in people(paper.editors)]
    if editors:
        data["editor"] = editors
    if paper.container:
        data["container-title"] = paper.container
    if paper.month and "issued" in data:
        data["issued"] = {"date-parts": [[paper.year, paper.month]]}
    simple = {
        "volume": paper.volume,
        "issue": paper.number,
        "page": paper.pages.replace("--", "-"),
        "edition": paper.edition,
        "collection-title": paper.series,
        "publisher": paper.publisher or paper.school or paper.institution or paper.organization,
        "publisher-place": paper.address,
        "ISBN": paper.isbn,
        "ISSN": paper.issn,
    }
    data.update({name: value for name, value in simple.items() if value})
    if paper.type in ("phdthesis", "mastersthesis"):
        data["genre"] = "PhD thesis" if paper.type == "phdthesis" else "Master's thesis"
    notes = [re.sub(r"<(https?://[^\s<>]+)>", r"\1", text) for text in (paper.howpublished, paper.bib_note) if text]
    if notes:
        data["note"] = ". ".join(notes)


def item(paper: Paper) -> dict[str, Any]:
    """One paper as a CSL item."""
    paper_kind = kind(paper)
    csl_type = _CSL_TYPES[paper.type] if paper.type else _TYPES[paper_kind]
    data: dict[str, Any] = {"id": paper.key, "type": csl_type, "title": normalize_space(paper.title)}
    authors = [_person(parts) for parts in people(paper.authors)]
    if authors:
        data["author"] = authors
    if paper.year:
        data["issued"] = {"date-parts": [[paper.year]]}
    if paper.type:
        _bibliographic(paper, data)
    elif paper_kind in (Kind.CONFERENCE, Kind.JOURNAL):
        data["container-title"] = normalize_space(paper.venue)
    elif paper_kind is Kind.OTHER and paper.venue.strip():
        data["publisher"] = normalize_space(paper.venue)
    if paper.arxiv:
        if paper_kind is Kind.PREPRINT and paper.type in ("", "preprint", "misc", "online"):
            data["publisher"] = "arXiv"
            data["number"] = f"arXiv:{paper.arxiv}"
        data["archive"] = "arXiv"
        data["archive_location"] = paper.arxiv
    if paper.doi:
        data["DOI"] = paper.doi
    url = paper_url(paper)
    if url:
        data["URL"] = url
    if paper.abstract:
        data["abstract"] = normalize_space(paper.abstract)
    if paper.tags:
        data["keyword"] = ", ".join(paper.tags)
    if paper.code_url and "note" not in data:
        data["note"] = f"Code: {paper.code_url}"
    return data


def render_csl_json(papers: Iterable[Paper]) -> str:
    """A JSON array of CSL items, one per paper in the given order, and a copy under each alias (CSL has no alias
    field; with the copy, pandoc resolves a citation of either key, as it did with the .bib the paper came from)."""
    items = []
    for paper in papers:
        data = item(paper)
        items += [data, *({**data, "id": alias} for alias in paper.aliases)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
