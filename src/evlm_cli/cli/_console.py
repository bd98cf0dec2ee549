"""The two consoles: data goes to stdout, messages for people to stderr. NO_COLOR and non-TTY output print no styles."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console


@functools.cache
def out() -> Console:
    """stdout: tables, listings, JSON."""
    from rich.console import Console

    from evlm_cli.launcher import console_style

    # emoji=False: a title or query holding `:fire:` is printed as typed, not as an emoji.
    return Console(**{"highlight": False, "soft_wrap": False, "emoji": False, **console_style()})


@functools.cache
def err() -> Console:
    """stderr: errors, warnings, progress and summaries."""
    from rich.console import Console

    from evlm_cli.launcher import console_style

    return Console(**{"stderr": True, "highlight": False, "emoji": False, **console_style()})


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
