"""BibTeX export: entry types, LaTeX safety, the real `bibtex` program, and the round trip through the importer."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bibtex_check import assert_clean, require_bibtex, run_bibtex
from conftest import SHIPPED_DB
from evlm_cli import db, latex
from evlm_cli.importers.bibtex import parse_bibtex
from evlm_cli.keys import NameParts, is_organisation, split_name
from evlm_cli.model import Link, Paper, Section, Survey, SurveyInfo
from evlm_cli.render.bibtex import authors_latex, name_latex, render_biblatex, render_bibtex, title_latex
from evlm_cli.render.ris import render_ris
from evlm_cli.text import normalize_space

SPECIALS = "&%$#_{}~^\\<>|\"[]@,=()'`-!?"
LETTERS = "äöüÄÖÜßéèêçñøØåÅłŁıİœŒæÆšžčřąęőűăţşğčğŀǅΩαβ中文한국🤖"

# Text full of LaTeX specials, accented letters and scripts classic BibTeX has no macros for.
hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(SPECIALS),
        st.sampled_from(LETTERS),
        st.sampled_from(string.ascii_letters + string.digits + " "),
        st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
    ),
    min_size=1,
    max_size=40,
).filter(lambda text: normalize_space(text) != "")
hostile_name = hostile_text.filter(
    lambda name: "," not in name and normalize_space(name).lower() != "others" and not is_organisation(name)
)
# Names with particles, capitalised particles and suffixes, which "First Last" output used to mangle.
styled_name = st.builds(
    lambda first, von, last, jr: " ".join(part for part in (first, von, last, jr) if part),
    st.sampled_from(["Martin Luther", "Jean-Claude", "Zoë", "A.", "Ludwig"]),
    st.sampled_from(["", "van", "von der", "de la", "Van", "De", "van Der"]),
    st.sampled_from(["King", "Damme", "Beethoven", "Müller-Lüdenscheidt", "{Ó}Brien"]),
    st.sampled_from(["", "Jr.", "Sr.", "III"]),
)
organisation = st.sampled_from(["{Barnes and Noble, Inc.}", "{Gemini Team}", "{Ben & Jerry's}"])


@st.composite
def author_lists(draw: st.DrawFn) -> tuple[str, ...]:
    """Up to four hostile, styled or organisation names, sometimes ending in `others` (et al.)."""
    names: list[str] = draw(st.lists(st.one_of(hostile_name, styled_name, organisation), max_size=4))
    et_al: bool = draw(st.booleans())
    return (*names, "others") if names and et_al else tuple(names)


def survey_with(papers: list[Paper]) -> Survey:
    return Survey(info=SurveyInfo(title="t"), sections=(Section("s", "S"),), papers=tuple(papers))


def paper(**fields: object) -> Paper:
    defaults: dict[str, object] = {"key": "k", "title": "A Title", "section": "s"}
    defaults.update(fields)
    return Paper(**defaults)  # type: ignore[arg-type]


@st.composite
def hostile_papers(draw: st.DrawFn) -> list[Paper]:
    """A few papers whose every text field is hostile; titles and ids are unique, so none is a duplicate."""
    count = draw(st.integers(1, 4))
    papers = []
    for index in range(count):
        arxiv = draw(st.sampled_from([None, f"2412.1950{index}", f"cs/011201{index}"]))
        papers.append(
            Paper(
                key=f"k{index}{draw(st.sampled_from(['', 'x', '-1', ':a.b_c']))}",
                title=f"{draw(hostile_text)} {index}",
                section="s",
                authors=draw(author_lists()),
                year=draw(st.one_of(st.none(), st.integers(1950, 2025))),
                venue=draw(st.one_of(st.sampled_from(["", "arXiv", "NeurIPS", "Transactions on X"]), hostile_text)),
                links=(Link("Code", "https://github.com/a/b?x=1&y={2}%"),) if draw(st.booleans()) else (),
                arxiv=arxiv,
                arxiv_category=draw(st.sampled_from(["", "cs.CV", "a_b&c"])),
                doi=draw(st.sampled_from([None, f"10.1000/a_b%c{{d}}{index}"])),
                abstract=draw(st.one_of(st.just(""), hostile_text)),
                tags=tuple(draw(st.lists(hostile_text, max_size=2))),
            )
        )
    return papers


HANDPICKED = [
    paper(key="brace", title="}, title = {x}} @misc{evil, title={", authors=("}", "{", "a and b", "and")),
    paper(key="percent", title="100% of $x^2$ \\end{document} #1 a_b ~c", authors=("Smith, John, Jr, III",)),
    paper(key="accents", title="Über Ærø: ŁĄCZNOŚĆ in İstanbul", authors=("Jürgen Müller", "Zoë Ørsted"), year=2020),
    paper(key="cjk", title="中文 title 🤖", authors=("李 小龙", "others"), year=2021, venue="CVPR"),
    paper(key="journal", title="A -- B --- C ''quoted'' ``x``", authors=("A. B",), year=2022, venue="IEEE TPAMI"),
    paper(key="commas", title="Trailing", authors=("Smith,", ",John", ","), year=2023, venue="ICLR"),
    paper(key="brackets", title="[x] label]", authors=("[Bracket] Name", "A]b"), year=2023),
    paper(key="arxiv", title="Preprint", authors=("A B",), year=2024, arxiv="2412.19509", arxiv_category="cs.CV"),
    paper(key="nothing", title="\x01\x02"),
]


class TestLatex:
    @settings(max_examples=200, deadline=None)
    @given(hostile_text)
    def test_decode_inverts_encode(self, text: str) -> None:
        """decode(encode(text)) gives the text back, white space collapsed."""
        assert latex.decode(latex.encode(text)) == normalize_space(text)

    @settings(max_examples=300, deadline=None)
    @given(hostile_text | st.text(st.characters(min_codepoint=32, max_codepoint=126)))
    def test_fast_path_agrees_with_the_character_loop(self, text: str) -> None:
        """Plain ASCII text skips the per-character loop; the result is what the loop gives."""
        slow = "".join(
            ("{}" if a + b in latex._LIGATURES else "") + latex.encode_char(b)
            for a, b in zip(" " + normalize_space(text), normalize_space(text), strict=False)
        )
        assert latex.encode(text) == slow

    @settings(max_examples=200, deadline=None)
    @given(hostile_text)
    def test_encoded_text_is_brace_balanced(self, text: str) -> None:
        """Encoded text never closes more braces than it opens, so it cannot end its field."""
        depth = 0
        for char in latex.encode(text):
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        assert depth == 0

    def test_escapes_and_accents(self) -> None:
        """Specials are escaped and accented letters written as BibTeX special characters."""
        assert latex.encode("R&D 50% $5 #1 a_b") == r"R{\&}D 50{\%} {\$}5 {\#}1 a{\_}b"
        assert latex.encode("Müller") == r"M{\"u}ller"
        assert latex.encode("a -- b") == "a -{}- b"

    def test_decode_real_world_latex(self) -> None:
        """Accents in several spellings and protective braces decode to Unicode."""
        assert latex.decode(r"M{\"u}ller and M\"uller and {\'E}cole {CLIP} \ss") == "Müller and Müller and École CLIP ß"


class TestTitleAndNames:
    def test_acronyms_and_proper_nouns_are_braced(self) -> None:
        """Acronyms, CamelCase and listed proper nouns are protected from case changes; plain words are not."""
        assert title_latex("MBQ: Modality-Balanced Quantization for CLIP and ViT") == (
            "{MBQ:} Modality-Balanced Quantization for {CLIP} and {ViT}"
        )
        assert title_latex("Bayesian 3D vision") == "{Bayesian} {3D} vision"

    def test_and_in_a_name_cannot_split_it(self) -> None:
        """A literal `and` is braced, so BibTeX sees one name."""
        assert name_latex("Barnes and Noble") == "{and} Noble, Barnes"  # `and` is a von part, as bibtex reads it

    def test_extra_commas_cannot_reorder_a_name(self) -> None:
        """A name with more than one comma, or an empty side, is braced whole."""
        assert name_latex("Smith, John, Jr, III") == "{Smith, John, Jr, III}"
        assert name_latex("Smith,") == "{Smith,}"
        assert name_latex("Smith, John") == "Smith, John"


class TestNames:
    @pytest.mark.parametrize(
        ("name", "parts"),
        [
            ("Martin Luther King Jr.", NameParts("Martin Luther", "", "King", "Jr.")),
            ("Martin Luther King, Jr.", NameParts("Martin Luther", "", "King", "Jr.")),
            ("King, Jr., Martin Luther", NameParts("Martin Luther", "", "King", "Jr.")),
            ("Jean-Claude Van Damme", NameParts("Jean-Claude", "", "Van Damme")),
            ("Ludwig van Beethoven", NameParts("Ludwig", "van", "Beethoven")),
            ("van Beethoven, Ludwig", NameParts("Ludwig", "van", "Beethoven")),
            ("Vincent Van der Berg", NameParts("Vincent", "", "Van der Berg")),
            ("Müller, Jörg", NameParts("Jörg", "", "Müller")),
            ("{Barnes and Noble, Inc.}", NameParts(literal="Barnes and Noble, Inc.")),
            ("Smith, John, Jr, III", NameParts(literal="Smith, John, Jr, III")),
            ("Plato", NameParts(last="Plato")),
        ],
    )
    def test_split_name(self, name: str, parts: NameParts) -> None:
        """Names split into BibTeX's first, von, last and jr parts (one rule for keys and every format)."""
        assert split_name(name) == parts

    def test_bibtex_writes_last_jr_first(self) -> None:
        """BibTeX names are `von Last, Jr, First`, a capitalised multi-word last name braced, particles outside."""
        assert name_latex("Martin Luther King Jr.") == "King, Jr., Martin Luther"
        assert name_latex("Jean-Claude Van Damme") == "{Van Damme}, Jean-Claude"
        assert name_latex("Ludwig van Beethoven") == "Ludwig van Beethoven"  # bibtex splits it alike: kept as written
        assert name_latex("{Barnes and Noble, Inc.}") == "{Barnes and Noble, Inc.}"
        assert authors_latex(["Wei Zhang", "others"]) == "Wei Zhang and others"

    def test_real_bibtex_prints_suffixes_particles_and_et_al(self, tmp_path: Path) -> None:
        """bibtex (abbrv) prints "M. L. King, Jr.", "J.-C. Van Damme", the organisation whole and "et al."."""
        authors = ("Martin Luther King Jr.", "Jean-Claude Van Damme", "{Barnes and Noble, Inc.}", "others")
        papers = [paper(key="k", authors=authors, year=2020, venue="CVPR")]
        run = run_bibtex(render_bibtex(papers), ["k"], tmp_path, "abbrv")
        assert not run.problems, run.log
        printed = normalize_space(run.bbl.replace("~", " ").replace("{", "").replace("}", ""))
        assert "M. L. King, Jr., J.-C. Van Damme, Barnes and Noble, Inc., et al." in printed

    def test_ris_names(self) -> None:
        """RIS authors are `von Last, First, Suffix`; organisations whole; `others` left out."""
        authors = ("Martin Luther King Jr.", "Ludwig van Beethoven", "{Barnes and Noble, Inc.}", "others")
        lines = [line for line in render_ris([paper(authors=authors)]).splitlines() if line.startswith("AU")]
        assert lines == [
            "AU  - King, Martin Luther, Jr.",
            "AU  - van Beethoven, Ludwig",
            "AU  - Barnes and Noble, Inc.",
        ]


class TestEntryTypes:
    def entry_text(self, p: Paper) -> str:
        return render_bibtex([p])

    def test_arxiv_preprint_is_misc_with_eprint(self) -> None:
        """An arXiv-only paper is @misc with eprint, archivePrefix and primaryClass."""
        text = self.entry_text(
            paper(authors=("A B",), year=2024, venue="arXiv", arxiv="2412.19509", arxiv_category="cs.CV")
        )
        assert text.startswith("@misc{k,")
        for line in ("eprint = {2412.19509}", "archivePrefix = {arXiv}", "primaryClass = {cs.CV}"):
            assert line in text

    def test_conference_paper_is_inproceedings(self) -> None:
        """A conference paper with authors and a year is @inproceedings with booktitle, doi and url; the code link
        only on request (`links=True`), as `code`, since no style knows that field."""
        links = (Link("Paper", "https://x.org/p"), Link("Code", "https://github.com/a/b"))
        record = paper(authors=("A B",), year=2024, venue="NeurIPS", doi="10.1/x", links=links)
        text = self.entry_text(record)
        assert text.startswith("@inproceedings{k,")
        for line in ("booktitle = {NeurIPS}", "doi = {10.1/x}", "url = {https://x.org/p}"):
            assert line in text
        assert "github" not in text
        assert "code = {https://github.com/a/b}" in render_bibtex([record], links=True)

    def test_journal_paper_is_article(self) -> None:
        """A journal paper is @article with journal."""
        text = self.entry_text(paper(authors=("A B",), year=2024, venue="IEEE Transactions on Multimedia"))
        assert text.startswith("@article{k,")
        assert "journal = {IEEE Transactions on Multimedia}" in text

    def test_authorless_paper_is_misc_with_sort_key(self) -> None:
        """Without authors a conference paper is @misc with the venue and a `key` field for sorting."""
        text = self.entry_text(paper(year=2024, venue="ICLR"))
        assert text.startswith("@misc{k,")
        assert "howpublished = {ICLR}" in text
        assert "key = {A Title}" in text

    def test_biblatex_uses_online_and_journaltitle(self) -> None:
        """BibLaTeX writes preprints as @online with eprinttype, journals with journaltitle."""
        text = render_biblatex(
            [
                paper(key="a", year=2024, arxiv="2412.19509"),
                paper(key="b", title="B", authors=("A B",), venue="Journal of X"),
            ]
        )
        assert "@online{a," in text
        assert "eprinttype = {arxiv}" in text
        assert "@article{b," in text
        assert "journaltitle = {Journal of X}" in text

    def test_header_is_a_comment(self) -> None:
        """A header is written as % comment lines before the entries."""
        assert render_bibtex([paper()], header="one\ntwo").startswith("% one\n% two\n\n@misc{k,")


class TestRealBibtex:
    def test_shipped_database_runs_clean(self, tmp_path: Path) -> None:
        """`bibtex` with plain and alpha runs on the shipped database without a warning."""
        survey = db.load(SHIPPED_DB)
        bib = render_bibtex(survey.in_reading_order())
        assert_clean(bib, [p.key for p in survey.papers], tmp_path)

    def test_handpicked_hostile_papers_run_clean(self, tmp_path: Path) -> None:
        """Titles and names made to break out of their fields, accents, CJK and stray commas run clean."""
        assert_clean(render_bibtex(HANDPICKED), [p.key for p in HANDPICKED], tmp_path)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hostile_papers())
    def test_generated_hostile_papers_run_clean(self, tmp_path: Path, papers: list[Paper]) -> None:
        """`bibtex` runs clean on generated papers whose every field is hostile."""
        assert_clean(render_bibtex(papers), [p.key for p in papers], tmp_path)

    def test_the_check_itself_catches_a_broken_file(self, tmp_path: Path) -> None:
        """The bibtex check notices an unbalanced entry and a missing author (so a clean run means something)."""
        require_bibtex()
        broken = "@inproceedings{a, title = {x}, booktitle={y}, year=2020}\n@misc{b, title={\n"
        run = run_bibtex(broken, ["a"], tmp_path)
        assert run.problems


def _readable_parts(name: str) -> tuple[str, ...]:
    parts = split_name(name)
    return (parts.given, parts.particle, parts.surname, parts.suffix, normalize_space(parts.literal))


class TestRoundTrip:
    @settings(max_examples=60, deadline=None)
    @given(hostile_papers())
    def test_export_then_import_gives_back_keys_titles_authors_years(self, papers: list[Paper]) -> None:
        """Exported BibTeX parsed back with bibtexparser and decoded gives the same keys, titles, years, and authors
        with the same parts (a name evlm reads otherwise than bibtex comes back in `von Last, Jr, First` form)."""
        for author in (a for p in papers for a in p.authors):  # `Jr` without a first name has no BibTeX spelling
            assume(not (split_name(author).jr and not split_name(author).first))
            assume(any(_readable_parts(author)))  # nor has a "name" with no readable text at all (`\A`)
        result = parse_bibtex(render_bibtex(papers), survey_with([]), "s", keep_keys=True, today=dt.date(2024, 1, 1))
        assert not [p for p in result.problems if "not" in p.reason and "year" not in p.reason]
        back = [(p.key, p.title, tuple(map(_readable_parts, p.authors)), p.year) for p in result.papers]
        expected = [(p.key, normalize_space(p.title), tuple(map(_readable_parts, p.authors)), p.year) for p in papers]
        assert back == expected

    def test_shipped_papers_round_trip(self) -> None:
        """Every shipped paper comes back with its key, title, year, venue (BibTeX's journal or booktitle, so the
        container where there is one) and arXiv id (repeats skipped)."""
        survey = db.load(SHIPPED_DB)
        result = parse_bibtex(render_bibtex(survey.papers), survey_with([]), "s", keep_keys=True)
        seen: set[str | None] = {None}
        expected = []
        for p in survey.papers:
            if p.arxiv not in seen or p.arxiv is None:
                expected.append((p.key, p.title, p.year, p.container or p.venue, p.arxiv))
            seen.add(p.arxiv)
        assert [(p.key, p.title, p.year, p.venue, p.arxiv) for p in result.papers] == expected
        assert [s.reason.rsplit(" ", 1)[0] for s in result.skipped] == ["same arXiv id"] * (
            len(survey.papers) - len(expected)
        )


@pytest.mark.parametrize("style", ["plain", "alpha"])
def test_papers_bib_in_repo_runs_clean(tmp_path: Path, style: str) -> None:
    """The committed data/papers.bib itself runs clean."""
    bib = (SHIPPED_DB.parent / "papers.bib").read_text(encoding="utf-8")
    keys = [p.key for p in db.load(SHIPPED_DB).papers]
    run = run_bibtex(bib, keys, tmp_path, style)
    assert not run.problems, run.log
    assert run.returncode == 0


LATEX_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "x y",
        "-",
        ".",
        ",",
        "'",
        "1",
        "\\'e",
        "\\'{E}",
        '\\"u',
        '\\"{\\i}',
        "\\^{o}",
        "\\~n",
        "\\`a",
        "\\=a",
        "\\.z",
        "\\u a",
        "\\v{s}",
        "\\H{o}",
        "\\c{c}",
        "\\c c",
        "\\k{a}",
        "\\r{a}",
        "\\d{d}",
        "\\ss",
        "\\ss{}",
        "\\o ",
        "\\L{}",
        "\\aa",
        "\\AE",
        "\\i",
        "\\&",
        "\\%",
        "\\$",
        "\\#",
        "\\_",
        "\\{",
        "\\}",
        "\\textbackslash{}",
        "\\textless ",
        "\\textbar",
        "\\textasciitilde{}",
        "\\textbraceleft",
        "{}",
        "--",
        "''",
        "~",
        "$x$",
        "\\emph{a}",
        "\\unknown",
    ]
)


@st.composite
def latex_values(draw: st.DrawFn, depth: int = 0) -> str:
    """LaTeX as .bib files write it: text, accents in several spellings, escapes and nested brace groups."""
    parts = draw(st.lists(st.one_of(LATEX_PIECES, st.just("GROUP")), max_size=8))
    return "".join("{" + draw(latex_values(depth + 1)) + "}" if p == "GROUP" and depth < 2 else p for p in parts)


class TestFastDecoding:
    @settings(max_examples=150, deadline=None)
    @given(latex_values())
    def test_fast_path_agrees_with_pylatexenc(self, value: str) -> None:
        """Whenever the fast decoder takes a value, it decodes it exactly as pylatexenc does."""
        fast = latex._decode_simple(value)
        if fast is not None:
            assert normalize_space(fast) == normalize_space(latex._decoder().latex_to_text(value))

    def test_fast_path_takes_the_common_cases(self) -> None:
        """Accents, escapes and text commands do not need pylatexenc; math does."""
        assert latex._decode_simple(r"{\"U}ber {CLIP} \& M\"{u}ller {\textbraceleft}") == "Über CLIP & Müller {"
        assert latex._decode_simple(r"$\alpha$") is None

    def test_typical_import_never_needs_pylatexenc(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Exported accents, acronyms and escapes are read back without the slow general decoder."""
        papers = [
            paper(key=f"k{i}", title=f"Über {{CLIP}} & 50% {i}", authors=("Jörg Müller", "Émile Zola"), year=2020)
            for i in range(3)
        ]
        text = render_bibtex(papers)

        def refuse() -> None:
            raise AssertionError("pylatexenc was needed")

        monkeypatch.setattr(latex, "_decoder", refuse)
        result = parse_bibtex(text, survey_with([]), "s")
        assert [p.authors for p in result.papers] == [("Jörg Müller", "Émile Zola")] * 3
