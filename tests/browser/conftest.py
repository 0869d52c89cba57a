"""Fixtures for the browser tests: the built site over HTTP, and one headless Chromium.

- ``site`` (tests/conftest.py): _build/html, or a failure if the book was not built.
- ``server``: a ``http.server`` on 127.0.0.1 at a free port, serving _build/html, for the
  whole session; stopped at the end.
- ``browser``: Debian's ``chromium`` driven by pip's playwright, headless, with a throw-away
  profile (tests/chromium.py). Playwright never downloads a browser here; if chromium is
  missing the tests fail (``make test`` installs it first).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from built_site import ROOT, serve
from chromium import launched_chromium

SCREENSHOTS = ROOT / "_build" / "screenshots"


@pytest.fixture(scope="session")
def server(site):
    """The base URL (``http://127.0.0.1:PORT/``) of the built site."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def screenshots(site) -> Path:
    # `make test-browser` empties the folder first; with pytest-xdist each worker runs this
    # fixture, so it must not delete what another worker has already saved.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
