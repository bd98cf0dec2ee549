"""The arXiv and Crossref sources: pure parsers over recorded responses, and fetches against a loopback server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx  # noqa: TID253 - tests import what they test
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evlm_cli.errors import SourceError
from evlm_cli.net import RetryPolicy, user_agent
from evlm_cli.sources import arxiv, crossref, parse_identifier  # noqa: TID253 - tests import what they test
from evlm_cli.sources._http import make_client  # noqa: TID253 - tests import what they test
from fakeapi import FakeApi

DATA = Path(__file__).parent / "data"
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1111.2011v2</id>
<title>&lol3;</title></entry></feed>"""


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[httpx.Client]:
    with make_client(timeout=2, backoff=1, sleep=sleeps.append) as made:
        yield made


class TestIdentifiers:
    @pytest.mark.parametrize(
        ("text", "kind", "value"),
        [
            ("2412.19509", "arxiv", "2412.19509"),
            ("2412.19509v2", "arxiv", "2412.19509v2"),
            ("cs/0112017", "arxiv", "cs/0112017"),
            ("https://arxiv.org/abs/2412.19509v1", "arxiv", "2412.19509v1"),
            ("https://arxiv.org/pdf/2412.19509", "arxiv", "2412.19509"),
            ("https://arxiv.org/html/2412.19509v3", "arxiv", "2412.19509v3"),
            ("10.1145/3664647.3680838", "doi", "10.1145/3664647.3680838"),
            ("https://doi.org/10.17705/1CAIS.04607", "doi", "10.17705/1cais.04607"),
        ],
    )
    def test_kinds(self, text: str, kind: str, value: str) -> None:
        """arXiv ids and URLs go to arXiv, DOIs and doi.org URLs to Crossref."""
        parsed = parse_identifier(text)
        assert (parsed.kind, parsed.value) == (kind, value)

    def test_garbage(self) -> None:
        """Anything else is a SourceError naming what was typed."""
        with pytest.raises(SourceError, match="not an arXiv id") as caught:
            parse_identifier("hello")
        assert caught.value.where == "hello"


class TestParseFeed:
    def test_recorded_entry(self) -> None:
        """The recorded feed gives every field evlm keeps."""
        feed = arxiv.parse_feed((DATA / "arxiv_id_list_1111.2011v2.xml").read_bytes())
        (paper,) = feed.papers
        assert (
            paper.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
        )
        assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
        assert (paper.year, paper.arxiv, paper.arxiv_version) == (2011, "1111.2011", 2)
        assert paper.arxiv_category == "cond-mat.str-el"
        assert paper.doi == "10.1103/physrevb.85.115117"
        assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
        assert paper.url == "https://arxiv.org/abs/1111.2011"
        assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as layered superc")
        assert "\n" not in paper.abstract

    def test_error_entry(self) -> None:
        """An error entry is reported with the id it names, not as a paper."""
        feed = arxiv.parse_feed((DATA / "arxiv_error_incorrect_id.xml").read_bytes())
        assert feed.papers == ()
        assert [e.arxiv_id for e in feed.errors] == ["2501.0001"]

    def test_empty(self) -> None:
        """A feed without entries has no papers and no errors, and says it matched nothing in all."""
        assert arxiv.parse_feed((DATA / "arxiv_empty.xml").read_bytes()) == arxiv.Feed((), total=0)

    def test_entity_expansion_refused(self) -> None:
        """A feed with a DTD and entities (billion laughs) is refused, never expanded."""
        with pytest.raises(SourceError, match="forbidden XML"):
            arxiv.parse_feed(BILLION_LAUGHS)

    @pytest.mark.parametrize("text", [b"<feed", b"", b"not xml", b"<html><body>busy</body></html>"])
    def test_malformed(self, text: bytes) -> None:
        """Malformed XML or a non-feed is a SourceError."""
        with pytest.raises(SourceError):
            arxiv.parse_feed(text)

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: f"<feed>{t}</feed>".encode()))
    def test_never_crashes(self, text: bytes) -> None:
        """Whatever arrives, the parser answers a Feed or a SourceError, nothing else."""
        with contextlib.suppress(SourceError):
            arxiv.parse_feed(text)


class TestParseWork:
    def test_recorded_work(self) -> None:
        """The recorded Crossref work gives title, people (not affiliations), year, venue and DOI."""
        work = crossref.parse_work((DATA / "crossref_work_10.17705_1cais.04607.json").read_bytes())
        assert work.title.startswith("A Knowledge Development Perspective on Literature Reviews")
        assert work.authors == ("Guido Schryen", "Gerit Wagner", "Alexander Benlian", "Guy Paré")
        assert work.year == 2021
        assert work.venue == "Communications of the Association for Information Systems"
        assert work.doi == "10.17705/1cais.04607"
        assert work.url == "https://doi.org/10.17705/1cais.04607"

    @pytest.mark.parametrize("text", ["{", "[]", '{"status":"ok","message-type":"work-list","message":{}}', "null"])
    def test_malformed(self, text: str) -> None:
        """Malformed JSON, or JSON that is not one work, is a SourceError."""
        with pytest.raises(SourceError):
            crossref.parse_work(text)


class TestRetries:
    def test_retry_after_honoured(self, api: FakeApi, client: httpx.Client, sleeps: list[float]) -> None:
        """A 429 with Retry-After is retried after exactly that many seconds."""
        api.answer("/x", status=429, headers={"Retry-After": "7"})
        api.answer("/x", body="ok")
        assert client.get(api.url + "/x").text == "ok"
        assert sleeps == [7.0]
        assert len(api.requests) == 2

    def test_5xx_backoff_then_gives_up(self, api: FakeApi, client: httpx.Client, sleeps: list[float]) -> None:
        """5xx answers are retried with exponential backoff, then the last answer is returned."""
        for _ in range(5):
            api.answer("/x", status=503)
        assert client.get(api.url + "/x").status_code == 503
        assert sleeps == [1.0, 2.0, 4.0]
        assert len(api.requests) == 4

    def test_connection_error_retried(self, client: httpx.Client, sleeps: list[float]) -> None:
        """A refused connection is retried, then raised."""
        with FakeApi() as closed:
            url = closed.url
        with pytest.raises(httpx.ConnectError):
            client.get(url + "/x")
        assert sleeps == [1.0, 2.0, 4.0]

    def test_retry_after_too_long(self) -> None:
        """A Retry-After beyond the cap is not waited for; an HTTP date is understood."""
        policy = RetryPolicy(retries=3, backoff=1.0)
        assert policy.after_status(1, 429, "100000") is None
        assert policy.after_status(2, 503, None) == 2.0
        assert policy.after_status(1, 429, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0

    def test_user_agent(self, api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
        """Requests carry a descriptive User-Agent with the maintainer's mailto."""
        monkeypatch.setenv("EVLM_MAILTO", "me@example.org")
        api.answer("/x")
        with make_client() as made:
            made.get(api.url + "/x")
        assert api.requests[0].headers["User-Agent"] == user_agent("me@example.org")
        assert "evlm/" in user_agent()
        assert "mailto:me@example.org" in user_agent("me@example.org")


class TestFetch:
    def test_batch_is_one_request(self, api: FakeApi, client: httpx.Client) -> None:
        """All arXiv ids go in one request (id_list=a,b with max_results covering them)."""
        api.answer("/api/query", file="arxiv_batch_1111.2011v2_cs_0112017.xml")
        found = arxiv.fetch_many(["1111.2011v2", "cs/0112017"], client, base_url=api.url + "/api/query", delay=0)
        assert [r.query for r in api.requests] == [{"id_list": ["1111.2011v2,cs/0112017"], "max_results": ["2"]}]
        assert {k: getattr(v, "arxiv", None) for k, v in found.items()} == {
            "1111.2011v2": "1111.2011",
            "cs/0112017": "cs/0112017",
        }

    def test_error_entry_blames_one_id(self, api: FakeApi, client: httpx.Client, sleeps: list[float]) -> None:
        """When arXiv refuses an id, it is reported and the others are asked for again, spaced by the delay."""
        api.answer("/api/query", file="arxiv_error_incorrect_id.xml")
        api.answer("/api/query", file="arxiv_id_list_1111.2011v2.xml")
        found = arxiv.fetch_many(
            ["2501.0001", "1111.2011"], client, base_url=api.url + "/api/query", delay=3, sleep=sleeps.append
        )
        assert isinstance(found["2501.0001"], SourceError)
        assert "incorrect id format" in found["2501.0001"].message
        assert not isinstance(found["1111.2011"], SourceError)
        assert [r.query["id_list"] for r in api.requests] == [["2501.0001,1111.2011"], ["1111.2011"]]
        assert len(sleeps) == 1
        assert 2.5 < sleeps[0] <= 3

    def test_unknown_id(self, api: FakeApi, client: httpx.Client) -> None:
        """An id absent from the feed is 'no paper with this id'."""
        api.answer("/api/query", file="arxiv_empty.xml")
        found = arxiv.fetch_many(["2501.99999"], client, base_url=api.url + "/api/query", delay=0)
        assert isinstance(found["2501.99999"], SourceError)
        assert "no paper" in found["2501.99999"].message

    def test_crossref(self, api: FakeApi, client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
        """A DOI is fetched from /works/{doi} with the polite-pool mailto."""
        monkeypatch.setenv("EVLM_MAILTO", "me@example.org")
        api.answer("/works/10.17705/1cais.04607", file="crossref_work_10.17705_1cais.04607.json")
        work = crossref.fetch("10.17705/1cais.04607", client, base_url=api.url)
        assert work.doi == "10.17705/1cais.04607"
        assert api.requests[0].query == {"mailto": ["me@example.org"]}

    def test_crossref_404(self, api: FakeApi, client: httpx.Client) -> None:
        """Crossref's 404 is a SourceError naming the DOI."""
        with pytest.raises(SourceError, match="no work") as caught:
            crossref.fetch("10.1234/missing", client, base_url=api.url)
        assert caught.value.where == "10.1234/missing"
