"""`evlm check`: lint the database (and with --links, its URLs); report findings grouped by paper."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import JsonOption, location
from evlm_cli.errors import ExitCode

if TYPE_CHECKING:
    from evlm_cli.lint import links as linker
    from evlm_cli.lint.check import Report
    from evlm_cli.lint.findings import Finding


class Format(enum.StrEnum):
    text = "text"
    json = "json"
    github = "github"


_STYLE = {"error": "bold red", "warning": "yellow", "info": "blue"}


def _timeout_option(value: float | None) -> float | None:
    """Refuse nan, inf, 0 and negative timeouts (Click's float range lets nan and inf through)."""
    from evlm_cli import net

    if value is None:
        return None
    try:
        return net.TIMEOUT.parse(str(value))
    except ValueError as error:
        raise typer.BadParameter(f"must be {error}, not {value}") from None


def _delays(ctx: typer.Context, values: list[str]) -> dict[str, float]:
    """The --delay options as host -> seconds; a usage error naming the bad one."""
    from evlm_cli.lint import links as linker

    try:
        return dict(linker.parse_delay(value) for value in values)
    except ValueError as error:
        raise typer.BadParameter(str(error), ctx, param_hint="'--delay'") from None


@app.command()
def check(
    ctx: typer.Context,
    *,
    links: Annotated[
        bool, typer.Option("--links", help="Also check every URL over HTTP (results cached, see --max-age).")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on errors.")] = False,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", metavar="RULE", help="Skip this rule (repeatable).")
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option("--explain", metavar="RULE", help="Explain a rule ('all' lists every rule); check nothing."),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="text (grouped by paper), json, or github (Actions annotations).")
    ] = Format.text,
    json_output: JsonOption = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            help="Seconds one HTTP request may take in all, answer included (--links; default $EVLM_HTTP_TIMEOUT, "
            "else 10).",
            callback=_timeout_option,
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option("--retries", help="Retries of connection errors, 429 and 5xx answers (--links).", min=0),
    ] = 2,
    per_host: Annotated[int, typer.Option("--per-host", help="Concurrent requests per host (--links).", min=1)] = 4,
    delay: Annotated[
        list[str] | None,
        typer.Option(
            "--delay",
            metavar="HOST=SECONDS",
            help="Seconds between requests to HOST and its subdomains; '*' for other hosts (repeatable; --links; "
            "default arxiv.org=3 '*=0.1', then $EVLM_LINK_DELAYS).",
        ),
    ] = None,
    max_age: Annotated[
        float,
        typer.Option(
            "--max-age",
            help="Hours a cached working link, or 404/410 answer, stays valid; other failures (5xx, timeouts, "
            "connection errors) are rechecked on every run; 0 rechecks all (--links).",
            min=0,
        ),
    ] = 24.0,
) -> None:
    """Find problems in the database: schema errors, likely mistakes (warnings) and notes; exit 1 on errors.

    Each warning names its rule; silence a reviewed one per paper (ignore = ["rule"]) or per run (--ignore RULE).

    Example: evlm check --links --strict
    """
    from evlm_cli.lint import links as linker

    if explain is not None:
        _explain(explain)
        return
    where = location(ctx)
    path = where.path
    options = linker.Options()
    if links:
        delays = _delays(ctx, delay or [])
        options = linker.configured(timeout=timeout, retries=retries, per_host=per_host, delays=delays)
    report = _run_with_progress(path, tuple(ignore or ()), links, options, max_age * 3600, where.writable)
    chosen = Format.json if json_output else output_format
    if chosen is Format.json:
        _console.print_json([{**f.to_json(), "file": _repository_path(f, path)} for f in report.findings])
    elif chosen is Format.github:
        _console.print_plain("".join(_annotation(f, path) + "\n" for f in report.findings))
    else:
        _print_report(report, path)
    for problem in report.warnings:
        _console.warning(problem)
    _summary(report, links)
    errors = sum(f.severity == "error" for f in report.findings)
    warnings = sum(f.severity == "warning" for f in report.findings)
    if errors or (strict and warnings):
        raise typer.Exit(ExitCode.ERROR)


def _run_with_progress(
    path: Path, ignore: tuple[str, ...], links: bool, options: linker.Options, max_age: float, generated: bool
) -> Report:
    """Run the check, with a progress bar on stderr while links are checked, if stderr is a terminal."""
    from evlm_cli.lint import check as lint_check

    console = _console.err()
    if not (links and console.is_terminal):
        return lint_check.run(
            path, ignore=ignore, check_links=links, options=options, max_age=max_age, generated_files=generated
        )
    from rich.progress import Progress

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("checking links", total=None)
        return lint_check.run(
            path,
            ignore=ignore,
            check_links=True,
            options=options,
            max_age=max_age,
            generated_files=generated,
            on_start=lambda total: progress.update(task, total=total),
            on_result=lambda _result: progress.advance(task),
        )


def _explain(name: str) -> None:
    from evlm_cli.lint.check import validate_rules
    from evlm_cli.lint.rules import RULES

    if name == "all":
        for spec in RULES.values():
            _console.print_plain(f"{spec.name} ({spec.severity}): {spec.summary}\n")
        return
    validate_rules([name])
    spec = RULES[name]
    body = "\n".join(line.strip() for line in spec.doc.strip().splitlines())
    _console.print_plain(f"{spec.name} ({spec.severity})\n\n{body}\n")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _repository_path(finding: Finding, db_path: Path) -> str:
    """The file at fault (the database unless the finding names another), relative to the repository root, in the
    form GitHub annotations need whatever the current folder; absolute when the file lies outside the repository."""
    from evlm_cli.location import repository_root

    file = Path(finding.file) if finding.file else db_path
    try:
        return file.resolve().relative_to(repository_root(db_path)).as_posix()
    except ValueError:
        return str(file.resolve())


def _print_report(report: Report, path: Path) -> None:
    from rich.text import Text

    out = _console.out()
    groups: dict[str | None, list[Finding]] = {}
    for finding in report.findings:
        groups.setdefault(finding.key, []).append(finding)
    database = _relative(path)
    for key, found in groups.items():
        heading = Text()
        heading.append(key or "(the list)", style="bold cyan")
        lines = [f.line for f in found if f.line is not None]
        if lines:
            heading.append(f"  {database}:{min(lines)}", style="dim")
        out.print(heading, soft_wrap=True)
        for finding in found:
            row = Text("  ")
            row.append(f"{finding.severity:<7}", style=_STYLE[finding.severity])
            row.append(f" {finding.rule}", style="bold")
            where = (finding.file and _relative(Path(finding.file))) or finding.field
            if key is None and finding.line is not None:
                where = f"{database}:{finding.line}"
            if where:
                row.append(f" [{where}]", style="dim")
            row.append(f" {finding.message}")
            out.print(row, soft_wrap=True)
            if finding.hint:
                out.print(Text(f"          hint: {finding.hint}", style="dim"), soft_wrap=True)
        out.print()


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding, path: Path) -> str:
    """One GitHub Actions workflow command: `::warning file=data/papers.toml,line=12,title=rule::message`."""
    level = {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
    properties = [f"file={_escape_property(_repository_path(finding, path))}"]
    if finding.line is not None:
        properties.append(f"line={finding.line}")
    properties.append(f"title={_escape_property(finding.rule)}")
    subject = f"{finding.key}: " if finding.key else ""
    message = subject + finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    return f"::{level} {','.join(properties)}::{_escape_data(message)}"


def _summary(report: Report, links: bool) -> None:
    from evlm_cli.lint.check import papers_with_findings
    from evlm_cli.lint.findings import counts

    tally = counts(report.findings)
    parts = [f"{n} {severity}{'s' if n != 1 else ''}" for severity, n in tally.items()]
    text = f"check: {', '.join(parts)}"
    if report.papers is None:
        text += "; the papers could not be counted"
    else:
        plural = "s" if report.papers != 1 else ""
        text += f" in {papers_with_findings(report.findings)} of {report.papers} paper{plural}"
    if links:
        from evlm_cli.lint import links as linker

        link_tally = linker.summary(report.links)
        text += f"; {len(report.links)} links, {link_tally['broken']} broken, "
        if link_tally["rate limited"]:
            text += f"{link_tally['rate limited']} rate limited, "
        text += f"{report.from_cache} from cache"
    _console.info(text)
