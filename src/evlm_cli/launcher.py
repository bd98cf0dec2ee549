"""The `evlm` entry point: a plain invocation of a read command runs without Typer; anything else goes to Typer.

Typer builds a pydantic validator for every option of the command it runs, which costs about as much as a whole
warm search, so `evlm --version` and the declared read commands (`cli._commands`, `cli._params`) are parsed here
from their declarations and run directly. Whatever the parser is not sure of goes to the Typer app, which runs the
same functions, with the same checks, and prints the usual help and usage errors. Shell completion requests
(`_EVLM_COMPLETE` set) always go to Typer, whatever the words.
"""

from __future__ import annotations

import os
import sys

COMPLETE_VAR = "_EVLM_COMPLETE"
"""Set by the completion scripts (`evlm --show-completion`) when the shell asks what may follow."""


def main() -> None:
    """Console-script entry point."""
    argv = sys.argv[1:]
    if COMPLETE_VAR in os.environ:  # the shell asking for completions: only Typer answers those
        from evlm_cli.cli._app import app

        app()
        return
    if argv == ["--version"]:
        from evlm_cli import __version__

        sys.stdout.write(f"evlm {__version__}\n")
        return
    from evlm_cli.text import undecodable_argument

    if undecodable_argument(argv) is not None or not _run_declared(argv):  # Typer's lane reports the bytes
        from evlm_cli.cli._app import app

        app()


def _run_declared(argv: list[str]) -> bool:
    """Run a declared command when `argv` is plain enough (exits with its code); False to leave it to Typer."""
    import importlib

    from evlm_cli.cli import _console, _params
    from evlm_cli.cli._commands import COMMANDS

    root = _params.parse_root(argv)
    if root is None or not root[1]:
        return False
    db, (name, *rest) = root
    entry = COMMANDS.get(name)
    if entry is None or entry.function is None:
        return False
    function = getattr(importlib.import_module(f"evlm_cli.cli.{entry.module}"), entry.function)
    values = _params.parse(function, rest)
    if values is None:
        return False
    with _console.handled():
        code = function(db, **values)
    sys.exit(code)
