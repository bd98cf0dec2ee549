"""Remote metadata sources (arXiv, Crossref): what a fetch returns, and how an identifier picks its source.

Each source is one module with a pure `parse_*()` over the service's response and a `fetch*()` that takes an
`httpx.Client` and never builds one [pip-audit services]; `_http.make_client()` builds the client for the CLI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from evlm_cli import ids
from evlm_cli.errors import SourceError

__all__ = ["Identifier", "Metadata", "SourceError", "parse_identifier"]


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a source knows about one paper, before it becomes a `Paper` of the survey."""

    title: str
    """White space normalised."""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    """Empty when the source does not know it (arXiv), so the caller applies its default."""
    url: str = ""
    """The paper's canonical landing page (arXiv abstract page, doi.org link)."""
    abstract: str = ""
    arxiv: str | None = None
    """arXiv id without version."""
    arxiv_version: int | None = None
    arxiv_category: str = ""
    doi: str | None = None
    journal_ref: str = ""
    published: dt.date | None = None
    """When the first version appeared (arXiv), for `evlm inbox fetch --since`."""
    source: str = ""
    """Which service answered (`arxiv`, `crossref`, `dblp`, `s2`; see `model.SOURCES`); empty: typed by a person."""
    id: str = ""
    """The record's id at that service (what provenance records)."""
    type: str = ""
    """The entry type the record implies (`inproceedings`, `article`, `preprint`), empty when unknown."""
    pages: str = ""


@dataclass(frozen=True, slots=True)
class Identifier:
    """A paper identifier as a maintainer typed it, resolved to the source that answers it."""

    text: str
    """What was typed, for error messages."""
    kind: str
    """'arxiv' or 'doi'."""
    value: str
    """The arXiv id as requested (with its version, if any) or the lower-case DOI."""


def parse_identifier(text: str) -> Identifier:
    """An arXiv id or URL (abs, pdf, html), a DOI or a doi.org URL; SourceError for anything else."""
    stripped = text.strip()
    arxiv = ids.parse_arxiv_id(stripped) or ids.arxiv_from_url(stripped)
    if arxiv is not None:
        return Identifier(text, "arxiv", str(arxiv))
    doi = ids.parse_doi(stripped) or ids.doi_from_url(stripped)
    if doi is not None:
        return Identifier(text, "doi", doi)
    raise SourceError(
        "not an arXiv id, arXiv URL, DOI or doi.org URL",
        where=text,
        hint="e.g. 2412.19509, cs/0112017, https://arxiv.org/abs/2412.19509 or 10.1145/3664647",
    )
