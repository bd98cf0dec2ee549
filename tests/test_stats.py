"""`evlm stats`: the counts (tables, JSON, CSV), the LaTeX table (compiled with pdflatex when installed) and the SVG
charts (deterministic bytes)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _wide() -> Survey:
    """Thirty-one years (1995 to 2025) and some papers without one, over nested sections with long, wide (CJK,
    emoji) and one-word titles, and a venue too long for a narrow terminal."""
    sections = (
        Section("a", "Pre-deployment Techniques for Vision-Language Models"),
        Section("b", "Quantization-Aware-Training-Without-Any-Spaces", parent="a"),
        Section("c", "量化 (quantization) 🚀", parent="b"),
        Section("d", "Serving"),
        Section("e", "Empty"),
    )
    venue = "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops"
    papers = tuple(
        Paper(f"p{n}", f"P{n}", "bcd"[n % 3], year=None if n % 17 == 0 else 1995 + n % 31, venue=venue if n % 5 else "")
        for n in range(1, 400)
    )
    return Survey(SurveyInfo("T"), sections, papers)


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """The boxed tables rich printed: each one's header cells and its body lines' cells."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    for line in text.splitlines():
        if line.startswith("┃"):
            tables.append(([cell.strip() for cell in line.split("┃")[1:-1]], []))
        elif line.startswith("│"):
            tables[-1][1].append([cell.strip() for cell in line.split("│")[1:-1]])
    return tables


@pytest.fixture
def fresh_console() -> Iterator[None]:
    """The stdout console made again, to read COLUMNS as this test sets it, and after it for the next test."""
    from evlm_cli.cli import _console

    _console.out.cache_clear()
    yield
    _console.out.cache_clear()


class TestTablesFit:
    """No number or year is cut or left out, however narrow the terminal; in a file, the tables are whole."""

    @pytest.mark.parametrize("columns", ["40", "60", "80", None], ids=["40", "60", "80", "redirected"])
    @pytest.mark.parametrize("survey", ["shipped", "wide"])
    @pytest.mark.usefixtures("fresh_console")
    def test_every_count_is_shown_once(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str | None, survey: str
    ) -> None:
        path = SHIPPED_DB if survey == "shipped" else tmp_path / "wide.toml"
        if survey == "wide":
            path.write_text(db.dumps(_wide()), encoding="utf-8")
        if columns is None:
            monkeypatch.delenv("COLUMNS")
        else:
            monkeypatch.setenv("COLUMNS", columns)
        text = cli("--db", str(path), "stats").stdout
        data = json.loads(cli("--db", str(path), "stats", "--json").stdout)
        assert "…" not in text
        if columns is not None:
            assert max(map(len, text.splitlines())) <= int(columns)
        sections, years = data["sections"], list(data["years"])
        section_tables = [(header, rows) for header, rows in _tables(text) if header[0] == "section"]
        # each column once, in order, and in it every count, section by section (0 blank in the year columns)
        shown = {name: [row[index] for row in rows if row[index]]
                 for header, rows in section_tables for index, name in enumerate(header) if index}  # fmt: skip
        assert [name for header, _ in section_tables for name in header[1:]] == ["papers", "own", *years]
        assert shown["papers"] == [str(s["papers"]) for s in sections]
        assert shown["own"] == [str(s["own"]) for s in sections]
        for year in years:
            assert shown[year] == [str(s["by_year"][year]) for s in sections if s["by_year"][year]], year
        # every title is there, whole (wrapped or folded at most)
        for _, rows in section_tables:
            assert "".join(row[0] for row in rows).replace(" ", "") == "".join(s["title"] for s in sections).replace(
                " ", ""
            )
        if columns is None:
            assert len(section_tables) == 1  # a file has no width: the one table, whole
        venues = next(rows for header, rows in _tables(text) if header[0] == "venue")
        assert [cell for _, cell in venues if cell] == [str(count) for count in data["venues"].values()]

    def test_wide_table_splits_years_at_80_columns(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_console: None
    ) -> None:
        monkeypatch.setenv("COLUMNS", "80")
        path = tmp_path / "wide.toml"
        path.write_text(db.dumps(_wide()), encoding="utf-8")
        titles = [line.strip() for line in cli("--db", str(path), "stats").stdout.splitlines() if "per section" in line]
        assert titles == ["399 papers per section", *(f"per section and year ({n} of 5)" for n in range(1, 6))]


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


def _pdflatex(folder: Path, table: str, preamble: str = "") -> list[str]:
    """Compile `table` (`\\input`) with pdflatex in `folder`; the log's warnings (undefined citations aside)."""
    (folder / "taxonomy.tex").write_text(table, encoding="utf-8")
    (folder / "paper.tex").write_text(
        "\\documentclass{article}\n" + preamble + "\\usepackage{booktabs,tabularx}\n"
        "\\begin{document}\n\\input{taxonomy}\n\\end{document}\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    log = (folder / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-2000:]
    # \cite without a bibliography warns about undefined citations; anything else is the table's fault
    return [
        line
        for line in log.splitlines()
        if ("Warning" in line or "Overfull" in line or "Underfull" in line or "Missing character" in line)
        and "Citation" not in line and "There were undefined references" not in line
    ]  # fmt: skip


needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (.ci/run installs it)"
)
T1 = "\\usepackage[T1]{fontenc}\n"


@needs_pdflatex
@pytest.mark.parametrize("keys", [False, True])
def test_latex_table_compiles_without_warnings(tmp_path: Path, keys: bool) -> None:
    survey = db.load(SHIPPED_DB)
    assert not _pdflatex(tmp_path, as_latex(survey, compute(survey), keys=keys), T1)


def _titled(tmp_path: Path, titles: list[str]) -> Path:
    """A survey of one paper whose top-level sections have these titles."""
    sections = tuple(Section(f"s{number}", title) for number, title in enumerate(titles))
    path = tmp_path / "titles.toml"
    path.write_text(db.dumps(Survey(SurveyInfo("T"), sections, (Paper("a2024", "A", "s0", year=2024),))), "utf-8")
    return path


def _chars(*blocks: tuple[int, int]) -> str:
    return "".join(chr(c) for start, end in blocks for c in range(start, end) if chr(c).isprintable())


LATIN = _chars((0x21, 0x7F), (0xA1, 0x250), (0x250, 0x2B0), (0x1E00, 0x1F00))
"""ASCII, Latin-1 Supplement, Latin Extended-A and -B, IPA Extensions, Latin Extended Additional."""
PUNCTUATION = _chars((0x2010, 0x2032), (0x2038, 0x205F), (0x20A0, 0x20C1))
"""General Punctuation (but the reversed primes: math, which needs amssymb) and the currency signs."""
EMOJI = "🚀 ✨ 👍🏽 👨‍👩‍👧 ❤️ 🇪🇺"


class TestLatexTitles:
    """`stats --latex` writes any section title so that pdflatex typesets the table in OT1 (LaTeX's default) and
    T1 documents with booktabs alone: letters that need a package are named in a comment and a warning."""

    def test_straight_quotes_and_t1_only_letters_are_set_in_t1(self, cli: Cli, tmp_path: Path) -> None:
        db_path = _titled(tmp_path, ['The "Best" Þór ðe ąę'])
        text = cli("--db", str(db_path), "stats", "--latex").stdout
        t1 = r"{\fontencoding{T1}\selectfont"
        assert rf"{t1}{{\textquotedbl}}}}Best{t1}{{\textquotedbl}}}}" in text
        assert rf"{t1}{{\TH}}}}{{\'o}}r {t1}{{\dh}}}}e {t1}{{\k{{a}}}}}}{t1}{{\k{{e}}}}}}" in text

    def test_emoji_are_left_out_and_letters_built_from_accents(self, cli: Cli, tmp_path: Path) -> None:
        db_path = _titled(tmp_path, [f"Fast {EMOJI} Việt ħ"])
        result = cli("--db", str(db_path), "stats", "--latex")
        assert r"\textbf{Fast Vi\d{\^{e}}t h} & 1" in result.stdout
        assert not result.stderr

    def test_letters_needing_a_package_are_named(self, cli: Cli, tmp_path: Path) -> None:
        db_path = _titled(tmp_path, ["Русский", "量化 and ə"])
        result = cli("--db", str(db_path), "stats", "--latex")
        comment = result.stdout.splitlines()[1]
        assert comment.startswith("% pdflatex sets some letters of these titles only with a package:")
        for named in (r"Cyrillic (Руский: \usepackage[T2A]{fontenc})", "CJK (量化: \\usepackage{CJKutf8}", "other (ə)"):
            assert named in comment
        assert r"\textbf{Русский} & 1" in result.stdout  # kept as typed, for the package (or xelatex) to set
        assert "warning: section titles hold Cyrillic, CJK, other letters" in result.stderr

    def test_stderr_stays_quiet(self, tmp_path: Path) -> None:
        """pylatexenc logs a slip of its own while evlm writes `⅓`: with no logging set up, Python printed it (a
        real process: pytest's log capture would hide it)."""
        db_path = _titled(tmp_path, ["One ⅓ of it"])
        command = [sys.executable, "-m", "evlm_cli", "--db", str(db_path), "stats", "--latex"]
        run = subprocess.run(command, capture_output=True, text=True, check=True)
        assert r"\textbf{One 1{\textfractionsolidus}3 of it}" in run.stdout
        assert not run.stderr

    @needs_pdflatex
    @pytest.mark.parametrize("preamble", ["", T1], ids=["OT1", "T1"])
    def test_any_title_compiles(self, cli: Cli, tmp_path: Path, preamble: str) -> None:
        """Every Latin letter, punctuation mark and currency sign, emoji, and letters of other scripts: the table
        compiles once the letters named in its comment are given a glyph (as their package would)."""
        text = LATIN + PUNCTUATION + EMOJI + "Русский 量化"
        db_path = _titled(tmp_path, [text[start : start + 36] for start in range(0, len(text), 36)])
        table = cli("--db", str(db_path), "stats", "--latex").stdout
        named = "".join(re.findall(r"(?:; |: )\w+ \(([^:)]*)", table.splitlines()[1]))
        assert {"Р", "量", "ə"} <= set(named)
        assert not set(named) & set(LATIN[:0x5E] + "ÀÿĀžḀỹ")  # ASCII and the Latin letters of Europe and Vietnam
        declared = "".join(f"\\DeclareUnicodeCharacter{{{ord(c):04X}}}{{?}}\n" for c in named)
        problems = _pdflatex(tmp_path, table, preamble + declared)
        assert not [line for line in problems if "full \\hbox" not in line]  # long titles: lines too wide is fine

    def test_empty_survey_has_one_rule_above_the_total(self, cli: Cli, tmp_path: Path) -> None:
        path = tmp_path / "empty.toml"
        path.write_text(db.dumps(Survey(SurveyInfo("T"), (), ())), encoding="utf-8")
        lines = cli("--db", str(path), "stats", "--latex").stdout.splitlines()
        assert lines[lines.index(r"\toprule") :] == [
            r"\toprule", r"Section & Papers \\", r"\midrule", r"Total & 0 \\", r"\bottomrule", r"\end{tabular}"
        ]  # fmt: skip


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


def _svg_tree(path: Path) -> Any:
    """The SVG's elements, with its comments (where matplotlib keeps the texts it draws as paths)."""
    from xml.etree.ElementTree import TreeBuilder

    from defusedxml.ElementTree import DefusedXMLParser, parse

    return parse(path, parser=DefusedXMLParser(target=TreeBuilder(insert_comments=True))).getroot()


SVG = "{http://www.w3.org/2000/svg}"


def _box(element: Any) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) of the rectangles (bars, legend keys) drawn as paths under `element`."""
    points = [
        (float(x), float(y))
        for path in element.iter(f"{SVG}path")
        if "id" not in path.attrib  # a glyph's definition, not a shape
        for x, y in re.findall(r"([-\d.]+) ([-\d.]+)", path.get("d", ""))
    ]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _group(root: Any, name: str) -> Any:
    return next(g for g in root.iter(f"{SVG}g") if g.get("id") == name)


def _texts(element: Any) -> list[str]:
    """The texts matplotlib drew as paths under `element` (it keeps each in a comment)."""
    from xml.etree.ElementTree import Comment

    return [str(node.text).strip() for node in element.iter() if node.tag is Comment]


class TestPerYearChart:
    """The README chart: a legend that never covers a bar, every year from the first to the last, a clear chart
    when no paper has a year, and none of matplotlib's warnings."""

    def _draw(self, cli: Cli, db_path: Path, folder: Path) -> Any:
        result = cli("--db", str(db_path), "stats", "--charts", str(folder))
        assert "warning" not in result.stderr.casefold()
        return _svg_tree(folder / "papers-per-year.svg")

    @pytest.mark.parametrize("sections", [3, 9])
    def test_legend_is_below_the_bars_and_inside_the_figure(self, cli: Cli, tmp_path: Path, sections: int) -> None:
        titles = [f"Section {n} on efficient vision-language deployment" for n in range(sections)]
        survey = Survey(
            SurveyInfo("T"),
            tuple(Section(f"s{n}", title) for n, title in enumerate(titles)),
            tuple(Paper(f"p{n}", "P", f"s{n % sections}", year=2015 + n % 3) for n in range(300)),
        )
        path = tmp_path / "many.toml"
        path.write_text(db.dumps(survey), encoding="utf-8")
        root = self._draw(cli, path, tmp_path / "charts")
        width, height = (float(root.get(side).removesuffix("pt")) for side in ("width", "height"))
        axes = _group(root, "axes_1")
        bars = _box(axes)  # the bars (and the axes' frame): the 2015 bar is the tallest, as the legend sat there
        legend = _group(root, "legend_1")
        left, top, right, bottom = _box(legend)
        assert top > bars[3], "the legend overlaps the axes"
        assert left >= 0 and right <= width and bottom <= height
        assert " ".join(_texts(legend)) == " ".join(titles)  # long titles wrap

    def test_every_year_from_first_to_last(self, cli: Cli, tmp_path: Path) -> None:
        """The shipped survey has papers in 2017 and from 2021: 2018 to 2020 are on the axis, with no bar."""
        root = self._draw(cli, SHIPPED_DB, tmp_path)
        years = [int(y) for y in compute(db.load(SHIPPED_DB)).years if y != "unknown"]
        axis = _texts(_group(root, "matplotlib.axis_1"))
        assert axis == [*(str(y) for y in range(min(years), max(years) + 1)), "Year"]

    def test_papers_without_a_year_are_counted_in_the_label(self, small_db: Path, cli: Cli, tmp_path: Path) -> None:
        root = self._draw(cli, small_db, tmp_path)
        assert "Year (1 paper without a year not shown)" in _texts(root)

    @pytest.mark.parametrize("papers", ["none", "undated"])
    def test_no_paper_with_a_year(self, cli: Cli, tmp_path: Path, papers: str) -> None:
        sections = (Section("a", "Alpha"),)
        undated = (Paper("x", "X", "a"), Paper("y", "Y", "a")) if papers == "undated" else ()
        path = tmp_path / "undated.toml"
        path.write_text(db.dumps(Survey(SurveyInfo("T"), sections, undated)), encoding="utf-8")
        root = self._draw(cli, path, tmp_path / "charts")
        assert "no papers with a year yet" in _texts(root)
        assert _texts(_group(root, "matplotlib.axis_2")) == ["0", "Papers"]  # no 0.0 to 1.0 scale
        assert not [g for g in root.iter(f"{SVG}g") if g.get("id") == "legend_1"]

    def test_emoji_and_cjk_titles_draw_without_warnings(self, cli: Cli, tmp_path: Path) -> None:
        """matplotlib's font has no emoji (left out of the legend) nor CJK (drawn as boxes): it would warn."""
        sections = (Section("a", "Fast 🚀 models"), Section("b", "量化"))
        papers = (Paper("x", "X", "a", year=2023), Paper("y", "Y", "b", year=2024))
        path = tmp_path / "glyphs.toml"
        path.write_text(db.dumps(Survey(SurveyInfo("T"), sections, papers)), encoding="utf-8")
        root = self._draw(cli, path, tmp_path / "charts")  # pytest turns a warning into an error
        assert _texts(_group(root, "legend_1")) == ["Fast models", "量化"]
        section_chart = (tmp_path / "charts" / "papers-per-section.svg").read_text(encoding="utf-8")
        assert "🚀" not in section_chart and "量化" in section_chart
