"""evlm_cli.net, the HTTP policy `add` and `check --links` share: settings, retries, deadline, size cap, no network.

Hostile servers (a byte at a time, a 200 MB answer, a gzip bomb) run on loopback; name lookups are faked.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import tracemalloc
import zlib

import httpx  # noqa: TID253 - tests import what they test
import pytest

from evlm_cli import net
from evlm_cli.errors import EvlmError, SourceError
from evlm_cli.sources import arxiv  # noqa: TID253 - tests import what they test
from evlm_cli.sources._http import make_client  # noqa: TID253 - tests import what they test
from fakeapi import FakeApi, fake_dns

MiB = 1024 * 1024
HUGE = 200 * MiB


class TestSettings:
    @pytest.mark.parametrize("text", ["-1", "0", "nan", "inf", "-inf", "abc", "1e999", "3601"])
    def test_timeouts_refused(self, text: str) -> None:
        """A timeout must be a finite number of seconds above 0 and at most an hour; the error says the range."""
        with pytest.raises(ValueError, match=r"above 0 and at most 3600"):
            net.TIMEOUT.parse(text)

    @pytest.mark.parametrize(("text", "value"), [("0.5", 0.5), (" 30 ", 30.0), ("3600", 3600.0)])
    def test_timeouts_accepted(self, text: str, value: float) -> None:
        assert net.TIMEOUT.parse(text) == value

    def test_delays_may_be_zero(self) -> None:
        assert net.DELAY.parse("0") == 0.0
        with pytest.raises(ValueError, match=r"from 0 to 600"):
            net.DELAY.parse("nan")

    def test_env_error_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """One line: the variable, the accepted range, the value; unset means the default."""
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", "nan")
        with pytest.raises(EvlmError) as caught:
            net.env_seconds("EVLM_HTTP_TIMEOUT", 30.0, net.TIMEOUT)
        assert str(caught.value) == (
            "$EVLM_HTTP_TIMEOUT must be a number of seconds above 0 and at most 3600, not 'nan' (unset it for 30)"
        )
        monkeypatch.delenv("EVLM_HTTP_TIMEOUT")
        assert net.env_seconds("EVLM_HTTP_TIMEOUT", 30.0, net.TIMEOUT) == 30.0


class TestRetryPolicy:
    def test_statuses(self) -> None:
        """429 and 5xx are retried with doubling backoff, or after Retry-After; other answers and the last are final."""
        policy = net.RetryPolicy(retries=2, backoff=1.0)
        assert policy.after_status(1, 404, None) is None
        assert policy.after_status(1, 503, None) == 1.0
        assert policy.after_status(2, 503, None) == 2.0
        assert policy.after_status(3, 503, None) is None
        assert policy.after_status(1, 429, "7") == 7.0
        assert policy.after_status(1, 429, "121") is None  # longer than the cap: reported, not waited for
        assert policy.after_status(1, 429, "soon") == 1.0  # unreadable: backoff

    def test_errors(self) -> None:
        """Connection errors are retried; timeouts and failed name lookups are not."""
        policy = net.RetryPolicy(retries=2, backoff=1.0)
        request = httpx.Request("GET", "http://x.invalid/")
        assert policy.after_error(1, httpx.ConnectError("refused", request=request)) == 1.0
        assert policy.after_error(1, httpx.ReadTimeout("slow", request=request)) is None
        assert policy.after_error(1, net.DeadlineExceeded(1.0)) is None
        dns = httpx.ConnectError("lookup", request=request)
        dns.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        assert net.is_dns_failure(dns)
        assert policy.after_error(1, dns) is None


class TestBody:
    def test_gzip_bomb_is_decoded_only_up_to_the_limit(self) -> None:
        """100 MiB of zeros gzipped to 100 KiB: decoding stops at the limit instead of inflating it all."""
        bomb = _gzip_zeros(100 * MiB)
        body = net._Body("gzip", 1 * MiB)
        tracemalloc.start()
        try:
            chunks = 0
            while body.feed(bomb[chunks * 65536 : (chunks + 1) * 65536]):
                chunks += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert chunks < 2  # one 64 KiB chunk of this bomb inflates past 1 MiB
        assert len(body.result()) == 1 * MiB + 1  # one byte past the limit tells it was passed
        assert peak < 8 * MiB

    def test_small_gzip_and_raw_deflate(self) -> None:
        """gzip, zlib-wrapped deflate and raw deflate decode to the original bytes."""
        text = b"<feed>" + b"a" * 5000 + b"</feed>"
        raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        for encoding, data in [
            ("gzip", gzip.compress(text)),
            ("deflate", zlib.compress(text)),
            ("deflate", raw.compress(text) + raw.flush()),
            ("", text),
        ]:
            body = net._Body(encoding, 1 * MiB)
            assert body.feed(data)
            assert body.result() == text


class TestSyncClient:
    """The client `evlm add` fetches with."""

    @pytest.mark.parametrize("trickle_headers", [True, False], ids=["headers", "body"])
    def test_trickling_server_hits_the_deadline(self, api: FakeApi, trickle_headers: bool) -> None:
        """A server sending a byte every 0.05 s never trips a 0.5 s read timeout; the total deadline stops it."""
        api.answer("/x", body=b"y" * 400, trickle=0.05, trickle_headers=trickle_headers)
        with make_client(timeout=0.5, backoff=0) as client, pytest.raises(net.DeadlineExceeded):
            client.get(api.url + "/x")
        assert api.wait_sent() < 40  # it hung up after about 0.5 s, not after the 20 s the whole answer takes
        assert len(api.requests) == 1  # a timeout is not retried

    def test_huge_answer_is_refused_early(self, api: FakeApi) -> None:
        """A 200 MB answer without Content-Length: reading stops past 8 MiB, and memory stays small."""
        api.answer("/x", body=b"<entry>", stream=HUGE)
        tracemalloc.start()
        try:
            with make_client(timeout=20, backoff=0) as client, pytest.raises(net.TooLarge):
                client.get(api.url + "/x")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert api.wait_sent() < 40 * MiB  # 8 MiB read, plus what the sockets' buffers held
        assert peak < 40 * MiB

    def test_content_length_over_the_limit_is_refused_unread(self, api: FakeApi) -> None:
        """A Content-Length over the limit is refused before reading any of the body."""
        api.answer("/x", stream=HUGE, headers={"Content-Length": str(HUGE)})
        with make_client(timeout=20, backoff=0) as client, pytest.raises(net.TooLarge):
            client.get(api.url + "/x")
        assert api.wait_sent() < 40 * MiB

    def test_gzip_bomb_answer(self, api: FakeApi) -> None:
        """A gzipped answer inflating to 100 MiB is refused once it passes 8 MiB."""
        api.answer("/x", body=_gzip_zeros(100 * MiB), headers={"Content-Encoding": "gzip"})
        tracemalloc.start()
        try:
            with make_client(timeout=20, backoff=0) as client, pytest.raises(net.TooLarge):
                client.get(api.url + "/x")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 40 * MiB

    def test_gzip_answer_decoded(self, api: FakeApi) -> None:
        """An ordinary gzipped answer arrives decoded, with the headers describing the decoded body."""
        api.answer("/x", body=gzip.compress(b"hello " * 1000), headers={"Content-Encoding": "gzip"})
        with make_client(timeout=5, backoff=0) as client:
            response = client.get(api.url + "/x")
        assert response.content == b"hello " * 1000
        assert "content-encoding" not in response.headers
        assert api.requests[0].headers["Accept-Encoding"] == "gzip, deflate"

    def test_source_error_names_the_limit(self, api: FakeApi) -> None:
        """Through a source, a huge answer is a SourceError, as is a trickle."""
        api.answer("/api/query", body=b"<feed>", stream=HUGE)
        with make_client(timeout=20, backoff=0) as client:
            found = arxiv.fetch_many(["2501.00001"], client, base_url=api.url + "/api/query", delay=0)
        error = found["2501.00001"]
        assert isinstance(error, SourceError)
        assert "arXiv answered too much: the answer is larger than 8 MiB; refused" in error.message

    def test_works_inside_a_running_event_loop(self, api: FakeApi) -> None:
        """A library caller already inside asyncio can still use the synchronous client."""
        api.answer("/x", body="ok")

        async def main() -> str:
            with make_client(timeout=5, backoff=0) as client:
                return client.get(api.url + "/x").text

        assert asyncio.run(main()) == "ok"


class TestNoNetwork:
    def test_no_network_is_said_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every lookup fails: NoNetworkError naming what was tried, with no retries and one probe."""
        asked = fake_dns(monkeypatch, everything=True)
        sleeps: list[float] = []
        with make_client(timeout=5, backoff=1, sleep=sleeps.append) as client, pytest.raises(net.NoNetworkError) as e:
            client.get("http://export.arxiv.invalid/api/query")
        assert str(e.value).startswith("no network: DNS lookups fail (tried export.arxiv.invalid, arxiv.org, doi.org")
        assert sleeps == []
        assert sorted(asked) == sorted(["export.arxiv.invalid", *net.PROBE_HOSTS])
        with make_client(timeout=5) as client, pytest.raises(net.NoNetworkError):
            client.get("http://api.crossref.invalid/works/x")
        assert len(asked) == 1 + len(net.PROBE_HOSTS) + 1  # the verdict is kept: no second probe

    def test_one_unknown_host_is_not_no_network(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """When other names resolve, only that host is unknown: a ConnectError, not retried."""
        fake_dns(monkeypatch, failing=("export.arxiv.invalid",))
        sleeps: list[float] = []
        with make_client(timeout=5, backoff=1, sleep=sleeps.append) as client, pytest.raises(httpx.ConnectError) as e:
            client.get("http://export.arxiv.invalid/api/query")
        assert net.describe(e.value) == "DNS lookup of export.arxiv.invalid failed"
        assert sleeps == []


def _gzip_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(MiB)
    return b"".join(packer.compress(block) for _ in range(size // MiB)) + packer.flush()
