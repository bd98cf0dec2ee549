"""Which section a paper belongs in: TF-IDF cosine between its title and each section's words.

A section is described by its heading (with its parents') and the titles of the papers filed in it. Used by
`evlm add` to suggest a section, and by `evlm check` (`section-fit`) to spot a paper whose title fits another section
better.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from evlm_cli.model import Paper, Survey
from evlm_cli.text import ascii_fold

_STOPWORDS = set(
    """a an and are as at by for from in into is it of on or the to towards toward via with without using use
    based beyond through than more when what how your you we our new vs versus way model models vision language
    visual large vlm vlms llm llms mllm mllms multimodal multi modal paper efficient efficiently""".split()
)
_SUFFIXES = (
    "izations",
    "ization",
    "ations",
    "ation",
    "izing",
    "ized",
    "ize",
    "ings",
    "ing",
    "ion",
    "ed",
    "es",
    "s",
    "e",
)
SECTION_TITLE_WEIGHT = 0.5
"""How much a section's own title (and its parents') counts against the titles of its papers."""

Vector = dict[str, float]


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """The content words of a title, lower-cased and crudely stemmed (`Pruning` and `Pruned` -> `prun`)."""
    found = re.findall(r"[a-z0-9]+", ascii_fold(text.replace("_", " ")).lower())
    return [_stem(w) for w in found if w not in _STOPWORDS and len(w) > 1 and not w.isdigit()]


def heading_words(survey: Survey, section_id: str) -> set[str]:
    """The content words of a section's heading and its parents' headings."""
    return set(words(_heading(survey, section_id)))


class SectionModel:
    """TF-IDF vectors of the survey's paper titles, and a profile of each section to compare them with."""

    def __init__(self, survey: Survey) -> None:
        documents = {p.key: words(p.title) for p in survey.papers}
        self._frequency: Counter[str] = Counter()
        for document in documents.values():
            self._frequency.update(set(document))
        self._count = len(documents) + 1
        self.papers = {key: _unit(self._tfidf(tokens)) for key, tokens in documents.items()}
        """Paper key -> the unit TF-IDF vector of its title."""
        self._headings: dict[str, Vector] = {}
        self._profiles: dict[str, Vector] = {}
        for section in survey.sections:
            self._headings[section.id] = _unit(self._tfidf(words(_heading(survey, section.id))))
            profile: Vector = {}
            for paper in survey.papers_in(section.id):
                _add(profile, self.papers[paper.key])
            self._profiles[section.id] = profile

    def _tfidf(self, tokens: list[str]) -> Vector:
        return {w: n * math.log(self._count / (1 + self._frequency[w])) + 1e-3 for w, n in Counter(tokens).items()}

    def vector(self, text: str) -> Vector:
        """The unit TF-IDF vector of any text (a new paper's title)."""
        return _unit(self._tfidf(words(text)))

    def score(self, vector: Vector, section_id: str, *, exclude: Paper | None = None) -> float:
        """Cosine similarity (0..1) of a vector with a section: its papers' titles (without `exclude`) and heading."""
        profile = dict(self._profiles[section_id])
        if exclude is not None and exclude.section == section_id and exclude.key in self.papers:
            _add(profile, self.papers[exclude.key], -1.0)
        combined = _unit({k: v for k, v in profile.items() if v > 1e-9})
        _add(combined, self._headings[section_id], SECTION_TITLE_WEIGHT)
        return _cosine(vector, combined)


def section_scores(survey: Survey) -> dict[str, dict[str, float]]:
    """For each paper, the TF-IDF cosine of its title with each leaf section (its papers' titles and its own).

    A paper's own section is scored without the paper itself, so a paper never votes for its own section."""
    model = SectionModel(survey)
    leaves = [s.id for s in survey.sections if not survey.children(s.id)]
    return {
        paper.key: {leaf: model.score(model.papers[paper.key], leaf, exclude=paper) for leaf in leaves}
        for paper in survey.papers
    }


def suggest_section(survey: Survey, text: str, *, exclude: str | None = None) -> list[tuple[str, float]]:
    """Every section id with its similarity (0..1) to `text`, best first; ties keep the taxonomy's order.

    The paper with key `exclude` is left out of its section's words (to judge it against the rest)."""
    model = SectionModel(survey)
    left_out = survey.paper(exclude) if exclude is not None and survey.has_paper(exclude) else None
    vector = model.vector(text)
    scores = [(s.id, round(model.score(vector, s.id, exclude=left_out), 6)) for s in survey.sections]
    return sorted(scores, key=lambda item: -item[1])


def _heading(survey: Survey, section_id: str) -> str:
    return " ".join(s.title for s in survey.ancestry(section_id))


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _add(total: Vector, vector: Vector, weight: float = 1.0) -> None:
    for k, v in vector.items():
        total[k] = total.get(k, 0.0) + weight * v


def _cosine(a: Vector, b: Vector) -> float:
    a, b = _unit(a), _unit(b)
    return sum(v * b.get(k, 0.0) for k, v in a.items())
