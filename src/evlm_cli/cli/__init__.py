"""The `evlm` command line: a thin shell over the library. Only this package (and `evlm_cli.launcher`) prints or exits.

Each command lives in its own module, imported only when the command runs (`_commands.COMMANDS`). The read commands
are declared so that the launcher can run them without Typer (`_params`); the Typer app is `_app.app`. Importing
this package is cheap: `app` loads the Typer app when first used. The `evlm` script is `evlm_cli.launcher:main`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def __getattr__(name: str) -> typer.Typer:
    """`from evlm_cli.cli import app`: the Typer app, created on first use."""
    if name == "app":
        from evlm_cli.cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
