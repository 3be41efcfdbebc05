"""Input checks with one message format, for every module of the course.

A learner reads these in Colab, so each message names who complained, the
argument, what it must be, what it got, and what to do::

    Adam: beta1 must be a number in [0, 1), got 1.0. It is the fraction of the old
    average kept at each step: 0 keeps nothing, 1 would never let a new gradient in.
    A typical value is beta1=0.9.

Every check returns the value in the form the caller stores (a Python float,
an int, a bool), so float32 arrays stay float32 when they meet it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["number", "positive", "non_negative", "fraction", "whole", "flag", "choice"]


def _fail(error: type, owner: str, name: str, what: str, value: Any, hint: str = "") -> Exception:
    got = f"{value!r}" if error is ValueError else f"{value!r} ({type(value).__name__})"
    return error(f"{owner}: {name} must be {what}, got {got}." + (f" {hint}" if hint else ""))


def _is_number(value: Any) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, float, np.integer, np.floating))


def number(
    owner: str, name: str, value: Any, hint: str = "", *, low: float = -math.inf, high: float = math.inf
) -> float:
    """A finite number in [low, high], as a Python float."""
    what = "a finite number" if (low, high) == (-math.inf, math.inf) else f"a number from {low:g} to {high:g}"
    if not _is_number(value):
        raise _fail(TypeError, owner, name, what, value, hint)
    value = float(value)
    if not (math.isfinite(value) and low <= value <= high):
        raise _fail(ValueError, owner, name, what, value, hint)
    return value


def positive(owner: str, name: str, value: Any, hint: str = "") -> float:
    """A finite number > 0, as a Python float."""
    if not _is_number(value):
        raise _fail(TypeError, owner, name, "a number", value, hint)
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise _fail(ValueError, owner, name, "a positive finite number", value, hint)
    return value


def non_negative(owner: str, name: str, value: Any, hint: str = "") -> float:
    """A finite number >= 0, as a Python float."""
    if not _is_number(value):
        raise _fail(TypeError, owner, name, "a number", value, hint)
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise _fail(ValueError, owner, name, "a finite number >= 0", value, hint)
    return value


def fraction(owner: str, name: str, value: Any, typical: float | None = None, meaning: str = "") -> float:
    """A number in [0, 1): the share of an old average kept at each step."""
    meaning = meaning or (
        "It is the fraction of the old average kept at each step: 0 keeps nothing, 1 would never let a new gradient in."
    )
    hint = meaning + (f" A typical value is {name}={typical}." if typical is not None else "")
    if not _is_number(value):
        raise _fail(TypeError, owner, name, "a number in [0, 1)", value, hint)
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise _fail(ValueError, owner, name, "a number in [0, 1)", value, hint)
    return value


def whole(owner: str, name: str, value: Any, hint: str = "", *, smallest: int = 0, largest: int | None = None) -> int:
    """A whole number in [smallest, largest], as an int (``1e3`` is accepted, ``True`` and ``2.5`` are not)."""
    what = f"a whole number from {smallest} to {largest}" if largest is not None else f"a whole number >= {smallest}"
    if isinstance(value, (float, np.floating)) and _is_number(value):
        if not float(value).is_integer():  # 10.5 steps: a number, but not a whole one
            raise _fail(ValueError, owner, name, what, value, hint)
        value = int(value)  # 1e3 steps is a thousand steps
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise _fail(TypeError, owner, name, what, value, hint)
    if value < smallest or (largest is not None and value > largest):
        raise _fail(ValueError, owner, name, what, value, hint)
    return int(value)


def flag(owner: str, name: str, value: Any, hint: str = "") -> bool:
    """True or False (not 1, not "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(TypeError, owner, name, "True or False", value, hint)
    return bool(value)


def choice(owner: str, name: str, value: Any, allowed: Sequence, hint: str = "") -> Any:
    """One of ``allowed``."""
    try:
        known = any(value == a and type(value) is type(a) for a in allowed)
    except (TypeError, ValueError):  # an array compares element by element
        known = False
    if not known:
        listed = ", ".join(repr(a) for a in allowed)
        raise _fail(ValueError, owner, name, f"one of {listed}", value, hint)
    return value
