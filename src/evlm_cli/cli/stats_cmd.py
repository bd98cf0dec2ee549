"""`evlm stats`: the survey in numbers, as tables, JSON, CSV, a LaTeX table or SVG charts (`evlm_cli.stats`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evlm_cli.cli import _console, app
from evlm_cli.cli._options import JsonOption, load

if TYPE_CHECKING:
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
    from rich.table import Table
    from rich.text import Text

    from evlm_cli.stats import UNKNOWN

    out = _console.out()
    years = list(figures.years)
    sections = Table(title=f"{figures.papers} papers per section and year")
    sections.add_column("section", no_wrap=True)
    sections.add_column("papers", justify="right")
    sections.add_column("own", justify="right")
    for year in years:
        sections.add_column(year, justify="right")
    for s in figures.sections:
        counts = [str(s.by_year[y] or "") for y in years]
        sections.add_row(Text("  " * (s.depth - 1) + s.title), str(s.papers), str(s.own), *counts)
    out.print(sections)

    growth = Table(title="per year")
    growth.add_column("year")
    growth.add_column("papers", justify="right")
    growth.add_column("total", justify="right")
    for year, count in figures.years.items():
        growth.add_row(year, str(count), str(figures.cumulative_years.get(year, "")) if year != UNKNOWN else "")
    out.print(growth)

    for title, column, rows in (
        ("per venue", "venue", list(figures.venues.items())),
        ("growth by date added", "month", list(figures.added.items())),
        ("authors with the most papers", "author", figures.authors),
    ):
        if not rows:
            continue
        table = Table(title=title, min_width=len(title))
        table.add_column(column)
        table.add_column("papers" if column != "month" else "total", justify="right")
        for name, count in rows:
            table.add_row(Text(name), str(count))
        out.print(table)
