"""`evlm init`: start a survey in this folder, empty or from an existing awesome list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evlm_cli.cli import _console, _write, app
from evlm_cli.cli._options import ForceOption, root_db
from evlm_cli.location import DEFAULT_RELATIVE


@app.command("init")
def init(
    ctx: typer.Context,
    *,
    title: Annotated[str | None, typer.Option("--title", help="The survey's title (the README's `#` heading).")] = None,
    from_readme: Annotated[
        Path | None, typer.Option("--from", help="An existing awesome-list README to import.", show_default=False)
    ] = None,
    force: ForceOption = False,
) -> None:
    """Create data/papers.toml, data/README.template.md and README.md here, ready for `evlm add`.

    With --from, the list is imported first (as `evlm import readme` does) and README.md is rebuilt from it: the
    same page, now generated. Without it the survey starts empty, titled after --title or the folder's name.

    Example: evlm init --from README.md
    """
    from evlm_cli.model import Survey, SurveyInfo
    from evlm_cli.render.readme import default_template

    explicit = root_db(ctx)
    target = Path(explicit) if explicit else DEFAULT_RELATIVE
    if from_readme is not None:
        from evlm_cli.cli.import_cmd import read_readme

        result = read_readme(from_readme)
        survey = result.survey
        if title:
            from dataclasses import replace

            survey = replace(survey, info=replace(survey.info, title=title))
        template = result.template
    else:
        name = title or Path.cwd().resolve().name or "Survey"
        survey, template = Survey(info=SurveyInfo(title=name)), default_template()
    _write.create(target, survey, force=force, rebuild=True, template=template)
    _console.info(f"created {target} with {len(survey.papers)} papers in {len(survey.sections)} sections")
