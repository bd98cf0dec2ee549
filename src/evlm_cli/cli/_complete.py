"""Values for shell completion: citation keys, section ids and export formats.

The shell runs `evlm` on every TAB, so keys and sections come from the search index (one `stat` and a SQLite
query when it is warm, never a TOML parse). A completer never fails: with no database, or a broken one, it offers
nothing and the shell falls back to its own completion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

Completer = Callable[[Path | None, str], list[tuple[str, str]]]
"""(the root --db value, the word typed so far) -> the matching (value, description) pairs."""


def keys(db: Path | None, incomplete: str) -> list[tuple[str, str]]:
    """The citation keys starting with what was typed, in the survey's order."""
    found: list[str] = []
    with contextlib.suppress(Exception):  # a completion is a convenience: never a traceback in the shell
        from evlm_cli.location import locate
        from evlm_cli.search.index import using_index

        found = using_index(locate(db).path, lambda index: index.keys())
    return [(key, "") for key in found if key.startswith(incomplete)]


def sections(db: Path | None, incomplete: str) -> list[tuple[str, str]]:
    """The section ids starting with what was typed, with their titles."""
    found: list[tuple[str, str]] = []
    with contextlib.suppress(Exception):
        from evlm_cli.location import locate
        from evlm_cli.search.index import using_index

        rows = using_index(locate(db).path, lambda index: index.sections())
        found = [(row.id, row.title) for row in rows]
    return [(section_id, title) for section_id, title in found if section_id.startswith(incomplete)]


def formats(_db: Path | None, incomplete: str) -> list[tuple[str, str]]:
    """`evlm export`'s formats, with what each is for."""
    from evlm_cli.render.formats import FORMATS

    return [(f.name, f.description) for f in FORMATS.values() if f.name.startswith(incomplete.lower())]
