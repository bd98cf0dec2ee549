"""The database and import inputs must be regular files of a sane size (evlm_cli.inputfile): a named pipe,
/dev/zero, a folder, a dangling symbolic link or a huge file is one clear error, exit 1, nothing written, and never
a hang or a memory blow-up. A UTF-8 byte order mark is accepted."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Cli
from evlm_cli import db
from evlm_cli.errors import DatabaseError, EvlmError
from evlm_cli.inputfile import DATABASE_LIMIT, IMPORT_LIMIT, read_bytes, read_text, refuse_special

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")

LAUNCH = "from evlm_cli.launcher import main; main()"
"""What the `evlm` console script runs: both the fast search lane and the Typer app."""
BIB = "@article{k1,\n  title = {A Paper About Pruning},\n  year = {2024},\n}\n"


def _limit_memory() -> None:
    """Without the fix, reading /dev/zero grows until memory runs out: fail fast instead, in the child only."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def evlm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `evlm` in a child process, so that a hang is a timeout and a memory blow-up stays contained."""
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )


def _one_error(stderr: str, *fragments: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert stderr.count("\n") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, stderr


def _special(kind: str, tmp_path: Path) -> Path:
    """A path that is not a regular file: a named pipe, /dev/zero, a folder or a dangling symbolic link."""
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        return path
    if kind == "dev-zero":
        return Path("/dev/zero")
    if kind == "folder":
        path = tmp_path / "folder"
        path.mkdir()
        return path
    path = tmp_path / "dangling"
    path.symlink_to(tmp_path / "nowhere.toml")
    return path


def _sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no room on disk (and is read only if the size check fails)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


_MESSAGES = {
    "fifo": "is a named pipe (FIFO), not a regular file",
    "dev-zero": "is a device, not a regular file",
    "folder": "is a folder",
    "dangling": "is a symbolic link to",
}


class TestDatabase:
    """`--db` naming something that is not a regular file of at most DATABASE_LIMIT bytes."""

    @pytest.mark.parametrize("command", [["list"], ["search", "pruning"], ["check"]])
    @pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
    def test_pipe_or_device_never_blocks(self, tmp_path: Path, kind: str, command: list[str]) -> None:
        """A pipe would block for ever and /dev/zero never ends: each is refused at once (in a child process, with
        a timeout and a memory cap, so that a regression fails instead of hanging the suite)."""
        path = _special(kind, tmp_path)
        result = evlm("--db", str(path), *command)
        assert result.returncode == 1, result.stderr
        _one_error(result.stderr, f"{path}: {_MESSAGES[kind]}", "regular files")

    def test_dangling_link(self, cli: Cli, tmp_path: Path) -> None:
        """Not "no such database": the link is there, its target is not."""
        path = _special("dangling", tmp_path)
        result = cli("--db", str(path), "list", code=1)
        _one_error(result.stderr, f"{path}: --db {_MESSAGES['dangling']}")

    def test_dangling_link_names_its_target(self, cli: Cli, tmp_path: Path) -> None:
        """The error says where the link points, and how to fix it."""
        path = _special("dangling", tmp_path)
        result = cli("--db", str(path), "search", "x", code=1)
        _one_error(result.stderr, "nowhere.toml', which does not exist", "restore the file it points to")

    def test_huge_database(self, cli: Cli, tmp_path: Path) -> None:
        """A database over the limit is refused from its size, before a byte is read."""
        path = _sparse(tmp_path / "papers.toml", DATABASE_LIMIT + 1)
        result = cli("--db", str(path), "list", code=1)
        _one_error(result.stderr, f"larger than {DATABASE_LIMIT >> 20} MiB")

    def test_library_refuses_a_folder(self, tmp_path: Path) -> None:
        """db.load itself (not only `--db`) says a folder is not a database."""
        with pytest.raises(DatabaseError, match="is a folder"):
            db.load(tmp_path)

    # Writing commands are tried on a pipe only, never on a real device: without the fix, `import readme --force`
    # renamed its new file over the target, which as root replaces /dev/zero itself.

    def test_writing_commands_write_nothing(self, tmp_path: Path) -> None:
        """`add` reads the database first and stops there; a pipe stays a pipe, nothing is created beside it."""
        path = _special("fifo", tmp_path)
        before = sorted(p.name for p in tmp_path.iterdir())
        result = evlm("--db", str(path), "add", "--title", "T", "--section", "pruning", "--no-build")
        assert result.returncode == 1, result.stderr
        _one_error(result.stderr, _MESSAGES["fifo"])
        assert sorted(p.name for p in tmp_path.iterdir()) == before

    def test_import_readme_never_replaces_a_pipe(self, tmp_path: Path, seed_text: str) -> None:
        """Even with --force, `import readme` does not rename a new file over a pipe (or a device)."""
        path = _special("fifo", tmp_path)
        readme = tmp_path / "in.md"
        readme.write_text(seed_text, encoding="utf-8")
        result = evlm("--db", str(path), "import", "readme", str(readme), "--force")
        assert result.returncode == 1, result.stderr
        _one_error(result.stderr, _MESSAGES["fifo"])
        assert path.is_fifo()


class TestImportInput:
    """`import bibtex FILE` and `import readme FILE` with a FILE that is not a regular file of sane size."""

    @pytest.mark.parametrize("importer", ["bibtex", "readme"])
    @pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
    def test_pipe_or_device_never_blocks(self, tmp_path: Path, db_path: Path, kind: str, importer: str) -> None:
        """A pipe would block for ever and /dev/zero would fill the memory: refused at once, nothing written."""
        path = _special(kind, tmp_path)
        target = db_path if importer == "bibtex" else tmp_path / "new.toml"
        before = db_path.read_bytes()
        extra = ["--section", "pruning"] if importer == "bibtex" else []
        result = evlm("--db", str(target), "import", importer, str(path), *extra)
        assert result.returncode == 1, result.stderr
        _one_error(result.stderr, f"{path}: {_MESSAGES[kind]}")
        assert db_path.read_bytes() == before
        assert not (tmp_path / "new.toml").exists()

    @pytest.mark.parametrize("importer", ["bibtex", "readme"])
    @pytest.mark.parametrize("kind", ["folder", "dangling"])
    def test_folder_or_dangling_link(self, cli: Cli, tmp_path: Path, db_path: Path, kind: str, importer: str) -> None:
        path = _special(kind, tmp_path)
        before = db_path.read_bytes()
        args = ["import", importer, str(path)] + (["--section", "pruning"] if importer == "bibtex" else [])
        target = [] if importer == "bibtex" else ["--db", str(tmp_path / "new.toml")]
        result = cli(*target, *args, code=1)
        _one_error(result.stderr, f"{path}: {_MESSAGES[kind]}")
        assert db_path.read_bytes() == before
        assert not (tmp_path / "new.toml").exists()

    @pytest.mark.parametrize("importer", ["bibtex", "readme"])
    def test_huge_file(self, cli: Cli, tmp_path: Path, db_path: Path, importer: str) -> None:
        """An input over IMPORT_LIMIT is refused from its size, before it is read."""
        path = _sparse(tmp_path / "big.txt", IMPORT_LIMIT + 1)
        before = db_path.read_bytes()
        args = ["import", importer, str(path)] + (["--section", "pruning"] if importer == "bibtex" else [])
        target = [] if importer == "bibtex" else ["--db", str(tmp_path / "new.toml")]
        result = cli(*target, *args, code=1)
        _one_error(result.stderr, f"larger than {IMPORT_LIMIT >> 20} MiB, the limit for a file to import")
        assert db_path.read_bytes() == before


class TestByteOrderMark:
    """A UTF-8 byte order mark, as some Windows editors write, is accepted and dropped."""

    def test_database_with_bom(self, cli: Cli, db_path: Path) -> None:
        """Every reader accepts it; the next write leaves it out."""
        db_path.write_bytes(b"\xef\xbb\xbf" + db_path.read_bytes())
        assert "mbq2024modality" in cli("list", "--section", "post-training-quantization").stdout
        assert "mbq2024modality" in cli("search", "modality", "balanced").stdout
        assert "0 errors" in cli("check").stderr
        cli("edit", "mbq2024modality", "--set", "venue=CVPR")
        assert not db_path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert db.load(db_path).paper("mbq2024modality").venue == "CVPR"

    def test_database_with_bom_through_the_launcher(self, db_path: Path) -> None:
        """The fast search lane (no Typer) reads it too."""
        db_path.write_bytes(b"\xef\xbb\xbf" + db_path.read_bytes())
        result = evlm("--db", str(db_path), "search", "modality", "--keys")
        assert result.returncode == 0, result.stderr
        assert "mbq2024modality" in result.stdout

    def test_readme_with_bom(self, cli: Cli, tmp_path: Path, seed_text: str) -> None:
        """The first heading is still the survey's title (a kept BOM would hide it)."""
        readme = tmp_path / "in.md"
        readme.write_bytes(b"\xef\xbb\xbf" + seed_text.encode("utf-8"))
        target = tmp_path / "new.toml"
        cli("--db", str(target), "import", "readme", str(readme))
        assert db.load(target).info.title == seed_text.splitlines()[0].removeprefix("# ").strip()

    def test_bibtex_with_bom(self, cli: Cli, tmp_path: Path, db_path: Path) -> None:
        bib = tmp_path / "refs.bib"
        bib.write_bytes(b"\xef\xbb\xbf" + BIB.encode("utf-8"))
        result = cli("import", "bibtex", str(bib), "--section", "pruning", "--no-build")
        assert "added 1 of 1" in result.stderr and "not UTF-8" not in result.stderr
        assert any(p.title == "A Paper About Pruning" for p in db.load(db_path).papers)


class TestLibrary:
    """evlm_cli.inputfile on its own."""

    def test_reads_a_regular_file(self, tmp_path: Path) -> None:
        path = tmp_path / "a.txt"
        path.write_bytes(b"\xef\xbb\xbfhello")
        assert read_bytes(path, what="file", limit=100) == b"\xef\xbb\xbfhello"
        assert read_text(path, what="file", limit=100) == "hello"

    def test_limit_counts_bytes_read(self, tmp_path: Path) -> None:
        """The limit holds for what is read, not only for what stat says."""
        path = tmp_path / "a.txt"
        path.write_bytes(b"x" * 11)
        with pytest.raises(EvlmError, match="larger than"):
            read_bytes(path, what="file", limit=10)
        assert read_bytes(path, what="file", limit=11) == b"x" * 11

    def test_not_utf8_names_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "a.txt"
        path.write_bytes(b"ok\nok\n\xff\n")
        with pytest.raises(EvlmError, match=r"not UTF-8 text \(byte 6, on line 3, is 0xff\)"):
            read_text(path, what="file", limit=100)

    def test_error_class_is_the_callers(self, tmp_path: Path) -> None:
        with pytest.raises(DatabaseError, match="no such database"):
            read_bytes(tmp_path / "none", what="database", limit=10, error=DatabaseError)

    def test_refuse_special(self, tmp_path: Path) -> None:
        """A write target may be missing or a regular file, not a pipe."""
        refuse_special(tmp_path / "missing.toml", what="database")
        (tmp_path / "file.toml").write_text("", encoding="utf-8")
        refuse_special(tmp_path / "file.toml", what="database")
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(EvlmError, match="named pipe"):
            refuse_special(tmp_path / "pipe", what="database")
        with pytest.raises(EvlmError, match="a device"):
            refuse_special(Path(os.devnull), what="database")
