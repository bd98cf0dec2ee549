"""Schema 2 (issue 10): full bibliographic records, kept on import and written by every export format."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evlm_cli import db
from evlm_cli.importers.bibtex import parse_bibtex
from evlm_cli.keys import NameParts, format_name, split_name
from evlm_cli.model import Paper, Section, Survey, SurveyInfo
from evlm_cli.render.bibtex import render_biblatex, render_bibtex
from evlm_cli.render.csl import render_csl_json
from evlm_cli.render.ris import render_ris

ARTICLE = r"""
@string{jacm = "J. ACM"}
@string{jacm = "Journal of the ACM"}
@article{DBLP:journals/jacm/Lamport78+x,
  author = {Leslie Lamport and van der Berg, Jan and {R Core Team}},
  editor = {M{\"u}ller, J{\"o}rg},
  title = {The {\TeX}book and {BERT}},
  journal = jacm,
  volume = {21}, number = {7}, pages = {558--565}, month = jul, year = {1978},
  publisher = {ACM}, address = {New York}, issn = {0001-0782},
  note = {See \url{https://example.org/a_b}}, timestamp = {Fri, 01 Jan 2021},
}
"""


def imported() -> Paper:
    survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),))
    result = parse_bibtex(ARTICLE, survey, "s", keep_keys=True, today=dt.date(2024, 1, 1))
    [paper] = result.papers
    return paper


class TestImport:
    def test_every_field_and_the_key_are_kept(self) -> None:
        """Type, DBLP-style key, container, volume, pages, month, editors, note, TeX title; the rest in extra."""
        paper = imported()
        assert (paper.key, paper.type, paper.container) == (
            "DBLP:journals/jacm/Lamport78+x",
            "article",
            "Journal of the ACM",
        )
        assert (paper.volume, paper.number, paper.pages, paper.month, paper.year) == ("21", "7", "558--565", 7, 1978)
        assert (paper.publisher, paper.address, paper.issn) == ("ACM", "New York", "0001-0782")
        assert paper.authors == ("Leslie Lamport", "van der Berg, Jan", "{R Core Team}")
        assert paper.editors == ("Müller, Jörg",)
        assert paper.title == "The TeXbook and BERT" and paper.title_tex == r"The {\TeX}book and {BERT}"
        assert paper.bib_note == "See <https://example.org/a_b>" and paper.note == ""
        assert paper.extra == (("timestamp", "Fri, 01 Jan 2021"),)

    def test_a_redefined_string_is_one_line_and_the_last_wins(self) -> None:
        """As bibtex: `@string{jacm}` defined twice gives the second value, reported once."""
        survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),))
        result = parse_bibtex(ARTICLE, survey, "s", keep_keys=True, today=dt.date(2024, 1, 1))
        assert [p.reason for p in result.problems] == ["1 @string macros redefined (jacm); the last wins"]
        assert result.papers[0].container == "Journal of the ACM"

    def test_the_record_survives_the_database(self) -> None:
        """Saved as schema 3 and read back, the paper is equal; `extra` is a TOML table."""
        paper = imported()
        survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),), papers=(paper,))
        text = db.dumps(survey)
        assert "schema = 3" in text and "[papers.extra]" in text
        assert db.loads(text).papers == (paper,)

    @pytest.mark.parametrize("old", [1, 2])
    def test_an_older_schema_loads_and_is_written_as_3(self, old: int) -> None:
        text = f'schema = {old}\n[survey]\ntitle = "t"\n'
        assert db.loads(text).schema == 3
        assert "schema = 3" in db.dumps(db.loads(text))


class TestExports:
    def test_bibtex(self) -> None:
        """The type, fields the styles print, the month macro, the title as written, extra fields back."""
        text = render_bibtex([imported()])
        assert text.startswith("@article{DBLP:journals/jacm/Lamport78+x,")
        for line in (
            "journal = {Journal of the ACM}",
            "pages = {558--565}",
            "month = jul",
            r"title = {The {\TeX}book",
            r"note = {See \url{https://example.org/a_b}}",
            "timestamp = {Fri, 01 Jan 2021}",
            "volume = {21}",
        ):
            assert line in text, line

    def test_biblatex(self) -> None:
        text = render_biblatex([imported()])
        for line in ("journaltitle = {Journal of the ACM}", "date = {1978-07}", "number = {7}"):
            assert line in text, line
        assert "publisher" not in text and "timestamp" not in text  # not valid for a BibLaTeX article

    def test_csl_json(self) -> None:
        [item] = json.loads(render_csl_json([imported()]))
        assert (item["type"], item["container-title"], item["page"], item["issue"]) == (
            "article-journal",
            "Journal of the ACM",
            "558-565",
            "7",
        )
        assert item["issued"] == {"date-parts": [[1978, 7]]}
        assert item["author"][1] == {"family": "Berg", "given": "Jan", "dropping-particle": "van der"}
        assert item["author"][2] == {"literal": "R Core Team"}
        assert item["editor"] == [{"family": "Müller", "given": "Jörg"}]

    def test_ris(self) -> None:
        lines = render_ris([imported()]).splitlines()
        for line in (
            "TY  - JOUR",
            "JO  - Journal of the ACM",
            "VL  - 21",
            "IS  - 7",
            "SP  - 558",
            "EP  - 565",
            "PB  - ACM",
            "CY  - New York",
            "SN  - 0001-0782",
            "ED  - Müller, Jörg",
        ):
            assert line in lines, line


def imported_from(text: str) -> list[Paper]:
    survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),))
    return list(parse_bibtex(text, survey, "s", keep_keys=True, today=dt.date(2024, 1, 1)).papers)


CHAPTERS = r"""
@incollection{GM05, author = {Dan Geiger and S.L. Salas}, title = {Structured inference}, year = 2005,
  booktitle = {Proceedings of Tenth Workshop, {\rm The Barbados}, Part {I}}}
@incollection{Kong, author = {Wei-Chang Kong}, title = {Chapter 9}, year = 2002,
  booktitle = {E-commerce and cultural values (Incoll-w-text (chap 9) 'title')}}
"""


class TestAsWritten:
    """What pandoc and bibtex read in a source's book titles survives import and export (benchmarks/README.md)."""

    def test_a_book_titles_latex_is_kept_and_written_back(self) -> None:
        barbados, kong = imported_from(CHAPTERS)
        assert barbados.container == "Proceedings of Tenth Workshop, The Barbados, Part I"
        assert barbados.container_tex == r"Proceedings of Tenth Workshop, {\rm The Barbados}, Part {I}"
        assert kong.container_tex == ""  # written as the export derives it: nothing to keep
        text = render_bibtex([barbados])
        assert r"booktitle = {Proceedings of Tenth Workshop, {\rm The Barbados}, Part {I}}" in text
        survey = Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),), papers=(barbados,))
        assert db.loads(db.dumps(survey)).papers == (barbados,)

    def test_csl_reads_book_titles_names_and_quotes_as_pandoc(self) -> None:
        """Braced parts keep their case in the sentence-case book title; a `'` is a closing quote; a capital after a
        parenthesis is no acronym; run-together initials are spaced."""
        barbados, kong = json.loads(render_csl_json(imported_from(CHAPTERS)))
        assert barbados["container-title"] == "Proceedings of tenth workshop, The Barbados, part I"  # as pandoc
        assert barbados["author"][1] == {"family": "Salas", "given": "S. L."}
        quoted = "\N{RIGHT SINGLE QUOTATION MARK}title\N{RIGHT SINGLE QUOTATION MARK}"
        assert kong["container-title"] == f"E-commerce and cultural values (incoll-w-text (chap 9) {quoted})"

    def test_a_periodical_keeps_its_type(self) -> None:
        """acmart's `@periodical` (a journal's special issue): classic styles format it as `@misc`, so it is written
        as one, with its journal; BibLaTeX has the type (and no journal field); CSL reads it as pandoc does."""
        [paper] = imported_from(
            '@periodical{JCohen96, editor = "Jacques Cohen", title = "Special issue: Digital Libraries",'
            ' journal = "Commun. {ACM}", volume = "39", number = "11", month = nov, year = "1996"}'
        )
        assert (paper.type, paper.container, paper.extra) == ("periodical", "", (("journal", "Commun. {ACM}"),))
        classic = render_bibtex([paper])
        assert classic.startswith("@misc{JCohen96,") and "journal = {Commun. {ACM}}" in classic
        biblatex = render_biblatex([paper])
        assert biblatex.startswith("@periodical{JCohen96,") and "journal" not in biblatex
        [item] = json.loads(render_csl_json([paper]))
        assert (item["type"], item["container-title"], item["issue"], item["volume"]) == (
            "article-journal",
            "Special issue: Digital Libraries",
            "11",
            "39",
        )
        assert "TY  - JFULL" in render_ris([paper])


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÄÉéü", min_size=1, max_size=6)


def capitalised(word: str) -> str:
    return word[0].upper() + word[1:]


@given(
    first=st.lists(WORD.map(capitalised), max_size=2),
    von=st.lists(WORD.map(str.lower), max_size=2),
    last=st.lists(WORD.map(capitalised), min_size=1, max_size=2),
    jr=st.sampled_from(["", "Jr.", "III"]),
)
def test_format_then_parse_gives_the_parts_back(first: list[str], von: list[str], last: list[str], jr: str) -> None:
    """`von Last, Jr, First` written by format_name is split by BibTeX's rule into the same parts."""
    if not first:  # `von Last` without a first name: one last word (BibTeX has no comma-free spelling for more)
        last, jr = last[:1], ""
    parts = NameParts(" ".join(first), " ".join(von), " ".join(last), jr)
    assert split_name(format_name(parts), strict=True) == parts
    assert split_name(format_name(split_name(format_name(parts), strict=True)), strict=True) == parts
