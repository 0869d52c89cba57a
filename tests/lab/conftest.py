"""Fixtures for the JupyterLab tests: ``lab``, the book served by JupyterLab with
jupyterlab-myst from the project's venv for the whole session and stopped at the end whatever
happens (lab_server.py), and ``browser``, one headless Chromium (tests/chromium.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import launched_chromium
from lab_server import SCREENSHOTS, running_lab


@pytest.fixture(scope="session")
def lab():
    with running_lab() as lab:
        yield lab


@pytest.fixture(scope="session")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
