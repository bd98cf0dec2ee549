"""`evlm stats`: the survey in numbers, as tables, JSON, CSV, a LaTeX table or SVG charts (`evlm_cli.stats`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import JsonOption, load

if TYPE_CHECKING:
    from rich.table import Table

    from evlm_cli.stats import Stats


@app.command()
def stats(
    ctx: typer.Context,
    *,
    json_output: JsonOption = False,
    csv_output: Annotated[
        bool, typer.Option("--csv", help="Print every figure as CSV (table,row,column,value) for spreadsheets.")
    ] = False,
    latex: Annotated[
        bool, typer.Option("--latex", help="Print a booktabs table of the taxonomy with counts, for \\input.")
    ] = False,
    keys: Annotated[
        bool, typer.Option("--keys", help="With --latex: a column citing each section's papers (needs tabularx).")
    ] = False,
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts",
            help="Also write the charts as SVG files into this folder (created if missing).",
            metavar="FOLDER",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    authors: Annotated[int, typer.Option("--authors", help="How many of the top authors to show.", min=0)] = 20,
) -> None:
    """Count the survey's papers per section, year, venue and author, and its growth over time.

    Example: evlm stats --latex > taxonomy.tex; evlm stats --charts figures/
    """
    from evlm_cli import stats as numbers

    chosen = [name for name, on in (("--json", json_output), ("--csv", csv_output), ("--latex", latex)) if on]
    if len(chosen) > 1:
        raise typer.BadParameter(f"give only one of {', '.join(chosen)}")
    if keys and not latex:
        raise typer.BadParameter("--keys works with --latex")
    survey, _ = load(ctx)
    figures = numbers.compute(survey, top_authors=authors)
    if charts is not None:
        _write_charts(charts, figures)
    if json_output:
        _console.print_json(numbers.as_json(figures))
    elif csv_output:
        _console.print_plain(numbers.as_csv(figures))
    elif latex:
        _console.print_plain(numbers.as_latex(survey, figures, keys=keys))
        if needs := numbers.latex_needs(figures):
            _console.warning(
                f"section titles hold {', '.join(needs)} letters, which pdflatex sets only with a package "
                "(named in the table's second line) and xelatex or lualatex with a font that has them"
            )
    elif charts is None:
        _print_tables(figures)


def _write_charts(folder: Path, figures: Stats) -> None:
    from evlm_cli import charts
    from evlm_cli.errors import EvlmError
    from evlm_cli.fsutil import atomic_write

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EvlmError(f"cannot create the charts folder: {error.strerror}", where=str(folder)) from None
    for name, svg in charts.render(figures).items():
        atomic_write(folder / name, svg)
        _console.info(f"written: {_console.shown(folder / name)} ({charts.CHARTS[name]})")


def _print_tables(figures: Stats) -> None:
    """The figures as tables that fit the terminal (its width, or COLUMNS) without dropping or cutting a number; in
    a file or a pipe (and no COLUMNS) each table keeps its natural width."""
    width = _console.table_width()
    out = _console.out() if width is not None else _console.out_unbounded()
    for table in [*_section_tables(figures, width), *_other_tables(figures)]:
        out.print(table)


def _section_tables(figures: Stats, width: int | None) -> list[Table]:
    """Papers per section and year: one table when it fits `width` with a third of it for the section titles
    (which wrap), else a table of the sections' totals and the years in as few tables as fit, each repeating the
    section column. Numbers and years are never wrapped or cut."""
    from rich.cells import cell_len

    years = list(figures.years)
    section = max([cell_len("section"), *(2 * (s.depth - 1) + cell_len(s.title) for s in figures.sections)])
    counts = [max([len(name), *(len(str(getattr(s, name))) for s in figures.sections)]) for name in ("papers", "own")]
    year_widths = [max([len(y), *(len(str(s.by_year[y])) for s in figures.sections)]) for y in years]
    section_min = section if width is None else min(section, max(MIN_SECTION, width // 3))
    if width is None or _box_width([section_min, *counts, *year_widths]) <= width:
        return [_section_table(figures, f"{figures.papers} papers per section and year", ["papers", "own", *years])]
    chunks: list[tuple[list[str], list[int]]] = []  # years and their widths, as many in each table as fit
    for year, year_width in zip(years, year_widths, strict=True):
        if not chunks or _box_width([section_min, *chunks[-1][1], year_width]) > width:
            chunks.append(([], []))
        chunks[-1][0].append(year)
        chunks[-1][1].append(year_width)
    tables = [_section_table(figures, f"{figures.papers} papers per section", ["papers", "own"])]
    for number, (chunk, _) in enumerate(chunks, 1):
        tables.append(_section_table(figures, f"per section and year ({number} of {len(chunks)})", chunk))
    return tables


MIN_SECTION = 12
"""Columns the section titles keep at least (a third of the width on wider terminals), wrapping."""


def _box_width(columns: list[int]) -> int:
    """The width of a rich table with borders whose columns are this wide: a border before each and after the
    last, and a space of padding on either side."""
    return 1 + sum(column + 3 for column in columns)


def _section_table(figures: Stats, title: str, columns: list[str]) -> Table:
    """A table of the sections, indented by depth (a wrapped title keeps its indent), and these columns: `papers`,
    `own` or years (blank for none)."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    table.add_column("section")
    for column in columns:
        table.add_column(column, justify="right", no_wrap=True)
    for s in figures.sections:
        cells = [str(s.papers if c == "papers" else s.own if c == "own" else s.by_year[c] or "") for c in columns]
        table.add_row(Padding(Text(s.title, overflow="fold"), (0, 0, 0, 2 * (s.depth - 1))), *cells)
    return table


def _other_tables(figures: Stats) -> list[Table]:
    """Per year, per venue, growth by date added, top authors: names wrap (and fold), numbers never do."""
    from rich.table import Table
    from rich.text import Text

    from evlm_cli.stats import UNKNOWN

    growth = Table(title="per year")
    growth.add_column("year", no_wrap=True)
    growth.add_column("papers", justify="right", no_wrap=True)
    growth.add_column("total", justify="right", no_wrap=True)
    for year, count in figures.years.items():
        growth.add_row(year, str(count), str(figures.cumulative_years.get(year, "")) if year != UNKNOWN else "")
    tables = [growth]

    for title, column, rows in (
        ("per venue", "venue", list(figures.venues.items())),
        ("growth by date added", "month", list(figures.added.items())),
        ("authors with the most papers", "author", figures.authors),
    ):
        if not rows:
            continue
        table = Table(title=title, min_width=len(title))
        table.add_column(column, overflow="fold")
        table.add_column("papers" if column != "month" else "total", justify="right", no_wrap=True)
        for name, count in rows:
            table.add_row(Text(name), str(count))
        tables.append(table)
    return tables
