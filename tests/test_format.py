"""`evlm format`: the database in canonical form, as the pre-commit formatter writes it."""

from __future__ import annotations

from pathlib import Path

from conftest import SHIPPED_DB, Cli


def _hand_edit(db_path: Path) -> str:
    canonical = db_path.read_text(encoding="utf-8")
    edited = canonical.replace("\nyear = 2025\n", "\nyear   =   2025   # a comment\n", 1)
    assert edited != canonical
    db_path.write_text(edited, encoding="utf-8")
    return canonical


def test_check_reports_and_writes_nothing(cli: Cli, db_path: Path) -> None:
    """--check prints the diff to the canonical form and exits 1; the file stays as it was."""
    _hand_edit(db_path)
    before = db_path.read_bytes()
    result = cli("format", "--check", code=1)
    assert "+year = 2025" in result.stdout and "-year   =   2025" in result.stdout
    assert "not in canonical form" in result.stderr
    assert db_path.read_bytes() == before


def test_format_writes_the_canonical_form(cli: Cli, db_path: Path, repo: Path) -> None:
    """The formatter gives back exactly what evlm writes; the generated files are unchanged; a second run does
    nothing."""
    canonical = _hand_edit(db_path)
    readme = (repo / "README.md").read_bytes()
    assert "formatted: data/papers.toml" in cli("format").stderr
    assert db_path.read_text(encoding="utf-8") == canonical
    assert (repo / "README.md").read_bytes() == readme
    assert "unchanged: data/papers.toml" in cli("format").stderr
    assert "canonical: data/papers.toml" in cli("format", "--check").stderr


def test_shipped_database_is_canonical() -> None:
    """evlm's own database passes the hook it offers."""
    from evlm_cli import canonical

    assert canonical.diff(SHIPPED_DB) == ""


def test_invalid_database_is_an_error(cli: Cli, db_path: Path) -> None:
    """A database that does not load is a one-line error, and is left alone."""
    db_path.write_text("[survey\n", encoding="utf-8")
    result = cli("format", code=1)
    assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 3
    assert db_path.read_text(encoding="utf-8") == "[survey\n"
