"""Screenshots of the survey's site for the README, in the light and the dark theme:

    python tools/site_screenshot.py [--db data/papers.toml] [--out docs]

builds the site of the database into a temporary folder, opens it from disk in Debian's headless Chromium through
Playwright (never a downloaded browser), searches for `quantization` and saves
`site-light.png` and `site-dark.png`. Run it by hand when the site's look changes; nothing runs it in CI.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import ARGS, CHROMIUM  # the tests' browser settings, found through the path above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("data/papers.toml"))
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--query", default="quantization")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "evlm_cli", "--db", str(args.db), "site", "-o", str(site)], check=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for scheme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
                page.goto((site / "index.html").as_uri())
                page.wait_for_selector("html[data-search=ready]")
                page.fill("#q", args.query)
                page.locator("#q").blur()
                target = args.out / f"site-{scheme}.png"
                page.screenshot(path=str(target))
                print(f"wrote {target}")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
