"""`evlm add`: add papers by arXiv id or DOI (metadata fetched), or by hand, and rebuild the README."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evlm_cli import db
from evlm_cli import edit as editing
from evlm_cli.cli import _console, _options, _write, app
from evlm_cli.errors import EvlmError, ExitCode
from evlm_cli.location import require_writable
from evlm_cli.model import Paper, Survey

if TYPE_CHECKING:
    from evlm_cli.sources import Metadata


@app.command()
def add(
    ctx: typer.Context,
    identifiers: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID", help="arXiv ids or URLs, DOIs or doi.org URLs. Leave out to add by hand (--title ...)."
        ),
    ] = None,
    *,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            help="Section id (see `evlm sections`); prompted for on a terminal.",
            autocompletion=_options.SECTIONS,
        ),
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="URL of the paper's code.", callback=_options.url_option)
    ] = None,
    venue: Annotated[
        str | None, typer.Option("--venue", help="Venue, e.g. CVPR (default: the source's, or arXiv).")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year (default: the source's).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag; repeat for several.")] = None,
    note: Annotated[str, typer.Option("--note", help="A maintainer's note.")] = "",
    title: Annotated[str | None, typer.Option("--title", help="Add by hand: the title.")] = None,
    author: Annotated[list[str] | None, typer.Option("--author", help="Add by hand: an author; repeat.")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Add by hand: the paper's URL.", callback=_options.url_option)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Add even if the survey seems to have the paper.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the entries and README lines that would be added; write nothing.")
    ] = False,
    no_build: _write.NoBuildOption = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the added papers as JSON.")] = False,
) -> None:
    """Add papers by arXiv id or DOI (fetching their metadata), or by hand, then rebuild README.md.

    Ids that resolve are added even when others fail; each failure is one line on stderr and the exit code is 1.

    Example: evlm add 2412.19509 10.1145/3664647.3680838 --section post-training-quantization --code https://github.com/x/y
    """
    if bool(identifiers) == (title is not None):
        raise typer.BadParameter(
            "give arXiv ids or DOIs, or --title (adding by hand), not both or neither",
            ctx,
            param_hint="'ID' / '--title'",
        )
    if identifiers and (author or url):
        raise typer.BadParameter(
            "only for adding by hand with --title (the source gives them)", ctx, param_hint="'--author' / '--url'"
        )
    location = _options.location(ctx)
    path = location.path if dry_run else require_writable(location)
    survey = db.load(path)
    if section is not None:
        survey.section(section)
    elif not _write.is_terminal():
        ids = ", ".join(s.id for s in survey.sections)
        raise EvlmError("--section is required", hint=f"one of: {ids} (`evlm sections` shows their titles)")

    if title is not None:
        from evlm_cli.sources import Metadata

        fetched: list[tuple[str, Metadata]] = [(title, Metadata(title, tuple(author or ()), url=url or ""))]
        failures: list[str] = []
    else:
        fetched, failures = _fetch(identifiers or [], None if force else survey)
    if section is None and fetched:
        section = _ask_section(survey, " ".join(f"{m.title} {m.abstract}" for _, m in fetched))
    make = functools.partial(
        editing.draft, section=section or "", venue=venue, year=year, code=code, tags=tag or (), note=note
    )
    labelled = [(label, make(m, added=dt.date.today())) for label, m in fetched]
    result = _store(path, survey, [d for _, d in labelled], force=force, dry_run=dry_run, rebuild=not no_build)
    for refusal in result.refused:
        label = next(lbl for lbl, d in labelled if d is refusal.paper)
        failures.append(f"{label}: {refusal} (--force adds it anyway)")
    _report(result.survey, result.added, dry_run=dry_run, json_output=json_output)
    for failure in failures:
        _console.error(failure)
    if failures:
        raise typer.Exit(ExitCode.ERROR)


def _store(
    path: Path, survey: Survey, drafts: list[Paper], *, force: bool, dry_run: bool, rebuild: bool
) -> editing.AddResult:
    """Add the drafts to the database under its lock (keys chosen against what is on disk), or only pretend to."""
    if not drafts:
        return editing.AddResult(survey)
    if dry_run:
        return editing.add_papers(survey, drafts, force=force)
    results: list[editing.AddResult] = []

    def change(current: Survey) -> Survey:
        results[:] = [editing.add_papers(current, drafts, force=force)]
        return results[0].survey

    _write.write(path, change, rebuild=rebuild)
    return results[0]


def _fetch(texts: list[str], survey: Survey | None) -> tuple[list[tuple[str, Metadata]], list[str]]:
    """Metadata for each id that resolves (the library fetches), and one line per id that does not."""
    from evlm_cli import adding

    fetched = adding.fetch(texts, survey)
    failures = [
        f"{text}: {error.message}" + (f" ({error.hint})" if error.hint else "") for text, error in fetched.failures
    ]
    return list(fetched.found), failures


def _ask_section(survey: Survey, text: str) -> str:
    """Prompt for a section on a terminal, suggesting the one whose papers are closest in words."""
    from evlm_cli.suggest import suggest_section

    ranked = suggest_section(survey, text)
    best = ranked[0][0] if ranked else survey.sections[0].id
    console = _console.err()
    for number, item in enumerate(survey.sections, 1):
        indent = "  " * (survey.depth(item.id) - 1)
        marker = "  <- suggested" if item.id == best else ""
        console.print(f"{number:3}. {indent}{_console.escape(item.id)}{marker}", soft_wrap=True)
    while True:
        answer = str(typer.prompt("Section (number or id)", default=best, err=True)).strip()
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(survey.sections):
            return survey.sections[int(answer) - 1].id
        if survey.has_section(answer):
            return answer
        _console.error(f"no section {answer!r}")


def _report(survey: Survey, added: tuple[Paper, ...], *, dry_run: bool, json_output: bool) -> None:
    from evlm_cli.db import paper_json
    from evlm_cli.render.readme import readme_line

    if json_output:
        _console.print_json([paper_json(p) for p in added])
    elif dry_run:
        import tomli_w

        lines = [readme_line(survey, paper) for paper in added]  # a broken paper_line fails before any output
        for paper, line in zip(added, lines, strict=True):
            _console.print_plain(tomli_w.dumps({"papers": [db.paper_to_dict(paper)]}, multiline_strings=True) + "\n")
            _console.print_plain(f"# README line, in {survey.section_path(paper.section)}:\n{line}\n\n")
    else:
        for paper in added:
            _console.print_plain(paper.key + "\n")
    verb = "would add" if dry_run else "added"
    for paper in added:
        _console.info(f"{verb} {paper.key}: {paper.title} ({paper.section})")
