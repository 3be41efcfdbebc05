"""What an instructor gets around the verdicts: ids, roster, gradebooks that
merge instead of overwrite, escaped cells, the class report, and lessons by
the names `release` accepts. No kernels here: rows are made by hand."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from adamcourse.exercises import EXERCISES
from adamcourse.grading import assignment as assignments
from adamcourse.grading import batch, gradebook, report
from adamcourse.grading.submission import ExerciseResult

ROOT = Path(__file__).resolve().parents[1]
SOURCE_05 = ROOT / "notebooks" / "05_adam.ipynb"


def row(student, exercise, points, lesson="05_adam", outcome="right", mistake="", most=None):
    most = most if most is not None else float(EXERCISES[exercise].points) if exercise in EXERCISES else 1.0
    return ExerciseResult(student, exercise, points, most, f"feedback for {student}", lesson, outcome, mistake, 1.5)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


# --- ids, roster, symlinks --------------------------------------------------------------


def _touch(folder: Path, name: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_names_that_become_the_same_id_are_both_kept_with_a_warning(tmp_path):
    _touch(tmp_path, "a b.ipynb")
    _touch(tmp_path, "a_b.ipynb")
    _touch(tmp_path, "zoë.ipynb")
    _touch(tmp_path, "zoé.ipynb")
    found = batch.find_submissions(tmp_path, "05_adam")
    assert set(found.submissions) == {"a_b", "a_b-2", "zoë", "zoé"}
    assert len(found.warnings) == 1 and "both become the id 'a_b'" in found.warnings[0]


def test_a_roster_adds_non_submitters_and_reports_strangers(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nana,Ana A\nben,Ben B\ncarla,Carla C\n")
    folder = tmp_path / "in"
    _touch(folder, "ANA.ipynb")  # case does not matter
    _touch(folder, "ben_1234_5678_05_adam.ipynb")  # an LMS download: login, then numbers
    _touch(folder, "mallory.ipynb")
    found = batch.find_submissions(folder, "05_adam", batch.read_roster(roster))
    assert set(found.submissions) == {"ana", "ben"}
    assert found.missing == ["carla"] and found.unmatched == ["mallory"]


def test_symlinked_submissions_are_refused(tmp_path):
    secret = _touch(tmp_path, "solutions/05_adam.ipynb")
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(secret, folder / "eve.ipynb")
    os.symlink(secret.parent, folder / "mallory")
    _touch(folder, "ana.ipynb")
    found = batch.find_submissions(folder, "05_adam")
    assert set(found.submissions) == {"ana"}
    assert sum("symbolic link" in w for w in found.warnings) == 2


def test_a_roster_needs_ids(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="column of student ids"):
        batch.read_roster(empty)
    twice = tmp_path / "twice.csv"
    twice.write_text("id\nana\nana\n")
    with pytest.raises(ValueError, match="twice"):
        batch.read_roster(twice)


# --- lessons by name, wrong lessons, unparsable code ---------------------------------------


@pytest.mark.parametrize("name", ["05", "05_adam", "05_adam.ipynb"])
def test_grade_accepts_the_lesson_names_release_accepts(name):
    assert assignments.resolve_lesson(name).resolve() == SOURCE_05


def test_an_unknown_lesson_lists_the_known_ones():
    with pytest.raises(FileNotFoundError, match="05_adam") as error:
        assignments.resolve_lesson("99")
    assert "write 05 or 05_adam" in str(error.value)


def test_a_notebook_of_another_lesson_is_named_as_such():
    assignment = assignments.load_assignment(SOURCE_05)
    other = (ROOT / "notebooks" / "student" / "03_adagrad.ipynb").read_bytes()
    lessons = {g: e.lesson for g, e in EXERCISES.items()}
    with pytest.raises(assignments.NotGradable, match="lesson 03_adagrad, not 05_adam"):
        assignments.read_submission(other, assignment, lessons)


def test_code_the_grader_will_not_parse_is_never_a_grader_error():
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000
    assert assignments.parse(deep) is None
    assert assignments.parse("x" * (assignments.MAX_PARSED_CELL + 1)) is None
    assert assignments.program(deep, ()) == []
    assert assignments.program("def f(x):\n    return g(x)", (deep, "def g(x):\n    return 2 * x")) == [
        "def g(x):\n    return 2 * x"
    ]


def test_the_program_takes_what_the_solution_uses_and_nothing_else():
    cells = (
        "import numpy as np\nfrom adamcourse import plotting\nfig = plotting.contour()",
        "SCALE = 2.0\ntheta = np.ones(3)\nprint(theta)",
        "def helper(x):\n    return SCALE * np.sqrt(x)",
        "def unused(x):\n    return x",
    )
    solution = "def f(theta, t):\n    t = t + 1\n    return helper(theta) / t"
    assert assignments.program(solution, cells) == [
        "import numpy as np",
        "SCALE = 2.0",
        "def helper(x):\n    return SCALE * np.sqrt(x)",
    ]


# --- the gradebooks -----------------------------------------------------------------------


def test_regrading_one_student_or_one_lesson_keeps_every_other_row(tmp_path):
    first = [
        row("ana", "ex05_adam_step", 3.0),
        row("ana", "ex05_keras_step_size", 1.0),
        row("ben", "ex05_adam_step", 0.0, outcome="wrong"),
        row("ben", "ex05_keras_step_size", 1.0),
    ]
    gradebook.update(first, tmp_path)
    other_lesson = [
        row("ana", "ex02_ema_update", 1.0, "02_momentum"),
        row("ana", "ex02_momentum_step", 2.0, "02_momentum"),
    ]
    gradebook.update(other_lesson, tmp_path)
    regrade = [
        row("ben", "ex05_adam_step", 1.5, outcome="mistake", mistake="bias correction missing"),
        row("ben", "ex05_keras_step_size", 1.0),
    ]
    gradebook.update(regrade, tmp_path)
    rows = read_csv(tmp_path / "gradebook.csv")
    assert len(rows) == 6
    got = {(r["lesson"], r["student"], r["exercise"]): r["points"] for r in rows}
    assert got[("05_adam", "ben", "ex05_adam_step")] == "1.5"
    assert got[("05_adam", "ana", "ex05_adam_step")] == "3"
    assert got[("02_momentum", "ana", "ex02_momentum_step")] == "2"
    assert (tmp_path / "feedback" / "05_adam" / "ben.txt").is_file()
    assert (tmp_path / "feedback" / "02_momentum" / "ana.txt").is_file()


def test_the_wide_gradebook_has_a_row_per_student_and_totals(tmp_path):
    gradebook.update(
        [
            row("ana", "ex05_adam_step", 3.0),
            row("ana", "ex05_keras_step_size", 1.0),
            row("ben", "ex05_adam_step", 1.5),
            row("ben", "ex05_keras_step_size", 0.0),
        ],
        tmp_path,
    )
    gradebook.update([row("ana", "ex02_ema_update", 1.0, "02_momentum")], tmp_path)
    wide = list(csv.reader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert wide[0] == [
        "student",
        "02_momentum: ex02_ema_update",
        "02_momentum total",
        "05_adam: ex05_adam_step",
        "05_adam: ex05_keras_step_size",
        "05_adam total",
        "total",
    ]
    assert wide[1] == ["(maximum)", "1", "1", "3", "1", "4", "5"]
    assert wide[2] == ["ana", "1", "1", "3", "1", "4", "5"]
    assert wide[3] == ["ben", "0", "0", "1.5", "0", "1.5", "1.5"]  # no 02 submission: 0 there


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)"])
def test_cells_a_spreadsheet_would_run_are_escaped_and_read_back(tmp_path, name):
    gradebook.update([row(name, "ex05_adam_step", 3.0)], tmp_path)
    for table in ("gradebook.csv", "grades.csv"):
        text = (tmp_path / table).read_text(encoding="utf-8")
        assert f"'{name[0]}" in text and f"\n{name[0]}" not in text and f",{name[0]}" not in text.replace(",-", "")
    assert [r.student for r in gradebook.read(tmp_path / "gradebook.csv")] == [name]


def test_a_foreign_csv_is_not_overwritten(tmp_path):
    (tmp_path / "gradebook.csv").write_text("name,score\nana,3\n")
    with pytest.raises(ValueError, match="not a gradebook"):
        gradebook.update([row("ana", "ex05_adam_step", 3.0)], tmp_path)
    assert (tmp_path / "gradebook.csv").read_text() == "name,score\nana,3\n"


# --- the class report ---------------------------------------------------------------------


def test_the_class_report_counts_each_named_mistake(tmp_path):
    eps = "eps is inside the square root"
    rows = [
        row("ana", "ex05_adam_step", 1.5, outcome="mistake", mistake=eps),
        row("ben", "ex05_adam_step", 1.5, outcome="mistake", mistake=eps),
        row("carla", "ex05_adam_step", 3.0),
        row("dan", "ex05_adam_step", 0.0, outcome="no submission"),
    ]
    rows += [row(r.student, "ex05_keras_step_size", 1.0) for r in rows]
    gradebook.update(rows, tmp_path)
    csv_path, html_path = report.write(tmp_path, assignments.load_assignment(SOURCE_05))
    table = read_csv(csv_path)
    assert {"exercise": "adam_step", "what": f"mistake: {eps}", "students": "2", "of": "4"} in table
    assert {"exercise": "adam_step", "what": "right", "students": "1", "of": "4"} in table
    assert {"exercise": "keras_step_size", "what": "right", "students": "4", "of": "4"} in table
    page = html_path.read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and eps in page and "4 students" in page


def test_the_report_escapes_what_students_wrote(tmp_path):
    gradebook.update([row("<script>", "ex05_adam_step", 1.5, outcome="mistake", mistake="<b>x</b>")], tmp_path)
    _, html_path = report.write(tmp_path, assignments.load_assignment(SOURCE_05))
    page = html_path.read_text(encoding="utf-8")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_gradescope_metadata_of_a_group_and_of_nobody(tmp_path):
    from adamcourse.grading.gradescope import _student_key

    (tmp_path / "submission_metadata.json").write_text(json.dumps({"id": 9, "users": [{"id": 22}, {"id": 11}]}))
    assert _student_key(tmp_path) == "11-22"
    (tmp_path / "submission_metadata.json").write_text("not json")
    assert _student_key(tmp_path) == "submission"
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    assert _student_key(tmp_path) == "submission"


def test_the_kernels_library_copy_leaves_out_a_schedules_answer(tmp_path):
    """A schedule class an exercise forbids keeps its constructor but not its __call__."""
    import subprocess
    import sys

    from adamcourse.grading.sandbox import library_copy

    folder = library_copy.build(tmp_path / "library", {"CosineDecay", "clip_by_global_norm"})
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from adamcourse.schedules import CosineDecay, Constant\n"
        "from adamcourse.optimizers import clip_by_global_norm\n"
        "schedule = CosineDecay(lr=0.1, decay_steps=10)\n"
        "print(Constant(0.1)(3))\n"
        "for call in (lambda: schedule(5), lambda: clip_by_global_norm([1.0], 1.0)):\n"
        "    try:\n"
        "        call(); print('allowed')\n"
        "    except RuntimeError as error:\n"
        "        print('absent' if 'not available while your work is graded' in str(error) else error)\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0.1", "absent", "absent"], done.stderr
