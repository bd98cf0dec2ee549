"""Rules on the repository around the database: stale generated files, `ignore` naming no rule."""

from __future__ import annotations

from collections.abc import Iterator

from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import RULES, Context, rule


@rule("stale-output")
def stale_output(context: Context) -> Iterator[Finding]:
    """A generated file (README.md, the BibTeX file, the chart) does not match the database, or is a chart the
    README no longer shows: someone forgot `evlm build`.

    CI's `evlm build --check` fails on this too; run `evlm build` and commit the result."""
    if context.db_path is None:
        return
    from evlm_cli import build
    from evlm_cli.errors import EvlmError

    try:
        outputs = build.outputs(context.survey, context.db_path)
    except EvlmError as error:
        yield Finding("warning", "stale-output", None, "README.md", f"cannot render: {error}", hint="fix the template")
        return
    for output in outputs:
        try:
            current = output.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != output.content:
            state = "missing" if current is None else "stale"
            yield Finding(
                "warning",
                "stale-output",
                None,
                output.path.name,
                f"{output.path.name} is {state}",
                hint="run `evlm build` and commit the result",
                file=str(output.path),
            )
    for path in build.orphans(context.db_path):
        yield Finding(
            "warning",
            "stale-output",
            None,
            path.name,
            f"{path.name} is no longer shown by the README",
            hint="run `evlm build` (it removes the file) and commit the result",
            file=str(path),
        )


@rule("unknown-ignore")
def unknown_ignore(context: Context) -> Iterator[Finding]:
    """A paper's `ignore = [...]` names no rule, so it silences nothing (a typo, or a renamed rule)."""
    for paper in context.survey.papers:
        for name in paper.ignore:
            if name not in RULES:
                yield context.finding(
                    paper,
                    "unknown-ignore",
                    "ignore",
                    f"ignore names unknown rule {name!r}",
                    "`evlm check --explain all` lists the rules",
                )
