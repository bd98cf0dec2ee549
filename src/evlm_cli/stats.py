"""The survey in numbers (`evlm stats`): counts per section, year, venue and author, growth over time, and the
same figures as JSON, CSV and a LaTeX table a survey paper can `\\input`. Pure: no I/O, no printing (the charts are
`evlm_cli.charts`).

A paper counts once, in the section it is filed in (and so in every section above it); papers cross-listed with
`also_in` are not counted again, so the per-section counts add up to the survey's size.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from evlm_cli.model import Survey

UNKNOWN = "unknown"
"""The year, venue or month shown for papers that have none."""
TOP_AUTHORS = 20
"""How many authors `authors` keeps by default."""


@dataclass(frozen=True, slots=True)
class SectionCount:
    """One section's row: its papers with its subsections' (`papers`) and those filed in it directly (`own`)."""

    id: str
    title: str
    depth: int
    """1 for a top-level section."""
    papers: int
    own: int
    by_year: dict[str, int]
    """Papers (with subsections') per year, for every year of the survey, in order; `unknown` last when present."""


@dataclass(frozen=True, slots=True)
class Stats:
    """Every figure `evlm stats` reports. Years are strings so that `unknown` sits beside them in JSON and CSV."""

    papers: int
    sections: list[SectionCount]
    """In reading order."""
    years: dict[str, int]
    """Papers per year, oldest first; `unknown` last when some paper has no year."""
    cumulative_years: dict[str, int]
    """Growth over time: papers published in or before each year (papers without a year are left out)."""
    venues: dict[str, int]
    """Papers per venue, most first (ties by name); `unknown` for papers without one."""
    added: dict[str, int]
    """Growth by date added: papers in the survey at the end of each month (`2025-01`) in which papers were added;
    papers without an `added` date are left out."""
    authors: list[tuple[str, int]]
    """Authors with the most papers, most first (ties by name)."""


def compute(survey: Survey, *, top_authors: int = TOP_AUTHORS) -> Stats:
    """Count everything once, from the database (`top_authors=0` leaves the authors out, as the README chart does)."""
    year_of = {p.key: str(p.year) if p.year else UNKNOWN for p in survey.papers}
    year_counts = Counter(year_of.values())
    years = {y: year_counts[y] for y in sorted(year_counts, key=_year_order)}

    own: dict[str, Counter[str]] = {s.id: Counter() for s in survey.sections}
    for paper in survey.papers:
        own.setdefault(paper.section, Counter())[year_of[paper.key]] += 1
    subtree = {s.id: Counter(own[s.id]) for s in survey.sections}
    for section in reversed(survey.sections):  # children come after their parents: add each to its parent
        if section.parent is not None:
            subtree[section.parent].update(subtree[section.id])
    sections = [
        SectionCount(
            id=s.id,
            title=s.title,
            depth=survey.depth(s.id),
            papers=sum(subtree[s.id].values()),
            own=sum(own[s.id].values()),
            by_year={y: subtree[s.id][y] for y in years},
        )
        for s in survey.sections
    ]

    running, cumulative = 0, {}
    for year, count in years.items():
        if year != UNKNOWN:
            running += count
            cumulative[year] = running
    months = Counter(p.added.strftime("%Y-%m") for p in survey.papers if p.added)
    running, added = 0, {}
    for month in sorted(months):
        running += months[month]
        added[month] = running

    venues = Counter(p.venue.strip() or UNKNOWN for p in survey.papers)
    return Stats(
        papers=len(survey.papers),
        sections=sections,
        years=years,
        cumulative_years=cumulative,
        venues=dict(sorted(venues.items(), key=lambda item: (-item[1], item[0].casefold()))),
        added=added,
        authors=_authors(survey, top_authors) if top_authors else [],  # 0: not needed, skip the name parsing
    )


def _year_order(year: str) -> tuple[int, str]:
    return (1, year) if year == UNKNOWN else (0, year)


def _authors(survey: Survey, top: int) -> list[tuple[str, int]]:
    """Names as a reader writes them (`Jane Doe`, whichever way the database spells it), counted once a paper."""
    from evlm_cli.render.names import literal, people

    counts: Counter[str] = Counter()
    for paper in survey.papers:
        counts.update({literal(parts) for parts in people(paper.authors)})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    return ranked[:top]


def top_level(stats: Stats) -> list[SectionCount]:
    return [s for s in stats.sections if s.depth == 1]


def as_json(stats: Stats) -> dict[str, object]:
    """The figures as plain JSON data (what `evlm stats --json` prints)."""
    return {
        "papers": stats.papers,
        "sections": [
            {"id": s.id, "title": s.title, "depth": s.depth, "papers": s.papers, "own": s.own, "by_year": s.by_year}
            for s in stats.sections
        ],
        "years": stats.years,
        "cumulative_years": stats.cumulative_years,
        "venues": stats.venues,
        "added": stats.added,
        "authors": [{"name": name, "papers": count} for name, count in stats.authors],
    }


CSV_COLUMNS = ("table", "row", "column", "value")


def as_csv(stats: Stats) -> str:
    """Every figure as one long table (`table,row,column,value`): one file a spreadsheet or pandas pivots at will."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["total", "papers", "", stats.papers])
    for s in stats.sections:
        writer.writerow(["sections", s.id, "papers", s.papers])
        writer.writerow(["sections", s.id, "own", s.own])
    for s in stats.sections:
        for year, count in s.by_year.items():
            writer.writerow(["section_year", s.id, year, count])
    for name, table in (
        ("years", stats.years),
        ("cumulative_years", stats.cumulative_years),
        ("venues", stats.venues),
        ("added", stats.added),
    ):
        for row, count in table.items():
            writer.writerow([name, row, "papers", count])
    for author, count in stats.authors:
        writer.writerow(["authors", author, "papers", count])
    return buffer.getvalue()


def as_latex(survey: Survey, stats: Stats, *, keys: bool = False) -> str:
    """A booktabs table of the taxonomy with its counts, for `\\input` in a survey paper (needs `booktabs`; with
    `keys`, a column of `\\cite{...}` per section's own papers, which needs `tabularx` too). Titles are written so
    that pdflatex compiles them in OT1 and T1 documents alike (`evlm_cli.latex_body`); letters it needs a package
    for are named in a comment on top (`latex_needs`)."""
    from evlm_cli.latex_body import encode_body

    lines = [
        "% The survey's taxonomy, generated by `evlm stats --latex`; needs \\usepackage{"
        + ("booktabs,tabularx" if keys else "booktabs")
        + "}.",
    ]
    needs = latex_needs(stats)
    if needs:
        named = [f"{script} ({letters}{': ' + LATEX_PACKAGES[script] if script in LATEX_PACKAGES else ''})"
                 for script, letters in needs.items()]  # fmt: skip
        lines.append(
            "% pdflatex sets some letters of these titles only with a package: "
            + "; ".join(named)
            + ". xelatex and lualatex set them with a font that has them."
        )
    lines += [
        r"\noindent\begin{tabularx}{\linewidth}{@{}lr>{\raggedright\arraybackslash}X@{}}"
        if keys
        else r"\begin{tabular}{@{}lr@{}}",
        r"\toprule",
        r"Section & Papers" + (r" & References" if keys else "") + r" \\",
        r"\midrule",
    ]
    for s in stats.sections:
        indent = r"\quad " * (s.depth - 1)
        title = encode_body(s.title)[0]
        if s.depth == 1:
            title = r"\textbf{" + title + "}"
        row = f"{indent}{title} & {s.papers}"
        if keys:
            cited = [p.key for p in survey.papers_in(s.id)]
            row += " & " + (r"\cite{" + ",".join(cited) + "}" if cited else "")
        lines.append(row + r" \\")
    if stats.sections:  # with none, the rule under the header is the one above the total
        lines.append(r"\midrule")
    lines += [
        r"Total & " + str(stats.papers) + (" &" if keys else "") + r" \\",
        r"\bottomrule",
        r"\end{tabularx}\par" if keys else r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


LATEX_PACKAGES = {
    "CJK": r"\usepackage{CJKutf8} and a CJK environment",
    "Cyrillic": r"\usepackage[T2A]{fontenc}",
    "Greek": r"\usepackage[LGR,T1]{fontenc}",
}
"""What pdflatex needs for the letters of a script (`latex_needs`), named in the LaTeX table's comment."""


def latex_needs(stats: Stats) -> dict[str, str]:
    """Letters of the section titles that pdflatex sets only with a package (kept in the LaTeX table as UTF-8), by
    script: `{"Cyrillic": "Иван", "CJK": "量化"}`. Empty for titles in the Latin script."""
    from evlm_cli.latex_body import encode_body

    needs: dict[str, str] = {}
    for section in stats.sections:
        for script, letters in encode_body(section.title)[1].items():
            needs[script] = needs.get(script, "") + "".join(c for c in letters if c not in needs.get(script, ""))
    return needs
