"""`evlm build`: README.md regenerated from the database; `--check` reports staleness without writing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, Cli
from evlm_cli import db
from evlm_cli.errors import EvlmError
from evlm_cli.markdown import github_anchor, headings, unique_anchors
from evlm_cli.render.readme import render_readme


class TestBuild:
    def test_shipped_readme_is_current(self, cli: Cli, repo: Path) -> None:
        """The committed README.md is what `evlm build` generates."""
        result = cli("build", "--check")
        assert "unchanged:" in result.stderr

    def test_check_fails_on_stale_readme_and_writes_nothing(self, cli: Cli, repo: Path) -> None:
        """A hand edit makes --check exit 1 with a unified diff; the file is left as it is."""
        readme = repo / "README.md"
        readme.write_text(readme.read_text(encoding="utf-8").replace("MBQ-Modality", "MBQ Modality"), encoding="utf-8")
        stale = readme.read_bytes()
        result = cli("build", "--check", code=1)
        assert "-- MBQ Modality" in result.stdout and "+- MBQ-Modality" in result.stdout
        assert "stale" in result.stderr
        assert readme.read_bytes() == stale
        cli("build")
        cli("build", "--check")

    def test_database_change_shows_up(self, cli: Cli, repo: Path) -> None:
        """Changing a title in the database changes the README line after a build."""
        toml = repo / "data" / "papers.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('title = "M2IST"', 'title = "M2IST: Multi"'), "utf-8")
        cli("build", "--check", code=1)
        cli("build")
        assert "- M2IST: Multi, <ins>arXiv, 2024</ins>" in (repo / "README.md").read_text(encoding="utf-8")

    def test_two_builds_identical(self, cli: Cli, repo: Path) -> None:
        """Building twice gives identical bytes."""
        (repo / "README.md").unlink()
        cli("build")
        first = (repo / "README.md").read_bytes()
        cli("build")
        assert (repo / "README.md").read_bytes() == first

    def test_writes_beside_data_folder(self, cli: Cli, tmp_path: Path) -> None:
        """`--db DIR/data/papers.toml build` writes DIR/README.md."""
        target = tmp_path / "survey"
        (target / "data").mkdir(parents=True)
        shutil.copy(ROOT / "data" / "papers.toml", target / "data" / "papers.toml")
        cli("--db", str(target / "data" / "papers.toml"), "build")
        assert (target / "README.md").is_file()
        assert "<!-- evlm:" not in (target / "README.md").read_text(encoding="utf-8")

    def test_readme_shows_tool_section(self) -> None:
        """The front page tells readers how to install and run evlm and how to run the tests."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        assert "pip install . && evlm" in readme
        assert "pip install -e '.[test]' && pytest" in readme
        assert "evlm build" in readme


class TestTableOfContents:
    def test_every_toc_link_resolves(self) -> None:
        """Each table-of-contents link points at a heading anchor that GitHub generates."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        anchors = set(unique_anchors([text for _, text in headings(readme)]))
        toc = readme.split("## 📖 Table of Content", 1)[1].split("\n\n", 1)[0]
        links = [line.split("](#", 1)[1].rstrip(")") for line in toc.strip().splitlines()]
        assert len(links) == 23
        assert set(links) <= anchors

    @pytest.mark.parametrize(
        ("heading", "anchor"),
        [
            ("🤖 Pre-deployment Techniques", "-pre-deployment-techniques"),
            ("🧑\u200d💻 Runtime Optimization", "-runtime-optimization"),
            ("Test-Time Adaption", "test-time-adaption"),
            ("C++ & Rust: what's new?", "c--rust-whats-new"),
            ("Über Çava", "über-çava"),
        ],
    )
    def test_github_anchor(self, heading: str, anchor: str) -> None:
        """Anchors follow GitHub's rules: lower case, emoji and punctuation dropped, spaces to hyphens."""
        assert github_anchor(heading) == anchor

    def test_repeated_headings_get_suffixes(self) -> None:
        """Repeats get -1, -2 as on GitHub."""
        assert unique_anchors(["A", "A", "A", "a-1"]) == ["a", "a-1", "a-2", "a-1-1"]


class TestTemplate:
    def test_missing_placeholder_is_an_error(self, db_path: Path) -> None:
        """A template without the papers placeholder is refused, not rendered without papers."""
        with pytest.raises(EvlmError, match="evlm:papers"):
            render_readme(db.load(db_path), "<!-- evlm:header -->\n<!-- evlm:toc -->\n<!-- evlm:footer -->\n")

    def test_broken_template_in_repo(self, cli: Cli, repo: Path) -> None:
        """The CLI reports a broken template as one error line."""
        (repo / "data" / "README.template.md").write_text("<!-- evlm:header -->\n<!-- evlm:nope -->\n", "utf-8")
        result = cli("build", code=1)
        assert "unknown placeholder <!-- evlm:nope -->" in result.stderr

    def test_default_template_without_repo_template(self, cli: Cli, repo: Path) -> None:
        """Without README.template.md beside the database, evlm's default template is used."""
        (repo / "data" / "README.template.md").unlink()
        cli("build")
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert "- MBQ-Modality-Balanced" in readme and "evlm tool" not in readme
