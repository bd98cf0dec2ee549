"""Which database a command uses (`--db`, `EVLM_DB`, `data/papers.toml` above the current folder, or the bundled
copy), and where its generated files live.

Cheap to import on purpose (no model, no TOML reader): every command, the fast lane included, starts here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evlm_cli.errors import DatabaseError

DB_ENV = "EVLM_DB"
DEFAULT_RELATIVE = Path("data") / "papers.toml"


@dataclass(frozen=True, slots=True)
class Location:
    """Which database a command uses, and why."""

    path: Path
    origin: str
    """'--db', 'EVLM_DB', 'found' (walking up from the current folder) or 'bundled'."""

    @property
    def writable(self) -> bool:
        return self.origin != "bundled"


def bundled_path() -> Path:
    """The read-only copy of the survey that ships inside the package (or the checkout's, in an editable install)."""
    packaged = Path(__file__).parent / "data" / "papers.toml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / DEFAULT_RELATIVE


def locate(explicit: Path | None, *, cwd: Path | None = None) -> Location:
    """The database to use: `--db`, then `EVLM_DB`, then `data/papers.toml` above `cwd`, then the bundled copy.

    A dangling symbolic link is an error wherever it is found: falling back to another database would show (or
    change) a survey the user did not mean."""
    if explicit is not None:
        return Location(_usable(not_a_folder(explicit, "--db"), "--db"), "--db")
    env = os.environ.get(DB_ENV)
    if env:
        return Location(_usable(not_a_folder(Path(env), DB_ENV), DB_ENV), DB_ENV)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_RELATIVE
        if candidate.is_file():
            return Location(candidate, "found")
        if candidate.is_symlink():
            _usable(candidate, "found")
    return Location(bundled_path(), "bundled")


def _usable(path: Path, origin: str) -> Path:
    """`path`, or a DatabaseError when it is a symbolic link to nothing."""
    if path.is_symlink() and not path.exists():
        who = origin if origin in ("--db", DB_ENV) else "the database"
        raise DatabaseError(
            f"{who} is a symbolic link to {str(path.readlink())!r}, which does not exist",
            where=str(path),
            hint="restore the file it points to, or fix or remove the link",
        )
    return path


def not_a_folder(path: Path, origin: str) -> Path:
    """`path` itself, or a DatabaseError when it is a folder (`origin` is '--db' or 'EVLM_DB', for the hint)."""
    if path.is_dir():
        example = path / DEFAULT_RELATIVE.name
        how = f"--db {example}" if origin == "--db" else f"{DB_ENV}={example}"
        raise DatabaseError(
            f"{origin} names a folder, not a database file", where=str(path), hint=f"pass the .toml file, e.g. {how}"
        )
    return path


def require_writable(location: Location) -> Path:
    """The path to write to, or a DatabaseError explaining that the bundled copy is read-only."""
    if not location.writable:
        raise DatabaseError(
            "the bundled survey is read-only",
            where=str(location.path),
            hint=f"run inside a clone of the survey, or pass --db PATH (or set {DB_ENV})",
        )
    return location.path


def repository_root(db_path: Path) -> Path:
    """Where README.md lives: the folder above `data/`, or the database's own folder when it is not `data`."""
    folder = db_path.resolve().parent
    return folder.parent if folder.name == "data" else folder
