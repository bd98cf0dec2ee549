"""Render the survey README from the database and a Markdown template.

The template is ordinary Markdown holding placeholder lines, `<!-- evlm:header -->`, `<!-- evlm:toc -->`,
`<!-- evlm:papers -->`, `<!-- evlm:footer -->` and `<!-- evlm:chart -->`, each replaced by what the database says
(the chart placeholder by an image link to the chart `evlm build` writes beside the database, see `build`). A
missing, repeated, unknown or misplaced (not alone on its line) placeholder is an error, so a broken template never
silently drops the paper list; one in a fenced code block or a code span is text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from evlm_cli.errors import EvlmError
from evlm_cli.markdown import escape_text, escape_url, headings, join_emoji, unique_anchors
from evlm_cli.model import Paper, Survey, SurveyInfo

PLACEHOLDERS = ("header", "toc", "papers", "footer", "chart")
_PLACEHOLDER = re.compile(r"<!--\s*evlm:(?P<name>[\w-]+)\s*-->")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)")
TEMPLATE_NAME = "README.template.md"
CHART_NAME = "papers-per-year.svg"
"""The chart `<!-- evlm:chart -->` shows (one of `charts.CHARTS`), written beside the database."""
CHART_ALT = "Papers per year, stacked by top-level section"
_CHART_LINE = re.compile(re.escape(f"![{CHART_ALT}](") + r"(?:[^()\s]*/)?" + re.escape(f"{CHART_NAME})"))


def uses_placeholder(template: str, name: str) -> bool:
    """Whether the template holds `<!-- evlm:NAME -->` (so the output it needs, such as the chart, is generated), as
    `render_readme` finds it: on a line of its own, outside code."""
    return any(found == name for _, found in _scan(template)[0])


def _scan(template: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The placeholders of a template as (index in `template.split("\\n")`, name): those alone on their line, and
    those elsewhere on a line (an error for the renderer). Text in a fenced code block or a code span is text: a
    template may show a placeholder, as evlm's own does."""
    placed: list[tuple[int, str]] = []
    misplaced: list[tuple[int, str]] = []
    fence = ""
    for index, line in enumerate(template.split("\n")):
        if fence:
            if re.fullmatch(rf" {{0,3}}{fence}{re.escape(fence[0])}*[ \t\r]*", line):
                fence = ""  # closed by a run of the same character, at least as long, and nothing else
            continue
        opening = _FENCE.fullmatch(line)
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            fence = opening["fence"]
            continue
        alone = _PLACEHOLDER.fullmatch(line.rstrip(" \t\r"))
        if alone:
            placed.append((index, alone["name"]))
        elif stray := _PLACEHOLDER.search(_without_code_spans(line)):
            misplaced.append((index, stray["name"]))
    return placed, misplaced


def _without_code_spans(line: str) -> str:
    """The line with its code spans (`` `text` ``, a run of backticks closed by a run as long) taken out."""
    runs = list(re.finditer(r"`+", line))
    kept, start, index = [], 0, 0
    while index < len(runs):
        opener = runs[index]
        closer = next((n for n in range(index + 1, len(runs)) if len(runs[n][0]) == len(opener[0])), None)
        if closer is None:  # an unmatched run is literal backticks
            index += 1
            continue
        kept.append(line[start : opener.start()])
        start, index = runs[closer].end(), closer + 1
    kept.append(line[start:])
    return "\x00".join(kept)


def chart_line(link: str) -> str:
    """What `<!-- evlm:chart -->` becomes: an image link to the chart, `link` its path relative to the README."""
    return f"![{CHART_ALT}]({escape_url(link)})"


def is_chart_line(line: str) -> bool:
    """Whether a README line is one `chart_line` rendered, wherever the chart was relative to the README (the
    importer turns it back into the placeholder)."""
    return _CHART_LINE.fullmatch(line.rstrip()) is not None


def paper_line(paper: Paper) -> str:
    """One paper in the published format: `- Title, <ins>Venue, Year</ins> [[Paper](url)] [[Code](url)]`.

    User text is escaped (`markdown.escape_text`), so a title can never turn into a link or HTML on GitHub."""
    parts = [f"- {escape_text(paper.title)}"]
    venue_year = ", ".join(part for part in (escape_text(paper.venue), str(paper.year or "")) if part)
    if venue_year:
        parts[0] += f", <ins>{venue_year}</ins>"
    parts.extend(f"[{_link(link.label, link.url)}]" for link in paper.links)
    return " ".join(parts)


def line_renderer(info: SurveyInfo) -> Callable[[Paper, int], str]:
    """How this survey writes a paper at a position (1, 2, ...) in its section: its `paper_line` template
    (`render.paperline`, compiled now, so a broken one is an error even before any paper), else `paper_line`."""
    if not info.paper_line:
        return lambda paper, _position: paper_line(paper)
    from evlm_cli.render.paperline import compile_line

    return compile_line(info.paper_line)


def readme_line(survey: Survey, paper: Paper) -> str:
    """The README line(s) of one paper of the survey, in the survey's style, at its place in its section."""
    listed = survey.listed_in(paper.section)
    position = next((i for i, p in enumerate(listed, start=1) if p.key == paper.key), len(listed) + 1)
    return line_renderer(survey.info)(paper, position)


def _link(label: str, url: str) -> str:
    return f"[{escape_text(label)}]({escape_url(url)})"


def default_template() -> str:
    """The template shipped with evlm, used when the database has no README.template.md beside it."""
    return resources.files("evlm_cli").joinpath("templates", TEMPLATE_NAME).read_text(encoding="utf-8")


def template_for(db_path: Path) -> tuple[str, str]:
    """The template text for a database and where it came from: `README.template.md` beside it, or the default."""
    from evlm_cli.inputfile import IMPORT_LIMIT, read_text

    candidate = db_path.parent / TEMPLATE_NAME
    if not candidate.exists() and not candidate.is_symlink():
        return default_template(), f"evlm's default {TEMPLATE_NAME}"
    try:
        return read_text(candidate, what="README template", limit=IMPORT_LIMIT), str(candidate)
    except EvlmError as error:
        raise EvlmError(
            f"cannot read the README template: {error.message}",
            where=str(candidate),
            hint=f"make it a readable UTF-8 file, or remove it to use evlm's default {TEMPLATE_NAME}",
        ) from None


def render_readme(
    survey: Survey, template: str, *, template_name: str = TEMPLATE_NAME, chart: str = f"data/{CHART_NAME}"
) -> str:
    """The whole README: the template with its placeholders filled, ending in exactly one newline. `chart` is the
    chart's path relative to the README, which the chart placeholder links to."""
    placed, misplaced = _scan(template)
    if misplaced:
        index, name = misplaced[0]
        raise EvlmError(
            f"placeholder <!-- evlm:{name} --> is not on a line of its own",
            where=f"{template_name}:{index + 1}",
            hint="put it alone on a line of its own; to show it as text, put it in `code` or a fenced code block",
        )
    for index, name in placed:
        if name not in PLACEHOLDERS:
            raise EvlmError(
                f"unknown placeholder <!-- evlm:{name} -->", where=f"{template_name}:{index + 1}", hint=_HINT
            )
    for name in PLACEHOLDERS:
        at = [index + 1 for index, found in placed if found == name]
        if len(at) > 1:
            raise EvlmError(
                f"placeholder <!-- evlm:{name} --> appears more than once", where=f"{template_name}:{at[1]}", hint=_HINT
            )
        if name == "papers" and not at:
            raise EvlmError(f"placeholder <!-- evlm:{name} --> is missing", where=template_name, hint=_HINT)
    regions = {
        "header": _header(survey.info),
        # The list is filled in once the headings of the whole document are known.
        "toc": f"## {join_emoji(survey.info.toc_emoji, survey.info.toc_title)}\n\x00toc\x00",
        # The marker tells the table of contents where the sections start (see _toc); it is removed below.
        "papers": _PAPERS_START + _papers(survey),
        "footer": survey.info.footer,
        "chart": chart_line(chart),
    }
    lines = template.split("\n")
    for index, name in placed:
        lines[index] = regions[name]
    text = "\n".join(lines)
    text = text.replace("\x00toc\x00", _toc(survey, text)).replace(_PAPERS_START, "")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


_PAPERS_START = "\x00papers\x00\n"
_HINT = (
    "the template needs <!-- evlm:papers --> once, and may hold each of "
    + ", ".join(f"<!-- evlm:{n} -->" for n in PLACEHOLDERS if n != "papers")
    + " once"
)


def header_text(info: SurveyInfo) -> str:
    """What `<!-- evlm:header -->` becomes for this header (the importer recognises it in a page evlm wrote)."""
    return _header(info)


def _header(info: SurveyInfo) -> str:
    lines = [f"# {escape_text(info.title)}"]
    if info.subtitle or info.year:
        subtitle = escape_text(info.subtitle)
        lines.append(" ".join(part for part in (f"[{info.year}]" if info.year else "", subtitle) if part))
    if info.links:
        first, *others = info.links
        quote = f"> **{_link(first.label, first.url)}**" + "".join(f" [{_link(o.label, o.url)}]" for o in others)
        lines += ["", quote + (f" ({escape_text(info.links_note)})" if info.links_note else "")]
    if info.authors:
        lines += ["", "> " + ", ".join(f"*{escape_text(author)}*" for author in info.authors)]
    if info.affiliation:
        lines += ["", f"> *{escape_text(info.affiliation)}*"]
    if info.intro_title or info.intro:
        lines += ["", join_emoji(info.intro_emoji, info.intro_title), info.intro]
    if info.abstract:
        lines += ["", f"## {join_emoji(info.abstract_emoji, info.abstract_title)}", info.abstract]
    return "\n".join(line for line in lines if line is not None)


def _heading_level(survey: Survey, depth: int) -> int:
    levels = survey.info.heading_levels
    return levels[depth - 1] if depth <= len(levels) else min(6, levels[-1] + depth - len(levels))


def _section_heading(survey: Survey, section_id: str) -> str:
    section = survey.section(section_id)
    level = section.level or _heading_level(survey, survey.depth(section_id))
    return "#" * level + " " + join_emoji(section.emoji, section.title)


def _papers(survey: Survey) -> str:
    line = line_renderer(survey.info)
    blocks = []
    for section in survey.sections:
        lines = [_section_heading(survey, section.id)]
        if section.intro:
            lines += [section.intro, ""]
        lines += [line(paper, position) for position, paper in enumerate(survey.listed_in(section.id), start=1)]
        if section.outro:
            lines += ["", section.outro]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _toc(survey: Survey, document: str) -> str:
    """The table of contents, its links computed from every heading of the document as GitHub does.

    Headings above the paper list (the README's own `Abstract`, say) count for the anchors' `-1` suffixes but are
    never taken for a section of the same title."""
    found = headings(document)
    anchors = unique_anchors([text for _, text in found])
    before_papers = len(headings(document.partition(_PAPERS_START)[0]))
    section_texts = [join_emoji(s.emoji, s.title) for s in survey.sections]
    lines = []
    position = 0
    for (_, text), anchor in list(zip(found, anchors, strict=True))[before_papers:]:
        if position < len(section_texts) and text == section_texts[position]:
            section = survey.sections[position]
            indent = "  " * (survey.depth(section.id) - 1)
            lines.append(f"{indent}- [{text}](#{anchor})")
            position += 1
    return "\n".join(lines)
