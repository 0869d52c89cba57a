"""Interactive figures on the website: BokehJS and a small loader, served from ``_static``.

A notebook cell that displays a :class:`lossbook.interactive.InteractiveFigure` stores a
``text/html`` output: a static picture, its data as JSON, and nothing executable. This
extension makes those outputs move on the website:

- It finds them while reading each page (a raw HTML node holding
  ``class="lossbook-interactive"``) and checks each one: it must sit in a figure with a
  caption (``mystnb: figure: caption`` in the cell's metadata), its name must be unique on
  its page, and it must have been made with the Bokeh that is installed (otherwise
  ``make notebooks`` has not been run since Bokeh changed). Each problem is a Sphinx
  warning, so an error under ``-W``.
- On the pages that hold one, and only there, it adds ``style.css`` and ``loader.js``
  (beside this file) to the page's head; once the page has loaded, the loader fetches
  BokehJS (``bokeh-VERSION.min.js``, copied from the installed ``bokeh`` package, so it
  always matches the Python side) from the same folder.
- After the build it copies those three files once into
  ``_build/html/_static/lossbook-interactive/``; nothing is fetched from a CDN.

The loader replaces each static picture by the Bokeh plot and labelled HTML controls
(``<input type="range">``, ``<select>``), and when a control moves it hands Bokeh the
precomputed frame of the new setting. Printing shows the static picture.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MARKER = 'class="lossbook-interactive"'
STATIC_DIR = "lossbook-interactive"
LOADER = "loader.js"
STYLE = "style.css"
SCHEMA = 1
_FIGURE = re.compile(
    r'<div class="lossbook-interactive" data-name="([^"]+)" data-schema="(\d+)" data-bokeh="([^"]*)">'
)


def bokeh_version() -> str:
    import bokeh

    return bokeh.__version__


def bokeh_js() -> Path:
    """The installed package's minified BokehJS (plots only: the controls are plain HTML)."""
    from bokeh.util.paths import bokehjs_path

    return Path(bokehjs_path()) / "js" / "bokeh.min.js"


def static_files() -> dict[str, Path]:
    """What the site serves, by name under ``_static/lossbook-interactive/``."""
    return {f"bokeh-{bokeh_version()}.min.js": bokeh_js(), LOADER: HERE / LOADER, STYLE: HERE / STYLE}


def copy_static(outdir: Path) -> Path:
    """Copy the served files into ``outdir/_static/lossbook-interactive``; return that folder."""
    target = Path(outdir) / "_static" / STATIC_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, source in static_files().items():
        shutil.copyfile(source, target / name)
    return target


def figures_in(html: str) -> list[dict]:
    """The interactive figures in an HTML string: their name, schema and Bokeh version."""
    return [
        {"name": m.group(1), "schema": int(m.group(2)), "bokeh": m.group(3)} for m in _FIGURE.finditer(html)
    ]


def _in_captioned_figure(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.figure):
            return any(
                isinstance(child, nodes.caption) and child.astext().strip() for child in parent.children
            )
        parent = parent.parent
    return False


def find_figures(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    names: list[str] = []
    for node in doctree.findall(nodes.raw):
        if "html" not in node.get("format", "").split() or MARKER not in node.astext():
            continue
        for figure in figures_in(node.astext()):
            where = (env.docname, node.line)
            if figure["schema"] != SCHEMA:
                logger.warning(
                    "interactive figure %r has page format %s; this site reads %s: re-execute the "
                    "notebook (make notebooks)",
                    figure["name"],
                    figure["schema"],
                    SCHEMA,
                    location=where,
                )
            if figure["bokeh"] != bokeh_version():
                logger.warning(
                    "interactive figure %r was made with Bokeh %s, but Bokeh %s is installed: "
                    "re-execute the notebook (make notebooks)",
                    figure["name"],
                    figure["bokeh"],
                    bokeh_version(),
                    location=where,
                )
            if not _in_captioned_figure(node):
                logger.warning(
                    "interactive figure %r has no caption: give its cell the metadata "
                    '"mystnb": {"figure": {"caption": "...", "name": "fig-..."}}',
                    figure["name"],
                    location=where,
                )
            if figure["name"] in names:
                logger.warning(
                    "two interactive figures named %r on one page: pass name=... to tell them apart",
                    figure["name"],
                    location=where,
                )
            names.append(figure["name"])
    if names:
        pages = getattr(env, "lossbook_interactive", {})
        pages[env.docname] = names
        env.lossbook_interactive = pages


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "lossbook_interactive", {}).pop(docname, None)


def merge(app: Sphinx, env, docnames, other) -> None:
    pages = getattr(env, "lossbook_interactive", {})
    pages.update(getattr(other, "lossbook_interactive", {}))
    env.lossbook_interactive = pages


def add_files(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename not in getattr(app.env, "lossbook_interactive", {}):
        return
    app.add_css_file(f"{STATIC_DIR}/{STYLE}")
    # The loader fetches bokeh-VERSION.min.js from its own folder once the page has loaded.
    app.add_js_file(f"{STATIC_DIR}/{LOADER}", defer="defer", **{"data-bokeh": bokeh_version()})


def copy_files(app: Sphinx, exception) -> None:
    if exception is None and app.builder.format == "html" and getattr(app.env, "lossbook_interactive", {}):
        copy_static(Path(app.outdir))


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", find_figures)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("html-page-context", add_files)
    app.connect("build-finished", copy_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
