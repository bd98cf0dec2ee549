"""`evlm add` through the real CLI against a loopback server serving recorded arXiv and Crossref responses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db, net
from evlm_cli.cli import _write
from evlm_cli.sources import arxiv  # noqa: TID253 - tests import what they test
from fakeapi import FakeApi, fake_dns
from test_sources import BILLION_LAUGHS

QUERY = "/api/query"
DOI_PATH = "/works/10.17705/1cais.04607"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    """The fake arXiv and Crossref, with the delays cut so tests never wait."""
    arxiv._last_request.clear()
    with FakeApi() as server:
        monkeypatch.setenv("EVLM_ARXIV_API", server.url + QUERY)
        monkeypatch.setenv("EVLM_CROSSREF_API", server.url)
        monkeypatch.setenv("EVLM_ARXIV_DELAY", "0")
        monkeypatch.setenv("EVLM_HTTP_BACKOFF", "0")
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", "2")
        yield server


def snapshot(repo: Path) -> dict[str, bytes]:
    """Every file of the repository, to prove a failure changed nothing (the lock file says who last held it)."""
    return {
        str(p.relative_to(repo)): p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file() and p.suffix != ".lock"
    }


class TestAdd:
    def test_single_arxiv(self, cli: Cli, api: FakeApi, db_path: Path, repo: Path) -> None:
        """One arXiv id: fetched, keyed by the rule, stored with its metadata, and the README rebuilt."""
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        result = cli("add", "1111.2011v2", "--section", "token-reduction", "--code", "https://github.com/x/y")
        assert result.stdout == "murray2011quantum\n"
        paper = db.load(db_path).paper("murray2011quantum")
        assert paper.section == "token-reduction"
        assert (paper.arxiv, paper.arxiv_version, paper.arxiv_category) == ("1111.2011", 2, "cond-mat.str-el")
        assert (paper.doi, paper.journal_ref, paper.venue, paper.year) == (
            "10.1103/physrevb.85.115117",
            "Phys. Rev. B 85, 115117 (2012)",
            "arXiv",
            2011,
        )
        assert paper.abstract.startswith("Theoretical description")
        assert paper.code_url == "https://github.com/x/y"
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert "- Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit, " in readme
        assert [r.query["id_list"] for r in api.requests] == [["1111.2011v2"]]
        cli("build", "--check")

    def test_new_paper_goes_last_in_its_section(self, cli: Cli, api: FakeApi, db_path: Path) -> None:
        """A new paper is filed after the section's existing papers."""
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        cli("add", "https://arxiv.org/abs/1111.2011", "--section", "post-training-quantization")
        keys = [p.key for p in db.load(db_path).papers_in("post-training-quantization")]
        assert keys[-1] == "murray2011quantum"
        assert len(keys) > 1

    def test_batch_is_one_request(self, cli: Cli, api: FakeApi, db_path: Path) -> None:
        """Several arXiv ids (id, URL, old style) go to arXiv in ONE request, asserted on the server."""
        api.answer(QUERY, file="arxiv_batch_1111.2011v2_cs_0112017.xml")
        result = cli("add", "https://arxiv.org/pdf/1111.2011v2", "cs/0112017", "--section", "token-reduction")
        assert result.stdout.split() == ["murray2011quantum", "lovelace2001token"]
        assert len(api.requests) == 1
        assert api.requests[0].query["id_list"] == ["1111.2011v2,cs/0112017"]
        assert db.load(db_path).paper("lovelace2001token").title == "Token Pruning for Efficient Vision Language Models"

    def test_doi(self, cli: Cli, api: FakeApi, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A doi.org URL goes to Crossref's /works/{doi}, politely, and the work is added with its venue."""
        monkeypatch.setenv("EVLM_MAILTO", "me@example.org")
        api.answer(DOI_PATH, file="crossref_work_10.17705_1cais.04607.json")
        cli("add", "https://doi.org/10.17705/1cais.04607", "--section", "other-methods", "--tag", "review")
        paper = db.load(db_path).paper("schryen2021knowledge")
        assert paper.venue == "Communications of the Association for Information Systems"
        assert (paper.doi, paper.tags, paper.paper_url) == (
            "10.17705/1cais.04607",
            ("review",),
            "https://doi.org/10.17705/1cais.04607",
        )
        assert api.requests[0].query == {"mailto": ["me@example.org"]}
        assert "mailto:me@example.org" in api.requests[0].headers["User-Agent"]

    def test_manual(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """Without network: title, authors, year, venue and URL from the options."""
        cli(
            "add",
            "--title",
            "Tiny  VLM\n Tricks",
            "--author",
            "Jane Doe",
            "--author",
            "Li Wei",
            "--year",
            "2025",
            "--venue",
            "CVPR",
            "--url",
            "https://example.org/tiny",
            "--section",
            "token-reduction",
        )
        paper = db.load(db_path).paper("doe2025tiny")
        assert (paper.title, paper.authors, paper.venue) == ("Tiny VLM Tricks", ("Jane Doe", "Li Wei"), "CVPR")
        assert "- Tiny VLM Tricks, <ins>CVPR, 2025</ins> [[Paper](https://example.org/tiny)]" in (
            repo / "README.md"
        ).read_text(encoding="utf-8")

    def test_dry_run_writes_nothing(self, cli: Cli, api: FakeApi, repo: Path) -> None:
        """--dry-run prints the entry and its README line and changes no file."""
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        before = snapshot(repo)
        result = cli("add", "1111.2011", "--section", "token-reduction", "--dry-run")
        assert 'key = "murray2011quantum"' in result.stdout
        assert "- Quantum Criticality for Extended Nodes" in result.stdout
        assert snapshot(repo) == before

    def test_no_build(self, cli: Cli, repo: Path) -> None:
        """--no-build changes the database only, so `build --check` then reports README.md stale."""
        cli("add", "--title", "Tiny VLM", "--section", "token-reduction", "--no-build")
        cli("build", "--check", code=1)

    def test_section_required_without_terminal(self, cli: Cli, repo: Path) -> None:
        """Without a terminal and without --section, the error lists the section ids."""
        before = snapshot(repo)
        result = cli("add", "--title", "Tiny VLM", code=1)
        assert "--section is required" in result.stderr
        assert "token-reduction" in result.stderr
        assert snapshot(repo) == before

    def test_section_prompt_suggests(self, cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """On a terminal, the prompt suggests the section closest in words; Enter accepts it."""
        monkeypatch.setattr(_write, "is_terminal", lambda: True)
        title = "Post-Training Quantization of Vision Transformers"
        result = cli("add", "--title", title, "--author", "Ann Lee", "--year", "2025", input="\n")
        assert "post-training-quantization  <- suggested" in result.stderr
        assert db.load(db_path).paper("lee2025post").section == "post-training-quantization"

    def test_unknown_section(self, cli: Cli, repo: Path) -> None:
        """An unknown section is refused with a did-you-mean, before any fetch."""
        result = cli("add", "1111.2011", "--section", "quantisation", code=1)
        assert "no section 'quantisation'" in result.stderr
        assert "quantization" in result.stderr

    @pytest.mark.parametrize(
        "args",
        [
            ("add",),
            ("add", "-s", "pruning"),
            ("add", "1111.2011", "--title", "Tiny"),
            ("add", "1111.2011", "--title", "Tiny", "-s", "pruning"),
            ("add", "1111.2011", "--author", "Ann Lee", "-s", "pruning"),
        ],
    )
    def test_ids_or_title(self, cli: Cli, repo: Path, args: tuple[str, ...]) -> None:
        """Ids and adding by hand do not mix, and one of them is needed: a usage error (exit 2), nothing written."""
        before = snapshot(repo)
        result = cli(*args, code=2)
        assert "Usage: evlm add" in result.stderr
        assert "Invalid value for" in result.stderr
        assert snapshot(repo) == before


class TestFailures:
    @pytest.mark.parametrize(
        ("ident", "path", "answer", "message"),
        [
            ("2501.99999", QUERY, {"file": "arxiv_empty.xml"}, "arXiv has no paper with this id"),
            ("2501.0001", QUERY, {"file": "arxiv_error_incorrect_id.xml"}, "incorrect id format for 2501.0001"),
            ("10.1234/missing", "/works/10.1234/missing", {"status": 404, "body": "Resource not found."}, "no work"),
            ("2501.00001", QUERY, {"status": 503}, "HTTP 503"),
            ("2501.00001", QUERY, {"body": "<feed><entry>"}, "malformed XML"),
            ("2501.00001", QUERY, {"body": BILLION_LAUGHS}, "forbidden XML"),
            ("10.17705/1cais.04607", DOI_PATH, {"body": '{"status":"ok","mess'}, "malformed JSON"),
            ("10.17705/1cais.04607", DOI_PATH, {"status": 500}, "HTTP 500"),
            ("2501.00001", QUERY, {"file": "arxiv_empty.xml", "delay": 1.0}, "did not answer in time"),
            ("not-an-id", QUERY, {}, "not an arXiv id"),
        ],
        ids=[
            "empty-feed",
            "error-entry",
            "crossref-404",
            "5xx",
            "bad-xml",
            "hostile-xml",
            "bad-json",
            "crossref-5xx",
            "timeout",
            "bad-id",
        ],
    )
    def test_failure_changes_nothing(
        self,
        cli: Cli,
        api: FakeApi,
        repo: Path,
        monkeypatch: pytest.MonkeyPatch,
        ident: str,
        path: str,
        answer: dict[str, object],
        message: str,
    ) -> None:
        """Each failure is one line naming the id, exit 1, and every file stays byte-identical."""
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", "0.3")
        for _ in range(4):  # enough for every retry
            api.answer(path, **answer)  # type: ignore[arg-type]
        before = snapshot(repo)
        result = cli("add", ident, "--section", "token-reduction", code=1)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: {ident}: ")
        assert message in lines[0]
        assert "Traceback" not in result.stderr
        assert snapshot(repo) == before

    def test_partial_failure_adds_the_rest(self, cli: Cli, api: FakeApi, db_path: Path) -> None:
        """Ids that resolve are added even though another fails; the exit code is still 1."""
        api.answer(DOI_PATH, file="crossref_work_10.17705_1cais.04607.json")
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        result = cli("add", "1111.2011", "10.1234/missing", "10.17705/1cais.04607", "-s", "token-reduction", code=1)
        assert result.stdout.split() == ["murray2011quantum", "schryen2021knowledge"]
        assert "error: 10.1234/missing: Crossref has no work with this DOI" in result.stderr
        assert {"murray2011quantum", "schryen2021knowledge"} <= {p.key for p in db.load(db_path).papers}

    def test_429_retried(self, cli: Cli, api: FakeApi, db_path: Path) -> None:
        """A 429 with Retry-After is retried and the paper is added."""
        api.answer(QUERY, status=429, headers={"Retry-After": "0"})
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        cli("add", "1111.2011", "--section", "token-reduction")
        assert len(api.requests) == 2
        assert db.load(db_path).has_paper("murray2011quantum")


class TestDuplicates:
    def test_same_arxiv_id_refused(self, cli: Cli, api: FakeApi, repo: Path) -> None:
        """A paper already there by arXiv id (another version) is refused, naming its key; --force adds it."""
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        cli("add", "1111.2011", "--section", "token-reduction")
        before = snapshot(repo)
        result = cli("add", "1111.2011v1", "--section", "pruning", code=1)
        assert "already in the survey as 'murray2011quantum' (same arXiv id 1111.2011)" in result.stderr
        assert snapshot(repo) == before
        assert len(api.requests) == 1  # refused before asking arXiv again
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        assert cli("add", "1111.2011v1", "--section", "pruning", "--force").stdout == "murray2011quantuma\n"

    def test_near_identical_title_refused(self, cli: Cli, repo: Path) -> None:
        """A near-identical title of a paper in the survey is refused, naming the existing key."""
        title = "MBQ: Modality-Balanced Quantization for Large Vision Language Models"
        result = cli("add", "--title", title, "--section", "token-reduction", code=1)
        assert "as 'mbq2024modality' (near-identical title)" in result.stderr

    def test_same_doi_refused(self, cli: Cli, api: FakeApi, repo: Path) -> None:
        """A DOI already in the survey is refused."""
        api.answer(DOI_PATH, file="crossref_work_10.17705_1cais.04607.json")
        cli("add", "10.17705/1cais.04607", "--section", "other-methods")
        result = cli("add", "https://doi.org/10.17705/1CAIS.04607", "--section", "other-methods", code=1)
        assert "same DOI 10.17705/1cais.04607" in result.stderr
        assert len(api.requests) == 1

    def test_title_duplicate_found_after_fetch(self, cli: Cli, api: FakeApi, repo: Path) -> None:
        """A fetched paper whose title is already there (added by hand, without ids) is refused after the fetch."""
        title = "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
        cli("add", "--title", title, "--section", "pruning")
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        before = snapshot(repo)
        result = cli("add", "1111.2011", "--section", "pruning", code=1)
        assert "already in the survey as 'quantumcriticality' (same title) (--force adds it anyway)" in (result.stderr)
        assert snapshot(repo) == before


def test_ten_concurrent_adds(repo: Path, db_path: Path) -> None:
    """Ten `evlm add` processes at once (by hand, --no-build) all land: the lock serialises them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVLM_")}
    titles = [f"Concurrent Paper Number {chr(ord('A') + i)} About Tokens {i}" for i in range(10)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evlm_cli",
                "--db",
                str(db_path),
                "add",
                "--title",
                title,
                "--author",
                "Ann Lee",
                "--year",
                "2025",
                "--section",
                "token-reduction",
                "--no-build",
                "--force",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for title in titles
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), outputs
    keys = sorted(out.strip() for out, _ in outputs)
    assert len(set(keys)) == 10
    survey = db.load(db_path)
    assert {p.title for p in survey.papers} >= set(titles)
    assert all(survey.has_paper(key) for key in keys)


class TestNetworkFaults:
    """A slow, huge or absent network: one clear line, exit 1, nothing changed, and no hang."""

    def test_trickling_server_fails_after_the_timeout(
        self, cli: Cli, api: FakeApi, repo: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """arXiv's answer arriving a byte every 0.01 s (headers too) fails after EVLM_HTTP_TIMEOUT, not 10 s later."""
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", "0.5")
        api.answer(QUERY, file="arxiv_empty.xml", trickle=0.01, trickle_headers=True)
        before = snapshot(repo)
        result = cli("add", "1111.2011", "--section", "token-reduction", code=1)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "1111.2011: arXiv did not answer in time: no complete answer within 0.5 s" in lines[0]
        assert "EVLM_HTTP_TIMEOUT" in lines[0]
        assert len(api.requests) == 1
        assert snapshot(repo) == before

    def test_huge_answer_is_refused(self, cli: Cli, api: FakeApi, repo: Path) -> None:
        """A 200 MB answer is refused after 8 MiB; the server did not get to send it all."""
        api.answer(QUERY, body=b"<entry>", stream=200 * 1024 * 1024)
        result = cli("add", "2501.00001", "--section", "token-reduction", code=1)
        assert "arXiv answered too much: the answer is larger than 8 MiB; refused" in result.stderr
        assert api.wait_sent() < 40 * 1024 * 1024

    def test_no_network_is_said_once(self, cli: Cli, api: FakeApi, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """With every name lookup failing, one line says so (not one per id, no retries) and nothing changes."""
        monkeypatch.setenv("EVLM_ARXIV_API", "http://export.arxiv.invalid/api/query")
        monkeypatch.setenv("EVLM_CROSSREF_API", "http://api.crossref.invalid")
        monkeypatch.setenv("EVLM_HTTP_BACKOFF", "30")  # a retry would show as a 30 s wait
        asked = fake_dns(monkeypatch, everything=True)
        before = snapshot(repo)
        result = cli("add", "2501.00001", "2501.00002", "10.1234/abc", "--section", "token-reduction", code=1)
        assert result.stderr.splitlines() == [
            "error: no network: DNS lookups fail (tried export.arxiv.invalid, arxiv.org, doi.org, github.com) "
            "(check the connection, then run the command again)"
        ]
        assert sorted(asked) == sorted(["export.arxiv.invalid", *net.PROBE_HOSTS])
        assert snapshot(repo) == before

    def test_unknown_api_host_is_not_no_network(
        self, cli: Cli, api: FakeApi, repo: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When only the API's host does not resolve, each id says so, once, without retries."""
        monkeypatch.setenv("EVLM_ARXIV_API", "http://export.arxiv.invalid/api/query")
        monkeypatch.setenv("EVLM_HTTP_BACKOFF", "30")
        asked = fake_dns(monkeypatch, failing=("export.arxiv.invalid",))
        result = cli("add", "2501.00001", "--section", "token-reduction", code=1)
        assert result.stderr.strip() == (
            "error: 2501.00001: cannot reach arXiv: DNS lookup of export.arxiv.invalid failed "
            "(http://export.arxiv.invalid/api/query)"
        )
        assert asked.count("export.arxiv.invalid") == 1

    @pytest.mark.parametrize(
        ("name", "value"),
        [("EVLM_HTTP_TIMEOUT", v) for v in ("-1", "0", "nan", "inf", "abc")]
        + [(name, v) for name in ("EVLM_HTTP_BACKOFF", "EVLM_ARXIV_DELAY") for v in ("-1", "nan", "inf", "abc")],
    )
    def test_bad_setting_is_one_line(
        self, cli: Cli, api: FakeApi, repo: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        """A timeout or delay that is not a sane number of seconds: one line naming the variable and the range."""
        accepted = {
            "EVLM_HTTP_TIMEOUT": "a number of seconds above 0 and at most 3600",
        }.get(name, "a number of seconds from 0 to 600")
        monkeypatch.setenv(name, value)
        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        result = cli("add", "1111.2011", "--section", "token-reduction", code=1)
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith(f"error: ${name} must be {accepted}, not {value!r} (unset it for ")
        assert "Traceback" not in result.stderr


class TestLibrary:
    def test_fetch_returns_data(self, api: FakeApi, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """`adding.fetch` (what `add` calls) gives the papers and the failures, in order, and prints nothing."""
        from evlm_cli import adding

        api.answer(QUERY, file="arxiv_id_list_1111.2011v2.xml")
        survey = db.load(db_path)
        fetched = adding.fetch(["1111.2011", "nonsense", "2412.19509"], survey)
        assert [(text, m.arxiv) for text, m in fetched.found] == [("1111.2011", "1111.2011")]
        assert [(text, type(e).__name__) for text, e in fetched.failures] == [
            ("nonsense", "SourceError"),
            ("2412.19509", "SourceError"),
        ]
        assert "already in the survey as 'mbq2024modality'" in fetched.failures[1][1].message
        assert [r.query["id_list"] for r in api.requests] == [["1111.2011"]]
        assert capsys.readouterr() == ("", "")
