"""What `evlm check` reports: one frozen `Finding` per problem, ordered and serialised deterministically."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
"""Most serious first: errors are schema violations, warnings likely mistakes, infos things worth knowing."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem `evlm check` found."""

    severity: Severity
    rule: str
    """The rule's name (`evlm check --explain RULE`), also what `ignore = [...]` and `--ignore` take."""
    key: str | None
    """The paper's key, or None for a problem of the whole list (a section, a generated file)."""
    field: str
    """The database field at fault (`title`, `links`, `venue`, ...), or a file name."""
    message: str
    line: int | None = None
    """The line of the paper's record (or the section's) in `file`, when known."""
    hint: str | None = None
    """How to fix it."""
    file: str | None = None
    """The file at fault when it is not the database (a stale README.md)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sort_key(finding: Finding) -> tuple[Any, ...]:
    """Database order (by line), then most serious first, then by rule: stable across runs."""
    return (
        finding.file or "",
        finding.line if finding.line is not None else 1 << 30,
        finding.key or "",
        SEVERITIES.index(finding.severity),
        finding.rule,
        finding.field,
        finding.message,
    )


def counts(findings: list[Finding]) -> dict[Severity, int]:
    """How many findings of each severity."""
    return {severity: sum(f.severity == severity for f in findings) for severity in SEVERITIES}
