"""CSL JSON (the citeproc input format): what pandoc's `--citeproc` and Zotero read.

Valid against the CSL-data schema (tests check it). The code link, which CSL has no variable for, goes to `note`.

An imported record is written as pandoc's BibTeX reader reads the original entry, so `pandoc --citeproc` formats the
export as it formats the .bib (benchmarks/README.md measures it): titles in sentence case, as CSL expects, with the
parts the source braced kept (`<span class="nocase">` where they hold a lower-case word); school, institution,
organization, howpublished and publisher together as the publisher; a `number` as the issue of an article and the
series number of a book or a part of one; BibTeX's `type` as the genre; fields inherited through `crossref`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from evlm_cli.keys import NameParts
from evlm_cli.model import Paper
from evlm_cli.render.names import ET_AL, is_et_al, literal, people
from evlm_cli.render.venues import Kind, kind, paper_url
from evlm_cli.text import normalize_space

_TYPES = {
    Kind.PREPRINT: "article",  # CSL 1.0.2's type for preprints and working papers
    Kind.CONFERENCE: "paper-conference",
    Kind.JOURNAL: "article-journal",
    Kind.OTHER: "document",
}


_CSL_TYPES = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "book": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "proceedings": "book",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "manual": "book",  # as pandoc reads @manual: CSL has no manual type
    "booklet": "pamphlet",
    "periodical": "article-journal",  # as pandoc reads it: the title is also the container
    "misc": "document",
    "online": "webpage",
    "preprint": "article",
    "unpublished": "manuscript",
}
"""The CSL type of each entry type a paper may have."""
_BOOKISH = frozenset("book proceedings inbook incollection inproceedings".split())
"""Types whose BibTeX `number` is the number in a series (CSL `collection-number`)."""
_PARTS = frozenset("inbook incollection inproceedings".split())
"""Types whose container is a book title, read in sentence case like a title (a journal's name is not)."""
_INHERITED = "editors volume number series publisher address organization isbn issn edition year month".split()
"""Fields a paper takes from the paper its `crossref` names when it has none of its own, as BibTeX does."""


_INITIALS = re.compile(r"(\b\w\.)(?=\w)")
"""An initial run into the next one (`S.L.`): CSL spaces them (`S. L.`), as pandoc reads a .bib."""


def _person(parts: NameParts) -> dict[str, str]:
    """A CSL name: family, given, particle and suffix apart, or a `literal` for an organisation or a mononym.

    BibTeX's von part is a dropping particle (biblatex's default, and pandoc's reading of a .bib); initials are
    spaced."""
    if not (parts.first and parts.last):
        return {"literal": literal(parts)}
    person = {"family": parts.surname, "given": _INITIALS.sub(r"\1 ", parts.given)}
    if parts.von:
        person["dropping-particle"] = parts.particle
    if parts.jr:
        person["suffix"] = parts.suffix
    return person


def _names(names: Iterable[str]) -> list[dict[str, str]]:
    """CSL names; a final `others` (BibTeX's et al.) as the literal `others`, which citeproc prints as "et al."."""
    found = [_person(parts) for parts in people(names)]
    if found and any(is_et_al(name) for name in names):
        found.append({"literal": ET_AL})
    return found


# -- sentence case -------------------------------------------------------------------------------------------------

_COMMAND_BEFORE = re.compile(r"\\(?:[a-zA-Z]+|[^a-zA-Z\s])\s*$")
_CHUNK = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_SENTENCE_END = frozenset(".?!:")


def sentence_case(latex: str) -> str:
    """A BibTeX title as CSL rich text in sentence case: `Reasoning About {BERT}` -> `Reasoning about BERT`.

    Brace groups are kept as written; one holding a lower-case word (`{iPhone}`) is marked `<span class="nocase">`
    so that styles do not capitalise it either. Outside them a capitalised word (`About`, `I`) is lowered, except at
    the start and after `.`, `?`, `!` or `:` (a word in lower case is capitalised at the start and after `:`); other
    words (`CCA`, `ViT`, `3rd`) stay. Straight apostrophes become typographic ones. This is the reading pandoc's
    BibTeX reader gives a title."""
    from evlm_cli.latex import decode

    out: list[str] = []
    state = dict.fromkeys(("first", "start", "pending", "colon", "pending_colon"), False)
    state["first"] = state["start"] = True
    for text, protected in _groups(latex):
        decoded = _smart_quotes(_keeping_space(text, decode))
        if protected:
            lower_word = any(word[:1].islower() for word in re.split(r"[\W_]+", decoded))
            out.append(f'<span class="nocase">{decoded}</span>' if lower_word else decoded)
            stripped = decoded.rstrip()
            state["first"] = state["start"] = False
            state["pending"] = bool(stripped) and stripped[-1] in _SENTENCE_END
            state["pending_colon"] = stripped.endswith(":")
            continue
        out.append("".join(_sentence_chunks(decoded, state)))
    return normalize_space("".join(out))


def _sentence_chunks(text: str, state: dict[str, bool]) -> Iterator[str]:
    for chunk in _CHUNK.findall(text):
        if chunk.isspace():
            if state["pending"]:
                state["start"], state["pending"], state["colon"] = True, False, state["pending_colon"]
            yield chunk
        elif chunk[0].isalnum() or chunk[0] == "_":
            capitalised = chunk[0].isupper() and (chunk[1:] == "" or chunk[1:].islower())
            if (state["first"] or state["colon"]) and chunk.islower():
                chunk = chunk[0].upper() + chunk[1:]
            elif capitalised and not state["start"]:
                chunk = chunk.lower()
            state["first"] = state["start"] = state["pending"] = state["colon"] = False
            yield chunk
        else:
            state["pending"], state["pending_colon"] = chunk in _SENTENCE_END, chunk == ":"
            yield chunk


def _groups(latex: str) -> Iterator[tuple[str, bool]]:
    """(LaTeX, protected) pieces: top-level brace groups are protected, except a command's argument (`\\'{e}`) and a
    group that is only an accented letter (`{\\'e}`)."""
    from evlm_cli.latex import decode

    depth, start = 0, 0
    for index, char in enumerate(latex):
        if char == "{":
            if depth == 0:
                if _COMMAND_BEFORE.search(latex[start:index]):
                    depth += 1
                    continue  # an argument: it stays in the running text
                if index > start:
                    yield latex[start:index], False
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0 and latex[start] == "{":
                inner = latex[start + 1 : index]
                yield inner, not (inner.startswith("\\") and len(decode(inner)) == 1)
                start = index + 1
    if start < len(latex):
        yield latex[start:], False


def _keeping_space(text: str, decode: Callable[[str], str]) -> str:
    """`decode(text)` with the white space around it kept, so that pieces join as they were written."""
    if not text.strip():
        return " " if text else ""
    return (" " if text[0].isspace() else "") + decode(text) + (" " if text[-1].isspace() else "")


def _smart_quotes(text: str) -> str:
    """Straight apostrophes as typographic ones, as LaTeX (and pandoc) reads them: a `'` is always a closing quote
    (`holder's` -> `holder’s`, `'title'` -> `’title’`; an opening one is written `` ` ``)."""
    return text.replace("'", "\N{RIGHT SINGLE QUOTATION MARK}")


def _title(paper: Paper) -> str:
    from evlm_cli.render.bibtex import title_latex

    return sentence_case(paper.title_tex or title_latex(paper.title))


# -- items ----------------------------------------------------------------------------------------------------------


def _bibliographic(paper: Paper, data: dict[str, Any]) -> None:
    """The schema-2 fields of a paper, under CSL's variable names, as pandoc reads the BibTeX fields."""
    from evlm_cli.render.bibtex import title_latex

    extra = dict(paper.extra)
    editors = _names(paper.editors)
    if editors:
        data["editor"] = editors
    if paper.container:
        book_title = sentence_case(paper.container_tex or title_latex(paper.container))
        data["container-title"] = book_title if paper.type in _PARTS else paper.container
    elif paper.type == "periodical":
        data["container-title"] = paper.title  # BibLaTeX's @periodical: its title names the periodical
    if paper.month and "issued" in data:
        data["issued"] = {"date-parts": [[paper.year, paper.month]]}
    number = {"issue": paper.number} if paper.type in ("article", "periodical") else {}
    if paper.type in _BOOKISH:
        number = {"collection-number": paper.number}
    publishers = (paper.school, paper.institution, paper.organization, paper.howpublished, paper.publisher)
    simple = {
        "volume": paper.volume,
        "number": paper.number,
        **number,
        "page": paper.pages.replace("--", "-"),
        "edition": paper.edition,
        "collection-title": sentence_case(title_latex(paper.series)) if paper.series else "",
        "publisher": "; ".join(_unbracket(text) for text in publishers if text),
        "publisher-place": paper.address,
        "chapter-number": _decoded(extra.get("chapter", "")),
        "ISBN": paper.isbn,
        "ISSN": paper.issn,
    }
    if number:
        simple["number"] = ""
    data.update({name: value for name, value in simple.items() if value})
    accessed = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*", extra.get("urldate", ""))
    if accessed:
        data["accessed"] = {"date-parts": [[int(part) for part in accessed.groups() if part]]}
    genre = _decoded(extra.get("type", ""))
    if not genre and paper.type in ("phdthesis", "mastersthesis"):
        genre = "PhD thesis" if paper.type == "phdthesis" else "Master\N{RIGHT SINGLE QUOTATION MARK}s thesis"
    if genre:
        data["genre"] = genre
    if paper.bib_note:
        data["note"] = _unbracket(paper.bib_note)


def _unbracket(text: str) -> str:
    """`<https://...>` (a `\\url` of the source) as the bare URL."""
    return re.sub(r"<(https?://[^\s<>]+)>", r"\1", text)


def _decoded(latex: str) -> str:
    from evlm_cli.latex import decode

    return normalize_space(decode(latex)) if latex.strip() else ""


def item(paper: Paper) -> dict[str, Any]:
    """One paper as a CSL item."""
    paper_kind = kind(paper)
    csl_type = _CSL_TYPES[paper.type] if paper.type else _TYPES[paper_kind]
    data: dict[str, Any] = {"id": paper.key, "type": csl_type, "title": _title(paper)}
    authors = _names(paper.authors)
    if authors:
        data["author"] = authors
    if paper.year:
        data["issued"] = {"date-parts": [[paper.year]]}
    if paper.type:
        _bibliographic(paper, data)
    elif paper_kind in (Kind.CONFERENCE, Kind.JOURNAL):
        data["container-title"] = normalize_space(paper.venue)
    elif paper_kind is Kind.OTHER and paper.venue.strip():
        data["publisher"] = normalize_space(paper.venue)
    if paper.arxiv and not paper.type:
        if paper_kind is Kind.PREPRINT:
            data["publisher"] = "arXiv"
            data["number"] = f"arXiv:{paper.arxiv}"
        data["archive"] = "arXiv"
        data["archive_location"] = paper.arxiv
    doi = paper.doi or (_decoded(dict(paper.extra).get("doi", "")) if paper.type else "")
    if doi:
        data["DOI"] = doi  # a `doi` field that is not a DOI (kept as written in `extra`) is printed as written
    url = paper_url(paper)
    if url and not (paper.type and url in f"{data.get('publisher', '')} {data.get('note', '')}"):
        data["URL"] = url  # not twice: a record's `howpublished = {\url{...}}` is already printed as its publisher
    if paper.abstract:
        data["abstract"] = normalize_space(paper.abstract)
    if paper.tags:
        data["keyword"] = ", ".join(paper.tags)
    if paper.code_url and "note" not in data:
        data["note"] = f"Code: {paper.code_url}"
    return data


def _with_crossref(paper: Paper, by_key: dict[str, Paper]) -> Paper:
    """The paper with the fields it inherits from the one its `crossref` names (when exported with it)."""
    from dataclasses import replace

    parent = by_key.get(paper.crossref) if paper.crossref else None
    if parent is None:
        return paper
    inherited: dict[str, Any] = {
        name: getattr(parent, name) for name in _INHERITED if not getattr(paper, name) and getattr(parent, name)
    }
    if not paper.container:
        booktitle = dict(parent.extra).get("booktitle", "")
        inherited["container"] = _decoded(booktitle) or parent.title
        inherited["container_tex"] = normalize_space(booktitle) if _decoded(booktitle) else parent.title_tex
    return replace(paper, **inherited)


def render_csl_json(papers: Iterable[Paper]) -> str:
    """A JSON array of CSL items, one per paper in the given order, and a copy under each alias (CSL has no alias
    field; with the copy, pandoc resolves a citation of either key, as it did with the .bib the paper came from)."""
    chosen = list(papers)
    by_key = {paper.key: paper for paper in chosen}
    items = []
    for paper in chosen:
        data = item(_with_crossref(paper, by_key))
        items += [data, *({**data, "id": alias} for alias in paper.aliases)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
