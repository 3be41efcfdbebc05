"""Lesson 01 (SGD): the minibatch gradient of a line fit, and the shrink factor of a step.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations


import numpy as np

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


def _line_grad_variant(w, b, x, y, reduce=np.mean, factor=1.0, sign=1.0):
    r = sign * (w * x + b - y)
    return factor * reduce(r * x), factor * reduce(r)


_MINIBATCH_MISTAKES = [
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, reduce=np.sum),
     "you summed over the batch instead of averaging: use np.mean, so the size of a step does not depend on the batch size."),
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, factor=2.0),
     "everything is twice too big: the loss has a 1/2 in front, which cancels the 2 from differentiating the square."),
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, sign=-1.0),
     "the residual has the wrong sign: use prediction - target, (w * x + b) - y."),
    (lambda w, b, x, y: (float(np.mean(w * x + b - y)), float(np.mean(w * x + b - y))),
     "dw is missing the factor x from the chain rule: d(w x + b)/dw = x."),
    (lambda w, b, x, y: (float(np.mean(w * x + b - y) * np.mean(x)), float(np.mean(w * x + b - y))),
     "average the product residual * x, not the residual times the average x."),
]


# 01: the shrink factor of a gradient step ----------------------------------------------


def _shrink_factor(lr, curvature):
    return 1 - lr * curvature


def _shrink_cases(rng):
    return [(0.1, 2.0), (0.9, 2.0), (1.5, 2.0), (float(rng.uniform(0.01, 0.3)), float(rng.uniform(1, 20)))]


_SHRINK_MISTAKES = [
    (lambda lr, c: 1 + lr * c, "the sign is wrong: the step subtracts lr * curvature * x, so x becomes (1 - lr * curvature) x."),
    (lambda lr, c: abs(1 - lr * c), "keep the sign: a negative factor is meaningful (x jumps to the other side each step)."),
    (lambda lr, c: lr * c, "that is the size of the step as a fraction of x; the new x is x minus it: 1 - lr * curvature."),
    (lambda lr, c: 1 - lr * c / 2, "the gradient of curvature/2 * x**2 is curvature * x (the 2 cancels the 1/2)."),
    (lambda lr, c: 1 - lr, "the curvature is missing: the gradient is curvature * x."),
]


EXERCISES = (
    define("ex01_minibatch_gradient", _minibatch_gradient, _minibatch_cases, _MINIBATCH_MISTAKES,
                  points=2, returns=("dw", "db"), lesson="01_sgd"),
    define("ex01_shrink_factor", _shrink_factor, _shrink_cases, _SHRINK_MISTAKES, lesson="01_sgd"),
)
