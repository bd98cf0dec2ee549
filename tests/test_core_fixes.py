"""Core robustness: unreadable outputs and templates, all schema errors at once, locks, symlinks, colours, hints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli
from evlm_cli import db
from evlm_cli.errors import DatabaseError
from evlm_cli.importers.readme import ReadmeImport, parse_readme
from evlm_cli.markdown import LINK
from evlm_cli.model import Link, Paper
from evlm_cli.render.readme import paper_line
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
        result = cli("edit", KEY, "--set", "venue=ICML", code=1)  # the venue is in README.md
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


def _import_line(line: str) -> ReadmeImport:
    return parse_readme(f"# T\n## S\n{line}\n", today=dt.date(2026, 11, 25))


def _normalized(alphabet: str, *, edges_alnum: bool = False) -> st.SearchStrategy[str]:
    text = st.text(alphabet, min_size=1, max_size=30)
    return text.filter(lambda t: " ".join(t.split()) == t and (not edges_alnum or (t[0].isalnum() and t[-1].isalnum())))


_WORDS = "abcXYZ09é "
_TITLE_CHARS = _WORDS + "[]()<>&;#\\*_-,:!/"
_URL = st.builds(lambda path: f"https://a.org/{path}", st.text("abz09()[]_-.?=&/~", max_size=20))


class TestReadmeEscaping:
    def test_spaces_inside_link_and_ins(self) -> None:
        """White space inside a link's parentheses and around venue and year is tolerated."""
        result = _import_line("- A Paper, <ins> NeurIPS ,  2022 </ins> [[Paper]( https://a.org/4 )]")
        assert result.problems == []
        [got] = result.survey.papers
        assert (got.title, got.venue, got.year) == ("A Paper", "NeurIPS", 2022)
        assert [(link.label, link.url) for link in got.links] == [("Paper", "https://a.org/4")]

    def test_link_left_in_title_is_a_problem(self) -> None:
        """A link GitHub would show but the importer cannot read is reported, never kept in a title."""
        result = _import_line("- A Paper, <ins>NeurIPS, 2022</ins> [[Paper](https://a.org/4 x)]")
        assert result.survey.papers == ()
        assert "link" in result.problems[0].reason

    def test_hostile_title_is_escaped_and_round_trips(self) -> None:
        """Link and HTML syntax in a title is escaped in the README and imported back unchanged."""
        title = "Evil [[Paper](https://evil.example)] <ins>X, 1999</ins> <script>"
        url = "https://en.wikipedia.org/wiki/A_)(b"
        line = paper_line(Paper("k", title, "s", year=2024, venue="V", links=(Link("Paper", url),)))
        assert "<script>" not in line and "[[Paper](https://evil" not in line
        assert [m.group("url") for m in LINK.finditer(line)] == ["https://en.wikipedia.org/wiki/A_%29%28b"]
        [got] = _import_line(line).survey.papers
        assert (got.title, got.links) == (title, (Link("Paper", url),))

    @settings(max_examples=150, deadline=None)
    @given(
        title=_normalized(_TITLE_CHARS, edges_alnum=True),
        venue=st.one_of(st.just(""), _normalized(_WORDS + "[]<>&;\\").filter(lambda v: not v.isdigit())),
        year=st.integers(1990, 2025),
        links=st.lists(st.builds(Link, _normalized(_TITLE_CHARS.replace(",", "")), _URL), max_size=3),
    )
    def test_paper_line_round_trip(self, title: str, venue: str, year: int, links: list[Link]) -> None:
        """Random titles, venues, labels and URLs: paper_line, then import, gives back the same fields."""
        line = paper_line(Paper("k", title, "s", year=year, venue=venue, links=tuple(links)))
        result = _import_line(line)
        assert result.problems == []
        [got] = result.survey.papers
        assert (got.title, got.venue, got.year, got.links) == (title, venue, year, tuple(links))


class TestBuildMessages:
    def test_missing_template_warns(self, cli: Cli, repo: Path) -> None:
        """A repository with README.md but no template builds with the default, and says so on stderr."""
        (repo / "data" / "README.template.md").unlink()
        result = cli("build")
        assert "warning: data/README.template.md is missing" in result.stderr
        assert "default template" in result.stderr

    def test_template_present_no_warning(self, cli: Cli, repo: Path) -> None:
        """With the template in place, build prints no warning."""
        assert "warning" not in cli("build").stderr

    def test_paths_relative_to_current_folder(self, cli: Cli, repo: Path) -> None:
        """Both generated files are named relative to the current folder."""
        (repo / "README.md").write_text("old\n", encoding="utf-8")
        (repo / "data" / "papers.bib").write_text("old\n", encoding="utf-8")
        lines = cli("build").stderr.splitlines()
        assert lines == ["written: README.md", "written: data/papers.bib"]


class TestFilesAndLocks:
    def test_save_through_symlink_keeps_the_link(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """Editing through a symlinked papers.toml changes the target and leaves the link a link."""
        target = repo / "real.toml"
        db_path.rename(target)
        db_path.symlink_to(target)
        cli("edit", KEY, "--set", "note=through the link")
        assert db_path.is_symlink()
        assert "through the link" in target.read_text(encoding="utf-8")

    def test_read_only_folder_lock_hint(self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A lock file that cannot be created (read-only folder) is one line with a hint."""
        real_open = Path.open

        def refuse(self: Path, *args: object, **kwargs: object) -> object:
            if self.name.endswith(".lock"):
                raise PermissionError(13, "Permission denied")
            return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(Path, "open", refuse)
        result = cli("edit", KEY, "--set", "note=x", code=1)
        assert "cannot create lock file" in result.stderr and "the folder is read-only" in result.stderr

    def test_build_check_needs_no_lock(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """`build --check` writes nothing, not even a lock file."""
        cli("build", "--check")
        assert not (repo / "data" / "papers.toml.lock").exists()

    def test_waiting_for_another_process_is_said_once(self, cli: Cli, db_path: Path) -> None:
        """When another process holds the lock, the command says once on stderr that it waits, then goes on."""
        import fcntl
        import threading

        handle = (db_path.parent / "papers.toml.lock").open("a+b")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        timer = threading.Timer(0.3, handle.close)
        timer.start()
        result = cli("edit", KEY, "--set", "note=after the wait")
        timer.join()
        assert result.stderr.count("waiting for another evlm process writing data/papers.toml ...") == 1
        assert "after the wait" in db_path.read_text(encoding="utf-8")


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


class TestImportAndToc:
    @pytest.mark.parametrize("content", ["", "just some prose\n\nand more\n"])
    def test_import_of_empty_readme_is_an_error(self, cli: Cli, tmp_path: Path, content: str) -> None:
        """A README with no headings and no papers is refused and nothing is written."""
        source = tmp_path / "empty.md"
        source.write_text(content, encoding="utf-8")
        target = tmp_path / "out" / "papers.toml"
        result = cli("--db", str(target), "import", "readme", str(source), code=1)
        assert f"no paper found in {source}" in result.stderr
        assert not target.parent.exists() or not any(target.parent.iterdir())

    def test_database_header_is_generic(self) -> None:
        """The database's header comment names no particular survey."""
        from evlm_cli.model import Survey, SurveyInfo

        first = db.dumps(Survey(SurveyInfo(title="Other"))).splitlines()[0]
        assert first.startswith("# A survey database managed by evlm") and "Vision" not in first

    def test_toc_anchor_after_readme_own_heading(self) -> None:
        """Sections named like the README's own headings link to GitHub's `-1` anchors, not to those headings."""
        from evlm_cli.model import Section, Survey, SurveyInfo
        from evlm_cli.render.readme import default_template, render_readme

        info = SurveyInfo(title="S", abstract="Text.", toc_title="Table of Contents")
        survey = Survey(info, (Section("abstract", "Abstract"), Section("toc", "Table of Contents"), Section("x", "X")))
        readme = render_readme(survey, default_template())
        assert "- [Abstract](#abstract-1)" in readme
        assert "- [Table of Contents](#table-of-contents-1)" in readme
        assert "- [X](#x)" in readme and "\x00" not in readme


class TestSearchFastLane:
    def test_db_folder_and_empty_db(self, repo: Path) -> None:
        """The fast lane refuses a folder as --db (through `locate`) and leaves an empty --db to Typer's usage error."""
        from evlm_cli.cli import _params
        from evlm_cli.location import locate

        with pytest.raises(DatabaseError, match="names a folder"):
            locate(Path("data"))
        assert _params.parse_root(["--db", "", "search", "x"]) is None
        assert _params.parse_root(["--db=  ", "search", "x"]) is None

    def test_no_color_unstyled(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Both lanes' consoles honour NO_COLOR for bold and reverse too."""
        import io

        from rich.console import Console

        from evlm_cli.cli import _console

        monkeypatch.setenv("NO_COLOR", "1")
        buffer = io.StringIO()
        Console(file=buffer, force_terminal=True, **_console.console_style()).print("[bold]x[/] [reverse]y[/]")
        assert "\x1b[" not in buffer.getvalue() and buffer.getvalue() == "x y\n"
