"""DBLP: publication search (`/search/publ/api?q=...&format=json`), where the published version of a preprint is.

The API is described at https://dblp.org/faq/How+to+use+the+dblp+search+API.html. Its JSON is XML turned into JSON:
a field with one value is that value, with several a list (`"author": "Irith Pomeranz"` or a list of them), and an
author may be a string or `{"@pid": ..., "text": ...}`. DBLP asks for polite use, so consecutive requests are spaced
(EVLM_DBLP_DELAY seconds, one by default).
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any

from evlm_cli import ids
from evlm_cli.errors import SourceError
from evlm_cli.sources import Metadata
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://dblp.org"
API_ENV = "EVLM_DBLP_API"
DELAY_ENV = "EVLM_DBLP_DELAY"
DEFAULT_DELAY = 1.0
_HOMONYM = re.compile(r"\s+\d{4}$")
"""DBLP tells people of the same name apart with a number (`Wei Wang 0001`); it is not part of the name."""
_ARXIV_DOI = "10.48550/arxiv."
_TYPES = {
    "Conference and Workshop Papers": "inproceedings",
    "Journal Articles": "article",
    "Parts in Books or Collections": "incollection",
    "Books and Theses": "book",
    "Informal and Other Publications": "preprint",
    "Informal Publications": "preprint",
}


def api_url() -> str:
    return (os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")


def parse_search(text: str | bytes) -> list[Metadata]:
    """The hits of a search answer, in DBLP's order; SourceError when it is not a DBLP search answer."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceError(f"DBLP answered malformed JSON ({error})") from None
    result = data.get("result") if isinstance(data, dict) else None
    hits = result.get("hits") if isinstance(result, dict) else None
    if not isinstance(hits, dict):
        raise SourceError("DBLP answered JSON that is not a search result")
    found = hits.get("hit", [])
    found = found if isinstance(found, list) else [found]
    records = []
    for hit in found:
        info = hit.get("info") if isinstance(hit, dict) else None
        if isinstance(info, dict) and (record := _record(info)) is not None:
            records.append(record)
    return records


def _one(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return normalize_space(value) if isinstance(value, str) else ""


def _authors(info: dict[str, Any]) -> tuple[str, ...]:
    people = info.get("authors", {}).get("author", []) if isinstance(info.get("authors"), dict) else []
    people = people if isinstance(people, list) else [people]
    names = [person.get("text") if isinstance(person, dict) else person for person in people]
    return tuple(_HOMONYM.sub("", normalize_space(name)) for name in names if isinstance(name, str) and name.strip())


def _record(info: dict[str, Any]) -> Metadata | None:
    title = _one(info.get("title")).removesuffix(".")
    key = _one(info.get("key"))
    if not title or not key:
        return None
    venue = _one(info.get("venue"))
    year = _one(info.get("year"))
    ee = info.get("ee", [])
    links = [link for link in (ee if isinstance(ee, list) else [ee]) if isinstance(link, str)]
    arxiv = next((found for link in links if (found := ids.arxiv_from_url(link)) is not None), None)
    doi = ids.parse_doi(_one(info.get("doi"))) if info.get("doi") else None
    if arxiv is None and doi and doi.startswith(_ARXIV_DOI):  # CoRR's entries cite arXiv's own DOI
        arxiv = ids.parse_arxiv_id(doi.removeprefix(_ARXIV_DOI))
    kind = _TYPES.get(_one(info.get("type")), "")
    if venue == "CoRR":
        kind = "preprint"
    return Metadata(
        title=title,
        authors=_authors(info),
        year=int(year) if year.isdigit() else None,
        venue=venue,
        url=_one(info.get("url")) or f"https://dblp.org/rec/{key}",
        arxiv=arxiv.id if arxiv else None,
        doi=doi,
        source="dblp",
        id=key,
        type=kind,
        pages=_one(info.get("pages")).replace("-", "--"),
    )


def search(title: str, client: httpx.Client, *, base_url: str | None = None) -> list[Metadata]:
    """Publications whose title matches these words (ten at most), each version (CoRR, proceedings) its own hit."""
    from evlm_cli import net
    from evlm_cli.sources._http import cached_get

    url = f"{base_url or api_url()}/search/publ/api"
    delay = net.env_seconds(DELAY_ENV, DEFAULT_DELAY, net.DELAY)
    params = {"q": title, "format": "json", "h": "10"}
    status, body = cached_get(client, url, service="DBLP", params=params, where=title, delay=delay)
    if status != 200:
        raise SourceError(f"DBLP answered HTTP {status} ({url})", where=title)
    return parse_search(body)
