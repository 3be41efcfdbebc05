"""Lesson 06 (MNIST with Keras): tune Keras' Adagrad until the CNN learns.

Not a comparison with a reference: the learner's settings train the finale's
CNN (the same data, seed and epochs for every learner and for the grader),
and the held-out accuracy decides. Keras is imported only when judging.
"""

from __future__ import annotations

import math
from typing import Any

from adamcourse.exercises.engine import Exercise, Verdict

ADAGRAD_SETTINGS = ("lr", "eps", "initial_accumulator", "eps_inside_sqrt")


def _tuned_adagrad() -> dict:
    # Keras' default lr=0.001 is far too small for AdaGrad, whose steps only shrink.
    return {"lr": 0.1}


def _judge_tuned_adagrad(args: tuple, got: Any) -> Verdict:
    from adamcourse import finale, optimizers

    if not isinstance(got, dict):
        return Verdict(
            False,
            f"`tuned_adagrad` should return a dict of settings such as {{'lr': ...}} with a number of your choice, got {got!r}.",
        )
    unknown = sorted(str(k) for k in set(got) - set(ADAGRAD_SETTINGS))
    if unknown:
        return Verdict(False, f"AdaGrad has no setting {unknown}; the settings are {list(ADAGRAD_SETTINGS)}.")
    try:
        optimizers.AdaGrad.like_keras(**got)
    except (TypeError, ValueError) as error:
        return Verdict(False, f"These settings are not valid: {error}")
    accuracy = finale.tuning_accuracy(got)
    goal = finale.TUNING_GOAL
    lr = got.get("lr", 0.001)
    if accuracy >= goal:
        return Verdict(
            True,
            f"With {got} Adagrad reaches validation accuracy {accuracy:.3f} after 3 epochs (goal {goal}; "
            f"Keras' defaults: about 0.6).",
        )
    if not math.isfinite(accuracy) or accuracy < 0.2:
        hint = (
            f"training broke down (accuracy {accuracy:.2f}, no better than guessing): lr={lr} is too large. "
            f"AdaGrad's first steps have size about lr for every weight; try a value 3-10 times smaller."
        )
    elif lr <= 0.003:
        hint = (
            f"validation accuracy {accuracy:.3f} after 3 epochs: still crawling. AdaGrad divides by the root of the "
            f"sum of *all* squared gradients, so its steps only shrink; start with a learning rate 10-100 times larger."
        )
    else:
        hint = (
            f"validation accuracy {accuracy:.3f} after 3 epochs, the goal is {goal}. Try learning rates a factor "
            f"of 3 apart on both sides of lr={lr} and keep the best."
        )
    return Verdict(False, hint)


EXERCISES = (
    Exercise(
        grade_id="ex06_tuned_adagrad",
        function_name="tuned_adagrad",
        points=2,
        reference=_tuned_adagrad,
        make_cases=lambda rng: [()],
        judge_one=_judge_tuned_adagrad,
        returns=("settings",),
        lesson="06_mnist_keras",
    ),
)
