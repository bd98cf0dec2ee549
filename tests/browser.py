"""How evlm's site is opened in a real browser, for the browser tests, the site benchmark
(benchmarks/site_speed.py) and the README's screenshots (tools/site_screenshot.py): Debian's Chromium, driven by
Playwright for Python, never a browser Playwright downloads."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Headless, and nothing of Chromium's own reaching the network (updates, sync, QUIC probes)."""
