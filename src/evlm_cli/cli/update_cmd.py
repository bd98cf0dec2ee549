"""`evlm update`: check papers against arXiv, Crossref, DBLP and Semantic Scholar and show (or apply) what the
records propose; the work is in `evlm_cli.update`."""

from __future__ import annotations

from typing import Annotated

import typer

from evlm_cli import update as updating
from evlm_cli.cli import _console, _options, _write, app
from evlm_cli.model import Paper, Survey


@app.command()
def update(
    ctx: typer.Context,
    keys: Annotated[
        list[str] | None,
        typer.Argument(
            help="Citation keys of the papers to check.",
            metavar="KEY...",
            show_default=False,
            autocompletion=_options.KEYS,
        ),
    ] = None,
    *,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            metavar="ID",
            help="Check the papers of this section and below.",
            autocompletion=_options.SECTIONS,
        ),
    ] = None,
    all_papers: Annotated[bool, typer.Option("--all", help="Check every paper.")] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the proposed changes (all, or those of --field).")
    ] = False,
    field: Annotated[
        str | None,
        typer.Option(
            "--field", metavar="FIELDS", help="With --apply: only these fields, comma-separated (authors,doi)."
        ),
    ] = None,
    force_field: Annotated[
        list[str] | None,
        typer.Option(
            "--force-field", metavar="FIELD", help="Propose changes to this field even when pinned or entered by hand."
        ),
    ] = None,
    reject: Annotated[
        list[str] | None,
        typer.Option(
            "--reject",
            metavar="KEY:FIELD",
            help="KEY:FIELD: remember this proposal as rejected and never offer it again.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the proposals as JSON.")] = False,
    no_build: _write.NoBuildOption = False,
) -> None:
    """Check papers against their public records and propose changes: missing authors, DOI, abstract, a
    published version, a correct title; with the evidence for each. Writes nothing unless --apply or --reject.

    Example: evlm update --section pruning;  evlm update mbq2024modality --apply --field authors,doi
    """
    if sum((bool(keys), section is not None, all_papers)) != 1:
        raise typer.BadParameter("name papers by KEY, or give --section or --all (one of them)", ctx)
    fields = [name.strip() for name in field.split(",") if name.strip()] if field else None
    unknown = [name for name in [*(fields or []), *(force_field or [])] if name not in updating.FIELDS]
    if unknown:
        raise typer.BadParameter(f"unknown field {unknown[0]!r}; one of {', '.join(updating.FIELDS)}", ctx)
    if fields is not None and not apply:
        raise typer.BadParameter("--field chooses what --apply writes; add --apply", ctx)
    rejections = [updating.parse_rejection(text) for text in reject or []]
    writing = apply or bool(rejections)
    path = _options.writable_path(ctx) if writing else _options.location(ctx).path
    survey, _ = _options.load(ctx)
    papers = updating.select(survey, keys or [], section)
    proposals = _propose(survey, papers, force_field or [])
    updating.remember(path, proposals)
    if json_output:
        _console.print_json(updating.to_json(proposals))
    else:
        _show(proposals)
    if rejections:
        _write.write(path, lambda s: updating.reject(s, proposals, rejections)[0], rebuild=not no_build)
        for key, name in rejections:
            _console.info(f"rejected {key}:{name}; not proposed again")
    if apply:
        applied: list[updating.Change] = []

        def change(current: Survey) -> Survey:
            after, done = updating.apply(current, proposals, fields=fields)
            applied[:] = done
            return after if done else current

        _write.write(path, change, rebuild=not no_build)
        _console.info(f"applied {len(applied)} change(s)")


def _propose(survey: Survey, papers: list[Paper], forced: list[str]) -> list[updating.Proposal]:
    from evlm_cli.sources._http import make_client

    with make_client() as client:
        return updating.propose(survey, papers, updating.Sources(client), force_fields=forced)


def _show(proposals: list[updating.Proposal]) -> None:
    """A per-paper diff: `- old`, `+ new`, then the source and its evidence URL."""
    out = _console.out()
    changed = 0
    for proposal in proposals:
        if not (proposal.changes or proposal.notes or proposal.held or proposal.problems):
            continue
        out.print(f"[bold]{_console.escape(proposal.key)}[/bold]  {_console.escape(proposal.title)}")
        for note in proposal.notes:
            out.print(f"  [yellow]! {_console.escape(note)}[/yellow]")
        for change in proposal.changes:
            changed += 1
            old, new = updating.shown(change.old), change.shown()
            out.print(f"  {change.field}:")
            if old:
                out.print(f"    [red]- {_console.escape(_cut(old))}[/red]")
            out.print(f"    [green]+ {_console.escape(_cut(new))}[/green]")
            out.print(f"      [dim]{change.source} {_console.escape(change.id)}  {_console.escape(change.url)}[/dim]")
        for held in proposal.held:
            out.print(f"  [dim]held: {_console.escape(held)}[/dim]")
        for problem in proposal.problems:
            _console.warning(f"{proposal.key}: {problem}")
    touched = sum(bool(p.changes) for p in proposals)
    _console.info(f"{changed} change(s) proposed for {touched} of {len(proposals)} paper(s)")


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
