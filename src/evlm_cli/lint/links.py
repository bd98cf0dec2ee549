"""`evlm check --links`: check every URL of the survey over HTTP, concurrently, with a cache of recent results.

HEAD first (GET when the page's title is wanted, or when a server refuses or mishandles HEAD: 400, 403, 404, 405,
501), redirects followed and reported when permanent. Requests follow `evlm_cli.net`'s policy, as `evlm add` does: a
total deadline each, only the head of a page read, the same retries (`Retry-After` honoured), the same User-Agent.
Requests to one host are spaced (arXiv asks for one every 3 seconds), a 429 that outlasts its retries is "rate
limited" rather than broken, and with no network at all the check stops with one error. Results are kept in
`$XDG_CACHE_HOME/evlm/links.json`: working links and definitive answers (404, 410) are reused within `max_age`, other
failures (5xx, timeouts, connection errors) are checked again on every run. The titles of arXiv abstract pages kept
there feed the `title-mismatch` rule. A cache that cannot be read or written only costs the reuse: the check runs and
`LinkCache.problems` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from evlm_cli import net
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
PERMANENT = {301, 308}
DEFINITIVE = {404, 410}
"""Failing statuses that are the server's considered answer, cached like working links; other failures are not."""
RATE_LIMITED = 429
DEFAULT_TIMEOUT = 10.0
DELAYS_ENV = "EVLM_LINK_DELAYS"
DEFAULT_DELAYS: Mapping[str, float] = MappingProxyType({"arxiv.org": 3.0, "*": 0.1})
"""Seconds between the starts of two requests to one host: arXiv asks for one request every 3 seconds (the entry
covers its subdomains, `export.arxiv.org` too); `*` is every other host."""


@dataclass(frozen=True, slots=True)
class Options:
    """How to check: a total deadline per request, retries, spacing and concurrency overall and per host."""

    timeout: float = DEFAULT_TIMEOUT
    """Seconds a request may take in all (a total deadline, not a read timeout)."""
    retries: int = 2
    per_host: int = 4
    concurrency: int = 32
    backoff: float = 0.5
    """Seconds before the first retry; doubled for each further one."""
    delays: Mapping[str, float] = field(default_factory=lambda: DEFAULT_DELAYS)
    """Host -> seconds between the starts of two requests to it (see `host_delay`)."""


def configured(
    *, timeout: float | None = None, retries: int = 2, per_host: int = 4, delays: Mapping[str, float] | None = None
) -> Options:
    """Options from the command line over the environment over the defaults: the timeout from $EVLM_HTTP_TIMEOUT
    when not given, `delays` over $EVLM_LINK_DELAYS over DEFAULT_DELAYS (EvlmError for a malformed variable)."""
    seconds = net.env_seconds(net.TIMEOUT_ENV, DEFAULT_TIMEOUT, net.TIMEOUT) if timeout is None else timeout
    merged = {**DEFAULT_DELAYS, **env_delays(), **(delays or {})}
    return Options(timeout=seconds, retries=retries, per_host=per_host, delays=merged)


def host_delay(host: str, delays: Mapping[str, float]) -> float:
    """The spacing for `host`: its own entry, else its closest parent domain's, else `*`'s, else 0."""
    labels = host.lower().rstrip(".").split(".")
    for start in range(len(labels)):
        found = delays.get(".".join(labels[start:]))
        if found is not None:
            return found
    return delays.get("*", 0.0)


def parse_delay(text: str) -> tuple[str, float]:
    """`HOST=SECONDS` (`arxiv.org=3`, `*=0.5`) as (host, seconds); ValueError saying the form for anything else."""
    host, sep, seconds = text.partition("=")
    host = host.strip().lower().rstrip(".")
    if not sep or not host or any(c.isspace() or c in "/@" for c in host):
        raise ValueError(f"expected HOST=SECONDS (e.g. arxiv.org=3 or '*=0.5'), not {text[:60]!r}")
    try:
        return host, net.DELAY.parse(seconds)
    except ValueError as error:
        raise ValueError(f"{host}: SECONDS must be {error}") from None


def env_delays() -> dict[str, float]:
    """Delays from $EVLM_LINK_DELAYS (`arxiv.org=3,github.com=0.5`); a one-line EvlmError when malformed."""
    raw = os.environ.get(DELAYS_ENV, "")
    delays: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            host, seconds = parse_delay(item)
        except ValueError as error:
            raise EvlmError(f"${DELAYS_ENV}: {error}", hint="a comma-separated list like arxiv.org=3,*=0.1") from None
        delays[host] = seconds
    return delays


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What checking one URL found."""

    url: str
    checked: float
    """When, in seconds since the epoch."""
    status: int | None = None
    """The final HTTP status, after redirects; None when no answer came."""
    error: str = ""
    """Why the link is broken (`HTTP 404`, `timed out after 10s`, `DNS lookup of x failed`) or unchecked (`rate
    limited ...`), or '' when it works."""
    final_url: str = ""
    permanent: bool = False
    """True when a 301 or 308 redirect was followed."""
    title: str = ""
    """The page's `citation_title` (or `<title>`), when it was fetched for it."""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def rate_limited(self) -> bool:
        """The server kept answering 429 (too many requests): the link was not checked, it is not known broken."""
        return self.status == RATE_LIMITED and not self.ok


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

    results: dict[str, LinkResult] = {}
    async with httpx.AsyncClient(
        follow_redirects=True,
        timeout=httpx.Timeout(options.timeout),
        limits=httpx.Limits(max_connections=max(1, options.concurrency)),
        headers=net.headers(),
        transport=transport,
        trust_env=False,
    ) as client:
        checker = _Checker(client, options)

        async def one(url: str, want_title: bool) -> None:
            result = await checker.check(url, want_title)
            results[url] = result
            if on_result is not None:
                on_result(result)

        try:
            async with asyncio.TaskGroup() as group:
                for url, want in urls.items():
                    group.create_task(one(url, want))
        except BaseExceptionGroup as failed:  # no network: the first task to find out stops the others
            raise _first_leaf(failed) from None
    return {url: results[url] for url in urls}


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


async def pause(seconds: float) -> None:
    """Wait before a request (tests replace this to record the waits instead of sitting through them)."""
    await asyncio.sleep(seconds)


class _Pacer:
    """Bounds how many requests run at once, overall and per host, and spaces the starts of a host's requests."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.overall = asyncio.Semaphore(max(1, options.concurrency))
        self.gates: dict[str, asyncio.Semaphore] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.next_start: dict[str, float] = {}
        """Host -> time.monotonic() before which no request to it starts."""

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for the host's turn, then hold a place while the request runs. The spacing is waited for before a
        place is taken overall, so a slow host does not hold up the others."""
        gate = self.gates.setdefault(host, asyncio.Semaphore(max(1, self.options.per_host)))
        lock = self.locks.setdefault(host, asyncio.Lock())
        async with gate:
            async with lock:
                wait = self.next_start.get(host, 0.0) - time.monotonic()
                if wait > 0:
                    await pause(wait)
                await self.overall.acquire()
                self.hold(host, host_delay(host, self.options.delays))
            try:
                yield
            finally:
                self.overall.release()

    def hold(self, host: str, seconds: float) -> None:
        """Start nothing more on `host` for `seconds` (its spacing, or the pause its Retry-After asked for)."""
        self.next_start[host] = max(self.next_start.get(host, 0.0), time.monotonic() + seconds)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    final_url: str
    permanent: bool
    body: str
    retry_after: str | None


class _Checker:
    """Checks one URL at a time on a shared client, pacer and retry policy."""

    def __init__(self, client: httpx.AsyncClient, options: Options) -> None:
        self.client = client
        self.options = options
        # Never wait longer than a request may take: a short --timeout means a quick check is wanted.
        self.policy = net.RetryPolicy(retries=options.retries, backoff=min(options.backoff, options.timeout))
        self.pacer = _Pacer(options)

    async def check(self, url: str, want_title: bool) -> LinkResult:
        import httpx

        host = (urlsplit(url).hostname or "").lower()
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = await self._request(host, "GET" if want_title else "HEAD", url, want_title)
                if answer.status in GET_INSTEAD and not want_title:
                    answer = await self._request(host, "GET", url, False)
            except (net.DeadlineExceeded, httpx.TimeoutException):
                return LinkResult(url, time.time(), error=f"timed out after {self.options.timeout:g}s")
            except httpx.TooManyRedirects:
                return LinkResult(url, time.time(), error="too many redirects")
            except httpx.HTTPError as failure:
                if net.is_dns_failure(failure):
                    await asyncio.to_thread(net.require_network, host)  # NoNetworkError stops the whole check
                wait = self.policy.after_error(attempt, failure)
                if wait is None:
                    return LinkResult(url, time.time(), error=net.describe(failure))
                await pause(wait)
                continue
            wait = self.policy.after_status(attempt, answer.status, answer.retry_after)
            if wait is None:
                return _result(url, answer)
            if answer.retry_after:
                self.pacer.hold(host, wait)  # the server asked every request to it to wait, not only this one
            else:
                await pause(wait)

    async def _request(self, host: str, method: str, url: str, want_title: bool) -> _Answer:
        async with (
            self.pacer.slot(host),
            net.deadline(self.options.timeout),
            self.client.stream(method, url) as response,
        ):
            body = b""
            if want_title and "html" in response.headers.get("content-type", ""):
                body = await net.read_body(response, MAX_BODY, cut=True)
            permanent = any(step.status_code in PERMANENT for step in response.history)
            return _Answer(
                response.status_code,
                str(response.url),
                permanent,
                _decode(body, response.encoding),
                response.headers.get("Retry-After"),
            )


def _decode(body: bytes, encoding: str | None) -> str:
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


def _result(url: str, answer: _Answer) -> LinkResult:
    if answer.status == RATE_LIMITED:
        asked = f", Retry-After {answer.retry_after[:40]}" if answer.retry_after else ""
        error = f"rate limited (HTTP 429{asked})"
    else:
        error = f"HTTP {answer.status}" if answer.status >= 400 else ""
    return LinkResult(
        url,
        time.time(),
        status=answer.status,
        error=error,
        final_url=answer.final_url,
        permanent=answer.permanent,
        title=page_title(answer.body) if answer.status < 400 else "",
    )


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
    """`broken-link`, `rate-limited` and `permanent-redirect` findings for each paper's links."""
    found: list[Finding] = []
    for paper in survey.papers:
        for link in paper.links:
            result = results.get(link.url)
            if result is None:
                continue
            line = lines.get(paper.key)
            if result.rate_limited:
                found.append(
                    Finding(
                        RULES["rate-limited"].severity,
                        "rate-limited",
                        paper.key,
                        "links",
                        f"{link.label} link {link.url} was not checked: {result.error}",
                        line,
                        "check again later, or space the requests to its host with --delay HOST=SECONDS",
                    )
                )
            elif not result.ok:
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
    return {
        "checked": len(results),
        "broken": sum(not r.ok and not r.rate_limited for r in results.values()),
        "rate limited": sum(r.rate_limited for r in results.values()),
    }
