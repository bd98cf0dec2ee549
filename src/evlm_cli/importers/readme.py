"""Import an awesome-list survey README: header, heading tree as taxonomy, one paper per bullet.

Real lists are messy, so the parser is tolerant (missing venue or year, stray commas and spaces, any link label,
mis-decoded UTF-8), and it never drops a line silently: each line it cannot understand becomes a `Problem`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from evlm_cli import ids
from evlm_cli.errors import DatabaseError
from evlm_cli.importers import Problem
from evlm_cli.keys import make_key
from evlm_cli.markdown import HEADING, LINK, split_emoji, unescape_text, unescape_url
from evlm_cli.model import ONE_LINE_FORBIDDEN, Link, Paper, Section, Survey, SurveyInfo, check_paper
from evlm_cli.text import normalize_space, repair_mojibake, slugify

_BULLET = re.compile(r"^\s*[-*+]\s+(?P<body>.*\S)\s*$")
_INS = re.compile(r"<ins>(?P<inner>.*?)</ins>", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_HEADER_YEAR = re.compile(r"^\[(?P<year>(?:19|20)\d{2})\]\s*(?P<rest>.*)$")
# A link written as `[[Label](url)]` or `[Label](url)`.
_PAPER_LINK = re.compile(r"\[?\s*" + LINK.pattern + r"\s*\]?")
# What is left of a link GitHub would show (`[Paper](url x)`, a space in the URL) that LINK could not read.
_LINK_LIKE = re.compile(r"(?<!\\)\[[^\[\]]*\]\s*\(")
_ABSTRACT = re.compile(r"^abstract$", re.IGNORECASE)
_TOC = re.compile(r"^(?:table of contents?|contents|toc)$", re.IGNORECASE)


@dataclass
class ReadmeImport:
    """What an import produced: the survey and the lines it could not understand."""

    survey: Survey
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _State:
    info: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    papers: list[Paper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stack: list[tuple[int, str]] = field(default_factory=list)
    levels: dict[int, int] = field(default_factory=dict)
    mode: str = "header"
    prose: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    in_comment: bool = False


def parse_readme(text: str, *, today: dt.date | None = None) -> ReadmeImport:
    """Parse README text into a survey; never raises on any input."""
    state = _State()
    added = today or dt.date.today()
    text = text.removeprefix("\ufeff")  # a byte order mark is not part of the first heading
    lines = repair_mojibake(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    for number, line in enumerate(lines, start=1):
        control = ONE_LINE_FORBIDDEN.search(line)
        if control:  # never into the database, where it could end a README line early or put a NUL in an export
            line = ONE_LINE_FORBIDDEN.sub(" ", line)
            reason = f"control character U+{ord(control.group()):04X} replaced by a space"
            state.problems.append(Problem(number, line, reason))
        _feed(state, number, line, added)
    _flush_prose(state)
    return ReadmeImport(_finish(state), state.problems)


def _feed(state: _State, number: int, line: str, added: dt.date) -> None:
    stripped = line.strip()
    if state.in_comment or (stripped.startswith("<!--") and state.mode == "sections"):
        state.footer.append(line.strip())
        state.in_comment = "-->" not in stripped
        return
    heading = HEADING.match(line)
    if heading:
        _flush_prose(state)
        _heading(state, len(heading.group("hashes")), heading.group("text"), number, line)
        return
    if state.mode == "toc" or not stripped:
        return
    if state.mode == "header":
        _header_line(state, number, stripped)
    elif state.mode in ("abstract", "intro"):
        state.prose.append(stripped)
    elif state.mode == "sections":
        bullet = _BULLET.match(line)
        try:
            paper = _paper(state, bullet.group("body"), added) if bullet else None
        except _BadLineError as bad:
            state.problems.append(Problem(number, line, str(bad)))
            return
        problem = _invalid(state, paper) if paper is not None else None
        if paper is not None and problem is None:
            state.papers.append(paper)
        elif problem is not None:
            state.problems.append(Problem(number, line, problem))
        else:
            reason = "not a paper line (expected `- Title, <ins>Venue, Year</ins> [[Paper](url)]`)"
            state.problems.append(Problem(number, line, reason))


def _heading(state: _State, level: int, raw_text: str, number: int, line: str) -> None:
    emoji, title = split_emoji(normalize_space(raw_text))
    if level == 1 and not state.info.get("title"):
        state.info["title"] = unescape_text(title)
        return
    if _ABSTRACT.match(title) and state.mode != "sections":
        state.info.update(abstract_title=title, abstract_emoji=emoji)
        state.mode = "abstract"
        return
    if _TOC.match(title) and state.mode != "sections":
        state.info.update(toc_title=title, toc_emoji=emoji)
        state.mode = "toc"
        return
    if not title:
        state.problems.append(Problem(number, line, "heading without a title"))
        return
    state.mode = "sections"
    while state.stack and state.stack[-1][0] >= level:
        state.stack.pop()
    parent = state.stack[-1][1] if state.stack else None
    section = Section(id=_section_id(state, title, parent), title=title, emoji=emoji, parent=parent)
    state.sections.append(section)
    state.stack.append((level, section.id))
    state.levels.setdefault(len(state.stack), level)


def _invalid(state: _State, paper: Paper) -> str | None:
    """Why a parsed paper cannot go into the database (a malformed URL, say), or None."""
    try:
        check_paper(paper, {s.id for s in state.sections}, {p.key.casefold() for p in state.papers})
    except DatabaseError as error:
        return error.message
    return None


def _section_id(state: _State, title: str, parent: str | None) -> str:
    taken = {s.id for s in state.sections}
    base = slugify(title) or "section"
    candidate = base if base not in taken or parent is None else f"{parent}-{base}"
    suffix = 2
    unique = candidate
    while unique in taken:
        unique, suffix = f"{candidate}-{suffix}", suffix + 1
    return unique


def _header_line(state: _State, number: int, stripped: str) -> None:
    info = state.info
    year_line = _HEADER_YEAR.match(stripped)
    if year_line and "subtitle" not in info:
        info.update(year=int(year_line.group("year")), subtitle=unescape_text(normalize_space(year_line.group("rest"))))
        return
    if stripped.startswith(">"):
        quote = stripped.lstrip("> ").strip()
        links = [(m.group("label"), m.group("url")) for m in LINK.finditer(quote)]
        if links and "links" not in info:
            found = [Link(_label(label.strip("*")), unescape_url(url)) for label, url in links]
            for link in found:
                if not ids.is_valid_url(link.url) or not link.label.strip():
                    state.problems.append(Problem(number, stripped, f"link {link.url!r} is malformed; left out"))
            info["links"] = tuple(link for link in found if ids.is_valid_url(link.url) and link.label.strip())
            rest = LINK.sub("", quote).replace("*", "").replace("[", "").replace("]", "")
            info["links_note"] = unescape_text(normalize_space(rest).strip("() "))
            return
        names = [unescape_text(normalize_space(part.strip(" *_"))) for part in quote.split(",")]
        if len(names) >= 2 and "authors" not in info and all(names):
            info["authors"] = tuple(names)
            return
        if "affiliation" not in info:
            info["affiliation"] = unescape_text(normalize_space(quote.strip("*_ ")))
            return
    if "subtitle" not in info and not state.prose and not info.get("intro_title"):
        info["subtitle"] = normalize_space(stripped)
        return
    if not info.get("intro_title") and not state.prose and len(stripped) <= 80 and not stripped.endswith("."):
        emoji, title = split_emoji(stripped)
        info.update(intro_title=title, intro_emoji=emoji)
        state.mode = "intro"
        return
    state.prose.append(stripped)
    state.mode = "intro"


def _flush_prose(state: _State) -> None:
    if not state.prose:
        return
    target = "abstract" if state.mode == "abstract" else "intro"
    state.info[target] = "\n".join(state.prose)
    state.prose = []


def _paper(state: _State, body: str, added: dt.date) -> Paper | None:
    """Parse one bullet; None when it is not a paper line."""
    first_link = _PAPER_LINK.search(body)
    head = body[: first_link.start()] if first_link else body
    tail = body[first_link.start() :] if first_link else ""
    links = tuple(Link(_label(m.group("label")), unescape_url(m.group("url"))) for m in LINK.finditer(tail))
    note = normalize_space(_PAPER_LINK.sub(" ", tail))
    venue, year = "", None
    ins = _INS.search(head)
    if ins:
        venue, year = _venue_year(ins.group("inner"))
        venue = unescape_text(venue)
        head = head[: ins.start()] + head[ins.end() :]
    elif links:
        head, year = _trailing_year(head)
    elif not ins:
        return None
    title = normalize_space(head).strip(" ,;-").strip()
    if not title or not state.sections:
        return None
    if _LINK_LIKE.search(title):
        raise _BadLineError("a link is left in the title: write links as ` [[Label](url)]` after the title and venue")
    title = unescape_text(title)
    derived = ids.ids_from_links(link.url for link in links)
    arxiv = derived.arxiv
    taken = {p.key for p in state.papers}
    return Paper(
        key=make_key(title, (), year, taken),
        title=title,
        section=state.sections[-1].id,
        year=year,
        venue=venue,
        links=links,
        arxiv=arxiv.id if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        doi=derived.doi,
        note=note,
        added=added,
    )


def _label(raw: str) -> str:
    """A link label without the brackets and spaces around it (`[Paper]` -> `Paper`), escapes undone."""
    label = normalize_space(raw).lstrip("[ ")
    while label.endswith("]") and not label.endswith("\\]"):
        label = label[:-1].rstrip()
    return unescape_text(label)


class _BadLineError(Exception):
    """A bullet that looks like a paper but cannot be read safely; its message says why."""


def _venue_year(inner: str) -> tuple[str, int | None]:
    parts = [normalize_space(p) for p in inner.split(",")]
    years = [p for p in parts if _YEAR.match(p)]
    year = int(years[-1]) if years else None
    venue = ", ".join(p for p in parts if p and p not in years[-1:])
    return venue, year


def _trailing_year(head: str) -> tuple[str, int | None]:
    """`Title, 2024` -> (`Title`, 2024); a title without a trailing year is returned as it is."""
    body, _, last = head.strip().rstrip(",").rpartition(",")
    if body and _YEAR.match(last.strip()):
        return body, int(last.strip())
    return head, None


def _finish(state: _State) -> Survey:
    info = state.info
    levels = tuple(state.levels[d] for d in sorted(state.levels))
    header = SurveyInfo(
        title=str(info.get("title") or (state.sections[0].title if state.sections else "Survey")),
        subtitle=str(info.get("subtitle", "")),
        year=info.get("year"),
        authors=info.get("authors", ()),
        affiliation=str(info.get("affiliation", "")),
        links=info.get("links", ()),
        links_note=str(info.get("links_note", "")),
        intro_title=str(info.get("intro_title", "")),
        intro_emoji=str(info.get("intro_emoji", "")),
        intro=str(info.get("intro", "")),
        abstract_title=str(info.get("abstract_title", "Abstract")),
        abstract_emoji=str(info.get("abstract_emoji", "")),
        abstract=str(info.get("abstract", "")),
        toc_title=str(info.get("toc_title", "Table of Contents")),
        toc_emoji=str(info.get("toc_emoji", "")),
        heading_levels=levels or (2, 3, 4),
        footer="\n".join(state.footer),
    )
    return Survey(info=header, sections=tuple(state.sections), papers=tuple(state.papers))
