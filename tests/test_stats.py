"""`evlm stats`: the counts (tables, JSON, CSV), the LaTeX table (compiled with pdflatex when installed) and the SVG
charts (deterministic bytes)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SHIPPED_DB, Cli
from evlm_cli import db
from evlm_cli.model import Paper, Section, Survey, SurveyInfo
from evlm_cli.stats import as_latex, compute


def _small() -> Survey:
    """Two top-level sections, one with a subsection; papers across years, venues, authors and add dates."""
    sections = (
        Section("compression", "Compression & Co"),
        Section("pruning", "Pruning", parent="compression"),
        Section("serving", "Serving"),
    )
    papers = (
        Paper("a2023", "A", "compression", authors=("Doe, Jane", "Li Wei"), year=2023, venue="ICLR",
              added=dt.date(2024, 1, 5)),
        Paper("b2024", "B", "pruning", authors=("Jane Doe",), year=2024, venue="ICLR", added=dt.date(2024, 3, 1)),
        Paper("c2024", "C", "pruning", authors=("Müller, Hans", "others"), year=2024, venue="CVPR",
              also_in=("serving",)),
        Paper("d", "D", "serving", authors=("Li Wei",)),
    )  # fmt: skip
    return Survey(SurveyInfo("T"), sections, papers)


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "papers.toml"
    path.write_text(db.dumps(_small()), encoding="utf-8")
    return path


def test_json_counts_sections_years_venues_growth_and_authors(cli: Cli, small_db: Path) -> None:
    data = json.loads(cli("--db", str(small_db), "stats", "--json").stdout)
    assert data["papers"] == 4
    rows = {s["id"]: s for s in data["sections"]}
    # a section counts its subsections; a cross-listed paper is counted once, where it is filed
    assert (rows["compression"]["papers"], rows["compression"]["own"]) == (3, 1)
    assert rows["serving"]["papers"] == 1
    assert rows["compression"]["by_year"] == {"2023": 1, "2024": 2, "unknown": 0}
    assert data["years"] == {"2023": 1, "2024": 2, "unknown": 1}
    assert data["cumulative_years"] == {"2023": 1, "2024": 3}
    assert data["venues"] == {"ICLR": 2, "CVPR": 1, "unknown": 1}
    assert data["added"] == {"2024-01": 1, "2024-03": 2}
    # names are counted as written by people, whichever BibTeX order the database uses; `others` is no author
    assert data["authors"][:2] == [{"name": "Jane Doe", "papers": 2}, {"name": "Li Wei", "papers": 2}]
    assert "others" not in {a["name"] for a in data["authors"]}


def test_tables_for_people(cli: Cli, small_db: Path) -> None:
    out = cli("--db", str(small_db), "stats").stdout
    for text in ("4 papers per section and year", "  Pruning", "per venue", "growth by date added", "Jane Doe"):
        assert text in out


def test_csv_is_one_long_table(cli: Cli, small_db: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli("--db", str(small_db), "stats", "--csv").stdout)))
    assert set(rows[0]) == {"table", "row", "column", "value"}
    found = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    assert found["sections", "compression", "papers"] == "3"
    assert found["section_year", "pruning", "2024"] == "2"
    assert found["venues", "ICLR", "papers"] == "2"


def test_formats_exclude_each_other(cli: Cli, small_db: Path) -> None:
    result = cli("--db", str(small_db), "stats", "--json", "--csv", code=2)
    assert "only one of --json, --csv" in result.stderr
    assert "--keys works with --latex" in cli("--db", str(small_db), "stats", "--keys", code=2).stderr


def test_latex_table_lists_the_taxonomy_escaped(cli: Cli, small_db: Path) -> None:
    text = cli("--db", str(small_db), "stats", "--latex", "--keys").stdout
    assert r"\textbf{Compression {\&} Co} & 3 & \cite{a2023} \\" in text
    assert r"\quad Pruning & 2 & \cite{b2024,c2024} \\" in text
    assert r"\toprule" in text and r"\bottomrule" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (.ci/run installs it)")
@pytest.mark.parametrize("keys", [False, True])
def test_latex_table_compiles_without_warnings(tmp_path: Path, keys: bool) -> None:
    survey = db.load(SHIPPED_DB)
    (tmp_path / "taxonomy.tex").write_text(as_latex(survey, compute(survey), keys=keys), encoding="utf-8")
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs,tabularx}\n"
        "\\begin{document}\n\\input{taxonomy}\n\\end{document}\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-2000:]
    # \cite without a bibliography warns about undefined citations; anything else is the table's fault
    problems = [
        line
        for line in log.splitlines()
        if ("Warning" in line or "Overfull" in line or "Underfull" in line) and "Citation" not in line
        and "There were undefined references" not in line
    ]  # fmt: skip
    assert not problems, "\n".join(problems)


def test_charts_are_svg_with_the_same_bytes_every_time(cli: Cli, small_db: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    cli("--db", str(small_db), "stats", "--charts", str(first))
    cli("--db", str(small_db), "stats", "--charts", str(second))
    names = sorted(p.name for p in first.iterdir())
    assert names == ["papers-per-section.svg", "papers-per-year.svg"]
    for name in names:
        data = (first / name).read_bytes()
        assert data.startswith(b"<?xml") and b"<svg" in data
        assert data == (second / name).read_bytes()
    # the legend names the top-level sections (drawn as paths; matplotlib keeps the text in a comment)
    assert "Compression &amp; Co" in (first / "papers-per-year.svg").read_text(encoding="utf-8")


def test_charts_folder_that_is_a_file_is_a_usage_error(cli: Cli, small_db: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    cli("--db", str(small_db), "stats", "--charts", str(tmp_path / "file"), code=2)
