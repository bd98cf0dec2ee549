"""Importers turn other formats (an awesome-list README, a .bib file) into survey data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """A line or block an importer could not understand; the import goes on without it."""

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.text.strip()[:120]}"
