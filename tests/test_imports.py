"""``import adamcourse`` stays light: no TensorFlow, Keras, ipywidgets or PyTorch.

Checked in a fresh interpreter, because this test session may have imported
them already (the parity tests do).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("tensorflow", "keras", "ipywidgets", "torch")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_adamcourse_loads_no_heavy_framework():
    loaded = _modules_after("import adamcourse")
    assert "adamcourse" in loaded and "numpy" in loaded  # the check sees what was imported
    assert not loaded & set(HEAVY), f"import adamcourse pulled in {sorted(loaded & set(HEAVY))}"


def test_the_core_modules_are_light_too():
    loaded = _modules_after("import adamcourse.optimizers, adamcourse.objectives, adamcourse.running")
    assert not loaded & set(HEAVY)


def _adamcourse_modules_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('adamcourse'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_learners_modules_and_the_exercises_never_import_the_grader():
    """Imports run one way: exercises <- lessons' checks; grading uses the exercises, never the reverse."""
    loaded = _adamcourse_modules_after(
        "import adamcourse, adamcourse.checks, adamcourse.exercises, adamcourse.plotting, adamcourse.animation, "
        "adamcourse.widgets, adamcourse.running, adamcourse.session, adamcourse.finale, adamcourse.data"
    )
    assert "adamcourse.exercises.engine" in loaded  # the check sees what was imported
    assert not any(m.startswith("adamcourse.grading") for m in loaded), sorted(loaded)
