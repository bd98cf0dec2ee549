"""arXiv: all ids of one command in one batched API request, and a safe parser for its Atom feed.

The API is documented in the arXiv API user manual (https://info.arxiv.org/help/api/user-manual.html). An id the
API cannot parse makes it answer a feed holding one error entry (`<id>http://arxiv.org/api/errors#...`) instead of
any results; an id it does not know is simply absent from the feed. Consecutive requests are spaced by at least
three seconds, as arXiv's API terms ask.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evlm_cli import ids
from evlm_cli.errors import SourceError
from evlm_cli.sources import Metadata
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://export.arxiv.org/api/query"
API_ENV = "EVLM_ARXIV_API"
DELAY_ENV = "EVLM_ARXIV_DELAY"
DEFAULT_DELAY = 3.0
"""Seconds between consecutive requests, from arXiv's API terms of use."""

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ERROR_ID = "http://arxiv.org/api/errors"
_ERROR_FOR = re.compile(r"(?:for|id)[_ ](?P<id>[^\s#]+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedError:
    """An error entry of the feed: the API refused (part of) the query."""

    message: str
    arxiv_id: str | None
    """The offending id, when the message names one."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed API answer: the papers it holds and any error entries."""

    papers: tuple[Metadata, ...]
    errors: tuple[FeedError, ...] = ()
    total: int | None = None
    """`opensearch:totalResults`: how many papers the query matches in all, for paging."""


def api_url() -> str:
    return os.environ.get(API_ENV) or DEFAULT_API


def parse_feed(xml: bytes | str) -> Feed:
    """Parse an API answer; SourceError for malformed XML and for any DTD or entity (they are refused, not expanded)."""
    import xml.etree.ElementTree as ET  # only for its ParseError; parsing itself goes through defusedxml

    import defusedxml
    import defusedxml.ElementTree as SafeET

    try:
        root = SafeET.fromstring(xml, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise SourceError(f"arXiv answered a feed with a forbidden XML construct ({type(error).__name__})") from None
    except ET.ParseError as error:
        raise SourceError(f"arXiv answered malformed XML ({error})") from None
    if root.tag != f"{_ATOM}feed":
        raise SourceError(f"arXiv answered XML that is not an Atom feed (root element {root.tag!r})")
    papers, errors = [], []
    for entry in root.findall(f"{_ATOM}entry"):
        entry_id = _text(entry, f"{_ATOM}id")
        if entry_id.startswith(_ERROR_ID):
            message = _text(entry, f"{_ATOM}summary") or entry_id
            match = _ERROR_FOR.search(message)
            errors.append(FeedError(message, match.group("id") if match else None))
        else:
            papers.append(_entry(entry, entry_id))
    total = _text(root, f"{_OPENSEARCH}totalResults")
    return Feed(tuple(papers), tuple(errors), int(total) if total.isdigit() else None)


def _text(element: Any, tag: str) -> str:
    found = element.find(tag)
    return normalize_space(found.text or "") if found is not None else ""


def _entry(entry: Any, entry_id: str) -> Metadata:
    arxiv = ids.arxiv_from_url(entry_id)
    if arxiv is None:
        raise SourceError(f"arXiv answered an entry with an unrecognised id {entry_id!r}")
    title = _text(entry, f"{_ATOM}title")
    if not title:
        raise SourceError(f"arXiv answered an entry without a title for {arxiv.id}")
    published = _text(entry, f"{_ATOM}published")
    year = int(published[:4]) if published[:4].isdigit() else arxiv.year
    category = entry.find(f"{_ARXIV}primary_category")
    doi = ids.parse_doi(_text(entry, f"{_ARXIV}doi").split(" ")[0]) if entry.find(f"{_ARXIV}doi") is not None else None
    return Metadata(
        title=title,
        authors=tuple(name for author in entry.findall(f"{_ATOM}author") if (name := _text(author, f"{_ATOM}name"))),
        year=year,
        url=ids.arxiv_abs_url(arxiv.id),
        abstract=_text(entry, f"{_ATOM}summary"),
        arxiv=arxiv.id,
        arxiv_version=arxiv.version,
        arxiv_category=(category.get("term") or "") if category is not None else "",
        doi=doi,
        journal_ref=_text(entry, f"{_ARXIV}journal_ref"),
        published=_date(published),
        source="arxiv",
        id=arxiv.id,
    )


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


_last_request: dict[str, float] = {}
"""time.monotonic() of this process's latest arXiv request, for the spacing arXiv's terms ask for."""


def _wait_turn(delay: float, sleep: Callable[[float], None]) -> None:
    last = _last_request.get("arxiv")
    if last is not None and (wait := last + delay - time.monotonic()) > 0:
        sleep(wait)
    _last_request["arxiv"] = time.monotonic()


def fetch_many(
    requested: Sequence[str],
    client: httpx.Client,
    *,
    base_url: str | None = None,
    delay: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Metadata | SourceError]:
    """Metadata or the error for each requested id (`2412.19509`, `2412.19509v2`, `cs/0112017`), in one request.

    When the API rejects the query because of one id, that id is reported and the others are asked for again.
    """
    from evlm_cli import net

    base_url = base_url or api_url()
    delay = net.env_seconds(DELAY_ENV, DEFAULT_DELAY, net.DELAY) if delay is None else delay
    results: dict[str, Metadata | SourceError] = {}
    pending = list(dict.fromkeys(requested))
    while pending:
        _wait_turn(delay, sleep)
        try:
            feed = parse_feed(_get(client, base_url, pending))
        except SourceError as error:
            results.update({i: SourceError(error.message, where=i, hint=error.hint) for i in pending})
            break
        found = {paper.arxiv: paper for paper in feed.papers}
        blamed = {e.arxiv_id for e in feed.errors if e.arxiv_id in pending}
        for refusal in feed.errors:
            if refusal.arxiv_id in blamed:
                results[refusal.arxiv_id] = SourceError(
                    f"arXiv refused the id: {refusal.message}", where=refusal.arxiv_id
                )
        if feed.errors and not blamed:
            message = "; ".join(e.message for e in feed.errors)
            results.update({i: SourceError(f"arXiv refused the query: {message}", where=i) for i in pending})
            break
        retry = []
        for wanted in pending:
            if wanted in blamed:
                continue
            parsed = ids.parse_arxiv_id(wanted)
            paper = found.get(parsed.id) if parsed else None
            if paper is not None:
                results[wanted] = paper
            elif feed.errors:
                retry.append(wanted)  # not looked up: the query failed because of another id
            else:
                results[wanted] = SourceError("arXiv has no paper with this id", where=wanted)
        pending = retry
    return {i: results[i] for i in requested}


def _get(client: httpx.Client, base_url: str, wanted: list[str]) -> bytes:
    from evlm_cli.sources._http import get

    params = {"id_list": ",".join(wanted), "max_results": str(len(wanted))}
    response = get(client, base_url, service="arXiv", params=params)
    if response.status_code != 200:
        raise SourceError(f"arXiv answered HTTP {response.status_code} ({base_url})")
    return response.content


PAGE_SIZE = 100
"""Papers asked for per request when searching; the API allows up to 2000, smaller pages fail less often."""


def search(
    query: str,
    client: httpx.Client,
    *,
    since: dt.date | None = None,
    limit: int = 500,
    page_size: int = PAGE_SIZE,
    base_url: str | None = None,
    delay: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Metadata]:
    """The newest papers matching an API `search_query`, newest first, page by page (`start`, `max_results`).

    Stops at `limit` papers, at the first paper submitted before `since`, when the API's total is reached, or at an
    empty page. Requests are spaced like `fetch_many`'s; an error entry (a query the API cannot parse) is a
    SourceError."""
    from evlm_cli import net
    from evlm_cli.sources._http import get

    base_url = base_url or api_url()
    delay = net.env_seconds(DELAY_ENV, DEFAULT_DELAY, net.DELAY) if delay is None else delay
    found: list[Metadata] = []
    start = 0
    while len(found) < limit:
        _wait_turn(delay, sleep)
        params = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": str(start),
            "max_results": str(min(page_size, limit - len(found))),
        }
        response = get(client, base_url, service="arXiv", params=params)
        if response.status_code != 200:
            raise SourceError(f"arXiv answered HTTP {response.status_code} ({base_url})")
        feed = parse_feed(response.content)
        if feed.errors:
            raise SourceError(f"arXiv refused the query: {'; '.join(e.message for e in feed.errors)}", where=query)
        for paper in feed.papers:
            if since is not None and paper.published is not None and paper.published < since:
                return found
            found.append(paper)
        start += len(feed.papers)
        if not feed.papers or (feed.total is not None and start >= feed.total):
            break
    return found[:limit]


def search_title(
    title: str, client: httpx.Client, *, base_url: str | None = None, delay: float | None = None
) -> list[Metadata]:
    """Papers whose title holds this phrase (`search_query=ti:"..."`, five at most), best first."""
    from evlm_cli import net
    from evlm_cli.sources._http import cached_get

    base_url = base_url or api_url()
    delay = net.env_seconds(DELAY_ENV, DEFAULT_DELAY, net.DELAY) if delay is None else delay
    phrase = re.sub(r'["\\]', " ", title)
    params = {"search_query": f'ti:"{normalize_space(phrase)}"', "max_results": "5"}
    status, body = cached_get(client, base_url, service="arXiv", params=params, where=title, delay=delay)
    if status != 200:
        raise SourceError(f"arXiv answered HTTP {status} ({base_url})", where=title)
    feed = parse_feed(body)
    if feed.errors:
        raise SourceError("arXiv refused the query: " + "; ".join(e.message for e in feed.errors), where=title)
    return list(feed.papers)
