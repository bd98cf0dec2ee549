"""Text analysis shared by indexing and querying: folding, word splitting, compounds and edit distance.

Stemming itself is SQLite FTS5's `porter` tokenizer (over `unicode61 remove_diacritics 2`, which folds case and
accents): it runs in C at index time, so building the index of 100,000 papers never runs Python per word. The
tokenizer knows Unicode 6.1 and no compatibility forms (`ﬁ`, `½`, `x²`) nor full case folding (`ß`), so the index
is given `fold`ed text wherever a field is not ASCII (`index.doc_row`), and queries are folded the same way: a word
is found as written, whichever way it was typed.
"""

from __future__ import annotations

import re
import unicodedata

TOKENIZER = "porter unicode61 remove_diacritics 2"
"""FTS5 tokenizer of the ranked index: English (Porter) stemming over case- and accent-folded words."""
SURFACE_TOKENIZER = "unicode61 remove_diacritics 2"
"""Tokenizer of the vocabulary table (unstemmed words), used for typo tolerance and did-you-mean."""

_WORD = re.compile(r"[^\W_]+")
MIN_PREFIX = 3
"""A plain word this long or longer also matches as a prefix (`quant` finds quantization)."""
MIN_SPLIT = 3
"""Each half of a joined word (`visionlanguage`) is at least this long."""


_ACCENTS = dict.fromkeys(range(0x0300, 0x0370))
"""The combining diacritical marks `fold` drops once decomposed, as the site's search does (`site.search_index`):
other marks (an Indic vowel sign, a virama) stay, and separate words as the tokenizer does."""


def fold(text: str) -> str:
    """Text as the index compares it: compatibility forms decomposed (`ﬁ` -> `fi`, `½` -> `1⁄2`, `x²` -> `x2`),
    accents dropped (`Müller` -> `Muller`) and case folded (`Straße` -> `strasse`). Letters that are not accented
    forms stay (`ø`, `ł`, `æ`, CJK), as on the site."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).translate(_ACCENTS).casefold()
    return unicodedata.normalize("NFKD", decomposed).translate(_ACCENTS)  # casefold may compose again (`ǰ`)


def words(text: str) -> list[str]:
    """The folded words of a text, split at anything that is not a letter or digit (`Vision-Language` -> 2).

    Letters of every script are kept (a run of CJK characters is one word); symbols and emoji are not words."""
    return _WORD.findall(fold(text))


def typo_budget(word: str) -> int:
    """How many edits a misspelt word may be from a real one: none under 5 letters, 1 from 5, 2 from 8."""
    if len(word) >= 8:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def splits(word: str) -> list[tuple[str, str]]:
    """The ways to cut a joined word in two parts of at least MIN_SPLIT letters (`visionlanguage`)."""
    return [(word[:i], word[i:]) for i in range(MIN_SPLIT, len(word) - MIN_SPLIT + 1)]


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def fts_phrase(parts: list[str]) -> str:
    """An FTS5 phrase of folded words; the words are letters and digits only, so quoting is safe."""
    return '"' + " ".join(parts) + '"'
