"""One list entry (a bullet with its wrapped lines, or a table row) read into a paper's fields.

Each format of the common awesome lists has its reader; `read_entry` tries them in turn:
- `- Title, <ins>Venue, Year</ins> [[Paper](url)]`, with the damage real lists have (`read_ins`);
- `- [2024] Title, Venue [[Paper](url)]` and `- Title, 2024 [Paper](url)` (`read_title_first`);
- `- [Title](url) - description` and `- [Title](url), Authors et al., Venue 2021 | [code](url)` (`read_link_first`);
- `- A. Author, B. Author, [Title](url), arXiv:1503.04069` and `Authors, *Title*, Venue 2015` (`read_citation`).
A reader returns None when the entry is not in its format. Repairs (a broken tag, two URLs run together) are
recorded on the result, so that the import can say what it changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evlm_cli.markdown import LINK, unescape_text, unescape_url
from evlm_cli.model import Link
from evlm_cli.text import normalize_space


@dataclass
class Fields:
    """What an entry says about a paper."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    links: tuple[Link, ...] = ()
    note: str = ""
    repairs: list[str] = field(default_factory=list)


class BadEntryError(Exception):
    """An entry that looks like a paper but cannot be read safely; its message says why."""


_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_YEAR_ANYWHERE = re.compile(r"(?<![\d.:/])((?:19|20)\d{2})(?![\d.])")
# `<ins>...</ins>`, tolerating the real lists' damage: `2024/ins>` and a missing opening tag.
_INS = re.compile(r"<ins>(?P<inner>.*?)(?:</ins>|(?<![<;])/ins>)", re.IGNORECASE)
_CLOSE_ONLY = re.compile(r",\s*(?P<inner>[^,<>]*?)</ins>", re.IGNORECASE)
_BROKEN_CLOSE = re.compile(r"(?<![<;])/ins>", re.IGNORECASE)
_PAPER_LINK = re.compile(r"\[?\s*" + LINK.pattern + r"\s*\]?")
# `[[Paper]](url)`: the label's brackets closed before the URL.
_DOUBLE_BRACKET = re.compile(r"(?<!\\)\[\[(?P<label>[^\[\]\\]+)\]\]\((?P<url>[^()\s]+)\)")
_LINK_LIKE = re.compile(r"(?<!\\)\[[^\[\]]*\]\s*\(")
_YEAR_PREFIX = re.compile(r"^\[(?P<year>(?:19|20)\d{2})\]\s*(?P<rest>.*)$")
_ITALIC_TITLE = re.compile(r"(?<![\w*\\])\*(?P<title>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])")
_URL_RUN = re.compile(r"(?<=\S)(?=https?://)")
_ET_AL = re.compile(r"\s+et\s+al\.?$", re.IGNORECASE)
_NAME_WORD = re.compile(
    r"^(?:[A-Z][\w'’\-]*\.?|[A-Z]\.(?:[A-Z]\.)*[\w\-]*|(?:van|von|der|de|di|da|le|la|du)|\"[^\"]+\")$"
)
_VENUE_HINT = re.compile(r"\d|arxiv|preprint|proceedings|conference|journal|workshop|trans\.|press", re.IGNORECASE)


def read_entry(text: str) -> Fields | None:
    """The fields of one entry's text (bullet marker removed, wrapped lines joined), or None if it is no paper."""
    repairs: list[str] = []
    text = _repair_links(re.sub(r"<!--.*?-->", " ", text).strip(), repairs)
    for reader in (read_ins, read_link_first, read_citation, read_title_first):
        fields = reader(text)
        if fields is not None:
            fields.repairs[:0] = repairs
            return fields
    return None


def _repair_links(text: str, repairs: list[str]) -> str:
    """Undo link damage GitHub shows through: `[[Paper]](url)` and two URLs run together in one link."""
    if _DOUBLE_BRACKET.search(text):
        text = _DOUBLE_BRACKET.sub(lambda m: f"[[{m.group('label')}]({m.group('url')})]", text)
        repairs.append("`[[Label]](url)` read as `[[Label](url)]`")

    def split_run(match: re.Match[str]) -> str:
        url = match.group("url")
        parts = _URL_RUN.split(url)
        if len(parts) > 1 and all(p.startswith(("http://", "https://")) for p in parts):
            repairs.append(f"two URLs run together in one link; kept the first: {parts[0]}")
            return match.group(0).replace(url, parts[0])
        return match.group(0)

    return LINK.sub(split_run, text)


def _links(text: str) -> tuple[Link, ...]:
    return tuple(
        Link(_label(m.group("label")), unescape_url(m.group("url")))
        for m in LINK.finditer(text)
        if m.group("url") and not m.group("url").startswith("#")
    )


def _label(raw: str) -> str:
    """A link label without the brackets and spaces around it (`[Paper]` -> `Paper`), escapes undone."""
    label = normalize_space(raw).lstrip("[ ")
    while label.endswith("]") and not label.endswith("\\]"):
        label = label[:-1].rstrip()
    return unescape_text(label)


def _clean_title(raw: str) -> str:
    title = normalize_space(raw).strip(" ,;-").strip()
    if _LINK_LIKE.search(title):
        raise BadEntryError("a link is left in the title: write links as ` [[Label](url)]` after the title and venue")
    return unescape_text(title)


# -- `Title, <ins>Venue, Year</ins> [[Paper](url)]` --------------------------------------------------------------


def read_ins(text: str) -> Fields | None:
    """The `<ins>` format, repairing `2024/ins>`, a missing `<ins>`, `ICLR 2023` without a comma, a full-width comma."""
    repairs: list[str] = []
    if "，" in text and re.search(r"<ins>[^<]*，", text, re.IGNORECASE):
        text = re.sub(r"(?<=<ins>)([^<]*)", lambda m: m.group(1).replace("，", ","), text, count=1)
        repairs.append("full-width comma in `<ins>` read as `,`")
    first_link = _PAPER_LINK.search(text)
    head = text[: first_link.start()] if first_link else text
    tail = text[first_link.start() :] if first_link else ""
    ins = _INS.search(head)
    if ins:
        if not ins.group(0).lower().endswith("</ins>"):
            repairs.append("`/ins>` read as `</ins>`")
        inner, start, end = ins.group("inner"), ins.start(), ins.end()
    else:
        close = _CLOSE_ONLY.search(head)
        if close is None:
            return None
        repairs.append("missing `<ins>` before the venue and year")
        inner, start, end = close.group("inner"), close.start(), close.end()
    venue, year = _venue_year(inner)
    if year is None and venue and " " in venue.strip():
        name, _, last = venue.strip().rpartition(" ")
        if _YEAR.match(last):
            venue, year = name.strip(), int(last)
            repairs.append("year without a comma in `<ins>` (`ICLR 2023`)")
    rest = head[end:]
    title = _clean_title(head[:start] + (" " + rest if rest.strip() else ""))
    if not title:
        return None
    note = normalize_space(_PAPER_LINK.sub(" ", tail))
    return Fields(title, year=year, venue=unescape_text(venue), links=_links(tail), note=note, repairs=repairs)


def _venue_year(inner: str) -> tuple[str, int | None]:
    parts = [normalize_space(p) for p in inner.split(",")]
    years = [p for p in parts if _YEAR.match(p)]
    year = int(years[-1]) if years else None
    venue = ", ".join(p for p in parts if p and p not in years[-1:])
    return venue, year


# -- `[2024] Title, Venue [[Paper](url)]` and `Title, 2024 [Paper](url)` -----------------------------------------


def read_title_first(text: str) -> Fields | None:
    """A title, then links; a year in brackets before the title and the venue after its last comma, or a year last."""
    first_link = _PAPER_LINK.search(text)
    if first_link is None:
        return None
    head, tail = text[: first_link.start()], text[first_link.start() :]
    links = _links(tail)
    if not links:
        return None
    year: int | None = None
    venue = ""
    prefix = _YEAR_PREFIX.match(head.strip())
    if prefix:
        year, head = int(prefix.group("year")), prefix.group("rest")
        body, _, last = head.strip().rstrip(",").rpartition(",")
        if body and 0 < len(last.strip()) <= 40:
            head, venue = body, last.strip()
    else:
        body, _, last = head.strip().rstrip(",").rpartition(",")
        if body and _YEAR.match(last.strip()):
            head, year = body, int(last.strip())
    title = _clean_title(head)
    if not title:
        return None
    return Fields(
        title, year=year, venue=unescape_text(venue), links=links, note=normalize_space(_PAPER_LINK.sub(" ", tail))
    )


# -- `[Title](url) - description`, `[Title](url), Authors, Venue 2021 | [code](url)` -----------------------------


def read_link_first(text: str) -> Fields | None:
    """An entry that starts with the title as a link (after any `:scroll:`-style marker)."""
    body = re.sub(r"^(?:\[:[a-z_]+:\]\([^)]*\)|:[a-z_]+:)\s*", "", text.strip())
    match = LINK.match(body)
    if match is None or not match.group("label").strip() or match.group("label").startswith(("!", "[")):
        return None
    url = unescape_url(match.group("url"))
    if url.startswith("#"):
        return None  # a table of contents line
    title = unescape_text(normalize_space(match.group("label")))
    links = [Link("Paper", url)]
    rest = body[match.end() :]
    description = ""
    dash = re.match(r"^\s*[-–—:]\s+(?P<text>.*)$", rest)
    if dash and not LINK.search(dash.group("text")):
        description = normalize_space(dash.group("text"))
        rest = ""
    more_links = _links(rest)
    links += list(more_links)
    text_part = normalize_space(_PAPER_LINK.sub(" ", rest).replace("|", " "))
    authors, venue, year = _authors_venue_year(text_part.strip(" ,"))
    return Fields(title, authors=authors, year=year, venue=venue, links=tuple(links), note=description)


def _authors_venue_year(text: str) -> tuple[tuple[str, ...], str, int | None]:
    """`Mildenhall et al., ECCV 2020` -> ((Mildenhall, others), ECCV, 2020); unknown text gives nothing."""
    if not text:
        return (), "", None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    venue, year = "", None
    if parts:
        match = re.match(r"^(?P<venue>.*?)\s*(?P<year>(?:19|20)\d{2})$", parts[-1])
        if match:
            venue, year = match.group("venue").strip(), int(match.group("year"))
            parts = parts[:-1]
            if not venue and parts and not _looks_like_names(parts[-1]):
                venue = parts.pop()
    authors: list[str] = []
    for part in parts:
        names = _names(part)
        if names is None:
            return tuple(authors), venue, year
        authors += names
    return tuple(authors), venue, year


def _names(part: str) -> list[str] | None:
    """`Dellaert and Yen-Chen` -> [Dellaert, Yen-Chen]; `Liu et al.` -> [Liu, others]; None if not names."""
    etal = bool(_ET_AL.search(part))
    part = _ET_AL.sub("", part).strip()
    chunks = [c.strip() for c in re.split(r"\s+(?:and|&)\s+|^and\s+", part) if c.strip()]
    if not chunks or not all(_looks_like_name(c) for c in chunks):
        return None
    return chunks + (["others"] if etal else [])


def _looks_like_name(text: str) -> bool:
    words = text.replace(".", ". ").split()
    return 1 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words)


def _looks_like_names(text: str) -> bool:
    return _names(text) is not None


# -- `A. Author, B. Author, [Title](url), arXiv:...` and `Authors, *Title*, Venue 2015` ----------------------------


def read_citation(text: str) -> Fields | None:
    """An author-first citation: authors, then the title (a link, in italics, or the part before the venue)."""
    first_link = _PAPER_LINK.search(text)
    head = text[: first_link.start()] if first_link else text
    tail = text[first_link.start() :] if first_link else ""
    title_link = LINK.search(text)
    if title_link and not title_link.group("label").startswith("[") and title_link.start() > 0:
        before = text[: title_link.start()].strip().rstrip(",").strip()
        authors = _author_list(before)
        if authors:
            after = text[title_link.end() :]
            venue, year = _venue_text(_PAPER_LINK.sub(" ", after))
            links = [Link("Paper", unescape_url(title_link.group("url"))), *_links(after)]
            title = unescape_text(normalize_space(title_link.group("label")))
            return Fields(title, authors=tuple(authors), year=year, venue=venue, links=tuple(links))
    italic = _ITALIC_TITLE.search(head)
    if italic:
        authors = _author_list(head[: italic.start()].strip().rstrip(",").strip())
        if authors is not None:
            venue, year = _venue_text(head[italic.end() :])
            return Fields(
                unescape_text(normalize_space(italic.group("title"))),
                authors=tuple(authors),
                year=year,
                venue=venue,
                links=_links(tail),
            )
    parts = [p.strip() for p in head.split(",") if p.strip()]
    for index, part in enumerate(parts):
        if index >= 2 and _VENUE_HINT.search(part):
            authors = _author_list(", ".join(parts[: index - 1]))
            if authors:
                venue, year = _venue_text(", ".join(parts[index:]))
                title = _clean_title(parts[index - 1])
                return Fields(title, authors=tuple(authors), year=year, venue=venue, links=_links(tail))
            break
    return None


def _author_list(text: str) -> list[str] | None:
    """`A, B, and C` as names; None when any part is not a name (then it is not an author list)."""
    if not text:
        return None
    names: list[str] = []
    for part in text.split(","):
        part = part.strip().removeprefix("and ").strip()
        if not part:
            continue
        found = _names(part.rstrip("."))
        if found is None:
            return None
        names += found
    return names or None


def _venue_text(text: str) -> tuple[str, int | None]:
    """`, arXiv:1406.1078 / EMNLP 2014` -> (`arXiv:1406.1078 / EMNLP`, 2014)."""
    text = normalize_space(text).strip(" ,.")
    years = _YEAR_ANYWHERE.findall(text)
    year = int(years[-1]) if years else None
    arxiv = re.search(r"arXiv:(?P<yy>\d{2})(?:0[1-9]|1[0-2])\.\d{4,5}", text)
    if year is None and arxiv:
        year = 2000 + int(arxiv.group("yy"))
    if year is not None and text.endswith(str(year)):
        text = text[: -len(str(year))].strip(" ,")
    return text, year
