"""`evlm update` (issue 11): identity first, proposals as a reviewable diff, --apply / --reject, provenance, against
a loopback server serving recorded and hand-made arXiv, DBLP, Semantic Scholar and Crossref answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db, identity
from evlm_cli.errors import SourceError
from evlm_cli.model import Paper
from evlm_cli.sources import Metadata, _http, arxiv, crossref, dblp, s2  # noqa: TID253 - tests import what they test  # noqa: TID253 - tests import what they test
from fakeapi import DATA, FakeApi

QUERY = "/api/query"
DBLP = "/search/publ/api"
MATCH = "/graph/v1/paper/search/match"
WORKS = "/works"

SURVEY = """schema = 3
[survey]
title = "T"
[[sections]]
id = "pruning"
title = "Pruning"
[[papers]]
key = "fang2024isomorphic"
title = "Isomorphic Pruning for Vision Models"
section = "pruning"
year = 2024
venue = "arXiv"
links = [
  { label = "Paper", url = "https://arxiv.org/abs/2308.13137" },
  { label = "Code", url = "https://github.com/x/y" },
]
arxiv = "2308.13137"
[[papers]]
key = "nothing2024"
title = "Nothing Like This Title"
section = "pruning"
year = 2024
"""


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    """Every source pointed at one fake server, without delays, each test as a fresh process."""
    arxiv._last_request.clear()
    _http._last_request.clear()
    with FakeApi() as server:
        monkeypatch.setenv("EVLM_ARXIV_API", server.url + QUERY)
        for name in ("EVLM_CROSSREF_API", "EVLM_DBLP_API", "EVLM_S2_API"):
            monkeypatch.setenv(name, server.url)
        for name in ("EVLM_ARXIV_DELAY", "EVLM_DBLP_DELAY", "EVLM_S2_DELAY", "EVLM_HTTP_BACKOFF"):
            monkeypatch.setenv(name, "0")
        monkeypatch.setenv("EVLM_HTTP_TIMEOUT", "2")
        yield server


@pytest.fixture
def survey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "papers.toml"
    path.write_text(SURVEY, encoding="utf-8")
    monkeypatch.setenv("EVLM_DB", str(path))
    return path


def answer_isomorphic(api: FakeApi) -> None:
    """The Paper link is OmniQuant's; the title's paper is found by searching."""
    api.answer(QUERY, file="arxiv_id_list_2308.13137.xml")
    api.answer(QUERY, file="arxiv_search_isomorphic_pruning.xml")
    api.answer(DBLP, file="dblp_search_isomorphic_pruning.json")
    api.answer(MATCH, file="s2_match_isomorphic_pruning.json")


class TestIdentity:
    def paper(self, **fields: object) -> Paper:
        return Paper(key="k", title="Isomorphic Pruning for Vision Models", section="s", **fields)  # type: ignore[arg-type]

    def test_another_title_is_another_paper(self) -> None:
        record = Metadata("OmniQuant: Omnidirectionally Calibrated Quantization", arxiv="2308.13137", year=2023)
        verdict = identity.same_paper(self.paper(arxiv="2308.13137"), record)
        assert (verdict.same, verdict.why) == (False, "another title")

    def test_the_title_alone_is_not_enough(self) -> None:
        assert not identity.same_paper(self.paper(), Metadata("Isomorphic Pruning for Vision Models")).same

    def test_same_title_other_authors_is_another_paper(self) -> None:
        record = Metadata("Isomorphic Pruning for Vision Models", authors=("Ann Other",), year=2024)
        assert not identity.same_paper(self.paper(authors=("Gongfan Fang",), year=2024), record).same

    @pytest.mark.parametrize(
        "record",
        [
            Metadata("Isomorphic pruning for vision models.", year=2025),
            Metadata("Isomorphic Pruning for Vision Models", authors=("Xinyin Ma",)),
            Metadata("Isomorphic Pruning for Vision Models", doi="10.1/X"),
        ],
    )
    def test_title_and_one_more_agreement(self, record: Metadata) -> None:
        paper = self.paper(year=2024, authors=("Gongfan Fang", "Xinyin Ma"), doi="10.1/x")
        assert identity.same_paper(paper, record).same

    def test_numbers_tell_papers_apart(self) -> None:
        paper = Paper(key="k", title="Llama 2: Open Foundation Models", section="s", year=2023)
        assert not identity.same_paper(paper, Metadata("Llama 3: Open Foundation Models", year=2023)).same

    def test_a_file_name_title(self) -> None:
        paper = Paper(
            key="k", title="Fang_Isomorphic_Pruning_for_Vision_Models_ECCV_2024_paper", section="s", year=2024
        )
        assert identity.is_mangled(paper.title)
        assert identity.same_paper(paper, Metadata("Isomorphic Pruning for Vision Models", year=2024)).same


class TestParsers:
    def test_recorded_dblp_answer(self) -> None:
        """The real recording: a list of authors, and a single author given as a string."""
        hits = dblp.parse_search((DATA / "dblp_search_test.json").read_bytes())
        assert len(hits) == 4
        assert hits[0].authors[0] == "Tsuyoshi Shinogi" and hits[0].pages == "366--371"
        assert (hits[0].type, hits[0].doi, hits[0].id) == (
            "inproceedings",
            "10.1109/ats.2005.17",
            "conf/ats/ShinogiYHTY05",
        )
        assert hits[3].authors == ("Irith Pomeranz",)

    def test_dblp_versions(self) -> None:
        """The proceedings and CoRR versions: homonym numbers dropped, CoRR is a preprint with its arXiv id."""
        proceedings, corr = dblp.parse_search((DATA / "dblp_search_isomorphic_pruning.json").read_bytes())
        assert proceedings.authors[-1] == "Xinchao Wang" and proceedings.venue == "ECCV (46)"
        assert (corr.type, corr.arxiv) == ("preprint", "2407.04616")
        assert dblp.parse_search((DATA / "dblp_search_empty.json").read_bytes()) == []

    @pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"result": {}}'])
    def test_malformed_dblp(self, body: bytes) -> None:
        with pytest.raises(SourceError, match="DBLP answered"):
            dblp.parse_search(body)

    def test_s2_paper(self) -> None:
        paper = s2.parse_paper(json.loads((DATA / "s2_paper_isomorphic_pruning.json").read_text()))
        assert paper is not None
        assert (paper.arxiv, paper.type, paper.source) == ("2407.04616", "inproceedings", "s2")
        assert paper.authors[0] == "Gongfan Fang"
        assert s2.parse_paper({"title": "no id"}) is None

    def test_crossref_search(self) -> None:
        works = crossref.parse_search((DATA / "crossref_search_other_papers.json").read_bytes())
        assert [w.type for w in works] == ["inproceedings", "article"]
        with pytest.raises(SourceError, match="not a list of works"):
            crossref.parse_search((DATA / "crossref_work_10.17705_1cais.04607.json").read_bytes())


class TestUpdate:
    def test_another_papers_link_is_said_and_the_titles_paper_proposed(
        self, cli: Cli, api: FakeApi, survey: Path
    ) -> None:
        """The Paper link's record is OmniQuant: said; the title's paper, found by search, gives the changes."""
        answer_isomorphic(api)
        before = survey.read_bytes()
        result = cli("update", "fang2024isomorphic")
        out = result.stdout
        assert "the Paper link is 2308.13137 'OmniQuant: Omnidirectionally Calibrated Quantization ...', not" in out
        assert "'Isomorphic Pruning for Vision ...'" in out
        assert "+ Gongfan Fang; Xinyin Ma; Michael Bi Mi; Xinchao Wang" in out
        assert "- arXiv" in out and "+ ECCV" in out and "dblp conf/eccv/FangMMW24" in out
        assert "+ 2407.04616" in out and "- 2308.13137" in out
        assert "https://dblp.org/rec/conf/eccv/FangMMW24" in out
        assert "OmniQuant" not in out.split("not 'Isomorphic")[1], "the other paper is never proposed"
        assert survey.read_bytes() == before, "update writes nothing by default"
        search = api.requests_to(QUERY)[1].query["search_query"]
        assert search == ['ti:"Isomorphic Pruning for Vision Models"']

    def test_json(self, cli: Cli, api: FakeApi, survey: Path) -> None:
        answer_isomorphic(api)
        (proposal,) = json.loads(cli("update", "fang2024isomorphic", "--json").stdout)
        changes = {c["field"]: c for c in proposal["changes"]}
        assert set(changes) == {"authors", "venue", "type", "pages", "doi", "arxiv", "links", "abstract"}
        assert changes["venue"] == {
            "field": "venue",
            "old": "arXiv",
            "new": "ECCV",
            "source": "dblp",
            "id": "conf/eccv/FangMMW24",
            "url": "https://dblp.org/rec/conf/eccv/FangMMW24",
        }
        assert changes["links"]["new"][0] == {"label": "Paper", "url": "https://arxiv.org/abs/2407.04616"}
        assert changes["links"]["new"][1]["label"] == "Code"
        assert proposal["notes"][0].startswith("the Paper link is 2308.13137")

    def test_apply_some_fields_records_provenance_and_a_rerun_is_cached(
        self, cli: Cli, api: FakeApi, survey: Path
    ) -> None:
        answer_isomorphic(api)
        cli("update", "fang2024isomorphic", "--apply", "--field", "authors,doi", "--no-build")
        paper = db.load(survey).paper("fang2024isomorphic")
        assert paper.authors == ("Gongfan Fang", "Xinyin Ma", "Michael Bi Mi", "Xinchao Wang")
        assert paper.doi == "10.1007/978-3-031-73232-4_13" and paper.venue == "arXiv"
        origin = paper.source_of("doi")
        assert origin is not None and (origin.source, origin.id) == ("dblp", "conf/eccv/FangMMW24")
        api.answer(QUERY, file="arxiv_id_list_2308.13137.xml")  # arXiv's id_list is asked again, searches are cached
        out = cli("update", "fang2024isomorphic").stdout
        assert len(api.requests_to(DBLP)) == len(api.requests_to(MATCH)) == 1
        assert len(api.requests_to(QUERY)) == 3  # id_list twice, the title search once
        assert "+ ECCV" in out and "Gongfan Fang;" not in out

    def test_pinned_and_hand_fields_are_held_unless_forced(self, cli: Cli, api: FakeApi, survey: Path) -> None:
        survey.write_text(SURVEY.replace('venue = "arXiv"', 'venue = "arXiv"\npinned = ["venue"]'), encoding="utf-8")
        cli("--db", str(survey), "edit", "fang2024isomorphic", "--set", "authors=G. Fang", "--no-build")
        answer_isomorphic(api)
        out = cli("update", "fang2024isomorphic").stdout
        assert "held: venue: pinned (--force-field venue changes it)" in out
        assert "+ ECCV" not in out and "+ Gongfan Fang" not in out
        answer_isomorphic(api)
        assert "+ ECCV" in cli("update", "fang2024isomorphic", "--force-field", "venue").stdout

    def test_a_rejected_proposal_is_not_offered_again(self, cli: Cli, api: FakeApi, survey: Path) -> None:
        answer_isomorphic(api)
        cli("update", "fang2024isomorphic", "--reject", "fang2024isomorphic:doi", "--no-build")
        paper = db.load(survey).paper("fang2024isomorphic")
        assert paper.rejected == (("doi", "10.1007/978-3-031-73232-4_13"),) and paper.doi is None
        api.answer(QUERY, file="arxiv_id_list_2308.13137.xml")
        out = cli("update", "fang2024isomorphic").stdout
        assert "held: doi: rejected before" in out and "+ 10.1007/978-3-031-73232-4_13" not in out

    def test_a_search_returning_only_other_papers_proposes_nothing(self, cli: Cli, api: FakeApi, survey: Path) -> None:
        api.answer(QUERY, file="arxiv_empty.xml")
        api.answer(DBLP, file="dblp_search_test.json")
        api.answer(MATCH, status=404, file="s2_match_not_found.json")
        api.answer(WORKS, file="crossref_search_other_papers.json")
        result = cli("update", "nothing2024", "--json")
        (proposal,) = json.loads(result.stdout)
        assert proposal["changes"] == [] and proposal["problems"] == []
        assert len(api.requests) == 4

    def test_not_found(self, cli: Cli, api: FakeApi, survey: Path) -> None:
        api.answer(QUERY, file="arxiv_empty.xml")
        api.answer(DBLP, file="dblp_search_empty.json")
        api.answer(MATCH, status=404, file="s2_match_not_found.json")
        api.answer(WORKS, body='{"status":"ok","message-type":"work-list","message":{"items":[]}}')
        result = cli("update", "nothing2024")
        assert "0 change(s) proposed for 0 of 1 paper(s)" in result.stderr

    def test_rate_limited_then_answered(self, cli: Cli, api: FakeApi, survey: Path) -> None:
        """A 429 with Retry-After is waited out and asked again."""
        answer_isomorphic(api)
        api.answers[DBLP].clear()
        api.answer(DBLP, status=429, headers={"Retry-After": "0"}, body="slow down")
        api.answer(DBLP, file="dblp_search_isomorphic_pruning.json")
        assert "+ ECCV" in cli("update", "fang2024isomorphic").stdout
        assert len(api.requests_to(DBLP)) == 2

    def test_malformed_answers_are_one_line_each_and_others_still_count(
        self, cli: Cli, api: FakeApi, survey: Path
    ) -> None:
        api.answer(QUERY, file="arxiv_id_list_2308.13137.xml")
        api.answer(QUERY, file="arxiv_search_isomorphic_pruning.xml")
        api.answer(DBLP, body="<html>busy</html>")
        api.answer(MATCH, body='{"data": "nope"}')
        api.answer(WORKS, body="{")
        result = cli("update", "fang2024isomorphic")
        assert "fang2024isomorphic: DBLP: DBLP answered malformed JSON" in result.stderr
        assert "Semantic Scholar answered JSON that is not a search result" in result.stderr
        assert "Crossref answered malformed JSON" in result.stderr
        assert "Traceback" not in result.stderr
        assert "+ 2407.04616" in result.stdout and "+ ECCV" not in result.stdout

    def test_usage(self, cli: Cli, survey: Path) -> None:
        assert "one of them" in cli("update", code=2).stderr
        assert "unknown field 'colour'" in cli("update", "--all", "--apply", "--field", "colour", code=2).stderr
        assert "add --apply" in cli("update", "--all", "--field", "doi", code=2).stderr
        assert "expected KEY:FIELD" in cli("update", "--all", "--reject", "nothing2024", code=1).stderr

    def test_s2_key_is_sent(self, api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("EVLM_S2_API_KEY", "secret")
        api.answer("/graph/v1/paper/arXiv:2407.04616", file="s2_paper_isomorphic_pruning.json")
        with _http.make_client(timeout=2, backoff=0) as client:
            paper = s2.fetch("arxiv", "2407.04616", client)
        assert paper is not None and paper.venue == "European Conference on Computer Vision"
        (request,) = api.requests
        assert request.headers.get("x-api-key") == "secret"
        assert request.query["fields"] == ["externalIds,venue,publicationTypes,year,authors,title"]


def test_the_cache_can_be_turned_off(cli: Cli, api: FakeApi, survey: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With EVLM_SOURCE_CACHE=0 every run asks again (and the default cache made the rerun free: see above)."""
    monkeypatch.setenv("EVLM_SOURCE_CACHE", "0")
    for _ in range(2):
        answer_isomorphic(api)
        cli("update", "fang2024isomorphic")
    assert len(api.requests_to(DBLP)) == 2
