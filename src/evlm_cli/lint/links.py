"""`evlm check --links`: check every URL of the survey over HTTP, concurrently, with a cache of recent results.

HEAD first (GET when the page's title is wanted, or when a server refuses or mishandles HEAD: 400, 403, 404, 405,
501), redirects followed and reported when permanent, transient failures retried. Results are kept in
`$XDG_CACHE_HOME/evlm/links.json`: working links and definitive answers (404, 410) are reused within `max_age`, other
failures (5xx, timeouts, connection errors) are checked again on every run. The titles of arXiv abstract pages kept
there feed the `title-mismatch` rule. A cache that cannot be read or written only costs the reuse: the check runs and
`LinkCache.problems` says why.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from evlm_cli import __version__
from evlm_cli.cachedir import cache_dir
from evlm_cli.errors import EvlmError
from evlm_cli.fsutil import atomic_write
from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules import RULES
from evlm_cli.model import Survey
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    import httpx

CACHE_VERSION = 1
MAX_BODY = 512 * 1024
"""Bytes of an HTML page read to find its title; arXiv puts `citation_title` in the first few kilobytes."""
GET_INSTEAD = {400, 403, 404, 405, 501}
"""HEAD answers after which the page is fetched with GET: servers that refuse, mishandle or do not implement HEAD."""
RETRY = {429, 500, 502, 503, 504}
"""Statuses worth a second try: rate limits and server trouble, which often pass."""
PERMANENT = {301, 308}
DEFINITIVE = {404, 410}
"""Failing statuses that are the server's considered answer, cached like working links; other failures are not."""


@dataclass(frozen=True, slots=True)
class Options:
    """How to check: per-request timeout, retries of transient failures, concurrency overall and per host."""

    timeout: float = 10.0
    retries: int = 2
    per_host: int = 4
    concurrency: int = 32
    backoff: float = 0.5
    """Seconds before the first retry; doubled for each further one."""


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What checking one URL found."""

    url: str
    checked: float
    """When, in seconds since the epoch."""
    status: int | None = None
    """The final HTTP status, after redirects; None when no answer came."""
    error: str = ""
    """Why the link is broken (`HTTP 404`, `timed out after 10s`, `DNS lookup failed`), or '' when it works."""
    final_url: str = ""
    permanent: bool = False
    """True when a 301 or 308 redirect was followed."""
    title: str = ""
    """The page's `citation_title` (or `<title>`), when it was fetched for it."""

    @property
    def ok(self) -> bool:
        return not self.error


# -- the cache --------------------------------------------------------------------------------------


def cache_path() -> Path:
    """`$XDG_CACHE_HOME/evlm/links.json`, or `~/.cache/evlm/links.json`."""
    return cache_dir() / "links.json"


class LinkCache:
    """Recent results by URL, read from and written (atomically) to one JSON file.

    A missing file counts as empty. A damaged, unreadable or unwritable one counts as empty too, and `problems` says
    what went wrong (for the CLI to warn about); it never fails the check."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, LinkResult] = {}
        self.problems: list[str] = []
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except OSError as error:
            self.problems.append(f"cannot read the link cache {path}: {error.strerror or error}")
            return
        except ValueError:
            self.problems.append(f"the link cache {path} is damaged; it is ignored and rewritten")
            return
        if not isinstance(raw, dict) or raw.get("version") != CACHE_VERSION or not isinstance(raw.get("links"), dict):
            return
        names = {f.name for f in fields(LinkResult)}
        for url, entry in raw["links"].items():
            if isinstance(entry, dict) and set(entry) <= names:
                try:
                    self.entries[url] = LinkResult(**entry)
                except TypeError:
                    continue

    def fresh(self, url: str, max_age: float, now: float) -> LinkResult | None:
        """The cached result of `url` if it is younger than `max_age` seconds and worth reusing: a working link or a
        definitive failure (404, 410), never a transient one (5xx, timeout, connection error)."""
        entry = self.entries.get(url)
        if entry is None or now - entry.checked > max_age:
            return None
        return entry if entry.ok or entry.status in DEFINITIVE else None

    def titles(self) -> dict[str, str]:
        """URL -> page title, for every cached page whose title was read."""
        return {url: entry.title for url, entry in self.entries.items() if entry.title}

    def update(self, results: Iterable[LinkResult]) -> None:
        for result in results:
            self.entries[result.url] = result

    def save(self) -> None:
        """Write the cache; a failure is added to `problems`, not raised (the check's results matter more)."""
        data = {"version": CACHE_VERSION, "links": {url: asdict(self.entries[url]) for url in sorted(self.entries)}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        except OSError as error:
            self.problems.append(f"cannot write the link cache {self.path}: {error.strerror or error}")
        except EvlmError as error:
            self.problems.append(
                f"cannot write the link cache {self.path}: {error.message.removeprefix('cannot write: ')}"
            )


def cached_titles() -> dict[str, str]:
    """The page titles the last `check --links` runs recorded (empty when there is no cache)."""
    return LinkCache(cache_path()).titles()


# -- what to check ----------------------------------------------------------------------------------


def targets(survey: Survey) -> dict[str, bool]:
    """Every URL of the survey's papers, mapped to whether its page title is wanted (a Paper link with an arXiv id)."""
    wanted: dict[str, bool] = {}
    for paper in survey.papers:
        for link in paper.links:
            title = paper.arxiv is not None and link.label.lower() == "paper"
            wanted[link.url] = wanted.get(link.url, False) or title
    return wanted


# -- checking ---------------------------------------------------------------------------------------


def check(
    urls: dict[str, bool],
    options: Options,
    *,
    on_result: Callable[[LinkResult], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, LinkResult]:
    """Check each URL (GET for those mapped to True, to read the title), `on_result` being told of each as it ends."""
    return asyncio.run(_check_all(urls, options, on_result, transport))


async def _check_all(
    urls: dict[str, bool],
    options: Options,
    on_result: Callable[[LinkResult], None] | None,
    transport: httpx.AsyncBaseTransport | None,
) -> dict[str, LinkResult]:
    import httpx

    overall = asyncio.Semaphore(max(1, options.concurrency))
    per_host: dict[str, asyncio.Semaphore] = {}
    limits = httpx.Limits(max_connections=max(1, options.concurrency))
    headers = {"User-Agent": f"evlm/{__version__} (link checker; +https://github.com)"}
    results: dict[str, LinkResult] = {}
    async with httpx.AsyncClient(
        follow_redirects=True,
        timeout=httpx.Timeout(options.timeout),
        limits=limits,
        headers=headers,
        transport=transport,
        trust_env=False,
    ) as client:

        async def one(url: str, want_title: bool) -> None:
            host = (urlsplit(url).hostname or "").lower()
            gate = per_host.setdefault(host, asyncio.Semaphore(max(1, options.per_host)))
            async with overall, gate:
                result = await _check_one(client, url, want_title, options)
            results[url] = result
            if on_result is not None:
                on_result(result)

        await asyncio.gather(*(one(url, want) for url, want in urls.items()))
    return {url: results[url] for url in urls}


async def _check_one(client: httpx.AsyncClient, url: str, want_title: bool, options: Options) -> LinkResult:
    import httpx

    error = ""
    for attempt in range(options.retries + 1):
        if attempt:
            # Never wait longer than a request may take: a short --timeout means a quick check is wanted.
            await asyncio.sleep(min(options.backoff, options.timeout) * 2 ** (attempt - 1))
        try:
            answer = await _request(client, "GET" if want_title else "HEAD", url, want_title)
            if answer.status in GET_INSTEAD and not want_title:
                answer = await _request(client, "GET", url, False)
        except httpx.TimeoutException:
            error = f"timed out after {options.timeout:g}s"
            continue
        except httpx.TooManyRedirects:
            return LinkResult(url, time.time(), error="too many redirects")
        except (httpx.ConnectError, httpx.ConnectTimeout) as failure:
            error = _connect_error(failure)
            continue
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
            continue
        if answer.status in RETRY and attempt < options.retries:
            continue
        return LinkResult(
            url,
            time.time(),
            status=answer.status,
            error=f"HTTP {answer.status}" if answer.status >= 400 else "",
            final_url=answer.final_url,
            permanent=answer.permanent,
            title=page_title(answer.body) if answer.status < 400 else "",
        )
    return LinkResult(url, time.time(), error=error)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    final_url: str
    permanent: bool
    body: str


async def _request(client: httpx.AsyncClient, method: str, url: str, read_body: bool) -> _Answer:
    async with client.stream(method, url) as response:
        body = b""
        if read_body and "html" in response.headers.get("content-type", ""):
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= MAX_BODY:
                    break
        permanent = any(step.status_code in PERMANENT for step in response.history)
        text = body.decode(response.encoding or "utf-8", errors="replace")
        return _Answer(response.status_code, str(response.url), permanent, text)


def _connect_error(failure: Exception) -> str:
    text = str(failure)
    lowered = text.lower()
    if any(
        sign in lowered
        for sign in ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution")
    ):
        return "DNS lookup failed"
    return f"cannot connect: {text}" if text else "cannot connect"


_META_TITLE = (
    re.compile(r"""<meta\s+name=["']citation_title["']\s+content=["']([^"']*)["']""", re.I),
    re.compile(r"""<meta\s+content=["']([^"']*)["']\s+name=["']citation_title["']""", re.I),
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_ARXIV_PREFIX = re.compile(r"^\[[^\]]+\]\s*")


def page_title(page: str) -> str:
    """The paper title an HTML page gives: its `citation_title` meta tag, else its `<title>` without arXiv's `[id]`."""
    for pattern in _META_TITLE:
        if match := pattern.search(page):
            return normalize_space(html.unescape(match.group(1)))
    if match := _TITLE.search(page):
        return _ARXIV_PREFIX.sub("", normalize_space(html.unescape(match.group(1))))
    return ""


# -- findings ---------------------------------------------------------------------------------------


def findings(survey: Survey, results: dict[str, LinkResult], lines: dict[str, int]) -> list[Finding]:
    """`broken-link` and `permanent-redirect` findings for each paper's links."""
    found: list[Finding] = []
    for paper in survey.papers:
        for link in paper.links:
            result = results.get(link.url)
            if result is None:
                continue
            line = lines.get(paper.key)
            if not result.ok:
                found.append(
                    Finding(
                        RULES["broken-link"].severity,
                        "broken-link",
                        paper.key,
                        "links",
                        f"{link.label} link {link.url} is broken: {result.error}",
                        line,
                        "fix the URL, or link an archived copy",
                    )
                )
            elif result.permanent and result.final_url and result.final_url != link.url:
                found.append(
                    Finding(
                        RULES["permanent-redirect"].severity,
                        "permanent-redirect",
                        paper.key,
                        "links",
                        f"{link.label} link {link.url} moved permanently to {result.final_url}",
                        line,
                        f"use {result.final_url}",
                    )
                )
    return found


def summary(results: dict[str, LinkResult]) -> dict[str, Any]:
    """Counts for the stderr summary line."""
    return {"checked": len(results), "broken": sum(not r.ok for r in results.values())}
