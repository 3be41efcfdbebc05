"""The committed notebooks: in sync with their text sources, small, executed,
with the shared template (badge, setup cell) and well-formed exercises.

nbval runs the notebooks themselves (``testpaths`` includes ``notebooks``);
these tests check what nbval does not.
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from adamcourse import checks, session

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "sources"

_spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

ALL = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
LESSONS = [name for name in ALL if name[:2] in {"00", "01", "02", "03", "04", "05"}]
SETUP_CELL = f"""# Setup: in Colab this installs the course library; Colab's own packages stay as they are.
import sys
if "google.colab" in sys.modules:
    %{session.install_command()}
from adamcourse import session
rng = session.start(seed=0)"""


def read(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_the_six_lessons_exist_with_sources():
    assert [n[:2] for n in LESSONS] == ["00", "01", "02", "03", "04", "05"]
    assert {p.stem for p in SOURCES.glob("[0-9][0-9]_*.py")} >= set(ALL), "every notebook needs a source"


@pytest.mark.parametrize("name", ALL)
def test_source_and_notebook_agree(name):
    problems = build.disagreements(SOURCES / f"{name}.py")
    assert not problems, (
        f"{name}.ipynb and sources/{name}.py disagree; rebuild with "
        f"`python tools/build_notebooks.py {name}`:\n" + "\n".join(problems)
    )


def test_sync_check_notices_a_change(tmp_path, monkeypatch):
    """The sync test above can fail: an edited cell is reported."""
    source = SOURCES / f"{LESSONS[0]}.py"
    nb = read(LESSONS[0])
    nb.cells[0].source += "\nAn edit made only in the notebook."
    monkeypatch.setattr(build, "NOTEBOOKS", tmp_path)
    nbformat.write(nb, tmp_path / f"{LESSONS[0]}.ipynb")
    assert any("cell 0" in problem for problem in build.disagreements(source))


@pytest.mark.parametrize("name", ALL)
def test_notebook_is_small(name):
    assert (NOTEBOOKS / f"{name}.ipynb").stat().st_size < 2 * 1024 * 1024


@pytest.mark.parametrize("name", ALL)
def test_committed_executed_without_errors_or_colab_metadata(name):
    nb = read(name)
    assert nb.metadata.kernelspec.name == "python3"
    assert "colab" not in nb.metadata
    for cell in nb.cells:
        assert "colab" not in cell.metadata and "execution" not in cell.metadata
        if cell.cell_type == "code" and cell.source.strip():
            assert cell.execution_count is not None, f"not executed: {cell.source[:60]!r}"
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:60]


@pytest.mark.parametrize("name", LESSONS)
def test_template_title_time_badge_and_setup(name):
    nb = read(name)
    first = nb.cells[0].source
    assert first.startswith(f"# {name[:2]} ·"), "title first"
    assert "**Goal:**" in first and re.search(r"\*\*Time:\*\* about \d+ minutes", first)
    assert session.badge_markdown(name) in first
    setup = [c for c in nb.cells if c.cell_type == "code"][0]
    assert setup.source == SETUP_CELL
    assert any("## Summary" in c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("name", LESSONS)
def test_check_output_cells_print_something(name):
    # nbval compares the cells tagged nbval-check-output (a tag, not a comment a learner would read)
    marked = [
        c for c in read(name).cells if c.cell_type == "code" and build.CHECK_OUTPUT_TAG in c.metadata.get("tags", [])
    ]
    assert marked, "every lesson has numbers to notice"
    for cell in marked:
        assert cell.outputs, cell.source[:60]
        assert all(o.output_type == "stream" and o.name == "stdout" for o in cell.outputs), cell.source[:60]


@pytest.mark.parametrize("name", ALL)
def test_no_test_machinery_in_what_a_learner_reads(name):
    """nbval's markers live in cell tags; the text never talks about the course's own tests."""
    for cell in read(name).cells:
        assert "NBVAL" not in cell.source, f"an nbval comment in a cell a learner reads: {cell.source[:60]!r}"
        assert not re.search(r"(?i)the (?:course's )?tests (?:compare|set)|seed article|\bseed:", cell.source), (
            cell.source[:80]
        )


def exercise_cells(nb):
    """(solution cell, check cell, index) for every exercise of a notebook."""
    cells = nb.cells
    found = []
    for i, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader")
        if meta and meta.get("solution"):
            found.append((cell, cells[i + 1], i))
    return found


@pytest.mark.parametrize("name", LESSONS)
def test_exercises_follow_the_nbgrader_contract(name):
    nb = read(name)
    exercises = exercise_cells(nb)
    assert len(exercises) >= 2, "at least two exercises per lesson"
    for solution, check, _ in exercises:
        meta = solution.metadata["nbgrader"]
        grade_id = meta["grade_id"]
        assert grade_id in checks.EXERCISES, grade_id
        exercise = checks.EXERCISES[grade_id]
        assert exercise.lesson == name
        assert meta == {
            "grade": False,
            "grade_id": grade_id,
            "locked": False,
            "schema_version": 3,
            "solution": True,
            "task": False,
        }
        assert f"def {exercise.function_name}(" in solution.source
        lines = [line.strip() for line in solution.source.splitlines()]
        assert lines.count("# BEGIN SOLUTION") == 1 and lines.count("# END SOLUTION") == 1
        assert lines.index("# BEGIN SOLUTION") < lines.index("# END SOLUTION")
        assert check.metadata["nbgrader"] == {
            "grade": True,
            "grade_id": f"{grade_id}_check",
            "locked": True,
            "points": exercise.points,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
        assert check.source.strip() == f"checks.check_{exercise.function_name}({exercise.function_name})"
        assert "✔" in "".join(o.get("text", "") for o in check.outputs), "the solution passes its check"


def test_every_registered_exercise_is_in_a_lesson():
    used = {s.metadata["nbgrader"]["grade_id"] for name in ALL for s, _, _ in exercise_cells(read(name))}
    assert used == set(checks.EXERCISES)


@pytest.mark.parametrize("name", LESSONS)
def test_later_cells_do_not_use_the_learners_functions(name):
    """A student copy with unsolved exercises must still run top to bottom: after
    its check cell, no code cell calls the function the learner writes."""
    nb = read(name)
    for solution, _, i in exercise_cells(nb):
        function = checks.EXERCISES[solution.metadata["nbgrader"]["grade_id"]].function_name
        for later in nb.cells[i + 2 :]:
            if later.cell_type == "code" and "nbgrader" not in later.metadata:
                # a quoted name (checks.reference("adam_step")) is the library's version, not the learner's
                used = re.search(rf"(?<![\"'])\b{function}\b(?![\"'])", later.source)
                assert not used, f"{function} is used after its exercise"


# Running each committed student copy top to bottom (it says "not attempted yet" and shows no
# solution) is tests/test_student_copies.py's job.


# --- The setup helper every notebook calls ----------------------------------------------------


def test_session_start_seeds_everything_and_says_where_it_runs(capsys):
    import random

    import numpy as np

    first = session.start(seed=3).normal(size=3)
    legacy, builtin = np.random.random(), random.random()
    line = capsys.readouterr().out
    assert "adamcourse" in line and "numpy" in line and "local Jupyter" in line and "seed 3" in line
    assert line.count("\n") == 1
    again = session.start(seed=3).normal(size=3)
    assert np.array_equal(first, again)
    assert (np.random.random(), random.random()) == (legacy, builtin)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, ValueError), ("0", TypeError), (True, TypeError)])
def test_session_start_rejects_a_bad_seed(bad, error):
    with pytest.raises(error, match="start: seed must be a whole number >= 0"):
        session.start(seed=bad)


def test_badge_and_install_line_come_from_one_place():
    assert session.colab_url("02_momentum") == (
        f"https://colab.research.google.com/github/{session.REPOSITORY}/blob/{session.BRANCH}/notebooks/02_momentum.ipynb"
    )
    assert session.colab_url("02_momentum.ipynb") == session.colab_url("02_momentum")
    assert session.install_command().endswith(f'git+https://github.com/{session.REPOSITORY}"')
    assert "--upgrade" not in session.install_command() and "-U " not in session.install_command()


# --- The build tool's clean-up ------------------------------------------------------------------


def _stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_build_joins_split_prints_and_drops_only_native_log_lines():
    outputs = [_stream("stdout", "a line"), _stream("stdout", "\n"), _stream("stderr", "oops\n")]
    assert [o.text for o in build.coalesce_streams(outputs)] == ["a line\n", "oops\n"]
    noise = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1795322521.740376   23633 port.cc:153] oneDNN custom operations are on.\n"
    )
    kept = build.drop_native_logs([_stream("stderr", noise), _stream("stderr", noise + "UserWarning: real\n")])
    assert [o.text for o in kept] == ["UserWarning: real\n"]


def test_build_gives_animations_stable_ids():
    def html(uid):
        return nbformat.v4.new_output(
            "execute_result", data={"text/html": f'<img id="_anim_img{uid}"><script>anim{uid}.play()</script>'}
        )

    a = build.stable_animation_ids([html("0" * 32)], "05-3")[0]["data"]["text/html"]
    b = build.stable_animation_ids([html("f" * 32)], "05-3")[0]["data"]["text/html"]
    assert a == b and "0" * 32 not in a
    assert a.count(re.search(r"anim([0-9a-f]{32})", a).group(1)) == 2


def test_build_names_an_unknown_notebook():
    with pytest.raises(SystemExit, match="No source for 'nope'"):
        build.sources(["nope"])
    assert [p.stem for p in build.sources(["02"])] == ["02_momentum"]
