"""`evlm rekey OLD NEW`: rename a paper's citation key on purpose (keys never change by themselves)."""

from __future__ import annotations

from typing import Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import KEYS, writable_path


@app.command()
def rekey(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The current key.", show_default=False, autocompletion=KEYS)],
    new: Annotated[str, typer.Argument(help="The new key: ASCII letters, digits and - _ : .", show_default=False)],
) -> None:
    """Rename a paper's citation key, then rebuild README.md and data/papers.bib.

    Documents that cite the old key must be updated by hand.

    Example: evlm rekey vlm2024post wang2024qvlm
    """
    from evlm_cli import keys
    from evlm_cli.cli._write import write

    write(writable_path(ctx), lambda current: keys.rename(current, old, new), rebuild=True)
    _console.info(f"renamed {old} to {new}")
