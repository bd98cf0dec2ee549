"""`evlm inbox`, `inbox fetch/accept/reject/clear`: new arXiv papers waiting for review in data/inbox.toml."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import typer

from evlm_cli.cli import _console, _write, app
from evlm_cli.cli._options import SECTIONS, JsonOption, location, writable_path

inbox_app = typer.Typer(
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(inbox_app, name="inbox")

PaperId = Annotated[str, typer.Argument(metavar="ID", help="The paper's arXiv id or URL.", show_default=False)]


@inbox_app.callback()
def listing(
    ctx: typer.Context,
    *,
    section: Annotated[
        str | None,
        typer.Option("--section", "-s", help="Only papers suggested for this section.", autocompletion=SECTIONS),
    ] = None,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0.0, max=1.0, help="Only papers scoring at least this.")
    ] = 0.0,
    json_output: JsonOption = False,
) -> None:
    """New arXiv papers for the survey: without a command, list those waiting in data/inbox.toml, best fit first
    (score, arXiv id, suggested section, title).

    Example: evlm inbox --section token-reduction --min-score 0.2
    """
    if ctx.invoked_subcommand is not None:
        return
    from evlm_cli import db, inbox

    path = location(ctx).path
    if section is not None:
        db.load(path).section(section)
    ranked = inbox.load(inbox.inbox_path(path)).ranked(section=section, min_score=min_score)
    if json_output:
        _console.print_json([inbox.to_dict(c) | _dates(c) for c in ranked])
        return
    for candidate in ranked:
        _console.print_plain(
            f"{candidate.score:.4f}  {candidate.arxiv:<16} {candidate.section:<28} {candidate.title}\n"
        )
    _console.info(f"{len(ranked)} paper(s) in the inbox" + ("" if ranked else "; `evlm inbox fetch` asks arXiv"))


def _dates(candidate: object) -> dict[str, str]:
    return {k: v.isoformat() for k in ("fetched", "published") if isinstance(v := getattr(candidate, k), dt.date)}


@inbox_app.command("fetch")
def fetch(
    ctx: typer.Context,
    *,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="Papers submitted since this day (default: the last fetch, or 30 days)."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=5000, help="Ask arXiv for at most this many papers.")
    ] = 500,
) -> None:
    """Ask arXiv for new papers matching [survey.inbox], score them against the sections, keep those that fit.

    Papers the survey has, the inbox has, or that were rejected before are left out. One request every 3 seconds.

    Example: evlm inbox fetch --since 2025-01-01
    """
    from evlm_cli import db, inbox

    day = _date(since, "--since") if since is not None else None
    path = writable_path(ctx)
    done = inbox.fetch(path, db.load(path), since=day, limit=limit, on_wait=_write.waiting(path))
    for candidate in sorted(done.added, key=lambda c: -c.score):
        _console.print_plain(
            f"{candidate.score:.4f}  {candidate.arxiv:<16} {candidate.section:<28} {candidate.title}\n"
        )
    _console.info(
        f"arXiv answered {done.seen} paper(s): {len(done.added)} new in the inbox, {done.known} already known or "
        f"rejected, {done.low} fitting no section"
    )


@inbox_app.command("accept")
def accept(
    ctx: typer.Context,
    paper_id: PaperId,
    *,
    section: Annotated[
        str | None,
        typer.Option("--section", "-s", help="File it here instead of the suggested section.", autocompletion=SECTIONS),
    ] = None,
    no_build: _write.NoBuildOption = False,
) -> None:
    """Add a paper from the inbox to the survey, as `evlm add` would, and rebuild README.md and the BibTeX file.

    Example: evlm inbox accept 2403.06764 --section token-reduction
    """
    from evlm_cli import inbox

    path = writable_path(ctx)
    paper, done = inbox.accept(path, paper_id, section=section, rebuild=not no_build, on_wait=_write.waiting(path))
    _write.report(path, done)
    _console.print_plain(paper.key + "\n")
    _console.info(f"added {paper.key}: {paper.title} ({paper.section})")


@inbox_app.command("reject")
def reject(ctx: typer.Context, paper_id: PaperId) -> None:
    """Remove a paper from the inbox and remember it, so that no later fetch brings it back.

    Example: evlm inbox reject 2501.01234
    """
    from evlm_cli import inbox

    candidate = inbox.reject(writable_path(ctx), paper_id)
    _console.info(f"rejected {candidate.arxiv}: {candidate.title}")


@inbox_app.command("clear")
def clear(
    ctx: typer.Context,
    *,
    older_than: Annotated[
        str, typer.Option("--older-than", metavar="AGE", help="Drop papers fetched longer ago than this: 30d, 2w.")
    ] = "30d",
) -> None:
    """Drop papers that have waited in the inbox too long (they are not remembered as rejected).

    Example: evlm inbox clear --older-than 30d
    """
    from evlm_cli import inbox

    dropped = inbox.clear(writable_path(ctx), older_than=_age(older_than))
    _console.info(f"dropped {len(dropped)} paper(s) fetched more than {older_than} ago")


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2025-01-31", param_hint=f"'{option}'") from None


def _age(text: str) -> dt.timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", text)
    if match is None:
        raise typer.BadParameter(f"{text!r} is not an age like 30d or 2w", param_hint="'--older-than'")
    number = int(match.group(1))
    return dt.timedelta(days=number * (7 if match.group(2) == "w" else 1))
