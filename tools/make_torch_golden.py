#!/usr/bin/env python3
"""Store PyTorch's results for the parity cases: adamcourse/torch_results.json.

    python tools/make_torch_golden.py            # needs PyTorch (CI's: torch==2.13.0, CPU)
    python tools/make_torch_golden.py --check    # exit 1 if the stored results differ from this PyTorch

Runs every PyTorch case of the tests (20 steps on the same random gradients, float64 and
float32) and writes what PyTorch computed, with its version:

- tests/test_parity.py: ``TORCH_CASES`` (parameters and optimizer state), the defaults of
  ``TORCH_DEFAULTS`` and lesson 05's comparison (``torch.optim.Adam(lr=0.05)``, 50 steps on Rosenbrock);
- tests/test_schedules.py: ``TORCH_RUNS``, optimizers driven by ``torch.optim.lr_scheduler``
  (parameters and the lr of each update), and ``CosineAnnealingLR`` past ``T_max``;
- tests/test_clipping_and_l2.py: ``clip_grad_norm_`` on every step's gradients (norms and clipped
  gradients) and ``TORCH_CASES``, ``weight_decay`` as L2, AdamW, clipping then Adam (parameters).

The cases themselves live in the test files, in one place: this tool only records PyTorch's side
of them. Rerun it after adding a case or when PyTorch changes on purpose; the tests fail, where
PyTorch is installed, if the stored results drift from a live run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adamcourse import torch_results  # noqa: E402


def _test_module(name: str):
    # the test files import each other by name (test_clipping_and_l2 uses test_schedules' helpers)
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    return importlib.import_module(name)


def _listed(arrays: dict) -> dict:
    # float32 values are exactly representable as the Python floats json writes, and json writes
    # float64 with the shortest repr that reads back to the same bits: nothing is rounded.
    return {key: np.asarray(value).tolist() for key, value in arrays.items()}


def _per_dtype(run) -> dict:
    """``run(dtype)`` for float64 and float32, keyed by the dtype's name."""
    return {np.dtype(dtype).name: run(dtype) for dtype in (np.float64, np.float32)}


def schedules(torch) -> dict:
    module = _test_module("test_schedules")
    runs = {}
    for case, (_, make_opt, make_scheduler) in module.TORCH_RUNS.items():
        runs[case], lrs = {}, {}
        for dtype in (np.float64, np.float32):
            final, lrs[dtype] = module.run_torch(torch, make_opt, make_scheduler, *module._problem(dtype, seed=1))
            runs[case][np.dtype(dtype).name] = {"params": _listed(final)}
        # the scheduler's lr is a Python float whatever the parameters' dtype: stored once
        assert lrs[np.float64] == lrs[np.float32], case
        runs[case]["lrs"] = lrs[np.float64]
    return {
        "problem": f"tests/test_schedules.py: _problem(dtype, seed=1), {module.STEPS} steps",
        "runs": runs,
        "CosineAnnealingLR(T_max=5), 8 updates": module.torch_cosine_after_t_max(torch),
    }


def clipping_l2(torch) -> dict:
    module = _test_module("test_clipping_and_l2")

    def clip(dtype):
        norms, clipped = module.torch_clip_grad_norm(torch, module._problem(dtype, seed=2)[1], dtype)
        return {"norms": norms, "clipped": [_listed(g) for g in clipped]}

    def runs(case):
        _, make, clipped = module.TORCH_CASES[case]
        return _per_dtype(
            lambda dtype: {"params": _listed(module.run_torch(torch, make, clipped, *module._problem(dtype, seed=1)))}
        )

    return {
        "problem": f"tests/test_clipping_and_l2.py: _problem(dtype, seed=1) for the runs, seed=2 for "
        f"clip_grad_norm_, max_norm={module.MAX_NORM}, {module.STEPS} steps",
        "clip_grad_norm_": _per_dtype(clip),
        "runs": {case: runs(case) for case in module.TORCH_CASES},
    }


def results(torch) -> dict:
    parity = _test_module("test_parity")
    cases = {}
    for case, (_, make) in parity.TORCH_CASES.items():
        cases[case] = {}
        for dtype in (np.float64, np.float32):
            params, grads = parity._problem(dtype, seed=1)
            final, state = parity.run_torch(torch, make, params, grads)
            entry = {"params": _listed(final)}
            if dtype == np.float64:  # the tests compare the state in float64 only
                entry["state"] = {name: _listed(slot) for name, slot in state.items()}
            cases[case][np.dtype(dtype).name] = entry
    defaults = {
        case: parity.torch_defaults(torch, cls, kwargs, names)
        for case, (_, cls, kwargs, names) in parity.TORCH_DEFAULTS.items()
    }
    return {
        "torch_version": torch.__version__.split("+")[0],
        "made_by": "python tools/make_torch_golden.py",
        "problem": f"tests/test_parity.py: _problem(dtype, seed=1), {parity.STEPS} steps",
        "cases": cases,
        "defaults": defaults,
        "lesson05": {
            "what": "torch.optim.Adam(lr=0.05), 50 steps on rosenbrock from its start",
            "final": parity.torch_lesson05(torch).tolist(),
        },
        "schedules": schedules(torch),
        "clipping_l2": clipping_l2(torch),
    }


def _text(stored: dict) -> str:
    # one line per innermost list of numbers (a bias, a row of a matrix, the lrs of a run): half the
    # size of one number per line, and a diff still shows which array changed
    text = json.dumps(stored, indent=1, sort_keys=True)
    numbers_only = r"\[[^\[\]{}\"]*\]"  # a list with no list, object or string inside
    return re.sub(numbers_only, lambda found: json.dumps(json.loads(found.group())), text) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file instead of writing it")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed; install it (pip install torch) to make its results.", file=sys.stderr)
        return 2
    fresh = _text(results(torch))
    if args.check:
        same = torch_results.PATH.exists() and torch_results.PATH.read_text(encoding="utf-8") == fresh
        print(
            "up to date"
            if same
            else f"{torch_results.PATH.name} differs from what PyTorch {torch.__version__} computes"
        )
        return 0 if same else 1
    torch_results.PATH.write_text(fresh, encoding="utf-8")
    print(f"wrote {torch_results.PATH.relative_to(ROOT)} ({len(fresh) // 1024} kB) with PyTorch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
