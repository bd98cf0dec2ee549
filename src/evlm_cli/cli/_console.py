"""The two consoles: data goes to stdout, messages for people to stderr. NO_COLOR and non-TTY output print no styles."""

from __future__ import annotations

import functools
import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console


@functools.cache
def out() -> Console:
    """stdout: tables, listings, JSON."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, **_plain_if_no_color())


@functools.cache
def err() -> Console:
    """stderr: errors, warnings, progress and summaries."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, **_plain_if_no_color())


def _plain_if_no_color() -> dict[str, Any]:
    """With NO_COLOR set (to anything), no styling at all: rich itself would drop colours but keep bold and dim."""
    if os.environ.get("NO_COLOR"):
        return {"color_system": None, "no_color": True}
    return {}


def escape(text: str) -> str:
    """Make user text safe to print through rich markup (a title may contain `[brackets]`)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, never coloured or wrapped."""
    import sys

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_plain(text: str) -> None:
    """Raw text on stdout (a diff, a BibTeX file), without rich markup or wrapping."""
    import sys

    sys.stdout.write(text)


def error(message: str) -> None:
    err().print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


def warning(message: str) -> None:
    err().print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def info(message: str) -> None:
    err().print(escape(message), soft_wrap=True)


def shown(path: Path) -> str:
    """A path as people want to read it: relative to the current folder when inside it, else absolute."""
    from pathlib import Path

    cwd = Path.cwd()
    for candidate in (path.absolute(), path.resolve()):
        if candidate.is_relative_to(cwd):
            return str(candidate.relative_to(cwd))
    return str(path.absolute())
