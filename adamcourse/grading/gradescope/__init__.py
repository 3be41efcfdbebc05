"""Grade on Gradescope with the same grader as ``adamcourse grade``.

``make_bundle`` writes the autograder zip Gradescope asks for: ``setup.sh``
(installs this course, its grading extras and bubblewrap), ``run_autograder`` (grades
the one submitted notebook) and ``config.json`` (assignment, limits, seed),
plus the course's source and the instructor's notebook. ``run`` is what
``run_autograder`` calls: it reads ``<root>/submission/*.ipynb`` and writes
``<root>/results/results.json`` in Gradescope's format. ``root`` is
``/autograder`` on Gradescope and a temporary folder in the tests.

    adamcourse gradescope 05_adam --out autograder.zip
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from adamcourse.grading.assignment import DEFAULT_EXERCISES, load_assignment, resolve_lesson

__all__ = ["make_bundle", "run"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def make_bundle(
    assignment: str,
    out: str | Path,
    *,
    source: str | Path | None = None,
    registry: str = DEFAULT_EXERCISES,
    limits: dict | None = None,
    seed: int = 0,
) -> Path:
    """Write the Gradescope autograder zip for one assignment.

    Parameters
    ----------
    assignment : str
        The assignment's name, e.g. ``"05_adam"``.
    out : str or Path
        The zip to write.
    source : str or Path, optional
        The instructor's notebook (default ``notebooks/<assignment>.ipynb``).
    registry : str
        The exercise registry; a ``file.py:NAME`` registry is copied into the bundle.
    limits : dict, optional
        ``Limits`` fields (time_s, memory_mb, output_kb, file_mb).
    seed : int
        Mixed into each student's test cases.
    """
    source = Path(source) if source else resolve_lesson(assignment)
    if not source.is_file():
        raise FileNotFoundError(f"No source notebook {source} for {assignment!r}.")
    out = Path(out)
    loaded = load_assignment(source, registry)
    # a judge that trains a network (lesson 06) needs Keras in the grader
    extras = "grade,keras" if any(e.judge_one is not None for e in loaded.exercises) else "grade"
    config = {
        "assignment": loaded.name,
        "source": f"assignment/{source.name}",
        "registry": registry,
        "limits": limits or {},
        "seed": seed,
        "extras": extras,
    }
    extra, parts = [], []
    for part in registry.split(","):
        module, _, attribute = part.strip().rpartition(":")
        if module.endswith(".py"):  # a registry file travels in the bundle
            extra.append((Path(module), f"assignment/{Path(module).name}"))
            part = f"assignment/{Path(module).name}:{attribute}"
        parts.append(part)
    config["registry"] = ",".join(parts)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope expects
            bundle.writestr(info, (HERE / name).read_text())
        bundle.writestr("config.json", json.dumps(config, indent=2) + "\n")
        bundle.write(source, config["source"])
        for path, name in extra:
            bundle.write(path, name)
        # the course itself, so Gradescope grades with exactly this version
        for name in ("pyproject.toml", "README.md"):
            if (ROOT / name).is_file():
                bundle.write(ROOT / name, f"course/{name}")
        for path in sorted((ROOT / "adamcourse").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                bundle.write(path, f"course/{path.relative_to(ROOT)}")
    return out


def _student_key(root: Path) -> str:
    """Who submitted, from Gradescope's metadata: the users' ids (a group
    shares one set of cases); the submission's id when they are missing."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        users = sorted(
            str(u.get("id")) for u in meta.get("users", []) if isinstance(u, dict) and u.get("id") is not None
        )
        return "-".join(users) or str(meta.get("id") or "submission")
    except (OSError, ValueError, AttributeError):
        return "submission"


def run(root: str | Path = "/autograder") -> dict:
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``."""
    from adamcourse.grading.batch import grade, student_id
    from adamcourse.grading.sandbox.grader import NO_ISOLATION_ENV, IsolationMissing, isolation
    from adamcourse.grading.sandbox.limits import Limits

    root = Path(root)
    # stdout of the autograder is shown to instructors only: say how confined the run is
    try:
        layers = isolation()
    except IsolationMissing as missing:  # the image lacks bubblewrap, or its container forbids namespaces
        print(
            f"sandbox: bubblewrap unusable here ({str(missing).splitlines()[0]}); Gradescope's own container "
            f"for this one submission is the isolation",
            flush=True,
        )
        os.environ[NO_ISOLATION_ENV] = "1"
        layers = isolation()
    print("sandbox: " + ", ".join(layers), flush=True)
    config = json.loads((root / "source" / "config.json").read_text())
    os.chdir(root / "source")  # registry and source paths in the config are relative to it
    notebooks = sorted(p for p in (root / "submission").rglob("*.ipynb") if not p.is_symlink())
    named = [p for p in notebooks if p.stem == config["assignment"]]
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if not notebooks:
        results = {
            "score": 0,
            "output": f"No notebook found in your submission: upload {config['assignment']}.ipynb.",
            "tests": [],
        }
    else:
        student = student_id(_student_key(root))  # each student gets their own cases
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy((named or notebooks)[0], Path(folder) / f"{student}.ipynb")
            rows = grade(
                folder,
                config["assignment"],
                source=config["source"],
                registry=config["registry"],
                workers=1,
                limits=Limits(**config.get("limits", {})),
                seed=config.get("seed", 0),
                progress=False,
            )
        assignment = load_assignment(config["source"], config["registry"])
        names = {e.grade_id: e.function_name for e in assignment.exercises}
        tests = [
            {
                "name": f"Exercise {i} · {names.get(row.exercise, row.exercise)} ({row.max_points:g} "
                f"point{'' if row.max_points == 1 else 's'})",
                "score": row.points,
                "max_score": row.max_points,
                "output": row.feedback,
                "visibility": "visible",
            }
            for i, row in enumerate(rows, 1)
        ]
        results = {
            "score": sum(t["score"] for t in tests),
            "tests": tests,
            "output": f"Graded {len(tests)} exercise{'' if len(tests) == 1 else 's'} of {config['assignment']}.",
        }
    (results_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
