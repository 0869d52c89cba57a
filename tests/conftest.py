"""Fixtures shared by the checks on the built website (tests/site, tests/browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from built_site import require_site


@pytest.fixture(scope="session")
def site() -> Path:
    """_build/html, or a failure (never a skip) if the book was not built."""
    return require_site()


# -- hypothesis profiles --------------------------------------------------------------------
# "ci" (the default): derandomised, so every run tries the same examples; a fixed budget that
# keeps the fuzz suite (tests/test_fuzz.py) well under a minute on one core; no example
# database and no shrinking (a failure prints the example as drawn). "fuzz": a long local
# hunt with many more random examples (4,000 per test, a fraction of it in the regimes other
# than float64; HYPOTHESIS_MAX_EXAMPLES=N to change it), shrunk to a minimal one, with
# --runxfail to see every failure:
#     HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest tests/test_fuzz.py --runxfail
import os  # noqa: E402

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", 4000)),
    deadline=None,
    # The seeds (explicit examples) of known faults are CI's business: a hunt looks for new ones.
    phases=[Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
