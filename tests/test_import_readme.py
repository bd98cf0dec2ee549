"""`evlm import readme`: the published list becomes the database, line for line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHIPPED_DB, Cli
from evlm_cli import db
from evlm_cli.importers.readme import ReadmeImport, parse_readme
from evlm_cli.markdown import LINK
from evlm_cli.model import Link, Paper
from evlm_cli.render.readme import paper_line

TODAY = dt.date(2026, 11, 25)

EXPECTED_COUNTS = {
    "post-training-quantization": 8,
    "quantization-aware-training": 5,
    "low-rank-approximation": 2,
    "structured": 4,
    "unstructured": 3,
    "knowledge-distillation": 5,
    "other-methods": 4,
    "memory-efficient": 4,
    "test-time-augmentation": 2,
}
EMPTY_SECTIONS = {
    "pre-deployment-techniques",
    "quantization",
    "pruning",
    "efficient-finetuning",
    "parameter-efficient",
    "low-rank-adapters",
    "prompt-tuning",
    "adapter-based-methods",
    "prefix-tuning",
    "runtime-optimization",
    "token-reduction",
    "test-time-adaption",
    "test-time-prompt-tuning",
    "privacy-preserving-distributed-vlm",
}


def _published_paper_lines(seed: str) -> list[str]:
    """Bullet lines after the table of contents: the published papers, in order."""
    body = seed.split("## \uf8ff\u00fc\u00a7\u00f1 Pre-deployment Techniques", 1)[1]
    return [line.rstrip() for line in body.splitlines() if line.startswith("- ")]


class TestSeedImport:
    def test_all_papers_in_their_sections(self, seed_text: str) -> None:
        """All 37 papers land in the section they are published under, and no line is reported."""
        result = parse_readme(seed_text, today=TODAY)
        assert result.problems == []
        counts: dict[str, int] = {}
        for paper in result.survey.papers:
            counts[paper.section] = counts.get(paper.section, 0) + 1
        assert counts == EXPECTED_COUNTS
        assert len(result.survey.papers) == 37

    def test_every_section_kept_with_nesting(self, seed_text: str) -> None:
        """The heading tree, empty sections included, becomes the taxonomy at the published levels."""
        survey = parse_readme(seed_text, today=TODAY).survey
        ids = [s.id for s in survey.sections]
        assert set(ids) == set(EXPECTED_COUNTS) | EMPTY_SECTIONS
        assert survey.section("post-training-quantization").parent == "quantization"
        assert survey.section("quantization").parent == "pre-deployment-techniques"
        assert survey.section("privacy-preserving-distributed-vlm").parent is None
        assert survey.info.heading_levels == (2, 3, 6)

    def test_every_link_in_order(self, seed_text: str) -> None:
        """Each paper keeps every labelled link of its line, in order, query strings included."""
        survey = parse_readme(seed_text, today=TODAY).survey
        published = _published_paper_lines(seed_text)
        assert len(published) == len(survey.papers)
        for line, paper in zip(published, survey.papers, strict=True):
            expected = [(m.group("label"), m.group("url")) for m in LINK.finditer(line)]
            assert [(link.label, link.url) for link in paper.links] == expected

    def test_header_and_abstract(self, seed_text: str) -> None:
        """The header, with its emoji repaired, and the abstract are imported."""
        info = parse_readme(seed_text, today=TODAY).survey.info
        assert info.title == "Efficient-Vision-Language-Models"
        assert info.subtitle == "Efficient Vision Language Models: A Survey"
        assert info.year == 2025
        assert info.authors == ("Gaurav Shinde", "Anuradha Ravi", "Emon Dey", "Milind Rampure", "Nirmalya Roy")
        assert info.affiliation == "University of Maryland, Baltimore County (UMBC)"
        assert info.intro_emoji == "🤝"
        assert info.abstract_emoji == "📌"
        assert info.abstract.startswith("Vision-language models (VLMs) integrate")
        assert info.abstract.endswith("foster deeper research in this area.")
        assert info.footer.startswith("<!-- [^1]:")

    def test_emoji_repaired_on_sections(self, seed_text: str) -> None:
        """`ü§ñ` in the published file is 🤖 in the database."""
        survey = parse_readme(seed_text, today=TODAY).survey
        assert survey.section("pre-deployment-techniques").emoji == "🤖"
        assert survey.section("runtime-optimization").emoji == "🧑\u200d💻"

    def test_ids_derived_from_links(self, seed_text: str) -> None:
        """arXiv ids (with versions) and DOIs are derived from the links."""
        survey = parse_readme(seed_text, today=TODAY).survey
        assert survey.paper("mbq2024modality").arxiv == "2412.19509"
        lu = survey.paper("lu2024knowing")
        assert (lu.arxiv, lu.arxiv_version) == ("2408.11049", 1)
        assert survey.paper("advancing2024multimodal").doi == "10.1145/3664647.3680838"

    def test_shipped_database_keeps_the_published_papers(self, seed_text: str) -> None:
        """data/papers.toml, corrected against the public records (docs/corrections.md), still lists every paper of
        the published list under its key and in its section, but for one rekey and two moves the log explains."""
        imported = parse_readme(seed_text, today=TODAY).survey
        shipped = db.load(SHIPPED_DB)
        renamed = {"neurips2024make": "liao2023make"}
        moved = {"low2024rank": "low-rank-adapters", "advancing2024vision": "adapter-based-methods"}
        expected = {renamed.get(p.key, p.key): moved.get(p.key, p.section) for p in imported.papers}
        assert {p.key: p.section for p in shipped.papers} == expected
        assert [s.id for s in shipped.sections] == [s.id for s in imported.sections]
        assert shipped.info == imported.info


class TestRoundTrip:
    def test_every_paper_line_identical(self, seed_text: str) -> None:
        """seed -> TOML -> README gives back every published paper line (trailing white space aside)."""
        survey = db.loads(db.dumps(parse_readme(seed_text, today=TODAY).survey))
        assert [paper_line(p) for p in survey.in_reading_order()] == _published_paper_lines(seed_text)

    def test_built_readme_has_every_line_in_order(self, seed_text: str, published_survey: Path) -> None:
        """The README evlm builds from the imported list shows every published paper line, in the published order."""
        readme = (published_survey / "README.md").read_text(encoding="utf-8")
        lines = [line.rstrip() for line in readme.splitlines() if line.startswith("- ") and "<ins>" in line]
        assert lines == _published_paper_lines(seed_text)

    def test_shipped_readme_keeps_the_published_line_format(self) -> None:
        """The committed README.md shows each shipped paper in the published line format, read back unchanged."""
        readme = (SHIPPED_DB.parents[1] / "README.md").read_text(encoding="utf-8")
        lines = [line.rstrip() for line in readme.splitlines() if line.startswith("- ") and "<ins>" in line]
        shipped = db.load(SHIPPED_DB)
        assert lines == [paper_line(p) for p in shipped.in_reading_order()]
        for line, paper in zip(lines, shipped.in_reading_order(), strict=True):
            [got] = _import_line(line).survey.papers
            assert (got.title, got.venue, got.year, got.links) == (paper.title, paper.venue, paper.year, paper.links)


class TestMessyInput:
    def test_tolerates_variants(self) -> None:
        """Missing venue or year, stray commas and spaces, other labels and query strings all parse."""
        text = "\n".join(
            [
                "# List",
                "## Papers",
                "- A Title,, <ins>2023</ins>  [[PDF](https://x.org/a.pdf?dl=1)]",
                "-   Another   Title <ins>ICML</ins> [[Paper](https://arxiv.org/abs/2301.00001v3)] [[Blog](https://b.io)]",
                "* Third, 2022 [Paper](https://example.com/p)",
            ]
        )
        result = parse_readme(text, today=TODAY)
        assert result.problems == []
        a, b, c = result.survey.papers
        assert (a.title, a.venue, a.year, a.links[0].label) == ("A Title", "", 2023, "PDF")
        assert a.links[0].url == "https://x.org/a.pdf?dl=1"
        assert (b.title, b.venue, b.year, b.arxiv, b.arxiv_version) == ("Another Title", "ICML", None, "2301.00001", 3)
        assert [link.label for link in b.links] == ["Paper", "Blog"]
        assert (c.title, c.year) == ("Third", 2022)

    def test_reports_lines_it_cannot_read(self) -> None:
        """An entry that looks like a paper but cannot be kept is reported with its line number; prose is kept as
        the section's text, not reported."""
        text = (
            "# L\n## S\n- Good, <ins>X, 2020</ins> [[Paper](https://a.b/c)]\n"
            "some stray prose\n- Bad, <ins>Y, 2021</ins> [[Paper](https://a.b/c d)]\n"
        )
        result = parse_readme(text, today=TODAY)
        assert [p.line for p in result.problems] == [5]
        assert "link" in result.problems[0].reason
        assert len(result.survey.papers) == 1
        assert (
            result.survey.sections[0].outro == "some stray prose\n- Bad, <ins>Y, 2021</ins> [[Paper](https://a.b/c d)]"
        )

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_never_raises_on_arbitrary_text(self, text: str) -> None:
        """Any text imports without an exception, and whatever it yields is a valid database."""
        result = parse_readme(text, today=TODAY)
        db.loads(db.dumps(result.survey))

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "# T",
                    "## A",
                    "### B",
                    "###### C",
                    "- x, <ins>V, 2020</ins> [[Paper](https://a.io/x)]",
                    "- y",
                    "",
                    "> *a*, *b*",
                    "<!-- c -->",
                    "- [[Code](https://g.io)]",
                    "- t, 1999 [P](http://h.io)",
                ]
            )
        )
    )
    def test_never_raises_on_markdown_shaped_text(self, lines: list[str]) -> None:
        """README-shaped input imports without an exception into a valid database."""
        result = parse_readme("\n".join(lines), today=TODAY)
        db.loads(db.dumps(result.survey))


class TestImportCommand:
    def test_creates_database_and_refuses_to_overwrite(self, cli: Cli, seed_text: str, tmp_path: Path) -> None:
        """The first import writes the database; a second needs --force."""
        readme = tmp_path / "in.md"
        readme.write_text(seed_text, encoding="utf-8")
        target = tmp_path / "new" / "papers.toml"
        result = cli("--db", str(target), "import", "readme", str(readme))
        assert "imported 37 papers in 23 sections" in result.stderr
        assert len(db.load(target).papers) == 37
        before = target.read_bytes()
        refused = cli("--db", str(target), "import", "readme", str(readme), code=1)
        assert "already exists" in refused.stderr and "--force" in refused.stderr
        assert target.read_bytes() == before
        cli("--db", str(target), "import", "readme", str(readme), "--force")

    def test_reports_problem_lines(self, cli: Cli, tmp_path: Path) -> None:
        """Entries it could not understand are warned about with file and line number."""
        readme = tmp_path / "in.md"
        readme.write_text("# L\n## S\n- A, <ins>V, 2020</ins> [[P](https://a.b)]\n- B [[P](https://a.b c)]\n", "utf-8")
        result = cli("--db", str(tmp_path / "p.toml"), "import", "readme", str(readme))
        assert f"{readme}:line 4:" in result.stderr

    def test_missing_file(self, cli: Cli, tmp_path: Path) -> None:
        """A missing input file is one clear error, exit 1."""
        result = cli("--db", str(tmp_path / "p.toml"), "import", "readme", str(tmp_path / "nope.md"), code=1)
        assert "no such file" in result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "p.toml").exists()


def _import_line(line: str) -> ReadmeImport:
    return parse_readme(f"# T\n## S\n{line}\n", today=dt.date(2026, 11, 25))


def _normalized(alphabet: str, *, edges_alnum: bool = False) -> st.SearchStrategy[str]:
    text = st.text(alphabet, min_size=1, max_size=30)
    return text.filter(lambda t: " ".join(t.split()) == t and (not edges_alnum or (t[0].isalnum() and t[-1].isalnum())))


_WORDS = "abcXYZ09é "


_TITLE_CHARS = _WORDS + "[]()<>&;#\\*_-,:!/"


_URL = st.builds(lambda path: f"https://a.org/{path}", st.text("abz09()[]_-.?=&/~", max_size=20))


class TestReadmeEscaping:
    def test_spaces_inside_link_and_ins(self) -> None:
        """White space inside a link's parentheses and around venue and year is tolerated."""
        result = _import_line("- A Paper, <ins> NeurIPS ,  2022 </ins> [[Paper]( https://a.org/4 )]")
        assert result.problems == []
        [got] = result.survey.papers
        assert (got.title, got.venue, got.year) == ("A Paper", "NeurIPS", 2022)
        assert [(link.label, link.url) for link in got.links] == [("Paper", "https://a.org/4")]

    def test_link_left_in_title_is_a_problem(self) -> None:
        """A link GitHub would show but the importer cannot read is reported, never kept in a title."""
        result = _import_line("- A Paper, <ins>NeurIPS, 2022</ins> [[Paper](https://a.org/4 x)]")
        assert result.survey.papers == ()
        assert "link" in result.problems[0].reason

    def test_hostile_title_is_escaped_and_round_trips(self) -> None:
        """Link and HTML syntax in a title is escaped in the README and imported back unchanged."""
        title = "Evil [[Paper](https://evil.example)] <ins>X, 1999</ins> <script>"
        url = "https://en.wikipedia.org/wiki/A_)(b"
        line = paper_line(Paper("k", title, "s", year=2024, venue="V", links=(Link("Paper", url),)))
        assert "<script>" not in line and "[[Paper](https://evil" not in line
        assert [m.group("url") for m in LINK.finditer(line)] == ["https://en.wikipedia.org/wiki/A_%29%28b"]
        [got] = _import_line(line).survey.papers
        assert (got.title, got.links) == (title, (Link("Paper", url),))

    @settings(max_examples=150, deadline=None)
    @given(
        title=_normalized(_TITLE_CHARS, edges_alnum=True),
        venue=st.one_of(st.just(""), _normalized(_WORDS + "[]<>&;\\").filter(lambda v: not v.isdigit())),
        year=st.integers(1990, 2025),
        links=st.lists(st.builds(Link, _normalized(_TITLE_CHARS.replace(",", "")), _URL), max_size=3),
    )
    def test_paper_line_round_trip(self, title: str, venue: str, year: int, links: list[Link]) -> None:
        """Random titles, venues, labels and URLs: paper_line, then import, gives back the same fields."""
        line = paper_line(Paper("k", title, "s", year=year, venue=venue, links=tuple(links)))
        result = _import_line(line)
        assert result.problems == []
        [got] = result.survey.papers
        assert (got.title, got.venue, got.year, got.links) == (title, venue, year, tuple(links))


class TestImportAndToc:
    @pytest.mark.parametrize("content", ["", "just some prose\n\nand more\n"])
    def test_import_of_empty_readme_is_an_error(self, cli: Cli, tmp_path: Path, content: str) -> None:
        """A README with no headings and no papers is refused and nothing is written."""
        source = tmp_path / "empty.md"
        source.write_text(content, encoding="utf-8")
        target = tmp_path / "out" / "papers.toml"
        result = cli("--db", str(target), "import", "readme", str(source), code=1)
        assert f"no paper found in {source}" in result.stderr
        assert not target.parent.exists() or not any(target.parent.iterdir())

    def test_database_header_is_generic(self) -> None:
        """The database's header comment names no particular survey."""
        from evlm_cli.model import Survey, SurveyInfo

        first = db.dumps(Survey(SurveyInfo(title="Other"))).splitlines()[0]
        assert first.startswith("# A survey database managed by evlm") and "Vision" not in first

    def test_toc_anchor_after_readme_own_heading(self) -> None:
        """Sections named like the README's own headings link to GitHub's `-1` anchors, not to those headings."""
        from evlm_cli.model import Section, Survey, SurveyInfo
        from evlm_cli.render.readme import default_template, render_readme

        info = SurveyInfo(title="S", abstract="Text.", toc_title="Table of Contents")
        survey = Survey(info, (Section("abstract", "Abstract"), Section("toc", "Table of Contents"), Section("x", "X")))
        readme = render_readme(survey, default_template())
        assert "- [Abstract](#abstract-1)" in readme
        assert "- [Table of Contents](#table-of-contents-1)" in readme
        assert "- [X](#x)" in readme and "\x00" not in readme
