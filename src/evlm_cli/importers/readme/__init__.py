"""Import an awesome-list README: the heading tree as taxonomy, each list entry a paper, the rest template text.

Real lists are messy, so the reader is tolerant (see `entry` for the formats and the damage it repairs) and it never
drops a line silently: a list entry that looks like a paper but cannot be read becomes a `Problem`, and every repair
is reported. Everything that is not a paper (the header, news, citation blocks, prose sections, tables that are not
paper lists, HTML) is kept: before the list and after it as the README template's own text, between sections as the
sections' `intro`/`outro`, so that `evlm build` gives the page back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from evlm_cli import ids
from evlm_cli.errors import DatabaseError
from evlm_cli.importers import Problem
from evlm_cli.importers.readme import header
from evlm_cli.importers.readme.entry import BadEntryError, Fields, read_entry
from evlm_cli.importers.readme.scan import Block, full_raw, scan
from evlm_cli.importers.readme.style import EntryLine, Fidelity, detect
from evlm_cli.keys import make_key
from evlm_cli.markdown import LINK, split_emoji, unescape_text, unescape_url
from evlm_cli.model import ONE_LINE_FORBIDDEN, Link, Paper, Section, Survey, check_paper
from evlm_cli.text import normalize_space, normalize_title, repair_mojibake, slugify

_NON_PAPER_HEADING = re.compile(
    r"^(?:codes?|tools?|librar(?:y|ies)|implementations?|talks?|tutorials?|courses?|lectures?|blogs?|videos?|"
    r"datasets?|benchmarks? and datasets|contributing|contributors?|license|citation|acknowledge?ments?|"
    r"star history|contact|news|table of contents?|contents)$",
    re.IGNORECASE,
)


@dataclass
class ReadmeImport:
    """What an import produced: the survey, its README template, and what it could not read or had to repair."""

    survey: Survey
    problems: list[Problem] = field(default_factory=list)
    template: str = "<!-- evlm:header -->\n\n<!-- evlm:toc -->\n\n<!-- evlm:papers -->\n\n<!-- evlm:footer -->\n"
    """The README template that gives the imported page back: its own text with the generated parts as placeholders."""
    repairs: list[Problem] = field(default_factory=list)
    candidates: int = 0
    """List entries and table rows that looked like papers (had a link or a venue tag)."""
    entries: list[EntryLine] = field(default_factory=list)
    """The entries and rows that became papers, as written, so the list's own paper line can be found and checked."""
    fidelity: Fidelity = field(default_factory=Fidelity)
    """How many entries the survey's paper line (`[survey] paper_line`, the list's own style) gives back as written."""


@dataclass
class _Entry:
    block: Block
    fields: Fields | None = None
    problem: str | None = None
    children: list[_Entry] = field(default_factory=list)


def parse_readme(text: str, *, today: dt.date | None = None) -> ReadmeImport:
    """Parse README text into a survey and its template; never raises on any input."""
    added = today or dt.date.today()
    text = text.removeprefix("\ufeff")  # a byte order mark is not part of the first heading
    lines = repair_mojibake(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    result = ReadmeImport(Survey(info=header.parse([])))
    for number, line in enumerate(lines, start=1):
        control = ONE_LINE_FORBIDDEN.search(line)
        if control:  # never into the database, where it could end a README line early or put a NUL in an export
            lines[number - 1] = ONE_LINE_FORBIDDEN.sub(" ", line)
            reason = f"control character U+{ord(control.group()):04X} replaced by a space"
            result.problems.append(Problem(number, lines[number - 1], reason))
    blocks = scan(lines)
    papers_at: dict[int, list[tuple[Fields, Block]]] = {}
    skipped = _non_paper_regions(blocks)
    for index, block in enumerate(blocks):
        if block.kind in ("entry", "row") and index not in skipped:
            papers_at[index] = _papers_of(block, result)
    sections = _section_headings(blocks, papers_at)
    _build(lines, blocks, papers_at, sections, added, result)
    return result


# -- reading entries ---------------------------------------------------------------------------------------------


def _papers_of(block: Block, result: ReadmeImport) -> list[tuple[Fields, Block]]:
    """The papers one top-level entry (with its nested entries) or table row holds; problems and repairs recorded."""
    if block.kind == "row":
        return _row_paper(block, result)
    entry = _read(block)
    if entry.fields is None and not entry.children:
        if entry.problem or _is_candidate(block.text):
            result.candidates += 1
            result.problems.append(Problem(block.line, block.raw, entry.problem or _NOT_UNDERSTOOD))
        return []
    children = [c for c in _flatten(entry.children) if c.fields is not None]
    cited = [c for c in children if c.fields is not None and c.fields.authors]
    found: list[tuple[Fields, Block]] = []
    if cited and (entry.fields is None or not entry.fields.authors):
        group_links = _group_links(block.text)
        group_names, group_year = _group_person(block.text)
        for child in cited:
            assert child.fields is not None
            fields = child.fields
            links = fields.links + tuple(link for link in group_links if link not in fields.links)
            fields = replace(fields, links=links, year=fields.year or group_year)
            found.append((fields, child.block))
    elif entry.fields is not None:
        fields = entry.fields
        names = [c for c in entry.children if c.fields is None and header.names_line(c.block.text)]
        if names and not fields.authors:
            fields = replace(fields, authors=header.names_line(names[0].block.text) or ())
        found.append((fields, block))
    else:
        group_names, group_year = _group_person(block.text)
        for child in children:
            assert child.fields is not None
            fields = child.fields
            if group_names and not fields.authors:
                fields = replace(fields, authors=group_names, year=fields.year or group_year)
            found.append((fields, child.block))
    result.candidates += len(found)
    for fields, where in found:
        for repair in fields.repairs:
            result.repairs.append(Problem(where.line, where.raw, repair))
    return found


_NOT_UNDERSTOOD = (
    "not a paper entry (expected a title with its links, e.g. `- Title, <ins>Venue, Year</ins> [[Paper](url)]`)"
)


def _read(block: Block) -> _Entry:
    entry = _Entry(block)
    try:
        entry.fields = read_entry(block.text)
    except BadEntryError as bad:
        entry.problem = str(bad)
    entry.children = [_read(child) for child in block.children]
    return entry


def _flatten(entries: list[_Entry]) -> list[_Entry]:
    out: list[_Entry] = []
    for entry in entries:
        out.append(entry)
        out += _flatten(entry.children)
    return out


def _is_candidate(text: str) -> bool:
    """Whether an entry looks like it means a paper: a venue tag, or a link that is not a page anchor."""
    if re.search(r"<ins>|</ins>|/ins>", text, re.IGNORECASE):
        return True
    if any(not m.group("url").startswith("#") for m in LINK.finditer(text)):
        return True
    return bool(re.search(r"(?<!\\)\[[^\[\]]*\]\(\s*(?!#)\S", text)) and not LINK.search(text)


def _group_links(text: str) -> tuple[Link, ...]:
    return tuple(
        Link(normalize_space(m.group("label")).strip("[] "), unescape_url(m.group("url")))
        for m in LINK.finditer(text)
        if m.group("label").startswith("[") or text.find(m.group(0)) > 0
    )


def _group_person(text: str) -> tuple[tuple[str, ...], int | None]:
    """`Alex Graves (2008)` -> ((Alex Graves,), 2008): a group line naming the author of the entries below it."""
    match = re.match(r"^(?P<name>[^()\[\]]+?)\s*\((?P<year>(?:19|20)\d{2})\)$", text.strip())
    if match:
        return (normalize_space(match.group("name")),), int(match.group("year"))
    return (), None


def _row_paper(block: Block, result: ReadmeImport) -> list[tuple[Fields, Block]]:
    """A table row whose first cell holds `[Title](url) <br> Authors` (after any badges) and the rest its links."""
    cells = [c.strip() for c in block.text.strip().strip("|").split("|")]
    if not cells:
        return []
    first = re.sub(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)", "", cells[0])
    parts = [p.strip() for p in re.split(r"<br\s*/?>", first, flags=re.IGNORECASE) if p.strip()]
    title_part = next((p for p in parts if LINK.match(p)), None)
    if title_part is None:
        if _is_candidate(block.text):
            result.candidates += 1
            result.problems.append(Problem(block.line, block.raw, "table row without a `[Title](url)` cell"))
        return []
    result.candidates += 1
    match = LINK.match(title_part)
    assert match is not None
    title = unescape_text(normalize_space(match.group("label")))
    links = [Link("Paper", unescape_url(match.group("url")))]
    after = parts[parts.index(title_part) + 1 :]
    authors: tuple[str, ...] = ()
    if after:
        authors = tuple(normalize_space(a) for a in after[0].split(",") if a.strip())
    for cell in cells[1:]:
        for m in LINK.finditer(cell):
            if m.group("label").startswith("!"):
                continue
            link = Link(normalize_space(m.group("label")), unescape_url(m.group("url")))
            if link.url == links[0].url and link.label.lower() == "paper":
                continue
            links.append(link)
    return [(Fields(title, authors=authors, links=tuple(links)), block)]


# -- sections ----------------------------------------------------------------------------------------------------


def _section_headings(blocks: list[Block], papers_at: dict[int, list[tuple[Fields, Block]]]) -> set[int]:
    """The indexes of the headings that are sections: those with papers below them, and empty ones among them."""
    headings = [i for i, b in enumerate(blocks) if b.kind == "heading"]
    title_index = next((i for i in headings if blocks[i].level == 1), None)
    found: set[int] = set()
    for position, index in enumerate(headings):
        if index == title_index and not any(papers_at.get(j) for j in range(index + 1, _next_heading(blocks, index))):
            continue
        level = blocks[index].level
        end = next((j for j in headings[position + 1 :] if blocks[j].level <= level), len(blocks))
        if any(papers_at.get(j) for j in range(index + 1, end)):
            found.add(index)
    if not found:
        return found
    first = min(found)
    for position, index in enumerate(headings):
        if index > first and index not in found and _empty_body(blocks, index):
            level = blocks[index].level
            end = next((j for j in headings[position + 1 :] if blocks[j].level <= level), len(blocks))
            nested = [j for j in headings[position + 1 :] if j < end]
            if all(_empty_body(blocks, j) for j in nested):
                found.add(index)
    return found


def _non_paper_regions(blocks: list[Block]) -> set[int]:
    """The blocks under headings that name no paper list (`Codes`, `Datasets`, `Contributing`, ...)."""
    skipped: set[int] = set()
    for index, block in enumerate(blocks):
        if block.kind == "heading" and _NON_PAPER_HEADING.match(split_emoji(normalize_space(block.text))[1]):
            end = next(
                (
                    j
                    for j in range(index + 1, len(blocks))
                    if blocks[j].kind == "heading" and blocks[j].level <= block.level
                ),
                len(blocks),
            )
            skipped.update(range(index + 1, end))
    return skipped


def _next_heading(blocks: list[Block], index: int) -> int:
    return next((j for j in range(index + 1, len(blocks)) if blocks[j].kind == "heading"), len(blocks))


def _empty_body(blocks: list[Block], index: int) -> bool:
    """A heading followed by nothing but blank lines and HTML comments before the next heading."""
    for block in blocks[index + 1 : _next_heading(blocks, index)]:
        if block.kind not in ("other",) or (block.raw.strip() and not block.raw.strip().startswith("<!--")):
            return False
    return True


# -- the survey and its template ---------------------------------------------------------------------------------


def _build(
    lines: list[str],
    blocks: list[Block],
    papers_at: dict[int, list[tuple[Fields, Block]]],
    section_indexes: set[int],
    added: dt.date,
    result: ReadmeImport,
) -> None:
    if not section_indexes:
        result.survey = Survey(info=header.parse(lines, result.problems))
        return
    first = min(section_indexes)
    last_section = max(section_indexes)
    top_level = min(blocks[i].level for i in section_indexes)
    post = next(
        (
            i
            for i in range(last_section + 1, len(blocks))
            if blocks[i].kind == "heading" and i not in section_indexes and blocks[i].level <= top_level
        ),
        len(blocks),
    )
    pre_lines = lines[: blocks[first].line - 1]
    post_lines = lines[blocks[post].line - 1 :] if post < len(blocks) else []
    info = header.parse(pre_lines, result.problems)
    sections: list[Section] = []
    papers: list[Paper] = []
    stack: list[tuple[int, str]] = []
    levels: dict[int, int] = {}
    own_levels: dict[str, int] = {}
    intro: dict[str, list[str]] = {}
    outro: dict[str, list[str]] = {}
    current: str | None = None
    footer: list[str] = []
    heads: list[str] = []
    for index in range(first, post):
        block = blocks[index]
        if index in section_indexes:
            emoji, title = split_emoji(normalize_space(block.text))
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            parent = stack[-1][1] if stack else None
            shown = unescape_text(title) or f"Section {len(sections) + 1}"  # an empty heading still names a section
            section = Section(id=_section_id(sections, shown, parent), title=shown, emoji=emoji, parent=parent)
            sections.append(section)
            stack.append((block.level, section.id))
            levels.setdefault(len(stack), block.level)
            own_levels[section.id] = block.level
            current = section.id
            intro[current], outro[current] = [], []
            continue
        assert current is not None
        found = papers_at.get(index, [])
        for fields, where in found:
            kept = tuple(link for link in fields.links if ids.is_valid_url(link.url))
            for link in fields.links:
                if link not in kept:
                    why = f"link {link.label!r} to {link.url!r} left out: evlm keeps absolute http(s) URLs only"
                    result.repairs.append(Problem(where.line, where.raw, why))
            repaired = bool(fields.repairs) or kept != fields.links
            fields = replace(fields, links=kept)
            same = _cross_listed(papers, fields, current)
            if same is not None:
                papers[same] = replace(papers[same], also_in=(*papers[same].also_in, current))
                written = EntryLine(where.line, where.raw, papers[same].key, current, repaired, where.kind == "row")
                result.entries.append(written)
                continue
            paper = _paper(fields, current, papers, added)
            problem = _invalid(paper, sections, papers)
            if problem is None:
                papers.append(paper)
                written = EntryLine(where.line, where.raw, paper.key, current, repaired, where.kind == "row")
                result.entries.append(written)
            else:
                result.problems.append(Problem(where.line, where.raw, problem))
        if found:
            continue
        if block.kind == "table-head" and papers_at.get(index + 1):
            heads.append(block.raw)
            continue  # the paper table's head: its rows are papers now, and `paper_line` writes the head again
        target = outro[current] if any(p.section == current for p in papers) or outro[current] else intro[current]
        target.append(full_raw(block))
    # HTML comments at the very end of the page are the survey's footer (evlm renders them last).
    while post_lines and (not post_lines[-1].strip() or post_lines[-1].strip().startswith("<!--")):
        line = post_lines.pop()
        if line.strip():
            footer.insert(0, line.strip())
    if current is not None and not post_lines:
        tail = outro[current] if outro[current] else intro[current]
        while tail and (not tail[-1].strip() or tail[-1].strip().startswith("<!--")):
            raw = tail.pop()
            if raw.strip():
                footer.insert(0, "\n".join(line.strip() for line in raw.split("\n")))
    levels_tuple = tuple(levels[d] for d in sorted(levels))
    final_sections = []
    depth_of: dict[str, int] = {}
    for section in sections:
        depth = 1 if section.parent is None else depth_of[section.parent] + 1
        depth_of[section.id] = depth
        level = own_levels[section.id]
        expected = levels_tuple[depth - 1] if depth <= len(levels_tuple) else min(6, levels_tuple[-1] + 1)
        final_sections.append(
            replace(
                section,
                intro=_block_text(intro[section.id]),
                outro=_block_text(outro[section.id]),
                level=None if level == expected else level,
            )
        )
    info = replace(info, heading_levels=levels_tuple or (2, 3, 4), footer="\n".join(footer))
    survey = Survey(info=info, sections=tuple(final_sections), papers=tuple(papers))
    style = detect(survey, result.entries, heads)
    survey = Survey(info=replace(info, paper_line=style.template), sections=survey.sections, papers=survey.papers)
    result.survey, result.fidelity = survey, style.fidelity
    result.template = header.template(survey, pre_lines, post_lines)


def _cross_listed(papers: list[Paper], fields: Fields, section: str) -> int | None:
    """The index of the paper this entry lists again in another section (same title and links), if any."""
    wanted = normalize_title(fields.title)
    for index, paper in enumerate(papers):
        if (
            paper.section != section
            and section not in paper.also_in
            and normalize_title(paper.title) == wanted
            and paper.links == fields.links
        ):
            return index
    return None


def _block_text(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines)


def _paper(fields: Fields, section: str, papers: list[Paper], added: dt.date) -> Paper:
    derived = ids.ids_from_links(link.url for link in fields.links if ids.is_valid_url(link.url))
    arxiv = derived.arxiv
    taken = {p.key for p in papers}
    return Paper(
        key=make_key(fields.title, fields.authors, fields.year, taken),
        title=fields.title,
        section=section,
        authors=fields.authors,
        year=fields.year,
        venue=fields.venue,
        links=fields.links,
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        doi=derived.doi,
        note=fields.note,
        added=added,
    )


def _invalid(paper: Paper, sections: list[Section], papers: list[Paper]) -> str | None:
    """Why a parsed paper cannot go into the database (a malformed URL, say), or None."""
    try:
        check_paper(paper, {s.id for s in sections}, {p.key.casefold() for p in papers})
    except DatabaseError as error:
        return error.message
    return None


def _section_id(sections: list[Section], title: str, parent: str | None) -> str:
    taken = {s.id for s in sections}
    base = slugify(title) or "section"
    candidate = base if base not in taken or parent is None else f"{parent}-{base}"
    suffix = 2
    unique = candidate
    while unique in taken:
        unique, suffix = f"{candidate}-{suffix}", suffix + 1
    return unique
