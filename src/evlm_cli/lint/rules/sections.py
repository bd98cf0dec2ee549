"""The `section-fit` rule: a paper filed under a section its title does not fit.

The scoring (TF-IDF cosine of titles and headings) is `evlm_cli.suggest`'s, as for `evlm add`'s suggestion.
"""

from __future__ import annotations

from collections.abc import Iterator

from evlm_cli.lint.findings import Finding
from evlm_cli.lint.rules.registry import Context, rule
from evlm_cli.model import Paper, Survey
from evlm_cli.suggest import heading_words, section_scores, words

FIT_MARGIN = 0.12
"""Another section must beat the paper's own by this much cosine similarity before `section-fit` warns."""
FIT_MINIMUM = 0.2
"""... and fit the paper at least this well."""
SUGGEST_MINIMUM = 0.15
"""A paper that shares no word with its section is pointed at the closest other section only if it fits this well."""


@rule("section-fit")
def section_fit(context: Context) -> Iterator[Finding]:
    """A paper whose title fits another section much better than its own, or shares no word with its own.

    Each leaf section is described by its heading (with its parents') and the titles of its other papers; the
    paper's title is compared with each by TF-IDF cosine similarity. It warns when another section beats the
    paper's own by a clear margin (and suggests it), or when the title shares no content word with its section's
    headings and fits its section mates no better than elsewhere (catch-all `Other ...` sections excepted).
    Silence a reviewed placement with `ignore = ["section-fit"]` on the paper."""
    survey = context.survey
    for key, row in section_scores(survey).items():
        paper = survey.paper(key)
        own = row.get(paper.section)
        if own is None or len(row) < 2:
            continue
        best = max((s for s in row if s != paper.section), key=lambda s: (row[s], s))
        path = survey.section_path(paper.section)
        if row[best] >= FIT_MINIMUM and row[best] - own >= FIT_MARGIN:
            yield context.finding(
                paper,
                "section-fit",
                "section",
                f"filed under {path!r}, but its title fits {survey.section_path(best)!r} better "
                f"({row[best]:.2f} against {own:.2f})",
                f"move it: section = {best!r} (or ignore = ['section-fit'] if it belongs here)",
            )
        elif _off_topic(survey, paper) and own < row[best]:
            closest = f"; closest by title: {best!r}" if row[best] >= SUGGEST_MINIMUM else ""
            yield context.finding(
                paper,
                "section-fit",
                "section",
                f"filed under {path!r}, but its title shares no word with that heading",
                f"move it to the section it belongs to{closest} (or ignore = ['section-fit'] if it belongs here)",
            )


MIN_TITLE_WORDS = 3
"""A title with fewer content words says too little to judge its section (`title-incomplete` reports those)."""


def _off_topic(survey: Survey, paper: Paper) -> bool:
    """True when the title shares no content word with its section's headings (not a catch-all section)."""
    title_words = set(words(paper.title))
    if len(title_words) < MIN_TITLE_WORDS or survey.section(paper.section).title.lower().startswith("other"):
        return False
    return not title_words & heading_words(survey, paper.section)
