"""Every grader gives the same verdict, words and points for the same submission.

For each lesson with exercises, five students (tests/agreement_submissions.py):
right, blank, wrong in a named way, wrong in no usual way, and right through
a helper defined in another cell. The notebook's own check (run on the
functions the student's cells define), ``adamcourse grade`` (sandboxed, on
other cases) and the Gradescope bundle must agree on the outcome, the named
mistake, the points and the sentence that explains it. nbgrader's own
autograde is compared in CI (.ci/nbgrader-agreement.sh), where nbgrader has
its own environment.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile

import agreement_submissions as subs
import pytest

from adamcourse import grading
from adamcourse.exercises import EXERCISES, engine

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("bubblewrap")]  # the grader needs its sandbox

FAST_LESSONS = [lesson for lesson in subs.lessons() if lesson != "06_mnist_keras"]  # 06 trains a CNN per verdict
LIMITS = grading.Limits(time_s=20, memory_mb=1536)


def _sentence(feedback: str) -> str:
    """The explanation without the case it shows (cases differ between graders)."""
    first = feedback.split("\n")[0]
    for cut in (" is the first returned value that differs", " on all ", " on the test case"):
        first = first.split(cut)[0]
    return first


def notebook_verdicts(nb: dict) -> dict[str, engine.Verdict]:
    """The notebook's own check on each exercise: the student's functions and
    imports defined as their cells define them, then the check."""
    namespace: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or cell["metadata"].get("nbgrader", {}).get("grade"):
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        keep = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.Import, ast.ImportFrom, ast.ClassDef))]
        exec(compile(ast.Module(keep, []), "<cell>", "exec"), namespace)
    verdicts = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            exercise = EXERCISES[meta["grade_id"]]
            verdicts[exercise.grade_id] = engine.run_check(exercise, namespace.get(exercise.function_name))
    return verdicts


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``adamcourse grade`` over every student of every fast lesson."""
    root = tmp_path_factory.mktemp("agreement")
    subs.build(root / "in", FAST_LESSONS)
    out = root / "out"
    rows = {}
    for lesson in FAST_LESSONS:
        folder = root / lesson
        for student in subs.STUDENTS:
            (folder / student).mkdir(parents=True)
            shutil.copy(root / "in" / student / lesson / f"{lesson}.ipynb", folder / student / f"{lesson}.ipynb")
        for row in grading.grade(folder, lesson, out=out, workers=2, limits=LIMITS, progress=False):
            rows[(lesson, row.student, row.exercise)] = row
    return rows, out


@pytest.mark.parametrize("lesson", FAST_LESSONS)
def test_the_notebooks_check_and_the_grader_agree(graded, lesson):
    rows, _ = graded
    expected = subs.expected(lesson)
    for student, nb in subs.submissions(lesson).items():
        for grade_id, verdict in notebook_verdicts(nb).items():
            row = rows[(lesson, student, grade_id)]
            exercise = EXERCISES[grade_id]
            where = f"{lesson} {student} {grade_id}: notebook {verdict.message!r} / grader {row.feedback!r}"
            assert verdict.outcome == row.outcome == expected[student][grade_id], where
            assert (verdict.mistake or "") == row.mistake, where
            assert engine.points(exercise, verdict) == row.points, where
            assert _sentence(engine.feedback(verdict)) == _sentence(row.feedback), where


def test_points_follow_the_documented_rule(graded):
    rows, _ = graded
    for (lesson, student, grade_id), row in rows.items():
        share = {"right": 1.0, "helper": 1.0, "named": engine.MISTAKE_CREDIT}.get(student, 0.0)
        assert row.points == share * row.max_points, (lesson, student, grade_id, row.feedback)


def test_one_gradebook_holds_every_lesson_and_the_report_counts_mistakes(graded):
    rows, out = graded
    wide = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = wide[0].split(",")
    assert header[0] == "student" and header[-1] == "total"
    assert all(f"{lesson} total" in header for lesson in FAST_LESSONS)
    right = next(line.split(",") for line in wide if line.startswith("right,"))
    maximum = next(line.split(",") for line in wide if line.startswith("(maximum),"))
    assert right[-1] == maximum[-1]  # the right student has every point of every lesson
    report = (out / "report-05_adam.csv").read_text(encoding="utf-8")
    assert "adam_step,mistake: bias correction missing,1,5" in report
    html = (out / "report-05_adam.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "bias correction missing" in html


@pytest.mark.parametrize("student", ["right", "named", "blank", "helper"])
def test_the_gradescope_bundle_agrees(graded, tmp_path, student):
    from adamcourse.grading.gradescope import make_bundle

    rows, _ = graded
    lesson = "05_adam"
    bundle = make_bundle("05", tmp_path / "autograder.zip", limits={"time_s": 20, "memory_mb": 1536})
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    nb = subs.submissions(lesson)[student]
    (root / "submission" / f"{lesson}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": [{"id": 4242, "name": "A"}]}))
    script = root / "source" / "run_autograder"
    script.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "ADAMCOURSE_PYTHON": sys.executable}
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    tests = json.loads((root / "results" / "results.json").read_text())["tests"]
    assert [t["name"] for t in tests] == ["Exercise 1 · adam_step (3 points)", "Exercise 2 · keras_step_size (1 point)"]
    for test, grade_id in zip(tests, ["ex05_adam_step", "ex05_keras_step_size"]):
        row = rows[(lesson, student, grade_id)]
        assert test["score"] == row.points and _sentence(test["output"]) == _sentence(row.feedback)


def test_gradescope_gives_each_student_their_own_cases(tmp_path):
    from adamcourse.grading.gradescope import _student_key

    (tmp_path / "submission_metadata.json").write_text(json.dumps({"id": 7, "users": [{"id": 2}, {"id": 1}]}))
    assert _student_key(tmp_path) == "1-2"
    (tmp_path / "submission_metadata.json").write_text(json.dumps({"id": 7, "users": []}))
    assert _student_key(tmp_path) == "7"


def test_the_gradescope_bundle_grades_the_finale_and_installs_keras_for_it(tmp_path):
    """Lesson 06's judge trains the CNN in the grader: its bundle asks for Keras, and grades."""
    from adamcourse.grading.gradescope import make_bundle

    bundle = make_bundle("06", tmp_path / "autograder.zip", limits={"time_s": 60, "memory_mb": 2048})
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    assert json.loads((root / "source" / "config.json").read_text())["extras"] == "grade,keras"
    (root / "submission").mkdir()
    nb = subs.submissions("06_mnist_keras")["right"]
    (root / "submission" / "06_mnist_keras.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    script = root / "source" / "run_autograder"
    script.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "ADAMCOURSE_PYTHON": sys.executable}
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert [t["name"] for t in results["tests"]] == ["Exercise 1 · tuned_adagrad (2 points)"]
    assert results["score"] == 2.0, results["tests"][0]["output"]
