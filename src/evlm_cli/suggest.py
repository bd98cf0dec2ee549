"""Which section a paper belongs in: TF-IDF cosine between its words and each section's words.

A section's words are its title (and its parents' titles) and the titles and abstracts of its papers. Used by
`evlm add` to suggest a section, and by `evlm check` to spot a paper whose words fit another section better.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from evlm_cli.keys import STOPWORDS
from evlm_cli.model import Survey
from evlm_cli.text import ascii_fold


def words(text: str) -> list[str]:
    """Lower-case ASCII words of two or more letters, without stop words, crudely singularised."""
    found = re.findall(r"[a-z][a-z0-9]+", ascii_fold(text).lower())
    kept = [w for w in found if w not in STOPWORDS]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in kept]


def section_documents(survey: Survey, *, exclude: str | None = None) -> dict[str, Counter[str]]:
    """Word counts per section id; the paper with key `exclude` is left out (to judge it against the rest)."""
    documents: dict[str, Counter[str]] = {}
    for section in survey.sections:
        bag: Counter[str] = Counter()
        for ancestor in survey.ancestry(section.id):
            bag.update(words(ancestor.title))
        for paper in survey.papers_in(section.id):
            if paper.key != exclude:
                bag.update(words(f"{paper.title} {paper.abstract}"))
        documents[section.id] = bag
    return documents


def suggest_section(survey: Survey, text: str, *, exclude: str | None = None) -> list[tuple[str, float]]:
    """Every section id with its similarity (0..1) to `text`, best first; ties keep the taxonomy's order."""
    documents = section_documents(survey, exclude=exclude)
    if not documents:
        return []
    count = len(documents)
    frequency: Counter[str] = Counter()
    for bag in documents.values():
        frequency.update(bag.keys())
    idf = {word: math.log((1 + count) / (1 + n)) + 1 for word, n in frequency.items()}
    query = _weigh(Counter(words(text)), idf)
    scores = [(section_id, _cosine(query, _weigh(bag, idf))) for section_id, bag in documents.items()]
    return sorted(scores, key=lambda item: -item[1])


def _weigh(bag: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    return {word: (1 + math.log(n)) * idf.get(word, 0.0) for word, n in bag.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(weight * b.get(word, 0.0) for word, weight in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return round(dot / norm, 6) if norm else 0.0
