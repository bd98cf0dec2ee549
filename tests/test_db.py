"""The database file: validation with clear errors, canonical and atomic saving, locking, and locating it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SHIPPED_DB, Cli
from evlm_cli import db, location, transaction
from evlm_cli.errors import DatabaseError
from evlm_cli.model import Link, Paper, Section, Survey, SurveyInfo
from lintutil import findings, paper, write_db


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class TestCanonicalSave:
    def test_shipped_database_is_byte_stable(self) -> None:
        """Loading the shipped database and saving it gives the same bytes."""
        text = SHIPPED_DB.read_text(encoding="utf-8")
        assert db.dumps(db.loads(text)) == text

    def test_save_twice_identical(self, db_path: Path) -> None:
        """Saving is deterministic: two saves of the same survey are byte-identical."""
        survey = db.load(db_path)
        transaction.create(db_path, survey, force=True)
        first = db_path.read_bytes()
        transaction.create(db_path, db.load(db_path), force=True)
        assert db_path.read_bytes() == first

    def test_one_paper_change_is_a_small_diff(self, db_path: Path) -> None:
        """Editing one paper changes only that paper's lines."""
        survey = db.load(db_path)
        before = db_path.read_text(encoding="utf-8").splitlines()
        papers = tuple(replace(p, note="checked") if p.key == "m2ist2024" else p for p in survey.papers)
        transaction.create(db_path, replace(survey, papers=papers), force=True)
        after = db_path.read_text(encoding="utf-8").splitlines()
        assert len(after) == len(before) + 1
        assert [line for line in after if line not in before] == ['note = "checked"']


# Valid text: no control character but tab in a one-line field (a title), tab and line feed in a multi-line one.
_printable = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
_line = st.text(_printable | st.just("\t"), max_size=40)
_text = st.text(_printable | st.sampled_from("\t\n"), max_size=40)
_word = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)


@st.composite
def _surveys(draw: st.DrawFn) -> Survey:
    section_ids = draw(st.lists(_word, min_size=1, max_size=4, unique=True))
    sections = tuple(
        Section(
            id=s,
            title=draw(_line.filter(str.strip)),
            emoji=draw(st.sampled_from(["", "🤖"])),
            parent=section_ids[i - 1] if i and draw(st.booleans()) else None,
        )
        for i, s in enumerate(section_ids)
    )
    keys = draw(st.lists(_word, max_size=5, unique=True))
    papers = tuple(
        Paper(
            key=k,
            title=draw(_line.filter(str.strip)),
            section=draw(st.sampled_from(section_ids)),
            authors=tuple(draw(st.lists(_line, max_size=3))),
            year=draw(st.none() | st.integers(1990, 2025)),
            venue=draw(_line),
            links=(Link(draw(_line.filter(str.strip)), "https://example.org/" + draw(_word)),),
            abstract=draw(_text),
            tags=tuple(draw(st.lists(_word, max_size=2))),
        )
        for k in keys
    )
    info = SurveyInfo(title=draw(_line), abstract=draw(_text), heading_levels=(2, 3, 6))
    return Survey(info=info, sections=sections, papers=papers)


class TestRoundTripProperty:
    @settings(max_examples=150, deadline=None)
    @given(_surveys())
    def test_dumps_loads_dumps(self, survey: Survey) -> None:
        """Any valid survey survives TOML and back, and its text is a fixed point."""
        text = db.dumps(survey)
        again = db.loads(text)
        assert db.dumps(again) == text
        assert {p.key: p for p in again.papers} == {p.key: p for p in survey.papers}


class TestValidationErrors:
    """Each kind of bad database is one clear line on stderr, exit 1, no traceback."""

    def _check(self, cli: Cli, db_path: Path, *expected: str) -> None:
        result = cli("list", code=1)
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        for fragment in expected:
            assert fragment in result.stderr, result.stderr

    def test_syntax_error_names_line_and_column(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, 'key = "m2ist2024"', 'key = "m2ist2024')
        line = db_path.read_text(encoding="utf-8").splitlines().index('key = "m2ist2024') + 1
        self._check(cli, db_path, f"papers.toml:{line}:", "TOML syntax error")

    def test_unknown_section(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, 'section = "memory-efficient"', 'section = "memory-eficient"')
        self._check(
            cli, db_path, "paper 'neurips2024make'", "'section'", "memory-eficient", "did you mean 'memory-efficient'"
        )

    def test_duplicate_key(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, 'key = "m2ist2024"', 'key = "mercea2024time"')
        self._check(cli, db_path, "paper 'mercea2024time'", "duplicate key")

    def test_wrong_type(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, "year = 2024", 'year = "2024"')
        self._check(cli, db_path, "paper 'mbq2024modality'", "field 'year' must be an integer")

    def test_impossible_year(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, "year = 2024", "year = 2204")
        self._check(cli, db_path, "paper 'mbq2024modality'", "'year'", "impossible")

    def test_malformed_arxiv_id(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, 'arxiv = "2412.19509"', 'arxiv = "2412.195"')
        self._check(cli, db_path, "paper 'mbq2024modality'", "field 'arxiv' is malformed")

    def test_malformed_doi(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, 'doi = "10.1145/3664647.3680838"', 'doi = "11.1145/x"')
        self._check(cli, db_path, "paper 'advancing2024multimodal'", "field 'doi' is malformed")

    def test_malformed_url(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, 'url = "https://github.com/thu-nics/MBQ"', 'url = "github.com/thu-nics/MBQ"')
        self._check(cli, db_path, "paper 'mbq2024modality'", "malformed URL")

    def test_unknown_field_suggests(self, cli: Cli, db_path: Path) -> None:
        _replace_in(db_path, "year = 2024", "yaer = 2024")
        self._check(cli, db_path, "unknown field 'yaer'", "did you mean 'year'")

    def test_error_names_the_toml_line(self, cli: Cli, db_path: Path) -> None:
        """Schema errors point at the paper's [[papers]] line."""
        _replace_in(db_path, "year = 2024", "year = 2204")
        line = db_path.read_text(encoding="utf-8").splitlines().index("[[papers]]") + 1
        self._check(cli, db_path, f"papers.toml:{line}: paper 'mbq2024modality'")

    def test_missing_database(self, cli: Cli, tmp_path: Path) -> None:
        result = cli("--db", str(tmp_path / "none.toml"), "list", code=1)
        assert "no such database" in result.stderr


_KILL_DURING_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from evlm_cli import db, transaction
    path = Path(sys.argv[1])
    survey = db.load(path)
    real_fsync = os.fsync
    def die(fd):
        os.kill(os.getpid(), signal.SIGKILL)
    os.fsync = die
    from dataclasses import replace
    transaction.create(path, replace(survey, papers=survey.papers[:3]), force=True)
    """
)


class TestAtomicWrites:
    def test_kill_during_save_leaves_old_file_whole(self, db_path: Path) -> None:
        """A process killed in the middle of a save leaves the old database intact."""
        before = db_path.read_bytes()
        proc = subprocess.run([sys.executable, "-c", _KILL_DURING_SAVE, str(db_path)], check=False)
        assert proc.returncode == -9
        assert db_path.read_bytes() == before
        db.load(db_path)

    def test_failed_rename_keeps_old_file_and_cleans_up(self, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A failing write is a DatabaseError; the old file stays, no temporary file is left."""
        before = db_path.read_bytes()
        survey = db.load(db_path)

        def fail(self: Path, target: Path) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(Path, "replace", fail)
        with pytest.raises(DatabaseError, match="No space left"):
            transaction.create(db_path, replace(survey, papers=()), force=True)
        assert db_path.read_bytes() == before
        assert sorted(p.name for p in db_path.parent.iterdir() if "tmp" in p.name) == []


_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from dataclasses import replace
    from pathlib import Path
    from evlm_cli import transaction
    from evlm_cli.model import Paper
    def change(survey):
        time.sleep(0.5)  # hold the lock long enough that the other writer must wait
        paper = Paper(key=sys.argv[2], title="Paper " + sys.argv[2], section="token-reduction")
        return replace(survey, papers=survey.papers + (paper,))
    transaction.write(Path(sys.argv[1]), change, rebuild=False)
    """
)


class TestConcurrency:
    def test_two_writers_both_land(self, db_path: Path) -> None:
        """Two processes writing at once are serialised: both papers are in the file."""
        procs = [
            subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(db_path), key]) for key in ("writera", "writerb")
        ]
        assert [p.wait(timeout=60) for p in procs] == [0, 0]
        keys = {p.key for p in db.load(db_path).papers}
        assert {"writera", "writerb"} <= keys
        assert len(keys) == 39


class TestLocate:
    def test_order_of_precedence(
        self, repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        """--db beats EVLM_DB, which beats data/papers.toml above the current folder, which beats the bundled copy."""
        found = repo / "data" / "papers.toml"
        sub = repo / "data" / "deeper"
        sub.mkdir()
        assert location.locate(None, cwd=sub) == location.Location(found, "found")
        monkeypatch.setenv("EVLM_DB", "/env.toml")
        assert location.locate(None, cwd=sub) == location.Location(Path("/env.toml"), "EVLM_DB")
        assert location.locate(Path("x.toml"), cwd=sub) == location.Location(Path("x.toml"), "--db")
        monkeypatch.delenv("EVLM_DB")
        elsewhere = tmp_path_factory.mktemp("elsewhere")
        assert location.locate(None, cwd=elsewhere).origin == "bundled"

    @pytest.mark.parametrize("how", ["found", "--db", "EVLM_DB"])
    def test_dangling_symlink_is_an_error(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
    ) -> None:
        """A database that is a symbolic link to nothing is a clear error, in both lanes, never the bundled survey."""
        (tmp_path / "data").mkdir()
        link = tmp_path / "data" / "papers.toml"
        link.symlink_to(tmp_path / "moved" / "papers.toml")
        monkeypatch.chdir(tmp_path)
        args = ["--db", str(link)] if how == "--db" else []
        if how == "EVLM_DB":
            monkeypatch.setenv("EVLM_DB", str(link))
        for command in (["sections"], ["show", "mbq2024modality"], ["build"]):
            result = cli(*args, *command, code=1)
            assert "is a symbolic link to" in result.stderr and "moved/papers.toml" in result.stderr, result.stderr
            assert "which does not exist" in result.stderr and result.stdout == ""
        process = subprocess.run(
            [sys.executable, "-m", "evlm_cli", *args, "sections"], capture_output=True, text=True, check=False
        )
        assert process.returncode == 1 and "is a symbolic link to" in process.stderr
        assert process.stdout == "" and "Traceback" not in process.stderr

    def test_bundled_copy_is_read_only(self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Outside a survey repository, reading works and writing is refused with a clear message."""
        monkeypatch.chdir(tmp_path)
        assert '"key"' in cli("list", "--json").stdout
        result = cli("build", code=1)
        assert "bundled survey is read-only" in result.stderr and "--db" in result.stderr

    def test_env_variable_is_used(
        self, cli: Cli, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """EVLM_DB picks the database."""
        small = tmp_path / "small.toml"
        survey = db.load(db_path)
        transaction.create(small, replace(survey, papers=survey.papers[:2]), force=True)
        monkeypatch.setenv("EVLM_DB", str(small))
        assert cli("list", "--json").stdout.count('"key"') == 2


def test_file_permissions_kept(db_path: Path) -> None:
    """An atomic save keeps the file's mode."""
    db_path.chmod(0o640)
    transaction.create(db_path, db.load(db_path), force=True)
    assert db_path.stat().st_mode & 0o777 == 0o640


def test_repository_root() -> None:
    """README.md goes above data/, or beside a database that is not in data/."""
    assert location.repository_root(ROOT / "data" / "papers.toml") == ROOT
    assert location.repository_root(Path("/x/y/papers.toml")) == Path("/x/y")
    assert os.sep in str(location.bundled_path())


@st.composite
def _changed(draw: st.DrawFn) -> tuple[Survey, Survey]:
    """A survey and a paper-only change of it: papers removed, edited, added and moved."""
    before = draw(_surveys())
    if draw(st.booleans()):  # a paper too long for an inline table makes tomli-w write [[papers]] blocks
        long_link = (Link("Paper", "https://example.org/" + "x" * 120),)
        first = Paper(key="aalong", title="Long", section=before.sections[0].id, links=long_link)
        before = replace(before, papers=(first, *before.papers))
    papers = list(before.papers)
    papers = [p for p in papers if draw(st.booleans()) or len(papers) < 2]
    papers = [replace(p, title=p.title + " (v2)") if draw(st.booleans()) else p for p in papers]
    section_ids = [s.id for s in before.sections]
    for number in range(draw(st.integers(0, 3))):
        papers.append(Paper(key=f"zz{number}new", title=f"New {number}", section=draw(st.sampled_from(section_ids))))
    papers = draw(st.permutations(papers))
    return before, replace(before, papers=tuple(papers))


class TestReusingDumps:
    @settings(max_examples=200, deadline=None)
    @given(_changed())
    def test_same_text_as_dumps(self, pair: tuple[Survey, Survey]) -> None:
        """Reusing the unchanged papers' text gives exactly what a full dumps gives, whenever it applies."""
        before, after = pair
        reused = db.dumps_reusing(db.dumps(before), before, after)
        assert reused is None or reused == db.dumps(after)

    def test_applies_to_a_one_paper_change(self, db_path: Path) -> None:
        """Editing, adding or removing one paper of the shipped survey takes the shortcut, with the same text."""
        survey = db.load(db_path)
        text = db.dumps(survey)
        edited = replace(survey, papers=(replace(survey.papers[3], note="x"), *survey.papers[:3], *survey.papers[4:]))
        added = replace(survey, papers=(*survey.papers, Paper(key="new2025", title="New", section="token-reduction")))
        removed = replace(survey, papers=survey.papers[1:])
        for after in (edited, added, removed):
            assert db.dumps_reusing(text, survey, after) == db.dumps(after)

    def test_refuses_a_text_it_cannot_split(self, db_path: Path) -> None:
        """An abstract holding a `[[papers]]` line makes the shortcut step aside (the caller runs dumps)."""
        survey = db.load(db_path)
        odd = replace(survey.papers[0], abstract="first line\n[[papers]]\nlast line")
        before = replace(survey, papers=(odd, *survey.papers[1:]))
        after = replace(before, papers=before.papers[:-1])
        assert db.dumps_reusing(db.dumps(before), before, after) is None

    def test_refuses_header_changes(self, db_path: Path) -> None:
        """A changed header or taxonomy is not a paper-only change."""
        survey = db.load(db_path)
        after = replace(survey, info=replace(survey.info, title="Other"))
        assert db.dumps_reusing(db.dumps(survey), survey, after) is None


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
