"""`evlm init` in an empty folder or from a list, and `evlm section ...` changing the taxonomy in one write each."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db

LISTS = Path(__file__).parent / "data" / "lists"


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my-survey"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


class TestInit:
    def test_empty_folder_then_build_and_check(self, cli: Cli, empty: Path) -> None:
        """`init` creates the database, template and README; `build --check` and `check` then pass."""
        cli("init", "--title", "Awesome Things")
        assert db.load(empty / "data" / "papers.toml").info.title == "Awesome Things"
        assert (empty / "data" / "README.template.md").exists()
        assert (empty / "README.md").read_text(encoding="utf-8").startswith("<!-- Generated")
        cli("build", "--check")
        cli("check")
        cli("section", "add", "pruning", "--title", "Pruning")
        assert "## Pruning" in (empty / "README.md").read_text(encoding="utf-8")

    def test_from_readme_keeps_the_page(self, cli: Cli, empty: Path) -> None:
        """`init --from` imports the list and rebuilds README.md from it, its prose kept."""
        original = (LISTS / "ins-opt4llm.md").read_text(encoding="utf-8")
        (empty / "README.md").write_text(original, encoding="utf-8")
        cli("init", "--from", "README.md")
        rebuilt = (empty / "README.md").read_text(encoding="utf-8")
        assert "<strong> Last Update: 2024/12/20 </strong>" in rebuilt
        assert len(db.load(empty / "data" / "papers.toml").papers) == 97
        cli("build", "--check")

    def test_refuses_to_overwrite(self, cli: Cli, empty: Path) -> None:
        """A second `init` needs --force; nothing changes without it."""
        cli("init")
        before = (empty / "data" / "papers.toml").read_bytes()
        result = cli("init", "--title", "Other", code=1)
        assert "already exists" in result.stderr
        assert (empty / "data" / "papers.toml").read_bytes() == before


class TestSection:
    def test_add_rename_move_remove(self, cli: Cli, db_path: Path) -> None:
        """Each command changes the taxonomy and the README together."""
        cli("section", "add", "token-merging", "--title", "Token Merging", "--parent", "token-reduction")
        survey = db.load(db_path)
        assert survey.section("token-merging").parent == "token-reduction"
        cli("section", "rename", "token-merging", "--title", "Token Merging and Pruning", "--id", "merging")
        assert db.load(db_path).section("merging").title == "Token Merging and Pruning"
        cli("section", "move", "knowledge-distillation", "--before", "pruning")
        ids = [s.id for s in db.load(db_path).sections]
        assert ids.index("knowledge-distillation") < ids.index("pruning")
        cli("section", "remove", "merging")
        assert not db.load(db_path).has_section("merging")
        cli("build", "--check")

    def test_remove_refuses_a_section_with_papers(self, cli: Cli, db_path: Path) -> None:
        """A section holding papers is removed only with --to, which takes them."""
        count = len(db.load(db_path).papers_in("structured"))
        result = cli("section", "remove", "structured", code=1)
        assert "holds" in result.stderr and "--to" in result.stderr
        cli("section", "remove", "structured", "--to", "unstructured")
        survey = db.load(db_path)
        assert not survey.has_section("structured")
        assert len(survey.papers_in("unstructured")) >= count

    def test_cross_listed_paper_shows_in_each_section(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """A paper with `also_in` appears under both sections of the README."""
        text = db_path.read_text(encoding="utf-8").replace(
            'key = "mbq2024modality"\n', 'key = "mbq2024modality"\nalso_in = ["pruning"]\n', 1
        )
        db_path.write_text(text, encoding="utf-8")
        cli("build")
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert readme.count("- MBQ-Modality-Balanced Quantization") == 2
