"""The site extension _ext/interactive_figures: checks at build time, and the files it serves.

The extension at work in a real build (the script tags on the pages that need them, one
copy of BokehJS) is tested by tests/browser/test_interactive.py on a throw-away book.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from lossbook.interactive import Control, Group, InteractiveFigure, Line, Panel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))
import interactive_figures  # noqa: E402


def figure_html(name="demo"):
    x = np.linspace(0.0, 1.0, 3)
    return InteractiveFigure(
        name,
        controls=[Control("a", "a", values=[1.0, 2.0])],
        panels=[Panel([Line("s", "x", "y")])],
        sources={"s": {"x": x}},
        groups=[Group(["a"], lambda s: {"data": {"s": {"y": s["a"] * x}}})],
        alt="A line.",
    ).to_html(png=b"png")


def page(*outputs, caption=True):
    """A doctree like MyST-NB's: each output in a figure (with or without a caption)."""
    document = new_document("figures.ipynb", get_default_settings(Parser))
    for html in outputs:
        figure = nodes.figure()
        figure += nodes.container("", nodes.raw("", html, format="html"), nb_element="mime_bundle")
        if caption:
            figure += nodes.caption("", "A caption.")
        document += figure
    return document


class Warnings(list):
    def warning(self, message, *args, **kwargs):
        self.append(message % args)


@pytest.fixture
def run(monkeypatch):
    def run_on(document):
        warnings = Warnings()
        monkeypatch.setattr(interactive_figures, "logger", warnings)
        app = SimpleNamespace(env=SimpleNamespace(docname="figures"))
        interactive_figures.find_figures(app, document)
        return app.env, warnings

    return run_on


def test_a_captioned_figure_is_recorded_without_warnings(run):
    env, warnings = run(page(figure_html()))
    assert warnings == []
    assert env.lossbook_interactive == {"figures": ["demo"]}


def test_a_page_without_figures_gets_no_files(run):
    env, warnings = run(page("<p>no figure here</p>"))
    assert not getattr(env, "lossbook_interactive", {}) and warnings == []
    added = []
    app = SimpleNamespace(
        env=env, add_js_file=lambda *a, **k: added.append(a), add_css_file=lambda *a, **k: added.append(a)
    )
    interactive_figures.add_files(app, "figures", "page.html", {}, None)
    assert added == []


def test_files_are_added_to_pages_with_figures(run):
    env, _ = run(page(figure_html()))
    added = []
    app = SimpleNamespace(
        env=env,
        add_js_file=lambda name, **k: added.append((name, k)),
        add_css_file=lambda name, **k: added.append((name, k)),
    )
    interactive_figures.add_files(app, "figures", "page.html", {}, None)
    assert added == [
        ("lossbook-interactive/style.css", {}),
        (
            "lossbook-interactive/loader.js",
            {"defer": "defer", "data-bokeh": interactive_figures.bokeh_version()},
        ),
    ]


def test_a_figure_without_caption_is_a_warning(run):
    _, warnings = run(page(figure_html(), caption=False))
    assert len(warnings) == 1 and "has no caption" in warnings[0]


def test_two_figures_with_one_name_is_a_warning(run):
    _, warnings = run(page(figure_html(), figure_html()))
    assert len(warnings) == 1 and "two interactive figures named 'demo'" in warnings[0]


def test_a_figure_made_with_another_bokeh_is_a_warning(run):
    version = interactive_figures.bokeh_version()
    _, warnings = run(page(figure_html().replace(f'data-bokeh="{version}"', 'data-bokeh="2.4.3"')))
    assert len(warnings) == 1 and "made with Bokeh 2.4.3" in warnings[0] and "make notebooks" in warnings[0]


def test_copy_static_serves_the_installed_bokehjs_and_the_loader(tmp_path):
    folder = interactive_figures.copy_static(tmp_path)
    version = interactive_figures.bokeh_version()
    assert folder == tmp_path / "_static" / "lossbook-interactive"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"bokeh-{version}.min.js", "loader.js", "style.css"]
    )
    bokehjs = (folder / f"bokeh-{version}.min.js").read_text(encoding="utf-8")
    assert f'"{version}"' in bokehjs  # the bundle's own version string
    assert (folder / f"bokeh-{version}.min.js").stat().st_size < 2_000_000
