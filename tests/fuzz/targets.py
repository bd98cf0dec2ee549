"""Fuzz targets and their input strategies, shared by tests/test_fuzz.py (a small fixed budget in every test run)
and tests/fuzz/run.py (a large budget, on demand).

A target feeds one generated input to the library the way a command would. The contract checked: only EvlmError
comes out (anything else is a traceback a user would see), and whatever is accepted is valid and safe to publish
(it survives the TOML round trip, and no export holds a NUL or a line break that starts a new line or record).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

from evlm_cli import db, edit
from evlm_cli.errors import EvlmError
from evlm_cli.model import Paper, Survey, validate
from evlm_cli.render import formats
from evlm_cli.render.readme import default_template, paper_line, render_readme

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2025, 1, 1)
SECTION = "pruning"


@functools.cache
def base() -> Survey:
    """A small survey (fast to parse, index and render): the shipped survey's first three papers, with the
    sections they are filed in and the pruning section."""
    shipped = db.load(ROOT / "data" / "papers.toml")
    papers = tuple(shipped.in_reading_order())[:3]
    kept = {s.id for paper in papers for s in shipped.ancestry(paper.section)} | {SECTION}
    sections = tuple(s for s in shipped.sections if s.id in kept)
    return dataclasses.replace(shipped, sections=sections, papers=papers)


@functools.cache
def _index() -> object:
    from evlm_cli.search.index import Index

    return Index.in_memory(base())


# -- what is checked of anything accepted -------------------------------------------------------------

_RIS_LINE = re.compile(r"^(?:[A-Z][A-Z0-9]  - .*)?$")


def check_outputs(survey: Survey | None, papers: tuple[Paper, ...]) -> None:
    """Every export of `papers`, and the README of `survey` (when its header or sections may have changed),
    renders; none holds a NUL, no README paper line breaks, and every RIS line is a tagged line (a line break in a
    field would start a forged record)."""
    for paper in papers:
        assert len(paper_line(paper).splitlines()) == 1, paper
    for name, fmt in formats.FORMATS.items():
        text = fmt.render(list(papers))
        assert "\x00" not in text, name
        if name == "ris":
            assert all(_RIS_LINE.match(line) for line in text.split("\n")), text
    if survey is not None:
        assert "\x00" not in render_readme(survey, default_template())


def accepted(survey: Survey, papers: tuple[Paper, ...], *, header: bool) -> None:
    """What a target accepted must be valid, round-trip through TOML and render cleanly: an EvlmError here is a
    failure (an importer or `edit` let through something the database refuses), not a clean refusal."""
    try:
        validate(survey)
        text = db.dumps(survey)
        assert db.dumps(db.loads(text)) == text
        check_outputs(survey if header else None, papers)
    except EvlmError as error:
        raise AssertionError(f"accepted, then refused: {error}") from error


# -- the targets ----------------------------------------------------------------------------------------


def readme_import(text: str) -> None:
    """`evlm import readme`: never raises; what it yields is a valid database that renders cleanly."""
    from evlm_cli.importers.readme import parse_readme

    survey = parse_readme(text, today=TODAY).survey
    accepted(survey, survey.papers, header=True)


def bibtex_import(text: str) -> None:
    """`evlm import bibtex`: an ImportFormatError (no entry at all), or papers that are all valid."""
    from evlm_cli.importers.bibtex import merge, parse_bibtex

    result = parse_bibtex(text, base(), SECTION, today=TODAY, keep_keys=len(text) % 2 == 0)
    accepted(merge(base(), result), result.papers, header=False)  # the header and sections are the base's


def toml_load(text: str) -> None:
    """The database loader: `check_text` reports, `loads` raises only DatabaseError; a valid text round-trips
    and renders cleanly."""
    checked = db.check_text(text, source="fuzz.toml")
    for problem in checked.problems:
        assert problem.where and problem.where.startswith("fuzz.toml"), problem
    try:
        survey = db.loads(text, source="fuzz.toml")
    except EvlmError:
        assert checked.problems  # loads refuses exactly what check_text reports
        raise
    assert not checked.problems
    accepted(survey, survey.papers, header=True)


def search_query(text: str) -> None:
    """`evlm search TEXT`: the query parses and runs, or a QueryError says why."""
    from evlm_cli.search.engine import run
    from evlm_cli.search.index import Index
    from evlm_cli.search.query import parse

    index = _index()
    assert isinstance(index, Index)
    result = run(index, parse(text), limit=5)
    assert result.total >= len(result.hits)


def edit_value(assignment: tuple[str, str]) -> None:
    """`evlm edit KEY --set FIELD=VALUE`: an EvlmError, or a valid survey whose outputs render cleanly."""
    field, value = assignment
    key = base().papers[0].key
    changes = [edit.parse_assignment(f"{field}={value}")]
    survey = edit.edit(base(), key, changes)
    accepted(survey, (survey.paper(key),), header=False)


# -- inputs ---------------------------------------------------------------------------------------------

CONTROLS = ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\r", "\n", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
CONTROLS += ["\u2028", "\u2029", "\ufeff", "\t", "\u200b"]
URLS = ["https://arxiv.org/abs/2401.00001v2", "http://[x", "http://x]/", "http://[::1]/a", "https://a\uff03b/"]
URLS += ["http://x:99999/", "https://doi.org/10.1145/1", "https://github.com/a/b", "not a url", "http://"]

README_WORDS = [
    *["# ", "## ", "### ", "###### ", "- ", "* ", "> ", "<ins>", "</ins>", "[[Paper](", "[Code](", ")]", "]("],
    *["[", "]"],
    *["(", ")", ", ", "2024", "1899", "CVPR", "Abstract", "Table of Contents", "<!--", "-->", "\\", "`", "**"],
    *["ü§ñ", "🤖", "[2024] ", "*a*, *b*", "\n", "\r\n", "Title"],
]
_BIBTEX_WORDS = [
    *["@article{", "@inproceedings{", "@misc(", "@string{", "@comment{", "@preamble{", "k1,", "k2,", "title = "],
    *["{", "}", '"', " # ", "author = ", " and ", "others", "year = ", "2024", "2020--21", "jan", "url = "],
    *["doi = ", "10.1145/123", "eprint = ", "archiveprefix = {arXiv}", "howpublished = {\\url{", "\\href{"],
    *["\\'e", '{\\"o}', "$x^2$", "\\", "%", ",", "\n", "=", "keywords = ", "journal = ", "booktitle = ", "^^@"],
    *["\\char0", "~", "--", "{\\textbackslash}", "code = ", "primaryclass = ", "note = ", "abstract = ", ")"],
]
_TOML_WORDS = [
    *['"', '"""', "'", "'''", "[[papers]]\n", "[[sections]]\n", "[survey]\n", "\\u0000", "\\n", "\\u2028", "\\r"],
    *["\\u0085", "\\t", "\\b", "\\e", "\\x00", " = ", "key = ", "title = ", "url = ", "year = 2024", "year = -1"],
    *["year = 99999999999999999999", "added = 1979-05-27", "added = 1979-05-27T00:00:00", "[", "]", "{", "}"],
    *[", ", "\n", "label = ", "inf", "nan", "schema = 2", "links = [", "authors = [", "section = ", "parent = "],
]
QUERY_WORDS = [
    *['"', "*", "title:", "author:", "year:", "section:", "venue:", "key:", "tag:", "abstract:", "..", "-", "2024"],
    *["2022..2024", "..2024", "2024..2022", "quant", "quantization", "vision-language", "AND", "OR", "NOT", "NEAR("],
    *[")", "(", "^", ":", "'", "\\", "ü", "🤖", " ", "{", "}", "col:", "*:", "pruning", "-x", "'s", "+", "::"],
]
EDIT_FIELDS = [*edit.EDITABLE, "link.Project", "link.", "link.Paper", "key", "Title", " title ", ""]


ODD = ["\u0301", "ß", "İ", "ﬁ", "😀", "\u200d", "\ufffd", "Ⅻ", "²", "ǅ", "\u0130", "Σ", "ς", "\u00ad", "\uff03"]
"""Characters that change under case folding or NFKC, combine, or are invisible."""


def soup(words: list[str]) -> st.SearchStrategy[str]:
    """Text built from words of the format, control characters, URLs and odd characters: shaped enough to reach
    the parsers' deeper paths, random enough to surprise them (and cheap to draw: one choice per piece)."""
    return st.lists(st.sampled_from(words + CONTROLS + URLS + ODD), max_size=24).map("".join)


def mutated(seed: str, words: list[str]) -> st.SearchStrategy[str]:
    """`seed` (a valid input) with a few pieces inserted, deleted or replaced at random places."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = seed
        for _ in range(draw(st.integers(1, 4))):
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, min(len(text), start + 20)))
            piece = draw(st.one_of(st.just(""), st.sampled_from(words + CONTROLS + URLS), st.text(max_size=4)))
            text = text[:start] + piece + text[end:]
        return text

    return build()


_VALUES = ["Title", "CVPR", "2024", "a b", "[", "]", "#", "", " ", "{", "}", "\\", "ü", "🤖", "-- x", "and"]


@functools.cache
def _value() -> st.SearchStrategy[str]:
    """A field's value: plausible, or a URL (some with a bracket in the host), or with a control character."""
    plain = st.one_of(st.sampled_from(_VALUES), st.text(max_size=8))
    spiked = st.tuples(plain, st.sampled_from(CONTROLS), plain).map("".join)
    return st.one_of(st.sampled_from(URLS), plain, spiked)


@st.composite
def readme_lines(draw: st.DrawFn) -> str:
    """A README of headings, paper bullets (each part random), quotes and prose."""
    value = _value()
    lines = ["# " + draw(value)]
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["heading", "paper", "paper", "quote", "prose", "blank"]))
        if kind == "heading":
            lines.append("#" * draw(st.integers(1, 6)) + " " + draw(value))
        elif kind == "paper":
            links = "".join(f" [[{draw(value)}]({draw(value)})]" for _ in range(draw(st.integers(0, 2))))
            lines.append(f"- {draw(value)}, <ins>{draw(value)}, {draw(value)}</ins>{links}")
        elif kind == "quote":
            lines.append("> " + draw(value))
        else:
            lines.append(draw(value) if kind == "prose" else "")
    return "\n".join(lines)


_BIB_FIELDS = ["title", "author", "year", "url", "doi", "eprint", "archiveprefix", "journal", "booktitle", "note"]
_BIB_FIELDS += ["howpublished", "keywords", "abstract", "code", "primaryclass", "date", "month"]


@st.composite
def bibtex_entries(draw: st.DrawFn) -> str:
    """BibTeX entries whose fields (braced, quoted or macros) hold random values."""
    value = _value()
    entries = []
    for number in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["article", "inproceedings", "misc", "string"]))
        fields = []
        for _ in range(draw(st.integers(0, 6))):
            name = draw(st.sampled_from(_BIB_FIELDS))
            raw = draw(value)
            shape = draw(st.sampled_from(["{%s}", '"%s"', "%s", "{%s} # jan"]))
            fields.append(f"  {name} = {shape % raw},")
        if kind == "string":
            entries.append(f"@string{{m{number} = {{{draw(value)}}}}}")
        else:
            key = draw(value) if draw(st.booleans()) else f"k{number}"
            entries.append(f"@{kind}{{{key},\n" + "\n".join(fields) + "\n}")
    return "\n\n".join(entries)


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    """The small survey's TOML with one field anywhere (header, section, paper, link) set to a random value of a
    random type: valid syntax, so the loader's type checks and validation are what is exercised."""
    import tomli_w

    document = db.to_dict(base())
    record = draw(st.sampled_from(["survey", "sections", "papers", "links"]))
    if record == "survey":
        table = document["survey"]
    elif record == "links":
        paper = document["papers"][draw(st.integers(0, len(document["papers"]) - 1))]
        table = paper["links"][0] if paper.get("links") else paper
    else:
        table = document[record][draw(st.integers(0, len(document[record]) - 1))]
    names = sorted({*table, "title", "key", "id", "url", "label", "authors", "year", "added", "parent", "bogus"})
    name = draw(st.sampled_from(names))
    table[name] = draw(
        st.one_of(
            _value(),
            st.integers(-(2**63), 2**63 - 1),
            st.booleans(),
            st.floats(),
            st.dates(),
            st.lists(_value(), max_size=3),
            st.builds(dict, label=_value(), url=_value()).map(lambda d: [d]),
        )
    )
    return str(_HEADER_COMMENT + tomli_w.dumps(document, multiline_strings=draw(st.booleans())))


_HEADER_COMMENT = "# fuzz\n"


def _seed_readme() -> str:
    return render_readme(base(), default_template())


def _seed_bibtex() -> str:
    return (ROOT / "tests" / "data" / "messy.bib").read_text(encoding="utf-8")


def _seed_toml() -> str:
    return db.dumps(base())


def inputs() -> dict[str, tuple[Callable[..., None], st.SearchStrategy[object]]]:
    """Each target with the strategy of its inputs."""
    return {
        "readme": (
            readme_import,
            st.one_of(st.text(), soup(README_WORDS), mutated(_seed_readme(), README_WORDS), readme_lines()),
        ),
        "bibtex": (
            bibtex_import,
            st.one_of(st.text(), soup(_BIBTEX_WORDS), mutated(_seed_bibtex(), _BIBTEX_WORDS), bibtex_entries()),
        ),
        "toml": (
            toml_load,
            st.one_of(st.text(), soup(_TOML_WORDS), mutated(_seed_toml(), _TOML_WORDS), toml_documents()),
        ),
        "query": (search_query, st.one_of(st.text(), soup(QUERY_WORDS))),
        "edit": (edit_value, st.tuples(st.sampled_from(EDIT_FIELDS), st.one_of(st.text(), soup(README_WORDS)))),
    }


def run_one(target: Callable[[object], None], value: object) -> BaseException | None:
    """Run a target; None when it ended cleanly (an EvlmError included), else the exception: a fuzz failure."""
    try:
        target(value)
    except EvlmError:
        return None
    except Exception as error:  # noqa: BLE001 - every other exception is what the fuzzer looks for
        return error
    return None
