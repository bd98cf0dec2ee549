"""Shared fixtures: an isolated environment, a copy of the shipped database, and the CLI runner."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from evlm_cli.cli import app
from evlm_cli.model import Survey
from fakeapi import FakeApi

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):  # CI runs the same examples every time: a red build is never a roll of the dice
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).parent / "data"
SEED = TEST_DATA / "published-README.md"
"""The survey's README as published on GitHub (evlm's database was imported from it); see tests/data/SOURCES.md."""
SHIPPED_DB = ROOT / "data" / "papers.toml"


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's database, proxies, colours or cache [httpx clean_environ]."""
    for name in ("EVLM_DB", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def seed_text() -> str:
    """The published README, exactly as published (mis-decoded emoji included)."""
    return SEED.read_text(encoding="utf-8")


PUBLISHED_DATE = dt.date(2026, 11, 25)
"""The day the published list was imported: the `added` date of its papers."""


def published() -> Survey:
    """The published list as `evlm import readme` gives it: the data of the `repo` fixture."""
    from evlm_cli.importers.readme import parse_readme

    return parse_readme(SEED.read_text(encoding="utf-8"), today=PUBLISHED_DATE).survey


@pytest.fixture(scope="session")
def published_survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published list as `evlm import readme` gives it (data/papers.toml, the template, README.md, papers.bib),
    built once: the survey as first shipped, defects included, so tests do not change when the shipped data is
    corrected (docs/corrections.md)."""
    from evlm_cli import db

    root = tmp_path_factory.mktemp("published")
    (root / "data").mkdir()
    survey = published()
    (root / "data" / "papers.toml").write_text(db.dumps(survey), encoding="utf-8")
    shutil.copy(ROOT / "data" / "README.template.md", root / "data" / "README.template.md")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 0, result.output
    (root / "data" / "papers.toml.lock").unlink(missing_ok=True)
    return root


def _copy_repo(source: Path, target: Path) -> None:
    (target / "data").mkdir()
    for name in ("papers.toml", "README.template.md", "papers.bib", "papers-per-year.svg"):
        if (source / "data" / name).exists():
            shutil.copy(source / "data" / name, target / "data" / name)
    shutil.copy(source / "README.md", target / "README.md")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, published_survey: Path) -> Path:
    """A throw-away survey repository holding the published list (data/papers.toml, its template, a built README),
    as the current folder."""
    _copy_repo(published_survey, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shipped_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away copy of the shipped survey (the corrected data/papers.toml, template, README, papers.bib), as
    the current folder (a folder of its own, so that a test may have `repo` too)."""
    target = tmp_path / "shipped"
    target.mkdir()
    _copy_repo(ROOT, target)
    monkeypatch.chdir(target)
    return target


@pytest.fixture
def db_path(repo: Path) -> Path:
    return repo / "data" / "papers.toml"


class Cli:
    """Runs `evlm` in-process and checks the exit code [httpie's `http()`]."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Result:
        result = self.runner.invoke(app, list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return Result(result.stdout, result.stderr, result.exit_code)


class Result:
    def __init__(self, stdout: str, stderr: str, exit_code: int) -> None:
        self.stdout, self.stderr, self.exit_code = stdout, stderr, exit_code


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def api() -> Iterator[FakeApi]:
    """A fake arXiv/Crossref/web server on loopback; each test starts as a new process would, with no earlier arXiv
    request to keep a distance from."""
    from evlm_cli.sources import arxiv

    arxiv._last_request.clear()
    with FakeApi() as server:
        yield server
