"""Solutions stay hidden on the site until the reader opens them (headless Chromium).

For every built page with exercise solutions (sphinx-exercise's ``div.solution``, made a
dropdown by sphinx-togglebutton), in a fresh page:

- before anything is clicked, nothing of any solution is visible but its title: no text, no
  code, no output, no figure (each element's ``checkVisibility()`` and size);
- nothing that belongs to a solution stands outside it: no notebook cell (code or output)
  between a solution and the next exercise or heading, the place where chapters 1 and 2 used
  to show the outputs of their hidden-input solution cells;
- after a click on its toggle button, the solution's text is visible, and so is every output of the
  code cells it holds (a gated solution: solution-start / solution-end).
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from built_site import HTML, built_pages

VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000

PAGES = [
    p.relative_to(HTML).as_posix()
    for p in built_pages()
    if 'class="solution' in p.read_text(encoding="utf-8")
]

# For every solution: what is visible inside it (except its title), and what notebook
# cells follow it, outside it, before the next exercise or heading.
STATE = """() => [...document.querySelectorAll("div.solution")].map(solution => {
    const visible = (e) => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
        && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
    const title = solution.querySelector(":scope > .admonition-title");
    const content = [...solution.querySelectorAll("*")].filter(e => !title.contains(e));
    const shown = content.filter(e => visible(e) && (e.matches("img, pre, .cell_output, mjx-container")
        || [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())));
    const outputs = [...solution.querySelectorAll(".cell_output")];
    const leaked = [];
    for (let next = solution.nextElementSibling; next; next = next.nextElementSibling) {
        if (next.matches("div.exercise, h1, h2, h3, section")) break;
        if (next.matches(".cell") || next.querySelector(".cell")) leaked.push(next.textContent.trim().slice(0, 80));
    }
    return {
        id: solution.id,
        button: !!solution.querySelector(":scope > .admonition-title .toggle-button"),
        title: title.textContent.trim().slice(0, 80),
        shown: shown.map(e => e.textContent.trim().slice(0, 60) || e.tagName),
        text: visible(solution) ? solution.innerText.replace(title.innerText, "").trim().length : 0,
        outputs: outputs.length,
        outputs_shown: outputs.filter(visible).length,
        leaked,
    };
})"""


def test_site_has_solutions(site):
    assert len(PAGES) >= 5, f"only {len(PAGES)} pages with solutions: {PAGES}"


@pytest.mark.parametrize("name", PAGES or ["(no page with solutions)"])
def test_solutions_hidden_until_opened(name, site, server, browser):
    if not (site / name).is_file():
        pytest.fail(f"{site / name} is missing: build the book first (make book)", pytrace=False)
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    page = context.new_page()
    problems = []
    try:
        page.goto(urljoin(server, name), wait_until="domcontentloaded")
        # sphinx-togglebutton has run (it adds its buttons once the DOM is loaded)
        page.wait_for_function("() => document.querySelectorAll('.toggle-button').length > 0")
        count = page.locator("div.solution").count()
        assert count > 0
        for state in page.evaluate(STATE):
            if not state["button"]:
                problems.append(f"{state['title']!r}: not a dropdown (no toggle button)")
            if state["shown"]:
                problems.append(f"{state['title']!r}: visible before it is opened: {state['shown'][:5]}")
            if state["leaked"]:
                problems.append(f"{state['title']!r}: cells after it, outside it: {state['leaked']}")
        for i in range(count):
            # the chevron button; a click on the title's link to its exercise does not toggle
            button = page.locator("div.solution").nth(i).locator(":scope > .admonition-title .toggle-button")
            if button.count():
                button.click()
        page.wait_for_timeout(300)
        for state in page.evaluate(STATE):
            if not state["text"]:
                problems.append(f"{state['title']!r}: nothing visible after it is opened")
            if state["outputs_shown"] != state["outputs"]:
                problems.append(
                    f"{state['title']!r}: {state['outputs_shown']} of its {state['outputs']} outputs visible once opened"
                )
    finally:
        context.close()
    assert not problems, f"{name}:\n" + "\n".join(problems)
