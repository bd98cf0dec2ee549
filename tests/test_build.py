"""`evlm build`: README.md regenerated from the database; `--check` reports staleness without writing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, Cli
from evlm_cli import db
from evlm_cli.errors import EvlmError
from evlm_cli.markdown import github_anchor, headings, unique_anchors
from evlm_cli.render.readme import render_readme


class TestBuild:
    def test_shipped_readme_is_current(self, cli: Cli, repo: Path) -> None:
        """The committed README.md is what `evlm build` generates."""
        result = cli("build", "--check")
        assert "unchanged:" in result.stderr

    def test_check_fails_on_stale_readme_and_writes_nothing(self, cli: Cli, repo: Path) -> None:
        """A hand edit makes --check exit 1 with a unified diff; the file is left as it is."""
        readme = repo / "README.md"
        readme.write_text(readme.read_text(encoding="utf-8").replace("MBQ-Modality", "MBQ Modality"), encoding="utf-8")
        stale = readme.read_bytes()
        result = cli("build", "--check", code=1)
        assert "-- MBQ Modality" in result.stdout and "+- MBQ-Modality" in result.stdout
        assert "stale" in result.stderr
        assert readme.read_bytes() == stale
        cli("build")
        cli("build", "--check")

    def test_database_change_shows_up(self, cli: Cli, repo: Path) -> None:
        """Changing a title in the database changes the README line after a build."""
        toml = repo / "data" / "papers.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('title = "M2IST"', 'title = "M2IST: Multi"'), "utf-8")
        cli("build", "--check", code=1)
        cli("build")
        assert "- M2IST: Multi, <ins>arXiv, 2024</ins>" in (repo / "README.md").read_text(encoding="utf-8")

    def test_two_builds_identical(self, cli: Cli, repo: Path) -> None:
        """Building twice gives identical bytes."""
        (repo / "README.md").unlink()
        cli("build")
        first = (repo / "README.md").read_bytes()
        cli("build")
        assert (repo / "README.md").read_bytes() == first

    def test_writes_beside_data_folder(self, cli: Cli, tmp_path: Path) -> None:
        """`--db DIR/data/papers.toml build` writes DIR/README.md."""
        target = tmp_path / "survey"
        (target / "data").mkdir(parents=True)
        shutil.copy(ROOT / "data" / "papers.toml", target / "data" / "papers.toml")
        cli("--db", str(target / "data" / "papers.toml"), "build")
        assert (target / "README.md").is_file()
        assert "<!-- evlm:" not in (target / "README.md").read_text(encoding="utf-8")

    def test_readme_shows_tool_section(self) -> None:
        """The front page tells readers how to install and run evlm and how to run the tests."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        assert "pip install . && evlm" in readme
        assert "pip install -e '.[test]' && pytest" in readme
        assert "evlm build" in readme


class TestTableOfContents:
    def test_every_toc_link_resolves(self) -> None:
        """Each table-of-contents link points at a heading anchor that GitHub generates."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        anchors = set(unique_anchors([text for _, text in headings(readme)]))
        toc = readme.split("## 📖 Table of Content", 1)[1].split("\n\n", 1)[0]
        links = [line.split("](#", 1)[1].rstrip(")") for line in toc.strip().splitlines()]
        assert len(links) == 23
        assert set(links) <= anchors

    @pytest.mark.parametrize(
        ("heading", "anchor"),
        [
            ("🤖 Pre-deployment Techniques", "-pre-deployment-techniques"),
            ("🧑\u200d💻 Runtime Optimization", "-runtime-optimization"),
            ("Test-Time Adaption", "test-time-adaption"),
            ("C++ & Rust: what's new?", "c--rust-whats-new"),
            ("Über Çava", "über-çava"),
        ],
    )
    def test_github_anchor(self, heading: str, anchor: str) -> None:
        """Anchors follow GitHub's rules: lower case, emoji and punctuation dropped, spaces to hyphens."""
        assert github_anchor(heading) == anchor

    def test_repeated_headings_get_suffixes(self) -> None:
        """Repeats get -1, -2 as on GitHub."""
        assert unique_anchors(["A", "A", "A", "a-1"]) == ["a", "a-1", "a-2", "a-1-1"]


class TestTemplate:
    def test_missing_placeholder_is_an_error(self, db_path: Path) -> None:
        """A template without the papers placeholder is refused, not rendered without papers."""
        with pytest.raises(EvlmError, match="evlm:papers"):
            render_readme(db.load(db_path), "<!-- evlm:header -->\n<!-- evlm:toc -->\n<!-- evlm:footer -->\n")

    def test_broken_template_in_repo(self, cli: Cli, repo: Path) -> None:
        """The CLI reports a broken template as one error line."""
        (repo / "data" / "README.template.md").write_text("<!-- evlm:header -->\n<!-- evlm:nope -->\n", "utf-8")
        result = cli("build", code=1)
        assert "unknown placeholder <!-- evlm:nope -->" in result.stderr

    def test_default_template_without_repo_template(self, cli: Cli, repo: Path) -> None:
        """Without README.template.md beside the database, evlm's default template is used."""
        (repo / "data" / "README.template.md").unlink()
        cli("build")
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert "- MBQ-Modality-Balanced" in readme and "evlm tool" not in readme


SHOWN = """Show the chart with this line:

```markdown
<!-- evlm:chart -->
```

~~~~
<!-- evlm:toc -->
~~~
<!-- evlm:papers -->
~~~~

Or inline: `<!-- evlm:chart -->`, ``<!-- evlm:header --> `x` ``.
"""
"""Template text that shows placeholders: in fenced code blocks (```` ``` ```` and ``~~~``, the second closed only by
a fence as long) and in code spans."""


class TestPlaceholderLines:
    """A placeholder counts on a line of its own outside code; shown in code it is text; elsewhere it is an error."""

    def test_placeholders_in_code_are_text(self, cli: Cli, repo: Path) -> None:
        """A template documenting `<!-- evlm:chart -->` in code builds: the code is kept as it is, once."""
        template = repo / "data" / "README.template.md"
        text = f"<!-- evlm:header -->\n\n{SHOWN}\n<!-- evlm:chart -->\n\n<!-- evlm:papers -->\n"
        template.write_text(text, encoding="utf-8")
        cli("build")
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert SHOWN in readme and readme.count(CHART_LINK) == 1 and readme.count("<!-- evlm:") == 5
        assert (repo / "data" / "papers-per-year.svg").is_file()
        cli("build", "--check")

    def test_a_placeholder_only_in_code_draws_no_chart(self, cli: Cli, repo: Path) -> None:
        """`uses_placeholder` agrees with the renderer: a chart shown in code is no chart, so none is drawn."""
        template = repo / "data" / "README.template.md"
        template.write_text(f"{SHOWN}\n<!-- evlm:papers -->\n", encoding="utf-8")
        (repo / "data" / "papers-per-year.svg").unlink()
        assert "papers-per-year.svg" not in cli("build").stderr
        assert not (repo / "data" / "papers-per-year.svg").exists()
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert SHOWN in readme and CHART_LINK not in readme
        cli("build", "--check")

    @pytest.mark.parametrize(
        "line", ["Chart: <!-- evlm:chart --> here", "  <!-- evlm:chart -->", "<!-- evlm:toc --> <!-- evlm:toc -->"]
    )
    def test_a_placeholder_not_alone_on_its_line_is_an_error(self, cli: Cli, repo: Path, line: str) -> None:
        """One error naming the template's line, and the README is left as it was."""
        template = repo / "data" / "README.template.md"
        template.write_text(f"<!-- evlm:header -->\n\n{SHOWN}\n{line}\n\n<!-- evlm:papers -->\n", encoding="utf-8")
        readme = (repo / "README.md").read_bytes()
        number = 4 + SHOWN.count("\n")  # the header, a blank line, SHOWN, a blank line
        stderr = cli("build", code=1).stderr
        assert stderr.count("\n") == 1 and f"README.template.md:{number}: placeholder <!-- evlm:" in stderr, stderr
        assert "is not on a line of its own" in stderr and "put it alone on a line of its own" in stderr
        assert (repo / "README.md").read_bytes() == readme

    def test_a_repeated_or_unknown_placeholder_names_its_line(self, cli: Cli, repo: Path) -> None:
        template = repo / "data" / "README.template.md"
        template.write_text("<!-- evlm:papers -->\n\n<!-- evlm:papers -->\n", encoding="utf-8")
        assert (
            "README.template.md:3: placeholder <!-- evlm:papers --> appears more than once"
            in cli("build", code=1).stderr
        )
        template.write_text("<!-- evlm:papers -->\n<!-- evlm:nope -->\n", encoding="utf-8")
        assert "README.template.md:2: unknown placeholder <!-- evlm:nope -->" in cli("build", code=1).stderr


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
        assert lines == ["written: README.md", "written: data/papers.bib", "unchanged: data/papers-per-year.svg"]


CHART_LINK = "![Papers per year, stacked by top-level section](data/papers-per-year.svg)"


class TestChart:
    """`<!-- evlm:chart -->` in the template: the chart is one more output of `evlm build`, and the README links it."""

    def test_build_writes_chart_and_readme_links_it(self, cli: Cli, repo: Path) -> None:
        chart = repo / "data" / "papers-per-year.svg"
        chart.unlink()
        (repo / "README.md").unlink()
        assert "written: data/papers-per-year.svg" in cli("build").stderr
        assert chart.read_bytes().startswith(b"<?xml") and b"<svg" in chart.read_bytes()
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert CHART_LINK in readme and "\n<!-- evlm:chart -->\n" not in readme
        first = chart.read_bytes()
        chart.unlink()
        cli("build")
        assert chart.read_bytes() == first

    def test_check_catches_stale_chart(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """A database change that moves a paper to another year makes the chart stale, README and BibTeX aside."""
        chart = repo / "data" / "papers-per-year.svg"
        before = chart.read_bytes()
        text = db_path.read_text(encoding="utf-8")
        db_path.write_text(text.replace("year = 2024", "year = 2019", 1), encoding="utf-8")
        result = cli("build", "--check", code=1)
        assert "stale: data/papers-per-year.svg" in result.stderr
        assert chart.read_bytes() == before
        cli("build")
        assert chart.read_bytes() != before
        cli("build", "--check")

    def test_check_catches_missing_chart(self, cli: Cli, repo: Path) -> None:
        (repo / "data" / "papers-per-year.svg").unlink()
        assert "stale: data/papers-per-year.svg" in cli("build", "--check", code=1).stderr

    def test_no_placeholder_no_chart(self, cli: Cli, repo: Path) -> None:
        """A template without the placeholder generates no chart (and does not load matplotlib, see below)."""
        template = repo / "data" / "README.template.md"
        template.write_text(template.read_text(encoding="utf-8").replace("<!-- evlm:chart -->", ""), "utf-8")
        (repo / "data" / "papers-per-year.svg").unlink()
        assert "papers-per-year.svg" not in cli("build").stderr
        assert not (repo / "data" / "papers-per-year.svg").exists()
        assert "](data/papers-per-year.svg)" not in (repo / "README.md").read_text(encoding="utf-8")

    def test_matplotlib_loaded_only_to_draw_the_chart(self, repo: Path, db_path: Path) -> None:
        """Not for a template without the chart, nor for a current chart (most writes); only to draw one."""
        code = (
            "import sys; from pathlib import Path; from evlm_cli import build, db; p = Path(sys.argv[1]); "
            "s = db.load(p); build.outputs(s, p, template='<!-- evlm:papers -->\\n'); "
            "print('matplotlib' in sys.modules, end=' '); build.outputs(s, p); print('matplotlib' in sys.modules)"
        )

        def loaded() -> list[str]:
            run = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, check=True)
            return run.stdout.split()

        assert loaded() == ["False", "False"]  # the chart on disk is current: kept as it is
        (repo / "data" / "papers-per-year.svg").unlink()
        assert loaded() == ["False", "True"]

    @pytest.mark.parametrize("worker", ["python", "failing", "missing"])
    def test_a_large_survey_draws_the_chart_in_a_second_process_with_the_same_bytes(
        self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch, worker: str
    ) -> None:
        """From `DRAW_ASIDE_FROM` papers the chart is drawn by `python -m evlm_cli.charts` beside the README's
        rendering: the same bytes as drawn here; a process that fails or cannot start leaves it to this one."""
        from evlm_cli import build

        chart = repo / "data" / "papers-per-year.svg"
        drawn_here = chart.read_bytes()
        chart.unlink()
        monkeypatch.setattr(build, "DRAW_ASIDE_FROM", 1)
        started: list[list[str]] = []
        real_popen = subprocess.Popen

        def popen(args: list[str], **options: Any) -> Any:
            started.append(args)
            if worker == "failing":
                args = [sys.executable, "-c", "raise SystemExit(3)"]
            elif worker == "missing":
                args = [str(repo / "no-such-python"), *args[1:]]
            return real_popen(args, **options)

        monkeypatch.setattr(subprocess, "Popen", popen)
        cli("build")
        assert chart.read_bytes() == drawn_here
        assert [args[-3:] for args in started] == [["-m", "evlm_cli.charts", "papers-per-year.svg"]]

    def test_a_write_that_fails_validation_stops_the_drawing_process(
        self, repo: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The chart is begun before the survey is validated; a write refused by the validation leaves no drawing
        process behind, and nothing written."""
        import dataclasses

        from evlm_cli import build, transaction

        monkeypatch.setattr(build, "DRAW_ASIDE_FROM", 1)
        workers: list[Any] = []
        real_popen = subprocess.Popen

        def popen(args: list[str], **options: Any) -> Any:
            workers.append(real_popen(args, **options))
            return workers[-1]

        monkeypatch.setattr(subprocess, "Popen", popen)
        before = db_path.read_bytes()

        def change(survey: Any) -> Any:  # a paper moved to another year (the chart must be drawn), one impossible
            first, second, *rest = survey.papers
            moved = dataclasses.replace(first, year=2019)
            return dataclasses.replace(survey, papers=(moved, dataclasses.replace(second, year=1), *rest))

        with pytest.raises(EvlmError, match="impossible"):
            transaction.write(db_path, change)
        assert len(workers) == 1 and workers[0].poll() is not None
        assert db_path.read_bytes() == before

    def test_check_catches_hand_edited_chart(self, cli: Cli, repo: Path) -> None:
        """A chart changed by hand (its stamp kept) no longer matches its hash: drawn again, so reported stale."""
        chart = repo / "data" / "papers-per-year.svg"
        chart.write_text(chart.read_text(encoding="utf-8").replace("Papers", "Paperz", 1), encoding="utf-8")
        assert "stale: data/papers-per-year.svg" in cli("build", "--check", code=1).stderr
        cli("build")
        cli("build", "--check")

    def test_a_new_chart_design_draws_the_chart_again(
        self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The stamp keeps a chart whose counts are unchanged; a new `charts.DESIGN` makes it stale, so the README
        shows the chart as evlm now draws it."""
        from evlm_cli import charts

        cli("build", "--check")
        monkeypatch.setattr(charts, "DESIGN", charts.DESIGN + 1)
        assert "stale: data/papers-per-year.svg" in cli("build", "--check", code=1).stderr
        cli("build")
        cli("build", "--check")

    def test_repeated_chart_placeholder_is_an_error(self, db_path: Path) -> None:
        with pytest.raises(EvlmError, match="evlm:chart"):
            render_readme(db.load(db_path), "<!-- evlm:chart -->\n<!-- evlm:papers -->\n<!-- evlm:chart -->\n")

    def test_database_outside_data_folder(self, cli: Cli, tmp_path: Path) -> None:
        """Beside a database not in `data/`, README and chart share a folder: the link is the bare file name."""
        shutil.copy(ROOT / "data" / "papers.toml", tmp_path / "papers.toml")
        shutil.copy(ROOT / "data" / "README.template.md", tmp_path / "README.template.md")
        cli("--db", str(tmp_path / "papers.toml"), "build")
        readme = (tmp_path / "README.md").read_text(encoding="utf-8")
        assert "](papers-per-year.svg)" in readme and (tmp_path / "papers-per-year.svg").is_file()

    def test_shipped_readme_shows_chart(self) -> None:
        assert CHART_LINK in (ROOT / "README.md").read_text(encoding="utf-8")
        assert (ROOT / "data" / "papers-per-year.svg").is_file()


def drop_chart(repo: Path) -> None:
    """Take `<!-- evlm:chart -->` out of the template, as a maintainer who no longer wants the chart does."""
    template = repo / "data" / "README.template.md"
    text = template.read_text(encoding="utf-8")
    assert "<!-- evlm:chart -->\n" in text
    template.write_text(text.replace("<!-- evlm:chart -->\n", ""), encoding="utf-8")


class TestChartRemoved:
    """Once the template drops `<!-- evlm:chart -->`, the chart evlm drew is an orphan: removed, or reported."""

    def test_build_removes_the_chart_and_check_reports_it(self, cli: Cli, repo: Path) -> None:
        chart = repo / "data" / "papers-per-year.svg"
        drop_chart(repo)
        result = cli("build", "--check", code=1)
        [line] = [line for line in result.stderr.splitlines() if "papers-per-year.svg" in line]
        assert line.startswith("stale: data/papers-per-year.svg: the README no longer shows it")
        assert "`evlm build` removes it" in line
        assert "2 generated file(s) are stale" in result.stderr  # README.md and the chart
        assert chart.is_file()  # --check writes nothing
        assert "papers-per-year.svg is no longer shown by the README" in cli("check").stdout
        result = cli("build")
        assert "removed: data/papers-per-year.svg" in result.stderr
        assert not chart.exists()
        assert "](data/papers-per-year.svg)" not in (repo / "README.md").read_text(encoding="utf-8")
        assert "papers-per-year.svg" not in cli("build", "--check").stderr
        assert "papers-per-year.svg" not in cli("check").stdout

    @pytest.mark.parametrize(
        "command", [["edit", KEY, "--set", "note=x"], ["format"], ["section", "add", "new-one", "--title", "New"]]
    )
    def test_every_writer_removes_it(self, cli: Cli, repo: Path, command: list[str]) -> None:
        """The writers that rebuild the outputs (through the one transaction) remove it as `build` does."""
        drop_chart(repo)
        assert "removed: data/papers-per-year.svg" in cli(*command).stderr
        assert not (repo / "data" / "papers-per-year.svg").exists()
        cli("build", "--check")

    def test_no_build_leaves_it(self, cli: Cli, repo: Path) -> None:
        drop_chart(repo)
        cli("edit", KEY, "--set", "note=x", "--no-build")
        assert (repo / "data" / "papers-per-year.svg").is_file()

    @pytest.mark.parametrize("kind", ["no stamp", "folder"])
    def test_a_file_that_is_not_evlms_is_left_alone(self, cli: Cli, repo: Path, kind: str) -> None:
        """A chart of that name without evlm's stamp on its second line (drawn by hand, or by `evlm stats
        --charts data/`), or a folder, is the user's: neither removed nor reported."""
        chart = repo / "data" / "papers-per-year.svg"
        drop_chart(repo)
        if kind == "folder":
            chart.unlink()
            chart.mkdir()
        else:
            head, _stamp, body = chart.read_text(encoding="utf-8").split("\n", 2)
            chart.write_text(f"{head}\n{body}", encoding="utf-8")
        before = chart.read_bytes() if chart.is_file() else None
        assert "papers-per-year.svg" not in cli("build").stderr
        assert (chart.read_bytes() if chart.is_file() else None) == before and chart.exists()
        assert "papers-per-year.svg" not in cli("build", "--check").stderr
