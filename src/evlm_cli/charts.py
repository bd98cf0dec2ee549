"""The survey's charts as SVG text (`evlm stats --charts`): papers per year stacked by top-level section, and papers
per section. Drawn with matplotlib (Agg, imported only here, when a chart is asked for).

The bytes depend on the data alone (no date, fixed ids, text drawn as paths with matplotlib's bundled font), so a
chart in the repository is regenerated identically and `build --check` stays meaningful. Text and axes are a mid
grey on a transparent background, readable in GitHub's light and dark themes alike.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """One chart (a name from `CHARTS`) as SVG text: `evlm build` draws only the one the README shows."""
    draw = {"papers-per-year.svg": _per_year, "papers-per-section.svg": _per_section}[name]
    return draw(stats)


def draw_here(stats: Stats, name: str) -> Callable[[], str]:
    """`render_one`, now; the result returns it."""
    svg = render_one(stats, name)
    return lambda: svg


def draw_aside(stats: Stats, name: str) -> Callable[[], str]:
    """`render_one` in a second Python process (`python -m evlm_cli.charts NAME`), started now; the result waits for
    it. The same code draws the same bytes there. If that process cannot start, fails or hangs, the chart is drawn
    here instead, so any error is the one `render_one` gives."""
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
    request = pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL)

    def collect() -> str:
        try:
            output, _ = worker.communicate(request, timeout=ASIDE_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            worker.kill()
            worker.wait()
            return render_one(stats, name)
        if worker.returncode != 0:
            return render_one(stats, name)
        return output.decode("utf-8")

    return collect


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

    figure = Figure(figsize=(width, height), dpi=100)
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


def _per_year(stats: Stats) -> str:
    years = [y for y in stats.years if y != UNKNOWN]
    figure = _figure(8, 4.5)
    axes = figure.add_subplot()
    _style(axes, "y")
    bottom = [0] * len(years)
    for index, section in enumerate(top_level(stats)):
        heights = [section.by_year.get(y, 0) for y in years]
        if not any(heights):
            continue
        axes.bar(years, heights, bottom=bottom, label=section.title, color=_PALETTE[index % len(_PALETTE)])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xlabel("Year")
    axes.set_ylabel("Papers")
    axes.set_title("Papers per year")
    legend = axes.legend(frameon=False, fontsize="small", loc="upper left")
    for text in legend.get_texts():
        text.set_color(_INK)
    figure.tight_layout()
    return _svg(figure)


def _per_section(stats: Stats) -> str:
    sections = top_level(stats)
    figure = _figure(8, 0.5 + 0.45 * max(len(sections), 1))
    axes = figure.add_subplot()
    _style(axes, "x")
    titles = [s.title for s in reversed(sections)]
    counts = [s.papers for s in reversed(sections)]
    colours = [_PALETTE[i % len(_PALETTE)] for i in reversed(range(len(sections)))]
    bars = axes.barh(titles, counts, color=colours)
    axes.bar_label(bars, padding=3, color=_INK)
    axes.set_xlabel("Papers")
    axes.set_title("Papers per section")
    figure.tight_layout()
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
