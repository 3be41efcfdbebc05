"""Submissions that every grader must judge alike, made from the lessons.

For each lesson with exercises, five students:

- ``right``: the instructor's notebook as it is;
- ``blank``: the student copy, untouched;
- ``named``: each exercise wrong in a way the checks name (half the points);
- ``unnamed``: each exercise wrong in no usual way (no points);
- ``helper``: each solution calls a helper defined in another cell of the
  student's notebook (full points: the grader runs what the student ran).

Used by tests/test_agreement.py (the notebook's check, ``adamcourse grade``
and the Gradescope bundle) and by .ci/nbgrader-agreement.sh (nbgrader's own
autograde)::

    python tests/agreement_submissions.py build DIR [LESSON ...]   # DIR/<student>/<lesson>/<lesson>.ipynb
    python tests/agreement_submissions.py expected                 # what each must score, as JSON
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STUDENTS = ("right", "blank", "named", "unnamed", "helper")

# A whole solution cell per exercise, wrong in a way the checks name.
NAMED = {
    "ex00_gradient_step": "def gradient_step(theta, grad, lr):\n    return theta + lr * grad\n",
    "ex00_numerical_gradient": (
        "def numerical_gradient(f, theta, h=1e-5):\n"
        "    grad = np.zeros_like(theta, dtype=float)\n"
        "    for i in range(theta.size):\n"
        "        step = np.zeros_like(theta, dtype=float)\n"
        "        step[i] = h\n"
        "        grad[i] = (f(theta + step) - f(theta)) / h\n"
        "    return grad\n"
    ),
    "ex01_minibatch_gradient": (
        "def minibatch_gradient(w, b, x, y):\n"
        "    residual = w * x + b - y\n"
        "    return np.sum(residual * x), np.sum(residual)\n"
    ),
    "ex01_shrink_factor": "def shrink_factor(lr, curvature):\n    return 1 - lr\n",
    "ex02_ema_update": "def ema_update(average, x, beta):\n    return (1 - beta) * average + beta * x\n",
    "ex02_momentum_step": (
        "def momentum_step(theta, grad, velocity, lr, beta):\n"
        "    theta = theta + velocity\n"
        "    velocity = beta * velocity - lr * grad\n"
        "    return theta, velocity\n"
    ),
    "ex03_adagrad_step": (
        "def adagrad_step(theta, grad, accum, lr, eps):\n"
        "    accum = accum + grad**2\n"
        "    return theta - lr * grad / np.sqrt(accum + eps), accum\n"
    ),
    "ex03_adagrad_step_sizes": (
        "def adagrad_step_sizes(grads, lr, eps):\n    return lr / (np.sqrt(np.mean(grads**2, axis=0)) + eps)\n"
    ),
    "ex04_rmsprop_step": (
        "def rmsprop_step(theta, grad, v, lr, beta, eps):\n"
        "    v = beta * v + (1 - beta) * grad**2\n"
        "    return theta - lr * grad / np.sqrt(v + eps), v\n"
    ),
    "ex04_debias_average": "def debias_average(average, beta, t):\n    return average * (1 - beta**t)\n",
    "ex05_adam_step": (
        "def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):\n"
        "    t = t + 1\n"
        "    m = beta1 * m + (1 - beta1) * grad\n"
        "    v = beta2 * v + (1 - beta2) * grad**2\n"
        "    return theta - lr * m / (np.sqrt(v) + eps), m, v, t\n"
    ),
    "ex05_keras_step_size": (
        "def keras_step_size(lr, beta1, beta2, t):\n    return lr * np.sqrt(1 - beta1**t) / (1 - beta2**t)\n"
    ),
    # not a comparison with a reference: too small a learning rate, which the judge explains
    "ex06_tuned_adagrad": "def tuned_adagrad():\n    return {'lr': 0.001}\n",
    "ex07_adamw_step": (  # L2 in the gradient where decoupled decay was asked
        "def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):\n"
        "    grad = grad + weight_decay * theta\n"
        "    t = t + 1\n"
        "    m = beta1 * m + (1 - beta1) * grad\n"
        "    v = beta2 * v + (1 - beta2) * grad**2\n"
        "    m_hat = m / (1 - beta1**t)\n"
        "    v_hat = v / (1 - beta2**t)\n"
        "    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t\n"
    ),
    "ex07_warmup_cosine": (  # the cosine counted from step 0 instead of from the end of the warmup
        "def warmup_cosine(step, peak_lr, warmup_steps, decay_steps, min_lr):\n"
        "    if step < warmup_steps:\n"
        "        return peak_lr * step / warmup_steps\n"
        "    s = min(step, decay_steps)\n"
        "    return min_lr + (peak_lr - min_lr) * (1 + np.cos(np.pi * s / decay_steps)) / 2\n"
    ),
    "ex07_clip_by_global_norm": (  # each array clipped by its own norm
        "def clip_by_global_norm(grads, max_norm):\n"
        "    return tuple(g * min(1.0, max_norm / np.sqrt(np.sum(g**2))) for g in grads)\n"
    ),
    "ex08_bytes_per_step": (  # the reads counted, not the writes
        "def bytes_per_step(optimizer, n, dtype):\n"
        "    reads = {'SGD': 2, 'Momentum': 3, 'AdaGrad': 3, 'RMSProp': 3, 'Adam': 4}[optimizer]\n"
        "    return reads * n * np.dtype(dtype).itemsize\n"
    ),
    "ex08_adam_step_": (  # theta rebound (`theta = theta - ...`): the caller's theta never changes
        "def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):\n"
        "    t = t + 1\n"
        "    m *= beta1\n"
        "    m += (1 - beta1) * grad\n"
        "    v *= beta2\n"
        "    v += (1 - beta2) * grad**2\n"
        "    theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)\n"
        "    return t\n"
    ),
}

# Every numeric result scaled: wrong, and like no usual mistake.
_TILT = '''def _tilted(result):
    """Scale every number in a result (a value or a tuple of values)."""
    if isinstance(result, tuple):
        return tuple(_tilted(r) for r in result)
    if isinstance(result, dict):
        return {k: v * 0.01 for k, v in result.items()}
    return result * 1.37 + 0.011
'''

_DEF = re.compile(r"^def (\w+)\((.*)\):", re.M)


def _solution_cells(nb: dict):
    for index, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            yield index, cell, meta["grade_id"]


def _call_of(source: str) -> tuple[str, str, str]:
    """The function name, its parameter list as written, and a call passing them."""
    name, params = _DEF.search(source).groups()
    names = [p.split("=")[0].strip() for p in params.split(",") if p.strip()]
    return name, params, ", ".join(names)


def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def _delegating(nb: dict, wrap: str) -> dict:
    """Each solution moved into a helper in a new cell after the first code
    cell; the solution cell calls it (through ``wrap``, a function name or '')."""
    nb = copy.deepcopy(nb)
    helpers = [_TILT] if wrap else []
    for _, cell, _ in _solution_cells(nb):
        source = "".join(cell["source"])
        name, params, call = _call_of(source)
        helpers.append(source.replace(f"def {name}(", f"def my_own_{name}(", 1))
        cell["source"] = f"def {name}({params}):\n    return {wrap}(my_own_{name}({call}))\n"
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code + 1, _code_cell("\n\n".join(helpers)))
    return nb


def submissions(lesson: str) -> dict[str, dict]:
    """The five students' notebooks of one lesson."""
    right = json.loads((NOTEBOOKS / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    named = copy.deepcopy(right)
    for _, cell, grade_id in _solution_cells(named):
        cell["source"] = NAMED[grade_id]
    return {
        "right": right,
        "blank": json.loads((NOTEBOOKS / "student" / f"{lesson}.ipynb").read_text(encoding="utf-8")),
        "named": named,
        "unnamed": _delegating(right, "_tilted"),
        "helper": _delegating(right, ""),
    }


def lessons() -> list[str]:
    """The lessons that have exercises."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        if any(True for _ in _solution_cells(json.loads(path.read_text(encoding="utf-8")))):
            found.append(path.stem)
    return found


def expected(lesson: str) -> dict[str, dict[str, str]]:
    """What each student's exercise must come to: an outcome per grade_id."""
    ids = [g for _, _, g in _solution_cells(json.loads((NOTEBOOKS / f"{lesson}.ipynb").read_text(encoding="utf-8")))]
    named = {g: ("wrong" if g == "ex06_tuned_adagrad" else "mistake") for g in ids}
    unnamed = {g: "wrong" for g in ids}
    return {
        "right": dict.fromkeys(ids, "right"),
        "blank": dict.fromkeys(ids, "not attempted"),
        "named": named,
        "unnamed": unnamed,
        "helper": dict.fromkeys(ids, "right"),
    }


def trains_a_network(lesson: str) -> bool:
    """Whether judging the lesson trains a network (lesson 06): then CI grades three students, not five."""
    from adamcourse.exercises import for_lesson

    return any(e.judge_one is not None for e in for_lesson(lesson))


def build(folder: Path, names: list[str]) -> None:
    for lesson in names or lessons():
        chosen = ("right", "blank", "named") if trains_a_network(lesson) else STUDENTS
        for student, nb in submissions(lesson).items():
            if student not in chosen:
                continue
            path = folder / student / lesson / f"{lesson}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["expected"]
    if command == "build":
        build(Path(rest[0]), rest[1:])
    elif command == "expected":
        print(json.dumps({lesson: expected(lesson) for lesson in lessons()}, indent=1))
    else:
        sys.exit(__doc__)
