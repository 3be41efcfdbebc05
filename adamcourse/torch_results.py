"""PyTorch's results for the parity cases, stored, so they can be compared where PyTorch is missing.

PyTorch is too heavy to require (on most machines pip brings its GPU build, gigabytes), yet the
course checks its optimizers against it. So, as Keras' own tests do with golden values,
``tools/make_torch_golden.py`` runs PyTorch once on every parity case of
``tests/test_parity.py`` (and the schedules, clipping and L2 cases of ``tests/test_schedules.py``
and ``tests/test_clipping_and_l2.py``) and on lesson 05's comparison, and writes what it computed, with
PyTorch's version, to ``torch_results.json`` next to this module. The tests compare the course's
optimizers with these numbers everywhere, and, where PyTorch is installed (CI installs it), also
with a live run, failing if the stored numbers have drifted. Lesson 05 shows them when PyTorch
is not installed, and says so.

    from adamcourse import torch_results
    stored = torch_results.load()
    stored["torch_version"], stored["lesson05"]["final"]
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

__all__ = ["PATH", "load", "lesson05_adam_on_rosenbrock"]

PATH = Path(__file__).with_name("torch_results.json")


@functools.lru_cache(maxsize=1)
def load() -> dict:
    """The stored results: ``torch_version``, ``cases`` (per case and dtype: the parameters and
    PyTorch's optimizer state after the steps), ``defaults`` and ``lesson05``."""
    if not PATH.exists():
        raise FileNotFoundError(
            f"{PATH.name} is missing from the installed course; regenerate it with "
            f"`python tools/make_torch_golden.py` (needs PyTorch)."
        )
    return json.loads(PATH.read_text(encoding="utf-8"))


def lesson05_adam_on_rosenbrock() -> tuple[list[float], str]:
    """Where ``torch.optim.Adam(lr=0.05)`` ends after 50 steps on Rosenbrock from its usual
    start, as stored, and the PyTorch version that computed it."""
    stored = load()
    return stored["lesson05"]["final"], stored["torch_version"]
