"""Lesson 05 (Adam): an Adam step, and Keras' step size with "epsilon hat".

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations

import math

import numpy as np

from adamcourse.exercises.cases import pos, vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.lesson04 import EMA_ORDER
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 05: an Adam step ------------------------------------------------------------------------


def _adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    t = t + 1  # t counts steps from 1: increment before using it
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t


def _adam_cases(rng):
    cases = []
    for t in (0, 1, 4, 0):
        fresh = t == 0
        m = np.zeros(3) if fresh else vec(rng, scale=0.3)
        v = np.zeros(3) if fresh else pos(rng, low=0.01, high=0.5)
        cases.append((vec(rng), vec(rng), m, v, t, float(rng.uniform(0.01, 0.2)),
                      float(rng.uniform(0.7, 0.9)), float(rng.uniform(0.95, 0.99)), float(rng.uniform(0.05, 0.2))))
    return cases


def _adam_variant(th, g, m, v, t, lr, b1, b2, eps, *, t_used=None, t_out=None, debias_m=True, debias_v=True,
                  inside=False, swap_betas=False, swap_weights=False, square=True, sign=1.0, eps_hat=False,
                  power_outside=False, no_brackets=False):
    t_used = t + 1 if t_used is None else t_used(t)
    t_out = t + 1 if t_out is None else t_out(t)
    if swap_betas:
        b1, b2 = b2, b1
    x = g**2 if square else g
    if swap_weights:
        m, v = (1 - b1) * m + b1 * g, (1 - b2) * v + b2 * x
    else:
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * x
    c1, c2 = ((1 - b1) ** t_used, (1 - b2) ** t_used) if power_outside else (1 - b1**t_used, 1 - b2**t_used)
    if no_brackets:
        return th - lr * (m / c1) / np.sqrt(v / c2) + eps, m, v, t_out
    if eps_hat:
        step = lr * math.sqrt(c2) / c1 * m / (np.sqrt(v) + eps)
    else:
        m_hat = m / c1 if debias_m else m
        v_hat = v / c2 if debias_v else v
        step = lr * m_hat / (np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps)
    return th - sign * step, m, v, t_out


def _adam_returning_corrected(th, g, m, v, t, lr, b1, b2, eps):
    theta, m, v, t = _adam_step(th, g, m, v, t, lr, b1, b2, eps)
    return theta, m / (1 - b1**t), v / (1 - b2**t), t


_ADAM_MISTAKES = [
    (_adam_returning_corrected,
     "the step is right, but you returned the corrected averages m_hat and v_hat: return the raw m and v; "
     "the correction is worked out from them again at every step."),
    (lambda *a: _adam_variant(*a, debias_m=False, debias_v=False),
     "bias correction missing: divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step."),
    (lambda *a: _adam_variant(*a, debias_v=False), "only m is bias-corrected: v needs v / (1 - beta2**t) too."),
    (lambda *a: _adam_variant(*a, debias_m=False), "only v is bias-corrected: m needs m / (1 - beta1**t) too."),
    (lambda *a: _adam_variant(*a, t_used=lambda t: t),
     "t was incremented after use: the step count starts at 1, so do t = t + 1 FIRST, then debias with the new t "
     "(with t = 0, 1 - beta**0 = 0 and the step divides by zero)."),
    (lambda *a: _adam_variant(*a, t_used=lambda t: t, t_out=lambda t: t),
     "t is never incremented: do t = t + 1 at the start of the step and return the new t "
     "(a course that forgot this went unnoticed for years)."),
    (lambda *a: _adam_variant(*a, t_out=lambda t: t), "the step is right, but return the new t (t + 1), or the next step reuses the old count."),
    (lambda *a: _adam_variant(*a, inside=True), "eps is inside the square root: this exercise follows the paper, sqrt(v_hat) + eps."),
    (lambda *a: _adam_variant(*a, eps_hat=True),
     "that is Keras' \"epsilon hat\" form (corrections folded into the step size); this exercise follows the paper: "
     "m_hat / (sqrt(v_hat) + eps)."),
    (lambda *a: _adam_variant(*a, swap_betas=True), "beta1 and beta2 are swapped: beta1 averages the gradients (m), beta2 the squares (v)."),
    (lambda *a: _adam_variant(*a, swap_weights=True), "beta and 1 - beta are swapped in the averages: m = beta1 * m + (1 - beta1) * grad."
     + EMA_ORDER),
    (lambda *a: _adam_variant(*a, square=False), "v averages the SQUARED gradient: v = beta2 * v + (1 - beta2) * grad**2."),
    (lambda *a: _adam_variant(*a, sign=-1.0), "the update has the wrong sign: theta - lr * m_hat / (sqrt(v_hat) + eps)."),
    (lambda *a: _adam_variant(*a, power_outside=True),
     "the power belongs to beta: 1 - beta1**t, not (1 - beta1)**t (and the same for beta2)."),
    (lambda *a: _adam_variant(*a, no_brackets=True),
     "brackets are missing around the denominator: Python reads lr * m_hat / np.sqrt(v_hat) + eps as "
     "(lr * m_hat / np.sqrt(v_hat)) + eps. Write lr * m_hat / (np.sqrt(v_hat) + eps)."),
]


# 05: Keras' step size with "epsilon hat" ------------------------------------------------


def _keras_step_size(lr, beta1, beta2, t):
    return lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)


def _keras_step_size_cases(rng):
    return [(0.001, 0.9, 0.999, 1), (0.01, 0.9, 0.999, 10), (float(rng.uniform(0.01, 0.1)), 0.8, 0.99, 3)]


_KERAS_STEP_MISTAKES = [
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b1**t) / (1 - b2**t), "beta1 and beta2 are swapped: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."),
    (lambda lr, b1, b2, t: lr * (1 - b2**t) / (1 - b1**t), "the square root is missing: v_hat enters the step through sqrt(v_hat)."),
    (lambda lr, b1, b2, t: lr * (1 - b1**t) / math.sqrt(1 - b2**t), "the fraction is upside down: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1)), "t is off by one: use the step number t as given."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t - 1)) / (1 - b1 ** (t - 1)) if t > 1 else math.nan,
     "t is off by one: use the step number t as given."),
    (lambda lr, b1, b2, t: lr / (1 - b1**t), "the factor sqrt(1 - beta2**t) from v's correction is missing."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 * t) / (1 - b1 * t) if b2 * t < 1 else math.nan,
     "use the power beta**t, not the product beta * t (in Python, ** is the power)."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) / 1 - b1**t,
     "brackets are missing around the denominator: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."),
]


EXERCISES = (
    define("ex05_adam_step", _adam_step, _adam_cases, _ADAM_MISTAKES,
                  points=3, returns=("theta", "m", "v", "t"), forbidden=LIBRARY_CLASSES, forbidden_objects=LIBRARY_CLASS_OBJECTS, lesson="05_adam"),
    define("ex05_keras_step_size", _keras_step_size, _keras_step_size_cases, _KERAS_STEP_MISTAKES,
                  returns=("lr_t",), lesson="05_adam"),
)
