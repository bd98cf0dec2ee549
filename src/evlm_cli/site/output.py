"""Writing a site folder as one step: the files go into a temporary folder beside the target, which then takes the
target's place. A reader (or a crash) sees the old site or the new one, never a half-written mix; a folder that is
not a previous evlm site is never replaced unless asked (`force`)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from evlm_cli.errors import EvlmError
from evlm_cli.fsutil import TEMP_SUFFIX, fsync_folder
from evlm_cli.site import MARKER


def write(files: dict[str, bytes], folder: Path, *, force: bool = False) -> None:
    """Replace `folder` with exactly `files` (relative paths with `/`)."""
    _check_target(folder, force=force)
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=TEMP_SUFFIX, dir=parent))
    except OSError as error:
        raise EvlmError(f"cannot write the site: {error.strerror}", where=str(folder)) from None
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
        raise EvlmError(f"cannot write the site: {error.strerror}", where=str(folder)) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    fsync_folder(parent)


def _check_target(folder: Path, *, force: bool) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise EvlmError(
            "the site's output is not a folder", where=str(folder), hint="give a folder path with -o, e.g. -o site"
        )
    if force or not folder.exists() or (folder / MARKER).is_file():
        return
    if any(folder.iterdir()):
        raise EvlmError(
            "the output folder is not empty and is not a site evlm wrote",
            where=str(folder),
            hint="choose another folder with -o, or replace it and everything in it with --force",
        )
