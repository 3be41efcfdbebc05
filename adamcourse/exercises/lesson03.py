"""Lesson 03 (AdaGrad): an AdaGrad step, and AdaGrad's step sizes after a history of gradients.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations

import numpy as np

from adamcourse.exercises.cases import pos, vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.lesson00 import FLOOR, fixed
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# eps fixed to a tiny number, or left out: the cases use eps around 0.1, so its place shows.
TINY_EPS = (
    "eps seems fixed to a tiny number (or left out): use the `eps` argument. The check passes eps around 0.1 "
    "so that where it goes shows up in the numbers."
)

# sqrt(g**2) = |g| tempts learners to put |g| in the sum, where it does not belong.
ABS_FOR_SQUARE = (
    "you used |grad| where the SQUARED gradient belongs: sum (or average) grad**2, and take the square "
    "root only at the end, of the whole sum (or average)."
)

# `x ** 1/2` reads as (x ** 1) / 2: half of x, not its square root.
HALF_FOR_ROOT = (
    "`** 1/2` is read as (x ** 1) / 2, half of x, not its square root: bracket the exponent, "
    "** (1/2) or ** 0.5, or use np.sqrt."
)

# step = lr * grad / np.sqrt(accum) + eps, then theta - step: eps is added to the step.
STEP_BRACKETS = (
    "brackets are missing around the denominator: Python adds eps to the step instead of to the "
    "square root. Bracket the whole denominator."
)

# 03: an AdaGrad step --------------------------------------------------------------------


def _adagrad_step(theta, grad, accum, lr, eps):
    accum = accum + grad**2
    return theta - lr * grad / (np.sqrt(accum) + eps), accum


def _adagrad_cases(rng):
    cases = [
        (vec(rng), vec(rng), pos(rng, low=0.0, high=1.0), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.05, 0.3)))
        for _ in range(3)
    ]
    cases.append((np.array([1.0, -2.0]), np.array([0.5, 0.0]), np.zeros(2), 0.1, 0.1))
    return cases


def _adagrad_variant(
    th,
    g,
    a,
    lr,
    eps,
    inside=False,
    old=False,
    square=True,
    root=True,
    sign=1.0,
    replace=False,
    absolute=False,
    store_old=False,
    multiply=False,
    half=False,
):
    x = np.abs(g) if absolute else g**2 if square else g
    new = x if replace else a + x
    used = a if old else new
    denom = np.sqrt(used + eps) if inside else (used / 2 if half else np.sqrt(used) if root else used) + eps
    step = lr * g * denom if multiply else lr * g / denom
    return th - sign * step, a if store_old else new


_ADAGRAD_MISTAKES = [
    (
        lambda *a: _adagrad_variant(*a, inside=True),
        "eps is inside the square root: this course (like the paper and PyTorch) adds eps after taking the root. "
        "(Keras puts it inside; the next lessons come back to that.)",
    ),
    (
        lambda *a: _adagrad_variant(*a, old=True),
        "you divided by the OLD accumulator: add grad**2 first, then use the new accum in the step.",
    ),
    (
        lambda *a: _adagrad_variant(*a, old=True, store_old=True),
        "the accumulator is never updated: the step used the old accum and the old accum came back. Add grad**2 to "
        "it first, step with the new one, and return the new one.",
    ),
    (lambda *a: _adagrad_variant(*a, square=False), "accumulate the SQUARED gradient, not the gradient itself."),
    (lambda *a: _adagrad_variant(*a, absolute=True), ABS_FOR_SQUARE),
    (
        lambda th, g, a, lr, eps: (th - lr * g / (np.sqrt(a + g**2) + eps), np.sqrt(a + g**2)),
        "you returned sqrt(accum) as the accumulator: it holds the sum of squared gradients itself; the square root "
        "is taken only in the step.",
    ),
    (
        lambda th, g, a, lr, eps: (th - lr * g / np.sqrt(a + g**2 + eps), a + g**2 + eps),
        "eps went into the accumulator: the accumulator holds only the squared gradients; eps belongs in the step's "
        "denominator, after the square root.",
    ),
    (
        lambda th, g, a, lr, eps: (th - lr * g**2 / (np.sqrt(a + g**2) + eps), a + g**2),
        "the step uses grad**2: the accumulator holds squares, but the step moves along the gradient itself.",
    ),
    (
        lambda *a: _adagrad_variant(*a, replace=True),
        "the accumulator was replaced by grad**2 instead of growing: AdaGrad ADDS each squared gradient to the "
        "running sum it was given.",
    ),
    (lambda *a: _adagrad_variant(*a, root=False), "divide by the square root of the accumulator (plus eps)."),
    (lambda *a: _adagrad_variant(*a, half=True), HALF_FOR_ROOT),
    (lambda *a: _adagrad_variant(*a, sign=-1.0), "the update has the wrong sign: theta moves against the gradient."),
    (
        lambda *a: _adagrad_variant(*a, multiply=True),
        "you multiplied by sqrt(accum) + eps: the gradient is DIVIDED "
        "by it, so that steep parameters take small steps.",
    ),
    (
        lambda th, g, a, lr, eps: (th - lr * g / np.sqrt(a + g**2) + eps, a + g**2),
        "brackets are missing around the denominator: Python reads lr * grad / np.sqrt(accum) + eps as "
        "(lr * grad / np.sqrt(accum)) + eps. Bracket the whole denominator.",
    ),
    (lambda th, g, a, lr, eps: (th - (lr * g / np.sqrt(a + g**2) + eps), a + g**2), STEP_BRACKETS),
    (
        lambda th, g, a, lr, eps: (th - (lr / np.sqrt(a + g**2) + eps) * g, a + g**2),
        "eps was added to the step size lr / sqrt(accum) instead of to the denominator: it belongs next to "
        "sqrt(accum), under lr.",
    ),
    (
        lambda th, g, a, lr, eps: (th - lr * g / (np.sqrt(a + g**2) + eps), a),
        "theta is right, but you returned the old accumulator: return the new one, with grad**2 added.",
    ),
    (lambda th, g, a, lr, eps: (th - lr * g // (np.sqrt(a + g**2) + eps), a + g**2), FLOOR),
    (lambda th, g, a, lr, eps: _adagrad_variant(th, g, a, lr, 1e-8), TINY_EPS),
    (lambda th, g, a, lr, eps: _adagrad_variant(th, g, a, 0.01, eps), fixed("lr", 0.01)),
    (lambda th, g, a, lr, eps: _adagrad_variant(th, g, a, 0.001, eps), fixed("lr", 0.001)),
    (lambda th, g, a, lr, eps: _adagrad_variant(th, g, a, lr, 0.0), TINY_EPS),
]


# 03: AdaGrad's step sizes after a history of gradients ---------------------------------


def _adagrad_step_sizes(grads, lr, eps):
    return lr / (np.sqrt(np.sum(grads**2, axis=0)) + eps)


def _step_sizes_cases(rng):
    # Square histories (as many steps as parameters): a sum over the wrong axis
    # then has the right shape, so the check can name it instead of only
    # reporting a shape.
    return [(rng.normal(size=(n, n)), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.05, 0.3))) for n in (5, 3, 4)]


_STEP_SIZES_MISTAKES = [
    (
        lambda G, lr, eps: lr / (np.sqrt(np.mean(G**2, axis=0)) + eps),
        "you averaged the squared gradients; AdaGrad SUMS them. The sum only grows, which is exactly why its steps shrink forever.",
    ),
    (
        lambda G, lr, eps: lr / (np.sqrt(np.sum(G**2, axis=1)) + eps),
        "you summed over the wrong axis: grads has shape (steps, parameters), one ROW per step, so sum over the steps "
        "(axis=0) to get one number per parameter.",
    ),
    (
        lambda G, lr, eps: lr / np.sqrt(np.sum(G**2, axis=0) + eps),
        "eps is inside the square root: add it after taking the root.",
    ),
    (
        lambda G, lr, eps: lr / np.sqrt(np.sum(G**2, axis=0)) + eps,
        "brackets are missing around the denominator: "
        "Python adds eps to the step size instead of to the root. Bracket the root and eps together.",
    ),
    (lambda G, lr, eps: lr / (np.sum(G**2, axis=0) + eps), "take the square root of the sum of squared gradients."),
    (lambda G, lr, eps: lr / (np.sum(G**2, axis=0) / 2 + eps), HALF_FOR_ROOT),
    (lambda G, lr, eps: lr / (np.sqrt(np.abs(np.sum(G, axis=0))) + eps), "square each gradient before summing."),
    (
        lambda G, lr, eps: lr / (np.sqrt(np.sum(G, axis=0) ** 2) + eps),
        "square each gradient BEFORE summing, not the sum afterwards.",
    ),
    (lambda G, lr, eps: lr / (np.sqrt(np.sum(np.abs(G), axis=0)) + eps), ABS_FOR_SQUARE),
    (
        lambda G, lr, eps: lr / (np.sum(np.abs(G), axis=0) + eps),
        "you took the square root of each squared gradient (giving |grad|) and then summed: take the root of the SUM "
        "of squares instead.",
    ),
    (
        lambda G, lr, eps: lr * np.sqrt(np.sum(G**2, axis=0)) + eps,
        "the step size is lr DIVIDED by the root of the sum (plus eps).",
    ),
    (
        lambda G, lr, eps: lr / (np.abs(G[-1]) + eps),
        "only the last gradient is used: AdaGrad's step size depends on the whole history, the sum of ALL the squared "
        "gradients.",
    ),
    (
        lambda G, lr, eps: lr / (np.abs(G[0]) + eps),
        "only the first gradient (the first row) is used: sum the squares of every row, one row per step.",
    ),
    (
        lambda G, lr, eps: lr / (np.sqrt(np.sum(G[1:] ** 2, axis=0)) + eps),
        "the first step is left out of the sum: the loop or slice starts at 1. Python counts from 0.",
    ),
    (
        lambda G, lr, eps: lr / (np.sqrt(np.sum(G[:-1] ** 2, axis=0)) + eps),
        "the last step is left out of the sum: the loop or slice stops one short.",
    ),
    (lambda G, lr, eps: lr // (np.sqrt(np.sum(G**2, axis=0)) + eps), FLOOR),
    (lambda G, lr, eps: lr / (np.sqrt(np.sum(G**2, axis=0)) + 1e-8), TINY_EPS),
]


EXERCISES = (
    define(
        "ex03_adagrad_step",
        _adagrad_step,
        _adagrad_cases,
        _ADAGRAD_MISTAKES,
        points=2,
        returns=("theta", "accum"),
        forbidden=LIBRARY_CLASSES,
        forbidden_objects=LIBRARY_CLASS_OBJECTS,
        lesson="03_adagrad",
    ),
    define(
        "ex03_adagrad_step_sizes",
        _adagrad_step_sizes,
        _step_sizes_cases,
        _STEP_SIZES_MISTAKES,
        returns=("step_sizes",),
        lesson="03_adagrad",
    ),
)
