"""Argument checks shared by the public functions of :mod:`evsynth.stats`.

Every public function validates its inputs once, here, with uniform messages that name the
argument and, for arrays, the first offending index, so that bad input is never turned into a
silent NaN result.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "as_1d_float",
    "check_same_length",
    "check_finite",
    "check_positive",
    "check_nonnegative",
    "check_choice",
    "check_level",
    "check_at_least",
]


def as_1d_float(name: str, value, *, allow_scalar: bool = True) -> np.ndarray:
    """Return ``value`` as a 1-D float array, or raise a ValueError naming ``name``."""
    try:
        arr = np.array(value, dtype=float)  # a copy: results must not alias the caller's data
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; got {value!r}") from exc
    if arr.ndim == 0:
        if not allow_scalar:
            raise ValueError(f"{name} must be a 1-D array, got a scalar")
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    return arr


def check_same_length(**arrays: np.ndarray) -> int:
    """Check that all arrays have one length and return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    first_name, first_len = next(iter(lengths.items()))
    for name, n in lengths.items():
        if n != first_len:
            raise ValueError(
                f"{name} has length {n} but {first_name} has length {first_len}; "
                "they must have the same length"
            )
    return first_len


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_finite(name: str, arr: np.ndarray) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{name}[{i}] is {float(arr[i])!r}; every value must be finite")


def check_positive(name: str, arr: np.ndarray) -> None:
    check_finite(name, arr)
    bad = arr <= 0
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{name}[{i}] is {float(arr[i])!r}; every value must be > 0")


def check_nonnegative(name: str, arr: np.ndarray) -> None:
    check_finite(name, arr)
    bad = arr < 0
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{name}[{i}] is {float(arr[i])!r}; every value must be >= 0")


def check_choice(name: str, value: str, choices) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    for c in choices:
        if value.upper() == c.upper():
            return c
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def check_level(level: float) -> float:
    """Accept a confidence level as a fraction (0.95) or a percentage (95)."""
    try:
        level = float(level)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"level must be a number in (0, 1) or (0, 100); got {level!r}") from exc
    if 1 < level < 100:
        level = level / 100
    if not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1) or (0, 100); got {level!r}")
    return level


def check_at_least(name: str, arr: np.ndarray, minimum: float) -> None:
    """Check that every value is finite and >= ``minimum`` (e.g. a sample size of at least 2)."""
    check_finite(name, arr)
    bad = arr < minimum
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(f"{name}[{i}] is {float(arr[i])!r}; every value must be >= {minimum!r}")
