"""The site's files from the survey: the page rendered with Jinja2 (autoescaped), plus the static assets shipped in
this package. Pure: returns the files, writes nothing (`site.output` does)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from evlm_cli.model import Paper, Survey
from evlm_cli.site import MARKER, search_index

ASSETS = {
    "assets/site.css": "site.css",
    "assets/site.js": "site.js",
    "assets/lunr.min.js": "vendor/lunr.min.js",
    "assets/lunr.LICENSE.txt": "vendor/lunr.LICENSE.txt",
}
"""Path in the site -> file under `static/`."""


@dataclass(frozen=True, slots=True)
class SectionView:
    id: str
    title: str
    emoji: str
    depth: int
    heading: int
    """The HTML heading level (h2 for a top-level section, down to h6)."""
    papers: list[PaperView]
    count: int
    """Papers in it and below it."""
    path: str


@dataclass(frozen=True, slots=True)
class PaperView:
    key: str
    anchor: bool
    """True in the paper's own section: the copy that carries the `p-KEY` id (cross-listed copies link to it)."""
    paper: Paper
    authors: str
    bibtex: str
    section_title: str
    provenance: list[Origin]


def render(survey: Survey) -> dict[str, bytes]:
    """Every file of the site, path (with `/`) -> content."""
    files = {"index.html": page(survey).encode("utf-8")}
    static = resources.files("evlm_cli.site").joinpath("static")
    for target, source in ASSETS.items():
        files[target] = static.joinpath(*source.split("/")).read_bytes()
    files[MARKER] = b"Written by `evlm site`, which replaces this folder on its next run.\n"
    return files


def page(survey: Survey) -> str:
    """The HTML page: header, taxonomy, search form, and every paper under its section."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("evlm_cli.site", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["safe_url"] = safe_url
    sections = _sections(survey)
    years = sorted({p.year for p in survey.papers if p.year})
    venues = sorted({p.venue for p in survey.papers if p.venue}, key=str.casefold)
    documents = _search_documents(survey)
    paths = {s.id: survey.section_path(s.id) for s in survey.sections}
    indexed = [{**d, "section": paths.get(d["section_id"], d["section_id"])} for d in documents]
    return environment.get_template("index.html.j2").render(
        info=survey.info,
        sections=sections,
        years=years,
        venues=venues,
        total=len(survey.papers),
        data=_script_json(
            {
                "sections": [{"id": s.id, "parent": s.parent, "path": paths[s.id]} for s in survey.sections],
                "papers": [{k: v for k, v in d.items() if k != "abstract"} for d in documents],
            }
        ),
        index=_script_json(search_index.build(indexed)),
        abstracts=_script_json([d["abstract"] for d in documents]),
    )


def safe_url(url: str) -> str:
    """A link target that cannot run script: http(s), mailto or a relative link; anything else becomes `#`."""
    scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
    return url if scheme in ("", "http", "https", "mailto") else "#"


def _sections(survey: Survey) -> list[SectionView]:
    from evlm_cli.render.formats import FORMATS

    bibtex = FORMATS["bibtex"].render  # the text `evlm export bibtex --key KEY` prints
    counts: dict[str, int] = {s.id: 0 for s in survey.sections}
    for paper in survey.papers:
        for section in survey.ancestry(paper.section):
            counts[section.id] += 1
    views: dict[str, PaperView] = {}
    result = []
    for section in survey.sections:
        depth = survey.depth(section.id)
        shown = []
        for paper in survey.listed_in(section.id):
            if paper.key not in views:
                views[paper.key] = PaperView(
                    key=paper.key,
                    anchor=True,
                    paper=paper,
                    authors=_authors(paper),
                    bibtex=bibtex([paper]),
                    section_title=survey.section_path(paper.section),
                    provenance=_provenance(paper),
                )
            view = views[paper.key]
            shown.append(view if paper.section == section.id else _copy(view))
        result.append(
            SectionView(
                id=section.id,
                title=section.title,
                emoji=section.emoji,
                depth=depth,
                heading=min(depth + 1, 6),
                papers=shown,
                count=counts[section.id],
                path=survey.section_path(section.id),
            )
        )
    return result


def _copy(view: PaperView) -> PaperView:
    from dataclasses import replace

    return replace(view, anchor=False)


def _authors(paper: Paper) -> str:
    from evlm_cli.render.names import is_et_al, literal, people

    names = [literal(parts) for parts in people(paper.authors)]
    if paper.authors and is_et_al(paper.authors[-1]):
        names.append("et al.")
    return ", ".join(names)


_SOURCE_NAMES = {
    "arxiv": "arXiv",
    "crossref": "Crossref",
    "dblp": "DBLP",
    "s2": "Semantic Scholar",
    "bibtex": "an imported BibTeX file",
    "readme": "an imported README list",
    "hand": "a maintainer",
}


@dataclass(frozen=True, slots=True)
class Origin:
    """One line of a paper's provenance on the page: what, and where a reader can check it (may be empty)."""

    text: str
    url: str = ""


def _provenance(paper: Paper) -> list[Origin]:
    """Where the record comes from, as far as the database knows: the fields' recorded origins (grouped by source,
    with the record a reader can check), the identifiers, and the date it was added."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for name, origin in paper.provenance:
        date = origin.date.isoformat() if origin.date else ""
        groups.setdefault((origin.source, origin.id, origin.url, date), []).append(name)
    found = []
    for (source, record, url, date), names in groups.items():
        label = _SOURCE_NAMES.get(source, source)
        text = f"{', '.join(names)}: from {label}{f' {record}' if record else ''}{f' on {date}' if date else ''}"
        if source == "hand":
            text = f"{', '.join(names)}: entered by a maintainer{f' on {date}' if date else ''}"
            text += ", checked against" if url else ""
        found.append(Origin(text, safe_url(url) if url else ""))
    if paper.pinned:
        found.append(Origin(f"kept as written (pinned): {', '.join(paper.pinned)}"))
    if paper.arxiv:
        version = f"v{paper.arxiv_version}" if paper.arxiv_version else ""
        category = f" [{paper.arxiv_category}]" if paper.arxiv_category else ""
        found.append(Origin(f"arXiv:{paper.arxiv}{version}{category}"))
    if paper.doi:
        found.append(Origin(f"DOI {paper.doi}"))
    if paper.journal_ref:
        found.append(Origin(f"published as: {paper.journal_ref}"))
    if paper.added:
        found.append(Origin(f"added to the survey on {paper.added.isoformat()}"))
    return found


def _search_documents(survey: Survey) -> list[dict[str, Any]]:
    """The page's paper list, in reading order: the fields `evlm search` searches (search.index.COLUMNS; `section`,
    a path of titles as the index writes it, is left to the page, from the section's `path`), the facets' fields,
    and what a result shows (`shown_authors`, `links`)."""
    return [
        {
            "title": p.title,
            "section_id": p.section,
            "also_in": list(p.also_in),
            "tags": list(p.tags),
            "authors": list(p.authors),
            "shown_authors": _authors(p),
            "venue": p.venue,
            "year": p.year,
            "note": p.note,
            "abstract": p.abstract,
            "key": p.key,
            "links": [[link.label, safe_url(link.url)] for link in p.links],
        }
        for p in survey.in_reading_order()
    ]


def _script_json(data: object) -> str:
    """JSON safe inside a `<script>` element: `<`, `>` and `&` as escapes, so no text can end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
