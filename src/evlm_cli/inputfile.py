"""Reading the files evlm is given (the database, import inputs): regular files of a sane size, nothing else.

A named pipe would block a plain `open` for ever, `/dev/zero` never ends, a huge file would eat the memory, and a
folder or a dangling symbolic link gives an OSError nobody can act on. Each is refused with a clear error before a
byte is read; the file is opened with O_NONBLOCK and checked again with fstat, so a pipe swapped in never blocks.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from evlm_cli.errors import EvlmError

MIB = 1024 * 1024
DATABASE_LIMIT = 256 * MIB
"""The largest database evlm reads. The shipped survey is under 0.1 MiB; the benchmarks' 100,000-paper survey,
with an abstract for every paper, is 158 MB and still works."""
IMPORT_LIMIT = 32 * MIB
"""The largest README or .bib file `evlm import` reads (tens of thousands of entries)."""


def read_bytes(
    path: Path, *, what: str, limit: int, error: type[EvlmError] = EvlmError, missing_hint: str | None = None
) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; otherwise an `error` saying why not.

    `what` names the file in messages ('database', 'file to import'); `missing_hint` is the hint when it does not
    exist."""
    where = str(path)
    try:
        before = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise error(
                f"is a symbolic link to {_link_target(path)}, which does not exist",
                where=where,
                hint="point the link at an existing file, or remove it",
            ) from None
        raise error(f"no such {what}", where=where, hint=missing_hint) from None
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror or problem}", where=where) from None
    _check_kind(before, what=what, limit=limit, error=error, where=where)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror or problem}", where=where) from None
    try:
        opened = os.fstat(fd)  # the file may have been replaced since the stat above
        _check_kind(opened, what=what, limit=limit, error=error, where=where)
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(opened.st_size + 1)  # one read; the extra byte notices a file that grew meanwhile
            if len(data) > opened.st_size:
                data += handle.read(limit + 1 - len(data))
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror or problem}", where=where) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise _too_big(what, limit, error, where)
    return data


def read_text(
    path: Path, *, what: str, limit: int, error: type[EvlmError] = EvlmError, missing_hint: str | None = None
) -> str:
    """`read_bytes` decoded as UTF-8, without the byte order mark some editors put first; an `error` naming the
    line of the first byte that is not UTF-8."""
    data = read_bytes(path, what=what, limit=limit, error=error, missing_hint=missing_hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        raise error(
            f"not UTF-8 text (byte {problem.start}, on line {line}, is 0x{data[problem.start]:02x})",
            where=str(path),
            hint="convert it to UTF-8",
        ) from None


def refuse_special(path: Path, *, what: str, error: type[EvlmError] = EvlmError) -> None:
    """An `error` when `path` exists but is not a regular file: writing there would replace a pipe or a device."""
    try:
        found = path.stat()
    except OSError:
        return  # missing (or a dangling link): the write creates it
    _check_kind(found, what=what, limit=None, error=error, where=str(path))


def _check_kind(found: os.stat_result, *, what: str, limit: int | None, error: type[EvlmError], where: str) -> None:
    mode = found.st_mode
    if stat.S_ISREG(mode):
        if limit is not None and found.st_size > limit:
            raise _too_big(what, limit, error, where)
        return
    if stat.S_ISDIR(mode):
        raise error("is a folder, not a file", where=where, hint=f"name the {what} itself")
    if stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "a socket" if stat.S_ISSOCK(mode) else "a special file"
    raise error(
        f"is {kind}, not a regular file",
        where=where,
        hint=f"evlm reads and writes only regular files: save the {what} to one and name that",
    )


def _too_big(what: str, limit: int, error: type[EvlmError], where: str) -> EvlmError:
    return error(
        f"is larger than {limit // MIB} MiB, the limit for a {what}",
        where=where,
        hint="check that this is the right file",
    )


def _link_target(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError:
        return "a missing file"
