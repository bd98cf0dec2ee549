"""Helpers for tests that hand-edit a database file."""

from __future__ import annotations

from pathlib import Path


def record_line(path: Path, marker: str) -> int:
    """The 1-based line of the table header (`[[papers]]`, `[[sections]]`, `[survey]`) above the first line that
    holds `marker`: the line a validation error names."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if marker in line)
    return next(i for i in range(at, -1, -1) if lines[i].startswith("[")) + 1
