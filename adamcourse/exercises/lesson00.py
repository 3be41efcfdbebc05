"""Lesson 00 (start here): a gradient step, and a gradient by finite differences.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations

import numpy as np

from adamcourse import objectives
from adamcourse.exercises.cases import quartic, vec, wavy
from adamcourse.exercises.engine import define
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# A learning rate, beta or eps fixed in the function (or read from a global of
# the lesson) instead of taken from its argument: the cases draw other values,
# so the fixed one shows.
GIVEN = " The check passes other values than the usual defaults, so a fixed number shows up."


# `//` where `/` was meant rounds every quotient down to a whole number.
FLOOR = "`//` is floor division (it rounds down to a whole number): divide with `/`."


def fixed(name: str, value) -> str:
    """The sentence for a hyperparameter fixed at ``value`` instead of read from its argument."""
    return f"{name} seems fixed at {value}: use the `{name}` argument." + GIVEN


# 00: the gradient step ------------------------------------------------------------


def _gradient_step(theta, grad, lr):
    return theta - lr * grad


def _gradient_step_cases(rng):
    return [(vec(rng), vec(rng), float(rng.uniform(0.05, 0.5))) for _ in range(4)]


_GRADIENT_STEP_MISTAKES = [
    (
        lambda th, g, lr: th + lr * g,
        "the update has the wrong sign: gradient descent moves against the gradient, so subtract the step.",
    ),
    (lambda th, g, lr: th - g, "the learning rate is missing: the step is the gradient scaled by lr."),
    (lambda th, g, lr: -lr * g, "you returned the step, not the new point: add the step to theta."),
    (
        lambda th, g, lr: lr * g,
        "you returned the step (with the wrong sign), not the new point: subtract it from theta.",
    ),
    (lambda th, g, lr: th - lr * th, "you used theta where the gradient belongs: the step is lr times grad."),
    (lambda th, g, lr: th - g / lr, "you divided by the learning rate: multiply the gradient by lr."),
    (lambda th, g, lr: g - lr * th, "theta and grad are swapped: start from theta and subtract lr times the gradient."),
    (
        lambda th, g, lr: th,
        "you returned theta unchanged: the step was computed but not kept. Return the new point "
        "(or assign it back to a name you return).",
    ),
    (
        lambda th, g, lr: th - lr * 2 * th,
        "you worked out the bowl's gradient (2 * theta) yourself: use the `grad` "
        "argument, which is the gradient of whatever function is being minimised.",
    ),
    (
        lambda th, g, lr: lr * (th - g),
        "brackets are in the wrong place: lr multiplies only the gradient, theta stands alone.",
    ),
    (
        lambda th, g, lr: (th - lr) * g,
        "brackets are in the wrong place: lr and grad belong together (their product "
        "is the step), and theta stands alone.",
    ),
    (lambda th, g, lr: th - 0.1 * g, fixed("lr", 0.1)),
    (lambda th, g, lr: th - 0.01 * g, fixed("lr", 0.01)),
    (lambda th, g, lr: th - 0.001 * g, fixed("lr", 0.001)),
]


# 00: a gradient by finite differences -------------------------------------------------


def _numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta, dtype=float)
    for i in range(theta.size):
        step = np.zeros_like(theta, dtype=float)
        step.flat[i] = h  # nudge one coordinate, keep the others
        grad.flat[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad


def _difference_variant(
    f,
    theta,
    h,
    *,
    reset=True,
    restore=True,
    coords=None,
    stop_after=None,
    combine=lambda up, down, h: (up - down) / (2 * h),
):
    """A central-difference loop with one slip: a step vector or a nudged copy
    that is not reset between coordinates, a loop over the wrong range, a
    `return` inside the loop, or another way of combining f(theta + h e_i) and
    f(theta - h e_i)."""
    theta = np.asarray(theta, dtype=float)
    grad = np.zeros_like(theta)
    step = np.zeros_like(theta)
    moved = theta.copy()
    for n, i in enumerate(range(theta.size) if coords is None else coords(theta.size)):
        if not restore:  # one copy, nudged up then down, never put back
            moved.flat[i] += h
            up = f(moved)
            moved.flat[i] -= 2 * h
            down = f(moved)
        else:
            if reset:
                step = np.zeros_like(theta)
            step.flat[i] = h
            up, down = f(theta + step), f(theta - step)
        grad.flat[i] = combine(up, down, h)
        if stop_after is not None and n + 1 >= stop_after:
            break
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


_DOUBLE_SLOPE = (
    "your estimate is twice the slope: divide by 2 * h, the distance between theta + h e_i and "
    "theta - h e_i (each point moves by h)."
)
_HALF_SLOPE = (
    "your estimate is half the slope: divide the difference by the distance between the two points, "
    "which are 2h apart when each moves by h."
)

_NUMERICAL_GRADIENT_MISTAKES = [
    (lambda f, th, h: 2 * _numerical_gradient(f, th, h), _DOUBLE_SLOPE),
    (lambda f, th, h: 2 * _numerical_gradient(f, th, 2 * h), _DOUBLE_SLOPE),  # moved by 2h each way
    (
        lambda f, th, h: 2 * h * _numerical_gradient(f, th, h),
        "the difference is not divided at all: a slope is a change in f divided by the distance between the two points, "
        "2h.",
    ),
    (
        lambda f, th, h: h * _numerical_gradient(f, th, h),
        "you divided by 2 but not by h: divide the difference by the whole distance between the two points, 2 * h.",
    ),
    (lambda f, th, h: _numerical_gradient(f, th, h) / 2, _HALF_SLOPE),
    (lambda f, th, h: _numerical_gradient(f, th, h / 2) / 2, _HALF_SLOPE),  # moved by h/2 each way
    (
        lambda f, th, h: -_numerical_gradient(f, th, h),
        "the difference is the wrong way round: the point moved up (theta + h e_i) comes first.",
    ),
    (
        lambda f, th, h: _numerical_gradient(f, th, h) * h * h,
        "brackets are missing: Python reads x / 2*h as (x / 2) * h. Write x / (2 * h).",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, combine=lambda up, down, h: (up - down) / h**2),
        "you divided by h squared: the difference of f over a distance 2h estimates the slope, so divide by 2 * h.",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, combine=lambda up, down, h: up - down / (2 * h)),
        "brackets are missing around the difference: Python divides only f(theta - h e_i) by 2h. Put the "
        "difference in brackets before dividing.",
    ),
    (lambda f, th, h: _difference_variant(f, th, h, combine=lambda up, down, h: (up - down) // (2 * h)), FLOOR),
    (
        lambda f, th, h: _one_sided(f, th, h, +1),
        "that is the one-sided (forward) difference (f(theta + h e_i) - "
        "f(theta)) / h; the exercise asks for the central one, which is far more accurate.",
    ),
    (
        lambda f, th, h: _one_sided(f, th, h, -1),
        "that is the one-sided (backward) difference; use the central one, which moves coordinate i both ways.",
    ),
    (
        lambda f, th, h: _numerical_gradient(f, th, 1e-5),
        "use the step h you are given (the check passes h=0.01 and h=0.001); your function seems to use its own.",
    ),
    (
        lambda f, th, h: np.full(th.shape, (f(th + h) - f(th - h)) / (2 * h)),
        "you moved every coordinate at once (theta + h): nudge one coordinate at a time, keeping the others fixed.",
    ),
    (
        lambda f, th, h: np.full(th.shape, (f(th + h) - f(th)) / h),
        "you moved every coordinate at once (theta + h), and used a one-sided difference: nudge one coordinate "
        "at a time, both ways, and divide by 2h.",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, reset=False),
        "the nudges pile up: the step vector (or nudged copy) is never reset, so it still holds h in the coordinates "
        "before i and later coordinates are nudged together. Start from a fresh zero vector (or a fresh copy of theta) "
        "for every coordinate.",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, restore=False),
        "you nudge one copy of theta and never put coordinate i back: it stays at theta_i - h while the next "
        "coordinates are measured. Restore it (or start from a fresh copy) for every coordinate.",
    ),
    (
        lambda f, th, h: _numerical_gradient(objectives.bowl.f, th, h),  # raises on 3 coordinates, as the bowl does
        "you differentiated the lesson's bowl instead of the function `f` you were given: call f, whatever it is.",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, stop_after=1),
        "only the first coordinate is filled: the `return` is inside the loop. Indent it out of the loop.",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, coords=lambda n: range(n - 1)),
        "the last coordinate is left at 0: the loop stops one short. Loop over every index (range(theta.size)).",
    ),
    (
        lambda f, th, h: _difference_variant(f, th, h, coords=lambda n: range(1, n)),
        "the first coordinate is left at 0: the loop starts at 1. Python counts from 0.",
    ),
]


EXERCISES = (
    define(
        "ex00_gradient_step",
        _gradient_step,
        _gradient_step_cases,
        _GRADIENT_STEP_MISTAKES,
        returns=("theta",),
        forbidden=LIBRARY_CLASSES,
        forbidden_objects=LIBRARY_CLASS_OBJECTS,
        lesson="00_start_here",
    ),
    define(
        "ex00_numerical_gradient",
        _numerical_gradient,
        _numerical_gradient_cases,
        _NUMERICAL_GRADIENT_MISTAKES,
        points=2,
        returns=("grad",),
        lesson="00_start_here",
    ),
)
