"""`evlm build`: regenerate README.md (and the other generated files) from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli import build as builder
from evlm_cli.cli import _console, app
from evlm_cli.cli._options import load
from evlm_cli.errors import ExitCode


@app.command()
def build(
    ctx: typer.Context,
    *,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; print a diff of what is stale and exit 1 if anything is.")
    ] = False,
) -> None:
    """Regenerate README.md and the other generated files from the database.

    Example: evlm build --check
    """
    survey, where = load(ctx)
    if not check:
        from evlm_cli.location import require_writable

        require_writable(where)
    missing = builder.missing_template(where.path)
    if missing is not None:
        _console.warning(
            f"{_console.shown(missing)} is missing, so evlm's default template is used "
            "(README.md loses what only your template held; restore it with git if it was deleted by mistake)"
        )
    if not check:
        _write_outputs(where.path)
        return
    outcomes = builder.check(survey, where.path)
    stale = [o for o in outcomes if o.status == "stale"]
    for outcome in outcomes:
        if outcome.status == "stale":
            _console.print_plain(outcome.diff)
        reason = f": {outcome.reason}" if outcome.reason else ""
        _console.info(f"{outcome.status}: {_console.shown(outcome.path)}{reason}")
    if stale:
        _console.error(f"{len(stale)} generated file(s) are stale; run `evlm build` and commit the result")
        raise typer.Exit(ExitCode.ERROR)


def _write_outputs(path: Path) -> None:
    """Rewrite the stale outputs in one transaction (the database's own text is left as it is)."""
    from evlm_cli import transaction
    from evlm_cli.cli._write import waiting

    done = transaction.write(path, lambda current: current, rebuild=True, on_wait=waiting(path))
    for output in builder.output_paths(path):  # the outputs are rendered once, by the write
        status = "written" if output in done.files else "unchanged"
        _console.info(f"{status}: {_console.shown(output)}")
    for removed in done.removed:
        _console.info(f"removed: {_console.shown(removed)} (the README no longer shows it)")
