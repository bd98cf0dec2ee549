"""What every writing command shares: one transaction per command, its messages, and terminal detection."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from evlm_cli import transaction
from evlm_cli.cli import _console
from evlm_cli.model import Survey

NoBuildOption = Annotated[
    bool, typer.Option("--no-build", help="Change only the database; leave README.md and the BibTeX file stale.")
]


def is_terminal() -> bool:
    """True when a person can answer a prompt (tests replace this to exercise the prompts)."""
    return sys.stdin.isatty()


def waiting(path: Path) -> Callable[[str], None]:
    """What a write says on stderr when it has to wait for another evlm process."""
    return lambda who: _console.info(f"waiting for {who} writing {_console.shown(path)} ...")


def write(path: Path, change: Callable[[Survey], Survey], *, rebuild: bool) -> Survey:
    """Apply `change` to the database and, with `rebuild`, its generated files, as one transaction."""
    done = transaction.write(path, change, rebuild=rebuild, on_wait=waiting(path))
    report(path, done)
    return done.survey


def create(path: Path, survey: Survey, *, force: bool, rebuild: bool = False, template: str | None = None) -> Survey:
    """Write a new database (replacing one only with `force`), with `template` its README template too."""
    done = transaction.create(path, survey, force=force, rebuild=rebuild, template=template, on_wait=waiting(path))
    report(path, done)
    return done.survey


def report(db_path: Path, done: transaction.Written) -> None:
    """Name the generated files a write replaced or removed (the database goes unsaid: the command says what
    changed)."""
    for path in done.files:
        if path != db_path:
            _console.info(f"written: {_console.shown(path)}")
    for path in done.removed:
        _console.info(f"removed: {_console.shown(path)} (the README no longer shows it)")
