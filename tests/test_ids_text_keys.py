"""Pure helpers: identifiers, text repair and folding, and the citation key rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evlm_cli import ids
from evlm_cli.keys import base_key, make_key
from evlm_cli.text import ascii_fold, quoted, repair_mojibake


class TestArxivIds:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2412.19509", ("2412.19509", None)),
            ("2412.19509v2", ("2412.19509", 2)),
            ("arXiv:0704.0001", ("0704.0001", None)),
            ("cs/0112017", ("cs/0112017", None)),
            ("math.GT/0309136v1", ("math.GT/0309136", 1)),
            ("hep-th/9901001", ("hep-th/9901001", None)),
        ],
    )
    def test_parse(self, text: str, expected: tuple[str, int | None]) -> None:
        """New and old style ids, with or without versions and prefix, parse."""
        parsed = ids.parse_arxiv_id(text)
        assert parsed is not None and (parsed.id, parsed.version) == expected

    @pytest.mark.parametrize("text", ["2412.195", "2413.19509", "12.3", "cs/011201", "2412.19509v0", ""])
    def test_reject(self, text: str) -> None:
        """Malformed ids are refused."""
        assert ids.parse_arxiv_id(text) is None

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("https://arxiv.org/abs/2412.19509", "2412.19509"),
            ("http://arxiv.org/pdf/2412.19509v3.pdf", "2412.19509v3"),
            ("https://arxiv.org/html/2408.11049v1", "2408.11049v1"),
            ("https://arxiv.org/abs/cs/0112017", "cs/0112017"),
            ("https://github.com/x/y", None),
        ],
    )
    def test_from_url(self, url: str, expected: str | None) -> None:
        """abs, pdf and html URLs give their id."""
        parsed = ids.arxiv_from_url(url)
        assert (str(parsed) if parsed else None) == expected

    def test_year(self) -> None:
        """The id's year comes from its YYMM prefix."""
        assert ids.ArxivId("2111.12293").year == 2021
        assert ids.ArxivId("hep-th/9901001").year == 1999

    @settings(max_examples=200, deadline=None)
    @given(st.integers(7, 29), st.integers(1, 12), st.integers(1, 99999), st.none() | st.integers(1, 30))
    def test_round_trip(self, yy: int, mm: int, number: int, version: int | None) -> None:
        """Formatting a parsed id gives it back."""
        digits = 5 if yy >= 15 else 4
        text = f"{yy:02d}{mm:02d}.{number % 10**digits:0{digits}d}" + (f"v{version}" if version else "")
        parsed = ids.parse_arxiv_id(text)
        assert parsed is not None and str(parsed) == text

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_never_raises(self, text: str) -> None:
        """Arbitrary text never raises."""
        ids.parse_arxiv_id(text)
        ids.arxiv_from_url(text)
        ids.parse_doi(text)
        ids.doi_from_url(text)


class TestDois:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("https://doi.org/10.1145/3664647.3680838", "10.1145/3664647.3680838"),
            ("https://dl.acm.org/doi/10.5555/3692070.3692876", "10.5555/3692070.3692876"),
            ("https://dl.acm.org/doi/abs/10.1145/1.2", "10.1145/1.2"),
            ("https://ieeexplore.ieee.org/document/10203639", None),
        ],
    )
    def test_from_url(self, url: str, expected: str | None) -> None:
        """DOIs come from doi.org and publisher /doi/ URLs."""
        assert ids.doi_from_url(url) == expected

    def test_parse(self) -> None:
        """A DOI is normalised to lower case; junk is refused."""
        assert ids.parse_doi("doi:10.17705/1CAIS.04607") == "10.17705/1cais.04607"
        assert ids.parse_doi("10.1/x") is None


class TestMojibake:
    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_undoes_mac_roman(self, text: str) -> None:
        """UTF-8 text decoded as Mac Roman is restored exactly."""
        assert repair_mojibake(text.encode("utf-8").decode("mac_roman")) == text

    def test_published_emoji(self) -> None:
        """The survey's `ü§ñ` is 🤖."""
        assert repair_mojibake("## \uf8ff\u00fc\u00a7\u00f1 Pre") == "## 🤖 Pre"

    @pytest.mark.parametrize("text", ["Müller", "naïve café", "Łukasz Dębowski", "東京", "🤖 ok"])
    def test_leaves_correct_text(self, text: str) -> None:
        """Correct text passes through unchanged."""
        assert repair_mojibake(text) == text

    def test_ascii_fold(self) -> None:
        """Accents are folded away for keys and matching."""
        assert ascii_fold("Müller Łukasz Straße Ørsted") == "Muller Lukasz Strasse Orsted"


class TestKeys:
    def test_rule(self) -> None:
        """Last name, year, first significant title word, folded to ASCII."""
        assert base_key("Efficient Vision Language Models: A Survey", ["Gaurav Shinde"], 2025) == "shinde2025efficient"
        assert base_key("The Über Model", ["Müller, Jörg"], 2020) == "muller2020uber"
        assert base_key("A study", ["Ludwig van Beethoven"], 1800) == "vanbeethoven1800study"

    def test_no_authors(self) -> None:
        """Without authors, the first title word stands in for the name."""
        assert base_key("MBQ-Modality-Balanced Quantization", [], 2024) == "mbq2024modality"
        assert base_key("M2IST", [], 2024) == "m2ist2024"
        assert base_key("", [], None) == "anon"

    def test_collisions_get_suffixes(self) -> None:
        """A taken key gets a, b, ..."""
        taken = {"li2024fast"}
        assert make_key("Fast things", ["Wei Li"], 2024, taken) == "li2024fasta"
        assert make_key("Fast things", ["Wei Li"], 2024, taken | {"li2024fasta"}) == "li2024fastb"
        many = {"x2020y"} | {"x2020y" + chr(c) for c in range(ord("a"), ord("z") + 1)}
        assert make_key("y", ["x"], 2020, many) == "x2020yaa"

    @settings(max_examples=200, deadline=None)
    @given(st.text(), st.lists(st.text(), max_size=3), st.none() | st.integers(1900, 2030))
    def test_always_a_valid_key(self, title: str, authors: list[str], year: int | None) -> None:
        """Whatever the metadata, the key is non-empty ASCII letters and digits."""
        key = make_key(title, authors, year, set())
        assert key and key.isascii() and key.isalnum()


class TestQuoted:
    def test_short_values_are_repr(self) -> None:
        """A short value is quoted as repr() quotes it."""
        assert quoted("mbq2024") == "'mbq2024'"
        assert quoted("it's") == '"it\'s"'

    def test_long_values_are_shortened(self) -> None:
        """A long value keeps its start, in quotes, and says how long it was."""
        shown = quoted("a" * 10_000)
        assert shown == "'" + "a" * 59 + "…' (10,000 characters)"
        assert quoted("b" * 61, limit=60).endswith("…' (61 characters)")

    @settings(max_examples=100, deadline=None)
    @given(st.text())
    def test_bounded(self, value: str) -> None:
        """Whatever the value, the echo stays short."""
        assert len(quoted(value)) <= 10 * 60 + 30  # repr writes a control character in up to 10 characters
