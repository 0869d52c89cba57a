"""An interactive figure opened in JupyterLab, where the website's JavaScript is absent.

A notebook stores an interactive figure (lossbook.interactive) as a ``text/html`` output
whose only visible part, without the site's loader, is a static picture with its alt text,
the figure's text at its initial setting and a note that the figure moves on the website.
This test opens such a notebook in a JupyterLab served on 127.0.0.1 (a throw-away
configuration, settings and data folder), in headless Chromium, twice: untrusted (as
after a clone: JupyterLab sanitises the HTML and drops the ``<script>`` blocks) and
trusted (as after running the cell: the HTML is inserted as is). Both times the picture
must show, loaded, with its alt text; no JSON may leak into the text; nothing may be
left empty; no console error and no request may leave the machine. Screenshots:
_build/screenshots/interactive/jupyterlab-*.png.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.sign import NotebookNotary
from test_browser import _open

from lossbook.datasets import line_with_outliers
from lossbook.interactive import outlier_figure

STARTUP_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def figure():
    X, y = line_with_outliers(n_samples=20, outlier_fraction=0.0, random_state=0)
    return outlier_figure(X, y, shifts=[-10.0, 0.0, 10.0])


@pytest.fixture(scope="module")
def lab(tmp_path_factory, figure):
    """A JupyterLab on 127.0.0.1 serving two copies of a notebook: untrusted.ipynb and
    trusted.ipynb (signed with the server's own notary). Yields its base URL."""
    root = tmp_path_factory.mktemp("lab")
    dirs = {
        name: root / name for name in ("notebooks", "config", "data", "runtime", "settings", "workspaces")
    }
    for path in dirs.values():
        path.mkdir()
    # Render the whole notebook, not only the cells in view (see DESIGN.md).
    notebook_settings = dirs["settings"] / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("outlier_figure(X, y)", execution_count=1)
    cell.outputs.append(nbformat.v4.new_output("display_data", data=figure._repr_mimebundle_()))
    nb.cells.append(cell)
    nbformat.write(nb, dirs["notebooks"] / "untrusted.ipynb")
    NotebookNotary(data_dir=str(dirs["data"])).sign(nb)
    nbformat.write(nb, dirs["notebooks"] / "trusted.ipynb")

    port = free_port()
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
    )
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={dirs['notebooks']}",
        "--allow-root",
    ]
    log = open(root / "lab.log", "w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                with urllib.request.urlopen(url + "api/status", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:], pytrace=False
                )
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.parametrize("notebook", ["untrusted", "trusted"])
def test_jupyterlab_shows_the_static_picture(notebook, lab, figure, browser, screenshots):
    context, page, problems = _open(browser, lab)
    try:
        page.goto(f"{lab}lab/workspaces/{notebook}/tree/{notebook}.ipynb?reset", wait_until="load")
        output = page.locator(".jp-OutputArea-output").first
        output.wait_for(timeout=60_000)
        image = output.locator("img")
        image.wait_for()
        page.wait_for_function("(img) => img.complete", arg=image.element_handle())
        assert image.count() == 1
        assert image.evaluate("img => img.naturalWidth") > 300
        assert image.get_attribute("alt") == figure.alt
        box = image.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150, box
        text = output.inner_text()
        assert figure.frame()["text"]["slopes"] in text
        assert "On the book's website this figure has controls to move." in text
        assert '"schema"' not in text and "groups" not in text, "the figure's JSON shows as text"
        assert output.locator(".lossbook-interactive-live, input, select").count() == 0
        shot = screenshots / "interactive" / f"jupyterlab-{notebook}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        output.screenshot(path=str(shot))
    finally:
        context.close()
    assert not problems, "\n".join(problems)
