"""`evlm remove`, `evlm move` and `evlm edit`: change papers already in the survey, then rebuild the README."""

from __future__ import annotations

from typing import Annotated

import typer

from evlm_cli import edit as editing
from evlm_cli import ids
from evlm_cli.cli import _console, _options, _write, app
from evlm_cli.errors import EvlmError
from evlm_cli.model import Survey

KeyArgument = Annotated[
    str,
    typer.Argument(
        help="The paper's citation key (see `evlm list`).", show_default=False, autocompletion=_options.KEYS
    ),
]


@app.command()
def remove(
    ctx: typer.Context,
    keys: Annotated[
        list[str],
        typer.Argument(help="Citation keys of the papers to remove.", show_default=False, autocompletion=_options.KEYS),
    ],
    *,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    no_build: _write.NoBuildOption = False,
) -> None:
    """Remove papers from the survey (asks first on a terminal; pass --yes otherwise).

    Example: evlm remove mbq2024modality --yes
    """
    path = _options.writable_path(ctx)
    survey, _ = _options.load(ctx)
    editing.remove(survey, keys)  # unknown keys fail here, before any question
    if not yes:
        if not _write.is_terminal():
            raise EvlmError("removing papers needs confirmation", hint="pass --yes")
        for key in keys:
            _console.info(f"{key}: {survey.paper(key).title}")
        if not typer.confirm(f"Remove {len(keys)} paper(s)?", err=True):
            raise typer.Exit(1)
    _write.write(path, lambda s: editing.remove(s, keys), rebuild=not no_build)
    for key in keys:
        _console.info(f"removed {key}")


@app.command()
def move(
    ctx: typer.Context,
    key: KeyArgument,
    *,
    section: Annotated[
        str,
        typer.Option(
            "--section", "-s", help="The target section id.", show_default=False, autocompletion=_options.SECTIONS
        ),
    ],
    before: Annotated[
        str | None, typer.Option("--before", help="Place it just before this paper.", autocompletion=_options.KEYS)
    ] = None,
    after: Annotated[
        str | None, typer.Option("--after", help="Place it just after this paper.", autocompletion=_options.KEYS)
    ] = None,
    no_build: _write.NoBuildOption = False,
) -> None:
    """Move a paper to a section (at its end, or --before/--after a paper there).

    Example: evlm move mbq2024modality --section quantization-aware-training --before p4q2024learning
    """
    if before is not None and after is not None:
        raise typer.BadParameter("give one of them, not both", ctx, param_hint="'--before' / '--after'")
    path = _options.writable_path(ctx)

    def change(survey: Survey) -> Survey:
        return editing.move(survey, key, section, before=before, after=after)

    _write.write(path, change, rebuild=not no_build)
    _console.info(f"moved {key} to {section}")


@app.command("edit")
def edit_paper(
    ctx: typer.Context,
    key: KeyArgument,
    *,
    assignments: Annotated[
        list[str],
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="A change; repeat. Fields: " + ", ".join(editing.EDITABLE) + ". "
            "authors and editors are separated by ';', tags by ','; an empty value clears.",
            show_default=False,
        ),
    ],
    no_build: _write.NoBuildOption = False,
) -> None:
    """Correct a paper's fields (the key stays; `evlm rekey` renames).

    When the links change, the arXiv id (and version) and the DOI are derived from them again, as `add` does.

    Example: evlm edit mbq2024modality --set venue=CVPR --set year=2025 --set code=https://github.com/x/y
    """
    path = _options.writable_path(ctx)
    changes = [editing.parse_assignment(a) for a in assignments]
    for field, value in changes:
        if value and editing.is_link_field(field) and not ids.is_valid_url(value):
            raise typer.BadParameter(_options.not_a_url(value), ctx, param_hint="'--set'")
    derived: list[str] = []

    def change(survey: Survey) -> Survey:
        edited = editing.edit(survey, key, changes)
        derived[:] = editing.id_changes(survey.paper(key), edited.paper(key))
        return edited

    _write.write(path, change, rebuild=not no_build)
    _console.info(f"edited {key}: " + ", ".join(field for field, _ in changes))
    for line in derived:
        _console.info(f"  from the links: {line}")
