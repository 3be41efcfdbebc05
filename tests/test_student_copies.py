"""A student copy gives no exercise away: not in its text, not in its stored outputs, and not
in what its cells print when a learner runs it top to bottom.

The answers are the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in the lessons
with solutions (``notebooks/NN_*.ipynb``). A student copy must not show them, nor the answer to
an exercise of a later lesson. Lines are compared loosely (no spaces, ``np.``/``self.`` dropped,
the usual names for the parameters and the gradient treated alike), so the library's own
version of a solution, printed with ``inspect.getsource``, counts as the solution too.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from adamcourse.quiet import START_UP_LINE

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STUDENT = NOTEBOOKS / "student"
NAMES = sorted(p.stem for p in STUDENT.glob("[0-9][0-9]_*.ipynb"))

_BEGIN = re.compile(r"^\s*#+ ?BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#+ ?END SOLUTION\s*$")
# Names that mean the same thing in a lesson's exercise and in the library's code.
_SAME = [
    (re.compile(r"\b(?:np|numpy|math|ops|self)\."), ""),
    (re.compile(r"\b(?:theta|params?|p|variable)\b"), "θ"),
    (re.compile(r"\b(?:grads?|gradient|g)\b"), "g"),
    (re.compile(r"(\w+)\s*\*\*\s*2\b"), r"\1 * \1"),  # g**2 and g * g
    (re.compile(r"\s+"), ""),
]
# Shorter than this and a "solution line" is too common to mean anything (t = t + 1).
_SHORTEST = 6


def normalize(text: str) -> str:
    for pattern, replacement in _SAME:
        text = pattern.sub(replacement, text)
    return text


def solution_lines(name: str) -> list[tuple[str, str, str]]:
    """(grade_id, line, given) for every line of every solution region of lesson ``name``;
    ``given`` is the rest of that exercise's cell (what the student copy keeps), normalised."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    found = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        inside, in_docstring, answer, given = False, False, [], []
        for line in cell.source.splitlines():
            if _BEGIN.match(line):
                inside = True
            elif _END.match(line):
                inside = False
            elif inside and line.strip() and not line.strip().startswith("#"):
                answer.append(line.strip())
            elif not inside and not in_docstring and '"""' not in line and not line.strip().startswith("#"):
                given.append(normalize(line))  # code, not a docstring or a hint: these must not tell
            if line.count('"""') == 1:
                in_docstring = not in_docstring
        found += [(grade_id, line, "\n".join(given)) for line in answer]
    return found


def needles(line: str) -> set[str]:
    """What of ``line`` may not appear: the line itself, or what it returns."""
    form = normalize(re.sub(r"^return\s+", "", line))
    return {form} if len(form) >= _SHORTEST else set()


@functools.cache
def _answers() -> dict[str, tuple[str, str]]:
    """Normalised answer -> (the first lesson whose exercise it answers, that exercise)."""
    first = {}
    for n in NAMES:
        for grade_id, line, given in solution_lines(n):
            for needle in needles(line):
                if needle not in given:  # the exercise's own scaffolding, e.g. grad = np.zeros_like(theta)
                    first.setdefault(needle, (n, grade_id))
    return first


def forbidden(name: str) -> dict[str, str]:
    """Normalised answer -> exercise, for the exercises of lesson ``name`` and later ones. A line
    that already answered an earlier lesson's exercise (Adam's averages, in lesson 07's AdamW)
    is no secret any more."""
    return {needle: grade_id for needle, (lesson, grade_id) in _answers().items() if lesson >= name}


def output_text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    data = output.get("data", {})
    return "\n".join(str(data[kind]) for kind in ("text/plain", "text/markdown", "text/html") if kind in data)


def spoilers(nb, name: str) -> list[str]:
    """Where the notebook ``nb`` (a student copy of ``name``) shows a solution line."""
    answers = forbidden(name)
    found = []
    for index, cell in enumerate(nb.cells):
        places = [(f"cell {index}, source line {k + 1}", line) for k, line in enumerate(cell.source.splitlines())]
        places += [(f"cell {index}, output {k + 1}", output_text(o)) for k, o in enumerate(cell.get("outputs", []))]
        for where, text in places:
            shown = normalize(text)
            for needle, grade_id in answers.items():
                if needle in shown:
                    found.append(f"{name}, {where}: shows the answer to {grade_id} ({text.strip()[:100]!r})")
    return found


@functools.cache
def executed(name: str):
    """The student copy of ``name``, run top to bottom as a learner would, exercises unsolved."""
    nb = nbformat.read(STUDENT / f"{name}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(STUDENT)}})
    client.execute()  # raises CellExecutionError if any cell fails
    return nb


def test_there_are_student_copies_and_answers_to_look_for():
    assert NAMES and all((NOTEBOOKS / f"{n}.ipynb").exists() for n in NAMES)
    assert all(forbidden(n) for n in NAMES if n[:2] <= "05"), "every lesson has solution lines"


def test_the_search_finds_a_solution_in_any_of_its_usual_forms():
    """The test below can fail: the library's source, a docstring formula, a printed line."""
    answers = forbidden("05_adam")
    library = "            p = p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)"
    assert any(needle in normalize(library) for needle in answers)
    docstring = (
        '"""Adam\'s step size with both bias corrections folded in: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."""'
    )
    assert any(needle in normalize(docstring) for needle in answers)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(inspect.getsource(ema))")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="    return beta * average + (1 - beta) * x\n")
    ]
    assert spoilers(nb, "02_momentum") and not spoilers(nb, "03_adagrad")
    harmless = "t = t + 1\nfor t in range(1, steps + 1):\n    m, v = ema(m, 1.0, beta1), ema(v, 1.0**2, beta2)"
    assert not any(needle in normalize(harmless) for needle in answers)


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_student_copy_shows_no_solution(name):
    problems = spoilers(nbformat.read(STUDENT / f"{name}.ipynb", as_version=4), name)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_running_a_student_copy_top_to_bottom_shows_no_solution(name):
    nb = executed(name)
    problems = spoilers(nb, name)
    assert not problems, "\n".join(problems)
    # nor TensorFlow's start-up chatter (05 and 06 import Keras): adamcourse.quiet keeps it out
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert not (output.output_type == "stream" and START_UP_LINE.search(output.text)), output.text[:300]
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert checks, "every lesson has exercises"
    for check in checks:
        text = "".join(output_text(o) for o in check.outputs)
        assert "not attempted yet" in text, text
