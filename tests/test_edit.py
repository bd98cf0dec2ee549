"""Changing the survey: the pure edit, dedupe and suggest functions, and `evlm remove/move/edit` through the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli, published
from evlm_cli import build, db, dedupe, edit
from evlm_cli.cli import _write
from evlm_cli.errors import EvlmError, NotFoundError
from evlm_cli.model import Link, Paper, Survey
from evlm_cli.render.readme import paper_line
from evlm_cli.suggest import suggest_section

SURVEY = published()
PTQ = "post-training-quantization"


def paper(title: str, **fields: object) -> Paper:
    fields.setdefault("section", "token-reduction")
    return Paper(key="", title=title, **fields)  # type: ignore[arg-type]


class TestDedupe:
    def test_same_arxiv_id_from_link(self) -> None:
        """A paper whose arXiv link has the id of a new paper is its duplicate, whatever the version."""
        found = dedupe.find_duplicate(SURVEY, paper("Something else entirely", arxiv="2412.19509", arxiv_version=3))
        assert found is not None
        assert found.key == "mbq2024modality"

    def test_same_doi(self) -> None:
        """The same DOI, in any case, is a duplicate."""
        survey = edit.add_papers(SURVEY, [paper("A", doi="10.1145/3664647")]).survey
        assert dedupe.find_duplicate(survey, paper("B", doi="10.1145/3664647")) is not None

    @pytest.mark.parametrize(
        ("title", "duplicate"),
        [
            ("MBQ: Modality-Balanced Quantization for Large Vision-Language Models", True),
            ("mbq modality balanced quantization for large vision language model", True),
            ("Modality-Balanced Quantization for Small Vision-Language Models", False),
        ],
    )
    def test_title(self, title: str, duplicate: bool) -> None:
        """Near-identical normalised titles are duplicates; a different paper is not."""
        assert (dedupe.find_duplicate(SURVEY, paper(title)) is not None) is duplicate

    def test_not_its_own_duplicate(self) -> None:
        """A paper of the survey is not a duplicate of itself (for `check`)."""
        assert dedupe.find_duplicate(SURVEY, SURVEY.paper("mbq2024modality")) is None


class TestSuggest:
    def test_quantization(self) -> None:
        """A quantization title fits the quantization sections best."""
        ranked = suggest_section(SURVEY, "Post-training quantization of vision transformers with low bits")
        assert ranked[0][0] == PTQ
        assert len(ranked) == len(SURVEY.sections)

    def test_pruning(self) -> None:
        """A pruning title fits a pruning section best."""
        assert suggest_section(SURVEY, "Structured pruning of vision language models")[0][0] in {
            "pruning",
            "structured",
            "unstructured",
        }

    def test_exclude(self) -> None:
        """A paper can be judged without its own words (for `check`)."""
        text = SURVEY.paper("smarttrim2024adaptive").title
        assert suggest_section(SURVEY, text) != suggest_section(SURVEY, text, exclude="smarttrim2024adaptive")


class TestEditFunctions:
    def test_add_keys_and_order(self) -> None:
        """New papers get rule keys (with suffixes on collision) and go to the end of their section."""
        drafts = [paper("Tiny Tricks", authors=("Jane Doe",), year=2025, section=PTQ) for _ in range(2)]
        result = edit.add_papers(SURVEY, drafts, force=True)
        assert [p.key for p in result.added] == ["doe2025tiny", "doe2025tinya"]
        assert [p.key for p in result.survey.papers_in(PTQ)][-2:] == ["doe2025tiny", "doe2025tinya"]
        order = [p["key"] for p in db.to_dict(result.survey)["papers"]]
        assert order.index("doe2025tinya") == order.index(SURVEY.papers_in(PTQ)[-1].key) + 2

    def test_draft_venue(self) -> None:
        """The venue defaults to arXiv only for arXiv papers; --venue and the source's venue win."""
        from evlm_cli.sources import Metadata

        assert edit.draft(Metadata("T", arxiv="2501.00001"), section=PTQ).venue == "arXiv"
        assert edit.draft(Metadata("T", doi="10.1/x"), section=PTQ).venue == ""
        assert edit.draft(Metadata("T", venue="TPAMI"), section=PTQ).venue == "TPAMI"
        assert edit.draft(Metadata("T", venue="TPAMI"), section=PTQ, venue="CVPR").venue == "CVPR"

    def test_add_refuses_within_batch(self) -> None:
        """Two drafts of the same paper in one batch: the second is refused."""
        result = edit.add_papers(SURVEY, [paper("Tiny Tricks"), paper("Tiny tricks!")])
        assert len(result.added) == 1
        assert result.refused[0].existing.key == result.added[0].key

    def test_remove_unknown(self) -> None:
        """Removing an unknown key changes nothing and names the closest keys."""
        with pytest.raises(NotFoundError, match="did you mean"):
            edit.remove(SURVEY, ["mbq2024modality", "mbq2024modalty"])

    def test_move_before_after(self) -> None:
        """--before and --after place a paper next to a paper of the target section."""
        keys = [p.key for p in SURVEY.papers_in(PTQ)]
        moved = edit.move(SURVEY, keys[-1], PTQ, before=keys[0])
        assert [p.key for p in moved.papers_in(PTQ)] == [keys[-1], *keys[:-1]]
        moved = edit.move(SURVEY, keys[0], PTQ, after=keys[1])
        assert [p.key for p in moved.papers_in(PTQ)][:3] == [keys[1], keys[0], keys[2]]

    def test_move_anchor_elsewhere(self) -> None:
        """An anchor in another section is refused."""
        with pytest.raises(EvlmError, match="not 'structured'"):
            edit.move(SURVEY, "mbq2024modality", "structured", before="vlm2024post")

    @settings(max_examples=50, deadline=None)
    @given(st.data())
    def test_move_keeps_every_paper(self, data: st.DataObject) -> None:
        """Any move keeps the same set of papers and files the moved one where asked."""
        key = data.draw(st.sampled_from([p.key for p in SURVEY.papers]))
        section = data.draw(st.sampled_from([s.id for s in SURVEY.sections]))
        anchors = [p.key for p in SURVEY.papers_in(section) if p.key != key]
        anchor = data.draw(st.none() | st.sampled_from(anchors)) if anchors else None
        moved = edit.move(SURVEY, key, section, after=anchor)
        assert sorted(p.key for p in moved.papers) == sorted(p.key for p in SURVEY.papers)
        assert moved.paper(key).section == section
        db.loads(db.dumps(moved))

    def test_edit_fields(self) -> None:
        """Fields are set, links replaced or added by label, and the key stays."""
        changes = [
            ("title", " MBQ:  Modality-Balanced Quantization "),
            ("authors", "Shiyao Li; Yingchun Hu"),
            ("year", "2025"),
            ("venue", "CVPR"),
            ("code", "https://github.com/new/mbq"),
            ("link.Project", "https://example.org/mbq"),
            ("tags", "quantization, mllm"),
            ("note", "accepted"),
        ]
        edited = edit.edit(SURVEY, "mbq2024modality", changes).paper("mbq2024modality")
        assert edited.title == "MBQ: Modality-Balanced Quantization"
        assert (edited.authors, edited.year, edited.venue) == (("Shiyao Li", "Yingchun Hu"), 2025, "CVPR")
        assert edited.links[1:] == (
            Link("Code", "https://github.com/new/mbq"),
            Link("Project", "https://example.org/mbq"),
        )
        assert (edited.tags, edited.note) == (("quantization", "mllm"), "accepted")

    def test_edit_bibliographic_fields(self) -> None:
        """The record's fields: checked ones written the standard way, a stale LaTeX form of a changed text dropped."""
        start = dataclasses.replace(
            SURVEY.paper("mbq2024modality"), title_tex="MBQ {old}", container_tex="Proc. {I}", container="Proc. I"
        )
        survey = dataclasses.replace(SURVEY, papers=tuple(start if p.key == start.key else p for p in SURVEY.papers))
        changes = [
            ("type", "Conference"),
            ("editors", "Ada Lovelace; van der Berg, Jan"),
            ("container", " Proceedings of  CVPR "),
            ("month", "Sept."),
            ("pages", "12 - 34"),
            ("isbn", "978-0-201-13447-6"),
            ("issn", "00010782"),
            ("url", "https://example.org/mbq"),
            ("title", "MBQ"),
            *[(name, f"{name} text") for name in ("volume", "publisher", "address", "howpublished", "bib_note")],
        ]
        edited = edit.edit(survey, "mbq2024modality", changes).paper("mbq2024modality")
        assert (edited.type, edited.editors) == ("inproceedings", ("Ada Lovelace", "van der Berg, Jan"))
        assert (edited.container, edited.container_tex, edited.title_tex) == ("Proceedings of CVPR", "", "")
        assert (edited.month, edited.pages, edited.isbn, edited.issn) == (9, "12--34", "978-0-201-13447-6", "0001-0782")
        assert (edited.url, edited.volume, edited.bib_note) == (
            "https://example.org/mbq",
            "volume text",
            "bib_note text",
        )
        for value, month in (("7", 7), ("jul", 7), ("July", 7), ("DEC", 12), ("", None)):
            assert edit.edit(survey, "mbq2024modality", [("month", value)]).paper("mbq2024modality").month == month
        for value, pages in (("e123", "e123"), ("12--34", "12--34"), ("xii–xiv", "xii--xiv"), ("5, 7-9", "5, 7--9")):
            assert edit.edit(survey, "mbq2024modality", [("pages", value)]).paper("mbq2024modality").pages == pages
        cleared = edit.edit(survey, "mbq2024modality", [("type", ""), ("isbn", "")]).paper("mbq2024modality")
        assert (cleared.type, cleared.isbn) == ("", "")

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (("type", "artcle"), "unknown entry type 'artcle'.*did you mean 'article'"),
            (("month", "13"), r"month must be 1\.\.12 or a month's name"),
            (("month", "Juli"), "month must be"),
            (("pages", "twelve to 34"), "pages must look like 12--34"),
            (("pages", "12--"), "pages must look like"),
            (("isbn", "978-0-201-13447-7"), "wrong check digit"),
            (("isbn", "12345"), "10 or 13 digits"),
            (("issn", "0001-0783"), "wrong check digit"),
            (("url", "example.org"), "malformed URL"),
            (("edition", "x"), ""),  # free text: accepted
        ],
    )
    def test_edit_bibliographic_validation(self, change: tuple[str, str], message: str) -> None:
        if not message:
            edit.edit(SURVEY, "mbq2024modality", [change])
            return
        with pytest.raises(EvlmError, match=message) as error:
            edit.edit(SURVEY, "mbq2024modality", [change])
        assert "\n" not in str(error.value.message)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (("year", "soon"), "year must be a number"),
            (("year", "1200"), "impossible"),
            (("code", "github.com/x"), "malformed URL"),
            (("title", ""), "title cannot be empty"),
            (("tittle", "x"), "did you mean 'title'"),
            (("key", "x"), "cannot edit field 'key'"),
        ],
    )
    def test_edit_validation(self, change: tuple[str, str], message: str) -> None:
        """Bad values are refused with a clear message."""
        with pytest.raises(EvlmError, match=message):
            edit.edit(SURVEY, "mbq2024modality", [change])

    def test_parse_assignment(self) -> None:
        """FIELD=VALUE splits at the first '='; a missing '=' is an error."""
        assert edit.parse_assignment("code=https://x.org/?a=b") == ("code", "https://x.org/?a=b")
        with pytest.raises(EvlmError, match="FIELD=VALUE"):
            edit.parse_assignment("venue")


def readme(repo: Path) -> str:
    return (repo / "README.md").read_text(encoding="utf-8")


def assert_in_step(cli: Cli, db_path: Path) -> None:
    """README.md (and the BibTeX file, once `build` generates one) match the database."""
    cli("build", "--check")
    survey = db.load(db_path)
    for output in build.outputs(survey, db_path):
        assert output.path.read_text(encoding="utf-8") == output.content
        if output.path.suffix == ".bib":
            text = output.content
            assert all(p.key in text for p in survey.papers)


class TestCli:
    def test_move_before_and_after_is_a_usage_error(self, cli: Cli, db_path: Path) -> None:
        """`move --before A --after B` is a usage error (exit 2) and changes nothing."""
        before = db_path.read_bytes()
        keys = [p.key for p in SURVEY.papers_in(PTQ)]
        args = ("move", keys[0], "--section", PTQ, "--before", keys[1], "--after", keys[2])
        result = cli(*args, code=2)
        assert "Usage: evlm move" in result.stderr
        assert "not both" in result.stderr
        assert db_path.read_bytes() == before

    def test_remove(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """`remove --yes` drops the papers from the database, README.md and the BibTeX file."""
        line = paper_line(SURVEY.paper("mbq2024modality"))
        assert line in readme(repo)
        cli("remove", "mbq2024modality", "vlm2024post", "--yes")
        survey = db.load(db_path)
        assert not survey.has_paper("mbq2024modality")
        assert not survey.has_paper("vlm2024post")
        assert line not in readme(repo)
        assert_in_step(cli, db_path)

    def test_remove_needs_yes_without_terminal(self, cli: Cli, db_path: Path) -> None:
        """Without a terminal, removing asks for --yes and changes nothing."""
        before = db_path.read_bytes()
        assert "pass --yes" in cli("remove", "mbq2024modality", code=1).stderr
        assert db_path.read_bytes() == before

    def test_remove_confirm(self, cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """On a terminal, removing asks; 'n' keeps the paper, 'y' removes it."""
        monkeypatch.setattr(_write, "is_terminal", lambda: True)
        cli("remove", "mbq2024modality", input="n\n", code=1)
        assert db.load(db_path).has_paper("mbq2024modality")
        cli("remove", "mbq2024modality", input="y\n")
        assert not db.load(db_path).has_paper("mbq2024modality")

    def test_remove_unknown(self, cli: Cli, db_path: Path) -> None:
        """An unknown key is one clear error, nothing removed."""
        before = db_path.read_bytes()
        assert "no paper 'nope'" in cli("remove", "mbq2024modality", "nope", "--yes", code=1).stderr
        assert db_path.read_bytes() == before

    def test_move(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """`move` refiles a paper (here before another) and README.md follows."""
        cli("move", "mbq2024modality", "--section", "structured", "--before", "osscar2024one")
        survey = db.load(db_path)
        structured = [p.key for p in survey.papers_in("structured")]
        assert structured.index("mbq2024modality") + 1 == structured.index("osscar2024one")
        text = readme(repo)
        line = paper_line(survey.paper("mbq2024modality"))
        assert text.index("Structured") < text.index(line) < text.index(paper_line(survey.paper("osscar2024one")))
        assert_in_step(cli, db_path)

    def test_edit(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """`edit --set` changes fields, keeps the key, and README.md follows."""
        cli("edit", "mbq2024modality", "--set", "venue=CVPR", "--set", "year=2025", "--set", "authors=Shiyao Li")
        edited = db.load(db_path).paper("mbq2024modality")
        assert (edited.venue, edited.year, edited.authors) == ("CVPR", 2025, ("Shiyao Li",))
        assert "<ins>CVPR, 2025</ins>" in readme(repo)
        assert_in_step(cli, db_path)

    def test_edit_a_record_field(self, cli: Cli, db_path: Path) -> None:
        """The record's fields through the CLI: set, exported; a bad value is one line naming the field's form."""
        cli("edit", "mbq2024modality", "--set", "type=article", "--set", "container=J. Vis.", "--set", "pages=3-9")
        exported = cli("export", "bibtex", "--key", "mbq2024modality").stdout
        assert exported.startswith("@article{mbq2024modality,") and "pages = {3--9}" in exported
        assert "journal = {J. Vis.}" in exported
        result = cli("edit", "mbq2024modality", "--set", "type=jornal", code=1)
        assert result.stderr.count("\n") == 1 and "unknown entry type 'jornal'" in result.stderr
        assert "month must be 1..12" in cli("edit", "mbq2024modality", "--set", "month=0", code=1).stderr

    def test_edit_invalid_changes_nothing(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """An invalid edit is one line on stderr, exit 1, and neither file changes."""
        before = (db_path.read_bytes(), readme(repo))
        result = cli("edit", "mbq2024modality", "--set", "venue=CVPR", "--set", "year=soon", code=1)
        assert result.stderr.count("\n") == 1
        assert "year must be a number" in result.stderr
        assert (db_path.read_bytes(), readme(repo)) == before
        # A malformed URL is wrong whatever the paper: a usage error (exit 2), tests/test_url_arguments.py.
        cli("edit", "mbq2024modality", "--set", "venue=CVPR", "--set", "code=not a url", code=2)
        assert (db_path.read_bytes(), readme(repo)) == before

    def test_add_move_edit_remove_session(self, cli: Cli, db_path: Path) -> None:
        """A maintainer's session: add, move, edit, remove; every step leaves the generated files in step."""
        cli("add", "--title", "Tiny Tricks", "--author", "Jane Doe", "--year", "2025", "--section", PTQ)
        assert_in_step(cli, db_path)
        cli("move", "doe2025tiny", "--section", "structured")
        assert_in_step(cli, db_path)
        cli("edit", "doe2025tiny", "--set", "link.Project=https://example.org/tiny")
        assert_in_step(cli, db_path)
        cli("remove", "doe2025tiny", "--yes")
        assert_in_step(cli, db_path)
        assert db.dumps(db.load(db_path)) == db.dumps(SURVEY)

    def test_bundled_is_read_only(self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Outside a clone, the bundled survey refuses writes."""
        monkeypatch.chdir(tmp_path)
        assert "read-only" in cli("remove", "mbq2024modality", "--yes", code=1).stderr


def test_survey_unchanged_by_failed_edit() -> None:
    """The pure functions never mutate their input."""
    before = db.dumps(SURVEY)
    with pytest.raises(EvlmError):
        edit.edit(SURVEY, "mbq2024modality", [("venue", "X"), ("year", "x")])
    assert db.dumps(SURVEY) == before
    assert isinstance(dataclasses.replace(SURVEY), Survey)
