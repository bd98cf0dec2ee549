"""Rules on completeness: papers missing a Paper link, a year or authors; sections without papers."""

from __future__ import annotations

from collections.abc import Iterator

from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import RULES, Context, rule
from evlm_cli.model import Paper

MANY_MISSING = 10
"""When at least this many papers, and most of the list, miss a field, one list-wide finding replaces theirs."""


def _missing(context: Context, rule_name: str, field_name: str, what: str, hint: str) -> Iterator[Finding]:
    lacking = [p for p in context.survey.papers if _lacks(p, field_name) and rule_name not in p.ignore]
    total = len(context.survey.papers)
    if len(lacking) >= MANY_MISSING and 2 * len(lacking) > total:
        first = ", ".join(p.key for p in lacking[:3])
        yield Finding(
            RULES[rule_name].severity,
            rule_name,
            None,
            field_name,
            f"{len(lacking)} of {total} papers have no {what} (first: {first}, ...)",
            hint=hint,
        )
        return
    for paper in lacking:
        yield context.finding(paper, rule_name, field_name, f"no {what}", hint)


def _lacks(paper: Paper, field_name: str) -> bool:
    if field_name == "links":
        return paper.paper_url is None
    if field_name == "authors":
        return not any(a.strip() for a in paper.authors)
    return paper.year is None


@rule("missing-paper-link", "info")
def missing_paper_link(context: Context) -> Iterator[Finding]:
    """A paper without a link labelled Paper: readers cannot open it."""
    yield from _missing(context, "missing-paper-link", "links", "Paper link", "add { label = 'Paper', url = ... }")


@rule("missing-year", "info")
def missing_year(context: Context) -> Iterator[Finding]:
    """A paper without a year: the README and BibTeX cannot date it."""
    yield from _missing(context, "missing-year", "year", "year", "add year = YYYY")


@rule("missing-authors", "info")
def missing_authors(context: Context) -> Iterator[Finding]:
    """A paper without authors: its BibTeX entry cannot be cited properly.

    When most of the list lacks authors (the published list never had them), one list-wide finding is reported
    instead of one per paper."""
    yield from _missing(
        context, "missing-authors", "authors", "authors", "fill them in from arXiv or the proceedings page"
    )


@rule("empty-section", "info")
def empty_section(context: Context) -> Iterator[Finding]:
    """A section with no papers, directly or in its subsections: its heading leads nowhere.

    Information only: a taxonomy may announce sections before their papers arrive."""
    survey = context.survey
    filled = {p.section for p in survey.papers}
    for section in survey.sections:
        if not survey.subtree(section.id) & filled:
            yield Finding(
                RULES["empty-section"].severity,
                "empty-section",
                None,
                "section",
                f"section {section.title!r} ({section.id}) has no papers",
                context.section_lines.get(section.id),
                "add its papers, or remove the section",
            )
