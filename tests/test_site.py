"""`evlm site`: the files it writes, what the page holds (escaped), and how it treats the output folder. The search
itself runs in a browser: tests/test_site_browser.py."""

from __future__ import annotations

import errno
import html
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db
from evlm_cli.model import Link, Paper, Section, Survey, SurveyInfo


def _site(cli: Cli, repo: Path, *args: str) -> Path:
    out = repo / "site"
    cli("site", "-o", str(out), *args)
    return out


def test_writes_a_self_contained_site_under_300_kb(cli: Cli, repo: Path) -> None:
    out = _site(cli, repo)
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "index.html" in names and "assets/lunr.min.js" in names and "assets/lunr.LICENSE.txt" in names
    assert sum((out / name).stat().st_size for name in names) < 300 * 1024
    page = (out / "index.html").read_text(encoding="utf-8")
    # nothing comes from another host: every script and style sheet is a relative path inside the site
    for reference in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page):
        assert not re.match(r"[a-z]+:|//", reference), reference
        assert (out / reference).is_file()


def test_every_paper_and_section_is_on_the_page_with_its_bibtex(cli: Cli, repo: Path) -> None:
    page = (_site(cli, repo) / "index.html").read_text(encoding="utf-8")
    survey = db.load(repo / "data" / "papers.toml")
    for section in survey.sections:
        assert f'id="sec-{section.id}"' in page
    # the counts of the table of contents are read out as "13 papers" (an aria-label on a span is not)
    assert '<span class="count">13<span class="visually-hidden"> papers</span></span>' in page
    for paper in survey.papers:
        assert f'id="p-{paper.key}"' in page
    key = "mbq2024modality"
    bibtex = cli("export", "bibtex", "--key", key).stdout
    shown = re.search(rf'<pre class="bibtex" id="bib-{key}">(.*?)</pre>', page, re.DOTALL)
    assert shown is not None and html.unescape(shown.group(1)) == bibtex
    data = json.loads(re.search(r'<script id="evlm-data" type="application/json">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert [p["key"] for p in data["papers"]] == [p.key for p in survey.in_reading_order()]


def test_user_text_is_escaped_and_script_links_are_dropped(cli: Cli, tmp_path: Path) -> None:
    hostile = "</script><script>alert(1)</script> & <b>"
    survey = Survey(
        SurveyInfo("T"),
        (Section("s", "S"),),
        (Paper("x2024", hostile, "s", year=2024, links=(Link("Paper", "https://example.org/a"),), note=hostile),),
    )
    path = tmp_path / "papers.toml"
    path.write_text(db.dumps(survey), encoding="utf-8")
    cli("--db", str(path), "site", "-o", str(tmp_path / "out"))
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == 5  # data, index, abstracts and the two scripts: the title never closes one

    from evlm_cli.site.render import safe_url

    assert safe_url("javascript:alert(1)") == "#"
    assert safe_url("https://example.org/x:y") == "https://example.org/x:y"


def test_replaces_its_own_site_but_not_another_folder(cli: Cli, repo: Path) -> None:
    out = _site(cli, repo)
    (out / "stale.html").write_text("old", encoding="utf-8")
    _site(cli, repo)  # a previous evlm site is replaced as a whole
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()

    other = repo / "docs-folder"
    other.mkdir()
    (other / "mine.txt").write_text("keep", encoding="utf-8")
    result = cli("site", "-o", str(other), code=1)
    assert "not empty and is not a site evlm wrote" in result.stderr and "--force" in result.stderr
    assert (other / "mine.txt").read_text(encoding="utf-8") == "keep" and not (other / "index.html").exists()
    cli("site", "-o", str(other), "--force")
    assert (other / "index.html").is_file() and not (other / "mine.txt").exists()
    assert not [p for p in repo.iterdir() if p.name.endswith(".evlm-tmp")]  # no temporary folder left behind


@pytest.mark.parametrize("kind", ["file", "empty"])
def test_output_that_is_a_file_is_refused_and_an_empty_folder_is_used(cli: Cli, repo: Path, kind: str) -> None:
    target = repo / "out"
    if kind == "file":
        target.write_text("x", encoding="utf-8")
        assert "is not a folder" in cli("site", "-o", str(target), code=1).stderr
        assert target.read_text(encoding="utf-8") == "x"
    else:
        target.mkdir()
        cli("site", "-o", str(target))
        assert (target / "index.html").is_file()


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under `root`, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


class TestPreciousOutput:
    """An output folder whose replacement would lose the survey (or more) is refused, even with --force."""

    @pytest.fixture
    def layout(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        """tmp/outer/repo (data/papers.toml, README.md), tmp/elsewhere/deep and tmp/home (the home folder)."""
        from conftest import SHIPPED_DB

        repo = tmp_path / "outer" / "repo"
        (repo / "data").mkdir(parents=True)
        shutil.copy(SHIPPED_DB, repo / "data" / "papers.toml")
        (repo / "README.md").write_text("mine\n", encoding="utf-8")
        (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
        (tmp_path / "home").mkdir()
        (tmp_path / "home" / ".profile").write_text("keep\n", encoding="utf-8")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        return tmp_path

    @pytest.mark.parametrize(
        ("cwd", "output", "what"),
        [
            ("outer/repo", ".", "is the survey's repository"),
            ("outer/repo", "data", "is the database's folder"),
            ("outer/repo/data", "..", "is the survey's repository"),
            ("elsewhere", "../outer/repo", "is the survey's repository"),
            ("elsewhere", "../outer/repo/data/..", "is the survey's repository"),
            ("elsewhere", "../outer", "holds the database"),
            ("elsewhere/deep", ".", "is the current folder"),
            ("elsewhere/deep", "..", "holds the current folder"),
            ("elsewhere", "../home", "is the home folder"),
        ],
    )
    def test_refused_with_force_and_nothing_moves(
        self, cli: Cli, layout: Path, monkeypatch: pytest.MonkeyPatch, cwd: str, output: str, what: str
    ) -> None:
        """The repository, the database's folder and those above it, the current folder and the home folder."""
        monkeypatch.chdir(layout / cwd)
        before = _tree(layout)
        database = layout / "outer" / "repo" / "data" / "papers.toml"
        result = cli("--db", str(database), "site", "-o", output, "--force", code=1)
        line = result.stderr.strip()
        assert "\n" not in line and f"the output folder {what};" in line, line
        assert str((layout / cwd / output).resolve()) in line and "choose a folder of its own, e.g. -o site" in line
        assert _tree(layout) == before

    def test_found_database_without_force_is_not_told_to_force(
        self, cli: Cli, layout: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`evlm site -o .` in the repository: the database is found, and the hint is not --force."""
        monkeypatch.chdir(layout / "outer" / "repo")
        before = _tree(layout)
        stderr = cli("site", "-o", ".", code=1).stderr
        assert "is the survey's repository" in stderr and "--force" not in stderr
        assert _tree(layout) == before
        cli("site", "-o", "data/site")  # a folder inside the repository is the site's own
        assert (layout / "outer" / "repo" / "data" / "site" / "index.html").is_file()

    @pytest.mark.parametrize(
        ("code", "hint"),
        [
            (errno.EBUSY, "the folder is in use"),
            (errno.EACCES, "is not writable; make it writable, or choose a folder elsewhere with -o"),
            (errno.EXDEV, "nothing was changed; choose another folder with -o"),
        ],
    )
    def test_a_failed_swap_keeps_the_old_site_and_says_how_to_fix(
        self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch, code: int, hint: str
    ) -> None:
        """An OSError from the final rename gives a hint for its cause, and the previous site is put back."""
        out = _site(cli, repo)
        before = _tree(out)
        rename = Path.rename

        def failing(self: Path, target: str | Path) -> Path:
            if Path(target) == out and ".evlm-tmp" in self.name and ".old." not in self.name:
                raise OSError(code, os.strerror(code))
            return rename(self, target)

        monkeypatch.setattr(Path, "rename", failing)
        stderr = cli("site", "-o", str(out), code=1).stderr
        assert f"cannot write the site: {os.strerror(code)}" in stderr and hint in stderr, stderr
        assert _tree(out) == before
        assert not [p for p in repo.iterdir() if p.name.endswith(".evlm-tmp")]


def test_each_paper_says_where_its_record_comes_from(cli: Cli, tmp_path: Path) -> None:
    """The recorded origin of the fields (grouped by source, with the record to check), pins and identifiers."""
    import datetime as dt

    from evlm_cli.model import Provenance

    day = dt.date(2026, 11, 30)
    arxiv = Provenance("arxiv", "2412.19509v2", "https://arxiv.org/abs/2412.19509v2", day)
    hand = Provenance("hand", url="https://openaccess.thecvf.com/x.html", date=day)
    paper = Paper(
        "mbq2024", "MBQ", "s", year=2025, venue="CVPR", arxiv="2412.19509", doi="10.1109/cvpr.2025.1",
        provenance=(("title", arxiv), ("year", hand), ("venue", hand), ("abstract", arxiv)), pinned=("venue",),
    )  # fmt: skip
    path = tmp_path / "papers.toml"
    path.write_text(db.dumps(Survey(SurveyInfo("T"), (Section("s", "S"),), (paper,))), encoding="utf-8")
    cli("--db", str(path), "site", "-o", str(tmp_path / "out"))
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    shown = re.search(r'<ul class="provenance"[^>]*>(.*?)</ul>', page, re.DOTALL)
    assert shown is not None
    lines = [re.sub(r"<[^>]+>", "", line).strip() for line in re.findall(r"<li>(.*?)</li>", shown.group(1))]
    assert lines == [
        "title, abstract: from arXiv 2412.19509v2 on 2026-11-30 https://arxiv.org/abs/2412.19509v2",
        "year, venue: entered by a maintainer on 2026-11-30, checked against https://openaccess.thecvf.com/x.html",
        "kept as written (pinned): venue",
        "arXiv:2412.19509",
        "DOI 10.1109/cvpr.2025.1",
    ]
    assert '<a href="https://openaccess.thecvf.com/x.html">' in shown.group(1)
