"""The export formats of `evlm export`: a registry from name to renderer, plus the small table-like formats."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evlm_cli.model import Paper
from evlm_cli.render import bibtex, csl, ris
from evlm_cli.render.readme import paper_line
from evlm_cli.render.venues import paper_url


@dataclass(frozen=True, slots=True)
class Format:
    """One export format."""

    name: str
    description: str
    render: Callable[[Sequence[Paper]], str]
    """Papers in the order given -> the whole file's text, ending in a newline (or empty for no papers)."""
    render_links: Callable[[Sequence[Paper]], str] | None = None
    """The same with the survey's other links (Code, ...) as fields (`export --links`), for the formats that can."""


def render_json(papers: Sequence[Paper]) -> str:
    from evlm_cli.db import paper_json

    return json.dumps([paper_json(p) for p in papers], ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("key", "title", "authors", "year", "venue", "section", "arxiv", "doi", "url", "code", "tags")


def render_csv(papers: Sequence[Paper]) -> str:
    """One row per paper; lists (authors, tags) joined with `; `."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in papers:
        writer.writerow(
            [
                p.key,
                p.title,
                "; ".join(p.authors),
                p.year or "",
                p.venue,
                p.section,
                p.arxiv or "",
                p.doi or "",
                paper_url(p) or "",
                p.code_url or "",
                "; ".join(p.tags),
            ]
        )
    return buffer.getvalue()


def render_markdown(papers: Sequence[Paper]) -> str:
    """The README's own bullet lines, one per paper."""
    return "".join(paper_line(p) + "\n" for p in papers)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "bibtex",
            "BibTeX for LaTeX (bibtex, natbib), pandoc and Zotero",
            bibtex.render_bibtex,
            lambda papers: bibtex.render_bibtex(papers, links=True),
        ),
        Format(
            "biblatex",
            "BibLaTeX for biber",
            bibtex.render_biblatex,
            lambda papers: bibtex.render_biblatex(papers, links=True),
        ),
        Format("csl-json", "CSL JSON for pandoc --citeproc and Zotero", csl.render_csl_json),
        Format("ris", "RIS for Zotero, EndNote, Mendeley", ris.render_ris),
        Format("json", "the database's own fields", render_json),
        Format("csv", "a spreadsheet, one row per paper", render_csv),
        Format("markdown", "the README's line format", render_markdown),
    )
}
