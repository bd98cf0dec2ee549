"""Authors for the export formats, split by `keys.split_name` (the one rule for the parts of a name).

A stored author list may end in `others` ("et al."): BibTeX writes it back as `and others`, which styles print as
"et al."; CSL JSON and RIS, which have no such marker, leave it out. An organisation stored in braces
(`{Barnes and Noble, Inc.}`) is one name, never split.
"""

from __future__ import annotations

from collections.abc import Iterable

from evlm_cli.keys import NameParts, split_name
from evlm_cli.text import normalize_space

ET_AL = "others"


def is_et_al(name: str) -> bool:
    """True for the `others` that ends an author list whose further authors are not named."""
    return normalize_space(name).lower() == ET_AL


def people(authors: Iterable[str]) -> list[NameParts]:
    """The named authors, split; `others` and empty names left out."""
    return [split_name(name) for name in authors if normalize_space(name) and not is_et_al(name)]


def literal(parts: NameParts) -> str:
    """The whole name as one string, for a name that has no given name (`Plato`, an organisation)."""
    return parts.literal or " ".join(p for p in (parts.first, parts.von, parts.last, parts.jr) if p)
