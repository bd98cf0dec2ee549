"""`evlm check --ignore/--explain` with an unknown rule: suggest only a close name, else list the rules."""

from __future__ import annotations

import pytest

from conftest import Cli
from evlm_cli.lint.check import suggest_rule


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("dupliate-paper", "duplicate-paper"),
        ("duplicate", "duplicate-paper"),
        ("title-mismach", "title-mismatch"),
        ("stale", "stale-output"),
        ("nosuchrule", None),
        ("xyz", None),
        ("title", None),
    ],
)
def test_suggest_rule(name: str, suggestion: str | None) -> None:
    """A close spelling or an unambiguous prefix is suggested; an unrelated or ambiguous name is not."""
    assert suggest_rule(name) == suggestion


def test_unrelated_name_lists_the_rules(cli: Cli) -> None:
    """`--ignore nosuchrule` does not suggest 'schema'; it lists the rules and points at --explain all."""
    result = cli("check", "--ignore", "nosuchrule", code=1)
    assert "no rule 'nosuchrule'" in result.stderr
    assert "did you mean" not in result.stderr
    assert "duplicate-paper" in result.stderr
    assert "evlm check --explain all" in result.stderr


def test_explain_typo_suggests(cli: Cli) -> None:
    """`--explain` with a typo suggests the close rule name."""
    assert "did you mean 'broken-link'?" in cli("check", "--explain", "brokenlink", code=1).stderr
