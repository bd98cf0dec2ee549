"""Core robustness: unreadable outputs and templates, all schema errors at once, locks, symlinks, colours, hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db
from evlm_cli.errors import DatabaseError
from lintutil import findings, paper, write_db

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
        result = cli("edit", KEY, "--set", "note=x", code=1)
        assert "not writable" in result.stderr
        assert db_path.read_bytes() == before


class TestAllSchemaErrors:
    def test_check_reports_every_schema_error(self, cli: Cli, tmp_path: Path) -> None:
        """Four papers in an unknown section and a year 1800: five findings, each with its own line, key and field."""
        papers = [paper(f"p{i}2024", f"Paper number {i}", section="nowhere") for i in range(4)]
        papers += [paper("old1800", "An old paper", year=1800), paper("fine2024", "Fine paper", yaer=2024)]
        papers.append(paper("good2024", "A good paper about quantization"))
        path = write_db(tmp_path, papers)
        out = cli("--db", str(path), "check", "--json", "--ignore", "stale-output", code=1).stdout
        schema = findings(out, "schema")
        assert [(f["key"], f["field"]) for f in schema] == [
            ("fine2024", "yaer"),
            *[(f"p{i}2024", "section") for i in range(4)],
            ("old1800", "year"),
        ]
        lines = path.read_text(encoding="utf-8").splitlines()
        assert all(lines[f["line"]] == f'key = "{f["key"]}"' for f in schema)
        assert any(f["rule"] != "schema" for f in findings(out))  # the other rules still ran on the valid papers

    def test_load_still_raises_the_first(self, tmp_path: Path) -> None:
        """`db.load` raises only the first problem, as before."""
        path = write_db(tmp_path, [paper("a2024", "A", section="nowhere"), paper("b2024", "B", year=1800)])
        with pytest.raises(DatabaseError, match="unknown section 'nowhere'"):
            db.load(path)

    def test_duplicate_key_points_at_the_second_record(self, tmp_path: Path) -> None:
        """A duplicate key's error names the line of the duplicate, not of the first occurrence."""
        path = write_db(tmp_path, [paper("a2024", "First"), paper("b2024", "B"), paper("a2024", "Again")])
        with pytest.raises(DatabaseError, match="duplicate key") as caught:
            db.load(path)
        line = int(str(caught.value.where).split(":")[-2])
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[line - 1] == "[[papers]]" and lines[line + 1] == 'title = "Again"'
