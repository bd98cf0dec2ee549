"""Core robustness: unreadable outputs and templates, all schema errors at once, locks, symlinks, colours, hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli

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
