"""Safe file writes: a temporary file beside its target, fsynced, then renamed over it [pip's adjacent_tmp_file].

A reader (or a crash) only ever sees the old file or the new one, never a truncated one. `atomic_write` replaces
one file (caches, `export -o`); the survey's own files change together through `evlm_cli.journal`, which uses the
same pieces (`write_temp`, `fsync_folder`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from evlm_cli.errors import DatabaseError

TEMP_SUFFIX = ".evlm-tmp"
"""The suffix of evlm's temporary files, so a crashed write's leftovers can be recognised and removed."""


def real_target(path: Path) -> Path:
    """The file a write replaces: a symbolic link is followed, so the link stays a link."""
    return path.resolve() if path.is_symlink() else path


def temp_name_pattern(target: Path) -> str:
    """A glob matching the temporary files `write_temp` makes for `target`."""
    return f".{target.name}.*{TEMP_SUFFIX}"


def write_temp(target: Path, data: bytes, *, shown: Path | None = None) -> Path:
    """Write `data` to a new temporary file beside `target`, flushed and fsynced, with `target`'s permissions.

    The caller renames it over `target` (or removes it). Any failure removes the temporary file and raises a
    DatabaseError naming `shown` (default: `target`)."""
    where = str(shown or target)
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as error:
        raise DatabaseError(f"cannot write: {error.strerror}", where=where) from None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as error:
        raise DatabaseError(f"cannot write: {error.strerror}", where=where, hint=_hint(error)) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(mode)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, OSError):
            raise DatabaseError(f"cannot write: {error.strerror}", where=where, hint=_hint(error)) from None
        raise
    return temp


def _hint(error: OSError) -> str | None:
    import errno

    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some disk space and run the command again; nothing was changed"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder is not writable; make it writable, or work on a writable copy with --db"
    return None


def atomic_write(path: Path, content: str | bytes) -> None:
    """Replace `path` with `content` atomically, keeping the old file's permissions.

    A symbolic link is followed: the file it points to is replaced and the link stays a link."""
    from evlm_cli.inputfile import refuse_special

    data = content.encode("utf-8") if isinstance(content, str) else content
    target = real_target(path)
    refuse_special(target, what="file", error=DatabaseError)  # never rename over a pipe, a device or a folder
    temp = write_temp(target, data, shown=path)
    try:
        temp.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise DatabaseError(f"cannot write: {error.strerror}", where=str(path)) from None
    fsync_folder(target.parent)


def fsync_folder(folder: Path) -> None:
    """Make renames in `folder` durable; not every file system allows opening a folder, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
