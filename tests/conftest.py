"""Fixtures shared by the checks on the built website (tests/site, tests/browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from built_site import require_site


@pytest.fixture(scope="session")
def site() -> Path:
    """_build/html, or a failure (never a skip) if the book was not built."""
    return require_site()
