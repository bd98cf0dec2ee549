"""Run `evlm check` on a database file: schema errors become findings, then the rules and (optionally) links run.

The CLI only chooses options and prints; everything `check` decides happens here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evlm_cli import db
from evlm_cli.errors import DatabaseError, EvlmError
from evlm_cli.lint import links, rules
from evlm_cli.lint.findings import Finding
from evlm_cli.model import Survey
from evlm_cli.text import quoted

_WHERE_LINE = re.compile(r"^(?P<file>.*?):(?P<line>\d+)(?::\d+)?(?::|$)")


@dataclass
class Report:
    """The outcome of one `check` run."""

    findings: list[Finding]
    papers: int | None = 0
    """How many paper records the database holds, valid or not; None when they cannot be counted (not TOML)."""
    links: dict[str, links.LinkResult] = field(default_factory=dict)
    from_cache: int = 0
    """How many link results came from the cache instead of the network."""
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop the check (a link cache that cannot be read or written), for the CLI to show."""


SUGGESTION_CUTOFF = 0.7
"""How alike (difflib ratio) an unknown rule name must be to a rule's to be suggested: `dupliate-paper` and
`duplicate` are, `nosuchrule` and `schema` (0.5) are not."""


def suggest_rule(name: str) -> str | None:
    """The rule a mistyped name most likely meant (a close spelling, else the one rule it begins), or None."""
    import difflib

    from evlm_cli.text import closest

    close = [
        m
        for m in closest(name, list(rules.RULES))
        if difflib.SequenceMatcher(None, name, m).ratio() >= SUGGESTION_CUTOFF
    ]
    if close:
        return close[0]
    prefixed = [rule for rule in rules.RULES if len(name) >= 3 and rule.startswith(name)]
    return prefixed[0] if len(prefixed) == 1 else None


def validate_rules(names: Iterable[str]) -> None:
    """Raise EvlmError naming the first unknown rule (for `--ignore` and `--explain`), with a close rule name as the
    hint, or else all of them."""
    for name in names:
        if name not in rules.RULES:
            match = suggest_rule(name)
            if match is not None:
                hint = f"did you mean {match!r}?"
            else:
                hint = f"rules: {', '.join(rules.RULES)} (`evlm check --explain all` explains them)"
            raise EvlmError(f"no rule {quoted(name)}", hint=hint)


def schema_finding(error: DatabaseError) -> Finding:
    """A schema error as an error finding, with the line `db.loads` put into its `where`."""
    match = _WHERE_LINE.match(error.where or "")
    key = error.record[1] if error.record and error.record[0] == "papers" else None
    where = error.where or ""
    message = error.message
    rest = where[match.end() :].strip() if match else where
    if rest:
        message = f"{rest}: {message}"
    line = int(match["line"]) if match else None
    return Finding("error", "schema", key, error.field, message, line, error.hint)


def run(
    path: Path,
    *,
    ignore: Iterable[str] = (),
    check_links: bool = False,
    options: links.Options | None = None,
    max_age: float = 24 * 3600.0,
    generated_files: bool = True,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[links.LinkResult], None] | None = None,
) -> Report:
    """Lint the database at `path` (and check its links): every finding, ignored rules left out.

    `generated_files=False` skips comparing README.md and the other generated files (for the bundled read-only copy,
    which ships without them)."""
    ignore = tuple(ignore)
    validate_rules(ignore)
    text = db.read(path)
    checked = db.check_text(text, source=str(path))
    schema = [schema_finding(error) for error in checked.problems]
    survey = checked.survey
    if survey is None:  # the header or the taxonomy is broken: the rules would only add noise
        return Report(schema, papers=checked.records)
    lines = db.record_lines(text, "papers")
    report = Report([], papers=checked.records)
    extra: list[Finding] = []
    if check_links:
        _check_links(survey, report, options or links.Options(), max_age, on_start, on_result)
        extra = links.findings(survey, report.links, lines)
    context = rules.Context(
        survey,
        lines=lines,
        section_lines=db.record_lines(text, "sections"),
        db_path=path if generated_files else None,
        fetched_titles=links.cached_titles(),
        records=_known_records(path),
    )
    report.findings = [*schema, *rules.without_ignored([*rules.run(context, ignore=ignore), *extra], survey, ignore)]
    return report


def papers_with_findings(findings: Iterable[Finding]) -> int:
    """How many paper records have a finding: by key, and by record line too, so that each of two records sharing a
    key counts."""
    lines: dict[str, set[int]] = {}
    for finding in findings:
        if finding.key is not None:
            lines.setdefault(finding.key, set()).update(() if finding.line is None else (finding.line,))
    return sum(max(1, len(found)) for found in lines.values())


def _known_records(path: Path) -> dict[str, Any]:
    from evlm_cli import update

    return update.known(path)


def _check_links(
    survey: Survey,
    report: Report,
    options: links.Options,
    max_age: float,
    on_start: Callable[[int], None] | None,
    on_result: Callable[[links.LinkResult], None] | None,
) -> None:
    cache = links.LinkCache(links.cache_path())
    now = time.time()
    wanted = links.targets(survey)
    cached = {url: hit for url in wanted if (hit := cache.fresh(url, max_age, now)) is not None}
    todo = {url: want for url, want in wanted.items() if url not in cached}
    if on_start is not None:
        on_start(len(todo))
    fetched = links.check(todo, options, on_result=on_result) if todo else {}
    cache.update(fetched.values())
    if fetched:
        cache.save()
    report.warnings.extend(cache.problems)
    report.links = {url: fetched.get(url) or cached[url] for url in wanted}
    report.from_cache = len(cached)
