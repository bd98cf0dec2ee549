"""`evlm check --format github` and `--json` name files relative to the repository root, from any folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Cli


def annotation_files(stdout: str) -> set[str]:
    return {row.split("file=")[1].split(",")[0] for row in stdout.splitlines() if row.startswith("::")}


@pytest.mark.parametrize("where", ["root", "data", "elsewhere"])
def test_github_paths_are_repository_relative(
    cli: Cli, repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """From the repository root, from data/ and from another folder with --db, annotations name data/papers.toml."""
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    folder = {"root": repo, "data": repo / "data", "elsewhere": tmp_path_factory.mktemp("elsewhere")}[where]
    monkeypatch.chdir(folder)
    db = str(Path("..") / "data" / "papers.toml") if where == "data" else str(repo / "data" / "papers.toml")
    out = cli("--db", db, "check", "--format", "github").stdout
    assert annotation_files(out) == {"data/papers.toml", "README.md"}


def test_json_findings_name_their_file(cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every --json finding has a repository-relative file: the database, or the stale output it is about."""
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    monkeypatch.chdir(repo / "data")
    found = json.loads(cli("check", "--json").stdout)
    assert {f["file"] for f in found} == {"data/papers.toml", "README.md"}
    assert {f["file"] for f in found if f["rule"] == "stale-output"} == {"README.md"}
