"""Fixtures for the browser tests: the built site over HTTP, and one headless Chromium.

- ``site`` (tests/conftest.py): _build/html, or a failure if the book was not built.
- ``server``: a ``http.server`` on 127.0.0.1 at a free port, serving _build/html, for the
  whole session; stopped at the end.
- ``browser``: Debian's ``chromium`` (``shutil.which("chromium")``) driven by pip's
  playwright, headless, with a throw-away profile. Playwright never downloads a browser
  here; if chromium is missing the tests fail (``make test`` installs it first).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from built_site import ROOT

SCREENSHOTS = ROOT / "_build" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-quic",
    "--metrics-recording-only",
]


def chromium_path() -> str | None:
    """Debian's chromium: $CHROMIUM if set, else ``chromium`` on the PATH."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def server(site):
    """The base URL (``http://127.0.0.1:PORT/``) of the built site."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not executable:
        pytest.fail(
            "chromium was not found: install Debian's chromium (apt-get install -y chromium; "
            "`make chromium` does it) or set CHROMIUM to its path",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright's launch uses a fresh temporary profile (user data dir) each time.
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots(site) -> Path:
    # `make test-browser` empties the folder first; with pytest-xdist each worker runs this
    # fixture, so it must not delete what another worker has already saved.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
