"""`evlm import readme` on real public awesome lists (tests/data/lists, sources in tests/data/SOURCES.md).

Each list: at least 90 % of its papers imported with the right title, authors where the list gives them, and links;
the page evlm rebuilds from the import differs from the original only in list lines (papers in the list's own line as
far as it can be given back, the table of contents generated): every heading, paragraph, code block and HTML line comes
back; and the measured number of paper lines comes back byte for byte (tests/readmefidelity.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db
from evlm_cli.importers.readme import ReadmeImport, parse_readme
from evlm_cli.model import Link
from evlm_cli.render.readme import render_readme
from readmefidelity import SOURCES, ListReport, measure

LISTS = Path(__file__).parent / "data" / "lists"
CHART_LINE = "![Papers per year, stacked by top-level section](data/papers-per-year.svg)"
TODAY = dt.date(2026, 11, 25)

# Papers each list holds, counted by hand: entries under paper headings (not code, lectures or dataset links).
EXPECTED_PAPERS = {
    "ins-efficient-llms.md": 89,
    "ins-opt4llm.md": 97,
    "authors-awesome-rnn.md": 40,
    "table-efficient-moe.md": 16,
    "labels-awesome-nerf.md": 42,
    "links-pwl-machine-learning.md": 5,
    "links-pwl-distributed.md": 59,
}


def _import(name: str) -> ReadmeImport:
    return parse_readme((LISTS / name).read_text(encoding="utf-8"), today=TODAY)


def _paper(result: ReadmeImport, title: str) -> object:
    return next(p for p in result.survey.papers if p.title == title)


class TestEveryList:
    @pytest.mark.parametrize("name", sorted(EXPECTED_PAPERS))
    def test_ninety_percent_of_papers(self, name: str) -> None:
        """At least 90 % of the list's papers import (cross-listed ones once, with `also_in`), and none is a problem."""
        result = _import(name)
        listed = sum(1 + len(p.also_in) for p in result.survey.papers)
        assert listed >= 0.9 * EXPECTED_PAPERS[name], (listed, result.problems)
        assert listed <= EXPECTED_PAPERS[name]
        assert all(p.title and "<ins" not in p.title and "](" not in p.title for p in result.survey.papers)

    @pytest.mark.parametrize("name", sorted(EXPECTED_PAPERS))
    def test_rebuilt_page_changes_only_list_lines(self, name: str) -> None:
        """The diff between the original and the rebuilt page: only list entries, table rows and the table of contents.

        Blank lines are left out of the comparison (evlm normalises spacing); every other line that differs is shown
        on failure."""
        original = (LISTS / name).read_text(encoding="utf-8")
        result = parse_readme(original, today=TODAY)
        survey = db.loads(db.dumps(result.survey))
        rebuilt = render_readme(survey, result.template)
        before = [line.rstrip() for line in original.splitlines() if line.strip()]
        after = [line.rstrip() for line in rebuilt.splitlines() if line.strip()]
        diff = [
            d
            for d in difflib.unified_diff(before, after, lineterm="", n=0)
            if d[:1] in "+-" and d[:3] not in ("+++", "---")
        ]
        list_line = re.compile(r"^[+-]\s*(?:[-*+]|\d+\.)\s|^[+-]\s*\|")
        toc_heading = f"+## {survey.info.toc_title}"
        unexpected = [d for d in diff if not list_line.match(d) and not _continuation(d, original) and d != toc_heading]
        assert unexpected == [], "\n".join(diff)

    # links-pwl-distributed.md is left out: its hosted papers have only relative links, which evlm cannot keep, and
    # a paper line without any link does not read back as a paper (listed as remaining work).
    @pytest.mark.parametrize("name", sorted(set(EXPECTED_PAPERS) - {"links-pwl-distributed.md"}))
    def test_reimporting_the_rebuilt_page_gives_the_same_survey(self, name: str) -> None:
        """The README evlm builds imports back into the same sections and papers, in the same paper line style."""
        result = _import(name)
        rebuilt = render_readme(result.survey, result.template)
        again = parse_readme(rebuilt, today=TODAY).survey
        assert again.info.paper_line == result.survey.info.paper_line
        assert [s.id for s in again.sections] == [s.id for s in result.survey.sections]
        assert [(p.title, p.links) for p in again.in_reading_order()] == [
            (p.title, p.links) for p in result.survey.in_reading_order()
        ]


def _continuation(diff_line: str, original: str) -> bool:
    """A removed line that was the second line of a wrapped list entry (a title over two lines)."""
    return (
        diff_line.startswith("-")
        and not diff_line[1:].startswith((" ", "#"))
        and diff_line[1:] in original
        and "](" in diff_line
    )


# Entries of each list read without repair, and how many `init --from` gives back byte for byte with the list's own
# paper line (benchmarks/README.md, "README import fidelity", has the table and says why the others differ).
FIDELITY = {
    "authors-awesome-rnn.md": (40, 3),
    "ins-efficient-llms.md": (79, 72),
    "ins-opt4llm.md": (90, 53),
    "labels-awesome-nerf.md": (3, 3),
    "links-pwl-distributed.md": (36, 33),
    "links-pwl-machine-learning.md": (5, 5),
    "table-efficient-moe.md": (16, 0),
}


@pytest.fixture(scope="module")
def fidelity(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ListReport]:
    return {source.name: measure(source, tmp_path_factory.mktemp(source.stem)) for source in SOURCES}


class TestOwnLineStyle:
    @pytest.mark.parametrize("name", sorted(FIDELITY))
    def test_lines_come_back_as_written(self, fidelity: dict[str, ListReport], name: str) -> None:
        """`evlm init --from` gives back at least the measured number of entries byte for byte (the import's own count
        agrees with what is found in the README), and never fewer than evlm's own line would."""
        report = fidelity[name]
        readable, identical = FIDELITY[name]
        assert report.readable == readable
        assert report.own.identical >= identical, report.differences
        assert report.library == (report.readable, report.own.identical, report.own.spacing)
        assert report.own.identical >= report.evlm.identical

    @pytest.mark.parametrize("name", ["labels-awesome-nerf.md", "links-pwl-machine-learning.md"])
    def test_single_style_lists_come_back_whole(self, fidelity: dict[str, ListReport], name: str) -> None:
        """A list in one bullet style gets every entry read without repair back byte for byte."""
        assert fidelity[name].own.identical == fidelity[name].readable


class TestGeneratedReadme:
    def test_importing_evlm_output_gives_the_same_survey(self, published_survey: Path) -> None:
        """A README.md evlm built (from the published list, whose records hold nothing the README does not show)
        imports back into its data/papers.toml (dates aside); its tool section is template text, not a section, and
        the generated-file comment is not the subtitle."""
        result = parse_readme((published_survey / "README.md").read_text(encoding="utf-8"), today=TODAY)
        shipped = db.load(published_survey / "data" / "papers.toml")
        strip = re.compile(r"^added = .*$", re.MULTILINE)
        assert strip.sub("", db.dumps(result.survey)) == strip.sub("", db.dumps(shipped))
        assert "## 🛠️ Using this list" in result.template
        assert result.template.count("<!-- evlm:") >= 4

    def test_chart_line_is_the_placeholder_again(self, published_survey: Path) -> None:
        """The image line evlm rendered for `<!-- evlm:chart -->` becomes the placeholder again, not template text: the
        imported template renders the same page, and the chart is drawn again rather than hard-coded."""
        readme = (published_survey / "README.md").read_text(encoding="utf-8")
        assert CHART_LINE in readme
        result = parse_readme(readme, today=TODAY)
        assert (
            result.template.splitlines().count("<!-- evlm:chart -->") == 1
            and "papers-per-year.svg)" not in result.template
        )
        assert render_readme(result.survey, result.template) == readme

    def test_chart_right_below_the_header(self, published_survey: Path) -> None:
        """A chart straight after the header's abstract is neither read into the abstract nor kept as text."""
        survey = db.load(published_survey / "data" / "papers.toml")
        template = "<!-- evlm:header -->\n\n<!-- evlm:chart -->\n\n<!-- evlm:toc -->\n\n<!-- evlm:papers -->\n\n"
        template += "<!-- evlm:footer -->\n"
        readme = render_readme(survey, template)
        result = parse_readme(readme, today=TODAY)
        assert result.survey.info == survey.info
        assert result.template == template
        assert render_readme(result.survey, result.template) == readme

    def test_a_placeholder_shown_in_code_stays_code(self, published_survey: Path) -> None:
        """A template that shows `<!-- evlm:chart -->` in a fenced block: the README keeps the block, and importing it
        gives back the template, the chart line the placeholder again (the block does not count as one)."""
        survey = db.load(published_survey / "data" / "papers.toml")
        shown = "Draw the chart with:\n\n```markdown\n<!-- evlm:chart -->\n```"
        template = (
            f"<!-- evlm:header -->\n\n<!-- evlm:chart -->\n\n<!-- evlm:toc -->\n\n{shown}\n\n<!-- evlm:papers -->\n"
        )
        readme = render_readme(survey, template)
        assert shown in readme and readme.count(CHART_LINE) == 1
        result = parse_readme(readme, today=TODAY)
        assert result.template == template
        assert render_readme(result.survey, result.template) == readme

    def test_init_from_an_evlm_readme_with_chart(
        self, cli: Cli, published_survey: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`init --from` (and `import readme` again) of a README evlm built with a chart: the same page back, the
        chart drawn again (the same bytes), its placeholder once in the template, and `build --check` passes."""
        monkeypatch.chdir(tmp_path)
        original = (published_survey / "README.md").read_text(encoding="utf-8")
        (tmp_path / "README.md").write_text(original, encoding="utf-8")
        assert "written: data/papers-per-year.svg" in cli("init", "--from", "README.md").stderr
        chart = (published_survey / "data" / "papers-per-year.svg").read_bytes()
        for _ in range(2):
            assert (tmp_path / "README.md").read_text(encoding="utf-8") == original
            template = (tmp_path / "data" / "README.template.md").read_text(encoding="utf-8")
            assert template.splitlines().count("<!-- evlm:chart -->") == 1 and "papers-per-year.svg)" not in template
            assert (tmp_path / "data" / "papers-per-year.svg").read_bytes() == chart
            cli("build", "--check")
            cli("import", "readme", "README.md", "--force")
            cli("build")


class TestInsDamage:
    def test_broken_tags_are_repaired_and_reported(self) -> None:
        """`2024/ins>`, a missing `<ins>`, `ICLR 2023` without a comma, `[[Paper]](url)` and run-together URLs."""
        result = _import("ins-efficient-llms.md")
        seer = _paper(result, "SEER-MoE: Sparse Expert Efficiency through Regularization for Mixture-of-Experts")
        assert (seer.venue, seer.year) == ("arXiv", 2024)  # type: ignore[attr-defined]
        lory = _paper(
            result, "Lory: Fully Differentiable Mixture-of-Experts for Autoregressive Language Model Pre-training"
        )
        assert lory.year == 2024  # type: ignore[attr-defined]
        h3 = _paper(result, "Hungry Hungry Hippos: Towards Language Modeling with State Space Models")
        assert (h3.venue, h3.year) == ("ICLR", 2023)  # type: ignore[attr-defined]
        memformer = _paper(result, "Memformer: A Memory-Augmented Transformer for Sequence Modeling")
        assert memformer.links[0] == Link("Paper", "https://arxiv.org/abs/2010.06891")  # type: ignore[attr-defined]
        qat = _paper(result, "LLM-QAT: Data-Free Quantization Aware Training for Large Language Models")
        assert qat.links[1] == Link("Code", "https://github.com/facebookresearch/LLM-QAT")  # type: ignore[attr-defined]
        reasons = " ".join(r.reason for r in result.repairs)
        for repair in ("`/ins>`", "missing `<ins>`", "without a comma", "[[Label]](url)", "run together"):
            assert repair in reasons

    def test_extra_labels_kept_in_order(self) -> None:
        """`[[Reddit post](url)]` and adjacent `][` links keep their labels, in order."""
        result = _import("ins-efficient-llms.md")
        assert [link.label for link in _paper(result, "NTK Interpolation").links] == ["Reddit post"]  # type: ignore[attr-defined]
        clex = _paper(result, "CLEX: Continuous Length Extrapolation for Large Language Models")
        assert [link.label for link in clex.links] == ["Paper", "Code"]  # type: ignore[attr-defined]

    def test_year_first_lines(self) -> None:
        """`- [2024] Title, Venue [[Paper](url)]` gives the year and the venue after the last comma."""
        result = _import("ins-opt4llm.md")
        paper = _paper(
            result, "A Survey on Deep Neural Network Pruning: Taxonomy, Comparison, Analysis, and Recommendations"
        )
        assert (paper.year, paper.venue) == (2024, "IEEE TPAMI")  # type: ignore[attr-defined]

    def test_synthetic_damage(self) -> None:
        """A full-width comma in the tag and a missing comma before it."""
        result = parse_readme("# T\n## S\n- A Title <ins>ICML，2021</ins> [[Paper](https://a.org/x)]\n", today=TODAY)
        [paper] = result.survey.papers
        assert (paper.title, paper.venue, paper.year) == ("A Title", "ICML", 2021)
        assert "full-width comma" in result.repairs[0].reason

    def test_heading_levels_and_prose_kept(self) -> None:
        """`###` news before `##` sections and `######` leaves; the citation block and prose are template text."""
        result = _import("ins-efficient-llms.md")
        assert "### ⚡News" in result.template and "@article{wan2023efficient," in result.template
        assert "## ❤️ Community Support" in result.template
        assert not any("News" in s.title or "Community" in s.title for s in result.survey.sections)
        survey = result.survey
        assert survey.info.heading_levels[:3] == (2, 3, 4)
        rebuilt = render_readme(survey, result.template)
        assert "###### Weight-Only Quantization\n" in rebuilt and "##### Post-Training Quantization\n" in rebuilt


class TestOtherFormats:
    def test_author_first_and_nested(self) -> None:
        """Author-first citations with the title as a link or in italics; a group line's links go to its papers."""
        result = _import("authors-awesome-rnn.md")
        lstm = _paper(result, "LSTM: A Search Space Odyssey")
        assert lstm.authors[:2] == ("Klaus Greff", "Rupesh Kumar Srivastava")  # type: ignore[attr-defined]
        assert lstm.year == 2015  # type: ignore[attr-defined]
        gfrnn = _paper(result, "Gated Feedback Recurrent Neural Networks")
        assert gfrnn.authors == ("Junyoung Chung", "Caglar Gulcehre", "Kyunghyun Cho", "Yoshua Bengio")  # type: ignore[attr-defined]
        assert [link.label for link in gfrnn.links] == ["Paper-arXiv", "Paper-ICML", "Supplementary"]  # type: ignore[attr-defined]
        book = _paper(result, "Training Recurrent Neural Networks")
        assert (book.authors, book.year) == (("Ilya Sutskever",), 2013)  # type: ignore[attr-defined]
        assert not any(s.id in ("codes", "datasets", "lectures") for s in result.survey.sections)
        assert "* [Theano](http://deeplearning.net/software/theano/) - Python" in result.template

    def test_table_rows(self) -> None:
        """A paper table: title and authors in one cell (badges dropped), Github and Paper links from another."""
        result = _import("table-efficient-moe.md")
        paper = _paper(result, "Fast Inference of Mixture-of-Experts Language Models with Offloading")
        assert paper.authors == ("Artyom Eliseev", "Denis Mazur")  # type: ignore[attr-defined]
        assert paper.links == (  # type: ignore[attr-defined]
            Link("Paper", "https://arxiv.org/abs/2312.17238"),
            Link("Github", "https://github.com/dvmazur/mixtral-offloading"),
        )

    def test_link_first_with_authors_and_labels(self) -> None:
        """`[Title](url), Authors et al., Venue Year | [github](url) | [bibtex](path)`: a relative link is reported."""
        result = _import("labels-awesome-nerf.md")
        first = _paper(result, "Neural Volume Rendering: NeRF And Beyond")
        assert (first.authors, first.venue, first.year) == (("Dellaert", "Yen-Chen"), "Arxiv", 2020)  # type: ignore[attr-defined]
        assert [link.label for link in first.links] == ["Paper", "blog", "github", "bibtex"]  # type: ignore[attr-defined]
        nerf = _paper(result, "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis")
        assert (nerf.authors, nerf.venue, nerf.year) == (("Mildenhall", "others"), "ECCV", 2020)  # type: ignore[attr-defined]
        assert any("absolute http(s) URLs only" in r.reason for r in result.repairs)
        assert result.survey.info.title == "Awesome Neural Radiance Fields"

    def test_description_and_wrapped_titles(self) -> None:
        """`* [Title](url) - description` keeps the description; a title wrapped over two lines is one title."""
        ml = _import("links-pwl-machine-learning.md")
        forests = _paper(ml, "Random Forests")
        assert forests.note == "The initial paper on random forests"  # type: ignore[attr-defined]
        dist = _import("links-pwl-distributed.md")
        titles = [p.title for p in dist.survey.papers]
        wrapped = (
            "Consistent Hashing and Random Trees: Distributed Caching Protocols for Relieving Hot Spots on the World"
        )
        assert wrapped + " Wide Web" in titles
        assert "A Note on Distributed Computing" in titles


class TestImportCommand:
    def test_no_paper_writes_nothing(self, cli: Cli, tmp_path: Path) -> None:
        """A page without papers is an error (exit 1), and no file is written."""
        readme = tmp_path / "in.md"
        readme.write_text("# Notes\n\nJust prose.\n\n## Ideas\n- a thought\n", encoding="utf-8")
        result = cli("--db", str(tmp_path / "data" / "papers.toml"), "import", "readme", str(readme), code=1)
        assert "no paper found" in result.stderr
        assert not (tmp_path / "data").exists()

    def test_reports_understood_and_writes_template(self, cli: Cli, tmp_path: Path) -> None:
        """The import says how many entries it understood and writes the template beside the database."""
        target = tmp_path / "data" / "papers.toml"
        result = cli("--db", str(target), "import", "readme", str(LISTS / "ins-opt4llm.md"))
        assert "understood 97 of 97 entries" in result.stderr
        assert "repaired: `/ins>` read as `</ins>`" in result.stderr
        template = (tmp_path / "data" / "README.template.md").read_text(encoding="utf-8")
        assert "<!-- evlm:papers -->" in template and "<strong> Last Update: 2024/12/20 </strong>" in template
