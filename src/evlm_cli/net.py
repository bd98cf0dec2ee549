"""How evlm talks HTTP, for the metadata sources (`add`) and the link checker (`check --links`) alike.

One policy: the User-Agent, a total deadline per request (a server that trickles a byte a second fails after the
timeout, not never), a cap on what is read of an answer (decompression included, so a small gzip bomb stays small),
which failures are retried and after how long (`Retry-After` honoured up to a cap), what the timeout and delay
settings may be, and how "no network at all" is told from "this one host does not exist".

Requests run on asyncio, where a deadline cancels the whole request (name lookup, connect, headers and body); the
sources' synchronous client runs each attempt through `run()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import os
import queue
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from evlm_cli import __version__
from evlm_cli.errors import EvlmError

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

REPOSITORY_URL = "https://github.com/evlm/Efficient-Vision-Language-Models"
TIMEOUT_ENV = "EVLM_HTTP_TIMEOUT"
BACKOFF_ENV = "EVLM_HTTP_BACKOFF"
MAILTO_ENV = "EVLM_MAILTO"
MAX_RETRY_AFTER = 120.0
"""A server asking for a longer wait than this gets no retry: the answer is reported instead of hanging."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Rate limits and server trouble, which often pass."""
MAX_ANSWER = 8 * 1024 * 1024
"""Bytes an API answer may have: arXiv's feed for a hundred papers is well under 1 MiB."""
ACCEPT_ENCODING = "gzip, deflate"
"""The encodings `read_body` decodes (with a bound); others are not asked for."""
PROBE_HOSTS = ("arxiv.org", "doi.org", "github.com")
"""Names looked up when one lookup fails: if none resolves, the network is down, not the one host."""
PROBE_TIMEOUT = 3.0
MiB = 1024 * 1024


def user_agent(mailto: str | None = None) -> str:
    """`evlm/0.1.0 (+https://github.com/...; mailto:me@example.org)`, as arXiv and Crossref ask clients to say."""
    contact = f"+{REPOSITORY_URL}"
    if mailto:
        contact += f"; mailto:{mailto}"
    return f"evlm/{__version__} ({contact})"


def headers() -> dict[str, str]:
    """The headers of every request: the User-Agent (with $EVLM_MAILTO) and the encodings `read_body` can decode."""
    return {"User-Agent": user_agent(os.environ.get(MAILTO_ENV) or None), "Accept-Encoding": ACCEPT_ENCODING}


# -- settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seconds:
    """The accepted range of a setting in seconds."""

    low: float
    high: float
    low_open: bool = False
    """True when `low` itself is refused (a timeout of 0 would fail every request)."""

    def describe(self) -> str:
        if self.low_open:
            return f"a number of seconds above {self.low:g} and at most {self.high:g}"
        return f"a number of seconds from {self.low:g} to {self.high:g}"

    def parse(self, text: str) -> float:
        """The number `text` gives, or ValueError (saying the range) for anything else: nan, inf, -1, abc."""
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError(self.describe()) from None
        too_low = value <= self.low if self.low_open else value < self.low
        if not math.isfinite(value) or too_low or value > self.high:
            raise ValueError(self.describe())
        return value


TIMEOUT = Seconds(0.0, 3600.0, low_open=True)
DELAY = Seconds(0.0, 600.0)


def env_seconds(name: str, default: float, allowed: Seconds) -> float:
    """A setting in seconds from the environment; a one-line EvlmError naming the variable when it is not valid."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return allowed.parse(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        message = f"${name} must be {allowed.describe()}, not {shown!r}"
        raise EvlmError(message, hint=f"unset it for {default:g}") from None


# -- retries ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try a request again, and after how long: the same for the sources and the link checker.

    Retried: 429 and 5xx answers (after `Retry-After` when the server gives one, else exponential backoff), refused or
    reset connections. Not retried: a timeout (the deadline is already the whole budget), a failed name lookup (see
    `require_network`), a `Retry-After` longer than `max_retry_after`."""

    retries: int = 3
    backoff: float = 3.0
    """Seconds before the first retry, doubled for each further one."""
    max_retry_after: float = MAX_RETRY_AFTER

    def after_status(self, attempt: int, status: int, retry_after: str | None) -> float | None:
        """Seconds to wait before attempt `attempt + 1` after this answer, or None to take the answer as final."""
        if status not in RETRY_STATUSES or attempt > self.retries:
            return None
        if retry_after:
            seconds = parse_retry_after(retry_after)
            if seconds is not None:
                return seconds if seconds <= self.max_retry_after else None
        return self.backoff_after(attempt)

    def after_error(self, attempt: int, error: BaseException) -> float | None:
        """Seconds to wait before attempt `attempt + 1` after this failure, or None to give up."""
        import httpx

        if attempt > self.retries or isinstance(error, httpx.TimeoutException | DeadlineExceeded):
            return None
        if is_dns_failure(error) or not isinstance(error, httpx.TransportError):
            return None
        return self.backoff_after(attempt)

    def backoff_after(self, attempt: int) -> float:
        return float(self.backoff * 2 ** (attempt - 1))


def parse_retry_after(value: str) -> float | None:
    """Seconds a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110 section 10.2.3); None if
    unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# -- deadline and size ------------------------------------------------------------------------------


class DeadlineExceeded(Exception):  # noqa: N818 - reads as what happened, like TimeoutError
    """The request did not complete (headers and body) within its deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


class TooLarge(Exception):  # noqa: N818 - reads as what happened
    """The answer is larger than the cap; it was not read beyond it."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {size_text(limit)}")
        self.limit = limit


def size_text(size: int) -> str:
    return f"{size / MiB:g} MiB" if size >= MiB else f"{size / 1024:g} KiB"


@contextlib.asynccontextmanager
async def deadline(seconds: float) -> AsyncIterator[None]:
    """Cancel what runs inside after `seconds` in all, raising DeadlineExceeded: unlike a read timeout, a server
    sending a byte a second cannot stretch it."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise DeadlineExceeded(seconds) from None


async def read_body(response: httpx.Response, limit: int, *, cut: bool) -> bytes:
    """The decoded body, reading no more than needed: at most `limit` bytes (then TooLarge, or with `cut` just the
    first `limit` bytes). A Content-Length over the limit is refused before reading. With `cut`, a body that cannot be
    decoded gives what was decoded so far (the link checker only looks for a title in it)."""
    import httpx

    length = response.headers.get("Content-Length", "")
    if not cut and length.isdigit() and int(length) > limit:
        raise TooLarge(limit)
    body: _Body | None = None
    try:
        body = _Body(response.headers.get("Content-Encoding", ""), limit)
        async for chunk in response.aiter_raw():
            if not body.feed(chunk):
                break
        data = body.result()
    except (zlib.error, ValueError) as error:
        if cut:
            return body.result(partial=True)[:limit] if body is not None else b""
        raise httpx.DecodingError(f"cannot decode the answer: {error}", request=response.request) from None
    if len(data) > limit and not cut:
        raise TooLarge(limit)
    return data[:limit]


class _Body:
    """Decoded bytes of an answer, up to a limit; decompression is bounded by the limit too."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding.strip().lower()
        if self.encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported Content-Encoding {encoding[:40]!r}")
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self._z = None if self.encoding in ("", "identity") else zlib.decompressobj(self._wbits())
        self._started = False

    def _wbits(self, raw: bool = False) -> int:
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.MAX_WBITS | 16
        return -zlib.MAX_WBITS if raw else zlib.MAX_WBITS

    def feed(self, raw: bytes) -> bool:
        """Add bytes as received; False once more than `limit` decoded bytes arrived (stop reading: the rest of
        the input is not decoded)."""
        room = self.limit + 1 - self.size
        if self._z is None:
            data = raw[:room]
        else:
            try:
                data = self._z.decompress(raw, room)
            except zlib.error:
                if self._started or self.encoding != "deflate":
                    raise
                self._z = zlib.decompressobj(self._wbits(raw=True))  # "deflate" without the zlib header, as some send
                data = self._z.decompress(raw, room)
            self._started = True
        self.parts.append(data)
        self.size += len(data)
        return self.size <= self.limit

    def result(self, *, partial: bool = False) -> bytes:
        """What was decoded (with what the decompressor still holds, unless `partial` or the limit is passed)."""
        if self._z is not None and not partial and self.size <= self.limit:
            self.parts.append(self._z.flush())
        return b"".join(self.parts)


def plain_headers(response: httpx.Response) -> list[tuple[str, str]]:
    """The answer's headers once `read_body` decoded it: without Content-Encoding and Content-Length."""
    dropped = ("content-encoding", "content-length")
    return [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous code (in a worker thread if this one already runs a loop)."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


# -- no network -------------------------------------------------------------------------------------


class NoNetworkError(EvlmError):
    """Name lookups fail for every host: there is no network, so nothing that needs one is tried further."""


def is_dns_failure(error: BaseException) -> bool:
    """True when a connection failed because its host name could not be looked up."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        current = current.__cause__ or current.__context__
    text = str(error).lower()
    return any(sign in text for sign in ("name or service not known", "nodename nor servname", "name resolution"))


_network: dict[str, bool] = {}
"""The probe's verdict, once per process: {'up': bool}."""
_network_lock = threading.Lock()


def require_network(failed_host: str = "") -> None:
    """After a failed name lookup: NoNetworkError if well-known names fail to resolve too, else return (only
    `failed_host` is unknown). Probed once per process, at most PROBE_TIMEOUT seconds."""
    with _network_lock:
        if "up" not in _network:
            _network["up"] = _any_resolves(PROBE_HOSTS, PROBE_TIMEOUT)
        up = _network["up"]
    if not up:
        tried = ", ".join(dict.fromkeys([h for h in (failed_host, *PROBE_HOSTS) if h]))
        raise NoNetworkError(
            f"no network: DNS lookups fail (tried {tried})", hint="check the connection, then run the command again"
        )


def _any_resolves(hosts: Iterable[str], timeout: float) -> bool:
    """True as soon as one host name resolves; lookups run in daemon threads, so a stuck resolver costs `timeout`."""
    names = list(hosts)
    answers: queue.Queue[bool] = queue.Queue()

    def look_up(host: str) -> None:
        try:
            socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            answers.put(False)
        else:
            answers.put(True)

    for host in names:
        threading.Thread(target=look_up, args=(host,), daemon=True, name=f"evlm-probe-{host}").start()
    end = time.monotonic() + timeout
    for _ in names:
        try:
            if answers.get(timeout=max(0.0, end - time.monotonic())):
                return True
        except queue.Empty:
            return False
    return False


def describe(error: BaseException) -> str:
    """A short reason for a failed request: `DNS lookup of x failed`, `cannot connect: ...`, `no complete answer
    within 10 s`."""
    import httpx

    if isinstance(error, DeadlineExceeded | TooLarge):
        return str(error)
    if isinstance(error, httpx.ConnectError) and is_dns_failure(error):
        host = error.request.url.host if _has_request(error) else ""
        return f"DNS lookup of {host} failed" if host else "DNS lookup failed"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect: {error}" if str(error) else "cannot connect"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _has_request(error: BaseException) -> bool:
    try:
        error.request  # type: ignore[attr-defined]  # noqa: B018 - httpx raises RuntimeError when it has none
    except (AttributeError, RuntimeError):
        return False
    return True
