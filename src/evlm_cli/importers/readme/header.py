"""The page above the paper list: the survey's header fields read from it, and the README template that keeps it.

The header fields (title, `[year] subtitle`, the quoted links, authors and affiliation, the intro and the abstract)
are read as evlm writes them. The text itself is kept verbatim in the template; where it is exactly what evlm would
render from the fields (a README evlm generated), it becomes the `<!-- evlm:header -->` placeholder again, a
table of contents made of page anchors becomes `<!-- evlm:toc -->`, so that it follows the taxonomy, and the chart's
image line that evlm renders becomes `<!-- evlm:chart -->`, so that the chart is drawn again rather than hard-coded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from evlm_cli import ids
from evlm_cli.importers import Problem
from evlm_cli.markdown import HEADING, LINK, split_emoji, unescape_text, unescape_url
from evlm_cli.model import Link, Survey, SurveyInfo
from evlm_cli.render.readme import is_chart_line, uses_placeholder
from evlm_cli.text import normalize_space

_HEADER_YEAR = re.compile(r"^\[(?P<year>(?:19|20)\d{2})\]\s*(?P<rest>.*)$")
_ABSTRACT = re.compile(r"^abstract$", re.IGNORECASE)
_TOC = re.compile(r"^(?:table of contents?|contents|toc)$", re.IGNORECASE)
_ANCHOR_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+\[[^\]]*\]\(#[^)]*\)\s*$")


@dataclass
class _State:
    info: dict[str, Any] = field(default_factory=dict)
    mode: str = "header"
    prose: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse(lines: list[str], problems: list[Problem] | None = None) -> SurveyInfo:
    """The survey's header fields from the lines above the first section (the file's first lines); what had to be
    left out (a malformed link) goes to `problems`."""
    state = _State(problems=problems if problems is not None else [])
    fence = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or stripped.startswith("<!--") or is_chart_line(stripped):  # the chart is no header field
            continue
        heading = HEADING.match(line)
        if heading:
            _flush(state)
            _heading(state, len(heading.group("hashes")), heading.group("text"))
            continue
        if not stripped or state.mode in ("toc", "other"):
            continue
        if state.mode == "header":
            _header_line(state, number, stripped)
        else:
            state.prose.append(stripped)
    _flush(state)
    info = state.info
    return SurveyInfo(
        title=str(info.get("title") or "Survey"),
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
    )


def _heading(state: _State, level: int, raw_text: str) -> None:
    emoji, title = split_emoji(normalize_space(raw_text))
    if level == 1 and not state.info.get("title"):
        state.info["title"] = unescape_text(_strip_markup(title))
        return
    if _ABSTRACT.match(title):
        state.info.update(abstract_title=title, abstract_emoji=emoji)
        state.mode = "abstract"
    elif _TOC.match(title):
        state.info.update(toc_title=title, toc_emoji=emoji)
        state.mode = "toc"
    else:
        state.mode = "other"


def _strip_markup(title: str) -> str:
    """A `#` heading without badges and images: `Awesome NeRF [![Awesome](badge.svg)](url)` -> `Awesome NeRF`."""
    title = re.sub(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)", "", title)
    return normalize_space(re.sub(r"<[^>]+>", "", title)) or title


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


def _label(raw: str) -> str:
    label = normalize_space(raw).lstrip("[ ")
    while label.endswith("]") and not label.endswith("\\]"):
        label = label[:-1].rstrip()
    return unescape_text(label)


def _flush(state: _State) -> None:
    if not state.prose:
        return
    target = "abstract" if state.mode == "abstract" else "intro"
    state.info[target] = "\n".join(state.prose)
    state.prose = []


def names_line(text: str) -> tuple[str, ...] | None:
    """`Jane Doe, Li Wei` (an authors line under a title) as names; None when it is not a list of names."""
    from evlm_cli.importers.readme.entry import _author_list

    found = _author_list(re.sub(r"[*_]", "", text).strip())
    return tuple(found) if found else None


def template(survey: Survey, pre_lines: list[str], post_lines: list[str]) -> str:
    """The README template that gives this page back: the text above and below the list, the list a placeholder."""
    from evlm_cli.render.readme import header_text

    pre_lines, post_lines = _chart_placeholder(pre_lines, post_lines)
    pre = "\n".join(_toc_placeholder(pre_lines)).strip("\n")
    rendered = header_text(survey.info)
    if rendered and rendered in pre:
        pre = pre.replace(rendered, "<!-- evlm:header -->", 1)
    parts = [pre, "<!-- evlm:papers -->", "\n".join(post_lines).strip("\n")]
    if survey.info.footer:
        parts.append("<!-- evlm:footer -->")
    return "\n\n".join(part for part in parts if part) + "\n"


def _chart_placeholder(pre_lines: list[str], post_lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines with the first chart line evlm rendered as `<!-- evlm:chart -->` (once: a template holds the
    placeholder at most once, so a page that has it already keeps its chart lines as they are)."""
    done = uses_placeholder("\n".join(pre_lines + post_lines), "chart")
    parts: list[list[str]] = []
    for lines in (pre_lines, post_lines):
        part = []
        for line in lines:
            if not done and is_chart_line(line):
                part.append("<!-- evlm:chart -->")
                done = True
            else:
                part.append(line)
        parts.append(part)
    return parts[0], parts[1]


def _toc_placeholder(lines: list[str]) -> list[str]:
    """The lines with a table of contents (a contents heading and its list of page anchors) as `<!-- evlm:toc -->`."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        heading = HEADING.match(lines[index])
        if heading and _TOC.match(split_emoji(normalize_space(heading.group("text")))[1]):
            end = index + 1
            while end < len(lines) and (not lines[end].strip() or _ANCHOR_ITEM.match(lines[end])):
                end += 1
            if any(_ANCHOR_ITEM.match(line) for line in lines[index + 1 : end]):
                out += ["<!-- evlm:toc -->", ""]
                index = end
                continue
        out.append(lines[index])
        index += 1
    return out
