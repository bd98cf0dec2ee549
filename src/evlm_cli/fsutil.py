"""Safe file writes: atomic replacement and an inter-process lock.

A write goes to a temporary file in the same folder, is flushed and fsynced, then renamed over the target, so a
reader (or a crash) only ever sees the old file or the new one, never a truncated one [pip's adjacent_tmp_file].
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from evlm_cli.errors import DatabaseError


def atomic_write(path: Path, content: str | bytes) -> None:
    """Replace `path` with `content` atomically, keeping the old file's permissions.

    A symbolic link is followed: the file it points to is replaced and the link stays a link."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    shown = path
    path = path.resolve() if path.is_symlink() else path
    folder = path.parent
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise DatabaseError(f"cannot write: {error.strerror}", where=str(shown)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).chmod(mode)
        Path(tmp_name).replace(path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            Path(tmp_name).unlink()
        if isinstance(error, OSError):
            raise DatabaseError(f"cannot write: {error.strerror}", where=str(shown)) from None
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every file system allows opening a folder, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(path: Path, *, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `path` (through a `.lock` file beside it) for the duration of a read-modify-write.

    Two processes that write the database at once are serialised: the second waits, then reads what the first wrote.
    `on_wait` is called once, before waiting, when another process holds the lock (the CLI says so on stderr).
    The lock is re-entrant within a process, so a command can hold it across a write and the rebuild that follows.
    A symbolic link is followed, so every name of the same database shares one lock.
    """
    target = path.resolve() if path.is_symlink() else path
    lock_path = target.with_name(target.name + ".lock")
    identity = str(lock_path.resolve())
    if identity in _held:
        yield
        return
    try:
        handle = lock_path.open("a+b")
    except OSError as error:
        read_only = error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        raise DatabaseError(
            f"cannot create lock file: {error.strerror}",
            where=str(lock_path),
            hint="the folder is read-only; make it writable, or work on a writable copy with --db"
            if read_only
            else None,
        ) from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        _held.add(identity)
        try:
            yield
        finally:
            _held.discard(identity)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


_held: set[str] = set()
"""Lock files this process holds now."""
