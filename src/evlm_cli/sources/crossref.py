"""Crossref: one DOI per request to `/works/{doi}`, politely (with `mailto` from EVLM_MAILTO), and a pure parser."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from evlm_cli.errors import SourceError
from evlm_cli.sources import Metadata
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://api.crossref.org"
API_ENV = "EVLM_CROSSREF_API"
MAILTO_ENV = "EVLM_MAILTO"
_TAG = re.compile(r"<[^>]+>")


def api_url() -> str:
    return (os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")


def parse_work(text: str | bytes) -> Metadata:
    """Parse a `/works/{doi}` answer; SourceError when it is not the JSON of a work."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceError(f"Crossref answered malformed JSON ({error})") from None
    work = data.get("message") if isinstance(data, dict) else None
    if not isinstance(work, dict) or data.get("message-type", "work") != "work":
        raise SourceError("Crossref answered JSON that is not a work")
    return _work(work)


def parse_search(text: str | bytes) -> list[Metadata]:
    """Parse a `/works?query.bibliographic=` answer: its items that have a title, best first."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceError(f"Crossref answered malformed JSON ({error})") from None
    message = data.get("message") if isinstance(data, dict) else None
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list) or data.get("message-type") != "work-list":
        raise SourceError("Crossref answered JSON that is not a list of works")
    found = []
    for item in items:
        if isinstance(item, dict):
            try:
                found.append(_work(item))
            except SourceError:
                continue  # an item without a title cannot be matched to anything
    return found


def _work(work: dict[str, Any]) -> Metadata:
    title = normalize_space(" ".join(_strings(work.get("title"))[:1]))
    if not title:
        raise SourceError("Crossref has no title for this work")
    doi = str(work.get("DOI", "")).lower() or None
    return Metadata(
        title=title,
        authors=_authors(work.get("author")),
        year=_year(work),
        venue=normalize_space(next(iter(_strings(work.get("container-title"))), "")),
        url=f"https://doi.org/{doi}" if doi else "",
        abstract=normalize_space(_TAG.sub(" ", str(work.get("abstract", "")))),
        doi=doi,
        source="crossref",
        id=doi or "",
        type=_TYPES.get(str(work.get("type", "")), ""),
        pages=str(work.get("page", "")).replace("-", "--") if isinstance(work.get("page"), str) else "",
    )


_TYPES = {
    "proceedings-article": "inproceedings",
    "journal-article": "article",
    "book-chapter": "incollection",
    "book": "book",
    "posted-content": "preprint",
    "report": "techreport",
    "dissertation": "phdthesis",
}
"""Crossref's work types as entry types (https://api.crossref.org/types)."""


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def _authors(value: Any) -> tuple[str, ...]:
    """People first: Crossref lists organisations (and, in some records, affiliations) as `name`-only authors."""
    if not isinstance(value, list):
        return ()
    people = [
        normalize_space(f"{a.get('given', '')} {a['family']}")
        for a in value
        if isinstance(a, dict) and isinstance(a.get("family"), str)
    ]
    if people:
        return tuple(people)
    return tuple(normalize_space(a["name"]) for a in value if isinstance(a, dict) and isinstance(a.get("name"), str))


def _year(work: dict[str, Any]) -> int | None:
    for field in ("issued", "published", "published-print", "published-online", "created"):
        parts = work.get(field, {}).get("date-parts") if isinstance(work.get(field), dict) else None
        if parts and isinstance(parts[0], list) and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


def fetch(doi: str, client: httpx.Client, *, base_url: str | None = None) -> Metadata:
    """The work with this DOI; SourceError naming the DOI when Crossref does not know it or cannot be reached."""
    from evlm_cli.sources._http import get

    url = f"{base_url or api_url()}/works/{quote(doi, safe='/')}"
    mailto = os.environ.get(MAILTO_ENV)
    response = get(client, url, service="Crossref", params={"mailto": mailto} if mailto else None, where=doi)
    if response.status_code == 404:
        raise SourceError("Crossref has no work with this DOI", where=doi)
    if response.status_code != 200:
        raise SourceError(f"Crossref answered HTTP {response.status_code} ({url})", where=doi)
    try:
        return parse_work(response.content)
    except SourceError as error:
        raise SourceError(error.message, where=doi) from None


def search(
    title: str, client: httpx.Client, *, authors: tuple[str, ...] = (), base_url: str | None = None
) -> list[Metadata]:
    """Works whose bibliographic data best match the title and authors (Crossref's own ranking; five at most)."""
    from evlm_cli.sources._http import cached_get

    url = f"{base_url or api_url()}/works"
    params = {"query.bibliographic": " ".join([title, *authors[:3]]), "rows": "5"}
    if mailto := os.environ.get(MAILTO_ENV):
        params["mailto"] = mailto
    status, body = cached_get(client, url, service="Crossref", params=params, where=title)
    if status != 200:
        raise SourceError(f"Crossref answered HTTP {status} ({url})", where=title)
    return parse_search(body)
