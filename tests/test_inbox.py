"""`evlm inbox`: fetching arXiv listings from a loopback server, ranking, and accept/reject/clear through the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db, inbox
from evlm_cli.model import InboxQuery
from evlm_cli.sources import _http, arxiv  # noqa: TID253 - tests import what they test
from fakeapi import FakeApi

QUERY = "/api/query"
LISTING = "arxiv_search_efficient_vlm.xml"
PHYSICS = "arxiv_search_au_del_maestro.xml"


@pytest.fixture
def arxiv_api(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    monkeypatch.setenv("EVLM_ARXIV_API", api.url + QUERY)
    monkeypatch.setenv("EVLM_ARXIV_DELAY", "0")
    monkeypatch.setenv("EVLM_HTTP_BACKOFF", "0")
    return api


def _inbox(db_path: Path) -> inbox.Inbox:
    return inbox.load(db_path.parent / "inbox.toml")


class TestQuery:
    def test_survey_inbox_round_trips(self, db_path: Path) -> None:
        """[survey.inbox] is read, written back in the same form, and used as the query."""
        survey = db.load(db_path)
        query = InboxQuery(categories=("cs.CV",), keywords=("token pruning",), authors=("Song Han",))
        changed = dataclasses.replace(survey, info=dataclasses.replace(survey.info, inbox=query))
        text = db.dumps(changed)
        assert '[survey.inbox]\ncategories = [\n    "cs.CV",\n]' in text
        assert db.loads(text).info.inbox == query
        assert inbox.search_query(query) == '(cat:cs.CV AND all:"token pruning") OR au:"Song Han"'

    def test_unknown_field_is_an_error(self, cli: Cli, db_path: Path) -> None:
        """A misspelt field in [survey.inbox] is a one-line error naming the table."""
        text = db_path.read_text(encoding="utf-8").replace(
            "\n[[sections]]", '\n[survey.inbox]\nkeyword = ["x"]\n\n[[sections]]', 1
        )
        db_path.write_text(text, encoding="utf-8")
        result = cli("inbox", "fetch", code=1)  # the database is read before arXiv is asked
        assert "[survey.inbox]" in result.stderr
        assert "keywords" in result.stderr

    def test_default_from_the_taxonomy(self, db_path: Path) -> None:
        """Without [survey.inbox], the keywords are the leaf sections' titles; generic ones are left out."""
        query = inbox.effective_query(db.load(db_path))
        assert query.categories == inbox.DEFAULT_CATEGORIES
        assert "Structured Pruning" in query.keywords
        assert "Token Reduction" in query.keywords
        assert not any("Other" in k for k in query.keywords)


class TestFetch:
    def test_fetch_ranks_and_keeps_what_fits(self, cli: Cli, arxiv_api: FakeApi, db_path: Path) -> None:
        """One request (the total is reached), sorted by submission date; the inbox lists fitting papers best first."""
        arxiv_api.answer(QUERY, file=LISTING)
        cli("inbox", "fetch", "--since", "2020-01-01")
        (request,) = arxiv_api.requests_to(QUERY)
        assert request.query["sortBy"] == ["submittedDate"]
        assert request.query["start"] == ["0"]
        assert "cat:cs.CV" in request.query["search_query"][0]
        assert "submittedDate:[202001010000 TO" in request.query["search_query"][0]
        listed = json.loads(cli("inbox", "--json").stdout)
        scores = [c["score"] for c in listed]
        assert scores == sorted(scores, reverse=True)
        assert min(scores) >= inbox.MIN_SCORE
        titles = [c["title"] for c in listed]
        assert "Segment Anything" not in titles
        assert listed[0]["arxiv"] == "2209.07511"
        assert listed[0]["section"] == "test-time-prompt-tuning"
        text = (db_path.parent / "inbox.toml").read_text(encoding="utf-8")
        ids = [c.arxiv for c in _inbox(db_path).candidates]
        assert ids == sorted(ids)
        assert text.startswith("# New arXiv papers")
        only = json.loads(cli("inbox", "--json", "--section", "prompt-tuning").stdout)
        assert {c["section"] for c in only} == {"prompt-tuning"}
        assert json.loads(cli("inbox", "--json", "--min-score", "0.5").stdout)[-1]["score"] >= 0.5

    def test_refetch_is_a_no_op(self, cli: Cli, arxiv_api: FakeApi, db_path: Path) -> None:
        """Fetching the same listing again adds nothing and leaves the file's bytes alone."""
        arxiv_api.answer(QUERY, file=LISTING)
        arxiv_api.answer(QUERY, file=LISTING)
        cli("inbox", "fetch", "--since", "2020-01-01")
        before = (db_path.parent / "inbox.toml").read_bytes()
        result = cli("inbox", "fetch", "--since", "2020-01-01")
        assert "0 new in the inbox" in result.stderr
        assert (db_path.parent / "inbox.toml").read_bytes() == before

    def test_papers_in_the_survey_are_dropped(self, db_path: Path) -> None:
        """A paper the survey already has (same arXiv id) never enters the inbox."""
        survey = db.load(db_path)
        known = arxiv.parse_feed((Path(__file__).parent / "data" / LISTING).read_bytes()).papers[0]
        there = dataclasses.replace(known, arxiv="2412.19509")
        merged, counts = inbox.merge(survey, inbox.Inbox(), [there, known], today=dt.date(2025, 1, 31))
        assert counts.known == 1
        assert [c.arxiv for c in merged.candidates] == [known.arxiv]

    def test_paging(self, arxiv_api: FakeApi) -> None:
        """Pages follow start/max_results until the limit; each request asks only for what is still wanted."""
        arxiv_api.answer(QUERY, file=PHYSICS)  # 10 of 31
        arxiv_api.answer(QUERY, file=LISTING)
        with _http.make_client(backoff=0) as client:
            found = arxiv.search("au:del_maestro", client, limit=15, page_size=10, delay=0)
        assert len(found) == 15
        sent = [(r.query["start"], r.query["max_results"]) for r in arxiv_api.requests_to(QUERY)]
        assert sent == [(["0"], ["10"]), (["10"], ["5"])]

    def test_stops_at_since(self, arxiv_api: FakeApi) -> None:
        """Newest first: the first paper submitted before --since ends the listing, no further page is asked."""
        arxiv_api.answer(QUERY, file=PHYSICS)
        with _http.make_client(backoff=0) as client:
            found = arxiv.search("au:del_maestro", client, since=dt.date(2011, 1, 1), page_size=10, delay=0)
        assert [p.arxiv for p in found] == ["1201.4869"]
        assert len(arxiv_api.requests_to(QUERY)) == 1

    def test_empty_result(self, cli: Cli, arxiv_api: FakeApi, db_path: Path) -> None:
        """No paper: nothing added, one request, an empty inbox written."""
        arxiv_api.answer(QUERY, file="arxiv_empty.xml")
        result = cli("inbox", "fetch")
        assert "arXiv answered 0 paper(s)" in result.stderr
        assert len(arxiv_api.requests_to(QUERY)) == 1
        assert _inbox(db_path).candidates == ()
        assert _inbox(db_path).fetched == dt.date.today()

    def test_rate_limit_is_retried(self, cli: Cli, arxiv_api: FakeApi, db_path: Path) -> None:
        """A 429 with Retry-After is asked again, then the listing is taken."""
        arxiv_api.answer(QUERY, status=429, headers={"Retry-After": "0"})
        arxiv_api.answer(QUERY, file=LISTING)
        cli("inbox", "fetch", "--since", "2020-01-01")
        assert len(arxiv_api.requests_to(QUERY)) == 2
        assert len(_inbox(db_path).candidates) > 10

    def test_malformed_feed(self, cli: Cli, arxiv_api: FakeApi, db_path: Path) -> None:
        """A broken answer is one line on stderr, exit 1, and no inbox file."""
        arxiv_api.answer(QUERY, body="<feed xmlns='http://www.w3.org/2005/Atom'><entry>")
        result = cli("inbox", "fetch", code=1)
        assert "malformed XML" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not (db_path.parent / "inbox.toml").exists()


class TestReview:
    @pytest.fixture
    def filled(self, cli: Cli, arxiv_api: FakeApi, db_path: Path) -> Path:
        arxiv_api.answer(QUERY, file=LISTING)
        cli("inbox", "fetch", "--since", "2020-01-01")
        return db_path

    def test_accept(self, cli: Cli, filled: Path, repo: Path) -> None:
        """Accept adds the paper in its suggested section, rebuilds README and BibTeX, and empties its inbox slot."""
        result = cli("inbox", "accept", "https://arxiv.org/abs/2403.15388v5")
        key = result.stdout.strip()
        paper = db.load(filled).paper(key)
        assert paper.arxiv == "2403.15388"
        assert paper.section == "token-reduction"
        assert "LLaVA-PruMerge" in (repo / "README.md").read_text(encoding="utf-8")
        assert key in (filled.parent / "papers.bib").read_text(encoding="utf-8")
        cli("build", "--check")
        assert "2403.15388" not in {c.arxiv for c in _inbox(filled).candidates}

    def test_accept_writes_the_survey_and_the_inbox_together(
        self, cli: Cli, filled: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One write: a failure before the commit point changes neither file; a crash after it is finished by the
        next command, paper added and inbox slot emptied, never one without the other."""
        from evlm_cli import journal

        inbox_file = filled.parent / "inbox.toml"
        before = (filled.read_bytes(), inbox_file.read_bytes())

        real = Path.replace

        def commit_fails(self: Path, target: Path) -> Path:
            if str(target).endswith(".journal"):
                raise OSError(errno.EIO, "Input/output error")
            return real(self, target)

        with monkeypatch.context() as patched:
            patched.setattr(Path, "replace", commit_fails)
            cli("inbox", "accept", "2403.15388", code=1)
        assert (filled.read_bytes(), inbox_file.read_bytes()) == before

        with monkeypatch.context() as patched:
            patched.setattr(journal, "_finish", lambda *args: None)  # dies right after the commit point
            key = cli("inbox", "accept", "2403.15388").stdout.strip()
        assert (filled.read_bytes(), inbox_file.read_bytes()) == before
        cli("list", "--json")  # the next command finishes the write
        assert db.load(filled).paper(key).arxiv == "2403.15388"
        assert "2403.15388" not in {c.arxiv for c in _inbox(filled).candidates}

    def test_accept_into_another_section(self, cli: Cli, filled: Path) -> None:
        key = cli("inbox", "accept", "2305.14314", "--section", "memory-efficient").stdout.strip()
        assert db.load(filled).paper(key).section == "memory-efficient"

    def test_accept_unknown(self, cli: Cli, filled: Path) -> None:
        """An id not in the inbox, or a section that does not exist, changes nothing."""
        before = filled.read_bytes()
        assert "no paper 2501.00001 in the inbox" in cli("inbox", "accept", "2501.00001", code=1).stderr
        assert "no section" in cli("inbox", "accept", "2305.14314", "--section", "nope", code=1).stderr
        assert filled.read_bytes() == before
        assert "2305.14314" in {c.arxiv for c in _inbox(filled).candidates}

    def test_reject_is_remembered(self, cli: Cli, arxiv_api: FakeApi, filled: Path) -> None:
        """A rejected paper leaves the inbox and does not come back with the next fetch."""
        cli("inbox", "reject", "2106.09685")
        assert [r.arxiv for r in _inbox(filled).rejected] == ["2106.09685"]
        arxiv_api.answer(QUERY, file=LISTING)
        cli("inbox", "fetch", "--since", "2020-01-01")
        assert "2106.09685" not in {c.arxiv for c in _inbox(filled).candidates}

    def test_clear_older_than(self, cli: Cli, filled: Path) -> None:
        """clear drops only the candidates fetched longer ago than the age given."""
        path = filled.parent / "inbox.toml"
        current = inbox.load(path)
        old = dataclasses.replace(current.candidates[0], fetched=dt.date.today() - dt.timedelta(days=40))
        path.write_text(inbox.dumps(dataclasses.replace(current, candidates=(old, *current.candidates[1:]))))
        cli("inbox", "clear", "--older-than", "30d")
        left = {c.arxiv for c in inbox.load(path).candidates}
        assert old.arxiv not in left
        assert len(left) == len(current.candidates) - 1
        cli("inbox", "clear", "--older-than", "soon", code=2)
