"""The HTTP client evlm asks arXiv and Crossref with, following `evlm_cli.net`'s policy.

Everything happens in a transport, so every request made through the client gets it: each attempt has a total
deadline and reads at most `net.MAX_ANSWER` bytes, connection errors, 429 and 5xx answers are retried with
exponential backoff (`Retry-After` honoured up to a cap), and a failed name lookup is checked for "no network at
all" once. The sleep function is injectable so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from evlm_cli import net
from evlm_cli.errors import SourceError

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 3.0
"""Seconds before the first retry (then doubling): never closer than arXiv's three-second request spacing."""
user_agent = net.user_agent


def make_transport(
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    limit: int = net.MAX_ANSWER,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.BaseTransport:
    """An httpx transport applying the retry policy, with a deadline of `timeout` seconds and `limit` bytes per
    attempt."""
    import httpx

    policy = net.RetryPolicy(retries=retries, backoff=backoff)

    async def attempt(request: httpx.Request) -> httpx.Response:
        # Redirects are followed by the outer client, one attempt each; proxies come from the environment here.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as inner, net.deadline(timeout):
            sent = inner.build_request(request.method, request.url, headers=request.headers, content=request.content)
            answer = await inner.send(sent, stream=True)
            try:
                body = await net.read_body(answer, limit, cut=False)
            finally:
                await answer.aclose()
        return httpx.Response(answer.status_code, headers=net.plain_headers(answer), content=body, request=request)

    class RetryTransport(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            tries = 0
            while True:
                tries += 1
                try:
                    response = net.run(lambda: attempt(request))
                except httpx.HTTPError as error:
                    if net.is_dns_failure(error):
                        net.require_network(request.url.host)
                    wait = policy.after_error(tries, error)
                    if wait is None:
                        raise
                    sleep(wait)
                    continue
                wait = policy.after_status(tries, response.status_code, response.headers.get("Retry-After"))
                if wait is None:
                    return response
                sleep(wait)

    return RetryTransport()


def make_client(
    *,
    timeout: float | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Client:
    """The client the CLI uses; the timeout and backoff come from EVLM_HTTP_TIMEOUT / EVLM_HTTP_BACKOFF if unset
    (a one-line EvlmError when they are not valid numbers of seconds)."""
    import httpx

    timeout = net.env_seconds(net.TIMEOUT_ENV, DEFAULT_TIMEOUT, net.TIMEOUT) if timeout is None else timeout
    backoff = net.env_seconds(net.BACKOFF_ENV, DEFAULT_BACKOFF, net.DELAY) if backoff is None else backoff
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        headers=net.headers(),
        transport=make_transport(timeout=timeout, retries=retries, backoff=backoff, sleep=sleep),
        follow_redirects=True,
        trust_env=False,  # the transport's own client reads the proxy settings; here they would bypass it
    )


def get(
    client: httpx.Client,
    url: str,
    *,
    service: str,
    params: Mapping[str, str] | None = None,
    where: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """GET through the client, any failure a SourceError naming the service (and `where`, the id asked for)."""
    import httpx

    try:
        return client.get(url, params=params, headers=headers)
    except net.TooLarge as error:
        raise SourceError(f"{service} answered too much: {error}; refused ({url})", where=where) from None
    except (net.DeadlineExceeded, httpx.TimeoutException) as error:
        raise SourceError(
            f"{service} did not answer in time: {net.describe(error)} ({url})",
            where=where,
            hint=f"${net.TIMEOUT_ENV} sets the limit",
        ) from None
    except httpx.HTTPError as error:
        raise SourceError(f"cannot reach {service}: {net.describe(error)} ({url})", where=where) from None


_last_request: dict[str, float] = {}
"""time.monotonic() of this process's latest request to each service, for the spacing their terms ask for."""


def wait_turn(service: str, delay: float, sleep: Callable[[float], None] = time.sleep) -> None:
    """Sleep until `delay` seconds have passed since this process last asked `service`."""
    last = _last_request.get(service)
    if last is not None and (wait := last + delay - time.monotonic()) > 0:
        sleep(wait)
    _last_request[service] = time.monotonic()


CACHE_ENV = "EVLM_SOURCE_CACHE"
"""Set to 0 to neither read nor write the answers' cache."""
CACHE_DAYS = 30
"""How long a cached answer is used: records change slowly (a preprint gets published), so a month is fresh enough."""


def cached_get(
    client: httpx.Client,
    url: str,
    *,
    service: str,
    params: Mapping[str, str] | None = None,
    where: str | None = None,
    delay: float = 0.0,
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, bytes]:
    """(status, body) of a GET, from the cache under `cachedir` when asked in the last CACHE_DAYS, else asked (no
    closer than `delay` seconds after the previous request to `service`) and cached when it is 200 or 404."""
    import hashlib
    import json
    import os

    from evlm_cli.cachedir import cache_dir

    request = json.dumps([url, sorted((params or {}).items())])
    path = cache_dir() / "sources" / service.lower() / (hashlib.sha256(request.encode()).hexdigest() + ".json")
    use_cache = os.environ.get(CACHE_ENV, "1") != "0"
    if use_cache:
        try:
            if time.time() - path.stat().st_mtime < CACHE_DAYS * 86400:
                stored = json.loads(path.read_text(encoding="utf-8"))
                return int(stored["status"]), stored["body"].encode("utf-8")
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no usable cache entry: ask
    wait_turn(service, delay, sleep)
    response = get(client, url, service=service, params=params, where=where, headers=headers)
    if use_cache and response.status_code in (200, 404):
        from evlm_cli.errors import EvlmError
        from evlm_cli.fsutil import atomic_write

        try:
            body = response.content.decode("utf-8")
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({"request": request, "status": response.status_code, "body": body}))
        except (OSError, UnicodeDecodeError, EvlmError):
            pass  # only a cache
    return response.status_code, response.content
