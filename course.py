#!/usr/bin/env python3
"""Set up and run the course with one command (needs only Python >= 3.10).

    python3 course.py lab        # open your own copies of the lessons in JupyterLab
    python3 course.py reset 05   # start lesson 05 again from a fresh copy (yours is kept)
    python3 course.py test       # run the whole test suite (unit tests + notebooks)
    python3 course.py setup      # only create/refresh the environment

The first run creates a virtual environment in .venv and installs the course
into it; later runs reuse it and reinstall only when pyproject.toml changed.

`lab` works on your own copies: the first time, it copies the student version
of every lesson (notebooks/student/) into my-notebooks/, which git ignores, so
your work never conflicts with `git pull`. It never overwrites a copy that
exists; after an update it says which lessons changed, and `reset` gives you
the new version. The lessons with their solutions are one click away, in
notebooks/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".adamcourse-installed"
STUDENT = ROOT / "notebooks" / "student"
MINE = ROOT / "my-notebooks"  # the learner's own copies; in .gitignore
MADE_FROM = ".made-from.json"  # which student copy each of them was made from (its SHA-256)


def ensure_environment() -> None:
    if sys.version_info < (3, 10):
        sys.exit(f"adamcourse needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the course and its tools (a few minutes the first time) ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lessons() -> list[Path]:
    return sorted(STUDENT.glob("[0-9][0-9]_*.ipynb"))


def _record(mine: Path, made: dict) -> None:
    (mine / MADE_FROM).write_text(json.dumps(made, indent=1, sort_keys=True) + "\n")


def learner_copies(mine: Path = MINE) -> tuple[list[str], list[str]]:
    """Copy every student notebook that ``mine`` lacks; never touch one that is there.

    Returns the lessons copied now and those whose student copy changed since the learner's
    copy was made (a `git pull` brought a new version: `reset` fetches it).
    """
    mine.mkdir(exist_ok=True)
    record = mine / MADE_FROM
    made = json.loads(record.read_text()) if record.exists() else {}
    copied, updated = [], []
    for lesson in _lessons():
        target = mine / lesson.name
        if not target.exists():
            shutil.copyfile(lesson, target)
            made[lesson.name] = _digest(lesson)
            copied.append(lesson.stem)
        elif made.get(lesson.name, _digest(lesson)) != _digest(lesson):
            updated.append(lesson.stem)
    _record(mine, made)
    return copied, updated


def reset(names: list[str], mine: Path = MINE) -> list[Path]:
    """Replace the learner's copies of ``names`` ("05", "05_adam") with fresh student copies.

    The old copy is moved to ``mine/.backup/`` (a hidden folder: Jupyter does not list it)
    with the time in its name, so a reset never loses work. Returns the backups made.
    """
    lessons = _lessons()
    chosen = []
    for name in names:
        stem = Path(name).stem
        found = [p for p in lessons if stem in (p.stem, p.stem.split("_")[0])]
        if not found:
            known = ", ".join(p.stem.split("_")[0] for p in lessons)
            raise SystemExit(f"reset: no lesson {name!r}; the lessons are {known} (e.g. python3 course.py reset 05).")
        chosen += found
    mine.mkdir(exist_ok=True)
    record = mine / MADE_FROM
    made = json.loads(record.read_text()) if record.exists() else {}
    backups = []
    for lesson in chosen:
        target = mine / lesson.name
        if target.exists():
            backup = mine / ".backup" / f"{lesson.stem}.{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
            backup.parent.mkdir(exist_ok=True)
            shutil.move(str(target), backup)
            backups.append(backup)
        shutil.copyfile(lesson, target)
        made[lesson.name] = _digest(lesson)
    _record(mine, made)
    return backups


def _lab_command(rest: list[str]) -> list[str]:
    # Serve the whole course, showing the learner's own copies first, unless the caller chose a folder.
    chose_dir = any(a.startswith(("--notebook-dir", "--ServerApp.root_dir")) for a in rest)
    where = [] if chose_dir else ["--ServerApp.root_dir", str(ROOT), f"--LabApp.default_url=/lab/tree/{MINE.name}"]
    # JupyterLab 4 would ask every learner whether to fetch its news from the internet: the course's
    # settings (.jupyterlab/overrides.json, defaults a learner can still change) say no, and the
    # server fetches nothing.
    quiet = [f"--LabApp.app_settings_dir={ROOT / '.jupyterlab'}", "--LabApp.news_url=None"]
    quiet = [q for q in quiet if not any(a.startswith(q.split("=")[0]) for a in rest)]
    # Containers and cloud machines often run as root; Jupyter refuses that by default.
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [str(PYTHON), "-m", "jupyter", "lab", *where, *quiet, *as_root, *rest]


def _lab(rest: list[str], env: dict) -> int:
    if not any(a.startswith(("--notebook-dir", "--ServerApp.root_dir")) for a in rest):
        copied, updated = learner_copies()
        if copied:
            print(
                f"Your own copies of {', '.join(n[:2] for n in copied)} are in {MINE.name}/ (git ignores them, so "
                f"`git pull` never conflicts with your work). The solutions are in notebooks/."
            )
        for name in updated:
            print(
                f"Lesson {name} was updated since your copy was made; `python3 course.py reset {name[:2]}` "
                f"gets the new version (yours is kept in {MINE.name}/.backup/)."
            )
    command = _lab_command(rest)
    if os.name == "posix":
        # Become JupyterLab: a signal sent to this process (Ctrl+C, a test's terminate) reaches the
        # server itself, which shuts its kernels down, instead of orphaning it.
        sys.stdout.flush()
        os.execve(command[0], command, env)
    return subprocess.call(command, env=env)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("lab", [])
    if command not in {"lab", "test", "setup", "reset"}:
        print(__doc__)
        return 2
    if command == "reset":
        if not rest:
            print("Which lesson? For example: python3 course.py reset 05")
            return 2
        for backup in reset(rest):
            print(f"Your old copy is kept as {backup.relative_to(ROOT)}.")
        print(f"Fresh copies of {', '.join(rest)} are in {MINE.name}/.")
        return 0
    ensure_environment()
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if command == "setup":
        return 0
    if command == "lab":
        return _lab(rest, env)
    # Tests: headless plots, the quick version of the MNIST notebook, two cores.
    env.update(MPLBACKEND="Agg", ADAMCOURSE_QUICK="1")
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
