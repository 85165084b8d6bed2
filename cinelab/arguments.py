"""The one home for argument checks, so every part of the kit refuses bad settings the same way.

Each check returns the value (converted to a plain Python number where that is safe) or raises
a `ValueError` (a `TypeError` for the wrong kind of thing) in one message style::

    n_neighbours must be a positive integer, got 0.

Checks run *before* any conversion: ``int(2.7)`` would quietly become 2, so a float is refused
where an integer is needed instead of being truncated. Booleans are refused as numbers:
``epochs=True`` is a typo, not 1.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def positive_int(value, name: str) -> int:
    """`value` as an int, if it is an integer >= 1."""
    if not _is_integer(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def non_negative_int(value, name: str) -> int:
    """`value` as an int, if it is an integer >= 0."""
    if not _is_integer(value) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}.")
    return int(value)


def int_in_range(value, name: str, low: int, high: int) -> int:
    """`value` as an int, if it is an integer from `low` to `high` (both included)."""
    if not _is_integer(value) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}.")
    return int(value)


def number_in_range(value, name: str, low: float, high: float) -> float:
    """`value` as a float, if it is a number from `low` to `high` (both included)."""
    if not _is_real(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}.")
    return float(value)


def finite_number(value, name: str) -> float:
    """`value` as a float, if it is a finite number."""
    if not _is_real(value) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return float(value)


def positive_number(value, name: str) -> float:
    """`value` as a float, if it is a finite number > 0."""
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return float(value)


def non_negative_number(value, name: str) -> float:
    """`value` as a float, if it is a finite number >= 0."""
    if not _is_real(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def fraction(value, name: str, *, include_low: bool = False, include_high: bool = False) -> float:
    """`value` as a float, if it lies between 0 and 1 (ends excluded unless asked for)."""
    low, high = ("[" if include_low else "("), ("]" if include_high else ")")
    ok = (
        _is_real(value)
        and math.isfinite(value)
        and (0 <= value if include_low else 0 < value)
        and (value <= 1 if include_high else value < 1)
    )
    if not ok:
        raise ValueError(f"{name} must be a number in {low}0, 1{high}, got {value!r}.")
    return float(value)


def probability(value, name: str) -> float:
    """`value` as a float, if it is a probability: a number from 0 to 1, both included."""
    return fraction(value, name, include_low=True, include_high=True)


def one_of(value, name: str, choices: Collection):
    """`value` unchanged, if it is one of `choices`."""
    try:
        known = value in choices
    except TypeError:  # an unhashable value cannot be in a set of choices
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")
    return value
