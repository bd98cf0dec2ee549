"""`evlm check` on the published list (its copy under tests/data/) finds its real defects, and nothing on clean papers;
on the shipped survey, corrected against the public records (docs/corrections.md), it finds none of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import SHIPPED_DB, Cli
from evlm_cli import db
from lintutil import findings, keys

pytestmark = pytest.mark.usefixtures("repo")


@pytest.fixture
def report(cli: Cli) -> str:
    """The JSON report of `evlm check` on the published list as imported."""
    return cli("check", "--json").stdout


class TestPublishedDefects:
    def test_same_arxiv_id_on_papers_with_different_titles(self, report: str) -> None:
        """2308.13137 is on three different papers, 2403.01241 on two."""
        found = findings(report, "conflicting-id")
        by_id: dict[str, set[str]] = {}
        for finding in found:
            arxiv = "2308.13137" if "2308.13137" in finding["message"] else "2403.01241"
            by_id.setdefault(arxiv, set()).add(finding["key"])
        assert by_id == {
            "2308.13137": {"lin2024mope", "isomorphic2024pruning", "ecoflap2024efficient"},
            "2403.01241": {"osscar2024one", "multiflow2024shifting"},
        }

    def test_same_code_url_on_papers_with_different_titles(self, report: str) -> None:
        """OpenGVLab/OmniQuant, the Code link of three different papers, is not `shared-url` (a shared repository may
        be a framework); their shared arXiv id is what `conflicting-id` reports."""
        assert not [f for f in findings(report, "shared-url") if "github.com/OpenGVLab/OmniQuant" in f["message"]]
        assert {"lin2024mope", "isomorphic2024pruning", "ecoflap2024efficient"} <= keys(report, "conflicting-id")

    def test_paper_link_to_a_code_host(self, report: str) -> None:
        """scaling2024vision's Paper link is the TriForce GitHub repository."""
        found = findings(report, "paper-link-kind")
        assert [f["key"] for f in found] == ["scaling2024vision"]
        assert "Infini-AI-Lab/TriForce" in found[0]["message"]

    def test_code_link_to_a_dataset(self, report: str) -> None:
        """m2ist2024's Code link is a Hugging Face dataset."""
        assert keys(report, "code-link-kind") == {"m2ist2024"}

    def test_file_name_titles(self, report: str) -> None:
        """CVF and NeurIPS PDF file names used as titles, with the venue they give compared."""
        found = {f["key"]: f for f in findings(report, "title-filename")}
        assert {"lin2024mope", "neurips2024make", "lu2024knowing", "mercea2024time", "vldadaptor2023domain"} <= set(
            found
        )
        assert "CVPR 2024" in found["lin2024mope"]["message"]
        assert "ICLR 2024" in found["lin2024mope"]["message"]
        assert "MoPE-CLIP Structured Pruning" in found["lin2024mope"]["hint"]
        assert "med2024moe" not in found

    def test_single_word_titles(self, report: str) -> None:
        """KD-VLP and M2IST are method names, not titles."""
        assert keys(report, "title-incomplete") == {"kd2022vlp", "m2ist2024"}

    def test_arxiv_year_mismatch(self, report: str) -> None:
        """PTQ4ViT (2111.12293) and LLM-QAT (2305.17888) are listed as 'arXiv, 2024'."""
        found = {f["key"]: f["message"] for f in findings(report, "year-arxiv")}
        assert {"ptq4vit2024post", "llm2024qat"} <= set(found)
        assert "2021" in found["ptq4vit2024post"]
        assert "mbq2024modality" not in found

    def test_publishers_as_venues(self, report: str) -> None:
        """IEEE/CVF and ACM are publishers, not venues."""
        assert keys(report, "not-a-venue") == {
            "noisyquant2023noisy",
            "ptq4sam2023post",
            "boost2023vision",
            "advancing2024multimodal",
        }

    def test_no_authors_anywhere(self, report: str) -> None:
        """No paper of the published list has authors: one list-wide finding, not 37."""
        found = findings(report, "missing-authors")
        assert len(found) == 1
        assert found[0]["key"] is None
        assert "37 of 37" in found[0]["message"]

    def test_empty_sections(self, report: str) -> None:
        """Token Reduction and Prompt Tuning have no papers (information)."""
        found = findings(report, "empty-section")
        assert {f["severity"] for f in found} == {"info"}
        messages = " ".join(f["message"] for f in found)
        assert "(token-reduction)" in messages
        assert "(prompt-tuning)" in messages
        assert "(quantization)" not in messages

    def test_misfiled_papers(self, report: str) -> None:
        """CLIP-LoRA is a low-rank adapter (a clear margin); MegaScale's weak title evidence stays quiet."""
        found = {f["key"]: f for f in findings(report, "section-fit")}
        assert set(found) == {"low2024rank"}
        assert found["low2024rank"]["severity"] == "info"
        assert "low-rank-adapters" in found["low2024rank"]["hint"]
        assert len(found) <= 6, "section-fit must not flood the report"

    def test_clean_papers_have_no_findings(self, report: str) -> None:
        """Correct entries are left alone."""
        reported = {f["key"] for f in findings(report)}
        assert not {"mbq2024modality", "billm2024pushing", "efficientqat2024efficient", "med2024moe"} & reported

    def test_generated_files_are_current(self, report: str) -> None:
        """The shipped README.md matches the database."""
        assert findings(report, "stale-output") == []


class TestExitAndFormats:
    def test_warnings_exit_0_and_strict_exits_1(self, cli: Cli) -> None:
        """Warnings alone pass; --strict fails on them."""
        cli("check")
        cli("check", "--strict", code=1)

    def test_text_report_is_grouped_by_paper(self, cli: Cli) -> None:
        """The report heads each paper's findings with its key and TOML line; the summary goes to stderr."""
        result = cli("check")
        assert "lin2024mope  data/papers.toml:" in result.stdout
        assert "warning conflicting-id [arxiv]" in result.stdout
        assert "\x1b[" not in result.stdout
        assert result.stderr.startswith("check: 0 errors,")

    def test_github_annotations_point_at_the_record(self, cli: Cli, repo: Path) -> None:
        """--format github prints `::warning file=...,line=N::` at the paper's [[papers]] line."""
        out = cli("check", "--format", "github").stdout
        line = next(row for row in out.splitlines() if "title=paper-link-kind" in row)
        assert line.startswith("::warning file=data/papers.toml,line=")
        number = int(line.split("line=")[1].split(",")[0])
        lines = (repo / "data" / "papers.toml").read_text(encoding="utf-8").splitlines()
        assert lines[number - 1] == "[[papers]]"
        assert lines[number] == 'key = "scaling2024vision"'
        assert any(row.startswith("::notice ") for row in out.splitlines())

    def test_ignore_option_drops_a_rule(self, cli: Cli) -> None:
        """--ignore RULE (repeatable) silences a rule for the run."""
        out = cli("check", "--json", "--ignore", "title-filename", "--ignore", "empty-section").stdout
        assert findings(out, "title-filename") == []
        assert findings(out, "empty-section") == []
        assert findings(out, "not-a-venue") != []

    def test_unknown_ignored_rule_is_an_error(self, cli: Cli) -> None:
        """A typo in --ignore is reported with a suggestion, not silently accepted."""
        result = cli("check", "--ignore", "title-filenme", code=1)
        assert "no rule 'title-filenme'" in result.stderr
        assert "title-filename" in result.stderr

    def test_explain(self, cli: Cli) -> None:
        """--explain RULE prints the rule's documentation; --explain all lists every rule."""
        assert "citation key" in cli("check", "--explain", "title-filename").stdout
        listing = cli("check", "--explain", "all").stdout
        assert "broken-link (warning)" in listing
        assert "schema (error)" in listing


class TestShippedCorrected:
    """The shipped survey after its correction: the published list's defects are gone."""

    @pytest.fixture
    def shipped_report(self, cli: Cli, shipped_repo: Path) -> str:
        return cli("check", "--json").stdout

    def test_no_paper_shares_an_identifier(self, shipped_report: str) -> None:
        """No arXiv id, DOI or URL is on two papers, and the ids agree with the links."""
        for rule in ("conflicting-id", "shared-url", "id-link-mismatch", "paper-link-kind", "code-link-kind"):
            assert findings(shipped_report, rule) == [], rule

    def test_every_paper_has_authors(self, shipped_report: str) -> None:
        """Every paper has its authors, so no BibTeX entry is authorless."""
        assert findings(shipped_report, "missing-authors") == []
        assert all(paper.authors for paper in db.load(SHIPPED_DB).papers)

    def test_no_file_name_or_incomplete_title(self, shipped_report: str) -> None:
        """Titles are the published titles, not PDF file names or method names."""
        for rule in ("title-filename", "title-incomplete", "year-arxiv", "not-a-venue", "stale-output"):
            assert findings(shipped_report, rule) == [], rule

    def test_no_two_papers_share_an_arxiv_id_or_link(self) -> None:
        """Checked on the data itself too: arXiv ids and Paper links are unique."""
        papers = db.load(SHIPPED_DB).papers
        arxiv = [p.arxiv for p in papers if p.arxiv]
        urls = [link.url for p in papers for link in p.links]
        assert len(arxiv) == len(set(arxiv))
        assert len(urls) == len(set(urls))


def test_readme_documents_check() -> None:
    """README.md shows `evlm check` in the maintainer's workflow, and CI runs it."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    workflow = readme[readme.index("**Maintain it.**") :]
    assert "evlm check  " in workflow
    assert "evlm check --links" in workflow
    assert "evlm check" in (root / ".ci" / "run").read_text(encoding="utf-8")


class TestSummaryCounts:
    """The summary's `in N of M papers`: M the paper records in the file, N those with a finding, whatever fails."""

    @staticmethod
    def _summary(cli: Cli, path: Path, code: int = 1) -> str:
        return cli("--db", str(path), "check", "--ignore", "stale-output", code=code).stderr.strip().splitlines()[-1]

    def test_an_invalid_key_still_counts_every_paper(self, cli: Cli, tmp_path: Path) -> None:
        """The shipped survey with one key made invalid: 1 of all its papers, not 1 of the valid rest."""
        text = SHIPPED_DB.read_text(encoding="utf-8")
        total = len(db.load(SHIPPED_DB).papers)
        path = tmp_path / "papers.toml"
        path.write_text(text.replace('key = "mbq2024modality"', 'key = "mbq 2024"', 1), encoding="utf-8")
        assert self._summary(cli, path).endswith(f"in 1 of {total} papers")

    def test_records_that_do_not_validate_are_counted(self, cli: Cli, tmp_path: Path) -> None:
        """Four broken records among six, counted once each: two of three sharing a key are duplicates (two records
        with one key, not one paper)."""
        from lintutil import paper, write_db

        good: dict[str, Any] = {"links": [{"label": "Paper", "url": "https://example.org/p.pdf"}], "venue": "CVPR"}
        path = write_db(
            tmp_path,
            [
                paper("bad key", "Post-Training Quantization of Transformers", **good),
                paper("y2024", "Low-Bit Quantization of Language Models", year="x", **good),
                paper("dup2024", "Quantization Aware Training for Detectors", **good),
                paper("dup2024", "Mixed-Precision Quantization for Vision Transformers", **good),
                paper("dup2024", "Binary Quantization for Vision Transformers", **good),
                paper("ok2024", "Vector Quantization of Diffusion Models", **good),
            ],
        )
        out = cli("--db", str(path), "check", "--json", "--ignore", "stale-output", code=1).stdout
        with_findings = {(f["key"], f["line"]) for f in findings(out) if f["key"]}
        assert {key for key, _ in with_findings} == {"bad key", "y2024", "dup2024"} and len(with_findings) == 4
        assert self._summary(cli, path).endswith("in 4 of 6 papers")

    def test_a_broken_section_or_a_single_paper(self, cli: Cli, tmp_path: Path) -> None:
        """A broken taxonomy stops the rules, but the file's papers are still counted; `1 paper`, singular; none."""
        from lintutil import paper, write_db

        broken = write_db(tmp_path / "a", [paper("a2024", "Quantization")], sections=[{"id": "quantization"}])
        assert self._summary(cli, broken).endswith("in 0 of 1 paper")
        one = write_db(tmp_path / "b", [paper("a 2024", "Low-Bit Quantization of Language Models")])
        assert self._summary(cli, one).endswith("in 1 of 1 paper")
        (tmp_path / "c").mkdir()
        (tmp_path / "c" / "papers.toml").write_text('[survey]\ntitle = "T"\n', encoding="utf-8")
        assert self._summary(cli, tmp_path / "c" / "papers.toml", code=0).endswith("in 0 of 0 papers")

    def test_a_file_that_is_not_toml(self, cli: Cli, tmp_path: Path) -> None:
        """Nothing can be counted: the summary says so instead of `0 of 0 papers`."""
        path = tmp_path / "papers.toml"
        path.write_text("[survey\n", encoding="utf-8")
        assert self._summary(cli, path) == "check: 1 error, 0 warnings, 0 infos; the papers could not be counted"
