"""`evlm site` in a real browser: Debian's Chromium driven by Playwright for Python (its wheel ships the driver; the
browser is the system's, never downloaded). The site is opened from disk and served from a loopback HTTP server;
the search must show exactly the papers `evlm search` finds. Skipped when Chromium is not installed (.ci/run installs
it)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SHIPPED_DB, Cli

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
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shipped survey's database (a copy) and the site built from it."""
    folder = tmp_path_factory.mktemp("site")
    database = folder / "papers.toml"
    shutil.copy(SHIPPED_DB, database)
    Cli()("--db", str(database), "site", "-o", str(folder / "out"))
    return database, folder / "out"


@pytest.fixture(scope="module")
def server(site: tuple[Path, Path]) -> Iterator[str]:
    """The site served on loopback; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site[1]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.route("**/*", _local_only)
    yield opened
    context.close()
    assert not errors, errors


def _local_only(route: Any) -> None:
    """Nothing may come from another host: a request that leaves file:// or loopback fails the test."""
    url = route.request.url
    assert url.startswith(("file://", "http://127.0.0.1")), f"the site fetched {url}"
    route.continue_()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-search=ready]")


def _shown(page: Any) -> list[str]:
    keys: list[str] = page.eval_on_selector_all(
        "li.paper[id]:not([hidden])", "items => items.map(li => li.dataset.key)"
    )
    return keys


def _search_keys(database: Path, query: str) -> list[str]:
    return sorted(Cli()("--db", str(database), "search", query, "--keys", "--all").stdout.split())


def test_search_from_disk_shows_what_evlm_search_finds(page: Any, site: tuple[Path, Path], tmp_path: Path) -> None:
    database, folder = site
    _open(page, (folder / "index.html").as_uri())
    total = len(_shown(page))
    page.fill("#q", "quantization")
    expected = _search_keys(database, "quantization")
    assert len(expected) > 1 and sorted(_shown(page)) == expected
    assert page.inner_text("#status") == f"{len(expected)} of {total} papers match"
    # a year facet narrows the search as `year:` does
    page.select_option("#f-from", "2024")
    page.select_option("#f-to", "2024")
    expected_2024 = _search_keys(database, "quantization year:2024")
    assert 0 < len(expected_2024) < len(expected) and sorted(_shown(page)) == expected_2024
    # other forms `evlm search` understands: a prefix, a field, a hyphenated word, accents and case
    page.click("#f-clear")
    for query in ("quantized", "QUANT*", "title:pruning", "vision-language", "quäntization", '"post training"'):
        page.fill("#q", query)
        assert sorted(_shown(page)) == _search_keys(database, query), query
    page.fill("#q", "quantization")
    page.screenshot(path=str(tmp_path / "site.png"))  # kept in pytest's temporary folder for a look
    assert (tmp_path / "site.png").read_bytes().startswith(b"\x89PNG")


def test_query_in_the_url_section_link_and_copy_bibtex_over_http(
    page: Any, server: str, site: tuple[Path, Path]
) -> None:
    database, _ = site
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    _open(page, f"{server}/index.html?q=quantization&year=2024")
    assert page.input_value("#q") == "quantization" and page.input_value("#f-from") == "2024"
    assert sorted(_shown(page)) == _search_keys(database, "quantization year:2024")
    page.fill("#q", "pruning")
    shared = page.evaluate("location.href")
    assert "q=pruning" in shared and "year=2024" in shared  # the URL shares what is shown

    page.click("#f-clear")
    page.click("nav.toc a[href='#sec-pruning']")
    assert page.evaluate("location.hash") == "#sec-pruning"
    assert page.locator("#h-pruning").is_visible()

    key = "mbq2024modality"
    page.click(f"#p-{key} summary")
    page.click(f"#p-{key} button.copy")
    page.wait_for_function("document.querySelector('#p-mbq2024modality .copied').textContent !== ''")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == Cli()("--db", str(database), "export", "bibtex", "--key", key).stdout
