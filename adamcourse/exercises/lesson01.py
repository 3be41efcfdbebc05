"""Lesson 01 (SGD): the minibatch gradient of a line fit, and the shrink factor of a step.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from adamcourse import objectives
from adamcourse.exercises.engine import define

# 01: the minibatch gradient of a line fit ----------------------------------------------


def _minibatch_gradient(w, b, x, y):
    residual = w * x + b - y  # prediction - target
    return float(np.mean(residual * x)), float(np.mean(residual))


def _minibatch_cases(rng):
    cases = []
    for n in (5, 8, 3, 1):
        x = rng.normal(size=n)
        cases.append((float(rng.normal()), float(rng.normal()), x, 2 * x - 1 + 0.3 * rng.normal(size=n)))
    return cases


def _line_grad_variant(w, b, x, y, reduce=np.mean, factor=1.0, sign=1.0, use_b=True, times=None):
    r = sign * (w * x + (b if use_b else 0.0) - y)
    times = x if times is None else times
    return factor * reduce(r * times), factor * reduce(r)


@lru_cache(maxsize=1)
def _lesson_data():
    """The lesson's whole data set, the notebook's globals x and y."""
    problem = objectives.linear_regression()
    return problem.X[:, 0], problem.y


def _loop_skipping(w, b, x, y, first=0, last=0):
    """Sums over range(first, n - last), divided by n: a loop over the wrong range."""
    r = (w * x + b - y)[first : len(x) - last]
    xs = x[first : len(x) - last]
    return float(np.sum(r * xs) / len(x)), float(np.sum(r) / len(x))


_SUMMED = (
    "you summed over the batch instead of averaging: take the mean (for dw and db alike), so the size of a "
    "step does not depend on the batch size."
)

_MINIBATCH_MISTAKES = [
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, reduce=np.sum), _SUMMED),
    (lambda w, b, x, y: (float(np.sum((w * x + b - y) * x)), float(np.mean(w * x + b - y))), _SUMMED),
    (lambda w, b, x, y: (float(np.mean((w * x + b - y) * x)), float(np.sum(w * x + b - y))), _SUMMED),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, reduce=lambda a: np.sum(a) / (len(a) - 1)),
        "you divided by n - 1: that is the habit from sample variances; the gradient of a mean over the batch divides "
        "by the batch size n.",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, factor=2.0),
        "everything is twice too big: the loss has a 1/2 in front, which cancels the 2 from differentiating the square.",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, factor=0.5),
        "everything is half as big as it should be: the 2 from differentiating the square cancels the loss's 1/2, so "
        "no factor is left.",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, sign=-1.0),
        "the residual has the wrong sign: use prediction minus target.",
    ),
    (
        lambda w, b, x, y: (float(np.mean((w * x + b - y) ** 2 * x)), float(np.mean((w * x + b - y) ** 2))),
        "the residual is still squared: differentiating the square leaves the residual itself (to the first power).",
    ),
    (
        lambda w, b, x, y: (float(np.mean((w * x + b - y) ** 2) / 2),) * 2,
        "that is the loss, not its gradient: differentiate it with respect to w and to b.",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, times=x * x),
        "x appears twice in dw: the chain rule brings in one factor x.",
    ),
    (
        lambda w, b, x, y: (float(np.mean(w * x + b - y)), float(np.mean(w * x + b - y))),
        "dw is missing the factor x from the chain rule: the derivative of w x + b with respect to w is x.",
    ),
    (
        lambda w, b, x, y: (float(np.mean(w * x + b - y) * np.mean(x)), float(np.mean(w * x + b - y))),
        "average the product residual * x, not the residual times the average x.",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, times=w),
        "dw multiplies the residual by w; the chain rule brings in the input x (the derivative of w x + b with respect "
        "to w is x, not w).",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, times=y),
        "dw multiplies the residual by y; the chain rule brings in the input x (the derivative of w x + b with respect "
        "to w).",
    ),
    (
        lambda w, b, x, y: (float(np.mean((w * x + b - y) * x)), float(np.mean((w * x + b - y) * x))),
        "db is the mean of the residual alone: the derivative of w x + b with respect to b is 1, so there is no x in it.",
    ),
    (
        lambda w, b, x, y: _minibatch_gradient(w, b, y, x),
        "x and y are swapped: x is the input (it multiplies w), y the target the prediction is compared with.",
    ),
    (
        lambda w, b, x, y: _line_grad_variant(w, b, x, y, use_b=False),
        "the prediction is missing b: the residual is w x + b - y.",
    ),
    (
        lambda w, b, x, y: (float(np.mean(w * x + b - y * x)), float(np.mean(w * x + b - y))),
        "brackets are missing around the residual in dw: only y got multiplied by x. Bracket the whole residual "
        "before multiplying.",
    ),
    (
        lambda w, b, x, y: _minibatch_gradient(w, b, *_lesson_data()),
        "you used the lesson's whole data set (the notebook's x and y) instead of the minibatch passed in: compute "
        "with the function's own arguments.",
    ),
    (
        lambda w, b, x, y: _loop_skipping(w, b, x, y, first=1),
        "the first example is left out: the loop starts at 1. Python counts from 0.",
    ),
    (
        lambda w, b, x, y: _loop_skipping(w, b, x, y, last=1),
        "the last example is left out: the loop stops one short. Loop over every index (range(len(x))).",
    ),
    (
        lambda w, b, x, y: (float(np.sum((w * x + b - y) * x) // len(x)), float(np.sum(w * x + b - y) // len(x))),
        "`//` is floor division (it rounds down to a whole number): divide by the batch size with `/`, or use np.mean.",
    ),
]


# 01: the shrink factor of a gradient step ----------------------------------------------


def _shrink_factor(lr, curvature):
    return 1 - lr * curvature


def _shrink_cases(rng):
    # curvature 2 is the lesson's bowl; the random curvatures (away from 2) keep
    # "curvature missing" and "a stray factor 2" from looking alike.
    return [
        (0.1, 2.0),
        (0.9, 2.0),
        (1.5, 2.0),
        (float(rng.uniform(0.01, 0.3)), float(rng.uniform(3, 20))),
        (float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.2, 0.8))),
    ]


_SHRINK_MISTAKES = [
    (
        lambda lr, c: 1 + lr * c,
        "the sign is wrong: the step subtracts lr * curvature * x, so x loses that fraction of itself.",
    ),
    (
        lambda lr, c: abs(1 - lr * c),
        "keep the sign: a negative factor is meaningful (x jumps to the other side each step).",
    ),
    (
        lambda lr, c: lr * c,
        "that is the size of the step as a fraction of x; the new x is x minus the step, so subtract it from 1.",
    ),
    (
        lambda lr, c: -lr * c,
        "that is the change of x as a fraction of x; the factor is what is LEFT of x after the "
        "step, so add the 1 back.",
    ),
    (
        lambda lr, c: lr * c - 1,
        "your factor is the negative of the right one: the 1 (all of x) comes first, and "
        "the step's share is taken away from it.",
    ),
    (lambda lr, c: 1 - lr * c / 2, "the gradient of curvature/2 * x**2 is curvature * x (the 2 cancels the 1/2)."),
    (
        lambda lr, c: 1 - 2 * lr * c,
        "there is a stray factor 2: the loss is curvature/2 * x**2, whose gradient is "
        "curvature * x (the 2 and the 1/2 cancel).",
    ),
    (lambda lr, c: 1 - lr, "the curvature is missing: the gradient is curvature * x."),
    (lambda lr, c: 1 - c, "the learning rate is missing: the step is lr times the gradient, curvature * x."),
    (lambda lr, c: 1 - lr / c, "you divided by the curvature: the gradient is curvature * x, so multiply."),
    (
        lambda lr, c: (1 - lr) * c,
        "brackets are in the wrong place: lr and the curvature belong together, the 1 stands alone.",
    ),
    (
        lambda lr, c: (1 - lr * c) ** 2,
        "that is the factor of the loss (a square), not of x: the exercise asks what "
        "one step multiplies x itself by, so no square.",
    ),
]


EXERCISES = (
    define(
        "ex01_minibatch_gradient",
        _minibatch_gradient,
        _minibatch_cases,
        _MINIBATCH_MISTAKES,
        points=2,
        returns=("dw", "db"),
        lesson="01_sgd",
    ),
    define("ex01_shrink_factor", _shrink_factor, _shrink_cases, _SHRINK_MISTAKES, lesson="01_sgd"),
)
