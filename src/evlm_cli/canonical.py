"""`data/papers.toml` in its canonical form (docs/database.md): what `evlm format` writes and `--check` compares.

Every evlm write already saves the canonical form; this puts a hand-edited file in it without any other change,
so a survey's pre-commit hook can keep the database's diffs small.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from evlm_cli import db, transaction
from evlm_cli.model import Survey


def diff(db_path: Path) -> str:
    """The unified diff from the file on disk to its canonical form; empty when it is canonical. Writes nothing."""
    import difflib

    current, survey = db.load_with_text(db_path)
    wanted = db.dumps(survey)
    lines = difflib.unified_diff(
        current.splitlines(keepends=True), wanted.splitlines(keepends=True), f"{db_path} (on disk)", f"{db_path}"
    )
    return "".join(lines)


def write(db_path: Path, *, on_wait: transaction.OnWait = None) -> transaction.Written:
    """Rewrite the database in canonical form (README.md and the BibTeX file rebuilt with it), as one transaction.

    The change is a copy of the survey as loaded: a new object tells the transaction to save the text again (the
    same object would keep the file's text as it is)."""
    return transaction.write(db_path, _same_papers, rebuild=True, on_wait=on_wait)


def _same_papers(survey: Survey) -> Survey:
    return dataclasses.replace(survey)
