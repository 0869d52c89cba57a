"""Debian's chromium for the browser tests (tests/browser, tests/lab), driven by pip's
playwright, which never downloads a browser of its own here.

tests/conftest.py puts this folder on ``sys.path`` (pytest's "prepend" import mode does it for
every conftest.py outside a package), so the tests import it by name.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

# Headless, offline: no background requests to Google's hosts, no first-run dialogs.
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


@contextmanager
def launched_chromium():
    """A headless chromium (fresh temporary profile), closed at the end; the calling test
    fails (never skips) if chromium is missing."""
    executable = chromium_path()
    if not executable:
        pytest.fail(
            "chromium was not found: install Debian's chromium (apt-get install -y chromium; "
            "`make chromium` does it) or set CHROMIUM to its path",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -r requirements.txt", pytrace=False)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
