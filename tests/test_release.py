"""Student copies: stubs instead of solutions, no hidden tests, kept up to date."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adamcourse.grading import release

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "grading" / "assignment" / "fixture.ipynb"


def text(cell) -> str:
    return "".join(cell["source"])


def grade_id(cell):
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


@pytest.fixture
def source():
    return json.loads(FIXTURE.read_text())


def test_solutions_become_stubs_that_raise_with_a_hint(source):
    copy = release.student_copy(source)
    cell = next(c for c in copy["cells"] if grade_id(c) == "ex05_adam_step")
    assert text(cell) == (
        "def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):\n"
        '    """One Adam step; returns (theta, m, v, t)."""\n'
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError('Write `adam_step` here: replace this line with your code, "
        "then run the check cell below.')"
    )
    compile(text(cell), "stub", "exec")  # still valid Python


def test_hint_comments_stay_and_unfinished_regions_are_refused():
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"nbgrader": {"solution": True, "grade_id": "ex"}},
                "outputs": [],
                "execution_count": 3,
                "source": "def f(x):\n    # BEGIN SOLUTION\n    # Hint: square it\n    return x**2\n    # END SOLUTION\n",
            }
        ]
    }
    cell = release.student_copy(nb)["cells"][0]
    assert "    # Hint: square it\n    # YOUR CODE HERE\n    raise NotImplementedError(" in text(cell)
    assert "x**2" not in text(cell)
    assert cell["execution_count"] is None
    nb["cells"][0]["source"] = "def f(x):\n    # BEGIN SOLUTION\n    return x"
    with pytest.raises(ValueError, match="'ex' has '# BEGIN SOLUTION' without '# END SOLUTION'"):
        release.student_copy(nb)


def test_hidden_tests_are_removed_and_nothing_of_the_solution_is_left(source):
    copy = release.student_copy(source)
    everything = json.dumps(copy)
    assert "HIDDEN" not in everything and "0.9)" not in everything
    assert "BEGIN SOLUTION" not in everything and "m_hat" not in everything
    check = next(c for c in copy["cells"] if grade_id(c) == "ex05_adam_step_check")
    assert text(check) == "checks.check_adam_step(adam_step)"


def test_outputs_of_solution_and_check_cells_are_cleared_everything_else_kept(source):
    copy = release.student_copy(source)
    assert len(copy["cells"]) == len(source["cells"])
    for before, after in zip(source["cells"], copy["cells"]):
        meta = before["metadata"].get("nbgrader", {})
        if meta.get("solution") or meta.get("grade"):
            assert after["outputs"] == [] and after["execution_count"] is None
            added = {"checksum", "cell_type"}
            assert {k: v for k, v in after["metadata"]["nbgrader"].items() if k not in added} == meta
        elif before["cell_type"] == "markdown" and "colab" in text(before):
            assert text(after) == text(before).replace("/notebooks/99_fixture", "/notebooks/student/99_fixture")
        else:
            assert {**after, "source": text(after)} == {**before, "source": text(before)}
    assert source == json.loads(FIXTURE.read_text())  # the source is not modified


def test_a_spoiler_cells_output_is_cleared_and_its_code_kept(source):
    nb = json.loads(json.dumps(source))
    shown = {"output_type": "stream", "name": "stdout", "text": "def _update(...): the whole solution"}
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": 7,
            "id": "spoiler-cell",
            "source": "print(solution)",
            "metadata": {"tags": [release.SPOILER_TAG]},
            "outputs": [shown],
        }
    )
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": 8,
            "id": "plain-cell",
            "source": "print(1)",
            "metadata": {},
            "outputs": [shown],
        }
    )
    spoiler, plain = release.student_copy(nb)["cells"][-2:]
    assert spoiler["outputs"] == [] and spoiler["execution_count"] is None and text(spoiler) == "print(solution)"
    assert plain["outputs"] == [shown]


def test_checksums_are_nbgraders(source):
    """nbgrader's formula, spelled out here for one check cell (.ci/nbgrader-validate.sh
    compares every checksum with nbgrader's own compute_checksum)."""
    import hashlib

    copy = release.student_copy(source)
    check = next(c for c in copy["cells"] if grade_id(c) == "ex05_adam_step_check")
    parts = ["checks.check_adam_step(adam_step)", "code", "True", "False", "True", "ex05_adam_step_check", "3.0"]
    assert check["metadata"]["nbgrader"]["checksum"] == hashlib.md5("".join(parts).encode()).hexdigest()
    assert check["metadata"]["nbgrader"]["cell_type"] == "code"


def test_committed_student_copies_are_up_to_date():
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert lessons, "no lesson notebooks in notebooks/"
    assert sorted(p.name for p in (ROOT / "notebooks" / "student").glob("*.ipynb")) == lessons
    assert release.stale() == [], "run `adamcourse release` and commit notebooks/student/"


def test_student_copies_keep_every_exercise_as_a_stub():
    for path in sorted((ROOT / "notebooks" / "student").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("solution"):
                assert "raise NotImplementedError(" in text(cell), (path.name, grade_id(cell))
                assert "BEGIN SOLUTION" not in text(cell)


def test_release_command_writes_and_checks(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE, notebooks / "99_fixture.ipynb")

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "adamcourse.grading.cli", "release", "--notebooks", str(notebooks), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cli("--check").returncode == 1  # no copies yet
    assert cli().returncode == 0
    assert (notebooks / "student" / "99_fixture.ipynb").is_file()
    assert cli("--check").returncode == 0
    changed = json.loads((notebooks / "99_fixture.ipynb").read_text())
    changed["cells"][0]["source"] = ["# A new title"]
    (notebooks / "99_fixture.ipynb").write_text(json.dumps(changed))
    done = cli("--check")
    assert done.returncode == 1 and "99_fixture.ipynb is out of date" in done.stderr


def _run(path: Path, cwd: Path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


@pytest.mark.slow
def test_a_student_copy_runs_and_its_checks_say_not_attempted(tmp_path):
    path = tmp_path / "99_fixture.ipynb"
    path.write_text(release.render(release.student_copy(json.loads(FIXTURE.read_text()))))
    nb = _run(path, tmp_path)
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(checks) == 3
    for cell in checks:
        printed = "".join(o.get("text", "") for o in cell.outputs)
        assert "not attempted yet" in printed, printed


@pytest.mark.slow
def test_a_lesson_student_copy_says_not_attempted():
    nb = _run(ROOT / "notebooks" / "student" / "00_start_here.ipynb", ROOT / "notebooks")
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert checks
    for cell in checks:
        assert "not attempted yet" in "".join(o.get("text", "") for o in cell.outputs)
