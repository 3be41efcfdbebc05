"""Lesson 04 (RMSProp): an RMSProp step, and bias correction.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations

import numpy as np

from adamcourse import optimizers
from adamcourse.exercises.cases import pos, vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.lesson00 import FLOOR, fixed
from adamcourse.exercises.lesson03 import ABS_FOR_SQUARE, HALF_FOR_ROOT, STEP_BRACKETS, TINY_EPS
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 04: an RMSProp step --------------------------------------------------------------------


def _rmsprop_step(theta, grad, v, lr, beta, eps):
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_cases(rng):
    return [
        (
            vec(rng),
            vec(rng),
            pos(rng, low=0.0),
            float(rng.uniform(0.01, 0.3)),
            float(rng.uniform(0.6, 0.95)),
            float(rng.uniform(0.05, 0.3)),
        )
        for _ in range(4)
    ]


def _rmsprop_variant(
    th,
    g,
    v,
    lr,
    beta,
    eps,
    inside=False,
    old=False,
    average=None,
    square=True,
    absolute=False,
    root=True,
    sign=1.0,
    store_root=False,
    multiply=False,
    half=False,
):
    x = np.abs(g) if absolute else g**2 if square else g
    new = beta * v + (1 - beta) * x if average is None else average(v, x, beta)
    used = v if old else new
    denom = np.sqrt(used + eps) if inside else (used / 2 if half else np.sqrt(used) if root else used) + eps
    step = lr * g * denom if multiply else lr * g / denom
    return th - sign * step, np.sqrt(new) if store_root else new


# Learners who reuse lesson 02's ema often pass its arguments in the wrong order,
# which looks exactly like swapping beta and 1 - beta.
EMA_ORDER = " (If you used ema: its arguments are ema(average, x, beta), the old average first.)"

# ema(average, beta, x): the new value and beta trade places.
EMA_BETA_SECOND = (
    "ema's arguments are out of order: it takes the old average, then the new value, then beta "
    "(ema(average, x, beta))."
)  # also said when beta comes first

# ((1 - beta) * grad)**2: a bracket too many squares the weight as well.
SQUARED_WEIGHT = (
    "the weight got squared along with the gradient: (1 - beta) multiplies grad**2, it is not inside the square."
)

_RMSPROP_MISTAKES = [
    (
        lambda *a: _rmsprop_variant(*a, inside=True),
        "eps is inside the square root: this course (like PyTorch and the paper) adds eps after the root. "
        "Keras' RMSprop puts it inside; both work, but they give different numbers.",
    ),
    (
        lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: (1 - beta) * v + beta * x),
        "beta and 1 - beta are swapped: beta is the share of the old v that is kept." + EMA_ORDER,
    ),
    (lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: x * v + (1 - x) * beta), EMA_BETA_SECOND),
    (lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: x * beta + (1 - x) * v), EMA_BETA_SECOND),
    (
        lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: v + x),
        "that is AdaGrad's running SUM; RMSProp keeps a leaky average, with weights beta and 1 - beta.",
    ),
    (
        lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: beta * v + x),
        "the new squared gradient needs the weight (1 - beta); without it v grows far too big.",
    ),
    (
        lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: v + (1 - beta) * x),
        "the old v needs the weight beta; without it v never forgets.",
    ),
    (
        lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: beta * v + 1 - beta * x),
        "brackets are missing around 1 - beta: Python multiplies only beta by grad**2 and adds a stray 1. Bracket the "
        "weight before multiplying.",
    ),
    (
        lambda th, g, v, lr, beta, eps: _rmsprop_variant(
            th, g, v, lr, beta, eps, square=False, average=lambda v, g, beta: beta * v + ((1 - beta) * g) ** 2
        ),
        SQUARED_WEIGHT,
    ),
    (
        lambda *a: _rmsprop_variant(*a, average=lambda v, x, beta: x),
        "v was replaced by grad**2 instead of averaged: keep the share beta of the old v.",
    ),
    (lambda *a: _rmsprop_variant(*a, old=True), "you divided by the OLD v: update v first, then use it in the step."),
    (lambda *a: _rmsprop_variant(*a, square=False), "average the SQUARED gradient, not the gradient itself."),
    (lambda *a: _rmsprop_variant(*a, absolute=True), ABS_FOR_SQUARE),
    (lambda *a: _rmsprop_variant(*a, root=False), "divide by the square root of v (plus eps)."),
    (lambda *a: _rmsprop_variant(*a, half=True), HALF_FOR_ROOT),
    (
        lambda *a: _rmsprop_variant(*a, store_root=True),
        "you returned sqrt(v) as v: v is the average of grad**2 itself; the square root is taken only in the step.",
    ),
    (lambda *a: _rmsprop_variant(*a, sign=-1.0), "the update has the wrong sign: theta moves against the gradient."),
    (lambda *a: _rmsprop_variant(*a, multiply=True), "you multiplied by sqrt(v) + eps: the gradient is DIVIDED by it."),
    (
        lambda th, g, v, lr, beta, eps: (
            th - lr * g / np.sqrt(beta * v + (1 - beta) * g**2) + eps,
            beta * v + (1 - beta) * g**2,
        ),
        "brackets are missing around the denominator: Python reads lr * grad / np.sqrt(v) + eps as "
        "(lr * grad / np.sqrt(v)) + eps. Bracket the whole denominator.",
    ),
    (
        lambda th, g, v, lr, beta, eps: (
            th - (lr * g / np.sqrt(beta * v + (1 - beta) * g**2) + eps),
            beta * v + (1 - beta) * g**2,
        ),
        STEP_BRACKETS,
    ),
    (
        lambda th, g, v, lr, beta, eps: (_rmsprop_step(th, g, v, lr, beta, eps)[0], v),
        "theta is right, but you returned the old v: return the updated average.",
    ),
    (
        lambda th, g, v, lr, beta, eps: (th - lr * g / (np.sqrt(v) + eps), v),
        "v is never updated: the step used the old v and the old v came back. Update the average first, step with it, "
        "and return it.",
    ),
    (lambda th, g, v, lr, beta, eps: _rmsprop_step(th, g, v, lr, 0.9, eps), fixed("beta", 0.9)),
    (lambda th, g, v, lr, beta, eps: _rmsprop_step(th, g, v, lr, 0.99, eps), fixed("beta", 0.99)),
    (lambda th, g, v, lr, beta, eps: _rmsprop_step(th, g, v, 0.001, beta, eps), fixed("lr", 0.001)),
    (lambda th, g, v, lr, beta, eps: _rmsprop_step(th, g, v, 0.01, beta, eps), fixed("lr", 0.01)),
    (
        lambda th, g, v, lr, beta, eps: (
            th - lr * g // (np.sqrt(beta * v + (1 - beta) * g**2) + eps),
            beta * v + (1 - beta) * g**2,
        ),
        FLOOR,
    ),
    (lambda th, g, v, lr, beta, eps: _rmsprop_step(th, g, v, lr, beta, 1e-8), TINY_EPS),
]


# 04: bias correction -----------------------------------------------------------------


def _debias_average(average, beta, t):
    return average / (1 - beta**t)


def _debias_cases(rng):
    return [(vec(rng), float(rng.uniform(0.6, 0.99)), int(t)) for t in (1, 2, 5)] + [(0.1, 0.9, 1)]


def _xor_power(a, beta, t):
    return a / (1 - beta ^ t)  # raises TypeError, as the learner's `beta ^ t` does


_DEBIAS_MISTAKES = [
    (
        lambda a, beta, t: a * (1 - beta**t),
        "divide by (1 - beta**t), don't multiply: the average is too SMALL and must grow.",
    ),
    (
        lambda a, beta, t: a / (1 - beta ** (t - 1)),
        "t is off by one (you used t - 1): after t steps the weights sum to 1 - beta**t.",
    ),
    (
        lambda a, beta, t: a / (1 - beta ** (t + 1)),
        "t is off by one (you used t + 1): after t steps the weights sum to 1 - beta**t.",
    ),
    (lambda a, beta, t: a / (1 - beta), "the power is missing: beta is raised to the power t (the number of steps)."),
    (
        lambda a, beta, t: a / (1 - beta * t),
        "use the power beta**t, not the product beta * t (in Python, ** is the power).",
    ),
    (
        _xor_power,
        "`^` is not a power in Python (it is bitwise XOR, which floats do not have): the power is written **.",
    ),
    (
        lambda a, beta, t: a / (1 - (1 - beta) ** t),
        "the weights sum to 1 - beta**t (beta, not 1 - beta, to the power t).",
    ),
    (lambda a, beta, t: a / beta**t, "divide by 1 - beta**t, not by beta**t."),
    (
        lambda a, beta, t: a / (beta**t - 1),
        "the correction has the wrong sign: the weights sum to 1 minus beta**t, a positive number below 1.",
    ),
    (
        lambda a, beta, t: a / (1 + beta**t),
        "the correction has a plus where a minus belongs: the weights sum to 1 minus beta**t.",
    ),
    (lambda a, beta, t: a / (1 - beta) ** t, "the power belongs to beta: 1 - beta**t, not (1 - beta)**t."),
    (
        lambda a, beta, t: a / 1 - beta**t,
        "brackets are missing: Python reads average / 1 - beta**t as (average / 1) - beta**t. Bracket the denominator.",
    ),
    (lambda a, beta, t: a // (1 - beta**t), FLOOR),
    (
        lambda a, beta, t: a / np.sqrt(1 - beta**t),
        "no square root here: the average itself is divided by 1 - beta**t "
        "(a root of the correction only appears once it is folded into Adam's step size).",
    ),
    (
        lambda a, beta, t: a / (1 - t**beta),
        "beta and t are swapped in the power: beta is raised to the power t (t is the exponent).",
    ),
    (lambda a, beta, t: a / (1 - 0.9**t), fixed("beta", 0.9)),
    (lambda a, beta, t: a / (1 - 0.99**t), fixed("beta", 0.99)),
]


EXERCISES = (
    define(
        "ex04_rmsprop_step",
        _rmsprop_step,
        _rmsprop_cases,
        _RMSPROP_MISTAKES,
        points=2,
        returns=("theta", "v"),
        forbidden=LIBRARY_CLASSES,
        forbidden_objects=LIBRARY_CLASS_OBJECTS,
        lesson="04_rmsprop",
    ),
    define(
        "ex04_debias_average",
        _debias_average,
        _debias_cases,
        _DEBIAS_MISTAKES,
        returns=("corrected",),
        forbidden=("debias",),
        forbidden_objects=(optimizers.debias,),
        lesson="04_rmsprop",
    ),
)
