"""Lesson 02 (momentum): one step of a moving average, and a heavy-ball step.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations

from adamcourse import optimizers
from adamcourse.exercises.cases import vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.lesson00 import fixed
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 02: one step of an exponential moving average -----------------------------------------


def _ema_update(average, x, beta):
    return beta * average + (1 - beta) * x


def _ema_cases(rng):
    return [(vec(rng), vec(rng), float(rng.uniform(0.6, 0.95))) for _ in range(3)] + [(0.0, 4.0, 0.9)]


_EMA_MISTAKES = [
    (
        lambda a, x, beta: (1 - beta) * a + beta * x,
        "beta and 1 - beta are swapped: beta is the share of the OLD average that is kept.",
    ),
    (
        lambda a, x, beta: beta * a + x,
        "the new value needs the weight (1 - beta); without it the average grows without bound.",
    ),
    (lambda a, x, beta: a + (1 - beta) * x, "the old average needs the weight beta."),
    (lambda a, x, beta: (a + x) / 2, "that is a plain mean of two numbers; the weights are beta and 1 - beta."),
    (
        lambda a, x, beta: a,
        "you returned the old average unchanged (perhaps average appears twice): mix in the new value x with weight 1 - beta.",
    ),
    (
        lambda a, x, beta: x,
        "you returned the new value x itself (perhaps x appears twice): the old average keeps the "
        "weight beta, x gets 1 - beta.",
    ),
    (
        lambda a, x, beta: beta * a + 1 - beta * x,
        "brackets are missing around 1 - beta: Python multiplies only beta "
        "by x and adds a stray 1. Bracket the weight before multiplying.",
    ),
    (lambda a, x, beta: beta * a - (1 - beta) * x, "the new value is subtracted: both weighted terms are added."),
    (
        lambda a, x, beta: a + (1 - beta) * (a - x),
        "the nudge goes the wrong way: the average moves a share 1 - beta of "
        "the way TOWARDS the new value, so the difference is new minus old.",
    ),
    (lambda a, x, beta: 0.9 * a + 0.1 * x, fixed("beta", 0.9)),
]


# 02: a heavy-ball momentum step -----------------------------------------------------


def _momentum_step(theta, grad, velocity, lr, beta):
    velocity = beta * velocity - lr * grad
    return theta + velocity, velocity


def _momentum_cases(rng):
    return [
        (vec(rng), vec(rng), vec(rng, scale=0.3), float(rng.uniform(0.05, 0.3)), float(rng.uniform(0.6, 0.95)))
        for _ in range(4)
    ]


def _moved(th, new_velocity, scale=1.0):
    """theta moved by the new velocity (times ``scale``), and that velocity."""
    return th + scale * new_velocity, new_velocity


# Lesson 02 first teaches the moving average, so momentum often comes out as one.
_AS_AVERAGE = (
    "you wrote momentum as a moving average of the gradients (weights beta and 1 - beta): that is Adam's "
    "m, not this lesson's heavy ball. Keep beta on the old velocity, subtract the full lr * grad, and move "
    "theta by the velocity."
)

_MOMENTUM_MISTAKES = [
    (
        lambda th, g, v, lr, beta: _moved(th, beta * v + lr * g),
        "the update has the wrong sign: the velocity subtracts lr * grad (downhill is minus the gradient).",
    ),
    (
        lambda th, g, v, lr, beta: (th - (beta * v + lr * g), beta * v + lr * g),
        "the velocity has the wrong sign: this lesson stores the step itself (it subtracts lr * grad), and theta then "
        "ADDS the velocity.",
    ),
    (
        lambda th, g, v, lr, beta: (th + v, beta * v - lr * g),
        "theta moved by the OLD velocity: compute the new velocity first, then move theta by it.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, v - lr * g),
        "beta is missing: the old velocity is multiplied by beta (without it the velocity never forgets).",
    ),
    (
        lambda th, g, v, lr, beta: (th - lr * (beta * v + g), beta * v + g),
        "your velocity is a sum of gradients (PyTorch's form, with lr applied when theta moves); this exercise stores "
        "the step itself in the velocity, lr included, and theta adds it.",
    ),
    (
        lambda th, g, v, lr, beta: (th + lr * (beta * v - g), beta * v - g),
        "your velocity holds gradients, not steps (lr is applied only when theta moves, as in PyTorch's form); this "
        "exercise puts lr inside the velocity, and theta adds the velocity as it is.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, beta * v - (1 - beta) * lr * g),
        "the gradient is weighted by (1 - beta) as in a moving average; heavy-ball momentum adds the full lr * grad.",
    ),
    (lambda th, g, v, lr, beta: (th - lr * (beta * v + (1 - beta) * g), beta * v + (1 - beta) * g), _AS_AVERAGE),
    (lambda th, g, v, lr, beta: _moved(th, beta * v - (1 - beta) * g, lr), _AS_AVERAGE),
    (lambda th, g, v, lr, beta: _moved(th, beta * v + (1 - beta) * lr * g, -1.0), _AS_AVERAGE),
    (
        lambda th, g, v, lr, beta: (th + beta * (beta * v - lr * g) - lr * g, beta * v - lr * g),
        "that is Nesterov's look-ahead step; the exercise asks for plain heavy-ball momentum: theta moves by the new "
        "velocity.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, (1 - beta) * v - lr * g),
        "beta and 1 - beta are swapped: beta is the share of the old velocity that is kept.",
    ),
    (
        lambda th, g, v, lr, beta: (th - (beta * v - lr * g), beta * v - lr * g),
        "theta moved the wrong way: the velocity already points downhill (it holds - lr * grad), so add it to theta.",
    ),
    (
        lambda th, g, v, lr, beta: (th - lr * g, beta * v - lr * g),
        "theta took a plain gradient step; it should move by the new velocity.",
    ),
    (
        lambda th, g, v, lr, beta: (th + beta * v - lr * g, v),
        "theta is right, but you returned the OLD velocity: return the new one, or the next step forgets this one.",
    ),
    (
        lambda th, g, v, lr, beta: (th + v, v),
        "the velocity is never updated: theta moved by the old velocity, which came back unchanged. Compute the new "
        "velocity, move theta by it, and return it.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, beta * v - lr * g, lr),
        "lr is applied twice: it is already inside the velocity, so theta adds the velocity as it is.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, beta * (v - lr * g)),
        "beta multiplies the gradient term too: it belongs on the old velocity only.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, beta * v - g),
        "the learning rate is missing: the velocity subtracts lr times the gradient.",
    ),
    (
        lambda th, g, v, lr, beta: _moved(th, lr * v - beta * g),
        "lr and beta are swapped: beta keeps a share of the old velocity, lr scales the gradient.",
    ),
    (lambda th, g, v, lr, beta: _moved(th, 0.9 * v - lr * g), fixed("beta", 0.9)),
    (lambda th, g, v, lr, beta: _moved(th, beta * v - 0.01 * g), fixed("lr", 0.01)),
]


EXERCISES = (
    define(
        "ex02_ema_update",
        _ema_update,
        _ema_cases,
        _EMA_MISTAKES,
        returns=("average",),
        forbidden=("ema",),
        forbidden_objects=(optimizers.ema,),
        lesson="02_momentum",
    ),
    define(
        "ex02_momentum_step",
        _momentum_step,
        _momentum_cases,
        _MOMENTUM_MISTAKES,
        points=2,
        returns=("theta", "velocity"),
        forbidden=LIBRARY_CLASSES,
        forbidden_objects=LIBRARY_CLASS_OBJECTS,
        lesson="02_momentum",
    ),
)
