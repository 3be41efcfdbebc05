"""Lesson 03 (AdaGrad): an AdaGrad step, and AdaGrad's step sizes after a history of gradients.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations


import numpy as np

from adamcourse.exercises.cases import pos, vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 03: an AdaGrad step --------------------------------------------------------------------


def _adagrad_step(theta, grad, accum, lr, eps):
    accum = accum + grad**2
    return theta - lr * grad / (np.sqrt(accum) + eps), accum


def _adagrad_cases(rng):
    cases = [(vec(rng), vec(rng), pos(rng, low=0.0, high=1.0), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.05, 0.3))) for _ in range(3)]
    cases.append((np.array([1.0, -2.0]), np.array([0.5, 0.0]), np.zeros(2), 0.1, 0.1))
    return cases


def _adagrad_variant(th, g, a, lr, eps, inside=False, old=False, square=True, root=True, sign=1.0):
    new = a + (g**2 if square else g)
    used = a if old else new
    denom = np.sqrt(used + eps) if inside else (np.sqrt(used) if root else used) + eps
    return th - sign * lr * g / denom, new


_ADAGRAD_MISTAKES = [
    (lambda *a: _adagrad_variant(*a, inside=True),
     "eps is inside the square root: this course (like the paper and PyTorch) writes sqrt(accum) + eps. "
     "(Keras puts it inside; the next lessons come back to that.)"),
    (lambda *a: _adagrad_variant(*a, old=True),
     "you divided by the OLD accumulator: add grad**2 first, then use the new accum in the step."),
    (lambda *a: _adagrad_variant(*a, square=False), "accumulate the SQUARED gradient, accum + grad**2."),
    (lambda *a: _adagrad_variant(*a, root=False), "divide by the square root of the accumulator: sqrt(accum) + eps."),
    (lambda *a: _adagrad_variant(*a, sign=-1.0), "the update has the wrong sign: theta - lr * grad / (sqrt(accum) + eps)."),
    (lambda th, g, a, lr, eps: (th - lr * g / np.sqrt(a + g**2) + eps, a + g**2),
     "brackets are missing around the denominator: Python reads lr * grad / np.sqrt(accum) + eps as "
     "(lr * grad / np.sqrt(accum)) + eps. Write lr * grad / (np.sqrt(accum) + eps)."),
    (lambda th, g, a, lr, eps: (th - lr * g / (np.sqrt(a + g**2) + eps), a),
     "theta is right, but you returned the old accumulator: return the new one, accum + grad**2."),
]


# 03: AdaGrad's step sizes after a history of gradients ---------------------------------


def _adagrad_step_sizes(grads, lr, eps):
    return lr / (np.sqrt(np.sum(grads**2, axis=0)) + eps)


def _step_sizes_cases(rng):
    return [(rng.normal(size=(n, d)), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.05, 0.3))) for n, d in ((5, 3), (12, 2), (3, 4))]


_STEP_SIZES_MISTAKES = [
    (lambda G, lr, eps: lr / (np.sqrt(np.mean(G**2, axis=0)) + eps),
     "you averaged the squared gradients; AdaGrad SUMS them. The sum only grows, which is exactly why its steps shrink forever."),
    (lambda G, lr, eps: lr / np.sqrt(np.sum(G**2, axis=0) + eps), "eps is inside the square root: lr / (sqrt(sum) + eps)."),
    (lambda G, lr, eps: lr / (np.sum(G**2, axis=0) + eps), "take the square root of the sum: lr / (sqrt(sum of grad**2) + eps)."),
    (lambda G, lr, eps: lr / (np.sqrt(np.abs(np.sum(G, axis=0))) + eps), "square each gradient before summing: sum of grad**2."),
    (lambda G, lr, eps: lr / (np.sqrt(np.sum(G, axis=0) ** 2) + eps), "square each gradient BEFORE summing, not the sum afterwards."),
    (lambda G, lr, eps: lr * np.sqrt(np.sum(G**2, axis=0)) + eps, "the step size is lr DIVIDED by (sqrt(sum) + eps)."),
]


EXERCISES = (
    define("ex03_adagrad_step", _adagrad_step, _adagrad_cases, _ADAGRAD_MISTAKES,
                  points=2, returns=("theta", "accum"), forbidden=LIBRARY_CLASSES, forbidden_objects=LIBRARY_CLASS_OBJECTS, lesson="03_adagrad"),
    define("ex03_adagrad_step_sizes", _adagrad_step_sizes, _step_sizes_cases, _STEP_SIZES_MISTAKES,
                  returns=("step_sizes",), lesson="03_adagrad"),
)
