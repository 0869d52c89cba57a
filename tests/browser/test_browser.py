"""Every page of the built site, opened in headless Chromium (see conftest.py).

Run after the build (``make test`` builds the book, runs tests/site, then these):
``pytest tests/browser``. Each page of _build/html is one test, which loads the page from
a local ``http.server`` and checks that:

- it loads with no failed request (no network error, no HTTP error status) and no request
  leaving the machine: every request is routed, and anything not to the local server is
  aborted and reported;
- no JavaScript error and no console error;
- every image loaded (``naturalWidth`` > 0) and has alt text;
- on pages with math (``class="math"`` in the HTML), MathJax typeset every formula into an
  ``mjx-container``, with no TeX error and no raw ``$$`` or ``\\(`` left in the text;
- every link to a page of the site resolves to a built file, and its ``#fragment`` is an
  id on that page.

A full-page screenshot of each page is saved under _build/screenshots/ for review.
``test_search_finds_entropy`` types a word into the theme's search box and checks that the
search page lists results.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from built_site import HTML, built_pages, local_target, parse

VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000
# Raw TeX delimiters that must not survive typesetting (outside code blocks).
RAW_MATH = ("$$", "\\(", "\\)", "\\[", "\\]")


PAGES = [p.relative_to(HTML).as_posix() for p in built_pages()]


def test_site_has_pages(site):
    assert len(PAGES) >= 5, f"only {len(PAGES)} pages in {site}"
    assert "book/index.html" in PAGES and "search.html" in PAGES


# JavaScript run in the page once it has loaded.
WAIT_FOR_IMAGES = """async (timeout) => {
    const images = [...document.images];
    for (const img of images) img.loading = "eager";
    const done = images.map(img => img.complete ? Promise.resolve()
        : new Promise(resolve => { img.addEventListener("load", resolve); img.addEventListener("error", resolve); }));
    await Promise.race([Promise.all(done), new Promise(resolve => setTimeout(resolve, timeout))]);
    return images.map(img => ({src: img.currentSrc || img.src, complete: img.complete,
                               width: img.naturalWidth, alt: (img.getAttribute("alt") || "").trim()}));
}"""

MATH_STATE = """() => {
    const math = [...document.querySelectorAll(".math")];
    const body = document.body.cloneNode(true);
    body.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight").forEach(e => e.remove());
    return {
        math: math.length,
        untypeset: math.filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.slice(0, 80)),
        containers: document.querySelectorAll("mjx-container").length,
        errors: [...document.querySelectorAll("mjx-merror")].map(e => e.textContent.slice(0, 80)),
        text: body.textContent,
    };
}"""

LINKS = """() => [...document.querySelectorAll("a[href]")].map(a => [a.getAttribute("href"), a.href])"""


def _open(browser, server):
    """A fresh context and page whose every request is routed; returns (context, page, problems)."""
    problems: list[str] = []
    blocked: set[str] = set()
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)

    def route(route):
        url = route.request.url
        if url.startswith(server) or urlsplit(url).scheme in ("data", "blob"):
            route.continue_()
        else:
            blocked.add(url)
            problems.append(f"request leaving the machine (aborted): {url}")
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text} ({m.location})"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    page.on(
        "requestfailed",
        lambda r: r.url not in blocked and problems.append(f"request failed: {r.url} ({r.failure})"),
    )
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    return context, page, problems


@pytest.mark.parametrize("name", PAGES or ["(no page built)"])
def test_page(name, site, server, browser, screenshots):
    path = site / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the book first (make book)", pytrace=False)
    info = parse(path)
    context, page, problems = _open(browser, server)
    try:
        response = page.goto(urljoin(server, name), wait_until="load")
        assert response is not None and response.ok, f"{name}: {response and response.status}"
        if info.refresh:
            # The root index.html only redirects to the book's home page.
            page.wait_for_url(urljoin(urljoin(server, name), info.refresh))
            page.wait_for_load_state("load")
            return_to = urlsplit(page.url).path.lstrip("/")
            assert (site / return_to).is_file(), f"{name} redirects to a missing page: {page.url}"

        images = page.evaluate(WAIT_FOR_IMAGES, TIMEOUT_MS)
        for img in images:
            if not img["complete"] or img["width"] == 0:
                problems.append(f"image not loaded: {img['src']}")
            if not img["alt"]:
                problems.append(f"image without alt text: {img['src']}")

        if info.math:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise")
            state = page.evaluate(MATH_STATE)
            if not state["containers"]:
                problems.append("the page has math but MathJax rendered nothing (no mjx-container)")
            problems += [f"math not typeset: {text!r}" for text in state["untypeset"]]
            problems += [f"MathJax error: {text!r}" for text in state["errors"]]
            problems += [f"raw TeX left in the text: {raw!r}" for raw in RAW_MATH if raw in state["text"]]

        here = page.url
        for raw, href in page.evaluate(LINKS):
            parts = urlsplit(href)
            if not href.startswith(server):
                if parts.scheme in ("http", "https") and parts.hostname in ("127.0.0.1", "localhost"):
                    problems.append(f"link to another local server: {raw}")
                continue
            target = local_target(site, parts.path.lstrip("/"))
            if not target.is_file():
                problems.append(f"broken link: {raw} (no {target.relative_to(site)})")
            elif parts.fragment and target.suffix == ".html":
                fragment = unquote(parts.fragment)
                if fragment not in parse(target).ids:
                    problems.append(f"broken link: {raw} (no id {fragment!r} in {target.relative_to(site)})")

        shot = screenshots / Path(name).with_suffix(".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        # a long page on a busy machine takes more than the default 20 s to capture
        page.screenshot(path=str(shot), full_page=True, timeout=120_000)
        assert here == page.url
    finally:
        context.close()
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_search_finds_entropy(site, server, browser):
    """Type a word into the theme's search box: the search page must list results."""
    assert (site / "searchindex.js").is_file(), "searchindex.js was not built"
    context, page, problems = _open(browser, server)
    try:
        page.goto(urljoin(server, "book/index.html"), wait_until="load")
        # The search field in the sidebar opens the theme's search dialog.
        page.locator("button.search-button-field:visible").first.click()
        box = page.locator("input[name='q']:visible")
        box.wait_for(state="visible")
        box.fill("entropy")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search\.html\?q=entropy"))
        results = page.locator("#search-results ul.search > li")
        results.first.wait_for(state="visible")
        count = results.count()
        titles = results.locator("a").all_inner_texts()
        summary = page.locator("#search-results .search-summary").inner_text()
    finally:
        context.close()
    assert count >= 1, f"no search results for 'entropy': {summary}"
    assert not problems, "\n".join(problems)
    assert titles and all(titles), titles
