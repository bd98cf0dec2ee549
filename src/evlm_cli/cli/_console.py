"""The two consoles: data goes to stdout, messages for people to stderr. NO_COLOR and non-TTY output print no styles.

Also the one place where a command's failure becomes an exit code (`handled`), for the Typer app and the fast lane
alike. rich is imported only when something is printed through it: plain messages (`info`) do without it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from evlm_cli.errors import EvlmError, ExitCode

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console


def console_style() -> dict[str, Any]:
    """rich Console options: with NO_COLOR set (to anything), no styling at all.

    rich on its own drops the colours but keeps bold, dim and reverse."""
    import os

    if os.environ.get("NO_COLOR"):
        return {"color_system": None, "no_color": True}
    return {}


@functools.cache
def out() -> Console:
    """stdout: tables, listings, JSON."""
    return _stdout()


def _stdout(**options: Any) -> Console:
    # emoji=False: a title or query holding `:fire:` is printed as typed, not as an emoji.
    return _console_class()(**{"highlight": False, "soft_wrap": False, "emoji": False, **options, **console_style()})


def table_width() -> int | None:
    """The width stdout's tables must fit: the terminal's, or COLUMNS when set; None for a file or a pipe without
    COLUMNS, which has no edge (print there with `out_unbounded`, not squeezed to rich's default 80 columns)."""
    import os

    console = out()
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console.width
    return None


UNBOUNDED = 100_000
"""The width of `out_unbounded`: wider than any table."""


def out_unbounded() -> Console:
    """stdout as wide as what is printed (when `table_width` is None): a table keeps its natural width."""
    return _stdout(width=UNBOUNDED)


@functools.cache
def err() -> Console:
    """stderr: errors, warnings, progress and summaries."""
    return _console_class()(**{"stderr": True, "highlight": False, "emoji": False, **console_style()})


@functools.cache
def _console_class() -> type[Console]:
    """rich's Console, leaving a closed pipe to `handled` (rich on its own exits with 1 there)."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return PipeConsole


def escape(text: str) -> str:
    """Make user text safe to print through rich markup (a title may contain `[brackets]`)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, never coloured or wrapped."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_plain(text: str) -> None:
    """Raw text on stdout (a diff, a BibTeX file), without rich markup or wrapping."""
    sys.stdout.write(text)


def error(message: str) -> None:
    err().print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


def warning(message: str) -> None:
    err().print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def info(message: str) -> None:
    """A plain message on stderr (a summary, progress), written without rich, which is then never imported."""
    sys.stderr.write(_printable(message) + "\n")
    sys.stderr.flush()


_CONTROLS = {code: None for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(code) not in "\t\n"}


def _printable(text: str) -> str:
    """`text` without the control characters a terminal would act on (escape, carriage return, bell, ...)."""
    return text.translate(_CONTROLS)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Run a command, turning its failure into an exit code (`SystemExit`): an EvlmError into one line on stderr
    and 1, Ctrl-C into 130, and a reader that went away (`evlm list | head -1`) into 141 without a word, as for a
    program killed by SIGPIPE."""
    try:
        yield
        sys.stdout.flush()
    except EvlmError as problem:
        error(str(problem))
        raise SystemExit(ExitCode.ERROR) from None
    except KeyboardInterrupt:
        error("interrupted")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except BrokenPipeError:
        _drop_stdout()
        raise SystemExit(ExitCode.BROKEN_PIPE) from None


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not fail again ("Exception ignored ...")."""
    import os

    with contextlib.suppress(OSError, ValueError):  # not a real file (tests), or already closed
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def shown(path: Path) -> str:
    """A path as people want to read it: relative to the current folder when inside it, else absolute."""
    from pathlib import Path

    cwd = Path.cwd()
    for candidate in (path.absolute(), path.resolve()):
        if candidate.is_relative_to(cwd):
            return str(candidate.relative_to(cwd))
    return str(path.absolute())
