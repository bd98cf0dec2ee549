"""Command-line arguments holding bytes that are not UTF-8 (Python passes them on as lone surrogates): a usage
error (exit 2) showing the bytes, never a traceback, never written to the database (text.undecodable_argument,
checked by the Typer app's parser and by the launcher before its fast search lane)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli.text import undecodable_argument

LAUNCH = "from evlm_cli.launcher import main; main()"
"""What the `evlm` console script runs."""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="only POSIX passes undecodable bytes in arguments")


def evlm(*args: str | bytes) -> subprocess.CompletedProcess[str]:
    """The real `evlm`, given raw bytes as arguments, as a shell passes `$'\\xff'`."""
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *args], capture_output=True, text=True, timeout=60, check=False
    )


def _usage_error(stderr: str, shown: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert f"'{shown}', is not UTF-8 text" in stderr, stderr


class TestRealProcess:
    """Through the console script, with bytes as a shell passes them."""

    def test_search_fast_lane(self, db_path: Path) -> None:
        """`evlm search $'\\xff'`: the launcher's fast lane leaves it to Typer, which names it."""
        result = evlm("search", b"quant\xff")
        assert result.returncode == 2
        _usage_error(result.stderr, "quant\\xff")

    def test_add_title_writes_nothing(self, db_path: Path) -> None:
        """Before the check, the title reached the writer and failed there with a UnicodeEncodeError."""
        before = db_path.read_bytes()
        result = evlm("add", "--title", b"ab\xffc", "--section", "pruning")
        assert result.returncode == 2
        _usage_error(result.stderr, "ab\\xffc")
        assert db_path.read_bytes() == before

    def test_db_path(self, db_path: Path) -> None:
        result = evlm("--db", b"\xff.toml", "list")
        assert result.returncode == 2
        _usage_error(result.stderr, "\\xff.toml")

    def test_valid_utf8_passes(self, db_path: Path) -> None:
        """Non-ASCII text that is UTF-8 is fine."""
        result = evlm("search", "Müller".encode())
        assert result.returncode in (0, 1) and "not UTF-8" not in result.stderr


class TestInProcess:
    """Through the Typer app, as CliRunner passes the surrogates Python would make."""

    @pytest.mark.parametrize(
        "args",
        [
            ["search", "\udcff"],
            ["list", "--venue", "CV\udcffPR"],
            ["edit", "mbq2024modality", "--set", "venue=\udcff"],
            ["add", "--title", "\udcff", "--section", "pruning"],
            ["export", "bibtex", "--query", "x\udce9"],
            ["import", "bibtex", "r\udce9f.bib", "--section", "pruning"],
        ],
    )
    def test_every_command(self, cli: Cli, db_path: Path, args: list[str]) -> None:
        before = db_path.read_bytes()
        result = cli(*args, code=2)
        assert "is not UTF-8 text" in result.stderr
        assert db_path.read_bytes() == before


class TestFunction:
    def test_clean_arguments(self) -> None:
        assert undecodable_argument(["search", "Müller", "🤖", ""]) is None

    def test_names_the_argument_and_shows_its_bytes(self) -> None:
        message = undecodable_argument(["search", "caf\udce9"])
        assert message is not None and message.startswith("argument 2, 'caf\\xe9', is not UTF-8 text")

    def test_other_surrogates(self) -> None:
        """A surrogate that no byte produced (only possible in-process) is still refused, and shown escaped."""
        message = undecodable_argument(["\ud800"])
        assert message is not None and "\\ud800" in message
