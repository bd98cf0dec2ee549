"""`evlm edit` keeps the arXiv id and DOI in step with the links, and `check` agrees."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli, published
from evlm_cli import db, edit, ids
from lintutil import findings

SURVEY = published()


class TestIdsFromLinks:
    def test_first_arxiv_id_and_doi(self) -> None:
        """The first arXiv link and the first DOI link give the ids, with the arXiv version."""
        found = ids.ids_from_links(
            [
                "https://github.com/x/y",
                "https://arxiv.org/pdf/2401.00001v3",
                "https://doi.org/10.1145/ABC.1",
                "https://arxiv.org/abs/2402.00002",
            ]
        )
        assert found == ids.LinkIds(ids.ArxivId("2401.00001", 3), "10.1145/abc.1")

    def test_no_ids(self) -> None:
        """Links to neither arXiv nor a DOI give no ids."""
        assert ids.ids_from_links(["https://github.com/x/y"]) == ids.LinkIds()

    @settings(max_examples=50, deadline=None)
    @given(st.from_regex(r"2[0-4](0[1-9]|1[0-2])\.[0-9]{5}", fullmatch=True), st.integers(1, 9))
    def test_round_trip(self, number: str, version: int) -> None:
        """The abs URL of any new-style id gives that id and version back."""
        found = ids.ids_from_links([ids.arxiv_abs_url(ids.ArxivId(number, version))])
        assert found.arxiv == ids.ArxivId(number, version)


class TestEdit:
    def test_new_arxiv_link_replaces_the_id(self) -> None:
        """Setting the Paper link to another arXiv paper replaces `arxiv` and its version."""
        edited = edit.edit(SURVEY, "mbq2024modality", [("paper", "https://arxiv.org/abs/2401.00001v2")])
        found = edited.paper("mbq2024modality")
        assert (found.arxiv, found.arxiv_version) == ("2401.00001", 2)

    def test_removed_arxiv_link_clears_the_id(self) -> None:
        """An arXiv id that came from a link goes when that link is replaced by a non-arXiv one."""
        edited = edit.edit(SURVEY, "mbq2024modality", [("paper", "https://openaccess.thecvf.com/x.html")])
        assert edited.paper("mbq2024modality").arxiv is None

    def test_doi_link(self) -> None:
        """A DOI link sets `doi`; other edits leave the ids alone."""
        edited = edit.edit(SURVEY, "mbq2024modality", [("link.DOI", "https://doi.org/10.1145/3664647.3680838")])
        found = edited.paper("mbq2024modality")
        assert (found.doi, found.arxiv) == ("10.1145/3664647.3680838", "2412.19509")
        assert edit.edit(edited, "mbq2024modality", [("venue", "MM")]).paper("mbq2024modality").doi == found.doi

    def test_cli_edit_then_check_and_bibtex(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """Through the CLI the new arXiv id is stored, reported, and the BibTeX file has only the new id."""
        result = cli("edit", "mbq2024modality", "--set", "paper=https://arxiv.org/abs/2401.00001")
        assert "arxiv 2412.19509 -> 2401.00001" in result.stderr
        assert db.load(db_path).paper("mbq2024modality").arxiv == "2401.00001"
        bib = (repo / "data" / "papers.bib").read_text(encoding="utf-8")
        entry = bib[bib.index("{mbq2024modality,") :].split("\n}\n")[0]
        assert "2401.00001" in entry
        assert "2412.19509" not in entry
        assert findings(cli("check", "--json").stdout, "id-link-mismatch") == []
