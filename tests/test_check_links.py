"""`evlm check --links` against a real HTTP server on loopback: good, missing, failing, slow and moved pages."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import TEST_DATA, Cli
from evlm_cli.lint import links
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
            time.sleep(0.5)
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
        "0.1",
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
        assert "timed out after 0.1s" in broken["slow2024"]

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
        result = cli("--db", str(db), "check", "--links", "--timeout", "0.1", "--ignore", "stale-output")
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
        found = findings(cli(*args, "--timeout", "0.1").stdout, "broken-link")
        assert "timed out after 0.1s" in found[0]["message"]

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
        result = cli("--db", str(db), "check", "--links", "--json", "--timeout", "0.1", "--retries", "0")
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
