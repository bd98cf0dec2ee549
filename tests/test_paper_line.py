"""`[survey] paper_line`: a survey's own README line, as a Jinja2 template (render/paperline.py), and the style
`import readme` detects and records (importers/readme/style.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli
from evlm_cli import db
from evlm_cli.errors import DatabaseError, EvlmError
from evlm_cli.importers.readme import parse_readme
from evlm_cli.importers.readme.style import Style
from evlm_cli.markdown import escape_text
from evlm_cli.model import MULTI_LINE_FORBIDDEN, Link, Paper, Section, Survey, SurveyInfo
from evlm_cli.render.paperline import join_names, render_line
from evlm_cli.render.readme import line_renderer, paper_line, render_readme

LISTS = Path(__file__).parent / "data" / "lists"
TODAY = dt.date(2026, 11, 25)
EVLM_LINE = (
    "- {{ title }}{% if venue or year %}, <ins>{{ [venue, year]|select|join(', ') }}</ins>{% endif %}"
    "{% for l in links %} [[{{ l.label }}]({{ l.url }})]{% endfor %}"
)
"""evlm's own line written as a template."""
LINK_FIRST = (
    "* [{{ title }}]({{ url }}){% if authors %}, {{ authors_text }}{% endif %}{% if note %} - {{ note }}{% endif %}"
)

NERF = Paper(
    "mildenhall2020nerf",
    "NeRF: Representing Scenes",
    "s",
    authors=("Mildenhall", "others"),
    year=2020,
    venue="ECCV",
    links=(Link("Paper", "https://www.matthewtancik.com/nerf"), Link("github", "https://github.com/bmild/nerf")),
)


def _survey(template: str, papers: tuple[Paper, ...] = (NERF,)) -> Survey:
    return Survey(SurveyInfo(title="T", paper_line=template), (Section("s", "S"),), papers)


class TestTemplate:
    def test_unset_is_evlm_line(self) -> None:
        """Without a template a paper is written by `paper_line`, so existing READMEs do not change."""
        assert line_renderer(SurveyInfo(title="T"))(NERF, 1) == paper_line(NERF)

    def test_variables(self) -> None:
        """Readable authors with et al., links by label in any case, the other links, the position, none as empty."""
        template = (
            "{{ position }}. {{ authors_text }} / {{ authors|names(', ', ', and ', ' & ', ' and others') }}"
            " / {{ link.GITHUB }} / {{ link.code }} / {% for l in other_links %}{{ l.label }}{% endfor %}"
            " / {{ month }} / {{ et_al }}"
        )
        assert render_line(template, NERF, 3) == (
            "3. Mildenhall et al. / Mildenhall and others / https://github.com/bmild/nerf /  / github /  / True"
        )

    def test_names(self) -> None:
        """The names filter: one, two, more, and et al."""
        assert [join_names(n) for n in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == ["", "A", "A and B", "A, B and C"]
        assert join_names(["A", "B", "C"], ", ", ", and ", " & ") == "A, B, and C"
        bibtex_names = Paper("k", "T", "s", authors=("Knuth, Donald E.", "{R Core Team}"))
        assert render_line("{{ authors_text }}", bibtex_names) == "Donald E. Knuth and R Core Team"

    def test_table_cell_escapes_pipes(self) -> None:
        """`cell` escapes a `|` that would end a table cell."""
        paper = Paper("k", "A | B", "s", authors=("X|Y",))
        assert render_line("|{{ title|cell }} | {{ authors|names|cell }}|", paper) == "|A \\| B | X\\|Y|"

    def test_hostile_values_stay_text(self) -> None:
        """HTML and link syntax in any value is escaped, also through filters, joins and a names separator; a URL is
        escaped as a URL."""
        evil = "<script>x</script> [a](https://evil.example)"
        paper = Paper(
            "k", evil, "s", authors=(evil,), venue=evil, note=evil, links=(Link(evil, "https://a.org/(<b>)"),)
        )
        template = (
            "{{ title }} {{ title|upper }} {{ title ~ venue }} {{ [title, note]|join(' ') }} {{ authors_text }}"
            " {{ authors|names(sep=title) }} {{ title|safe }} {{ title|e }} {% for l in links %}{{ l.label }}"
            " {{ l.url }}{% endfor %} {{ links[0].url|replace('a', 'b') }}"
        )
        line = render_line(template, paper)
        assert "<" not in line  # no HTML: every `<` is `&lt;` (or `%3C` in a URL)
        assert re.search(r"(?<!\\)[\[\]]", line) is None  # no link: every bracket is escaped
        assert "https://a.org/%28%3Cb%3E%29" in line

    @settings(max_examples=200, deadline=None)
    @given(
        title=st.text(min_size=1).map(lambda t: " ".join(t.split())).filter(bool),
        template=st.sampled_from(
            [
                EVLM_LINE,
                LINK_FIRST,
                *(
                    Style(family, bullet, double=double, names=(", ", ", and ", " and ")).template()
                    for family in ("ins", "year-first", "year-last", "link-first", "citation-link", "citation-italic")
                    for bullet, double in (("-", True), ("1.", False))
                ),
                Style("table", head="| Paper | Links |\n| --- | --- |").template(),
            ]
        ),
    )
    def test_a_title_is_always_escaped_text(self, title: str, template: str) -> None:
        """Any title comes out exactly as `escape_text` makes it, in every style the importer can record: never a
        link, never HTML (Markdown significant characters escaped the same way evlm's own line does)."""
        placeholder = Paper("k", "TITLE", "s", authors=("A B",), year=2024, links=(Link("Paper", "https://a.org/"),))
        paper = Paper("k", title, "s", authors=("A B",), year=2024, links=(Link("Paper", "https://a.org/"),))
        escaped = escape_text(title).replace("|", "\\|") if "title|cell" in template else escape_text(title)
        assert render_line(template, paper) == render_line(template, placeholder).replace("TITLE", escaped)

    @settings(max_examples=150, deadline=None)
    @given(
        title=st.text("abcXYZ09é []()<>&;#\\*_-,:!/", min_size=1, max_size=30).filter(lambda t: t.strip() == t),
        venue=st.text("abcXYZé []<>&;\\", max_size=12).filter(lambda v: v.strip() == v),
        year=st.one_of(st.none(), st.integers(1990, 2025)),
        links=st.lists(
            st.builds(Link, st.text("abcX []<>&", min_size=1, max_size=8), st.just("https://a.org/x(y)?q=1&b")),
            max_size=3,
        ),
    )
    def test_evlm_line_as_template_is_paper_line(
        self, title: str, venue: str, year: int | None, links: list[Link]
    ) -> None:
        """evlm's own line written as a template gives exactly `paper_line`: the template escapes what evlm escapes."""
        paper = Paper("k", title, "s", year=year, venue=venue, links=tuple(links))
        assert render_line(EVLM_LINE, paper) == paper_line(paper)


class TestBrokenTemplate:
    @pytest.mark.parametrize(
        ("template", "message"),
        [
            ("- {{ title }", "[survey] paper_line: Jinja2 syntax error: unexpected '}'"),
            ("- {{ titel }}", "[survey] paper_line: unknown variable 'titel' (did you mean 'title'?"),
            ("- {{ title|bold }}", "[survey] paper_line: No filter named 'bold' ("),
            ("- {{ links[3].url }}", "[survey] paper_line: fails for paper 'mildenhall2020nerf': list object has no"),
            (
                "{% for l in links %}{{ l.urll }}{% endfor %}",
                "[survey] paper_line: fails for paper 'mildenhall2020nerf': 'link' has no attribute 'urll'",
            ),
            (
                "- {{ title.__class__ }}",
                "[survey] paper_line: fails for paper 'mildenhall2020nerf': access to attribute '__class__'",
            ),
            ("{{ 9 ** (9 ** 9) }}", "[survey] paper_line: fails for paper 'mildenhall2020nerf': ** gives a value too"),
            ("{{ title * 10**8 }}", "[survey] paper_line: fails for paper 'mildenhall2020nerf': * gives a value too"),
            ("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "[survey] paper_line: the template is nested too deeply"),
            ("{% if year > 3000 %}x{% endif %}", "[survey] paper_line: gives an empty line for paper 'mildenhall2020"),
        ],
        ids=["syntax", "variable", "filter", "index", "attribute", "unsafe", "power", "repeat", "nested", "empty"],
    )
    def test_library_error(self, template: str, message: str) -> None:
        """Each kind of broken template is one EvlmError naming the field (and the paper when one fails)."""
        with pytest.raises(EvlmError) as raised:
            render_readme(_survey(template), "<!-- evlm:papers -->\n")
        assert str(raised.value).startswith(message)
        assert "docs/database.md" in str(raised.value)

    def test_error_even_without_papers(self) -> None:
        """A template that cannot compile is an error before any paper needs it."""
        with pytest.raises(EvlmError, match="syntax error"):
            render_readme(_survey("{% for %}", papers=()), "<!-- evlm:papers -->\n")

    def test_build_fails_in_one_line_and_writes_nothing(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """`evlm build` and `evlm add` with a broken template: exit 1, one line naming the field and the fix, no
        traceback, README.md and the database untouched."""
        _set_paper_line(db_path, "- {{ titel }}")
        readme, database = (repo / "README.md").read_bytes(), db_path.read_bytes()
        result = cli("build", code=1)
        assert result.stderr.strip().count("\n") == 0
        assert "[survey] paper_line: unknown variable 'titel' (did you mean 'title'?" in result.stderr
        assert "Traceback" not in result.stderr
        cli("add", "--title", "A New Paper", "--section", "token-reduction", code=1)
        assert cli("add", "--title", "A New Paper", "--section", "token-reduction", "--dry-run", code=1).stdout == ""
        assert (repo / "README.md").read_bytes() == readme
        assert db_path.read_bytes() == database


def _set_paper_line(db_path: Path, template: str) -> None:
    """Put `paper_line` in the database's [survey] table by hand, as a maintainer would."""
    import json

    text = db_path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("[survey]\n")
    db_path.write_text(head + sep + f"paper_line = {json.dumps(template)}\n" + rest, encoding="utf-8")


_TOKENS = [
    *"{{ }} {% %} if for title l in links | names endif endfor ( ) ' . url * ~ [0] set = macro loop raw # -".split(),
    " ",
    "in ",
]
"""Pieces of Jinja2 syntax that random templates are made of."""


class TestSurveyWithStyle:
    def test_build_and_add_use_the_style(self, cli: Cli, repo: Path, db_path: Path) -> None:
        """A hand-set template: build writes every paper with it, `add --dry-run` shows and `add` writes the new paper
        in it, and `build --check` holds afterwards."""
        _set_paper_line(db_path, LINK_FIRST)
        cli("build")
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert "\n- Q-VLM" not in readme
        assert re.search(r"^\* \[Q-VLM- Post-training Quantization[^\]]*\]\(https://", readme, re.MULTILINE)
        args = ("add", "--title", "A New Paper", "--url", "https://a.org/new", "--author", "Ada Lovelace")
        dry = cli(*args, "--section", "token-reduction", "--note", "short", "--dry-run")
        assert "* [A New Paper](https://a.org/new), Ada Lovelace - short\n" in dry.stdout
        cli(*args, "--section", "token-reduction", "--note", "short")
        readme = (repo / "README.md").read_text(encoding="utf-8")
        assert "\n* [A New Paper](https://a.org/new), Ada Lovelace - short\n" in readme
        cli("build", "--check")

    def test_database_round_trip(self, tmp_path: Path) -> None:
        """The template, multi-line or not, survives the database canonically; a control character is refused."""
        for template in (LINK_FIRST, "{% if position == 1 %}| A |\n| - |\n{% endif %}| {{ title|cell }} |"):
            text = db.dumps(_survey(template))
            assert db.loads(text).info.paper_line == template
            assert db.dumps(db.loads(text)) == text
        assert "paper_line" not in db.dumps(_survey(""))
        with pytest.raises(EvlmError, match="paper_line"):
            db.loads(db.dumps(_survey("- {{ title }}\x07")))

    @settings(max_examples=100, deadline=None)
    @given(st.text(st.characters(codec="utf-8")))
    def test_any_template_text_survives_the_database(self, template: str) -> None:
        """Any text (line feeds, quotes, backslashes, braces) is kept exactly by the canonical TOML, or refused with a
        DatabaseError naming the field when it holds a control character."""
        text = db.dumps(_survey(template))
        if MULTI_LINE_FORBIDDEN.search(template):
            with pytest.raises(DatabaseError, match="paper_line"):
                db.loads(text)
            return
        again = db.loads(text)
        assert again.info.paper_line == template
        assert db.dumps(again) == text

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=60) | st.lists(st.sampled_from(_TOKENS), max_size=14).map("".join))
    def test_any_template_is_a_line_or_one_error(self, template: str) -> None:
        """Whatever the template text, rendering gives a line or an EvlmError naming the field, never another
        exception."""
        try:
            render_readme(_survey(template), "<!-- evlm:papers -->\n")
        except EvlmError as error:
            message = str(error)
        else:
            return
        assert message.startswith("[survey] paper_line: ")

    def test_table_rows_and_header_per_section(self) -> None:
        """A table style writes the header row before the first paper of each section, rows after it."""
        table = Style("table", head="| Paper | Links |\n| --- | --- |", names=(", ", ", ", ", ")).template()
        second = Paper("b", "Second | One", "t", authors=("A B", "C D"), links=(Link("Code", "https://c.org/"),))
        survey = Survey(SurveyInfo(title="T", paper_line=table), (Section("s", "S"), Section("t", "T")), (NERF, second))
        text = render_readme(survey, "<!-- evlm:papers -->\n")
        assert text.count("| Paper | Links |\n| --- | --- |\n|") == 2
        assert "|[Second \\| One](https://c.org/) <br> A B, C D |[Code](https://c.org/)|" not in text
        assert "|Second \\| One <br> A B, C D |[Code](https://c.org/)|" in text
        assert "|[NeRF: Representing Scenes](https://www.matthewtancik.com/nerf) <br> Mildenhall et al. |" in text


# -- import: the list's own style ---------------------------------------------------------------------------------

_WORD = st.text("abcdefghXYZ09", min_size=1, max_size=7)
_TITLE = st.lists(_WORD, min_size=1, max_size=5).map(" ".join).filter(lambda t: not re.fullmatch(r"\d{4}", t[-4:]))
_NAME = st.tuples(st.sampled_from(["Ada", "Alan", "Grace", "Kurt"]), st.sampled_from(["Lovelace", "Turing", "Hopper"]))
_URL = st.builds("https://a.org/{}".format, st.text("abz09_-", min_size=1, max_size=12))


@st.composite
def _papers(draw: st.DrawFn, family: str) -> list[Paper]:
    """Papers whose fields the importer reads back the same way in this style (each with a Paper link)."""
    papers = []
    for index in range(draw(st.integers(1, 4))):
        authors = tuple(" ".join(name) for name in draw(st.lists(_NAME, min_size=1, max_size=3)))
        if family == "link-first" and draw(st.booleans()):
            authors = (authors[0].split()[-1], "others")  # `Turing et al.`
        links = [Link("Paper", draw(_URL)), *draw(st.lists(st.builds(Link, st.just("Code"), _URL), max_size=1))]
        paper = Paper(
            f"p{index}",
            draw(_TITLE),
            "papers",
            authors=authors if family in ("link-first", "citation-link", "citation-italic") else (),
            year=draw(st.integers(1990, 2025)),
            venue=draw(st.sampled_from(["ICML", "NeurIPS", "TPAMI"])),
            links=tuple(links),
        )
        if family == "link-first" and draw(st.booleans()):  # `[Title](url) - description`, as papers-we-love
            paper = Paper(paper.key, paper.title, paper.section, links=paper.links[:1], note="the first one")
        papers.append(paper)
    return papers


class TestImportRoundTrip:
    @pytest.mark.parametrize(
        "style",
        [
            Style("ins", "*", separators=(" ", "")),
            Style("year-first", "-"),
            Style("year-last", "+", double=False),
            Style("link-first", "*", double=False, separators=(" | ", " | ")),
            Style("citation-link", "-", names=(", ", ", and ", " and ")),
            Style("citation-italic", "1."),
        ],
        ids=lambda style: style.family,
    )
    @settings(max_examples=12, deadline=None)
    @given(data=st.data())
    def test_every_bullet_style_comes_back_as_written(self, style: Style, data: st.DataObject) -> None:
        """A list written in any bullet style the importer reads: `import readme`, then building the README, gives
        back every paper line byte for byte, and importing that README again records the same paper line."""
        papers = data.draw(_papers(style.family))
        survey = _survey(style.template(), tuple(papers))
        page = "# A list\n\n## Papers\n" + "\n".join(line_renderer(survey.info)(p, i) for i, p in enumerate(papers, 1))
        result = parse_readme(page + "\n", today=TODAY)
        assert result.problems == []
        assert result.fidelity.identical == len(papers)
        rebuilt = render_readme(db.loads(db.dumps(result.survey)), result.template)
        assert rebuilt.partition("## Papers\n")[2] == page.partition("## Papers\n")[2] + "\n"
        assert parse_readme(rebuilt, today=TODAY).survey.info.paper_line == result.survey.info.paper_line

    def test_evlm_own_list_records_no_template(self, published_survey: Path) -> None:
        """A README evlm wrote in its own line gets no template: evlm's line already gives it back."""
        result = parse_readme((published_survey / "README.md").read_text(encoding="utf-8"), today=TODAY)
        assert result.survey.info.paper_line == ""
        assert result.fidelity.identical == result.fidelity.readable > 0

    def test_cli_import_keeps_the_style_and_says_so(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`init --from` a `* [Title](url) - description` list: the README it writes keeps every paper line, the
        import says how many came back, and `build --check` holds."""
        monkeypatch.chdir(tmp_path)
        source = LISTS / "links-pwl-machine-learning.md"
        (tmp_path / "README.md").write_bytes(source.read_bytes())
        result = cli("init", "--from", "README.md")
        assert "the list's own paper line ([survey] paper_line): 5 of 5 entries" in result.stderr
        original = [line for line in source.read_text(encoding="utf-8").splitlines() if line.startswith("* [")]
        rebuilt = (tmp_path / "README.md").read_text(encoding="utf-8").splitlines()
        assert [line for line in rebuilt if line.startswith("* [")] == original
        assert 'paper_line = "* {% if url %}[{{ title }}]' in (tmp_path / "data" / "papers.toml").read_text("utf-8")
        cli("build", "--check")

    def test_table_list_stays_a_table(self) -> None:
        """A table list keeps its header row and gives table rows (cells evlm does not store, badges and images, are
        left empty), which import back as the same papers."""
        original = (LISTS / "table-efficient-moe.md").read_text(encoding="utf-8")
        result = parse_readme(original, today=TODAY)
        rebuilt = render_readme(result.survey, result.template)
        head = "| Title & Authors | Introduction | Links |\n|:--|  :----: | :---:|\n"
        assert rebuilt.count(head) == 1
        rows = [line for line in rebuilt.splitlines() if line.startswith("|[")]
        assert len(rows) == len(result.survey.papers) == 16
        assert rows[1] == (
            "|[Fast Inference of Mixture-of-Experts Language Models with Offloading](https://arxiv.org/abs/2312.17238)"
            " <br> Artyom Eliseev, Denis Mazur | |[Github](https://github.com/dvmazur/mixtral-offloading) <br> "
            "[Paper](https://arxiv.org/abs/2312.17238)|"
        )
        again = parse_readme(rebuilt, today=TODAY).survey
        assert [(p.title, p.authors, p.links) for p in again.papers] == [
            (p.title, p.authors, p.links) for p in result.survey.papers
        ]


class TestDocumented:
    def test_every_documented_template_works(self) -> None:
        """The templates docs/database.md shows ("Paper line": the styles table and the TOML examples) compile and
        write a paper, and the variables it lists are the ones templates get."""
        from evlm_cli.render.paperline import VARIABLES

        text = (Path(__file__).resolve().parents[1] / "docs" / "database.md").read_text(encoding="utf-8")
        section = text.partition("## Paper line\n")[2].partition("\n## ")[0]
        rows = re.findall(r"^\| .+? \| `(.+)` \|$", section, re.MULTILINE)
        templates = [row.split("`, or `")[-1].replace("\\|", "|") for row in rows if "{{" in row]
        templates += [m.strip("\n") for m in re.findall(r'paper_line = """(.*?)"""', section, re.DOTALL)]
        templates += re.findall(r'^paper_line = "([^"].*)"$', section, re.MULTILINE)
        assert len(templates) >= 9
        for template in templates:
            assert "NeRF: Representing Scenes" in render_line(template, NERF), template
        listed = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", section, re.MULTILINE))
        assert {name for pair in listed for name in pair if name} <= set(VARIABLES)
