"""Errors and hints of the command line as a whole: a wrong --db, a key in the wrong case, colours."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli


class TestHints:
    def test_db_is_a_folder(self, cli: Cli, repo: Path) -> None:
        """--db naming a folder says so and names the file to pass."""
        result = cli("--db", "data", "list", code=1)
        assert "names a folder" in result.stderr and "data/papers.toml" in result.stderr

    def test_db_is_empty(self, cli: Cli, repo: Path) -> None:
        """An empty --db is a usage error saying it is empty."""
        assert "--db is empty" in cli("--db", "", "list", code=2).stderr

    def test_key_in_wrong_case(self, cli: Cli, repo: Path) -> None:
        """A key typed in upper case gets the right key as the first suggestion."""
        assert "did you mean 'mbq2024modality'" in cli("show", "MBQ2024MODALITY", code=1).stderr

    def test_no_color_on_a_terminal_has_no_escape_codes(
        self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """NO_COLOR=1 on a (forced) terminal prints no escape codes at all, bold included; without it, styles show."""
        from evlm_cli.cli import _console

        monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats the output as a terminal
        try:
            for no_color, styled in (("", True), ("1", False)):
                monkeypatch.setenv("NO_COLOR", no_color)
                _console.err.cache_clear()
                _console.out.cache_clear()
                result = cli("show", "nope", code=1)
                assert ("\x1b[" in result.stderr) is styled
        finally:
            _console.err.cache_clear()
            _console.out.cache_clear()
