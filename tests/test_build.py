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


KEY = "mbq2024modality"


class TestUnreadableFiles:
    def test_readme_folder_stops_edit_before_database_changes(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """A folder where README.md should be is one error line, and the database stays byte-identical."""
        before = db_path.read_bytes()
        (repo / "README.md").unlink()
        (repo / "README.md").mkdir()
        result = cli("edit", KEY, "--set", "note=x", code=1)
        assert "README.md" in result.stderr and "Traceback" not in result.stderr
        assert db_path.read_bytes() == before

    def test_readme_folder_is_an_error_for_build(self, cli: Cli, repo: Path) -> None:
        """`evlm build` reports a folder in README.md's place instead of crashing."""
        (repo / "README.md").unlink()
        (repo / "README.md").mkdir()
        result = cli("build", code=1)
        assert "README.md" in result.stderr and "remove" in result.stderr

    @pytest.mark.parametrize("args", [("build",), ("build", "--check"), ("edit", KEY, "--set", "note=x")])
    def test_template_not_utf8(self, cli: Cli, repo: Path, db_path: Path, args: tuple[str, ...]) -> None:
        """A template that is not UTF-8 is one error naming it; the database is untouched."""
        before = db_path.read_bytes()
        (repo / "data" / "README.template.md").write_bytes(b"\xff")
        result = cli(*args, code=1)
        assert "README.template.md" in result.stderr and "not UTF-8" in result.stderr
        assert db_path.read_bytes() == before

    def test_template_not_utf8_in_check(self, cli: Cli, repo: Path) -> None:
        """`evlm check` reports an unreadable template as a finding, not a traceback."""
        (repo / "data" / "README.template.md").write_bytes(b"\xff")
        result = cli("check")
        assert "cannot render" in result.stdout and "not UTF-8" in result.stdout

    def test_template_folder_is_an_error(self, cli: Cli, repo: Path) -> None:
        """A folder named README.template.md is an error, not a silent switch to the default template."""
        (repo / "data" / "README.template.md").unlink()
        (repo / "data" / "README.template.md").mkdir()
        result = cli("build", code=1)
        assert "README.template.md" in result.stderr

    def test_unwritable_readme_folder_stops_edit(
        self, cli: Cli, repo: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When README.md's folder cannot be written, edit fails before the database is replaced."""
        import os

        before = db_path.read_bytes()
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != repo and real_access(p, mode))
        result = cli("edit", KEY, "--set", "venue=ICML", code=1)  # the venue is in README.md
        assert "not writable" in result.stderr
        assert db_path.read_bytes() == before


class TestBuildMessages:
    def test_missing_template_warns(self, cli: Cli, repo: Path) -> None:
        """A repository with README.md but no template builds with the default, and says so on stderr."""
        (repo / "data" / "README.template.md").unlink()
        result = cli("build")
        assert "warning: data/README.template.md is missing" in result.stderr
        assert "default template" in result.stderr

    def test_template_present_no_warning(self, cli: Cli, repo: Path) -> None:
        """With the template in place, build prints no warning."""
        assert "warning" not in cli("build").stderr

    def test_paths_relative_to_current_folder(self, cli: Cli, repo: Path) -> None:
        """Both generated files are named relative to the current folder."""
        (repo / "README.md").write_text("old\n", encoding="utf-8")
        (repo / "data" / "papers.bib").write_text("old\n", encoding="utf-8")
        lines = cli("build").stderr.splitlines()
        assert lines == ["written: README.md", "written: data/papers.bib"]
