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
from adamcourse.exercises.lesson00 import FLOOR, GIVEN, fixed
from adamcourse.exercises.lesson03 import ABS_FOR_SQUARE, HALF_FOR_ROOT, STEP_BRACKETS, TINY_EPS
from adamcourse.exercises.lesson04 import EMA_BETA_SECOND, EMA_ORDER, SQUARED_WEIGHT
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
        cases.append(
            (
                vec(rng),
                vec(rng),
                m,
                v,
                t,
                float(rng.uniform(0.01, 0.2)),
                float(rng.uniform(0.7, 0.9)),
                float(rng.uniform(0.95, 0.99)),
                float(rng.uniform(0.05, 0.2)),
            )
        )
    return cases


def _ema(average, x, beta):
    return beta * average + (1 - beta) * x


def _debias(average, beta, t):
    return average / (1 - beta**t)


def _adam_variant(
    th,
    g,
    m,
    v,
    t,
    lr,
    b1,
    b2,
    eps,
    *,
    t_used=None,
    t_out=None,
    m_average=_ema,
    v_average=_ema,
    betas=None,
    square=True,
    absolute=False,
    correct=_debias,
    debias_m=True,
    debias_v=True,
    inside=False,
    root=True,
    half=False,
    root_first=False,
    raw_grad=False,
    sign=1.0,
    eps_hat=False,
    no_brackets=False,
    step_brackets=False,
    inputs_swapped=False,
    keep_old=False,
):
    """Adam's step with one slip, chosen by keyword.

    ``betas(b1, b2)`` gives the betas of (m's average, v's average, m's
    correction, v's correction); ``m_average``/``v_average(average, x, beta)``
    and ``correct(average, beta, t)`` replace a line of the step.
    """
    t_used = t + 1 if t_used is None else t_used(t)
    t_out = t + 1 if t_out is None else t_out(t)
    bm, bv, cm, cv = (b1, b2, b1, b2) if betas is None else betas(b1, b2)
    x = np.abs(g) if absolute else g**2 if square else g
    m_new, v_new = (
        (m_average(m, x, bm), v_average(v, g, bv)) if inputs_swapped else (m_average(m, g, bm), v_average(v, x, bv))
    )
    m_hat = correct(m_new, cm, t_used) if debias_m else m_new
    v_hat = correct(v_new, cv, t_used) if debias_v else v_new
    top = g if raw_grad else m_hat
    if no_brackets:
        new_theta = th - lr * top / np.sqrt(v_hat) + eps
    elif step_brackets:
        new_theta = th - (lr * top / np.sqrt(v_hat) + eps)
    elif eps_hat:
        new_theta = th - sign * lr * math.sqrt(1 - cv**t_used) / (1 - cm**t_used) * m_new / (np.sqrt(v_new) + eps)
    else:
        if inside:
            denom = np.sqrt(v_hat + eps)
        elif root_first:
            denom = np.sqrt(v_new) / (1 - cv**t_used) + eps
        else:
            denom = (v_hat / 2 if half else np.sqrt(v_hat) if root else v_hat) + eps
        new_theta = th - sign * lr * top / denom
    return (new_theta, m, v, t_out) if keep_old else (new_theta, m_new, v_new, t_out)


def _floor_adam(th, g, m, v, t, lr, b1, b2, eps):
    theta, m, v, t = _adam_step(th, g, m, v, t, lr, b1, b2, eps)
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return th - lr * m_hat // (np.sqrt(v_hat) + eps), m, v, t


def _adam_returning_corrected(th, g, m, v, t, lr, b1, b2, eps):
    theta, m, v, t = _adam_step(th, g, m, v, t, lr, b1, b2, eps)
    return theta, m / (1 - b1**t), v / (1 - b2**t), t


_T_TWICE = (
    "t is counted twice: it goes up by exactly one per step. Increment it once at the start, then use "
    "that t in both corrections and return it."
)
_BETA1_FOR_V = "v uses beta1: beta1 belongs to m (the gradients), beta2 to v (the squares), in the averages and in the corrections."
_BETA2_FOR_M = "m uses beta2: beta1 belongs to m (the gradients), beta2 to v (the squares), in the averages and in the corrections."

_ADAM_MISTAKES = [
    (
        _adam_returning_corrected,
        "the step is right, but you returned the corrected averages m_hat and v_hat: return the raw m and v; "
        "the correction is worked out from them again at every step.",
    ),
    (
        lambda *a: _adam_variant(*a, keep_old=True),
        "the step is right, but you returned the OLD m and v: return the updated averages, or the next step starts "
        "from stale ones.",
    ),
    (
        lambda *a: _adam_variant(*a, debias_m=False, debias_v=False),
        "bias correction missing: divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step.",
    ),
    (lambda *a: _adam_variant(*a, debias_v=False), "only m is bias-corrected: v needs its correction too, with beta2."),
    (lambda *a: _adam_variant(*a, debias_m=False), "only v is bias-corrected: m needs its correction too, with beta1."),
    (
        lambda *a: _adam_variant(*a, correct=lambda avg, beta, t: avg * (1 - beta**t)),
        "the bias correction multiplies: an average that started at zero is too SMALL, so divide by 1 - beta**t.",
    ),
    # Not listed: debias(m, t, beta1) and m / 1 - beta1**t. Both make v_hat negative on every case, so theta
    # is NaN everywhere, as it is after many other slips: the check cannot tell which one it was.
    (
        lambda *a: _adam_variant(*a, t_used=lambda t: t),
        "t was incremented after use (or the corrections used t - 1): the step count starts at 1, so increment t FIRST, "
        "then debias with the new t (with t = 0, 1 - beta**0 = 0 and the step divides by zero).",
    ),
    (
        lambda *a: _adam_variant(*a, t_used=lambda t: t, t_out=lambda t: t),
        "t is never incremented: add one at the start of the step and return the new t "
        "(a course that forgot this went unnoticed for years).",
    ),
    (
        lambda *a: _adam_variant(*a, t_out=lambda t: t),
        "the step is right, but return the new t (t + 1), or the next step reuses the old count.",
    ),
    (lambda *a: _adam_variant(*a, t_used=lambda t: t + 2), _T_TWICE),
    (lambda *a: _adam_variant(*a, t_used=lambda t: t + 2, t_out=lambda t: t + 2), _T_TWICE),
    (lambda *a: _adam_variant(*a, t_out=lambda t: t + 2), _T_TWICE),
    (
        lambda *a: _adam_variant(*a, inside=True),
        "eps is inside the square root: this exercise follows the paper, which adds eps after the root of v_hat.",
    ),
    (
        lambda *a: _adam_variant(*a, eps_hat=True),
        'that is Keras\' "epsilon hat" form (corrections folded into the step size); this exercise follows the paper: '
        "correct m and v first, then add eps to the root of v_hat.",
    ),
    (
        lambda *a: _adam_variant(*a, root=False),
        "the square root is missing: divide m_hat by the ROOT of v_hat (plus "
        "eps); v averages squares, so its root has the size of a gradient.",
    ),
    (lambda *a: _adam_variant(*a, half=True), HALF_FOR_ROOT),
    (
        lambda *a: _adam_variant(*a, root_first=True),
        "the square root was taken before the bias correction: correct v first, then take the root of v_hat.",
    ),
    (
        lambda *a: _adam_variant(*a, raw_grad=True),
        "the step uses the raw gradient: Adam moves along m_hat, the "
        "corrected average of the gradients; that is where its momentum comes from.",
    ),
    (
        lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b2, b1, b2, b1)),
        "beta1 and beta2 are swapped: beta1 averages the gradients (m), beta2 the squares (v).",
    ),
    (lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b1, b1, b1, b1)), _BETA1_FOR_V),
    (lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b1, b1, b1, b2)), _BETA1_FOR_V),
    (lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b2, b2, b2, b2)), _BETA2_FOR_M),
    (lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b2, b2, b1, b2)), _BETA2_FOR_M),
    (lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b1, b2, b1, b1)), _BETA1_FOR_V),  # in v's correction only
    (lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b1, b2, b2, b2)), _BETA2_FOR_M),  # in m's correction only
    (
        lambda *a: _adam_variant(*a, betas=lambda b1, b2: (b1, b2, b2, b1)),
        "the corrections' betas are swapped: m is corrected with beta1, v with beta2, the same betas as their averages.",
    ),
    (
        lambda *a: _adam_variant(
            *a, m_average=lambda a, x, b: (1 - b) * a + b * x, v_average=lambda a, x, b: (1 - b) * a + b * x
        ),
        "beta and 1 - beta are swapped in the averages: beta is the share of the OLD average that is kept." + EMA_ORDER,
    ),
    (
        lambda *a: _adam_variant(*a, m_average=lambda a, x, b: (1 - b) * a + b * x),
        "beta1 and 1 - beta1 are swapped in m: beta1 is the share of the OLD m that is kept." + EMA_ORDER,
    ),
    (
        lambda *a: _adam_variant(*a, v_average=lambda a, x, b: (1 - b) * a + b * x),
        "beta2 and 1 - beta2 are swapped in v: beta2 is the share of the OLD v that is kept." + EMA_ORDER,
    ),
    (
        lambda *a: _adam_variant(
            *a, m_average=lambda a, x, b: x * a + (1 - x) * b, v_average=lambda a, x, b: x * a + (1 - x) * b
        ),
        EMA_BETA_SECOND,
    ),
    (
        lambda *a: _adam_variant(
            *a, m_average=lambda a, x, b: x * b + (1 - x) * a, v_average=lambda a, x, b: x * b + (1 - x) * a
        ),
        EMA_BETA_SECOND,
    ),
    (lambda *a: _adam_variant(*a, square=False, v_average=lambda a, g, b: b * a + ((1 - b) * g) ** 2), SQUARED_WEIGHT),
    (
        lambda *a: _adam_variant(*a, m_average=lambda a, x, b: b * a + x),
        "the new gradient in m needs the weight (1 - beta1): m is an average, not PyTorch's running sum.",
    ),
    (
        lambda *a: _adam_variant(
            *a, m_average=lambda a, x, b: b * a + 1 - b * x, v_average=lambda a, x, b: b * a + 1 - b * x
        ),
        "brackets are missing around 1 - beta in the averages: Python multiplies only beta by the new value and adds "
        "a stray 1. Bracket the weight before multiplying.",
    ),
    (lambda *a: _adam_variant(*a, square=False), "v averages the SQUARED gradient, not the gradient itself."),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps: _adam_variant(
            th, g**2, m, v, t, lr, b1, b2, eps, square=False, v_average=lambda a, x, b: _ema(a, x, b)
        ),
        "m averages the gradient itself, not its square: only v squares it.",
    ),
    (lambda *a: _adam_variant(*a, absolute=True), ABS_FOR_SQUARE),
    (lambda *a: _adam_variant(*a, sign=-1.0), "the update has the wrong sign: theta moves against m_hat."),
    (
        lambda *a: _adam_variant(*a, correct=lambda avg, beta, t: avg / (1 - beta) ** t),
        "the power belongs to beta: 1 - beta1**t, not (1 - beta1)**t (and the same for beta2).",
    ),
    (
        lambda *a: _adam_variant(*a, no_brackets=True),
        "brackets are missing around the denominator: Python reads lr * m_hat / np.sqrt(v_hat) + eps as "
        "(lr * m_hat / np.sqrt(v_hat)) + eps. Bracket the whole denominator.",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps: _adam_step(th, g, m, v, t, lr, 0.9, 0.999, eps),
        "beta1 and beta2 seem fixed at 0.9 and 0.999: use the arguments." + GIVEN,
    ),
    (lambda *a: _adam_variant(*a, step_brackets=True), STEP_BRACKETS),
    (lambda th, g, m, v, t, lr, b1, b2, eps: _floor_adam(th, g, m, v, t, lr, b1, b2, eps), FLOOR),
    (
        lambda *a: _adam_variant(*a, inputs_swapped=True),
        "m and v got each other's inputs: m averages the gradient itself, v its square.",
    ),
    (lambda th, g, m, v, t, lr, b1, b2, eps: _adam_step(th, g, m, v, t, lr, b1, b2, 1e-8), TINY_EPS),
    (lambda th, g, m, v, t, lr, b1, b2, eps: _adam_step(th, g, m, v, t, lr, 0.9, b2, eps), fixed("beta1", 0.9)),
    (lambda th, g, m, v, t, lr, b1, b2, eps: _adam_step(th, g, m, v, t, lr, b1, 0.999, eps), fixed("beta2", 0.999)),
    (lambda th, g, m, v, t, lr, b1, b2, eps: _adam_step(th, g, m, v, t, 0.001, b1, b2, eps), fixed("lr", 0.001)),
]


# 05: Keras' step size with "epsilon hat" ------------------------------------------------


def _keras_step_size(lr, beta1, beta2, t):
    return lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)


def _keras_step_size_cases(rng):
    # t = 1 and the defaults, as in the lesson; t = 2 with other betas keeps
    # "t off by one" and the fixed defaults apart; small betas (never 0.5,
    # where beta**t = (1 - beta)**t) keep 1 - beta * t positive, so
    # "the product beta * t" gives a number there, not only NaN.
    return [
        (0.001, 0.9, 0.999, 1),
        (0.01, 0.9, 0.999, 10),
        (float(rng.uniform(0.01, 0.1)), 0.8, 0.99, 3),
        (float(rng.uniform(0.001, 0.01)), float(rng.uniform(0.55, 0.7)), float(rng.uniform(0.9, 0.95)), 2),
        (float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.2, 0.4)), float(rng.uniform(0.3, 0.45)), 2),
    ]


_POWER_OUTSIDE = "the power belongs to beta: 1 - beta**t, not (1 - beta)**t."
_T_OFF = "t is off by one: use the step number t as given (it already counts from 1)."
_PRODUCT = "use the power beta**t, not the product beta * t (in Python, ** is the power)."

_KERAS_STEP_MISTAKES = [
    (
        lambda lr, b1, b2, t: lr * math.sqrt(1 - b1**t) / (1 - b2**t),
        "beta1 and beta2 are swapped: the square root belongs to v's correction (beta2), the division to m's (beta1).",
    ),
    (
        lambda lr, b1, b2, t: lr * (1 - b2**t) / (1 - b1**t),
        "the square root is missing: v_hat enters the step through its square root, so its correction does too.",
    ),
    (
        lambda lr, b1, b2, t: lr * math.sqrt((1 - b2**t) / (1 - b1**t)),
        "the square root covers both corrections: only v's correction (beta2) sits under it; m's (beta1) divides "
        "as it is.",
    ),
    (lambda lr, b1, b2, t: lr * (1 - b2**t) / 2 / (1 - b1**t), HALF_FOR_ROOT),
    (
        lambda lr, b1, b2, t: math.sqrt(lr * (1 - b2**t)) / (1 - b1**t),
        "the square root covers lr too: only 1 - beta2**t sits under it.",
    ),
    (
        lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) * (1 - b1**t),
        "m's correction multiplies: m_hat is m DIVIDED by 1 - beta1**t, so lr is divided by it too.",
    ),
    (
        lambda lr, b1, b2, t: lr / math.sqrt(1 - b2**t) / (1 - b1**t),
        "the root of v's correction divides: v_hat = v / "
        "(1 - beta2**t) sits under the root in the DENOMINATOR of the step, so its correction ends up on top.",
    ),
    (
        lambda lr, b1, b2, t: lr * (1 - b1**t) / math.sqrt(1 - b2**t),
        "the fraction is upside down: the root of v's correction goes on top, m's correction below.",
    ),
    (lambda lr, b1, b2, t: lr * math.sqrt((1 - b2) ** t) / (1 - b1) ** t, _POWER_OUTSIDE),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2) ** t / (1 - b1**t), _POWER_OUTSIDE),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) / (1 - b1) ** t, _POWER_OUTSIDE),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1)), _T_OFF),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t - 1)) / (1 - b1 ** (t - 1)) if t > 1 else math.nan, _T_OFF),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t - 1)) / (1 - b1 ** (t - 1)), _T_OFF),  # raises at t = 1
    (lambda lr, b1, b2, t: lr / (1 - b1**t), "the factor sqrt(1 - beta2**t) from v's correction is missing."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t), "the division by 1 - beta1**t, m's correction, is missing."),
    (
        lambda lr, b1, b2, t: math.sqrt(1 - b2**t) / (1 - b1**t),
        "lr is missing: the corrections scale the learning rate.",
    ),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 * t) / (1 - b1 * t) if b2 * t < 1 else math.nan, _PRODUCT),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 * t) / (1 - b1 * t), _PRODUCT),  # raises where b2 * t > 1
    (
        lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ^ t) / (1 - b1 ^ t),  # raises TypeError, as `beta ^ t` does
        "`^` is not a power in Python (it is bitwise XOR, which floats do not have): the power is written **.",
    ),
    (
        lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) / 1 - b1**t,
        "brackets are missing around the denominator: Python divides by 1 and then subtracts beta1**t.",
    ),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) // (1 - b1**t), FLOOR),
    (
        lambda lr, b1, b2, t: lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t),
        "beta1 and beta2 seem fixed at 0.9 and 0.999: use the arguments." + GIVEN,
    ),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) / (1 - 0.9**t), fixed("beta1", 0.9)),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - 0.999**t) / (1 - b1**t), fixed("beta2", 0.999)),
    (lambda lr, b1, b2, t: 0.001 * math.sqrt(1 - b2**t) / (1 - b1**t), fixed("lr", 0.001)),
]


EXERCISES = (
    define(
        "ex05_adam_step",
        _adam_step,
        _adam_cases,
        _ADAM_MISTAKES,
        points=3,
        returns=("theta", "m", "v", "t"),
        forbidden=LIBRARY_CLASSES,
        forbidden_objects=LIBRARY_CLASS_OBJECTS,
        lesson="05_adam",
    ),
    define(
        "ex05_keras_step_size",
        _keras_step_size,
        _keras_step_size_cases,
        _KERAS_STEP_MISTAKES,
        returns=("lr_t",),
        lesson="05_adam",
    ),
)
