"""How fast the `evlm site` page is with a large survey, in headless Chromium (issue 13's targets: first render
under 1 s, each keystroke's results under 50 ms, with 10,000 papers).

    python benchmarks/site_speed.py [--papers 10000] [--runs 5]

A survey is generated (benchmarks/generate.py), `evlm site` builds it, and Debian's Chromium (never a downloaded
one) opens `index.html` from disk through Playwright, `--runs` times, each in a fresh browser context. Reported,
as medians over the runs:

- *first paint*: the page's first contentful paint (the header drawn; the paper list follows as it is parsed);
- *search ready*: from navigation start until the script has read the search index and shown the page's state
  (`html[data-search=ready]`), split into the phases of `PHASES`;
- *keystroke*: typing a query one character at a time in the page, the time from the `input` event to the updated
  results laid out (the handler plus a forced style and layout), over every keystroke of several queries;
- *search alone*: the same prefixes through the page's `select` only (which papers match), without the page update.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import ARGS, CHROMIUM  # the tests' browser settings, found through the path above

PHASES = ("page parsed", "script started", "index loaded", "first update", "data parse")
"""Where the time to *search ready* goes: the HTML parsed (`domInteractive`), `site.js` started, then its own steps
(the index read and its vocabulary made; the page drawn for the first time), and, apart, one parse of the papers'
JSON."""
QUERIES = ["quantization", "vision language", "author:zhang", "token pruning 2024", "distilation"]
"""Typed a character at a time; the last is misspelt (the typo-tolerant path)."""

_TYPE = """async (queries) => {
  const input = document.getElementById("q");
  const times = [];
  for (const query of queries) {
    for (let n = 1; n <= query.length; n++) {
      const start = performance.now();
      input.value = query.slice(0, n);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      void document.body.offsetHeight;  // style and layout of the updated list
      times.push(performance.now() - start);
      await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    }
    input.value = "";
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  const select = [];  // the search alone, without updating the page
  const none = { section: "", venue: "", from: null, to: null };
  for (const query of queries) {
    for (let n = 1; n <= query.length; n++) {
      const start = performance.now();
      window.evlmSearch.select(query.slice(0, n), none);
      select.push(performance.now() - start);
    }
  }
  return [times, select];
}"""

_LOAD = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const start = performance.now();
  JSON.parse(document.getElementById("evlm-data").textContent);
  const parse = performance.now() - start;
  const mark = (name) => { const m = performance.getEntriesByName(name)[0]; return m ? m.startTime : null; };
  const nav = performance.getEntriesByType("navigation")[0];
  return { paint: paint ? paint.startTime : null, ready: Number(document.documentElement.dataset.readyAt), parse,
           parsed: nav.domInteractive, start: mark("evlm:start"), index: mark("evlm:index"), end: mark("evlm:ready") };
}"""


def build_site(papers: int, folder: Path) -> Path:
    data = folder / "data"
    data.mkdir(parents=True)
    toml = data / "papers.toml"
    here = Path(__file__).parent
    subprocess.run([sys.executable, str(here / "generate.py"), str(papers), str(toml)], check=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache"), "NO_COLOR": "1"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "evlm_cli", "--db", str(toml), "site", "-o", str(folder / "site")], env=env, check=True
    )
    site = folder / "site"
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"# {papers} papers: `evlm site` took {time.perf_counter() - start:.2f} s, site {size / 1e6:.1f} MB")
    return site / "index.html"


def measure(index: Path, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    names = ("first paint", "search ready", *PHASES, "keystroke", "search alone")
    found: dict[str, list[float]] = {name: [] for name in names}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.route("**/*", _local_only)
            # the moment the script marks itself ready, on the page's own clock (navigation start = 0)
            page.add_init_script(
                "new MutationObserver((_, o) => { const h = document.documentElement;"
                " if (h.dataset.search === 'ready' && !h.dataset.readyAt) {"
                " h.dataset.readyAt = String(performance.now()); o.disconnect(); } })"
                ".observe(document, { attributes: true, subtree: true, attributeFilter: ['data-search'] });"
            )
            page.goto(index.as_uri())
            page.wait_for_selector("html[data-search=ready]", timeout=60_000)
            page.wait_for_timeout(200)  # let the paint entry arrive
            load: dict[str, Any] = page.evaluate(_LOAD)
            if load["paint"] is not None:
                found["first paint"].append(load["paint"])
            found["search ready"].append(load["ready"])
            found["page parsed"].append(load["parsed"])
            found["script started"].append(load["start"])
            found["index loaded"].append(load["index"] - load["start"])
            found["first update"].append(load["end"] - load["index"])
            found["data parse"].append(load["parse"])
            typed, searched = page.evaluate(_TYPE, QUERIES)
            found["keystroke"] += typed
            found["search alone"] += searched
            context.close()
        browser.close()
    return found


def _local_only(route: Any) -> None:
    url = route.request.url
    if not url.startswith("file://"):
        raise SystemExit(f"the site fetched {url}")
    route.continue_()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: install Debian's chromium package")
    with tempfile.TemporaryDirectory() as tmp:
        index = build_site(args.papers, Path(tmp))
        found = measure(index, args.runs)
    for name in ("first paint", "search ready", *PHASES):
        values = found[name]
        print(f"  {name}: median {statistics.median(values):.0f} ms, max {max(values):.0f} ms ({len(values)} loads)")
    for name in ("keystroke", "search alone"):
        keys = sorted(found[name])
        p95 = keys[min(len(keys) - 1, int(len(keys) * 0.95))]
        print(
            f"  {name}: median {statistics.median(keys):.1f} ms, 95th percentile {p95:.1f} ms, "
            f"max {keys[-1]:.1f} ms ({len(keys)} keystrokes)"
        )


if __name__ == "__main__":
    main()
