"""Control characters (model.validate_all, db.check_text): a NUL anywhere, and a line break or other control
character in a one-line field, are validation errors naming the file and line, so a README never gets an injected
heading and no export ever holds a NUL. Multi-line fields keep their line feeds. The same holds for values from
`add`, `edit` and the importers."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Cli
from dbutil import record_line
from evlm_cli import db
from evlm_cli.model import ONE_LINE_FORBIDDEN, Link, Paper, Section, Survey, SurveyInfo, validate_all

KEY = "mbq2024modality"
TITLE = 'title = "MBQ-Modality-Balanced Quantization for Large Vision-Language Models"'


def _replace(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in the database file with `new`."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class TestHandEditedDatabase:
    """A hand-edited TOML with control characters: `list`, `build` and `export` refuse it with file:line."""

    def _refused(self, cli: Cli, db_path: Path, line: int, *fragments: str) -> None:
        result = cli("list", code=1)
        assert result.stderr.count("\n") == 1, result.stderr
        assert f"papers.toml:{line}:" in result.stderr, result.stderr
        for fragment in fragments:
            assert fragment in result.stderr, result.stderr

    def test_newline_in_title_is_not_a_heading(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """A multi-line string in a title would put `# Injected` on its own README line: refused, README kept."""
        readme = (repo / "README.md").read_bytes()
        _replace(db_path, TITLE, 'title = """MBQ\n# Injected"""')
        line = record_line(db_path, '"""MBQ')
        self._refused(cli, db_path, line, f"paper '{KEY}'", "field 'title' holds a line break (U+000A)")
        assert "Injected" not in cli("build", code=1).stdout
        assert (repo / "README.md").read_bytes() == readme

    @pytest.mark.parametrize("fmt", ["ris", "csl-json", "bibtex", "csv"])
    def test_nul_never_reaches_an_export(self, cli: Cli, db_path: Path, fmt: str) -> None:
        """A NUL (written `\\u0000` in TOML) is refused before any export is written."""
        _replace(db_path, 'venue = "arXiv"', 'venue = "ar\\u0000Xiv"')
        result = cli("export", fmt, code=1)
        assert "\x00" not in result.stdout
        assert "holds a control character (U+0000)" in result.stderr

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("title", '"MBQ\\u0085"'),
            ("venue", '"arXiv\\r"'),
            ("authors", '["A\\u000bB"]'),
            ("tags", '["a\\u2028b"]'),
            ("arxiv", '"2412.19509\\n"'),
            ("doi", '"10.1145/x\\u0000"'),
            ("note", '"a\\u0000b"'),
            ("abstract", '"""one\ntwo\\u001b[31m"""'),
            ("journal_ref", '"J\\u009b"'),
            ("links", '[{ label = "Co\\nde", url = "https://a.io" }]'),
        ],
    )
    def test_each_field(self, cli: Cli, db_path: Path, field: str, value: str) -> None:
        """Every text field of a paper is checked, one-line fields against line breaks too."""
        text = db_path.read_text(encoding="utf-8")
        start = text.index(f'key = "{KEY}"')
        record = text[start : text.index("[[papers]]", start)]
        lines = record.splitlines()
        if field == "links":  # the whole `links = [ ... ]` array
            first = lines.index("links = [")
            del lines[first : lines.index("]", first) + 1]
        lines = [line for line in lines if not line.startswith(f"{field} =")]
        lines.insert(2, f"{field} = {value}")
        db_path.write_text(text.replace(record, "\n".join(lines) + "\n"), encoding="utf-8")
        self._refused(cli, db_path, record_line(db_path, f'key = "{KEY}"'), f"field {field!r} holds")

    def test_section_title(self, cli: Cli, db_path: Path) -> None:
        _replace(db_path, 'title = "Pruning"', 'title = "Pruning\\n## Injected"')
        line = record_line(db_path, "Pruning\\n## Injected")
        self._refused(cli, db_path, line, "section 'pruning'", "field 'title' holds a line break")

    def test_survey_header_names_its_line(self, cli: Cli, db_path: Path) -> None:
        """A problem in [survey] points at the `[survey]` line."""
        _replace(db_path, 'affiliation = "', 'affiliation = "\\u0007')
        self._refused(cli, db_path, record_line(db_path, "affiliation"), "[survey]", "field 'affiliation' holds")

    def test_check_reports_it_with_the_line(self, cli: Cli, db_path: Path) -> None:
        """`evlm check` lists it as a schema error at its line, and checks the other papers."""
        _replace(db_path, 'venue = "arXiv"', 'venue = "ar\\u0000Xiv"')
        line = record_line(db_path, "ar\\u0000Xiv")
        result = cli("check", "--json", code=1)
        assert f'"line": {line}' in result.stdout and "U+0000" in result.stdout

    def test_multi_line_fields_keep_line_feeds_and_tabs(self, cli: Cli, db_path: Path) -> None:
        """An abstract, a note or the intro may span lines; a tab is fine in a title."""
        _replace(db_path, TITLE, 'title = "MBQ\\tModality"\nnote = """line one\nline two"""')
        cli("list")
        assert db.load(db_path).paper(KEY).note == "line one\nline two"


class TestModel:
    """validate_all on Surveys built in code (what `add`, `edit` and the importers produce)."""

    SURVEY = Survey(
        SurveyInfo(title="T"),
        sections=(Section("s", "S"),),
        papers=(Paper(key="k", title="A", section="s"),),
    )

    @pytest.mark.parametrize("char", ["\x00", "\n", "\r", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029"])
    def test_one_line_fields_refuse_controls_and_line_breaks(self, char: str) -> None:
        paper = Paper(
            key="k", title=f"A{char}B", section="s", authors=(f"X{char}",), links=(Link(f"L{char}", "https://a.io"),)
        )
        survey = Survey(self.SURVEY.info, self.SURVEY.sections, (paper,))
        assert {error.field for error in validate_all(survey)} == {"title", "authors", "links"}

    @pytest.mark.parametrize("char", ["\x00", "\r", "\x0c", "\x1b", "\x7f", "\x9f"])
    def test_multi_line_fields_refuse_controls(self, char: str) -> None:
        paper = Paper(key="k", title="A", section="s", abstract=f"a{char}b", note=f"n{char}")
        info = SurveyInfo(title="T", intro=f"i{char}", footer=f"f{char}")
        problems = validate_all(Survey(info, self.SURVEY.sections, (paper,)))
        assert {error.field for error in problems} == {"abstract", "note", "intro", "footer"}

    def test_multi_line_fields_accept_line_feeds_and_tabs(self) -> None:
        paper = Paper(key="k", title="A\tB", section="s", abstract="a\nb\tc", note="n\n")
        info = SurveyInfo(title="T\t", intro="x\n\ny", footer="<!--\n-->")
        assert validate_all(Survey(info, self.SURVEY.sections, (paper,))) == []

    def test_the_pattern_allows_tab_only(self) -> None:
        assert ONE_LINE_FORBIDDEN.search("a\tb é 🤖 \u200b") is None


class TestCommandValues:
    """Values from `add` and `edit` arguments go through the same validation: exit 1, nothing written."""

    def test_add_title_with_control_character(self, cli: Cli, db_path: Path) -> None:
        before = db_path.read_bytes()
        result = cli("add", "--title", "Tiny\x1b[31mRed", "--section", "pruning", code=1)
        assert "field 'title' holds a control character (U+001B)" in result.stderr
        assert db_path.read_bytes() == before

    def test_edit_value_with_control_character(self, cli: Cli, db_path: Path) -> None:
        before = db_path.read_bytes()
        result = cli("edit", KEY, "--set", "venue=CV\x07PR", code=1)
        assert "field 'venue' holds a control character (U+0007)" in result.stderr
        assert db_path.read_bytes() == before

    def test_edit_newline_becomes_a_space(self, cli: Cli, db_path: Path, repo: Path) -> None:
        """`edit` folds white space in one-line fields, so a newline can never inject a heading."""
        cli("edit", KEY, "--set", "title=MBQ\n# Injected")
        assert db.load(db_path).paper(KEY).title == "MBQ # Injected"
        assert "\n# Injected" not in (repo / "README.md").read_text(encoding="utf-8")


class TestImporters:
    """Importers drop or refuse control characters, with a report, and never write them."""

    def test_readme_replaces_them_and_says_where(self, cli: Cli, tmp_path: Path) -> None:
        readme = tmp_path / "in.md"
        readme.write_text(
            "# T\x07itle\n## S\n- A\x00 paper, <ins>CVPR, 2024</ins> [[Paper](https://a.io/x)]\n", encoding="utf-8"
        )
        target = tmp_path / "new.toml"
        result = cli("--db", str(target), "import", "readme", str(readme))
        assert "line 1: control character U+0007 replaced by a space" in result.stderr
        assert "line 3: control character U+0000 replaced by a space" in result.stderr
        survey = db.load(target)
        assert (survey.info.title, survey.papers[0].title) == ("T itle", "A paper")

    def test_bibtex_refuses_the_entry(self, cli: Cli, tmp_path: Path, db_path: Path) -> None:
        bib = tmp_path / "refs.bib"
        bib.write_text("@article{k1,\n  title = {A Pa\x00per},\n}\n@article{k2,\n  title = {Fine},\n}\n")
        result = cli("import", "bibtex", str(bib), "--section", "pruning", "--no-build")
        assert "refs.bib:1: k1: field 'title' holds a control character (U+0000); not imported" in result.stderr
        assert "\x00" not in db_path.read_text(encoding="utf-8")
        assert any(p.title == "Fine" for p in db.load(db_path).papers)
