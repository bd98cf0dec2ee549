"""BibTeX and BibLaTeX for papers, written with bibtexparser 2's writer; `bibtex` itself runs them without a warning.

The entry type follows the metadata (see `render.venues.kind`):

- arXiv only: BibTeX `@misc` with `eprint`, `archivePrefix`, `primaryClass`, `howpublished`;
  BibLaTeX `@online` with `eprint`, `eprinttype`, `eprintclass`;
- conference: `@inproceedings` with `booktitle`;
- journal: `@article` with `journal` (BibLaTeX: `journaltitle`);
- anything else: `@misc`, the venue in `howpublished`.

Classic styles (plain, alpha, ...) require an author and a year for `@inproceedings` and `@article`; a paper the
database has no authors or year for is written as `@misc` with the venue in `howpublished` instead, so the file
still runs clean. Authorless entries get a `key` field (the title), which styles use to sort and label them.
Every entry has `doi` and `url` when known, and the code link in a `code` field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from evlm_cli.keys import is_organisation, split_name
from evlm_cli.latex import encode
from evlm_cli.model import Paper, container_field
from evlm_cli.render.names import ET_AL, is_et_al
from evlm_cli.render.venues import Kind, kind, paper_url
from evlm_cli.text import normalize_space

if TYPE_CHECKING:
    from bibtexparser.model import Entry

PROPER_NOUNS = frozenset(
    """Bayesian Gaussian Markov Fourier Euclidean Hessian Riemannian Pareto Monte Carlo Wasserstein Lipschitz
    Shapley Transformer Transformers English Chinese Internet""".split()
)
"""Words styles must not lower-case even though only their first letter is a capital."""
_PART_SEPARATORS = re.compile(r"[-/]")
_WORD_PUNCTUATION = ".,:;!?()[]'\""
_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", '"': "%22", " ": "%20"}


def title_latex(title: str) -> str:
    """A title with specials escaped and acronyms and proper nouns braced (`{MBQ}`, `{CLIP}`, `{PTQ4ViT-}`)."""
    encoded = [(word, _encode_word(word)) for word in normalize_space(title).split(" ")]
    return (
        " ".join(f"{{{latex}}}" if _is_protected(word) else latex for word, latex in encoded if latex) or "[untitled]"
    )


@functools.lru_cache(maxsize=1 << 16)
def _encode_word(word: str) -> str:
    """`encode` for one word; words repeat across titles and names, so a cache saves most of the work."""
    return encode(word)


@functools.lru_cache(maxsize=1 << 16)
def _is_protected(word: str) -> bool:
    """A word with a capital after its first letter (`CLIP`, `ViT`, `Q-VLM`, `3D`) or a known proper noun."""
    parts = _PART_SEPARATORS.split(word.strip(_WORD_PUNCTUATION))  # `(Incoll-w-text`: a capital, not a capital after
    if any(any(c.isupper() for c in part[1:]) for part in parts):
        return True
    return word.strip(_WORD_PUNCTUATION) in PROPER_NOUNS


def _words_latex(text: str) -> str:
    """Encoded words of a name part, a literal `and` braced so it cannot split the list."""
    words = [_encode_word(word) for word in normalize_space(text).split(" ")]
    return " ".join(f"{{{word}}}" if word.lower() == "and" else word for word in words if word)


@functools.lru_cache(maxsize=1 << 14)
def name_latex(name: str) -> str:
    """One name for an `and`-separated list, in a form bibtex splits into the parts evlm reads.

    A name bibtex itself splits as evlm does (every name imported from a .bib) is written as stored, braces and LaTeX
    included, so bibtex formats it as it formatted the original and an import reads it back unchanged. Otherwise
    (plain-text names from arXiv such as `Jean-Claude Van Damme`) it is written `von Last, Jr, First`: a last name
    of several words braced (`{Van Damme}, Jean-Claude`), so styles neither abbreviate nor reorder it. An
    organisation stays whole in braces. A name that cannot be split is written as it is, with a literal `and` or
    stray commas braced. Empty when the name has nothing printable.
    """
    parts = split_name(name)
    if is_organisation(name):
        return f"{{{encode(parts.literal)}}}" if encode(parts.literal) else ""
    words = normalize_space(name).lower().split(" ")
    clean = parts.last and not normalize_space(name).endswith(",") and "and" not in words  # `Smith,` is an error
    if clean and parts == split_name(name, strict=True):
        written = normalize_space(name)  # bibtex splits it as evlm does: written as stored, so it reads back the same
        latex = "\\" in written and _balanced(written) and not _NOT_A_COMMAND.search(written)
        return written if latex else _encode_keeping_braces(written)
    if parts.first and parts.last:
        last = _words_latex(parts.surname)
        if " " in last:
            last = f"{{{last}}}"
        pieces = [" ".join(p for p in (_words_latex(parts.particle), last) if p), _words_latex(parts.given)]
        if parts.jr:
            pieces.insert(1, _words_latex(parts.suffix))
        if all(pieces) and last:
            return ", ".join(pieces)
    text = _words_latex(name)
    pieces = text.split(",")  # encoded text has commas only where the name had them
    if not text:
        return ""
    if len(pieces) > 2 or (len(pieces) == 2 and not all(p.strip() for p in pieces)) or is_et_al(text):
        text = f"{{{text}}}"
    return text


_NOT_A_COMMAND = re.compile(r"\\(?![a-zA-Z'`^\"~=.])|\\$")
"""A backslash that starts no LaTeX command or accent: the name is text, not LaTeX."""


def _encode_keeping_braces(text: str) -> str:
    """`encode`, except that balanced braces are kept as grouping braces (`Daniel {Di Gregorio}`)."""
    if not _balanced(text):
        return encode(text)
    out = []
    for piece in re.split(r"([{}])", normalize_space(text)):
        if piece in ("{", "}") or not piece.strip():
            out.append(piece)
        else:
            lead, trail = " " if piece[0] == " " else "", " " if piece[-1] == " " else ""
            out.append(lead + encode(piece) + trail)
    return "".join(out)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def authors_latex(authors: Iterable[str]) -> str:
    """The `author` field: names joined by `and`; a final `others` stays bare, so styles print "et al."."""
    pairs = [(normalize_space(name), name_latex(name)) for name in authors]
    names = [name for name, latex in pairs if latex]
    written = [latex for _, latex in pairs if latex]
    if len(names) > 1 and is_et_al(names[-1]):
        written[-1] = ET_AL
    return " and ".join(written)


def safe_url(url: str) -> str:
    """A URL that cannot end its field: braces, backslashes, quotes and spaces percent-encoded."""
    return "".join(_URL_UNSAFE.get(c, c) for c in url)


def _braced(text: str) -> str:
    return "{" + text + "}"


MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_BRACKETED_URL = re.compile(r"<(https?://[^\s<>]+)>")
_CLASSIC_TYPES = {"online": "misc", "preprint": "misc", "periodical": "misc"}
"""The types classic styles do not know, and what they become."""
_BIBLATEX_TYPES = {
    "phdthesis": ("thesis", "phdthesis"),
    "mastersthesis": ("thesis", "mathesis"),
    "techreport": ("report", "techreport"),
    "preprint": ("online", ""),
}
"""BibLaTeX's own type, and its `type` field, for the BibTeX types it spells otherwise."""
_NEEDS_AUTHOR = frozenset("article book inbook incollection inproceedings report thesis unpublished".split())
"""BibLaTeX types biber requires an author for: an authorless paper of one is written as @misc (@collection)."""
_MISC_FIELDS = frozenset("editors container organization howpublished address url".split())
"""What a BibLaTeX @misc can hold of a paper's fields: an authorless record with more keeps its type (biber then
warns about the author the source lacks too, rather than about fields a @misc may not have)."""


def _present(paper: Paper) -> set[str]:
    fields = "volume number pages edition series publisher isbn issn school institution container editors".split()
    return {name for name in fields if getattr(paper, name)}


_BIBLATEX_INVALID = {"article": ("publisher", "location", "organization"), "report": ("publisher",)}
"""Fields biber's data model refuses for a type (BibTeX files give articles a publisher): left out of BibLaTeX."""
BIBLATEX_FIELDS = frozenset(
    "abstract addendum annotation booksubtitle booktitleaddon chapter edition eid eventdate eventtitle "
    "eventtitleaddon howpublished isan isbn ismn isrn issn issue issuesubtitle issuetitle journalsubtitle label "
    "language langid library mainsubtitle maintitle maintitleaddon note number origtitle pagetotal pagination part "
    "pubstate series shorthand shortjournal shorttitle subtitle titleaddon urldate venue version".split()
)
"""BibLaTeX data-model fields an imported entry's `extra` may hold; others are BibTeX-only and left out there."""


def _fields(paper: Paper, *, biblatex: bool, links: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and the (name, written value) fields of one paper."""
    entry_type, derived = _entry_type(paper)
    extra = dict(paper.extra)
    authors = authors_latex(paper.authors)
    editors = authors_latex(paper.editors)
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str, *, raw: bool = False) -> None:
        if value.strip():
            fields.append((name, _braced(value if raw else encode(value))))

    if biblatex:  # biber refuses BibTeX's empty Jr part (`Werneck,, Renato`), which means no Jr part
        authors, editors = (re.sub(r",\s*,\s*", ", ", names) for names in (authors, editors))
        entry_type, subtype = _BIBLATEX_TYPES.get(entry_type, (entry_type, ""))
        if not authors and entry_type in _NEEDS_AUTHOR and (derived or _MISC_FIELDS.issuperset(_present(paper))):
            entry_type, subtype = ("collection" if entry_type == "book" and editors else "misc"), ""
    else:
        subtype = ""
        entry_type = _CLASSIC_TYPES.get(entry_type, entry_type)
        if derived and entry_type in ("inproceedings", "article") and not (authors and paper.year):
            entry_type = "misc"  # the classic styles require both: the venue goes to howpublished instead
    if authors:
        fields.append(("author", _braced(authors)))
    if editors:
        fields.append(("editor", _braced(editors)))
    title = paper.title_tex if paper.title_tex and _balanced(paper.title_tex) else title_latex(paper.title)
    fields.append(("title", _braced(title)))
    if not authors and not biblatex and derived:
        fields.append(("key", _braced(encode(paper.title) or "untitled")))

    container = paper.container or (paper.venue if derived else "")
    where = container_field(entry_type if not biblatex else _classic_of(entry_type))
    if biblatex and where == "journal":
        where = "journaltitle"
    if where and container:
        if paper.container and paper.container_tex and _balanced(paper.container_tex):
            fields.append((where, _braced(paper.container_tex)))  # as the source wrote it
        else:
            add(where, container)
    elif derived and kind(paper) is Kind.PREPRINT:
        if not biblatex:
            add("howpublished", f"arXiv:{paper.arxiv}")  # what plain and alpha print for a preprint
    elif derived:
        add("howpublished", paper.venue)
    if subtype:
        add("type", subtype)
    for name in ("volume", "number"):
        add(name, getattr(paper, name))
    add("pages", paper.pages, raw=_balanced(paper.pages))
    for name in ("edition", "series", "publisher", "organization"):
        if not (biblatex and name in _BIBLATEX_INVALID.get(entry_type, ())):
            add(name, getattr(paper, name))
    if biblatex:
        add("institution", paper.institution or paper.school)
        if "location" not in _BIBLATEX_INVALID.get(entry_type, ()):
            add("location", paper.address)
    else:
        for name in ("school", "institution", "address"):
            add(name, getattr(paper, name))
    add("howpublished", _with_urls(paper.howpublished), raw=True)
    if biblatex:
        if "date" in extra:
            fields.append(("date", _braced(extra["date"])))
        elif paper.year:
            fields.append(("date", _braced(f"{paper.year}-{paper.month:02d}" if paper.month else str(paper.year))))
    else:
        if paper.month:
            fields.append(("month", MONTH_MACROS[paper.month - 1]))
        if paper.year:
            fields.append(("year", str(paper.year)))
    add("note", _with_urls(paper.bib_note), raw=True)
    add("crossref", paper.crossref, raw=True)
    add("isbn", paper.isbn)
    add("issn", paper.issn)
    if paper.arxiv:
        fields.append(("eprint", _braced(paper.arxiv)))
        if biblatex:
            fields.append(("eprinttype", "{arxiv}"))
            if paper.arxiv_category:
                fields.append(("eprintclass", _braced(encode(paper.arxiv_category))))
        else:
            fields.append(("archivePrefix", "{arXiv}"))
            if paper.arxiv_category:
                fields.append(("primaryClass", _braced(encode(paper.arxiv_category))))
    if paper.doi:
        fields.append(("doi", _braced(safe_url(paper.doi))))
    url = paper.url or paper_url(paper)
    if url:
        fields.append(("url", _braced(safe_url(url))))
    if links:
        for link in paper.links:
            if link.label.lower() != "paper" and link.url != url:
                fields.append((_link_field(link.label), _braced(safe_url(link.url))))
    written = {name.lower() for name, _ in fields}
    for name, value in paper.extra:
        if name not in written and (not biblatex or name in BIBLATEX_FIELDS):
            fields.append((name, _braced(value if _balanced(value) else encode(value))))
    if biblatex and paper.aliases:
        fields.append(("ids", _braced(",".join(paper.aliases))))  # biber resolves a \\cite of any of them
    if paper.tags:
        fields.append(("keywords", _braced(encode(", ".join(paper.tags)))))
    if paper.abstract:
        fields.append(("abstract", _braced(encode(paper.abstract))))
    return entry_type, fields


def _entry_type(paper: Paper) -> tuple[str, bool]:
    """The paper's type (one of model.TYPES), and whether it was derived from the venue rather than given."""
    if paper.type:
        return paper.type, False
    derived = {
        Kind.PREPRINT: "preprint",
        Kind.CONFERENCE: "inproceedings",
        Kind.JOURNAL: "article",
        Kind.OTHER: "misc",
    }[kind(paper)]
    return derived, True


def _classic_of(biblatex_type: str) -> str:
    return {"thesis": "phdthesis", "report": "techreport"}.get(biblatex_type, biblatex_type)


def _link_field(label: str) -> str:
    """The field a survey link goes to with `--links`: `code` for Code, else the label as a field name."""
    name = re.sub(r"[^a-z0-9]+", "", label.lower())
    return name if name and name[0].isalpha() else "link"


def _with_urls(text: str) -> str:
    """Text for `howpublished` or `note`: encoded, except that each `<URL>` is written `\\url{URL}` (as imported)."""
    parts = _BRACKETED_URL.split(text)  # text, URL, text, ...
    return "".join(
        f"\\url{{{safe_url(part)}}}" if index % 2 else _encode_keeping_space(part) for index, part in enumerate(parts)
    )


def _encode_keeping_space(text: str) -> str:
    if not text.strip():
        return " " if text else ""
    return (" " if text[0].isspace() else "") + encode(text) + (" " if text[-1].isspace() else "")


def entry(paper: Paper, *, biblatex: bool = False, links: bool = False) -> Entry:
    """One paper as a bibtexparser Entry whose field values are written verbatim."""
    from bibtexparser.model import Entry, Field

    entry_type, fields = _fields(paper, biblatex=biblatex, links=links)
    return Entry(entry_type, paper.key, [Field(name, value) for name, value in fields])


def entries(paper: Paper, *, biblatex: bool = False, links: bool = False) -> list[Entry]:
    """The entries of one paper: BibLaTeX names its aliases in `ids`; classic BibTeX has no such field, so each
    alias is a copy of the entry under that key (as in the file the paper was imported from: a `\\cite` of either
    key resolves, and bibtex labels and sorts them as it did the original)."""
    from bibtexparser.model import Entry, Field

    first = entry(paper, biblatex=biblatex, links=links)
    if biblatex:
        return [first]
    copies = [Entry(first.entry_type, alias, [Field(f.key, f.value) for f in first.fields]) for alias in paper.aliases]
    return [first, *copies]


def render(papers: Iterable[Paper], *, biblatex: bool = False, header: str = "", links: bool = False) -> str:
    """A .bib file: an optional `%` comment header, then one entry per paper, in the given order."""
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.model import ImplicitComment
    from bibtexparser.writer import BibtexFormat

    library = Library()
    if header:
        library.add(ImplicitComment("\n".join(f"% {line}".rstrip() for line in header.splitlines())))
    library.add([one for paper in papers for one in entries(paper, biblatex=biblatex, links=links)])
    bibtex_format = BibtexFormat()  # type: ignore[no-untyped-call]
    bibtex_format.indent = "  "
    bibtex_format.block_separator = "\n"
    text: str = write_string(library, unparse_stack=[], bibtex_format=bibtex_format)
    return text


def render_bibtex(papers: Iterable[Paper], *, header: str = "", links: bool = False) -> str:
    """Classic BibTeX, for `bibtex` with any standard style, and for Zotero and pandoc; `links` adds the survey's
    other links (Code, ...) as fields named after their labels, which the styles ignore."""
    return render(papers, header=header, links=links)


def render_biblatex(papers: Iterable[Paper], *, links: bool = False) -> str:
    """BibLaTeX (biber): `@online` preprints with `eprinttype`, `journaltitle`, `date`, `location`, ..."""
    return render(papers, biblatex=True, links=links)
