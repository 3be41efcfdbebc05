"""Grade one submitted notebook.

For each exercise the grader takes the student's solution cell and what it
uses from the student's other cells (:func:`.assignment.program`), runs them
in a sandboxed kernel (:mod:`.kernel`), then calls the exercise's function
there on test cases drawn here, at grading time, and gets back plain data:
what each call returned or raised, and what its arguments looked like
afterwards. The verdict comes from the same engine as the notebook's own
check (:func:`adamcourse.exercises.engine.judge_calls`), in the grader's own
process: nothing the kernel computed about correctness is trusted.

Cases are drawn from a generator seeded by (seed, assignment, student,
exercise): grading the same folder twice gives the same gradebook, and
different students get different cases.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adamcourse.exercises import engine
from adamcourse.grading.assignment import (
    MAX_NOTEBOOK_BYTES,
    Assignment,
    NotGradable,
    parse,
    program,
    read_submission,
    uses_shell,
)
from adamcourse.grading.kernel import KernelStopped, SandboxedKernel
from adamcourse.grading.sandbox import library_copy
from adamcourse.grading.sandbox.grader import remove_tree
from adamcourse.grading.sandbox.kernel import MIME_TYPE
from adamcourse.grading.sandbox.limits import Limits
from adamcourse.grading.sandbox.wire import decode, encode

__all__ = ["ExerciseResult", "grade_submission", "case_rng"]


@dataclass(frozen=True)
class ExerciseResult:
    """One row of the gradebook."""

    student: str
    exercise: str
    points: float
    max_points: float
    feedback: str
    lesson: str = ""
    outcome: str = ""
    mistake: str = ""
    seconds: float = 0.0
    grader_error: bool = False


def case_rng(seed: int, assignment: str, student: str, grade_id: str) -> np.random.Generator:
    """The generator of one student's cases for one exercise."""
    digest = hashlib.sha256(f"{seed}\0{assignment}\0{student}\0{grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


_HARNESS = (
    "from adamcourse.grading.sandbox.kernel import report_calls as _adamcourse_report_calls\n"
    "_adamcourse_report_calls(globals(), {name!r}, {cases!r})"
)


def _observations(cell) -> tuple[dict | None, str | None]:
    """The harness's report from its cell's outputs, read defensively."""
    reports = [
        o["data"][MIME_TYPE]
        for o in cell.get("outputs", [])
        if o.get("output_type") == "display_data" and MIME_TYPE in (o.get("data") or {})
    ]
    if len(reports) != 1 or not isinstance(reports[0], dict):
        return (
            None,
            "The grader's test code did not finish after your cell ran. Did your code replace a builtin or exit?",
        )
    return reports[0], None


def _verdict(exercise, cases: list, report: dict, solution_error: str | None) -> engine.Verdict:
    name = exercise.function_name
    status = report.get("status")
    if status == "missing":
        reason = (
            solution_error
            or f"`{name}` is not defined after running your solution cell: keep the `def {name}(...)` line as given."
        )
        return engine.Verdict(False, reason, "missing")
    if status == "not callable":
        return engine.Verdict(
            False, f"`{name}` should be a function, but it is a {report.get('type', 'value')}.", "missing"
        )
    calls = report.get("calls")
    if status != "ran" or not isinstance(calls, list) or len(calls) > len(cases):
        return engine.Verdict(False, "Your solution did not produce results the grader could read.", "failed")
    try:
        seen = [
            engine.Observation(
                returned=decode(c.get("returned")),
                raised=None if c.get("raised") is None else str(c["raised"])[:600],
                not_implemented=bool(c.get("not_implemented")),
                args_after=decode(c.get("args_after")),
            )
            for c in calls
        ]
    except Exception as error:
        return engine.Verdict(
            False, f"The values your function returned could not be read ({type(error).__name__}).", "failed"
        )
    try:
        return engine.judge_calls(exercise, cases, seen)
    except Exception as error:  # a value the engine cannot compare is the student's, not a grader bug
        return engine.Verdict(
            False, f"Your result could not be compared with the reference ({type(error).__name__}).", "wrong"
        )


async def _grade_all(assignment: Assignment, submission, cases: dict, root: str, limits: Limits, library: str) -> dict:
    kernel = SandboxedKernel(root, limits, library)
    verdicts = {}
    try:
        for exercise in assignment.exercises:
            grade_id = exercise.grade_id
            if grade_id not in submission.solutions:
                continue
            solution = submission.solutions[grade_id]
            support = program(solution, submission.cells, assignment)
            tree = parse("\n".join([*support, solution]))
            flagged = engine.forbidden_in_source(exercise, tree) if tree is not None else []
            if flagged:
                verdicts[grade_id] = engine.judge_calls(exercise, cases[grade_id], [], flagged=flagged)
                continue
            harness = _HARNESS.format(name=exercise.function_name, cases=json.dumps(encode(cases[grade_id])))
            try:
                cells = await kernel.run([*support, solution, harness])
            except KernelStopped as stopped:
                verdict = engine.Verdict(False, str(stopped), "failed")
            else:
                errors = [o for o in cells[-2].get("outputs", []) if o.get("output_type") == "error"]
                solution_error = (
                    f"Your solution cell raised {errors[0].get('ename')}: {str(errors[0].get('evalue'))[:300]}"
                    if errors
                    else None
                )
                report, problem = _observations(cells[-1])
                verdict = (
                    engine.Verdict(False, solution_error or problem, "failed")
                    if report is None
                    else _verdict(exercise, cases[grade_id], report, solution_error)
                )
            if not verdict.passed and uses_shell(solution):
                verdict = engine.Verdict(
                    False,
                    verdict.message + " Shell commands (`!...`, `%system`, `%%bash`) cannot "
                    "run in the grader (no terminal, no network): remove them from your solution "
                    "cell.",
                    verdict.outcome,
                    verdict.mistake,
                    verdict.share,
                )
            verdicts[grade_id] = verdict
    finally:
        await kernel.stop()
    return verdicts


def library_for(assignment: Assignment, folder: str) -> str:
    """Build, in ``folder``, the kernel's copy of the library with this assignment's answers left out."""
    forbidden = {name for e in assignment.exercises for name in e.forbidden}
    return str(library_copy.build(Path(folder) / "library", forbidden))


def grade_submission(
    student: str,
    path: str | Path,
    assignment: Assignment,
    limits: Limits = Limits(),
    seed: int = 0,
    known_lessons: dict | None = None,
    library: str | None = None,
) -> list[ExerciseResult]:
    """Grade one notebook: one :class:`ExerciseResult` per exercise, never an exception.

    ``library`` is a copy made by :func:`library_for` (a batch makes one per
    worker); without it, one is made for this submission."""
    started = time.monotonic()

    def rows(verdicts: dict, default: engine.Verdict, grader_error: bool = False) -> list[ExerciseResult]:
        seconds = round(time.monotonic() - started, 2)
        out = []
        for exercise in assignment.exercises:
            verdict = verdicts.get(exercise.grade_id, default)
            out.append(
                ExerciseResult(
                    student,
                    exercise.grade_id,
                    engine.points(exercise, verdict),
                    float(exercise.points),
                    _clean(engine.feedback(verdict)),
                    assignment.name,
                    verdict.outcome,
                    verdict.mistake or "",
                    seconds,
                    grader_error,
                )
            )
        return out

    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_NOTEBOOK_BYTES + 1)
        try:
            submission = read_submission(raw, assignment, known_lessons)
        except NotGradable as problem:
            return rows({}, engine.Verdict(False, str(problem), "failed"))
        cases = {
            e.grade_id: e.cases(case_rng(seed, assignment.name, student, e.grade_id)) for e in assignment.exercises
        }
        root = tempfile.mkdtemp(prefix="adamcourse-grade-")
        try:
            library = library or library_for(assignment, root)
            verdicts = asyncio.run(_grade_all(assignment, submission, cases, root, limits, library))
        except Exception as error:
            return rows(
                {},
                engine.Verdict(
                    False,
                    f"The grader could not run this submission ({type(error).__name__}: "
                    f"{error}). This is not your mistake; please tell your instructor.",
                    "failed",
                ),
                grader_error=True,
            )
        finally:
            remove_tree(root)  # never following a link a kernel planted
        for exercise in assignment.exercises:
            if exercise.grade_id not in submission.solutions:
                verdicts[exercise.grade_id] = engine.Verdict(
                    False,
                    f"The solution cell for `{exercise.function_name}` is missing: it was deleted or its "
                    f"metadata was changed. Copy it back from a fresh student copy.",
                    "missing",
                )
            elif exercise.grade_id in submission.duplicates:
                v = verdicts[exercise.grade_id]
                verdicts[exercise.grade_id] = engine.Verdict(
                    v.passed,
                    v.message + " (Note: the notebook has this solution cell twice; the first one was graded.)",
                    v.outcome,
                    v.mistake,
                    v.share,
                )
        return rows(verdicts, engine.Verdict(False, "It was not run.", "failed"))
    except Exception as error:  # a grader bug must not stop the batch
        return rows(
            {},
            engine.Verdict(
                False,
                f"The grader failed on this submission ({type(error).__name__}: {error}). "
                f"This is not your mistake; please tell your instructor.",
                "failed",
            ),
            grader_error=True,
        )


def _clean(message: str) -> str:
    """Feedback without this run's temporary names, so regrading is identical
    and a student reads "your cell", not a kernel's file name."""
    message = re.sub(r"/tmp/[\w./-]*adamcourse-grade-\w+", "<sandbox>", message)
    message = re.sub(r"(/tmp/ipykernel_\d+/|<sandbox>/)?\b\d{6,}\.py\b", "your cell", message)
    return message.replace("<sandbox>", "the sandbox")
