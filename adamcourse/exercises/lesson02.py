"""Lesson 02 (momentum): one step of a moving average, and a heavy-ball step.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers.
"""

from __future__ import annotations



from adamcourse import optimizers
from adamcourse.exercises.cases import vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

# 02: one step of an exponential moving average -----------------------------------------


def _ema_update(average, x, beta):
    return beta * average + (1 - beta) * x


def _ema_cases(rng):
    return [(vec(rng), vec(rng), float(rng.uniform(0.6, 0.95))) for _ in range(3)] + [(0.0, 4.0, 0.9)]


_EMA_MISTAKES = [
    (lambda a, x, beta: (1 - beta) * a + beta * x,
     "beta and 1 - beta are swapped: beta is the share of the OLD average that is kept."),
    (lambda a, x, beta: beta * a + x, "the new value needs the weight (1 - beta); without it the average grows without bound."),
    (lambda a, x, beta: a + (1 - beta) * x, "the old average needs the weight beta."),
    (lambda a, x, beta: (a + x) / 2, "that is a plain mean of two numbers; the weights are beta and 1 - beta."),
    (lambda a, x, beta: a, "you returned the old average unchanged (perhaps average appears twice): mix in the new value x with weight 1 - beta."),
]


# 02: a heavy-ball momentum step -----------------------------------------------------


def _momentum_step(theta, grad, velocity, lr, beta):
    velocity = beta * velocity - lr * grad
    return theta + velocity, velocity


def _momentum_cases(rng):
    return [(vec(rng), vec(rng), vec(rng, scale=0.3), float(rng.uniform(0.05, 0.3)), float(rng.uniform(0.6, 0.95))) for _ in range(4)]


_MOMENTUM_MISTAKES = [
    (lambda th, g, v, lr, beta: (th + (beta * v + lr * g), beta * v + lr * g),
     "the update has the wrong sign: velocity = beta * velocity - lr * grad (downhill is minus the gradient)."),
    (lambda th, g, v, lr, beta: (th - (beta * v + lr * g), beta * v + lr * g),
     "the velocity has the wrong sign: this lesson stores the step itself, velocity = beta * velocity - lr * grad, "
     "and then theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + v, beta * v - lr * g),
     "theta moved by the OLD velocity: compute the new velocity first, then theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + (v - lr * g), v - lr * g),
     "beta is missing: velocity = beta * velocity - lr * grad (without beta the velocity never forgets)."),
    (lambda th, g, v, lr, beta: (th - lr * (beta * v + g), beta * v + g),
     "your velocity is a sum of gradients (PyTorch's form, velocity = beta * velocity + grad); this exercise stores "
     "the step: velocity = beta * velocity - lr * grad, theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + (beta * v - (1 - beta) * lr * g), beta * v - (1 - beta) * lr * g),
     "the gradient is weighted by (1 - beta) as in a moving average; heavy-ball momentum adds the full lr * grad."),
    (lambda th, g, v, lr, beta: (th + beta * (beta * v - lr * g) - lr * g, beta * v - lr * g),
     "that is Nesterov's look-ahead step; the exercise asks for plain heavy-ball momentum, theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + ((1 - beta) * v - lr * g), (1 - beta) * v - lr * g),
     "beta and 1 - beta are swapped: beta is the share of the old velocity that is kept."),
    (lambda th, g, v, lr, beta: (th - (beta * v - lr * g), beta * v - lr * g),
     "theta moved the wrong way: the velocity already points downhill (it holds - lr * grad), so theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th - lr * g, beta * v - lr * g),
     "theta took a plain gradient step; it should move by the new velocity: theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + beta * v - lr * g, v),
     "theta is right, but you returned the OLD velocity: return the new one, or the next step forgets this one."),
]


EXERCISES = (
    define("ex02_ema_update", _ema_update, _ema_cases, _EMA_MISTAKES,
                  returns=("average",), forbidden=("ema",), forbidden_objects=(optimizers.ema,), lesson="02_momentum"),
    define("ex02_momentum_step", _momentum_step, _momentum_cases, _MOMENTUM_MISTAKES,
                  points=2, returns=("theta", "velocity"), forbidden=LIBRARY_CLASSES, forbidden_objects=LIBRARY_CLASS_OBJECTS, lesson="02_momentum"),
)
