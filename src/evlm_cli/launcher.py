"""The `evlm` entry point: answers `evlm --version` before importing Typer and rich, then runs the CLI."""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:
        from evlm_cli import __version__

        sys.stdout.write(f"evlm {__version__}\n")
        return
    from evlm_cli.cli import main as cli_main

    cli_main()
