"""The site's prebuilt search index (evlm_cli.site.search_index): words split as the page's script splits a query,
postings that decode to exactly where each word is. The page reading it is tested in tests/test_site_browser.py."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from evlm_cli.site import search_index


def _reference_words(text: str) -> list[str]:
    """JavaScript's `fold(text).split(/[^\\p{L}\\p{N}]+/u)`, by Unicode category, one character at a time."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not 0x300 <= ord(c) < 0x370).lower()
    folded = folded.replace("ß", "ss").replace("ς", "σ")
    out, word = [], ""
    for c in folded:
        if unicodedata.category(c)[0] in "LN":
            word += c
        elif word:
            out.append(word)
            word = ""
    return [*out, word] if word else out


@given(st.text())
def test_words_split_as_the_page_does(text: str) -> None:
    assert search_index.words(text) == _reference_words(text)


def test_accents_case_and_separators() -> None:
    assert search_index.words("Vision-Language Quäntization_v2 (ŁÓDŹ) 4-bit Straße ΣΊΣΥΦΟΣ") == [
        "vision", "language", "quantization", "v2", "łodz", "4", "bit", "strasse", "σισυφοσ",
    ]  # fmt: skip
    assert search_index.words(None) == [] and search_index.words(2024) == ["2024"]


papers = st.lists(
    st.fixed_dictionaries(
        {name: st.one_of(st.none(), st.text(max_size=30)) for name in search_index.FIELDS if name != "year"}
        | {"year": st.one_of(st.none(), st.integers(1900, 2100))}
    ),
    max_size=12,
)


@given(papers)
def test_postings_say_exactly_where_each_word_is(documents: list[dict[str, object]]) -> None:
    built = search_index.build(documents)
    assert built["fields"] == list(search_index.FIELDS) and built["words"] == sorted(built["words"])
    found = {
        (word, search_index.FIELDS[field], paper)
        for word, postings in zip(built["words"], built["postings"], strict=True)
        for field, numbers in search_index.decode(postings).items()
        for paper in numbers
    }
    expected = {
        (word, field, number)
        for number, document in enumerate(documents)
        for field in search_index.FIELDS
        for word in search_index.words(document[field])
    }
    assert found == expected


def test_output_is_deterministic_and_compact() -> None:
    documents = [{"title": "Token pruning", "abstract": "pruning tokens"}, {"title": "Pruning"}, {"title": "x"}]
    built = search_index.build(documents)
    assert built == search_index.build(documents)
    assert built["words"] == ["pruning", "token", "tokens", "x"]
    assert built["postings"][0] == "0:0,1;7:0"  # title: papers 0 and 1 (a gap of 1); abstract: paper 0
