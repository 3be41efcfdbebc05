"""The lessons' exercises and the engine that judges them.

- :mod:`~adamcourse.exercises.engine`: exercises, observations, verdicts, and
  the one routine that judges a learner's calls (used by the notebooks' checks
  and by every grader);
- ``lessonNN``: each lesson's exercises: reference, cases, named mistakes;
- this module: the registry that gathers them.

The notebooks call them through :mod:`adamcourse.checks`.
"""

from __future__ import annotations

from collections.abc import Callable

from adamcourse.exercises import (
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
)
from adamcourse.exercises.engine import (
    CHECK_SEED,
    MISTAKE_CREDIT,
    Exercise,
    Mistake,
    Observation,
    Verdict,
    judge_calls,
    run_check,
)

__all__ = [
    "EXERCISES",
    "LESSONS",
    "exercise",
    "reference",
    "for_lesson",
    "Exercise",
    "Mistake",
    "Observation",
    "Verdict",
    "judge_calls",
    "run_check",
    "CHECK_SEED",
    "MISTAKE_CREDIT",
]

LESSONS = (lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08)

#: Every exercise of the course by its nbgrader grade_id, in lesson order.
EXERCISES: dict[str, Exercise] = {e.grade_id: e for module in LESSONS for e in module.EXERCISES}


def exercise(name: str | Exercise) -> Exercise:
    """An exercise by grade_id or function name."""
    if isinstance(name, Exercise):
        return name
    for candidate in EXERCISES.values():
        if name in (candidate.grade_id, candidate.function_name):
            return candidate
    known = ", ".join(e.function_name for e in EXERCISES.values())
    raise KeyError(f"No exercise named {name!r}; the exercises are: {known}.")


def reference(name: str) -> Callable:
    """The course's own solution of an exercise, by function name or grade_id.

    Later cells of a lesson use it (or the library class it leads to), so a
    notebook still runs top to bottom while an exercise is unsolved.
    """
    return exercise(name).reference


def for_lesson(lesson: str) -> list[Exercise]:
    """The exercises of one lesson (``"05_adam"``), in notebook order."""
    return [e for e in EXERCISES.values() if e.lesson == lesson]
