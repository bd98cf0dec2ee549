"""The offline rules of `evlm check`: one small function per rule, registered under its name in `RULES`.

`registry` holds the registry, the `Context` rules look at and `run`; each other module holds the rules of one
concern and registers them when imported. The mechanisms they share with `evlm add` live in the library:
`evlm_cli.dedupe` (same paper?) and `evlm_cli.suggest` (which section?); the rules only turn results into findings.
"""

from __future__ import annotations

from evlm_cli.dedupe import TITLE_SIMILARITY as SAME_TITLE
from evlm_cli.dedupe import similar_titles
from evlm_cli.lint.rules.registry import RULES, Context, Rule, describe, rule, run, without_ignored
from evlm_cli.suggest import words

# Imported in the order `evlm check --explain all` lists their rules.
# isort: off
from evlm_cli.lint.rules import identifiers, link_kinds, titles, years_venues, completeness, sections, outputs
from evlm_cli.lint.rules import records
# isort: on

from evlm_cli.lint.rules.link_kinds import link_kind
from evlm_cli.lint.rules.titles import filename_title

__all__ = [
    "RULES",
    "SAME_TITLE",
    "Context",
    "Rule",
    "completeness",
    "describe",
    "filename_title",
    "identifiers",
    "link_kind",
    "link_kinds",
    "outputs",
    "records",
    "rule",
    "run",
    "sections",
    "similar_titles",
    "titles",
    "without_ignored",
    "words",
    "years_venues",
]
