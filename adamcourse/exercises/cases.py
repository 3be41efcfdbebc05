"""What the exercises' test cases are made of: random vectors, positive
vectors, and the smooth test functions the gradient exercise differentiates.

They live apart from the lessons' reference solutions on purpose: the grader's
sandboxed kernel needs the test functions to run a case, and must never be
able to reach the answers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["vec", "pos", "wavy", "quartic"]


def vec(rng: np.random.Generator, n: int = 3, scale: float = 1.0) -> np.ndarray:
    """``n`` normal numbers: a parameter vector or a gradient."""
    return rng.normal(scale=scale, size=n)


def pos(rng: np.random.Generator, n: int = 3, low: float = 0.05, high: float = 1.0) -> np.ndarray:
    """``n`` numbers in [low, high): an accumulator or a second moment."""
    return rng.uniform(low, high, size=n)


def wavy(p):
    """A smooth test function whose third derivatives are not zero."""
    return float(np.sin(p[0]) * np.exp(0.5 * p[1]) + p[0] ** 3 / 3 + p[0] * p[-1] ** 2)


def quartic(p):
    """A quartic with a cross term: central differences are not exact on it."""
    return float(np.sum(p**4) / 4 + np.prod(p))
