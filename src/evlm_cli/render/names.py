"""Splitting a stored author name into family and given names, for formats that want them apart (CSL, RIS)."""

from __future__ import annotations

from dataclasses import dataclass

from evlm_cli.keys import last_name
from evlm_cli.text import normalize_space


@dataclass(frozen=True, slots=True)
class Name:
    """A person's name; `family` empty means only `literal` is known (a consortium, a one-word name)."""

    literal: str
    family: str = ""
    given: str = ""


def split_name(name: str) -> Name:
    """`Last, First` or `First von Last` as family and given names (the rule of `keys.last_name`)."""
    name = normalize_space(name)
    if "," in name:
        family, given = (normalize_space(part) for part in name.split(",", 1))
        return Name(name, family, given) if family and "," not in given else Name(name)
    family = last_name(name)
    given = normalize_space(name[: len(name) - len(family)]) if family and name.endswith(family) else ""
    return Name(name, family, given) if family and given else Name(name)
