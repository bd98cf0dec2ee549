"""The survey's charts as SVG text (`evlm stats --charts`): papers per year stacked by top-level section, and papers
per section. Drawn with matplotlib (Agg, imported only here, when a chart is asked for).

The bytes depend on the data alone (no date, fixed ids, text drawn as paths with matplotlib's bundled font), so a
chart in the repository is regenerated identically and `build --check` stays meaningful. Text and axes are a mid
grey on a transparent background, readable in GitHub's light and dark themes alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evlm_cli.stats import UNKNOWN, Stats, top_level

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHARTS = {
    "papers-per-year.svg": "papers per year, stacked by top-level section",
    "papers-per-section.svg": "papers per section (top level, with subsections)",
}
"""File name -> what it shows."""
_INK = "#8b949e"
"""GitHub's muted text colour: legible on white and on GitHub's dark background."""
_PALETTE = ("#4c8bf5", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7")


def render(stats: Stats) -> dict[str, str]:
    """Every chart, file name -> SVG text."""
    return {name: render_one(stats, name) for name in CHARTS}


def render_one(stats: Stats, name: str) -> str:
    """One chart (a name from `CHARTS`) as SVG text: `evlm build` draws only the one the README shows.

    matplotlib's warnings (a glyph its font lacks, drawn as a box) are not evlm's to print: they are silenced."""
    import warnings

    draw = {"papers-per-year.svg": _per_year, "papers-per-section.svg": _per_section}[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return draw(stats)


DESIGN = 2
"""The charts' look: raised when the drawing changes, so that `evlm build` draws the README chart again (its stamp,
`build._chart`, otherwise keeps a chart whose counts are unchanged)."""


@dataclass(frozen=True, slots=True)
class Drawing:
    """A chart being drawn: `collect` waits for its SVG text; `cancel` stops the drawing if it is still going (a
    write that fails before it needs the chart)."""

    collect: Callable[[], str]
    cancel: Callable[[], None] = lambda: None


def draw_here(stats: Stats, name: str) -> Drawing:
    """`render_one`, now."""
    svg = render_one(stats, name)
    return Drawing(lambda: svg)


def draw_aside(stats: Stats, name: str) -> Drawing:
    """`render_one` in a second Python process (`python -m evlm_cli.charts NAME`), started now; the result waits for
    it. The same code draws the same bytes there. If that process cannot start, fails or hangs, the chart is drawn
    here instead, so any error is the one `render_one` gives."""
    import contextlib
    import pickle
    import subprocess
    import sys

    try:
        worker = subprocess.Popen(
            [sys.executable, "-P", "-m", "evlm_cli.charts", name],  # -P: not the current folder's modules
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return draw_here(stats, name)
    request, worker.stdin = worker.stdin, None  # sent now, so the drawing starts now; communicate() only reads
    assert request is not None
    try:
        request.write(pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL))  # a few kB: the pipe takes them
        request.close()
    except OSError:
        with contextlib.suppress(OSError):
            request.close()
        worker.kill()
        worker.wait()
        return draw_here(stats, name)

    def collect() -> str:
        try:
            output, _ = worker.communicate(timeout=ASIDE_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            worker.kill()
            worker.wait()
            return render_one(stats, name)
        if worker.returncode != 0:
            return render_one(stats, name)
        return output.decode("utf-8")

    def cancel() -> None:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for pipe in (worker.stdin, worker.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()

    return Drawing(collect, cancel)


ASIDE_TIMEOUT = 120.0
"""Seconds the drawing process may take before the chart is drawn here instead."""


def _serve() -> None:
    """`python -m evlm_cli.charts NAME`: read a pickled `Stats` from the evlm process that started this one
    (`draw_aside`) and write the chart's SVG to stdout."""
    import pickle
    import sys

    stats = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - sent by the evlm process that started this one
    sys.stdout.buffer.write(render_one(stats, sys.argv[1]).encode("utf-8"))


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # a bare Figure needs no pyplot state and no GUI backend

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    figure.patch.set_alpha(0)
    return figure


def _style(axes: Axes, counts: str) -> None:
    """Grey ink, no frame on top and right, whole numbers on the `counts` axis (`x` or `y`)."""
    from matplotlib.ticker import MaxNLocator

    (axes.xaxis if counts == "x" else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    axes.set_facecolor("none")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(_INK)
    axes.tick_params(colors=_INK, labelcolor=_INK)
    axes.xaxis.label.set_color(_INK)
    axes.yaxis.label.set_color(_INK)
    axes.title.set_color(_INK)


_WIDTH, _HEIGHT = 8.0, 4.5
"""The per-year chart's size in inches, before the legend's rows are added below it."""
_LEGEND_ROW = 0.22
"""Inches a row of the legend takes (small text)."""
_LABEL = 48
"""Characters of a section title on one line of the legend; longer titles wrap."""
_EVERY_YEAR = 12
"""Up to this many years each is labelled on the x axis."""
_FEWEST_SLOTS = 6
"""Years the x axis spans at least, so that one year's bar is not as wide as the chart."""


def _per_year(stats: Stats) -> str:
    """Papers per year, stacked by top-level section, for every year from the first to the last (a year without
    papers is a gap at 0). Papers without a year are not drawn; the x label counts them. The legend sits below the
    axes, in as many columns as fit, so it never covers a bar."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    known = [int(year) for year in stats.years if year != UNKNOWN]
    years = list(range(min(known), max(known) + 1)) if known else []
    figure = _figure(_WIDTH, _HEIGHT)
    axes = figure.add_subplot()
    _style(axes, "y")
    axes.set_title("Papers per year")
    undated = stats.years.get(UNKNOWN, 0)
    axes.set_xlabel(
        "Year" + (f" ({undated} {'paper' if undated == 1 else 'papers'} without a year not shown)" if undated else "")
    )
    axes.set_ylabel("Papers")
    if not years:
        axes.text(0.5, 0.5, "no papers with a year yet", transform=axes.transAxes, ha="center", va="center", color=_INK)
        axes.set_xticks([])
        axes.set_ylim(0, 1)
        axes.set_yticks([0])
        return _svg(figure)
    bottom = [0] * len(years)
    for index, section in enumerate(top_level(stats)):
        heights = [section.by_year.get(str(year), 0) for year in years]
        if not any(heights):
            continue
        color = _PALETTE[index % len(_PALETTE)]
        axes.bar(years, heights, bottom=bottom, label=_label(section.title), color=color, width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    spare = max(0.6, (_FEWEST_SLOTS - len(years)) / 2)  # a year or two: bars as wide as among six years
    axes.set_xlim(years[0] - spare, years[-1] + spare)
    if len(years) <= _EVERY_YEAR:
        axes.set_xticks(years)
    else:
        axes.xaxis.set_major_locator(MaxNLocator(nbins=_EVERY_YEAR, integer=True))  # every 2, 5 or 10 years
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))  # 2024, never an offset or 2.024e3
    _legend_below(figure, axes)
    return _svg(figure)


def _legend_below(figure: Figure, axes: Axes) -> None:
    """The legend under the axes, centred, in the most columns that fit the figure's width; the figure grows by its
    rows, so the axes keep their height. No labelled bars, no legend."""
    handles, labels = axes.get_legend_handles_labels()
    if not handles:
        return
    for most in range(len(handles), 0, -1):
        columns = -(-len(handles) // -(-len(handles) // most))  # as few as give the same rows: they are even
        legend = figure.legend(
            handles, labels, loc="outside lower center", ncols=columns, frameon=False, fontsize="small", labelcolor=_INK
        )
        if columns == 1 or legend.get_window_extent().width <= figure.bbox.width * 0.96:
            break
        legend.remove()
    lines = sum(
        max(label.count("\n") + 1 for label in labels[row : row + columns]) for row in range(0, len(labels), columns)
    )
    figure.set_size_inches(_WIDTH, _HEIGHT + _LEGEND_ROW * lines)


def _label(title: str) -> str:
    """A section title as the chart's font can draw it: symbols it has no glyph for (emoji) left out, and wrapped
    when long. Letters it lacks (CJK) stay, drawn as boxes."""
    import textwrap
    import unicodedata

    from matplotlib import font_manager

    font = font_manager.get_font(font_manager.findfont(font_manager.FontProperties()))
    kept = "".join(
        char
        for char in title
        if char.isascii() or font.get_char_index(ord(char)) or unicodedata.category(char)[0] in "LN"
    )
    return textwrap.fill(" ".join(kept.split()), _LABEL) or title


def _per_section(stats: Stats) -> str:
    sections = top_level(stats)
    figure = _figure(8, 0.5 + 0.45 * len(sections) if sections else 2)
    axes = figure.add_subplot()
    _style(axes, "x")
    titles = [_label(s.title) for s in reversed(sections)]
    counts = [s.papers for s in reversed(sections)]
    colours = [_PALETTE[i % len(_PALETTE)] for i in reversed(range(len(sections)))]
    bars = axes.barh(titles, counts, color=colours)
    axes.bar_label(bars, padding=3, color=_INK)
    axes.set_xlabel("Papers")
    axes.set_title("Papers per section")
    if not sections:
        axes.text(0.5, 0.5, "no sections yet", transform=axes.transAxes, ha="center", va="center", color=_INK)
        axes.set_yticks([])
        axes.set_xticks([0])
    return _svg(figure)


def _svg(figure: Figure) -> str:
    import io

    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "evlm", "svg.fonttype": "path", "svg.id": None}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


if __name__ == "__main__":
    _serve()
