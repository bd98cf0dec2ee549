"""The `section-fit` rule: a paper filed under a section its title does not fit.

The scoring (TF-IDF cosine of titles and headings) is `evlm_cli.suggest`'s, as for `evlm add`'s suggestion.
"""

from __future__ import annotations

from collections.abc import Iterator

from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule
from evlm_cli.suggest import section_scores, words

FIT_MARGIN = 0.25
"""Another section must beat the paper's own by this much cosine similarity before `section-fit` speaks: tuned on the
awesome lists in tests/data/lists (a margin of 0.12 flagged 65 papers there, none misfiled; see docs/check.md)."""
FIT_MINIMUM = 0.3
"""... and fit the paper at least this well."""
MIN_TITLE_WORDS = 4
"""A title with fewer content words says too little to judge its section."""


@rule("section-fit", "info")
def section_fit(context: Context) -> Iterator[Finding]:
    """A paper whose title fits another section much better than its own (information).

    Each leaf section is described by its heading (with its parents') and the titles of its other papers; the
    paper's title is compared with each by TF-IDF cosine similarity. It speaks only on strong evidence: a title of
    at least four content words that another section fits well and beats the paper's own by a clear margin (and it
    suggests that section). Titles are weak evidence of a paper's topic (on real lists most papers it flagged were
    filed right), so this is information, not a warning. Silence a reviewed placement with
    `ignore = ["section-fit"]` on the paper."""
    survey = context.survey
    for key, row in section_scores(survey).items():
        paper = survey.paper(key)
        own = row.get(paper.section)
        if own is None or len(row) < 2 or len(set(words(paper.title))) < MIN_TITLE_WORDS:
            continue
        best = max((s for s in row if s != paper.section), key=lambda s: (row[s], s))
        if row[best] >= FIT_MINIMUM and row[best] - own >= FIT_MARGIN:
            yield context.finding(
                paper,
                "section-fit",
                "section",
                f"filed under {survey.section_path(paper.section)!r}, but its title fits "
                f"{survey.section_path(best)!r} better ({row[best]:.2f} against {own:.2f})",
                f"move it: section = {best!r} (or ignore = ['section-fit'] if it belongs here)",
            )
