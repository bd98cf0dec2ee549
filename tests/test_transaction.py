"""The write transaction: the database, README.md and papers.bib change together or not at all, under any fault.

Faults are injected at every step: a full disk (a real small tmpfs, and a patched write), a folder where README.md
should be, read-only files, a crash right after the commit point, SIGKILL at random moments; after each, the three
files are all the old ones or all the new ones (once the next command has finished an interrupted write).
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db, fsutil, journal, transaction
from evlm_cli.cli import app
from evlm_cli.errors import DatabaseError
from evlm_cli.model import Survey

KEY = "mbq2024modality"
Files = tuple[bytes, bytes, bytes]


def full_disk_at(monkeypatch: pytest.MonkeyPatch, failing_call: int) -> Callable[..., Path]:
    """Make the `failing_call`-th temporary file of the next write fail as a full disk does; returns the real
    `fsutil.write_temp`."""
    real = fsutil.write_temp
    calls = 0

    def write_temp(target: Path, data: bytes, *, shown: Path | None = None) -> Path:
        nonlocal calls
        calls += 1
        if calls == failing_call:
            raise DatabaseError("cannot write: No space left on device", where=str(shown or target))
        return real(target, data, shown=shown)

    monkeypatch.setattr(fsutil, "write_temp", write_temp)
    return real


def files(repo: Path) -> Files:
    """The three files a write changes, as bytes."""
    toml, readme, bib = ((repo / name).read_bytes() for name in ("data/papers.toml", "README.md", "data/papers.bib"))
    return toml, readme, bib


def retitle(title: str) -> Callable[[Survey], Survey]:
    def change(survey: Survey) -> Survey:
        papers = tuple(replace(p, title=title) if p.key == KEY else p for p in survey.papers)
        return replace(survey, papers=papers)

    return change


def leftovers(repo: Path) -> list[str]:
    """Temporary files and journals in the survey's folders."""
    names = [p.name for folder in (repo, repo / "data") for p in folder.iterdir()]
    return sorted(n for n in names if n.endswith((fsutil.TEMP_SUFFIX, ".journal")))


def new_files(repo: Path, elsewhere: Path, title: str, *, plain: bool = False) -> Files:
    """What the three files are after `evlm edit --set title=...` (provenance included), or with `plain` after
    `retitle`, computed in a copy of the repository (in `elsewhere`)."""
    from evlm_cli.edit import edit

    copy = elsewhere / "copy"
    shutil.copytree(repo, copy)
    change = retitle(title) if plain else lambda survey: edit(survey, KEY, [("title", title)])
    transaction.write(copy / "data" / "papers.toml", change)
    return files(copy)


class TestAllOrNothing:
    def test_a_write_changes_all_three(self, cli: Cli, repo: Path) -> None:
        old = files(repo)
        cli("edit", KEY, "--set", "title=A New Title")
        assert all(a != b for a, b in zip(old, files(repo), strict=True))
        assert leftovers(repo) == []

    @pytest.mark.parametrize("failing_call", [1, 2, 3, 4])
    def test_full_disk_at_each_file(
        self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
    ) -> None:
        """ENOSPC while writing the TOML, README.md, papers.bib or the journal: nothing changes, nothing is left."""
        old = files(repo)
        full_disk_at(monkeypatch, failing_call)
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert "No space left on device" in result.stderr
        assert "Traceback" not in result.stderr
        assert files(repo) == old
        assert leftovers(repo) == []

    def test_failure_of_the_commit_rename(self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The journal's own rename (the commit point) fails: the old files stand."""
        old = files(repo)
        real = Path.replace

        def replace_path(self: Path, target: Path) -> Path:
            if str(target).endswith(".journal"):
                raise OSError(errno.EIO, "Input/output error")
            return real(self, target)

        monkeypatch.setattr(Path, "replace", replace_path)
        cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert files(repo) == old
        assert leftovers(repo) == []

    def test_full_disk_on_a_real_small_file_system(self, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        """On a real tmpfs, with every amount of free room from none to enough: all old or all new, never a mix."""
        from typer.testing import CliRunner

        mount = tmp_path_factory.mktemp("small")
        title = " ".join(["A Considerably Longer New Title"] * 30)
        old, new = files(repo), new_files(repo, tmp_path_factory.mktemp("new"), title)
        page = 4096
        needed = sum(len(f) // page + 1 for f in new) + 3  # the three files, the journal, the lock, a margin
        size = 4 * sum(len(f) for f in old) + 64 * page
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=False).returncode:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        outcomes = set()
        try:
            for room in range(needed + 1):
                survey = mount / "survey"
                shutil.copytree(repo, survey, ignore=shutil.ignore_patterns("*.lock"))
                free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
                (mount / "filler").write_bytes(b"x" * max(0, free - room * page))
                os.chdir(survey)
                result = CliRunner().invoke(app, ["edit", KEY, "--set", f"title={title}"])
                os.chdir(repo)
                now = files(survey)
                assert now in (old, new), f"a mix of old and new files with {room} free pages: {result.stderr}"
                assert leftovers(survey) == []
                assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
                    __import__("traceback").format_exception(result.exception)
                )
                outcomes.add(("new" if now == new else "old", result.exit_code))
                shutil.rmtree(survey)
                (mount / "filler").unlink()
        finally:
            os.chdir(repo)
            subprocess.run(["umount", str(mount)], check=False)
        assert ("old", 1) in outcomes, "the disk never filled up: the test did not test anything"
        assert ("new", 0) in outcomes, "the disk never had room enough"

    def test_folder_where_readme_should_be(self, cli: Cli, repo: Path) -> None:
        old_db = (repo / "data" / "papers.toml").read_bytes()
        old_bib = (repo / "data" / "papers.bib").read_bytes()
        (repo / "README.md").unlink()
        (repo / "README.md").mkdir()
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert "README.md" in result.stderr
        assert (repo / "data" / "papers.toml").read_bytes() == old_db
        assert (repo / "data" / "papers.bib").read_bytes() == old_bib

    @pytest.mark.parametrize("name", ["data/papers.toml", "README.md", "data/papers.bib"])
    def test_read_only_file_is_refused_even_for_root(self, cli: Cli, repo: Path, name: str) -> None:
        """A 0444 file is not renamed over (root could): the write is refused and nothing changes."""
        old = files(repo)
        (repo / name).chmod(0o444)
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert "read-only" in result.stderr and Path(name).name in result.stderr
        assert files(repo) == old

    def test_no_build_changes_only_the_database(self, cli: Cli, repo: Path) -> None:
        old = files(repo)
        cli("edit", KEY, "--set", "title=A New Title", "--no-build")
        now = files(repo)
        assert now[0] != old[0] and now[1:] == old[1:]


class TestInterruptedWrite:
    def test_crash_after_the_commit_point_is_finished_by_the_next_command(
        self, cli: Cli, repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The journal is in place but no rename happened: the next command (even a read) finishes the write."""
        new = new_files(repo, tmp_path_factory.mktemp("new"), "A New Title")
        with monkeypatch.context() as patched:
            patched.setattr(journal, "_finish", lambda *args: None)
            cli("edit", KEY, "--set", "title=A New Title")
        assert any(name.endswith(".journal") for name in leftovers(repo))
        cli("list", "--json")
        assert files(repo) == new
        assert leftovers(repo) == []

    def test_crash_between_renames(
        self, cli: Cli, repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Killed after the first rename: the files are mixed until the next write finishes them."""
        new = new_files(repo, tmp_path_factory.mktemp("new"), "A New Title")
        real = Path.replace
        done = 0

        def replace_once(self: Path, target: Path) -> Path:
            nonlocal done
            if not str(target).endswith(".journal"):
                done += 1
                if done == 2:
                    raise KeyboardInterrupt  # stands for the process dying here
            return real(self, target)

        with monkeypatch.context() as patched:
            patched.setattr(Path, "replace", replace_once)
            cli("edit", KEY, "--set", "title=A New Title", code=130)
        assert files(repo) != new
        cli("edit", KEY, "--set", "note=later")  # a write finishes it first, then applies its own change
        now = files(repo)
        assert now[1:] == new[1:]
        assert db.load(repo / "data" / "papers.toml").paper(KEY).title == "A New Title"

    def test_leftovers_of_a_crash_before_the_commit_point_are_removed(self, cli: Cli, repo: Path) -> None:
        old = files(repo)
        (repo / "data" / ".papers.toml.abc123.evlm-tmp").write_text("half a database")
        (repo / ".README.md.xyz.evlm-tmp").write_text("half a README")
        cli("edit", KEY, "--set", "title=A New Title")
        assert files(repo) != old
        assert leftovers(repo) == []

    def test_a_journal_evlm_did_not_write_is_refused(self, cli: Cli, repo: Path) -> None:
        """A journal that would rename files outside the survey (say, from a hostile clone) is not obeyed."""
        victim = repo.parent / "victim.txt"
        victim.write_text("keep me")
        (repo / "data" / "papers.toml.journal").write_text(
            f'{{"evlm-journal": 1, "renames": [["{repo}/data/papers.toml", "{victim}"]]}}'
        )
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert "not evlm's" in result.stderr
        assert victim.read_text() == "keep me"


class TestRemoval:
    """A write that removes a file (the chart the template dropped) removes it in the same all-or-nothing step."""

    @pytest.fixture
    def orphan(self, repo: Path) -> Path:
        """The chart, once `<!-- evlm:chart -->` has left the template: the next build removes it."""
        template = repo / "data" / "README.template.md"
        template.write_text(template.read_text(encoding="utf-8").replace("<!-- evlm:chart -->\n", ""), "utf-8")
        return repo / "data" / "papers-per-year.svg"

    @pytest.mark.parametrize("failing_call", [1, 2])
    def test_full_disk_keeps_the_chart(
        self, cli: Cli, repo: Path, orphan: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
    ) -> None:
        """ENOSPC writing README.md or the journal: the README and the chart both stay as they were."""
        old, chart = files(repo), orphan.read_bytes()
        real = full_disk_at(monkeypatch, failing_call)
        assert "No space left on device" in cli("build", code=1).stderr
        assert files(repo) == old and orphan.read_bytes() == chart
        assert leftovers(repo) == []
        monkeypatch.setattr(fsutil, "write_temp", real)
        cli("build")
        assert not orphan.exists()

    def test_crash_after_the_commit_point_is_finished_by_the_next_command(
        self, cli: Cli, repo: Path, orphan: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The journal names the removal; the next command (even a read) finishes it with the renames."""
        old = files(repo)
        with monkeypatch.context() as patched:
            patched.setattr(journal, "_finish", lambda *args: None)
            cli("build")
        assert files(repo) == old and orphan.is_file()
        assert str(orphan) in (repo / "data" / "papers.toml.journal").read_text(encoding="utf-8")
        cli("list", "--json")
        assert not orphan.exists() and files(repo)[1] != old[1]
        assert leftovers(repo) == []
        cli("build", "--check")

    def test_removal_that_fails_is_finished_later(
        self, cli: Cli, repo: Path, orphan: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The removal itself fails after the commit point: one error line, the journal kept, finished later."""
        real = Path.unlink

        def unlink(self: Path, missing_ok: bool = False) -> None:
            if self.name == orphan.name:
                raise OSError(errno.EBUSY, "Device or resource busy")
            real(self, missing_ok=missing_ok)

        with monkeypatch.context() as patched:
            patched.setattr(Path, "unlink", unlink)
            result = cli("build", code=1)
        assert "cannot remove the file: Device or resource busy" in result.stderr
        assert "papers-per-year.svg" in result.stderr and "Traceback" not in result.stderr
        assert orphan.is_file() and any(n.endswith(".journal") for n in leftovers(repo))
        cli("list", "--json")
        assert not orphan.exists() and leftovers(repo) == []

    def test_read_only_chart_is_refused(self, cli: Cli, repo: Path, orphan: Path) -> None:
        """A read-only chart is not removed (its owner made it so on purpose), and nothing else changes either."""
        old = files(repo)
        orphan.chmod(0o444)
        result = cli("build", code=1)
        assert "read-only" in result.stderr and "papers-per-year.svg" in result.stderr
        assert files(repo) == old and orphan.is_file()

    def test_a_journal_removing_files_elsewhere_is_refused(self, cli: Cli, repo: Path) -> None:
        """A journal that would remove a file outside the survey's folders is not obeyed."""
        victim = repo.parent / "victim.txt"
        victim.write_text("keep me")
        (repo / "data" / "papers.toml.journal").write_text(
            f'{{"evlm-journal": 1, "renames": [], "removals": ["{victim}"]}}'
        )
        assert "not evlm's" in cli("edit", KEY, "--set", "title=A New Title", code=1).stderr
        assert victim.read_text() == "keep me"


_WRITER = textwrap.dedent(
    """
    import sys
    from dataclasses import replace
    from pathlib import Path
    from evlm_cli import transaction
    path, key = Path(sys.argv[1]), sys.argv[2]
    titles = sys.argv[3:]
    def retitle(title):
        return lambda s: replace(s, papers=tuple(replace(p, title=title) if p.key == key else p for p in s.papers))
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    i = 0
    while True:
        transaction.write(path, retitle(titles[i % 2]))
        i += 1
    """
)


class TestSigkill:
    def test_sigkill_at_random_moments(self, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
        """100 writers killed at random moments: after each, once the next command has run, all old or all new."""
        path = repo / "data" / "papers.toml"
        titles = ["Title Number One", "Title Number Two"]
        transaction.write(path, retitle(titles[0]))
        states = {files(repo): "one", new_files(repo, tmp_path_factory.mktemp("new"), titles[1], plain=True): "two"}
        rng = random.Random(9)
        seen: dict[str, int] = {"one": 0, "two": 0}
        interrupted = 0
        for _ in range(100):
            with _killed_writer(path, titles, delay=rng.uniform(0.0, 0.15)):
                pass
            if leftovers(repo):
                interrupted += 1
            db.load(path)  # what every command does first: finish an interrupted write
            state = files(repo)
            assert state in states, "the three files are a mix of two writes"
            assert leftovers(repo) == [] or not any(n.endswith(".journal") for n in leftovers(repo))
            seen[states[state]] += 1
        assert seen["one"] and seen["two"], seen
        assert interrupted, "no kill landed inside a write: the test did not test recovery"


@contextlib.contextmanager
def _killed_writer(path: Path, titles: list[str], *, delay: float) -> Iterator[None]:
    """A process writing in a loop, SIGKILLed `delay` seconds after it is ready."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), KEY, *titles[::-1]], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        yield
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from evlm_cli import journal
    with journal.hold(Path(sys.argv[1])):
        sys.stdout.write("held\\n")
        sys.stdout.flush()
        time.sleep(30)
    """
)


class TestLock:
    @pytest.fixture
    def held(self, db_path: Path) -> Iterator[subprocess.Popen[str]]:
        proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db_path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        yield proc
        proc.kill()
        proc.wait()
        proc.stdout.close()

    @pytest.mark.parametrize("timeout", ["0", "0.3"])
    def test_writer_gives_up_saying_who_holds_the_lock(
        self,
        cli: Cli,
        repo: Path,
        held: subprocess.Popen[str],
        monkeypatch: pytest.MonkeyPatch,
        timeout: str,
    ) -> None:
        old = files(repo)
        monkeypatch.setenv("EVLM_LOCK_TIMEOUT", timeout)
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert f"pid {held.pid}" in result.stderr and "EVLM_LOCK_TIMEOUT" in result.stderr
        assert "nothing was changed" in result.stderr
        assert files(repo) == old

    def test_writer_waits_for_the_lock(self, db_path: Path, repo: Path) -> None:
        """A writer that gets the lock within the timeout proceeds (and said it was waiting)."""
        proc = subprocess.Popen(
            [sys.executable, "-c", _HOLDER.replace("30", "1"), str(db_path)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stdout.readline() == b"held\n"
        env = {**os.environ, "EVLM_LOCK_TIMEOUT": "20"}
        edit = subprocess.run(
            [sys.executable, "-m", "evlm_cli", "edit", KEY, "--set", "title=A New Title"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        proc.wait()
        proc.stdout.close()
        assert edit.returncode == 0, edit.stderr
        assert f"waiting for another evlm process (pid {proc.pid}" in edit.stderr

    @pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
    def test_bad_timeout_value(self, cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        monkeypatch.setenv("EVLM_LOCK_TIMEOUT", value)
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert "EVLM_LOCK_TIMEOUT must be a number of seconds >= 0" in result.stderr


class TestOnePath:
    def test_only_the_transaction_commits(self) -> None:
        """No module but `transaction` commits files, and the database module no longer writes or imports search."""
        source = Path(transaction.__file__).parent
        committers = {p.name for p in source.rglob("*.py") if "journal.commit(" in p.read_text(encoding="utf-8")}
        assert committers == {"transaction.py"}
        db_source = Path(db.__file__).read_text(encoding="utf-8")
        assert "atomic_write" not in db_source and "evlm_cli.search" not in db_source

    def test_library_error_has_no_half_state_when_change_raises(self, repo: Path) -> None:
        old = files(repo)

        def refuse(survey: Survey) -> Survey:
            raise DatabaseError("no")

        with pytest.raises(DatabaseError):
            transaction.write(repo / "data" / "papers.toml", refuse)
        assert files(repo) == old


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


class TestSpecialFilesInTheWay:
    """A pipe or a device where a generated file or an export goes is refused: nothing blocks, nothing is replaced."""

    def test_fifo_where_readme_should_be(self, cli: Cli, repo: Path) -> None:
        old_db = (repo / "data" / "papers.toml").read_bytes()
        (repo / "README.md").unlink()
        os.mkfifo(repo / "README.md")
        result = cli("edit", KEY, "--set", "title=A New Title", code=1)
        assert "README.md" in result.stderr and "named pipe" in result.stderr
        assert (repo / "data" / "papers.toml").read_bytes() == old_db
        assert (repo / "README.md").is_fifo()

    def test_fifo_as_template(self, cli: Cli, repo: Path) -> None:
        (repo / "data" / "README.template.md").unlink()
        os.mkfifo(repo / "data" / "README.template.md")
        result = cli("build", code=1)
        assert "README template" in result.stderr and "named pipe" in result.stderr

    def test_export_never_replaces_a_fifo(self, cli: Cli, repo: Path) -> None:
        fifo = repo / "out.bib"
        os.mkfifo(fifo)
        result = cli("export", "bibtex", "-o", str(fifo), code=1)
        assert "named pipe" in result.stderr
        assert fifo.is_fifo()


def test_a_write_checks_what_changed_and_every_key(repo: Path) -> None:
    """The untouched papers of a valid survey are not checked field by field again (a one-paper write to 10,000
    papers), but a changed paper is, and every key still clashes with every other."""
    from evlm_cli.errors import EvlmError
    from evlm_cli.model import Paper, validate

    before = db.load(repo / "data" / "papers.toml")
    first = before.papers[0]
    clash = Paper(first.key.upper(), "Another Paper", first.section)
    with pytest.raises(EvlmError, match="duplicate key"):
        validate(replace(before, papers=(*before.papers, clash)), valid_before=before)
    broken = replace(before.papers[1], year=1)
    with pytest.raises(EvlmError, match="impossible"):
        validate(replace(before, papers=(first, broken, *before.papers[2:])), valid_before=before)
    validate(replace(before, papers=(*before.papers, Paper("zz2024new", "New", first.section))), valid_before=before)
