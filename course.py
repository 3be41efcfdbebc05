#!/usr/bin/env python3
"""Set up and run the course with one command (needs only Python >= 3.10).

    python3 course.py lab     # open the course in JupyterLab
    python3 course.py test    # run the whole test suite (unit tests + notebooks)
    python3 course.py setup   # only create/refresh the environment

The first run creates a virtual environment in .venv and installs the course
into it; later runs reuse it and reinstall only when pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".adamcourse-installed"


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


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("lab", [])
    if command not in {"lab", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_environment()
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if command == "setup":
        return 0
    if command == "lab":
        # Open the course's notebooks unless the caller chose another folder.
        chose_dir = any(a.startswith(("--notebook-dir", "--ServerApp.root_dir")) for a in rest)
        where = [] if chose_dir else ["--ServerApp.root_dir", str(ROOT / "notebooks")]
        # Containers and cloud machines often run as root; Jupyter refuses that by default.
        as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        return subprocess.call([str(PYTHON), "-m", "jupyter", "lab", *where, *as_root, *rest], env=env)
    # Tests: headless plots, the quick version of the MNIST notebook, two cores.
    env.update(MPLBACKEND="Agg", ADAMCOURSE_QUICK="1")
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
