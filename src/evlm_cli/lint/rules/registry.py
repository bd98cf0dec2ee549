"""The registry of `evlm check`'s rules, the `Context` they look at, and running them.

Each rule takes a `Context` (the survey, its TOML lines, titles fetched by `check --links`) and yields Findings. The
rule's docstring is its explanation (`evlm check --explain RULE`): the first line says what it finds, the rest why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evlm_cli.lint.findings import Finding, Severity, sort_key
from evlm_cli.model import Paper, Survey

# -- the registry -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A named check: its function (None for rules only `check --links` or the loader apply) and its severity."""

    name: str
    severity: Severity
    doc: str
    run: Callable[[Context], Iterable[Finding]] | None = None

    @property
    def summary(self) -> str:
        """The first paragraph of the explanation, on one line (its first sentence may wrap in the docstring)."""
        return " ".join(self.doc.strip().split("\n\n")[0].split())


RULES: dict[str, Rule] = {}
"""Every rule by name, in the order `--explain` lists them."""


def rule(name: str, severity: Severity = "warning") -> Callable[[Callable[[Context], Iterable[Finding]]], Rule]:
    """Register a rule function under `name`; its docstring becomes the rule's explanation."""

    def register(function: Callable[[Context], Iterable[Finding]]) -> Rule:
        spec = Rule(name, severity, function.__doc__ or name, function)
        RULES[name] = spec
        return spec

    return register


def describe(name: str, severity: Severity, doc: str) -> None:
    """Register a rule applied outside this module (schema errors, link checks), so it can be explained and ignored."""
    RULES[name] = Rule(name, severity, doc)


describe(
    "schema",
    "error",
    """The database breaks its schema: invalid TOML, an unknown field, a wrong type, an unknown section.

    `evlm check` reports the first such error with its file and line and exits 1; nothing else can be checked
    until it is fixed.""",
)


describe(
    "broken-link",
    "warning",
    """A link that does not work: HTTP 4xx or 5xx, a timeout, a DNS or connection failure (`check --links` only).

    Connection errors and 5xx answers are retried first; a timeout is not (the timeout is a request's whole
    budget), and a 429 that outlasts its retries is `rate-limited`, not broken. Fix the URL, or point it at an
    archived copy.""",
)
describe(
    "rate-limited",
    "info",
    """A link whose server kept answering HTTP 429 (too many requests) after the retries (`check --links` only).

    The link was not checked, so it is not reported broken. Run the check again later, or space the requests to
    that host with `--delay HOST=SECONDS` (or $EVLM_LINK_DELAYS).""",
)
describe(
    "permanent-redirect",
    "info",
    """A link that permanently redirects (HTTP 301 or 308) elsewhere (`check --links` only).

    The link still works; update it to the address it redirects to, which the message gives.""",
)


@dataclass
class Context:
    """What the rules look at."""

    survey: Survey
    lines: dict[str, int] = field(default_factory=dict)
    """Paper key -> line of its `[[papers]]` record."""
    section_lines: dict[str, int] = field(default_factory=dict)
    db_path: Path | None = None
    """The database file, for the generated-file rule; None skips that rule."""
    fetched_titles: dict[str, str] = field(default_factory=dict)
    """URL -> the title its page gave when `check --links` fetched it (arXiv abs pages)."""
    records: dict[str, Any] = field(default_factory=dict)
    """Paper key -> what the last `evlm update` learnt from its records (`update.known`), for offline rules."""

    def finding(
        self,
        paper: Paper,
        rule_name: str,
        field_name: str,
        message: str,
        hint: str | None = None,
    ) -> Finding:
        return Finding(
            RULES[rule_name].severity, rule_name, paper.key, field_name, message, self.lines.get(paper.key), hint
        )


def run(context: Context, *, ignore: Iterable[str] = ()) -> list[Finding]:
    """Every finding of every offline rule, without the ignored rules (per run and per paper), in a stable order."""
    skipped = set(ignore)
    found: list[Finding] = []
    for spec in RULES.values():
        if spec.run is not None and spec.name not in skipped:
            found.extend(spec.run(context))
    return without_ignored(found, context.survey, skipped)


def without_ignored(findings: Iterable[Finding], survey: Survey, ignore: Iterable[str] = ()) -> list[Finding]:
    """The findings whose rule is neither ignored for this run nor in their paper's `ignore = [...]`, sorted."""
    skipped = set(ignore)
    per_paper = {paper.key: set(paper.ignore) for paper in survey.papers}
    kept = [f for f in findings if f.rule not in skipped and (f.key is None or f.rule not in per_paper.get(f.key, ()))]
    return sorted(kept, key=sort_key)
