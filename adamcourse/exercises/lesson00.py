"""Lesson 00 (start here): a gradient step, and a gradient by finite differences.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations


import numpy as np

from adamcourse.exercises.cases import quartic, vec, wavy
from adamcourse.exercises.engine import define
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 00: the gradient step ------------------------------------------------------------


def _gradient_step(theta, grad, lr):
    return theta - lr * grad


def _gradient_step_cases(rng):
    return [(vec(rng), vec(rng), float(rng.uniform(0.05, 0.5))) for _ in range(4)]


_GRADIENT_STEP_MISTAKES = [
    (lambda th, g, lr: th + lr * g, "the update has the wrong sign: gradient descent moves against the gradient, theta - lr * grad."),
    (lambda th, g, lr: th - g, "the learning rate is missing: the step is lr * grad, not grad."),
    (lambda th, g, lr: -lr * g, "you returned the step, not the new point: add it to theta."),
    (lambda th, g, lr: lr * g, "you returned the step (with the wrong sign), not the new point theta - lr * grad."),
    (lambda th, g, lr: th - lr * th, "you used theta where the gradient belongs: theta - lr * grad."),
]


# 00: a gradient by finite differences -------------------------------------------------



def _numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta, dtype=float)
    for i in range(theta.size):
        step = np.zeros_like(theta, dtype=float)
        step.flat[i] = h  # nudge one coordinate, keep the others
        grad.flat[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad


def _one_sided(f, theta, h, direction):
    grad = np.zeros_like(theta, dtype=float)
    for i in range(theta.size):
        step = np.zeros_like(theta, dtype=float)
        step.flat[i] = h
        grad.flat[i] = (f(theta + step) - f(theta)) / h if direction > 0 else (f(theta) - f(theta - step)) / h
    return grad


def _numerical_gradient_cases(rng):
    # h = 0.01: large enough that one-sided and central differences disagree
    # visibly, small enough that the central difference is still accurate.
    return [(wavy, vec(rng, 3), 0.01), (quartic, vec(rng, 2), 0.01), (wavy, vec(rng, 2), 0.001)]


_NUMERICAL_GRADIENT_MISTAKES = [
    (lambda f, th, h: 2 * _numerical_gradient(f, th, h), "divide by 2 * h: the two points theta + h and theta - h are 2h apart."),
    (lambda f, th, h: _numerical_gradient(f, th, h) / 2, "divide by 2 * h, not 4 * h (or h * h)."),
    (lambda f, th, h: -_numerical_gradient(f, th, h), "the difference is the wrong way round: f(theta + h) - f(theta - h)."),
    (lambda f, th, h: _numerical_gradient(f, th, h) * h * h,
     "brackets are missing: Python reads x / 2*h as (x / 2) * h. Write x / (2 * h)."),
    (lambda f, th, h: _one_sided(f, th, h, +1), "that is the one-sided (forward) difference (f(theta + h) - f(theta)) / h; "
     "the exercise asks for the central one, which is far more accurate."),
    (lambda f, th, h: _one_sided(f, th, h, -1), "that is the one-sided (backward) difference; use the central one, "
     "(f(theta + h e_i) - f(theta - h e_i)) / (2h)."),
    (lambda f, th, h: _numerical_gradient(f, th, 1e-5),
     "use the step h you are given (the check passes h=0.01 and h=0.001); your function seems to use its own."),
    (lambda f, th, h: np.full(th.shape, (f(th + h) - f(th - h)) / (2 * h)),
     "you moved every coordinate at once (theta + h): nudge one coordinate at a time, keeping the others fixed."),
    (lambda f, th, h: np.full(th.shape, (f(th + h) - f(th)) / h),
     "you moved every coordinate at once (theta + h), and used a one-sided difference: nudge one coordinate "
     "at a time, both ways, (f(theta + h e_i) - f(theta - h e_i)) / (2h)."),
]


EXERCISES = (
    define("ex00_gradient_step", _gradient_step, _gradient_step_cases, _GRADIENT_STEP_MISTAKES,
                  returns=("theta",), forbidden=LIBRARY_CLASSES, forbidden_objects=LIBRARY_CLASS_OBJECTS, lesson="00_start_here"),
    define("ex00_numerical_gradient", _numerical_gradient, _numerical_gradient_cases, _NUMERICAL_GRADIENT_MISTAKES,
                  points=2, returns=("grad",), lesson="00_start_here"),
)
