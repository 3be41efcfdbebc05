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
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 04: an RMSProp step --------------------------------------------------------------------


def _rmsprop_step(theta, grad, v, lr, beta, eps):
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_cases(rng):
    return [(vec(rng), vec(rng), pos(rng, low=0.0), float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.6, 0.95)), float(rng.uniform(0.05, 0.3))) for _ in range(4)]


def _rmsprop_variant(th, g, v, lr, beta, eps, inside=False, old=False, swap=False, adagrad=False, square=True, root=True, sign=1.0):
    x = g**2 if square else g
    if adagrad:
        new = v + x
    else:
        new = (1 - beta) * v + beta * x if swap else beta * v + (1 - beta) * x
    used = v if old else new
    denom = np.sqrt(used + eps) if inside else (np.sqrt(used) if root else used) + eps
    return th - sign * lr * g / denom, new


# Learners who reuse lesson 02's ema often pass its arguments in the wrong order,
# which looks exactly like swapping beta and 1 - beta.
EMA_ORDER = " (If you used ema: its arguments are ema(average, x, beta), the old average first.)"

_RMSPROP_MISTAKES = [
    (lambda *a: _rmsprop_variant(*a, inside=True),
     "eps is inside the square root: this course (like PyTorch and the paper) writes sqrt(v) + eps. "
     "Keras' RMSprop puts it inside; both work, but they give different numbers."),
    (lambda *a: _rmsprop_variant(*a, swap=True), "beta and 1 - beta are swapped: v = beta * v + (1 - beta) * grad**2."
     + EMA_ORDER),
    (lambda *a: _rmsprop_variant(*a, adagrad=True), "that is AdaGrad's running SUM; RMSProp keeps a leaky average, beta * v + (1 - beta) * grad**2."),
    (lambda *a: _rmsprop_variant(*a, old=True), "you divided by the OLD v: update v first, then use it in the step."),
    (lambda *a: _rmsprop_variant(*a, square=False), "average the SQUARED gradient, grad**2."),
    (lambda *a: _rmsprop_variant(*a, root=False), "divide by the square root of v: sqrt(v) + eps."),
    (lambda *a: _rmsprop_variant(*a, sign=-1.0), "the update has the wrong sign: theta - lr * grad / (sqrt(v) + eps)."),
    (lambda th, g, v, lr, beta, eps: (th - lr * g / np.sqrt(beta * v + (1 - beta) * g**2) + eps, beta * v + (1 - beta) * g**2),
     "brackets are missing around the denominator: Python reads lr * grad / np.sqrt(v) + eps as "
     "(lr * grad / np.sqrt(v)) + eps. Write lr * grad / (np.sqrt(v) + eps)."),
    (lambda th, g, v, lr, beta, eps: (_rmsprop_step(th, g, v, lr, beta, eps)[0], v),
     "theta is right, but you returned the old v: return the updated average."),
]


# 04: bias correction -----------------------------------------------------------------


def _debias_average(average, beta, t):
    return average / (1 - beta**t)


def _debias_cases(rng):
    return [(vec(rng), float(rng.uniform(0.6, 0.99)), int(t)) for t in (1, 2, 5)] + [(0.1, 0.9, 1)]


_DEBIAS_MISTAKES = [
    (lambda a, beta, t: a * (1 - beta**t), "divide by (1 - beta**t), don't multiply: the average is too SMALL and must grow."),
    (lambda a, beta, t: a / (1 - beta ** (t - 1)), "t is off by one (you used t - 1): after t steps the weights sum to 1 - beta**t."),
    (lambda a, beta, t: a / (1 - beta ** (t + 1)), "t is off by one (you used t + 1): after t steps the weights sum to 1 - beta**t."),
    (lambda a, beta, t: a / (1 - beta), "the power is missing: divide by 1 - beta**t (beta to the power t), not 1 - beta."),
    (lambda a, beta, t: a / (1 - beta * t), "use the power beta**t, not the product beta * t (in Python, ** is the power)."),
    (lambda a, beta, t: a / (1 - (1 - beta) ** t), "the weights sum to 1 - beta**t (beta, not 1 - beta, to the power t)."),
    (lambda a, beta, t: a / beta**t, "divide by 1 - beta**t, not by beta**t."),
    (lambda a, beta, t: a / (1 - beta) ** t, "the power belongs to beta: 1 - beta**t, not (1 - beta)**t."),
    (lambda a, beta, t: a / 1 - beta**t, "brackets are missing: Python reads average / 1 - beta**t as (average / 1) - beta**t. "
     "Write average / (1 - beta**t)."),
]


EXERCISES = (
    define("ex04_rmsprop_step", _rmsprop_step, _rmsprop_cases, _RMSPROP_MISTAKES,
                  points=2, returns=("theta", "v"), forbidden=LIBRARY_CLASSES, forbidden_objects=LIBRARY_CLASS_OBJECTS, lesson="04_rmsprop"),
    define("ex04_debias_average", _debias_average, _debias_cases, _DEBIAS_MISTAKES,
                  returns=("corrected",), forbidden=("debias",), forbidden_objects=(optimizers.debias,), lesson="04_rmsprop"),
)
