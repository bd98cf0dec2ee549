"""`evlm section add/rename/move/remove`: change the taxonomy without editing the TOML by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from evlm_cli.cli import _console, _write, app
from evlm_cli.cli._options import SECTIONS, writable_path

section_app = typer.Typer(help="Add, rename, move and remove sections.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(section_app, name="section")

SectionId = Annotated[
    str,
    typer.Argument(help="The section's id (`evlm sections` lists them).", show_default=False, autocompletion=SECTIONS),
]
Parent = Annotated[
    str | None, typer.Option("--parent", help="The enclosing section; none for the top level.", autocompletion=SECTIONS)
]
Before = Annotated[
    str | None, typer.Option("--before", help="Place it before this sibling section.", autocompletion=SECTIONS)
]
After = Annotated[
    str | None, typer.Option("--after", help="Place it after this sibling section.", autocompletion=SECTIONS)
]


@section_app.command("add")
def add(
    ctx: typer.Context,
    section_id: SectionId,
    *,
    title: Annotated[str, typer.Option("--title", help="The heading text.", show_default=False)],
    parent: Parent = None,
    before: Before = None,
    after: After = None,
) -> None:
    """Add an empty section, last under its parent unless placed with --before or --after.

    Example: evlm section add token-merging --title "Token Merging" --parent token-reduction
    """
    from evlm_cli import taxonomy

    path = writable_path(ctx)
    _write.write(
        path, lambda s: taxonomy.add(s, section_id, title, parent=parent, before=before, after=after), rebuild=True
    )
    _console.info(f"added section {section_id}")


@section_app.command("rename")
def rename(
    ctx: typer.Context,
    section_id: SectionId,
    *,
    title: Annotated[str | None, typer.Option("--title", help="The new heading text.")] = None,
    new_id: Annotated[str | None, typer.Option("--id", help="A new id; its papers and subsections follow.")] = None,
) -> None:
    """Give a section a new title or id.

    Example: evlm section rename pruning --title "Pruning and Sparsity"
    """
    from evlm_cli import taxonomy

    if title is None and new_id is None:
        raise typer.BadParameter("give --title or --id")
    path = writable_path(ctx)
    _write.write(path, lambda s: taxonomy.rename(s, section_id, title=title, new_id=new_id), rebuild=True)
    _console.info(f"renamed section {section_id}")


@section_app.command("move")
def move(
    ctx: typer.Context,
    section_id: SectionId,
    *,
    parent: Parent = None,
    before: Before = None,
    after: After = None,
) -> None:
    """Move a section, with its subsections and papers, under another parent or next to a sibling.

    Example: evlm section move knowledge-distillation --before pruning
    """
    from evlm_cli import taxonomy

    path = writable_path(ctx)

    def change(survey: object) -> object:
        from evlm_cli.model import Survey

        assert isinstance(survey, Survey)
        target_parent = parent
        anchor = before or after
        if target_parent is None and anchor is not None:
            target_parent = survey.section(anchor).parent
        return taxonomy.move(survey, section_id, parent=target_parent, before=before, after=after)

    _write.write(path, change, rebuild=True)  # type: ignore[arg-type]
    _console.info(f"moved section {section_id}")


@section_app.command("remove")
def remove(
    ctx: typer.Context,
    section_id: SectionId,
    *,
    to: Annotated[
        str | None,
        typer.Option("--to", help="The section that takes its papers and subsections.", autocompletion=SECTIONS),
    ] = None,
) -> None:
    """Remove a section; one that holds papers or subsections needs --to OTHER to take them.

    Example: evlm section remove other-methods --to pruning
    """
    from evlm_cli import taxonomy

    path = writable_path(ctx)
    _write.write(path, lambda s: taxonomy.remove(s, section_id, to=to), rebuild=True)
    _console.info(f"removed section {section_id}")
