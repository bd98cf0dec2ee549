"""Each `evlm check` rule on a small database made for it: it fires on the mistake and not on the correct form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli
from evlm_cli.lint import rules
from evlm_cli.lint.rules import filename_title, link_kind, words
from lintutil import SECTIONS, findings, keys, paper, write_db


def check(cli: Cli, path: Path, *args: str, code: int = 0) -> str:
    """`evlm --db PATH check --json ...`, its stdout."""
    return cli("--db", str(path), "check", "--json", "--ignore", "stale-output", *args, code=code).stdout


class TestDuplicates:
    def test_same_arxiv_id_and_title(self, cli: Cli, tmp_path: Path) -> None:
        """The same arXiv id with the same title (punctuation aside) is a duplicate entry."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "MBQ: Modality-Balanced Quantization", arxiv="2412.19509"),
                paper("b2024", "MBQ - Modality Balanced Quantization", arxiv="2412.19509"),
                paper("c2024", "Something else entirely", arxiv="2401.00001"),
            ],
        )
        out = check(cli, path)
        assert keys(out, "duplicate-paper") == {"a2024", "b2024"}
        assert findings(out, "conflicting-id") == []

    def test_near_identical_titles_without_ids(self, cli: Cli, tmp_path: Path) -> None:
        """Titles with a difflib ratio of 0.95 or more are duplicates even without ids; different ones are not."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "Post-Training Quantization for Vision Transformers"),
                paper("b2024", "Post Training Quantisation for Vision Transformers"),
                paper("c2024", "Quantization-Aware Training for Vision Transformers"),
            ],
        )
        assert keys(check(cli, path), "duplicate-paper") == {"a2024", "b2024"}

    def test_same_doi_with_different_titles(self, cli: Cli, tmp_path: Path) -> None:
        """One DOI on two different titles: at most one is right."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "First paper on pruning", doi="10.1145/1.2"),
                paper("b2024", "Second paper about distillation", doi="10.1145/1.2"),
            ],
        )
        out = check(cli, path)
        assert keys(out, "conflicting-id") == {"a2024", "b2024"}
        assert findings(out, "duplicate-paper") == []


class TestLinks:
    def test_shared_paper_url_ignores_tracking_query(self, cli: Cli, tmp_path: Path) -> None:
        """One Paper URL (modulo `?utm_source=`) on different titles is shared; OpenReview ids differ."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "First paper", links=[{"label": "Paper", "url": "https://example.org/p"}]),
                paper("b2024", "Second paper", links=[{"label": "Paper", "url": "https://example.org/p?utm_source=x"}]),
                paper("c2024", "Third paper", links=[{"label": "Paper", "url": "https://openreview.net/forum?id=A"}]),
                paper("d2024", "Fourth paper", links=[{"label": "Paper", "url": "https://openreview.net/forum?id=B"}]),
            ],
        )
        out = check(cli, path, "--ignore", "missing-paper-link")
        assert keys(out, "shared-url") == {"a2024", "b2024"}

    @pytest.mark.parametrize(
        ("url", "kind"),
        [
            ("https://github.com/thu-nics/MBQ", "code"),
            ("https://huggingface.co/datasets/math-ai/AutoMathText", "dataset"),
            ("https://huggingface.co/papers/2412.19509", "paper"),
            ("https://huggingface.co/openai/clip-vit-base-patch32", "code"),
            ("https://www.kaggle.com/datasets/x/y", "dataset"),
            ("https://arxiv.org/abs/2412.19509", "paper"),
            ("https://dl.acm.org/doi/10.1145/3664647.3680838", "paper"),
            ("https://example.org/project", "other"),
        ],
    )
    def test_link_kind(self, url: str, kind: str) -> None:
        """Hosts and paths classify links as paper, code, dataset or other."""
        assert link_kind(url) == kind

    def test_paper_and_code_link_kinds(self, cli: Cli, tmp_path: Path) -> None:
        """A Paper link to GitHub and a Code link to arXiv are reported; the right way round is not."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "First", links=[{"label": "Paper", "url": "https://gitlab.com/a/b"}]),
                paper(
                    "b2024",
                    "Second",
                    links=[
                        {"label": "Paper", "url": "https://arxiv.org/abs/2401.00002"},
                        {"label": "Code", "url": "https://arxiv.org/abs/2401.00002"},
                    ],
                ),
                paper(
                    "c2024",
                    "Third",
                    links=[
                        {"label": "Paper", "url": "https://arxiv.org/abs/2401.00003"},
                        {"label": "Code", "url": "https://github.com/c/d"},
                    ],
                ),
            ],
        )
        out = check(cli, path, "--ignore", "title-incomplete")
        assert keys(out, "paper-link-kind") == {"a2024"}
        assert keys(out, "code-link-kind") == {"b2024"}


class TestTitles:
    @pytest.mark.parametrize(
        ("title", "expected"),
        [
            ("Lin_MoPE-CLIP_Structured_Pruning_CVPR_2024_paper", ("MoPE-CLIP Structured Pruning", "CVPR", 2024)),
            ("NeurIPS-2023-make-models-reversible-Paper-Conference", ("make models reversible", "NeurIPS", 2023)),
            ("VLDadaptor_Domain_Adaptive_Detection", ("VLDadaptor Domain Adaptive Detection", "", None)),
            ("smith2020deep", ("", "", None)),
            ("Q-VLM: Post-training Quantization for Large Vision Language Models", None),
            ("MBQ", None),
        ],
    )
    def test_filename_title(self, title: str, expected: tuple[str, str, int | None] | None) -> None:
        """File names and citation keys are recognised and a readable title guessed; real titles are not."""
        assert filename_title(title) == expected

    def test_title_rules_through_the_cli(self, cli: Cli, tmp_path: Path) -> None:
        """title-filename and title-incomplete fire on their own mistakes only."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "Doe_Some_Method_ICCV_2023_paper", year=2023, venue="ICCV"),
                paper("b2024", "SMARTNET"),
                paper("c2024", "SmartNet: A Proper Title"),
            ],
        )
        out = check(cli, path)
        filename = findings(out, "title-filename")
        assert [f["key"] for f in filename] == ["a2024"]
        assert "says" not in filename[0]["message"], "venue and year agree, so no comparison"
        assert keys(out, "title-incomplete") == {"b2024"}


class TestYearsAndVenues:
    def test_year_before_arxiv_id(self, cli: Cli, tmp_path: Path) -> None:
        """A 2022 paper cannot carry a 2023 arXiv id; a later conference year is fine."""
        path = write_db(
            tmp_path,
            [
                paper("a2022", "First", year=2022, venue="CVPR", arxiv="2305.00001"),
                paper("b2024", "Second", year=2024, venue="ICLR", arxiv="2305.00002"),
                paper("c2023", "Third", year=2023, venue="arXiv", arxiv="2305.00003"),
            ],
        )
        found = findings(check(cli, path, "--ignore", "missing-paper-link"), "year-arxiv")
        assert [f["key"] for f in found] == ["a2022"]
        assert "before" in found[0]["message"]

    def test_venue_spelling(self, cli: Cli, tmp_path: Path) -> None:
        """NIPS and NeurIPS are one venue: the minority spelling is reported with the usual name."""
        path = write_db(
            tmp_path,
            [
                paper("a2024", "First", venue="NeurIPS"),
                paper("b2024", "Second", venue="NIPS"),
                paper("c2024", "Third", venue="Neural Information Processing Systems"),
                paper("d2024", "Fourth", venue="ICLR"),
            ],
        )
        found = findings(check(cli, path, "--ignore", "missing-paper-link"), "venue-spelling")
        assert {f["key"] for f in found} == {"b2024", "c2024"}
        assert all("'NeurIPS'" in f["hint"] for f in found)

    def test_not_a_venue(self, cli: Cli, tmp_path: Path) -> None:
        """Publishers are not venues; ACM MM is."""
        path = write_db(tmp_path, [paper("a2024", "First", venue="IEEE"), paper("b2024", "Second", venue="ACM MM")])
        assert keys(check(cli, path, "--ignore", "missing-paper-link"), "not-a-venue") == {"a2024"}


class TestMissingAndEmpty:
    def test_missing_fields_per_paper(self, cli: Cli, tmp_path: Path) -> None:
        """A few papers without a Paper link, year or authors are each reported."""
        link = [{"label": "Paper", "url": "https://arxiv.org/abs/2401.00001"}]
        undated = paper("a2024", "First", links=link)
        del undated["year"]
        path = write_db(
            tmp_path,
            [
                undated,
                {"key": "b2024", "title": "Second", "section": "quantization", "year": 2024, "links": link},
                paper("c2024", "Third"),
            ],
        )
        out = check(cli, path)
        assert keys(out, "missing-year") == {"a2024"}
        assert keys(out, "missing-authors") == {"b2024"}
        assert keys(out, "missing-paper-link") == {"c2024"}

    def test_empty_section_is_information(self, cli: Cli, tmp_path: Path) -> None:
        """A section without papers below it is an info finding; its filled parent is not reported."""
        path = write_db(tmp_path, [paper("a2024", "First", links=[{"label": "Paper", "url": "https://x.org/a"}])])
        found = findings(check(cli, path), "empty-section")
        assert [f["severity"] for f in found] == ["info", "info"]
        assert {f["message"].split("(")[1].split(")")[0] for f in found} == {"pruning", "distillation"}
        assert all(f["line"] for f in found)


class TestSectionFit:
    PAPERS = (
        ("q1", "Post-Training Quantization of Transformers", "quantization"),
        ("q2", "Low-Bit Quantization for Vision Transformers", "quantization"),
        ("q3", "Mixed-Precision Quantization with Calibration", "quantization"),
        ("p1", "Structured Pruning of Attention Heads", "pruning"),
        ("p2", "Unstructured Pruning with Sparse Masks", "pruning"),
        ("p3", "Layer-wise Pruning for Sparse Transformers", "pruning"),
        ("d1", "Knowledge Distillation from Large Teachers", "distillation"),
        ("d2", "Distillation of Attention Maps", "distillation"),
        ("x1", "Calibrated Low-Bit Quantization of Attention", "pruning"),
        ("x2", "Scaling Training to Ten Thousand GPUs Cluster", "distillation"),
    )

    def test_misfiled_papers_are_found(self, cli: Cli, tmp_path: Path) -> None:
        """A quantization paper under Pruning is pointed to Quantization (information); an off-topic title with no
        clearly better section is not flagged."""
        url = "https://example.org/"
        path = write_db(
            tmp_path,
            [paper(k, t, s, links=[{"label": "Paper", "url": url + k}]) for k, t, s in self.PAPERS],
        )
        found = {f["key"]: f for f in findings(check(cli, path), "section-fit")}
        assert set(found) == {"x1"}
        assert found["x1"]["severity"] == "info"
        assert "section = 'quantization'" in found["x1"]["hint"]

    def test_words_stems_and_drops_stopwords(self) -> None:
        """Title words are folded, stemmed and free of generic words."""
        assert words("Pruning the Pruned Vision Models") == ["prun", "prun"]


class TestIgnoringAndSchema:
    def test_per_paper_ignore(self, cli: Cli, tmp_path: Path) -> None:
        """`ignore = ["rule"]` on a paper silences that rule for it only; an unknown name is itself reported."""
        link = [{"label": "Paper", "url": "https://github.com/a/b"}]
        path = write_db(
            tmp_path,
            [
                paper("a2024", "First paper", links=link, ignore=["paper-link-kind"]),
                paper("b2024", "Second paper", links=[{"label": "Paper", "url": "https://github.com/c/d"}]),
                paper("c2024", "Third paper", links=[{"label": "Paper", "url": "https://x.org/c"}], ignore=["nope"]),
            ],
        )
        out = check(cli, path)
        assert keys(out, "paper-link-kind") == {"b2024"}
        assert keys(out, "unknown-ignore") == {"c2024"}

    def test_schema_error_is_a_finding_with_its_line(self, cli: Cli, tmp_path: Path) -> None:
        """A schema violation is an error finding at its record's line, exit 1, no traceback."""
        path = write_db(tmp_path, [paper("a2024", "First"), paper("b2024", "Second", yaer=2024)])
        out = check(cli, path, code=1)
        [error] = findings(out, "schema")
        assert (error["severity"], error["rule"], error["key"]) == ("error", "schema", "b2024")
        assert "unknown field 'yaer'" in error["message"]
        assert error["hint"] == "did you mean 'year'?"
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[error["line"] - 1] == "[[papers]]"
        assert lines[error["line"]] == 'key = "b2024"'

    def test_toml_syntax_error_in_github_format(self, cli: Cli, tmp_path: Path) -> None:
        """Broken TOML becomes an error annotation with its line."""
        path = tmp_path / "papers.toml"
        path.write_text('schema = 1\n[survey]\ntitle = "x\n', encoding="utf-8")
        out = cli("--db", str(path), "check", "--format", "github", code=1).stdout
        assert re.match(r"::error file=\S*papers\.toml,line=3,title=schema::", out)

    def test_stale_readme(self, cli: Cli, repo: Path) -> None:
        """An edited README.md is reported as stale, pointing at the file."""
        readme = repo / "README.md"
        readme.write_text(readme.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
        found = findings(cli("check", "--json").stdout, "stale-output")
        assert [(f["field"], f["file"]) for f in found] == [("README.md", "README.md")]

    def test_every_rule_is_documented_and_tested(self) -> None:
        """Each rule has an explanation and is named in a test of `check`."""
        tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_check*.py"))
        for name, spec in rules.RULES.items():
            assert len(spec.doc.strip()) > 20, name
            assert f'"{name}"' in tests, f"rule {name} has no test"

    def test_sections_fixture_is_valid(self) -> None:
        """The helper's sections form a tree (guards the other tests' assumptions)."""
        ids = {s["id"] for s in SECTIONS}
        assert all(s.get("parent") in ids | {None} for s in SECTIONS)


def test_bundled_copy_is_not_compared_with_generated_files(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only bundled survey ships without README.md, so `stale-output` does not apply to it."""
    from evlm_cli import location

    bundled = write_db(
        tmp_path / "pkg" / "data", [paper("a2024", "First", links=[{"label": "Paper", "url": "https://x.org/a"}])]
    )
    monkeypatch.setattr(location, "bundled_path", lambda: bundled)
    monkeypatch.chdir(tmp_path)
    assert findings(cli("check", "--json").stdout, "stale-output") == []
    assert keys(cli("--db", str(bundled), "check", "--json").stdout, "stale-output") == {None}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcde -", min_size=1, max_size=30), min_size=2, max_size=12))
def test_similar_titles_matches_brute_force(titles: list[str]) -> None:
    """The length-window search finds exactly the pairs a full pairwise difflib comparison finds."""
    import difflib

    from evlm_cli.model import Paper
    from evlm_cli.text import normalize_title

    papers = [Paper(key=f"k{i}", title=t, section="s") for i, t in enumerate(titles)]
    found = {frozenset((a.key, b.key)) for a, b in rules.similar_titles(papers)}
    expected = set()
    for i, a in enumerate(papers):
        for b in papers[i + 1 :]:
            x, y = normalize_title(a.title), normalize_title(b.title)
            if x and y:
                short, long_ = sorted((x, y), key=len)
                ratio = difflib.SequenceMatcher(None, long_, short, autojunk=False).ratio()
                if ratio >= rules.SAME_TITLE:
                    expected.add(frozenset((a.key, b.key)))
    assert found == expected


def test_explain_all_keeps_whole_sentences(cli: Cli) -> None:
    """`check --explain all` gives each rule's whole first paragraph on its line, never a sentence cut short."""
    from evlm_cli.lint.rules import RULES

    lines = cli("check", "--explain", "all").stdout.splitlines()
    assert len(lines) == len(RULES)
    for line, spec in zip(lines, RULES.values(), strict=True):
        first = " ".join(spec.doc.strip().split("\n\n")[0].split())
        assert line == f"{spec.name} ({spec.severity}): {first}"
        assert line.endswith((".", ".)", ")."))
