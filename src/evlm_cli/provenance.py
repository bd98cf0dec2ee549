"""Recording where a paper's fields came from (`Paper.provenance`), in one place for every command that fills them.

`evlm update` reads it to decide what it may replace: a pinned field, or one a maintainer entered (`hand`), stays as
it is unless asked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from evlm_cli.model import PROVENANCE_FIELDS, Paper, Provenance

_ORDER = {spec.name: index for index, spec in enumerate(dataclasses.fields(Paper))}


def filled(paper: Paper) -> list[str]:
    """The bibliographic fields this paper has a value for, in field order."""
    return [
        name for name in sorted(PROVENANCE_FIELDS, key=_ORDER.__getitem__) if getattr(paper, name) not in (None, "", ())
    ]


def record(paper: Paper, names: Iterable[str], origin: Provenance) -> Paper:
    """The paper with `origin` as the source of each named field (replacing what was recorded), in field order."""
    chosen = {name for name in names if name in PROVENANCE_FIELDS}
    if not chosen:
        return paper
    kept = [(name, old) for name, old in paper.provenance if name not in chosen]
    merged = sorted([*kept, *((name, origin) for name in chosen)], key=lambda item: _ORDER.get(item[0], len(_ORDER)))
    return dataclasses.replace(paper, provenance=tuple(merged))


def changed(before: Paper, after: Paper) -> list[str]:
    """The bibliographic fields whose value differs between two versions of a paper."""
    return [name for name in PROVENANCE_FIELDS if getattr(before, name) != getattr(after, name)]


def is_protected(paper: Paper, name: str) -> bool:
    """True when `evlm update` must leave this field alone: it is pinned, or a maintainer entered it."""
    origin = paper.source_of(name)
    return name in paper.pinned or (origin is not None and origin.source == "hand")
