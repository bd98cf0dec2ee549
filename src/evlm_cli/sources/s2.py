"""Semantic Scholar's Graph API: a paper by arXiv id or DOI, or the best title match, with its external ids, venue
and publication types (https://api.semanticscholar.org/api-docs/graph).

Without an API key Semantic Scholar allows about one request a second (shared by everyone), so requests are spaced
by EVLM_S2_DELAY seconds (one by default) and a 429 is retried after its Retry-After; EVLM_S2_API_KEY, when set, is
sent as `x-api-key`.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from evlm_cli import ids
from evlm_cli.errors import SourceError
from evlm_cli.sources import Metadata
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://api.semanticscholar.org"
API_ENV = "EVLM_S2_API"
KEY_ENV = "EVLM_S2_API_KEY"
DELAY_ENV = "EVLM_S2_DELAY"
DEFAULT_DELAY = 1.0
FIELDS = "externalIds,venue,publicationTypes,year,authors,title"
_PREPRINT_VENUES = {"arxiv.org", "arxiv", "corr", ""}


def api_url() -> str:
    return (os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")


def parse_paper(data: Any) -> Metadata | None:
    """One paper object of the API, or None when it has no title or id."""
    if not isinstance(data, dict) or not isinstance(data.get("title"), str) or not data.get("paperId"):
        return None
    external: dict[str, Any] = data["externalIds"] if isinstance(data.get("externalIds"), dict) else {}
    arxiv = ids.parse_arxiv_id(str(external.get("ArXiv", ""))) if external.get("ArXiv") else None
    doi = ids.parse_doi(str(external.get("DOI", ""))) if external.get("DOI") else None
    venue = normalize_space(data.get("venue") or "") if isinstance(data.get("venue"), str) else ""
    kinds: list[Any] = data["publicationTypes"] if isinstance(data.get("publicationTypes"), list) else []
    kind = ""
    if venue.lower() in _PREPRINT_VENUES and arxiv is not None:
        kind, venue = "preprint", ""
    elif "Conference" in kinds:
        kind = "inproceedings"
    elif "JournalArticle" in kinds:
        kind = "article"
    year = data.get("year")
    paper_id = str(data["paperId"])
    authors: list[Any] = data["authors"] if isinstance(data.get("authors"), list) else []
    return Metadata(
        title=normalize_space(data["title"]),
        authors=tuple(
            normalize_space(a["name"]) for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
        ),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        venue=venue,
        url=f"https://www.semanticscholar.org/paper/{paper_id}",
        arxiv=arxiv.id if arxiv else None,
        doi=doi,
        source="s2",
        id=paper_id,
        type=kind,
    )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceError(f"Semantic Scholar answered malformed JSON ({error})") from None


def _ask(client: httpx.Client, path: str, params: dict[str, str], where: str) -> tuple[int, bytes]:
    from evlm_cli import net
    from evlm_cli.sources._http import cached_get

    key = os.environ.get(KEY_ENV)
    delay = net.env_seconds(DELAY_ENV, DEFAULT_DELAY if not key else 0.1, net.DELAY)
    return cached_get(
        client,
        f"{api_url()}{path}",
        service="S2",
        params={**params, "fields": FIELDS},
        where=where,
        delay=delay,
        headers={"x-api-key": key} if key else None,
    )


def fetch(kind: str, value: str, client: httpx.Client) -> Metadata | None:
    """The paper with this arXiv id (`kind` 'arxiv') or DOI ('doi'); None when Semantic Scholar does not know it."""
    prefix = {"arxiv": "arXiv", "doi": "DOI"}[kind]
    status, body = _ask(client, f"/graph/v1/paper/{prefix}:{quote(value, safe='/.')}", {}, value)
    if status == 404:
        return None
    if status != 200:
        raise SourceError(f"Semantic Scholar answered HTTP {status}", where=value)
    paper = parse_paper(_json(body))
    if paper is None:
        raise SourceError("Semantic Scholar answered JSON that is not a paper", where=value)
    return paper


def match(title: str, client: httpx.Client) -> list[Metadata]:
    """The paper whose title best matches (`/paper/search/match`), or none."""
    status, body = _ask(client, "/graph/v1/paper/search/match", {"query": title}, title)
    if status == 404:
        return []  # "Title match not found"
    if status != 200:
        raise SourceError(f"Semantic Scholar answered HTTP {status}", where=title)
    data = _json(body)
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SourceError("Semantic Scholar answered JSON that is not a search result", where=title)
    return [paper for item in items if (paper := parse_paper(item)) is not None]
