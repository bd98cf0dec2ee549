"""What every writing command shares: the change under the lock, then the rebuild, and terminal detection."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer

from evlm_cli import build as builder
from evlm_cli import db, fsutil
from evlm_cli.cli import _console
from evlm_cli.model import Survey

NoBuildOption = Annotated[
    bool, typer.Option("--no-build", help="Change only the database; leave README.md and the BibTeX file stale.")
]


def is_terminal() -> bool:
    """True when a person can answer a prompt (tests replace this to exercise the prompts)."""
    return sys.stdin.isatty()


def lock(path: Path) -> AbstractContextManager[None]:
    """The database's lock, saying once on stderr when the command has to wait for another evlm process."""
    message = f"waiting for another evlm process writing {_console.shown(path)} ..."
    return fsutil.locked(path, on_wait=lambda: _console.info(message))


def write(path: Path, change: Callable[[Survey], Survey], *, rebuild: bool) -> Survey:
    """Apply `change` to the database and rebuild the generated files, all under one hold of the lock.

    With `rebuild`, the generated files are rendered, and checked to be replaceable, before the database is
    written, so a broken template or an unwritable README.md stops the command while the database is untouched.
    """

    rendered: list[builder.Output] = []

    def checked(survey: Survey) -> Survey:
        after = change(survey)
        if rebuild:
            rendered[:] = builder.prepare(after, path)
        return after

    with lock(path):
        after = db.update(path, checked)
        if rebuild:
            for outcome in builder.build(after, path, rendered=rendered):
                if outcome.status == "written":
                    _console.info(f"written: {_console.shown(outcome.path)}")
    return after
