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

from browser import ARGS, CHROMIUM
from conftest import SHIPPED_DB, Cli

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
    """The papers the reader sees: the results while searching, else the survey's own items (not the copies of
    cross-listed papers)."""
    keys: list[str] = page.eval_on_selector_all(
        "#matches li.paper, #results li.paper[id]",
        "items => items.filter(li => li.checkVisibility()).map(li => li.dataset.key)",
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
    # a result's Cite holds what the survey's list holds, and copies the same BibTeX
    first = page.locator("#matches li.paper").first
    first.locator("summary").click()
    first.locator("button.copy").click()
    page.wait_for_function("document.querySelector('#matches .copied').textContent !== ''")
    exported = Cli()("--db", str(database), "export", "bibtex", "--key", first.get_attribute("data-key")).stdout
    assert page.evaluate("navigator.clipboard.readText()") == exported
    page.fill("#q", "pruning")
    page.wait_for_function("location.search.includes('q=pruning')")  # the URL follows once typing pauses
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


def test_the_page_splits_words_as_the_prebuilt_index_does(page: Any, site: tuple[Path, Path]) -> None:
    """The index is made in Python and queried in the page: both must see the same words in every field."""
    from evlm_cli import db
    from evlm_cli.site import search_index
    from evlm_cli.site.render import _search_documents

    database, folder = site
    survey = db.load(database)
    documents = _search_documents(survey)
    expected = [
        search_index.words(survey.section_path(d["section_id"]) if field == "section" else d[field])
        for d in documents
        for field in search_index.FIELDS
    ]
    texts = ["Quäntization ŁÓDŹ naïve café", "x_y 4-bit ＦＵＬＬＷＩＤＴＨ ﬁne", "Σίσυφος İstanbul ß ǅ", "٣ ½ Ⅻ"]
    _open(page, (folder / "index.html").as_uri())
    in_page = page.evaluate(
        "fields => window.evlmSearch.docs.flatMap((d, i) => fields.map(f => window.evlmSearch.fieldWords(i, f)))",
        list(search_index.FIELDS),
    )
    assert len(in_page) == len(documents) * len(search_index.FIELDS) and in_page == expected
    assert page.evaluate("texts => texts.map(window.evlmSearch.words)", texts) == list(map(search_index.words, texts))


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A survey of 230 papers that all match `pruning`: more than one page of results."""
    from evlm_cli import db
    from evlm_cli.model import Paper, Section, Survey, SurveyInfo

    folder = tmp_path_factory.mktemp("big")
    sections = (Section("a", "Alpha"), Section("b", "Beta"))
    papers = tuple(Paper(f"p{n:03}", f"Token pruning {n}", "ab"[n % 2], year=2020 + n % 5) for n in range(230))
    database = folder / "papers.toml"
    database.write_text(db.dumps(Survey(SurveyInfo("Big"), sections, papers)), encoding="utf-8")
    Cli()("--db", str(database), "site", "-o", str(folder / "out"))
    return folder / "out" / "index.html"


def test_results_are_drawn_a_page_at_a_time_under_their_sections(page: Any, big_site: Path) -> None:
    _open(page, big_site.as_uri())
    page.fill("#q", "pruning")
    assert page.inner_text("#status") == "230 of 230 papers match"
    assert len(_shown(page)) == 100 and page.inner_text("#more button") == "Show 100 more (130 not shown)"
    groups = "#matches .group"
    assert page.eval_on_selector_all(groups, "hs => hs.map(h => h.textContent)") == ["Alpha"]
    page.click("#more button")
    assert page.evaluate("document.activeElement.dataset.key") == "p200"  # the first paper drawn has the focus
    page.click("#more button")
    in_order = [f"p{n:03}" for n in range(0, 230, 2)] + [f"p{n:03}" for n in range(1, 230, 2)]
    assert _shown(page) == in_order and page.locator("#more").is_hidden()
    # the next page continues the section it stopped in: one heading per section
    assert page.eval_on_selector_all(groups, "hs => hs.map(h => h.textContent)") == ["Alpha", "Beta"]
    assert page.evaluate("document.querySelectorAll('[id=\"p-p007\"]').length") == 1  # copies carry no ids
    page.fill("#q", "pruning 2021")
    assert len(_shown(page)) == 46 and page.locator("#more").is_hidden()
    page.fill("#q", "nothing-like-this")
    assert _shown(page) == [] and page.locator("#nothing").is_visible()


def test_a_link_from_the_results_leaves_the_search_for_the_survey(page: Any, site: tuple[Path, Path]) -> None:
    _, folder = site
    _open(page, (folder / "index.html").as_uri() + "?q=quantization")
    heading = page.locator("#matches .group a").first
    target = heading.get_attribute("href")
    heading.click()
    assert page.input_value("#q") == "" and page.locator("#matches").is_hidden()
    assert page.evaluate("location.hash") == target and page.locator(target).is_visible()


def test_a_phrase_typed_before_the_abstracts_are_parsed_is_checked_once_they_are(
    page: Any, site: tuple[Path, Path]
) -> None:
    """The abstracts come last in the page (a big survey parses for seconds after search works): until they are
    there, a phrase keeps every paper holding its words, says so, and is redone when the page is parsed."""
    import re

    database, folder = site
    html = (folder / "index.html").read_text(encoding="utf-8")
    held = re.search(r'<script id="evlm-abstracts" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert held is not None
    page.route(
        "**/index.html",
        lambda route: route.fulfill(body=html.replace(held.group(0), ""), content_type="text/html; charset=utf-8"),
    )
    _open(page, (folder / "index.html").as_uri())
    query = '"training quantization"'
    page.fill("#q", query)
    exact = _search_keys(database, query)
    early = sorted(_shown(page))
    assert set(exact) < set(early)  # every paper with both words, until the abstracts say which hold the phrase
    assert page.inner_text("#status").endswith("(checking the abstracts…)")
    page.evaluate(
        """text => { const s = document.createElement("script"); s.id = "evlm-abstracts";
        s.type = "application/json"; s.textContent = text; document.body.appendChild(s);
        document.dispatchEvent(new Event("DOMContentLoaded")); }""",
        held.group(1),
    )
    assert sorted(_shown(page)) == exact and page.inner_text("#status") == f"{len(exact)} of 37 papers match"


def test_a_citation_opened_before_the_list_is_parsed_is_filled_once_it_is(page: Any, site: tuple[Path, Path]) -> None:
    """Results come from the page's data, a citation from the survey's list: opened before the list is there, it
    says so and is filled when the page is parsed."""
    import re

    database, folder = site
    html = (folder / "index.html").read_text(encoding="utf-8")
    listed = re.search(r'<div id="results">.*?\n</div>\n', html, re.DOTALL)
    assert listed is not None
    page.route(
        lambda url: "/index.html" in url,
        lambda route: route.fulfill(
            body=html.replace(listed.group(0), '<div id="results"></div>\n'), content_type="text/html; charset=utf-8"
        ),
    )
    _open(page, (folder / "index.html").as_uri() + "?q=quantization")
    first = page.locator("#matches li.paper").first
    first.locator("summary").click()
    assert first.locator(".waiting").inner_text() == "Loading…"
    page.evaluate(
        """list => { document.getElementById("results").outerHTML = list;
        document.dispatchEvent(new Event("DOMContentLoaded")); }""",
        listed.group(0),
    )
    key = first.get_attribute("data-key")
    exported = Cli()("--db", str(database), "export", "bibtex", "--key", key).stdout
    assert first.locator("pre.bibtex").text_content() == exported
    assert first.locator(".waiting").count() == 0 and first.locator("[id]").count() == 0


def test_a_link_lands_below_the_sticky_search_form(page: Any, site: tuple[Path, Path]) -> None:
    """Every link of the table of contents scrolls its section below the form, in view, from the top of the page
    (the papers above a late section are laid out only near the screen, so the browser's first jump falls short)."""
    _, folder = site
    _open(page, (folder / "index.html").as_uri())
    targets = page.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href').slice(1))")
    assert len(targets) > 20
    for target in targets:
        page.evaluate("() => { history.replaceState(null, '', location.pathname); window.scrollTo(0, 0); }")
        page.click(f"nav.toc a[href='#{target}']")
        page.wait_for_timeout(300)  # the few frames site.js takes to settle the scroll
        box = page.evaluate(
            """id => { const t = document.getElementById(id).getBoundingClientRect();
            const form = document.getElementById("search").getBoundingClientRect();
            const hit = document.elementFromPoint(t.left + 20, t.top + 5);
            return { top: t.top, formBottom: form.bottom, onTop: document.getElementById(id).contains(hit) }; }""",
            target,
        )
        assert box["formBottom"] <= box["top"] < 900 and box["onTop"], (target, box)


def test_back_and_forward_give_the_search_back(page: Any, site: tuple[Path, Path]) -> None:
    database, folder = site
    _open(page, (folder / "index.html").as_uri())
    page.fill("#q", "quantization")
    page.wait_for_function("location.search.includes('q=quantization')")
    page.click("#matches .group a >> nth=0")  # leaves the search for the section
    assert page.input_value("#q") == "" and page.locator("#matches").is_hidden()
    page.go_back()
    page.wait_for_function("document.getElementById('q').value === 'quantization'")
    assert sorted(_shown(page)) == _search_keys(database, "quantization")
    page.go_forward()
    page.wait_for_function("document.getElementById('q').value === ''")
    assert page.locator("#matches").is_hidden()


def test_queries_as_evlm_search_reads_them(page: Any, site: tuple[Path, Path]) -> None:
    """Joined words are also cut in two; a facet wins over the same filter in the query (as an option does); a
    query with no words says so; values the page does not list still filter; a very long word stays quick."""
    database, folder = site
    _open(page, (folder / "index.html").as_uri())
    for query in ("visionlanguage", "posttraining", "testtime", "lowrank"):
        page.fill("#q", query)
        assert sorted(_shown(page)) == _search_keys(database, query), query
    for query in ("*", '""', ":", "😀"):
        page.fill("#q", query)
        assert page.inner_text("#status") == "37 papers: the query has no words to search for", query
        assert page.locator("#matches").is_hidden() and len(_shown(page)) == 37
    long = "https://openaccess.thecvf.com/content/CVPR2024/html/" + "Vision_Language_" * 20 + "paper.html"
    for query in (long, "a-" * 2000, "title:" * 500, "q" * 300):
        page.fill("#q", query)  # would freeze or crash the page without the limits on long words
        assert page.inner_text("#status").endswith("papers match")
    base = (folder / "index.html").as_uri()
    _open(page, base + "?q=quantization+year:2022&year=2024")
    cli = Cli()("--db", str(database), "search", "quantization year:2022", "--year", "2024", "--keys", "--all")
    assert sorted(_shown(page)) == sorted(cli.stdout.split())
    _open(page, base + "?year=2030")
    assert page.inner_text("#status") == "0 of 37 papers match" and page.input_value("#f-from") == "2030"
    _open(page, base + "?venue=cvpr")
    assert page.input_value("#f-venue") == "CVPR"
    cli = Cli()("--db", str(database), "search", "--venue", "CVPR", "--keys", "--all")  # CVPR Workshops too
    assert sorted(_shown(page)) == sorted(cli.stdout.split())


def test_keyboard_and_phone_reach_the_search_first(browser: Any, site: tuple[Path, Path]) -> None:
    _, folder = site
    for viewport in ({"width": 1200, "height": 900}, {"width": 375, "height": 740}):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        _open(page, (folder / "index.html").as_uri())
        tabs = 0
        while page.evaluate("document.activeElement.id") != "q" and tabs < 10:
            page.keyboard.press("Tab")
            tabs += 1
        assert tabs < 10, viewport  # the skip link and the header's links come first, then the search
        assert page.evaluate("document.getElementById('q').getBoundingClientRect().top") < viewport["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        context.close()
