"""`evlm build`: regenerate the files derived from the database, or report which are stale.

Each generated file is an `Output` (where it goes and what it should hold); `build` compares and writes them.
Later renderers (the BibTeX file) add their outputs in `outputs()`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from evlm_cli.db import repository_root
from evlm_cli.fsutil import atomic_write, locked
from evlm_cli.model import Survey
from evlm_cli.render.readme import render_readme, template_for


@dataclass(frozen=True, slots=True)
class Output:
    """A generated file and the content it should have."""

    path: Path
    content: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What `build` did (or, with check, would do) to one file."""

    path: Path
    status: str
    """'written', 'unchanged' or 'stale' (check only)."""
    diff: str = ""


def outputs(survey: Survey, db_path: Path) -> list[Output]:
    """Every file `evlm build` generates for this database."""
    root = repository_root(db_path)
    template, template_name = template_for(db_path)
    return [Output(root / "README.md", render_readme(survey, template, template_name=template_name))]


def build(survey: Survey, db_path: Path, *, check: bool = False) -> list[Outcome]:
    """Write each stale output (atomically, under the database's lock), or with `check` only report it."""
    results = []
    with locked(db_path):
        for output in outputs(survey, db_path):
            try:
                current = output.path.read_text(encoding="utf-8")
            except (FileNotFoundError, UnicodeDecodeError):
                current = None
            if current == output.content:
                results.append(Outcome(output.path, "unchanged"))
            elif check:
                results.append(Outcome(output.path, "stale", _diff(output.path, current or "", output.content)))
            else:
                atomic_write(output.path, output.content)
                results.append(Outcome(output.path, "written"))
    return results


def _diff(path: Path, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"{path} (on disk)", f"{path} (from database)"
    )
    return "".join(lines)
