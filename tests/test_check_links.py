"""`evlm check --links` against a real HTTP server on loopback: good, missing, failing, slow and moved pages, and
hostile ones (trickling, huge, rate limiting), with no network, and with its settings."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import TEST_DATA, Cli, Result
from evlm_cli import net
from evlm_cli.lint import links
from fakeapi import FakeApi, fake_dns
from lintutil import findings, keys, paper, write_db

ABS_PAGE = (TEST_DATA / "arxiv_abs_2308.13137.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    """Serves the test paths and records each request as (method, path)."""

    requests: list[tuple[str, str]]

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        self.server.requests.append((self.command, self.path))  # type: ignore[attr-defined]
        path = self.path
        if path == "/slow":
            time.sleep(1.0)  # well past the tests' 0.5 s timeout, even on a loaded machine
        if path == "/moved":
            return self._send(301, headers={"Location": "/good"})
        if path == "/found":
            return self._send(302, headers={"Location": "/good"})
        if path == "/missing":
            return self._send(404)
        if path == "/fail":
            return self._send(500)
        if path == "/no-head" and self.command == "HEAD":
            return self._send(405)
        if path.startswith("/head-") and self.command == "HEAD":  # /head-404, /head-400: servers that mishandle HEAD
            return self._send(int(path.removeprefix("/head-")))
        if path == "/gone":
            return self._send(410)
        if path.startswith("/abs/"):
            return self._send(200, ABS_PAGE if body else b"", "text/html; charset=utf-8")
        return self._send(200, b"<html><title>ok</title></html>" if body else b"", "text/html")

    def _send(
        self, status: int, content: bytes = b"", kind: str = "text/plain", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if content and self.command == "GET":
            self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str]]


@pytest.fixture
def server() -> Iterator[Server]:
    """A threaded HTTP server on 127.0.0.1, a free port."""
    httpd = Server(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base(server: Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def db(server: Server, tmp_path: Path) -> Path:
    """A database whose papers link to each of the server's paths."""
    url = base(server)

    def linked(key: str, title: str, path: str, **fields: Any) -> dict[str, Any]:
        return paper(key, title, links=[{"label": "Paper", "url": url + path}], **fields)

    return write_db(
        tmp_path / "data",
        [
            linked("good2024", "A good link", "/good"),
            linked("missing2024", "A missing page", "/missing"),
            linked("fail2024", "A failing server", "/fail"),
            linked("slow2024", "A slow server", "/slow"),
            linked("moved2024", "A moved page", "/moved"),
            linked("found2024", "A temporary redirect", "/found"),
            linked("nohead2024", "A server refusing HEAD", "/no-head"),
            linked(
                "omni2023",
                "OmniQuant: Omnidirectionally Calibrated Quantization for LLMs",
                "/abs/2308.13137",
                arxiv="2308.13137",
                year=2023,
            ),
            paper(
                "iso2024",
                "Isomorphic Pruning for Vision Models",
                arxiv="2308.13137",
                section="pruning",
                links=[{"label": "Paper", "url": url + "/abs/2308.13137?iso"}],
            ),
        ],
    )


def run(cli: Cli, db: Path, *args: str, code: int = 0) -> str:
    return cli(
        "--db",
        str(db),
        "check",
        "--links",
        "--json",
        "--timeout",
        "0.5",
        "--retries",
        "1",
        "--ignore",
        "stale-output",
        *args,
        code=code,
    ).stdout


class TestLinkCheck:
    def test_broken_links_are_reported_with_their_paper(self, cli: Cli, db: Path, server: Server) -> None:
        """404, 500 and a timeout are broken; good, redirected and HEAD-refusing pages are not."""
        out = run(cli, db)
        broken = {f["key"]: f["message"] for f in findings(out, "broken-link")}
        assert set(broken) == {"missing2024", "fail2024", "slow2024"}
        assert "HTTP 404" in broken["missing2024"]
        assert "HTTP 500" in broken["fail2024"]
        assert "timed out after 0.5s" in broken["slow2024"]

    def test_permanent_redirects_are_reported_temporary_ones_not(self, cli: Cli, db: Path, server: Server) -> None:
        """A 301 is an info finding naming the new address; a 302 is not reported."""
        found = findings(run(cli, db), "permanent-redirect")
        assert [f["key"] for f in found] == ["moved2024"]
        assert found[0]["severity"] == "info"
        assert found[0]["hint"] == f"use {base(server)}/good"

    def test_head_first_get_on_refusal_and_retries(self, cli: Cli, db: Path, server: Server) -> None:
        """HEAD is tried first, GET after a 405; a 500 is retried once; arXiv abs pages are fetched with GET."""
        run(cli, db)
        sent = server.requests
        assert ("HEAD", "/good") in sent
        assert ("GET", "/good") not in sent
        assert sent.count(("HEAD", "/no-head")) == 1
        assert sent.count(("GET", "/no-head")) == 1
        assert sent.count(("HEAD", "/fail")) == 2
        assert ("GET", "/abs/2308.13137") in sent

    def test_results_are_cached(self, cli: Cli, db: Path, server: Server) -> None:
        """A rerun within --max-age reuses working links and the 404, rechecks the 500 and the timeout; --max-age 0
        checks everything again."""
        run(cli, db)
        cache = links.cache_path()
        entries = json.loads(cache.read_text(encoding="utf-8"))["links"]
        assert entries[base(server) + "/missing"]["error"] == "HTTP 404"
        server.requests.clear()
        result = cli("--db", str(db), "check", "--links", "--timeout", "0.5", "--ignore", "stale-output")
        assert {path for _, path in server.requests} == {"/fail", "/slow"}
        assert "7 from cache" in result.stderr
        assert keys(run(cli, db), "broken-link") == {"missing2024", "fail2024", "slow2024"}
        server.requests.clear()
        run(cli, db, "--max-age", "0")
        assert ("HEAD", "/good") in server.requests

    def test_title_mismatch_after_links_run(self, cli: Cli, db: Path, server: Server) -> None:
        """The abs page's citation_title shows iso2024's arXiv id belongs to OmniQuant, also in later offline runs."""
        offline = ["--db", str(db), "check", "--json", "--ignore", "stale-output"]
        assert findings(cli(*offline).stdout, "title-mismatch") == []
        found = findings(run(cli, db), "title-mismatch")
        assert [f["key"] for f in found] == ["iso2024"]
        assert "OmniQuant: Omnidirectionally Calibrated" in found[0]["message"]
        assert keys(cli(*offline).stdout, "title-mismatch") == {"iso2024"}

    def test_connection_refused_is_broken(self, cli: Cli, tmp_path: Path, server: Server) -> None:
        """A port nobody listens on is a broken link (cannot connect), not a crash."""
        closed = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        port = closed.server_address[1]
        closed.server_close()
        path = write_db(
            tmp_path, [paper("gone2024", "Gone", links=[{"label": "Paper", "url": f"http://127.0.0.1:{port}/x"}])]
        )
        found = findings(run(cli, path, "--retries", "0"), "broken-link")
        assert [f["key"] for f in found] == ["gone2024"]
        assert "cannot connect" in found[0]["message"]

    def test_strict_fails_on_broken_links(self, cli: Cli, db: Path, server: Server) -> None:
        """Broken links are warnings: exit 0, or 1 with --strict."""
        run(cli, db, "--strict", code=1)


class TestMishandledHead:
    def test_head_404_and_400_are_retried_with_get(self, cli: Cli, tmp_path: Path, server: Server) -> None:
        """A 404 or 400 answer to HEAD is checked again with GET; only a 404 to GET is broken."""
        url = base(server)
        path = write_db(
            tmp_path,
            [
                paper("a2024", "Head 404", links=[{"label": "Paper", "url": url + "/head-404"}]),
                paper("b2024", "Head 400", links=[{"label": "Paper", "url": url + "/head-400"}]),
                paper("c2024", "Really missing", links=[{"label": "Paper", "url": url + "/missing"}]),
            ],
        )
        assert keys(run(cli, path), "broken-link") == {"c2024"}
        assert ("GET", "/head-404") in server.requests
        assert ("GET", "/head-400") in server.requests
        assert ("GET", "/missing") in server.requests

    def test_definitive_failures_are_cached(self, cli: Cli, tmp_path: Path, server: Server) -> None:
        """A 410 is cached like a 404: the rerun asks nothing."""
        path = write_db(tmp_path, [paper("a2024", "Gone", links=[{"label": "Paper", "url": base(server) + "/gone"}])])
        assert keys(run(cli, path), "broken-link") == {"a2024"}
        server.requests.clear()
        assert keys(run(cli, path), "broken-link") == {"a2024"}
        assert server.requests == []


class TestTimeoutSetting:
    def test_env_var_is_the_default_timeout(
        self, cli: Cli, tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """EVLM_HTTP_TIMEOUT sets --timeout's default; --timeout still wins."""
        path = write_db(tmp_path, [paper("a2024", "Slow", links=[{"label": "Paper", "url": base(server) + "/slow"}])])
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", "0.05")
        args = ("--db", str(path), "check", "--links", "--json", "--retries", "0", "--ignore", "stale-output")
        found = findings(cli(*args).stdout, "broken-link")
        assert "timed out after 0.05s" in found[0]["message"]
        found = findings(cli(*args, "--timeout", "0.5").stdout, "broken-link")
        assert "timed out after 0.5s" in found[0]["message"]

    def test_help_names_the_env_var(self, cli: Cli) -> None:
        """`check --help` shows EVLM_HTTP_TIMEOUT and the caching policy."""
        text = " ".join(cli("check", "--help").stdout.split())
        assert "EVLM_HTTP_TIMEOUT" in text
        assert "rechecked on every run" in text


class TestUnusableCache:
    @pytest.mark.parametrize("kind", ["not-a-folder", "read-only"])
    def test_report_is_printed_with_a_warning(
        self, cli: Cli, db: Path, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
    ) -> None:
        """A cache under a file (`XDG_CACHE_HOME=/dev/null`) or in a read-only folder only warns; the report is out."""
        import os

        if kind == "not-a-folder":
            cache_home = tmp_path / "a-file"
            cache_home.write_text("", encoding="utf-8")
        else:
            if os.geteuid() == 0:
                pytest.skip("root writes to read-only folders")
            cache_home = tmp_path / "ro"
            (cache_home / "evlm").mkdir(parents=True)
            (cache_home / "evlm").chmod(0o500)
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
        result = cli("--db", str(db), "check", "--links", "--json", "--timeout", "0.5", "--retries", "0")
        assert keys(result.stdout, "broken-link") == {"missing2024", "fail2024", "slow2024"}
        assert "warning: cannot write the link cache" in result.stderr
        assert "Traceback" not in result.stderr

    def test_save_failure_is_a_problem_not_an_error(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """LinkCache.save records an unwritable folder in `problems` instead of raising."""
        (tmp_path / "file").write_text("", encoding="utf-8")
        cache = links.LinkCache(tmp_path / "file" / "evlm" / "links.json")
        assert cache.problems and "cannot read" in cache.problems[0]
        cache.update([links.LinkResult("http://x", 0.0)])
        cache.save()
        assert "cannot write" in cache.problems[-1]

    def test_read_only_folder(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unwritable cache folder is a problem, not an exception (simulated, as root may write anywhere)."""
        from evlm_cli.errors import DatabaseError

        def refuse(path: Path, content: str) -> None:
            raise DatabaseError("cannot write: Read-only file system", where=str(path))

        monkeypatch.setattr(links, "atomic_write", refuse)
        cache = links.LinkCache(tmp_path / "links.json")
        cache.update([links.LinkResult("http://x", 0.0)])
        cache.save()
        assert cache.problems == [f"cannot write the link cache {tmp_path / 'links.json'}: Read-only file system"]


class TestPageTitle:
    @pytest.mark.parametrize(
        ("page", "title"),
        [
            (ABS_PAGE.decode(), "OmniQuant: Omnidirectionally Calibrated Quantization for Large Language Models"),
            ("<title>[2401.00001v2] A &amp; B</title>", "A & B"),
            ('<meta content="Reversed Order" name="citation_title">', "Reversed Order"),
            ("<p>no title</p>", ""),
        ],
    )
    def test_page_title(self, page: str, title: str) -> None:
        """citation_title first, else <title> without arXiv's [id] prefix, entities decoded."""
        assert links.page_title(page) == title

    def test_damaged_cache_is_ignored(self, tmp_path: Path) -> None:
        """A cache file that is not valid JSON counts as empty instead of failing the check."""
        path = tmp_path / "links.json"
        path.write_text("{not json", encoding="utf-8")
        assert links.LinkCache(path).entries == {}


def test_progress_bar_on_a_terminal(cli: Cli, db: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, a progress bar runs on stderr while links are checked; the findings are the same."""
    import io

    from rich.console import Console

    from evlm_cli.cli import _console

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(_console, "err", lambda: terminal)
    out = run(cli, db)
    assert keys(out, "broken-link") == {"missing2024", "fail2024", "slow2024"}
    assert "checking links" in screen.getvalue()


# -- faults and manners: a loopback FakeApi per test, name lookups faked -----------------------------


@pytest.fixture(autouse=True)
def _no_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pause between requests to one host unless a test asks for one (`--delay`)."""
    monkeypatch.setenv("EVLM_LINK_DELAYS", "*=0")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the checker takes between requests, recorded instead of waited for."""
    recorded: list[float] = []

    async def pause(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(links, "pause", pause)
    return recorded


def linked_db(folder: Path, *urls: str, title: bool = False) -> Path:
    """A database with one paper per URL (k0, k1, ...); `title` makes them arXiv papers, whose page is read."""
    extra: dict[str, Any] = {"arxiv": "2308.13137"} if title else {}
    return write_db(
        folder,
        [
            paper(f"k{i}", f"Paper number {i}", links=[{"label": "Paper", "url": u}], **extra)
            for i, u in enumerate(urls)
        ],
    )


def check_links(cli: Cli, db: Path, *args: str, code: int = 0) -> Result:
    return cli("--db", str(db), "check", "--links", "--json", "--ignore", "stale-output", *args, code=code)


class TestDeadline:
    @pytest.mark.parametrize("title", [False, True], ids=["head-trickles", "body-trickles"])
    def test_trickling_server_times_out(self, cli: Cli, tmp_path: Path, api: FakeApi, title: bool) -> None:
        """A byte every 0.02 s never trips a 0.5 s read timeout; the total deadline makes the link time out."""
        api.answer(
            "/t",
            body=b"<title>" + b"x" * 400,
            trickle=0.02,
            trickle_headers=not title,
            headers={"Content-Type": "text/html"},
        )
        db = linked_db(tmp_path, api.url + "/t", title=title)
        out = check_links(cli, db, "--timeout", "0.5", "--retries", "0").stdout
        found = findings(out, "broken-link")
        assert [f["key"] for f in found] == ["k0"]
        assert "timed out after 0.5s" in found[0]["message"]
        assert api.wait_sent() < 40

    def test_huge_page_only_its_head_is_read(self, cli: Cli, tmp_path: Path, api: FakeApi) -> None:
        """A 200 MB page whose title is wanted: the check reads its head and hangs up."""
        api.answer("/big", body=b"<p>", stream=200 * 1024 * 1024, headers={"Content-Type": "text/html"})
        out = check_links(cli, linked_db(tmp_path, api.url + "/big", title=True)).stdout
        assert findings(out, "broken-link") == []
        assert api.wait_sent() < 40 * 1024 * 1024

    def test_gzip_bomb_page(self, cli: Cli, tmp_path: Path, api: FakeApi) -> None:
        """A gzipped page inflating to 100 MiB is decoded only as far as the head the check reads."""
        import tracemalloc
        import zlib

        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        bomb = b"".join(packer.compress(bytes(1024 * 1024)) for _ in range(100)) + packer.flush()
        api.answer("/bomb", body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
        db = linked_db(tmp_path, api.url + "/bomb", title=True)
        tracemalloc.start()
        try:
            out = check_links(cli, db).stdout
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert findings(out, "broken-link") == []
        assert peak < 40 * 1024 * 1024


class TestNoNetwork:
    def test_no_network_is_one_error(self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every lookup failing: one line saying there is no network, exit 1, and no report of broken links."""
        fake_dns(monkeypatch, everything=True)
        db = linked_db(tmp_path, *(f"https://host{i}.example.org/p" for i in range(5)))
        result = check_links(cli, db, code=1)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: no network: DNS lookups fail (tried host")
        assert "arxiv.org, doi.org, github.com" in lines[0]

    def test_one_unknown_host_is_a_broken_link(
        self, cli: Cli, tmp_path: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When other names resolve, a host that does not is a broken link, checked once."""
        asked = fake_dns(monkeypatch, failing=("gone.invalid",))
        db = linked_db(tmp_path, "http://gone.invalid/p", api.url + "/ok")
        api.answer("/ok")
        out = check_links(cli, db, "--retries", "2").stdout
        found = findings(out, "broken-link")
        assert [(f["key"], f["message"].rsplit(": ", 1)[1]) for f in found] == [
            ("k0", "DNS lookup of gone.invalid failed")
        ]
        assert asked.count("gone.invalid") == 1


class TestSettings:
    @pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
    def test_bad_timeout_option(self, cli: Cli, tmp_path: Path, value: str) -> None:
        """--timeout must be a finite number of seconds above 0: a usage error saying so."""
        result = cli(
            "--db", str(linked_db(tmp_path, "http://x.invalid/")), "check", "--links", "--timeout", value, code=2
        )
        assert "must be a number of seconds above 0 and at most 3600" in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr

    @pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "abc"])
    def test_bad_timeout_variable(self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        """EVLM_HTTP_TIMEOUT that is not a sane number: one line naming it, exit 1."""
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", value)
        result = check_links(cli, linked_db(tmp_path, "http://x.invalid/"), code=1)
        assert result.stderr.splitlines() == [
            f"error: $EVLM_HTTP_TIMEOUT must be a number of seconds above 0 and at most 3600, not {value!r} "
            "(unset it for 10)"
        ]

    @pytest.mark.parametrize("value", ["arxiv.org", "=3", "arxiv.org=nan", "arxiv.org=-1", "https://arxiv.org=3"])
    def test_bad_delay(self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        """A --delay that is not HOST=SECONDS is a usage error; in EVLM_LINK_DELAYS, one line naming it."""
        db = linked_db(tmp_path, "http://x.invalid/")
        result = cli("--db", str(db), "check", "--links", "--delay", value, code=2)
        assert "--delay" in result.stderr
        monkeypatch.setenv("EVLM_LINK_DELAYS", f"github.com=1,{value}")
        result = check_links(cli, db, code=1)
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("error: $EVLM_LINK_DELAYS: ")

    def test_default_delays(self) -> None:
        """arXiv and its subdomains get 3 s between requests, other hosts a tenth of a second."""
        assert links.host_delay("arxiv.org", links.DEFAULT_DELAYS) == 3.0
        assert links.host_delay("export.arxiv.org", links.DEFAULT_DELAYS) == 3.0
        assert links.host_delay("notarxiv.org", links.DEFAULT_DELAYS) == 0.1
        assert links.host_delay("github.com", links.DEFAULT_DELAYS) == 0.1
        assert links.host_delay("a.b.example", {"b.example": 2.0, "a.b.example": 1.0}) == 1.0
        assert links.host_delay("x.example", {}) == 0.0


class TestManners:
    def test_requests_to_one_host_are_spaced(self, cli: Cli, tmp_path: Path, api: FakeApi, waits: list[float]) -> None:
        """With --delay HOST=5, each request to the host after the first waits its turn (about 5 s after the
        previous one started)."""
        db = linked_db(tmp_path, *(f"{api.url}/p{i}" for i in range(3)))
        for i in range(3):
            api.answer(f"/p{i}")
        check_links(cli, db, "--delay", "127.0.0.1=5")
        assert len(waits) == 2
        assert all(4 < w <= 5 for w in waits), waits

    def test_retry_after_is_honoured(self, cli: Cli, tmp_path: Path, api: FakeApi, waits: list[float]) -> None:
        """A 429 with Retry-After: 7 is asked again 7 s later, and the link is fine."""
        api.answer("/p", status=429, headers={"Retry-After": "7"})
        api.answer("/p")
        out = check_links(cli, linked_db(tmp_path, api.url + "/p")).stdout
        assert [f for f in findings(out) if f["field"] == "links"] == []
        assert len(api.requests) == 2
        assert len(waits) == 1 and 6 < waits[0] <= 7

    def test_lasting_429_is_rate_limited_not_broken(
        self, cli: Cli, tmp_path: Path, api: FakeApi, waits: list[float]
    ) -> None:
        """A 429 after every retry is a `rate-limited` note, not a broken link; a Retry-After past the cap is not
        waited for."""
        for _ in range(3):
            api.answer("/p", status=429, headers={"Retry-After": "1"})
        api.answer("/q", status=429, headers={"Retry-After": "3600"})
        db = linked_db(tmp_path, api.url + "/p", api.url + "/q")
        result = check_links(cli, db, "--retries", "2")
        assert findings(result.stdout, "broken-link") == []
        limited = findings(result.stdout, "rate-limited")
        assert [(f["key"], f["severity"]) for f in limited] == [("k0", "info"), ("k1", "info")]
        assert "was not checked: rate limited (HTTP 429, Retry-After 3600)" in limited[1]["message"]
        assert len(api.requests_to("/p")) == 3
        assert len(api.requests_to("/q")) == 1
        assert "0 broken, 2 rate limited" in result.stderr

    def test_user_agent(self, cli: Cli, tmp_path: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
        """The checker sends the same User-Agent as the metadata sources."""
        monkeypatch.setenv("EVLM_MAILTO", "me@example.org")
        api.answer("/p")
        check_links(cli, linked_db(tmp_path, api.url + "/p"))
        assert api.requests[0].headers["User-Agent"] == net.user_agent("me@example.org")
