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
from evlm_cli.model import Paper
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


def _is_protected(word: str) -> bool:
    """A word with a capital after its first letter (`CLIP`, `ViT`, `Q-VLM`, `3D`) or a known proper noun."""
    parts = _PART_SEPARATORS.split(word)
    if any(any(c.isupper() for c in part[1:]) for part in parts):
        return True
    return word.strip(".,:;!?()[]'\"") in PROPER_NOUNS


def _words_latex(text: str) -> str:
    """Encoded words of a name part, a literal `and` braced so it cannot split the list."""
    words = [_encode_word(word) for word in normalize_space(text).split(" ")]
    return " ".join(f"{{{word}}}" if word.lower() == "and" else word for word in words if word)


@functools.lru_cache(maxsize=1 << 14)
def name_latex(name: str) -> str:
    """One author for an `and`-separated list, in BibTeX's unambiguous `von Last, Jr, First` form.

    A last name of several words is braced (`{Van Damme}, Jean-Claude`), so styles neither abbreviate nor
    reorder it; lower-case particles stay outside (`van Beethoven, Ludwig`). An organisation stays whole in
    braces. A name that cannot be split is written as it is, with a literal `and` or stray commas braced.
    Empty when the name has nothing printable.
    """
    parts = split_name(name)
    if is_organisation(name):
        return f"{{{encode(parts.literal)}}}" if encode(parts.literal) else ""
    if parts.first and parts.last:
        last = _words_latex(parts.last)
        if " " in last:
            last = f"{{{last}}}"
        pieces = [" ".join(p for p in (_words_latex(parts.von), last) if p), _words_latex(parts.first)]
        if parts.jr:
            pieces.insert(1, _words_latex(parts.jr))
        if all(pieces) and last:
            return ", ".join(pieces)
    text = _words_latex(name)
    pieces = text.split(",")  # encoded text has commas only where the name had them
    if not text:
        return ""
    if len(pieces) > 2 or (len(pieces) == 2 and not all(p.strip() for p in pieces)) or is_et_al(text):
        text = f"{{{text}}}"
    return text


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


def _fields(paper: Paper, *, biblatex: bool) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and the (name, written value) fields of one paper."""
    paper_kind = kind(paper)
    authors = authors_latex(paper.authors)
    venue = encode(paper.venue)
    fields: list[tuple[str, str]] = []
    if authors:
        fields.append(("author", _braced(authors)))
    fields.append(("title", _braced(title_latex(paper.title))))
    if not authors and not biblatex:
        fields.append(("key", _braced(encode(paper.title) or "untitled")))

    if biblatex:
        entry_type = {
            Kind.PREPRINT: "online",
            Kind.CONFERENCE: "inproceedings",
            Kind.JOURNAL: "article",
            Kind.OTHER: "misc",
        }[paper_kind]
        if paper_kind is Kind.CONFERENCE:
            fields.append(("booktitle", _braced(venue)))
        elif paper_kind is Kind.JOURNAL:
            fields.append(("journaltitle", _braced(venue)))
        elif paper_kind is Kind.OTHER and venue:
            fields.append(("howpublished", _braced(venue)))
        if paper.year:
            fields.append(("date", str(paper.year)))
        if paper.arxiv:
            fields.append(("eprint", _braced(paper.arxiv)))
            fields.append(("eprinttype", "{arxiv}"))
            if paper.arxiv_category:
                fields.append(("eprintclass", _braced(encode(paper.arxiv_category))))
    else:
        complete = bool(authors) and paper.year is not None
        if paper_kind is Kind.CONFERENCE and complete:
            entry_type = "inproceedings"
            fields.append(("booktitle", _braced(venue)))
        elif paper_kind is Kind.JOURNAL and complete:
            entry_type = "article"
            fields.append(("journal", _braced(venue)))
        else:
            entry_type = "misc"
            if paper_kind is Kind.PREPRINT:
                fields.append(("howpublished", _braced(f"arXiv:{paper.arxiv}")))
            elif venue:
                fields.append(("howpublished", _braced(venue)))
        if paper.year:
            fields.append(("year", str(paper.year)))
        if paper.arxiv:
            fields.append(("eprint", _braced(paper.arxiv)))
            fields.append(("archivePrefix", "{arXiv}"))
            if paper.arxiv_category:
                fields.append(("primaryClass", _braced(encode(paper.arxiv_category))))

    if paper.doi:
        fields.append(("doi", _braced(safe_url(paper.doi))))
    url = paper_url(paper)
    if url:
        fields.append(("url", _braced(safe_url(url))))
    if paper.code_url:
        fields.append(("code", _braced(safe_url(paper.code_url))))
    if paper.tags:
        fields.append(("keywords", _braced(encode(", ".join(paper.tags)))))
    if paper.abstract:
        fields.append(("abstract", _braced(encode(paper.abstract))))
    return entry_type, fields


def entry(paper: Paper, *, biblatex: bool = False) -> Entry:
    """One paper as a bibtexparser Entry whose field values are written verbatim."""
    from bibtexparser.model import Entry, Field

    entry_type, fields = _fields(paper, biblatex=biblatex)
    return Entry(entry_type, paper.key, [Field(name, value) for name, value in fields])


def render(papers: Iterable[Paper], *, biblatex: bool = False, header: str = "") -> str:
    """A .bib file: an optional `%` comment header, then one entry per paper, in the given order."""
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.model import ImplicitComment
    from bibtexparser.writer import BibtexFormat

    library = Library()
    if header:
        library.add(ImplicitComment("\n".join(f"% {line}".rstrip() for line in header.splitlines())))
    library.add([entry(paper, biblatex=biblatex) for paper in papers])
    bibtex_format = BibtexFormat()  # type: ignore[no-untyped-call]
    bibtex_format.indent = "  "
    bibtex_format.block_separator = "\n"
    text: str = write_string(library, unparse_stack=[], bibtex_format=bibtex_format)
    return text


def render_bibtex(papers: Iterable[Paper], *, header: str = "") -> str:
    """Classic BibTeX, for `bibtex` with any standard style, and for Zotero and pandoc."""
    return render(papers, header=header)


def render_biblatex(papers: Iterable[Paper]) -> str:
    """BibLaTeX (biber): `@online` preprints with `eprinttype`, `journaltitle`, `date`."""
    return render(papers, biblatex=True)
