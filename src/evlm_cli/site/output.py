"""Writing a site folder as one step: the files go into a temporary folder beside the target, which then takes the
target's place. A reader (or a crash) sees the old site or the new one, never a half-written mix; a folder that is
not a previous evlm site is never replaced unless asked (`force`), and a folder whose loss would lose the survey or
more (the database's folder and those above it, the current folder and those above it, the home folder) never is."""

from __future__ import annotations

import contextlib
import errno
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from evlm_cli.errors import EvlmError
from evlm_cli.fsutil import TEMP_SUFFIX, fsync_folder
from evlm_cli.location import repository_root
from evlm_cli.site import MARKER

_OWN_FOLDER = "choose a folder of its own, e.g. -o site"


def write(files: dict[str, bytes], folder: Path, *, database: Path, force: bool = False) -> None:
    """Replace `folder` with exactly `files` (relative paths with `/`); `database` (the survey's file) and the folders
    holding it are never replaced, `force` or not."""
    folder = _check_target(folder, database, force=force)
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=TEMP_SUFFIX, dir=parent))
    except OSError as error:
        raise EvlmError(
            f"cannot write the site: {error.strerror}", where=str(folder), hint=_hint(error, parent)
        ) from None
    old: Path | None = None
    try:
        for name, content in files.items():
            path = temp.joinpath(*name.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        temp.chmod(0o755)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", suffix=TEMP_SUFFIX, dir=parent))
            old.rmdir()
            folder.rename(old)
        temp.rename(folder)
    except OSError as error:
        if old is not None and not folder.exists():
            with contextlib.suppress(OSError):
                old.rename(folder)  # put the previous site back
        shutil.rmtree(temp, ignore_errors=True)
        raise EvlmError(
            f"cannot write the site: {error.strerror}", where=str(folder), hint=_hint(error, parent)
        ) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    fsync_folder(parent)


def _hint(error: OSError, parent: Path) -> str:
    """How to get past a failed write or rename; nothing was changed either way (the old site is put back)."""
    if error.errno == errno.EBUSY:
        return f"the folder is in use (a mount point, or another program's current folder); {_OWN_FOLDER}"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{parent} is not writable; make it writable, or choose a folder elsewhere with -o"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some disk space and run the command again; the previous site is unchanged"
    return "nothing was changed; choose another folder with -o, or fix the cause and run the command again"


def _refuse_precious(folder: Path, database: Path) -> None:
    """Refuse (before anything is written) a resolved output folder that holds the database, the current folder or
    the home folder: replacing it with the site would delete the survey, or far more."""
    database = database.resolve()
    cwd = Path.cwd().resolve()
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no HOME and no password entry: the root still counts below
        home = Path(cwd.anchor)
    precious: tuple[tuple[Sequence[Path], str], ...] = (
        ((database.parent,), "is the database's folder"),
        ((repository_root(database),), "is the survey's repository"),
        (database.parents, "holds the database"),
        ((cwd,), "is the current folder"),
        (cwd.parents, "holds the current folder"),
        ((home,), "is the home folder"),
        (home.parents, "holds the home folder"),
    )
    for paths, what in precious:
        if any(_same(folder, path) for path in paths):
            raise EvlmError(
                f"the output folder {what}; the site would replace it and everything in it",
                where=str(folder),
                hint=_OWN_FOLDER,
            )


def _same(folder: Path, other: Path) -> bool:
    """Whether two resolved paths are one folder (`samefile` also sees a case-insensitive or bind-mounted twin)."""
    if folder == other:
        return True
    try:
        return folder.samefile(other)
    except OSError:
        return False


def _check_target(folder: Path, database: Path, *, force: bool) -> Path:
    """The resolved output folder, once it is known to be one `write` may replace."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise EvlmError(
            "the site's output is not a folder", where=str(folder), hint="give a folder path with -o, e.g. -o site"
        )
    folder = folder.resolve()  # `-o .` or `-o a/..` has no name to rename: work on the folder it means
    _refuse_precious(folder, database)
    if force or not folder.exists() or (folder / MARKER).is_file():
        return folder
    if any(folder.iterdir()):
        raise EvlmError(
            "the output folder is not empty and is not a site evlm wrote",
            where=str(folder),
            hint="choose another folder with -o, or replace it and everything in it with --force",
        )
    return folder
