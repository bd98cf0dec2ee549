"""Several files replaced as one: all of them change, or none does; and the lock that serialises writers.

A write of the survey replaces the database and its generated files (README.md, papers.bib) together [issue 9],
and removes a generated file no longer wanted (the README chart once the template drops it):
1. each new file is written to a temporary file beside its target and fsynced (`fsutil.write_temp`);
2. a journal naming the renames and the removals is written beside the database and renamed into place: the commit
   point;
3. the temporary files are renamed over their targets, the files to remove removed, their folders fsynced, and the
   journal removed.
A crash (or a full disk, or a file in the way) before step 2 leaves the old files; its temporary files are removed
by the next write. A crash after step 2 leaves the journal, and the next evlm command that opens the database
finishes the renames (`replay`), as a database's journal does. Only `hold`'s lock serialises these steps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import math
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from evlm_cli import fsutil
from evlm_cli.errors import DatabaseError
from evlm_cli.fsutil import fsync_folder, real_target, temp_name_pattern

LOCK_TIMEOUT_ENV = "EVLM_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0
"""Seconds a writer waits for another one before giving up (0: fail at once)."""
_POLL = 0.05


@dataclass(frozen=True, slots=True)
class Change:
    """One file of a write: where it goes and its new content."""

    path: Path
    data: bytes


def journal_path(db_path: Path) -> Path:
    """Where the journal of an interrupted write of this database lives (beside it)."""
    target = real_target(db_path)
    return target.with_name(target.name + ".journal")


def lock_path(db_path: Path) -> Path:
    target = real_target(db_path)
    return target.with_name(target.name + ".lock")


# -- the lock -----------------------------------------------------------------------------------------


def lock_timeout() -> float:
    """`EVLM_LOCK_TIMEOUT` in seconds (default 60); a DatabaseError when it is not a finite number >= 0."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise DatabaseError(
            f"${LOCK_TIMEOUT_ENV} must be a number of seconds >= 0, not {raw[:40]!r}",
            hint=f"e.g. {LOCK_TIMEOUT_ENV}=60; 0 fails at once when another evlm is writing",
        )
    return value


@contextlib.contextmanager
def hold(
    db_path: Path, *, on_wait: Callable[[str], None] | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Hold the database's exclusive lock (a `.lock` file beside it) for a read-change-write.

    When another process holds it, `on_wait` is called once with a description of that process, and the lock is
    polled for up to `timeout` seconds (default: `lock_timeout()`); then a DatabaseError says who holds it and
    nothing has been changed. A symbolic link is followed, so every name of one database shares one lock; the lock
    is re-entrant within a process."""
    path = lock_path(db_path)
    identity = str(path.resolve())
    if identity in _held:
        yield
        return
    limit = lock_timeout() if timeout is None else timeout
    try:
        handle = path.open("a+b", buffering=0)  # unbuffered: a full disk cannot fail the close
    except OSError as error:
        read_only = error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        raise DatabaseError(
            f"cannot create lock file: {error.strerror}",
            where=str(path),
            hint="the folder is read-only; make it writable, or work on a writable copy with --db"
            if read_only
            else None,
        ) from None
    with handle:
        _acquire(handle, path, on_wait, limit)
        _held.add(identity)
        try:
            _note_holder(handle)
            yield
        finally:
            _held.discard(identity)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _acquire(handle: object, path: Path, on_wait: Callable[[str], None] | None, limit: float) -> None:
    fd = handle.fileno()  # type: ignore[attr-defined]
    deadline = time.monotonic() + limit
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not waited and on_wait is not None and limit > 0:
            on_wait(holder(path))
        waited = True
        if time.monotonic() >= deadline:
            raise DatabaseError(
                f"the database is being written by {holder(path)}",
                where=str(path),
                hint=f"gave up after {limit:g} s (${LOCK_TIMEOUT_ENV}); nothing was changed. Run the command again "
                "when that process has finished",
            )
        time.sleep(min(_POLL, max(0.0, deadline - time.monotonic())))


def _note_holder(handle: object) -> None:
    """Write who holds the lock into the lock file, for a waiting process to name it; best effort."""
    command = " ".join(["evlm", *sys.argv[1:]])
    note = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command if len(command) <= 80 else command[:77] + "...",
        "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    with contextlib.suppress(OSError, ValueError):
        handle.seek(0)  # type: ignore[attr-defined]
        handle.truncate()  # type: ignore[attr-defined]
        handle.write(json.dumps(note).encode("utf-8"))  # type: ignore[attr-defined]
        handle.flush()  # type: ignore[attr-defined]


def holder(path: Path) -> str:
    """'another evlm process (pid 12, `evlm edit ...`, since 10:01:02)', from the note in the lock file."""
    try:
        note = json.loads(path.read_bytes()[:4096])
        since = str(note.get("since", ""))[11:19]
        return f"another evlm process (pid {int(note['pid'])}, `{str(note['command'])[:80]}`, since {since})"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "another evlm process"


_held: set[str] = set()
"""Lock files this process holds now."""


# -- committing -----------------------------------------------------------------------------------------


def check_replaceable(path: Path) -> None:
    """A DatabaseError, before anything is written, when `path` cannot be replaced by a write.

    A file without write permission is refused even for root (who could rename over it): its owner made it
    read-only on purpose."""
    target = real_target(path)
    if not target.parent.is_dir():
        raise DatabaseError("cannot write: its folder does not exist", where=str(path))
    try:
        status = target.stat()
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise DatabaseError(f"cannot write: {error.strerror}", where=str(path)) from None
    if status is not None:
        import stat

        if not stat.S_ISREG(status.st_mode):
            raise DatabaseError(
                "cannot write: something other than a file is in its place",
                where=str(path),
                hint="move it away; evlm writes a file there",
            )
        if not status.st_mode & 0o222:
            raise DatabaseError(
                "cannot write: the file is read-only",
                where=str(path),
                hint=f"make it writable (chmod u+w {path}) if it should change; nothing was changed",
            )
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise DatabaseError(
            "cannot write: its folder is not writable", where=str(path), hint=f"make {target.parent} writable"
        )


def commit(db_path: Path, changes: Sequence[Change], removals: Sequence[Path] = ()) -> None:
    """Replace every file of `changes` and remove every file of `removals` at once (all or nothing); the caller
    holds `hold(db_path)`."""
    if not changes and not removals:
        return
    for path in [*(change.path for change in changes), *removals]:
        check_replaceable(path)
    remove_leftovers([c.path for c in changes])
    renames: list[tuple[Path, Path]] = []
    try:
        for change in changes:
            target = real_target(change.path).absolute()
            renames.append((fsutil.write_temp(target, change.data, shown=change.path), target))
        for folder in {target.parent for _, target in renames}:
            fsync_folder(folder)
        removed = [path.absolute() for path in removals]
        _write_journal(db_path, renames, removed)
    except BaseException:
        for temp, _ in renames:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    _finish(db_path, renames, removed)


def _write_journal(db_path: Path, renames: list[tuple[Path, Path]], removals: list[Path]) -> None:
    data: dict[str, object] = {"evlm-journal": 1, "renames": [[str(temp), str(target)] for temp, target in renames]}
    if removals:  # only when there are any: a journal without them reads as before
        data["removals"] = [str(path) for path in removals]
    fsutil.atomic_write(journal_path(db_path), json.dumps(data, indent=1))


def _interrupted(step: str, path: Path, journal: Path, error: OSError) -> DatabaseError:
    return DatabaseError(
        f"write interrupted: cannot {step} the file: {error.strerror}",
        where=str(path),
        hint=f"fix that, then run any evlm command: it finishes the write (journal: {journal})",
    )


def _finish(db_path: Path, renames: list[tuple[Path, Path]], removals: Sequence[Path] = ()) -> None:
    """Do the renames and removals of a committed write (again, after a crash: a step already done is skipped)."""
    journal = journal_path(db_path)
    for temp, target in renames:
        try:
            if temp.exists():
                temp.replace(target)
        except OSError as error:
            raise _interrupted("replace", target, journal, error) from None
    for path in removals:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise _interrupted("remove", path, journal, error) from None
    for folder in {target.parent for _, target in renames} | {path.parent for path in removals}:
        fsync_folder(folder)
    with contextlib.suppress(FileNotFoundError):
        journal.unlink()
    fsync_folder(journal.parent)


def remove_leftovers(paths: Sequence[Path]) -> None:
    """Remove temporary files an interrupted write left beside these files (before its commit point)."""
    for path in paths:
        target = real_target(path)
        with contextlib.suppress(OSError):
            for leftover in target.parent.glob(temp_name_pattern(target)):
                leftover.unlink()


# -- recovering -----------------------------------------------------------------------------------------


def replay(db_path: Path) -> bool:
    """Finish a write that was interrupted after its commit point; the caller holds `hold(db_path)`.

    True when there was one. A journal that evlm did not write (renames outside the survey's folders, or temporary
    files that are not evlm's) is refused rather than obeyed."""
    journal = journal_path(db_path)
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as error:
        message = f"cannot read the journal of an interrupted write: {error.strerror}"
        raise DatabaseError(message, where=str(journal)) from None
    _finish(db_path, *_steps(raw, journal, db_path))
    return True


def _steps(raw: bytes, journal: Path, db_path: Path) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """The renames and the removals a journal names, each checked to stay inside the survey's folders."""
    bad = DatabaseError(
        "the journal of an interrupted write is not evlm's",
        where=str(journal),
        hint="remove it if no evlm command is running, then check README.md and the database with `evlm build`",
    )
    try:
        data = json.loads(raw)
        pairs = [(Path(temp), Path(target)) for temp, target in data["renames"]]
        removals = [Path(path) for path in data.get("removals", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise bad from None
    home = real_target(db_path).resolve().parent
    allowed = {home, home.parent}
    for temp, target in pairs:
        if (
            temp.parent != target.parent
            or target.parent.resolve() not in allowed
            or not temp.match(temp_name_pattern(target))
            or not temp.is_absolute()
        ):
            raise bad
    for path in removals:
        if not path.is_absolute() or path.parent.resolve() not in allowed or path.name in ("", ".", ".."):
            raise bad
    return pairs, removals


def pending(db_path: Path) -> bool:
    """Whether a write of this database was interrupted after its commit point (one stat; no lock)."""
    return journal_path(db_path).exists()


def finish_interrupted(db_path: Path) -> None:
    """For readers: finish an interrupted write if there is one and it can be finished now; else leave it.

    A read-only checkout, or a writer still busy past the lock timeout, leaves the journal for a later command."""
    if not pending(db_path):
        return
    with contextlib.suppress(DatabaseError), hold(db_path):
        replay(db_path)
