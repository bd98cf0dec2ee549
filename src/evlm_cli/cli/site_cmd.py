"""`evlm site`: write the survey's static, searchable web site (`evlm_cli.site`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import ForceOption, load


@app.command()
def site(
    ctx: typer.Context,
    *,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The folder to write the site into (replaced whole).", metavar="FOLDER"),
    ] = Path("site"),
    force: ForceOption = False,
) -> None:
    """Write the survey as a static web site: search as you type, filters, a citation per paper.

    It needs no server and nothing from another host: open FOLDER/index.html, or publish the folder (GitHub
    Pages, any static host). A folder that is not empty and not a site evlm wrote is replaced only with --force;
    the database's folder, the repository, the current folder, the home folder and any folder holding one of them
    never are.

    Example: evlm site -o site && open site/index.html
    """
    from evlm_cli.site import output as writer
    from evlm_cli.site.render import render

    survey, location = load(ctx)
    files = render(survey)
    writer.write(files, output, database=location.path, force=force)
    size = sum(len(content) for content in files.values())
    _console.info(
        f"wrote {_console.shown(output / 'index.html')}: {len(survey.papers)} papers, {len(files)} files, "
        f"{size / 1024:.0f} KB"
    )
