"""The site's search index, made at `evlm site` time so the page does not build one: the words of every paper's
searchable fields and, per word, which papers hold it in which field.

Built in the browser, a Lunr index of 10,000 papers took 9 s before search could start (benchmarks/README.md); this
one is read with one `JSON.parse` and decoded per word only when a query needs it. The page's script (`site.js`)
adds the stems (Lunr's Porter stemmer) and the prefix and edit-distance lookups (Lunr's token set) over these words,
so the words here must be split exactly as `site.js` splits a query: `fold` and `words` mirror its functions of the
same names, and tests/test_site_browser.py compares the two on the shipped survey.

The format (`version` 1): `fields` names the searched fields in order; `words` is sorted; `postings[i]` says where
`words[i]` occurs, as `field:papers` groups joined by `;`, `field` an index into `fields` and `papers` the indexes
of the papers (into the page's paper list, in reading order) as comma-separated gaps from the previous one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

VERSION = 1
FIELDS = ("title", "section", "tags", "authors", "venue", "year", "note", "abstract", "key")
"""The fields `evlm search` searches (search.index.COLUMNS), as the page's paper list names them."""

_MARKS = dict.fromkeys(range(0x0300, 0x0370))
"""The combining diacritical marks `fold` drops after decomposing: `é` becomes `e`, as in `site.js`."""
_FOLDS = {ord("ß"): "ss", ord("ς"): "σ"}
_SEPARATOR = re.compile(r"[\W_]+")
"""Anything but a letter or a digit: Python's `\\w` minus `_` is exactly JavaScript's `[\\p{L}\\p{N}]`."""


def fold(text: object) -> str:
    """Lower case without accents: NFKD, combining marks dropped, lowered, `ß` as `ss` and a final `ς` as `σ` (as
    case folding gives in `evlm search`; the rest of full case folding has no JavaScript counterpart). `fold` in
    site.js does the same, step by step."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKD", str(text)).translate(_MARKS).lower().translate(_FOLDS)


def words(text: object) -> list[str]:
    """The words of a field as the page's search sees them (`words` in site.js); a list (authors, tags) is read
    joined with `; `, as `evlm search` indexes it."""
    if isinstance(text, list | tuple):
        text = "; ".join(map(str, text))
    return [word for word in _SEPARATOR.split(fold(text)) if word]


def build(papers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The index of `papers` (the page's paper list): see the module's docstring for the format."""
    where: defaultdict[str, dict[int, list[int]]] = defaultdict(dict)
    for number, paper in enumerate(papers):
        for field, name in enumerate(FIELDS):
            for word in set(words(paper.get(name))):
                where[word].setdefault(field, []).append(number)
    ordered = sorted(where)
    return {
        "version": VERSION,
        "fields": list(FIELDS),
        "words": ordered,
        "postings": [_encode(where[word]) for word in ordered],
    }


def _encode(fields: Mapping[int, list[int]]) -> str:
    return ";".join(f"{field}:{_gaps(fields[field])}" for field in sorted(fields))


def _gaps(numbers: Iterable[int]) -> str:
    previous = 0
    out = []
    for number in numbers:
        out.append(str(number - previous))
        previous = number
    return ",".join(out)


def decode(postings: str) -> dict[int, list[int]]:
    """`postings[i]` back to field -> paper indexes (the tests' reading of what `site.js` decodes)."""
    found: dict[int, list[int]] = {}
    for group in postings.split(";"):
        field, _, gaps = group.partition(":")
        total = 0
        numbers = []
        for gap in gaps.split(","):
            total += int(gap)
            numbers.append(total)
        found[int(field)] = numbers
    return found
