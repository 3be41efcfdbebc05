"""Instant checks for the lessons' exercises.

In a notebook, after you write ``momentum_step``::

    from adamcourse import checks
    checks.check_momentum_step(momentum_step)

prints either a success line or what went wrong, with one telling case. A
check never raises because of a mistake in your function: the student copy's
stub (``raise NotImplementedError``) is reported as "not attempted yet".

Each check calls your function on the exercise's cases and hands what it
saw to the same judge every grader uses (:mod:`adamcourse.exercises`): a ✔
here is full marks there. The judge knows the usual wrong versions of each
exercise (eps inside the square root, ``t`` incremented after use, bias
correction missing, beta and 1 - beta swapped...) and names one only when it
explains your answer on every case.
"""

from __future__ import annotations

from collections.abc import Callable

from adamcourse.exercises import EXERCISES, exercise, reference
from adamcourse.exercises.engine import CHECK_SEED, Exercise, Verdict, feedback
from adamcourse.exercises.engine import check as _check
from adamcourse.exercises.engine import forbidden_use as _forbidden_names
from adamcourse.exercises.engine import run_check as _run_check

__all__ = [
    "EXERCISES",
    "Exercise",
    "Verdict",
    "CHECK_SEED",
    "run_check",
    "check",
    "reference",
    "forbidden_use",
    "feedback",
    "check_gradient_step",
    "check_numerical_gradient",
    "check_minibatch_gradient",
    "check_shrink_factor",
    "check_ema_update",
    "check_momentum_step",
    "check_adagrad_step",
    "check_adagrad_step_sizes",
    "check_rmsprop_step",
    "check_debias_average",
    "check_adam_step",
    "check_keras_step_size",
    "check_tuned_adagrad",
    "check_adamw_step",
    "check_warmup_cosine",
    "check_clip_by_global_norm",
    "check_bytes_per_step",
    "check_adam_step_",
]


def run_check(name: str | Exercise, fn: Callable, seed: int = CHECK_SEED) -> Verdict:
    """The verdict on ``fn`` for an exercise (by grade_id or function name); never raises because of ``fn``."""
    return _run_check(exercise(name), fn, seed)


def check(name: str | Exercise, fn: Callable):
    """Judge ``fn`` and print the feedback (under nbgrader, also return the points)."""
    return _check(exercise(name), fn)


def forbidden_use(name: str | Exercise, fn: Callable) -> str | None:
    """If ``fn`` calls the library's answer to the exercise, the message that says so; otherwise None."""
    found = _forbidden_names(exercise(name), fn)
    return _run_check(exercise(name), fn).message if found else None


def check_gradient_step(gradient_step):
    """Check your `gradient_step` (lesson 00) and print feedback that names the likely mistake."""
    return check("gradient_step", gradient_step)


def check_numerical_gradient(numerical_gradient):
    """Check your `numerical_gradient` (lesson 00) and print feedback that names the likely mistake."""
    return check("numerical_gradient", numerical_gradient)


def check_minibatch_gradient(minibatch_gradient):
    """Check your `minibatch_gradient` (lesson 01) and print feedback that names the likely mistake."""
    return check("minibatch_gradient", minibatch_gradient)


def check_shrink_factor(shrink_factor):
    """Check your `shrink_factor` (lesson 01) and print feedback that names the likely mistake."""
    return check("shrink_factor", shrink_factor)


def check_ema_update(ema_update):
    """Check your `ema_update` (lesson 02) and print feedback that names the likely mistake."""
    return check("ema_update", ema_update)


def check_momentum_step(momentum_step):
    """Check your `momentum_step` (lesson 02) and print feedback that names the likely mistake."""
    return check("momentum_step", momentum_step)


def check_adagrad_step(adagrad_step):
    """Check your `adagrad_step` (lesson 03) and print feedback that names the likely mistake."""
    return check("adagrad_step", adagrad_step)


def check_adagrad_step_sizes(adagrad_step_sizes):
    """Check your `adagrad_step_sizes` (lesson 03) and print feedback that names the likely mistake."""
    return check("adagrad_step_sizes", adagrad_step_sizes)


def check_rmsprop_step(rmsprop_step):
    """Check your `rmsprop_step` (lesson 04) and print feedback that names the likely mistake."""
    return check("rmsprop_step", rmsprop_step)


def check_debias_average(debias_average):
    """Check your `debias_average` (lesson 04) and print feedback that names the likely mistake."""
    return check("debias_average", debias_average)


def check_adam_step(adam_step):
    """Check your `adam_step` (lesson 05) and print feedback that names the likely mistake."""
    return check("adam_step", adam_step)


def check_keras_step_size(keras_step_size):
    """Check your `keras_step_size` (lesson 05) and print feedback that names the likely mistake."""
    return check("keras_step_size", keras_step_size)


def check_tuned_adagrad(tuned_adagrad):
    """Check your `tuned_adagrad` (lesson 06) and print feedback that names the likely mistake."""
    return check("tuned_adagrad", tuned_adagrad)


def check_adamw_step(adamw_step):
    """Check your `adamw_step` (lesson 07) and print feedback that names the likely mistake."""
    return check("adamw_step", adamw_step)


def check_warmup_cosine(warmup_cosine):
    """Check your `warmup_cosine` (lesson 07) and print feedback that names the likely mistake."""
    return check("warmup_cosine", warmup_cosine)


def check_clip_by_global_norm(clip_by_global_norm):
    """Check your `clip_by_global_norm` (lesson 07) and print feedback that names the likely mistake."""
    return check("clip_by_global_norm", clip_by_global_norm)


def check_bytes_per_step(bytes_per_step):
    """Check your `bytes_per_step` (lesson 08) and print feedback that names the likely mistake."""
    return check("bytes_per_step", bytes_per_step)


def check_adam_step_(adam_step_):
    """Check your `adam_step_` (lesson 08) and print feedback that names the likely mistake; once its
    numbers are right, also what it allocates while it runs (measured in your kernel with tracemalloc)."""
    result = check("adam_step_", adam_step_)
    if run_check("adam_step_", adam_step_).passed:
        from adamcourse.exercises.lesson08 import allocation_feedback

        print(allocation_feedback(adam_step_))
    return result
