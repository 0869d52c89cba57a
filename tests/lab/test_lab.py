"""The book as a reader runs it: every notebook in JupyterLab with jupyterlab-myst, in headless
Chromium (lab_server.py starts the server, conftest.py
holds the fixtures).

For every notebook, opened without running anything:

- it renders: every Markdown cell is rendered by jupyterlab-myst;
- no raw MyST is left: no ``{term}``, ``{numref}``, ``{eval}``, ```` ```{exercise} ````,
  ``:::{`` or any other role or directive syntax, no "Unknown Directive";
- a reference JupyterLab cannot resolve is one the README allows: a figure named in a code
  cell's metadata (JupyterLab sees only Markdown cells) or a citation key of
  book/references.bib (it has no bibliography); anything else is a broken reference;
- every number tied to the code (``{eval}``) shows its stored value;
- no solution is visible before its dropdown is opened: each solution's ``<details>`` is
  closed, and each code cell of a gated solution shows only its first line (a comment) until
  it is expanded; after opening, the solution and the code are visible.

Then, for chapter 1 and chapter 2, Run All on the project's kernel (the ``python3`` kernel of
this venv): every code cell runs in order, no error or stderr output appears, the tied numbers
(evaluated again by jupyterlab-myst) read as stored, and the solutions' code stays collapsed.
The notebooks are opened one after the other in one JupyterLab page (the application loads
once). Also: the server runs jupyterlab-myst and the venv's kernel, it is stopped when a test
fails, and ``make lab`` prints an address that opens chapter 1. Screenshots land in
_build/screenshots/lab/ (NAME.png, and NAME-run-all.png after Run All).
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

import nbformat
import pytest
from lab_server import BOOK, running_lab

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))
import tied_values  # noqa: E402

NOTEBOOKS = sorted(p.name for p in BOOK.glob("*.ipynb"))
RUN_ALL = ["what_is_a_loss.ipynb", "training_loop.ipynb"]
VIEWPORT = {"width": 1280, "height": 1000}
RENDER_TIMEOUT_MS = 120_000
RUN_TIMEOUT_MS = 900_000

RAW_MYST = [
    "{term}", "{numref}", "{ref}", "{doc}", "{eval}", "{cite", "{glue", "{exercise}", "{solution",
    "```{", ":::{", "{{", "Unknown Directive", "Unknown Role",
]
RAW_ROLE = re.compile(r"\{[A-Za-z][\w:.-]*\}`")
BIB_KEYS = set(re.findall(r"@\w+\{([^,\s]+),", (BOOK / "references.bib").read_text(encoding="utf-8")))

# Everything the tests read from the page, per cell (cells are in notebook order).
CELLS = """() => [...document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")].map(cell => {
    const myst = cell.querySelector(".myst");
    let text = "";
    if (myst) {
        const copy = myst.cloneNode(true);
        copy.querySelectorAll("pre, .katex-mathml, annotation, svg").forEach(e => e.remove());
        text = copy.textContent;
    }
    const visible = (e) => !!e && e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
        && e.getBoundingClientRect().height > 0;
    return {
        markdown: cell.classList.contains("jp-MarkdownCell"),
        rendered: !!myst && myst.childElementCount > 0,
        text,
        visible_text: cell.innerText.trim(),
        not_found: [...cell.querySelectorAll('[title="Cross Reference Not Found"], [title="Citation Not Found"]')]
            .map(e => [e.title, e.textContent.trim()]),
        details: [...cell.querySelectorAll("details")].map(d => ({
            open: d.open, summary: d.querySelector("summary").innerText.trim(),
            body: visible(d.querySelector(".details-body")) })),
        editor: visible(cell.querySelector(".jp-InputArea-editor")),
        outputs: visible(cell.querySelector(".jp-OutputArea")) && cell.querySelectorAll(".jp-OutputArea-output").length > 0,
        prompt: (cell.querySelector(".jp-InputPrompt") || {}).textContent || "",
        errors: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
                 + ' [data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.textContent.slice(0, 300)),
    };
})"""


def gated_cells(nb) -> dict[int, str]:
    """{index: label} of the code cells inside solution-start / solution-end gates."""
    gated, label = {}, None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            if label and re.match(r"\s*(`{3,}|:{3,})\{solution-end\}", cell.source):
                label = None
            match = re.search(r"\{solution-start\}\s+([\w-]+)", cell.source)
            if match:
                label = match.group(1)
        elif label:
            gated[i] = label
    return gated


def figure_names(nb) -> set[str]:
    return {
        ((c.metadata.get("mystnb") or {}).get("figure") or {}).get("name")
        for c in nb.cells
        if c.cell_type == "code"
    } - {None}


def new_page(lab, browser, path: str = ""):
    """A fresh browser context on a JupyterLab workspace of its own, every request outside
    the server aborted and recorded; returns (context, page, requests that tried to leave)."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    leaving = []

    def route(route):
        if route.request.url.startswith(lab.url) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(lab.open_url(path, "w" + secrets.token_hex(6)))
    page.wait_for_selector(".jp-DirListing-item")
    return context, page, leaving


def open_in(page, name):
    """Open the notebook ``name`` from the file browser of the running JupyterLab (no reload of
    the application) and wait until its tab is the current one."""
    page.locator(".jp-DirListing-itemText").get_by_text(name, exact=True).dblclick()
    page.wait_for_function(
        """(name) => { const tab = document.querySelector("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel");
            return tab && tab.textContent.trim() === name; }""",
        arg=name,
    )


def wait_rendered(page, nb):
    """Until every cell is in the page and every Markdown cell rendered by jupyterlab-myst,
    and the text stays the same for a second (references resolve in a second pass)."""
    page.wait_for_function(
        """(n) => { const cells = [...document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")];
            return cells.length === n && cells.filter(c => c.classList.contains("jp-MarkdownCell"))
                .every(c => c.querySelector(".myst") && c.querySelector(".myst").childElementCount > 0); }""",
        arg=len(nb.cells),
    )
    previous = None
    for _ in range(120):
        cells = page.evaluate(CELLS)
        snapshot = [c["text"] for c in cells]
        if snapshot == previous:
            return cells
        previous = snapshot
        page.wait_for_timeout(500)
    return cells


def kernel_idle(page):
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']")


def screenshot(page, path: Path) -> None:
    """The whole notebook: the viewport is made as tall as the notebook (up to 20000 px),
    since JupyterLab scrolls inside the page rather than the page itself."""
    scroller = """() => { const s = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer");
        if (!s) return document.body.scrollHeight; s.scrollTop = 0; return s.scrollHeight; }"""
    height = page.evaluate(scroller)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 160, 20000)})
    page.wait_for_timeout(1000)
    page.evaluate(scroller)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)


def close_sessions(lab):
    import urllib.request

    for session in lab.api("/api/sessions"):
        request = urllib.request.Request(
            f"{lab.url}/api/sessions/{session['id']}", method="DELETE", headers={"Authorization": f"token {lab.token}"}
        )
        urllib.request.urlopen(request, timeout=30).close()


def rendering_problems(nb, cells) -> list[str]:
    problems = []
    if len(cells) != len(nb.cells):
        return [f"{len(cells)} cells in the page, {len(nb.cells)} in the notebook"]
    figures = figure_names(nb)
    for i, (cell, state) in enumerate(zip(nb.cells, cells)):
        if cell.cell_type != "markdown":
            continue
        if not state["rendered"]:
            problems.append(f"cell {i}: not rendered by jupyterlab-myst")
        raw = [p for p in RAW_MYST if p in state["text"]] + RAW_ROLE.findall(state["text"])
        if raw:
            problems.append(f"cell {i}: raw MyST {raw} in {state['text'][:120]!r}")
        for title, label in state["not_found"]:
            if title.startswith("Cross") and label not in figures:
                problems.append(f"cell {i}: unresolved reference {label!r} (not a figure of this notebook)")
            if title.startswith("Citation") and label not in BIB_KEYS:
                problems.append(f"cell {i}: unresolved citation {label!r} (not in references.bib)")
        for expr in tied_values.cell_expressions(cell):
            if expr in state["text"]:
                problems.append(f"cell {i}: shows the expression {expr!r}, not its value")
        for expr, result in tied_values.stored_results(cell).items():
            value = tied_values.result_text(result)
            if value not in state["text"]:
                problems.append(f"cell {i}: the tied value {value!r} of {expr!r} is not shown")
    return problems


def hidden_solution_problems(nb, cells) -> list[str]:
    problems = []
    for i, state in enumerate(cells):
        for d in state["details"]:
            if d["open"] or d["body"]:
                problems.append(f"cell {i}: {d['summary']!r} is open or shows its content before it is opened")
    for i, label in gated_cells(nb).items():
        state, first_line = cells[i], nb.cells[i].source.splitlines()[0].strip()
        if state["editor"] or state["outputs"]:
            problems.append(f"cell {i} ({label}): its code or output is visible before it is expanded")
        if state["visible_text"].replace("\u2026", "").strip() not in ("", first_line):
            problems.append(f"cell {i} ({label}): shows {state['visible_text'][:80]!r}, more than its first line")
    return problems


# -- the server and its kernel -----------------------------------------------------------------


def test_lab_runs_with_jupyterlab_myst_and_the_venv_kernel(lab):
    import urllib.request

    with urllib.request.urlopen(f"{lab.url}/lab?token={lab.token}", timeout=30) as response:
        page = response.read().decode("utf-8")
    assert '"name": "jupyterlab-myst"' in page or '"name":"jupyterlab-myst"' in page, "jupyterlab-myst is not loaded"
    specs = lab.api("/api/kernelspecs")["kernelspecs"]
    assert "python3" in specs, specs.keys()
    # "python" is replaced by the server's own interpreter (jupyter_client's format_kernel_cmd),
    # and the server runs on this venv's interpreter: so the kernel is the venv's Python, the
    # one where lossbook is installed (Run All below imports it).
    argv0 = specs["python3"]["spec"]["argv"][0]
    assert argv0 in ("python", "python3", sys.executable), f"the python3 kernel runs {argv0}, not this venv's Python"
    assert lab.process.args[0] == sys.executable


def test_server_stops_whatever_happens():
    with pytest.raises(RuntimeError, match="planted"):
        with running_lab() as lab:
            process = lab.process
            assert process.poll() is None
            raise RuntimeError("planted failure inside the test")
    assert process.poll() is not None, "JupyterLab is still running after a failing test"


# -- every notebook, opened without running ----------------------------------------------------------


@pytest.fixture(scope="module")
def lab_page(lab, browser):
    """One JupyterLab page for the notebooks opened one after the other (loading the
    application once, not once per notebook)."""
    context, page, leaving = new_page(lab, browser)
    try:
        yield page, leaving
    finally:
        context.close()


OPEN_ALL = """() => {
    const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
    panel.querySelectorAll(".jp-MarkdownCell details > summary").forEach(s => s.click());
}"""


def run_all_problems(lab, page, nb, name) -> list[str]:
    """Run > Run All Cells, wait until done, and what is wrong then."""
    kernel_idle(page)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    # Done when the kernel is idle and the toolbar's execution indicator shows every requested
    # cell executed (a collapsed cell shows no prompt to read).
    page.wait_for_function(
        """() => { const e = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator");
            const p = e && e.querySelector("[aria-valuenow]");
            return e && e.dataset.status === "idle" && p && Number(p.getAttribute("aria-valuenow")) === 100; }""",
        timeout=RUN_TIMEOUT_MS,
    )
    page.wait_for_timeout(2000)  # the last Markdown cells' {eval} values
    cells = page.evaluate(CELLS)
    problems = []
    gated = gated_cells(nb)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    for k, i in enumerate(code, start=1):
        if i not in gated and cells[i]["prompt"].strip() != f"[{k}]:":
            problems.append(f"cell {i}: prompt {cells[i]['prompt']!r}, expected [{k}]: (run in order)")
        if i in gated and nb.cells[i].outputs and not cells[i]["outputs"]:
            problems.append(f"cell {i}: the solution's code did not run (no output)")
    for i, state in enumerate(cells):
        if state["errors"]:
            problems.append(f"cell {i}: error or stderr output: {state['errors'][0]!r}")
    # the tied numbers, evaluated again by jupyterlab-myst, read as stored
    problems += [p for p in rendering_problems(nb, cells) if "tied value" in p]
    for i in gated:
        if cells[i]["editor"]:
            problems.append(f"cell {i}: the solution's code expanded by Run All")
    sessions = [s for s in lab.api("/api/sessions") if s["path"].endswith(name)]
    if [s["kernel"]["name"] for s in sessions] != ["python3"]:
        problems.append(f"sessions: {[(s['path'], s['kernel']['name']) for s in sessions]}, expected one python3 kernel")
    return [f"after Run All: {p}" for p in problems]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_jupyterlab(name, lab, lab_page, screenshots):
    """Opened without running: rendered, no raw MyST, tied values shown, solutions hidden;
    for chapters 1 and 2, then Run All; then every solution opened shows its content."""
    nb = nbformat.read(BOOK / name, as_version=4)
    page, leaving = lab_page
    problems = []
    try:
        open_in(page, name)
        cells = wait_rendered(page, nb)
        problems += rendering_problems(nb, cells)
        problems += hidden_solution_problems(nb, cells)
        screenshot(page, screenshots / name.replace(".ipynb", ".png"))

        if name in RUN_ALL:
            problems += run_all_problems(lab, page, nb, name)
            screenshot(page, screenshots / name.replace(".ipynb", "-run-all.png"))

        # Open every solution (a click on each summary, and on each collapsed code cell's
        # placeholder): its content shows.
        page.evaluate(OPEN_ALL)
        cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        for i in gated_cells(nb):
            placeholder = cell.nth(i).locator(".jp-InputPlaceholder")
            if placeholder.count():  # else it was never collapsed: reported above
                placeholder.click()
        page.wait_for_timeout(500)
        opened = page.evaluate(CELLS)
        for i, state in enumerate(opened):
            for d in state["details"]:
                if not (d["open"] and d["body"]):
                    problems.append(f"cell {i}: {d['summary']!r} does not show its content once opened")
        for i in gated_cells(nb):
            second = next((line for line in nb.cells[i].source.splitlines()[1:] if line.strip()), "")
            if not opened[i]["editor"] or second.strip()[:30] not in opened[i]["visible_text"]:
                problems.append(f"cell {i}: the solution's code does not show once expanded")
    finally:
        close_sessions(lab)
    problems += [f"request leaving the machine: {url}" for url in leaving]
    leaving.clear()
    assert not problems, f"{name}:\n" + "\n".join(problems)


# -- make lab ---------------------------------------------------------------------------------------


def test_make_lab_opens_chapter_one_and_prints_its_address(tmp_path):
    """``make lab`` prints an address that opens chapter 1 (and answers)."""
    import os
    import signal
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from lab_server import ROOT, free_port, stop

    port = free_port()
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    # -o: take the venv and its kernel as they are (make test has just made them).
    command = ["make", "-s", "-o", ".venv/.installed", "-o", ".venv/share/jupyter/kernels/lossbook/kernel.json",
               "lab", f"LAB_PORT={port}", "LAB_FLAGS=--no-browser --allow-root --ServerApp.port_retries=0"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    lines = []
    try:
        deadline = time.monotonic() + 120
        address = None
        while address is None and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
            lines.append(line)
            found = re.search(rf"(http://(?:localhost|127\.0\.0\.1):{port}/\S+)", line)
            if found:
                address = found.group(1)
        assert address, "make lab printed no address:\n" + "".join(lines[-30:])
        assert "/lab/tree/what_is_a_loss.ipynb?token=" in address, address
        # Jupyter prints the address a moment before it accepts connections.
        while True:
            try:
                with urllib.request.urlopen(address, timeout=30) as response:
                    assert response.status == 200
                    break
            except urllib.error.URLError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        stop(process)
        process.stdout.close()
