"""Interactive figures (lossbook.interactive) in headless Chromium, moved with the keyboard.

``test_figure_moves_with_the_keyboard`` runs on every interactive figure it finds:

- on every page of the built site (_build/html), and
- on a throw-away book built for this test session with Jupyter Book and the site's own
  extension (``_ext/interactive_figures``): one notebook page holding the four figures of
  the book (small grids), so the machinery is tested before the chapters hold them.

For each figure it finds every control by its ARIA role and accessible name (a labelled
``slider`` or ``combobox``), reaches it with the Tab key, moves it with the arrow keys, and
checks after each move that the plot's data sources hold exactly the precomputed frame of
the new setting (read back from Bokeh's document in the page, and compared with the frame
looked up in the figure's JSON), that the text under the plot is the frame's text, and that
the picture on the canvas changed. No console error and no request leaving the machine are
allowed. A screenshot of each figure is saved under _build/screenshots/interactive/.

``test_the_four_figures_are_in_their_chapters`` checks that the book's four figures are
where they teach (issue 12), each in a numbered figure, and that chapter 1 links to the
loss explorer.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import numpy as np
import pytest
from built_site import HTML, ROOT, built_pages, serve
from test_browser import _open

import lossbook as lb
from lossbook.interactive import active_controls, frame_of, read_html

sys.path.insert(0, str(ROOT / "_ext"))
import interactive_figures  # noqa: E402  (the site's extension, from _ext/)

# Where the book's four figures belong (issue 12), and the page that must link to one.
EXPECTED = {
    "learning-rate": "book/training_loop.html",
    "outlier": "book/regression.html",
    "threshold": "book/multilabel.html",
    "loss-explorer": "book/beyond.html",
}
LINKED_FROM = {"loss-explorer": "book/what_is_a_loss.html"}
SCRATCH_PAGE = "figures.html"
VIEWPORT = {"width": 1100, "height": 1000}


def site_figures() -> list[tuple[str, str]]:
    """(page, figure name) of every interactive figure on the built site."""
    found = []
    for path in built_pages():
        text = path.read_text(encoding="utf-8")
        if interactive_figures.MARKER in text:
            found += [
                (path.relative_to(HTML).as_posix(), f["name"]) for f in interactive_figures.figures_in(text)
            ]
    return found


CASES = [("scratch", SCRATCH_PAGE, name) for name in EXPECTED] + [
    ("site", page, name) for page, name in site_figures()
]


# -- the throw-away book --------------------------------------------------------------------


def scratch_figures():
    """The four figures of the book, on small grids, made the way the chapters make them."""
    from lossbook.datasets import digit_attributes, line_with_outliers, load_digits_split
    from lossbook.interactive import learning_rate_figure, loss_explorer, outlier_figure, threshold_figure

    rng = np.random.default_rng(0)
    X_sine = rng.uniform(-3, 3, size=(200, 1))
    y_sine = np.sin(X_sine) + 0.1 * rng.normal(size=(200, 1))
    X_line, y_line = line_with_outliers(n_samples=30, outlier_fraction=0.0, random_state=0)
    X_train, X_test, d_train, d_test = load_digits_split()
    (Y_train, names), (Y_test, _) = digit_attributes(d_train), digit_attributes(d_test)
    classifier = lb.LossClassifier(hidden_layer_sizes=(), max_epochs=20, tol=None, random_state=0)
    return {
        "learning-rate": learning_rate_figure(
            lambda: lb.mlp(1, (16, 16), 1, activation="tanh", random_state=0),
            X_sine,
            y_sine,
            [0.002, 0.05, 0.2, 0.3],
            epochs=300,
            initial=0.05,
        ),
        "outlier": outlier_figure(X_line, y_line, shifts=[-20.0, 0.0, 20.0]),
        "threshold": threshold_figure(
            classifier.fit(X_train, Y_train),
            X_test,
            Y_test,
            label_names=names,
            thresholds=[0.1, 0.3, 0.5, 0.7, 0.9],
        ),
        "loss-explorer": loss_explorer(),
    }


def write_scratch_book(folder: Path) -> None:
    """A book of two pages: an index, and a notebook whose cells display the four figures."""
    (folder / "_config.yml").write_text(
        "title: Interactive figures\n"
        "only_build_toc_files: true\n"
        "execute:\n  execute_notebooks: 'off'\n  stderr_output: warn\n"
        "html:\n  use_repository_button: false\n"
        "repository:\n  url: ''\n"
        "launch_buttons:\n  binderhub_url: ''\n  colab_url: ''\n  thebe: false\n"
        "sphinx:\n"
        "  local_extensions:\n"
        f"    book_site: {ROOT / '_ext'}\n"
        f"    interactive_figures: {ROOT / '_ext'}\n"
        "  config:\n    html_context:\n      default_mode: light\n",
        encoding="utf-8",
    )
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n- file: figures\n", encoding="utf-8"
    )
    (folder / "index.md").write_text("# Interactive figures\n\nA page without any.\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# The four figures"))
    for count, (name, figure) in enumerate(scratch_figures().items(), start=1):
        cell = nbformat.v4.new_code_cell(f"figure  # {name}", execution_count=count)
        cell.metadata["mystnb"] = {"figure": {"caption": f"The {name} figure.", "name": f"fig-{name}"}}
        cell.outputs.append(nbformat.v4.new_output("display_data", data=figure._repr_mimebundle_()))
        nb.cells.append(cell)
    nbformat.write(nb, folder / "figures.ipynb")


@pytest.fixture(scope="session")
def scratch_site(tmp_path_factory, worker_id, testrun_uid) -> Path:
    """The throw-away book, built once per test run (the pytest-xdist workers share it)."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    folder = shared / f"interactive-book-{testrun_uid}"
    with open(shared / f"interactive-book-{testrun_uid}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        html = folder / "_build" / "html"
        if not (html / SCRATCH_PAGE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            write_scratch_book(folder)
            command = [
                str(Path(sys.executable).parent / "jupyter-book"),
                "build",
                str(folder),
                "-W",
                "-n",
                "--keep-going",
            ]
            result = subprocess.run(command, capture_output=True, text=True, cwd=folder)
            if result.returncode != 0 or not (html / SCRATCH_PAGE).is_file():
                pytest.fail(
                    "the throw-away book did not build:\n" + result.stdout[-4000:] + result.stderr[-4000:],
                    pytrace=False,
                )
    return html


@pytest.fixture(scope="session")
def scratch_server(scratch_site):
    with serve(scratch_site) as url:
        yield url


# -- moving a figure -------------------------------------------------------------------------

READ_SOURCES = """([root, wanted]) => {
    const doc = Bokeh.documents.find(d => d.roots().some(r => r.id === root));
    if (!doc) return null;
    const out = {};
    for (const [name, columns] of Object.entries(wanted)) {
        const data = doc.get_model_by_name(name).data;
        out[name] = {};
        for (const col of columns) {
            const values = data instanceof Map ? data.get(col) : data[col];
            out[name][col] = Array.from(values, v => Number.isNaN(v) ? null : v);
        }
    }
    return out;
}"""
REPAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


class Figure:
    """One figure on an open page: its data, its controls, and what it draws."""

    def __init__(self, page, name):
        self.page = page
        self.box = page.locator(f'div.lossbook-interactive[data-name="{name}"]')
        page.wait_for_function(
            "(name) => document.querySelector(`div.lossbook-interactive[data-name='${name}']`).classList.contains('is-live')",
            arg=name,
        )
        ((self.spec, self.sensitive),) = read_html(self.box.evaluate("e => e.outerHTML"))
        self.controls = {c["name"]: c for c in self.spec["controls"]}
        self.state = {name: c["initial"] for name, c in self.controls.items()}
        self.plot = self.box.locator(".lossbook-interactive-plot")

    def control(self, name):
        role = "combobox" if self.controls[name]["kind"] == "select" else "slider"
        return self.box.get_by_role(role, name=self.controls[name]["label"], exact=True)

    def shot(self):
        self.page.evaluate(REPAINTED)
        return self.plot.screenshot()

    def check_drawn(self):
        """The page draws the frame of self.state: data sources and text."""
        expected = frame_of(self.spec, self.sensitive, self.state)
        wanted = {src: list(cols) for src, cols in expected["data"].items()}
        drawn = self.page.evaluate(READ_SOURCES, [self.spec["bokeh"]["root_id"], wanted])
        assert drawn == expected["data"], (
            f"{self.spec['name']} at {self.state}: the plot's data is not the frame's"
        )
        for name, text in expected["text"].items():
            assert self.box.locator(f'[data-text="{name}"]').inner_text() == text
        shown = set(active_controls(self.spec, self.state))
        for name in self.controls:
            assert self.control(name).is_visible() == (name in shown), (
                f"control {name} shown: {name not in shown}"
            )
        return expected

    def move(self, name, step):
        """Press an arrow key on control ``name`` (focused); check what is drawn then."""
        c, control = self.controls[name], self.control(name)
        before_frame = frame_of(self.spec, self.sensitive, self.state)
        before = self.shot()
        assert control.evaluate("e => e === document.activeElement"), f"{name} does not have the focus"
        key = {
            ("slider", 1): "ArrowRight",
            ("slider", -1): "ArrowLeft",
            ("select", 1): "ArrowDown",
            ("select", -1): "ArrowUp",
        }[c["kind"], step]
        control.press(key)
        self.state[name] += step
        state = "&".join(f"{n}={i}" for n, i in self.state.items())
        self.page.wait_for_function(
            "([box, state]) => document.querySelector(box).dataset.state === state",
            arg=[f'div.lossbook-interactive[data-name="{self.spec["name"]}"]', state],
        )
        if c["kind"] == "slider":
            assert control.get_attribute("aria-valuetext") == c["labels"][self.state[name]]
        expected = self.check_drawn()
        if expected["data"] != before_frame["data"]:
            after = self.shot()
            for _ in range(20):  # Bokeh repaints on its next animation frame
                if after != before:
                    break
                self.page.wait_for_timeout(100)
                after = self.shot()
            assert after != before, f"{self.spec['name']}: moving {name} changed the data but not the picture"

    def sliders_in_use(self):
        return [n for n in active_controls(self.spec, self.state) if self.controls[n]["kind"] == "slider"]

    def exercise_sliders(self):
        """Tab to each slider in use and move it one step (and back, at the end of its range)."""
        for name in self.sliders_in_use():
            self.page.keyboard.press("Tab")
            last = len(self.controls[name]["values"]) - 1
            self.move(name, 1 if self.state[name] < last else -1)


def exercise(page, name):
    figure = Figure(page, name)
    figure.check_drawn()
    in_use = active_controls(figure.spec, figure.state)
    figure.control(in_use[0]).focus()
    selects = [n for n in in_use if figure.controls[n]["kind"] == "select"]
    if not selects:
        figure.page.keyboard.press("Shift+Tab")
        figure.exercise_sliders()
        return figure
    (select,) = selects  # the book's figures have at most one list
    last = len(figure.controls[select]["values"]) - 1
    # Every option: down to the last, then up to the first; the sliders in use at each.
    steps = [1] * (last - figure.state[select]) + [-1] * last
    for step in [0, *steps]:
        figure.control(select).focus()
        if step:
            figure.move(select, step)
        figure.exercise_sliders()
    return figure


@pytest.mark.parametrize("where, page_name, name", CASES, ids=[f"{w}:{p}:{n}" for w, p, n in CASES])
def test_figure_moves_with_the_keyboard(where, page_name, name, request, browser, screenshots):
    base = request.getfixturevalue("scratch_server" if where == "scratch" else "server")
    context, page, problems = _open(browser, base)
    try:
        page.set_viewport_size(VIEWPORT)
        response = page.goto(urljoin(base, page_name), wait_until="load")
        assert response is not None and response.ok
        figure = exercise(page, name)
        shot = screenshots / "interactive" / f"{where}--{Path(page_name).stem}--{name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        figure.box.screenshot(path=str(shot))
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_scratch_book_serves_bokeh_once_and_only_where_needed(scratch_site):
    page = (scratch_site / SCRATCH_PAGE).read_text(encoding="utf-8")
    index = (scratch_site / "index.html").read_text(encoding="utf-8")
    version = interactive_figures.bokeh_version()
    loader = re.findall(r'<script[^>]*src="_static/lossbook-interactive/loader.js[^"]*"[^>]*>', page)
    assert len(loader) == 1 and f'data-bokeh="{version}"' in loader[0]
    assert "lossbook-interactive/" not in index
    served = sorted(p.name for p in (scratch_site / "_static" / "lossbook-interactive").iterdir())
    assert served == sorted([f"bokeh-{version}.min.js", "loader.js", "style.css"])
    assert not list(scratch_site.rglob("bokeh*.js"))[1:], "BokehJS is served more than once"
    # Each figure sits in a numbered, captioned <figure>.
    for name in EXPECTED:
        assert re.search(rf'<figure[^>]*id="fig-{name}">.*?data-name="{name}".*?<figcaption', page, re.DOTALL)


# -- where the figures must be -------------------------------------------------------------------


def enclosing_figure_id(html: str, name: str) -> str | None:
    """The id of the <figure> element around the interactive figure ``name``."""
    at = html.find(f'<div class="lossbook-interactive" data-name="{name}"')
    start = html.rfind("<figure", 0, at)
    if at < 0 or start < 0 or html.rfind("</figure>", 0, at) > start:
        return None
    match = re.match(r'<figure[^>]*\bid="([^"]+)"', html[start:])
    return match.group(1) if match else None


def enclosing_section_id(html: str, name: str) -> str | None:
    """The id of the innermost <section> around the interactive figure ``name``."""
    at = html.find(f'<div class="lossbook-interactive" data-name="{name}"')
    sections: list[str] = []
    for match in re.finditer(r'<section[^>]*\bid="([^"]+)"|</section>', html[:at]):
        if match.group(1):
            sections.append(match.group(1))
        else:
            sections.pop()
    return sections[-1] if at >= 0 and sections else None


def test_the_four_figures_are_in_their_chapters(site):
    problems = []
    for name, page in EXPECTED.items():
        html = (site / page).read_text(encoding="utf-8")
        if name not in [f["name"] for f in interactive_figures.figures_in(html)]:
            problems.append(f"{page} does not hold the interactive figure {name!r}")
            continue
        figure_id = enclosing_figure_id(html, name)
        if figure_id is None:
            problems.append(f"{page}: {name!r} is not in a numbered <figure> (mystnb figure metadata)")
        if name in LINKED_FROM and figure_id:
            # The figure itself, or the section that holds it: a notebook links to another's
            # heading (JupyterLab cannot resolve a figure of another notebook).
            targets = [f"{Path(page).name}#{i}" for i in (figure_id, enclosing_section_id(html, name)) if i]
            linking = (site / LINKED_FROM[name]).read_text(encoding="utf-8")
            if not any(f'href="{t}"' in linking for t in targets):
                problems.append(f"{LINKED_FROM[name]} does not link to {' or '.join(targets)}")
    assert not problems, "\n".join(problems)
