"""The one way evlm writes a survey: the database and its generated files change together, or none of them does.

Every writing command (`add`, `edit`, `move`, `remove`, `rekey`, `build`, `import bibtex`, `import readme`) calls
`write` or `create`. Under the database's lock, taken once here, it finishes an earlier interrupted write, applies
the change to what is on disk, renders README.md and papers.bib from the result (unless `rebuild` is off, for
`--no-build`), and replaces every file that changes through the journal (`evlm_cli.journal`), removing in the same
step a generated file the template no longer asks for (`build.orphans`: the chart). Only then are the
caches refreshed (the parsed database and the search index): they are caches, so a failure there never fails a
write that has happened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evlm_cli import db, journal
from evlm_cli.errors import DatabaseError
from evlm_cli.model import Survey, validate

if TYPE_CHECKING:
    from evlm_cli import charts

OnWait = Callable[[str], None] | None
"""Called once, with a description of the other process, when a write has to wait for the lock."""


@dataclass(frozen=True, slots=True)
class Written:
    """What a write did."""

    survey: Survey
    """The survey as it now is on disk."""
    files: tuple[Path, ...]
    """The files replaced (database first, then generated files); empty when nothing changed."""
    removed: tuple[Path, ...] = ()
    """The generated files removed (`build.orphans`)."""


def write(
    db_path: Path,
    change: Callable[[Survey], Survey],
    *,
    rebuild: bool = True,
    on_wait: OnWait = None,
    also: Sequence[journal.Change] = (),
) -> Written:
    """Apply `change` to the database on disk and rebuild the generated files, as one write.

    `change` runs under the lock on what is on disk now, so concurrent writers never lose each other's work; it
    may raise (an EvlmError) to abandon the write with nothing changed. A change that returns its argument itself
    leaves the database's text alone (`evlm build`). `also` are other files to replace in the same write (the inbox
    a paper is accepted from)."""
    with journal.hold(db_path, on_wait=on_wait):
        journal.replay(db_path)
        current, before = db.load_with_text(db_path)
        after = change(before)
        text = None if after is before else db.dumps_after(current, before, after)
        return _commit(
            db_path, after, None if text == current else text, rebuild=rebuild, extra=list(also), valid_before=before
        )


def create(
    db_path: Path,
    survey: Survey,
    *,
    force: bool,
    rebuild: bool = False,
    on_wait: OnWait = None,
    template: str | None = None,
) -> Written:
    """Write a new database (an existing one is replaced only with `force`), and with `rebuild` its outputs.

    With `template`, the README template beside the database is written in the same write (an import keeps the
    list's own text there); an existing template is replaced only with `force`."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseError(f"cannot create the folder: {error.strerror}", where=str(db_path.parent)) from None
    with journal.hold(db_path, on_wait=on_wait):
        journal.replay(db_path)
        if (db_path.exists() or db_path.is_symlink()) and not force:
            raise DatabaseError("database already exists", where=str(db_path), hint="pass --force to replace it")
        extra: list[journal.Change] = []
        if template is not None:
            from evlm_cli.render.readme import TEMPLATE_NAME

            template_path = db_path.parent / TEMPLATE_NAME
            if (template_path.exists() or template_path.is_symlink()) and not force:
                raise DatabaseError(
                    "README template already exists", where=str(template_path), hint="pass --force to replace it"
                )
            extra.append(journal.Change(template_path, template.encode("utf-8")))
        return _commit(db_path, survey, db.dumps(survey), rebuild=rebuild, extra=extra, template=template)


def _commit(
    db_path: Path,
    survey: Survey,
    text: str | None,
    *,
    rebuild: bool,
    extra: list[journal.Change] | None = None,
    template: str | None = None,
    valid_before: Survey | None = None,
) -> Written:
    """Render what changes and replace it through the journal; `text` is the database's new text, None to keep it.
    `valid_before` is the valid survey the change started from (its untouched papers need no checking again)."""
    from evlm_cli import build

    changes: list[journal.Change] = []
    removals: list[Path] = []
    chart = _start_chart(survey, db_path, template) if rebuild else None  # drawn meanwhile
    try:
        if text is not None:
            validate(survey, valid_before=valid_before)
            changes.append(journal.Change(db_path, text.encode("utf-8")))
        changes += extra or []
        if rebuild:
            for output in build.outputs(survey, db_path, template=template, chart=chart):
                content = output.content.encode("utf-8")
                if build.current_bytes(output.path) != content:
                    changes.append(journal.Change(output.path, content))
            removals = build.orphans(db_path, template=template)
    finally:
        if chart is not None:
            chart.cancel()  # a write abandoned before the chart was collected leaves no drawing process
    journal.commit(db_path, changes, removals)
    if text is not None:
        _refresh_caches(db_path, text, survey)
    return Written(survey, tuple(change.path for change in changes), tuple(removals))


def _start_chart(survey: Survey, db_path: Path, template: str | None) -> charts.Drawing | None:
    """The README's chart begun before the survey is validated, so that its drawing overlaps the validation and
    the rendering. A survey the chart cannot even be started for is invalid or has a broken template: that is
    reported by the validation or the rendering that follow, which then draw the chart in the ordinary order."""
    from evlm_cli import build

    try:
        return build.start_chart(survey, db_path, template=template)
    except Exception:  # noqa: BLE001 - reported by what follows, with its proper message
        return None


def _refresh_caches(db_path: Path, text: str, survey: Survey) -> None:
    """Keep the next command fast: the parsed database and the search index learn what was written."""
    db.remember_written(text, survey)
    with contextlib.suppress(Exception):  # only a cache: the next read rebuilds whatever this could not
        from evlm_cli.search.index import refresh_after_write

        refresh_after_write(db_path, survey)
