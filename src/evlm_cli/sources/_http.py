"""The HTTP client evlm talks to arXiv and Crossref with: timeouts, a descriptive User-Agent, and retries.

Retries happen in a transport wrapper, so every request made through the client gets them: connection errors,
429 and 5xx answers are retried with exponential backoff, and a `Retry-After` header is honoured (up to a cap).
The sleep function is injectable so tests never wait.
"""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from evlm_cli import __version__

if TYPE_CHECKING:
    import httpx

REPOSITORY_URL = "https://github.com/evlm/Efficient-Vision-Language-Models"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 3.0
"""Seconds before the first retry (then doubling): never closer than arXiv's three-second request spacing."""
MAX_RETRY_AFTER = 120.0
"""A server asking for a longer wait than this gets no retry: the error is reported instead of hanging."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def user_agent(mailto: str | None = None) -> str:
    """`evlm/0.1.0 (+https://github.com/...; mailto:me@example.org)`, as arXiv and Crossref ask clients to say."""
    contact = f"+{REPOSITORY_URL}"
    if mailto:
        contact += f"; mailto:{mailto}"
    return f"evlm/{__version__} ({contact})"


def retry_delay(attempt: int, backoff: float, retry_after: str | None) -> float | None:
    """Seconds to wait before retry number `attempt` (1, 2, ...); None when Retry-After asks for too long."""
    if retry_after:
        seconds = _parse_retry_after(retry_after)
        if seconds is not None:
            return seconds if seconds <= MAX_RETRY_AFTER else None
    return float(backoff * 2 ** (attempt - 1))


def _parse_retry_after(value: str) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def make_transport(
    *, retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF, sleep: Callable[[float], None] = time.sleep
) -> httpx.BaseTransport:
    """An httpx transport that retries connection errors, 429 and 5xx answers."""
    import httpx

    class RetryTransport(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            attempt = 0
            while True:
                attempt += 1
                try:
                    response = self.inner.handle_request(request)
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError):
                    if attempt > retries:
                        raise
                    sleep(float(backoff * 2 ** (attempt - 1)))
                    continue
                if response.status_code not in RETRY_STATUSES or attempt > retries:
                    return response
                delay = retry_delay(attempt, backoff, response.headers.get("Retry-After"))
                if delay is None:
                    return response
                response.read()
                response.close()
                sleep(delay)

        def close(self) -> None:
            self.inner.close()

    return RetryTransport()


def env_float(name: str, default: float) -> float:
    """A number of seconds from the environment, with a clear error when it is not a number."""
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        from evlm_cli.errors import SourceError

        raise SourceError(f"${name} must be a number of seconds, not {raw!r}") from None


def make_client(
    *,
    timeout: float | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Client:
    """The client the CLI uses; the timeout and backoff come from EVLM_HTTP_TIMEOUT / EVLM_HTTP_BACKOFF if unset."""
    import httpx

    timeout = env_float("EVLM_HTTP_TIMEOUT", DEFAULT_TIMEOUT) if timeout is None else timeout
    backoff = env_float("EVLM_HTTP_BACKOFF", DEFAULT_BACKOFF) if backoff is None else backoff
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": user_agent(os.environ.get("EVLM_MAILTO") or None)},
        transport=make_transport(retries=retries, backoff=backoff, sleep=sleep),
        follow_redirects=True,
    )
