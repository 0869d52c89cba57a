"""Turn a ``random_state`` argument into a numpy ``Generator`` (private helper)."""

from __future__ import annotations

import numbers

from typing import Any

import numpy as np


def as_generator(random_state: Any, *, name: str = "random_state") -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` built from ``random_state``.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        ``None`` gives fresh, unseeded entropy; an int seeds a new generator; a
        ``Generator`` is returned as it is (so its stream is shared); a legacy
        ``RandomState`` (as scikit-learn passes around) seeds a new generator from
        one draw of it.
    name : str, default="random_state"
        The argument name used in error messages.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> from lossbook._random import as_generator
    >>> float(as_generator(0).random()) == float(as_generator(0).random())
    True
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        f"{name} must be None, a non-negative int, a numpy Generator or a RandomState, "
        f"got {random_state!r}"
    )
