#!/usr/bin/env python3
"""Store PyTorch's results for the parity cases: adamcourse/torch_results.json.

    python tools/make_torch_golden.py            # needs PyTorch (CI's: torch==2.13.0, CPU)
    python tools/make_torch_golden.py --check    # exit 1 if the stored results differ from this PyTorch

Runs every case of ``TORCH_CASES`` in tests/test_parity.py (20 steps on the same random
gradients, float64 and float32), the defaults of ``TORCH_DEFAULTS`` and lesson 05's comparison
(``torch.optim.Adam(lr=0.05)``, 50 steps on Rosenbrock), and writes what PyTorch computed, with
its version. The cases themselves live in the test file, in one place: this tool only records
PyTorch's side of them. Rerun it after adding a case or when PyTorch changes on purpose; the
parity tests fail, where PyTorch is installed, if the stored results drift from a live run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adamcourse import torch_results  # noqa: E402


def _parity_module():
    spec = importlib.util.spec_from_file_location("test_parity", ROOT / "tests" / "test_parity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _listed(arrays: dict) -> dict:
    # float32 values are exactly representable as the Python floats json writes, and json writes
    # float64 with the shortest repr that reads back to the same bits: nothing is rounded.
    return {key: np.asarray(value).tolist() for key, value in arrays.items()}


def results(torch) -> dict:
    parity = _parity_module()
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
    defaults = {case: parity.torch_defaults(torch, cls, kwargs, names)
                for case, (_, cls, kwargs, names) in parity.TORCH_DEFAULTS.items()}
    return {
        "torch_version": torch.__version__.split("+")[0],
        "made_by": "python tools/make_torch_golden.py",
        "problem": f"tests/test_parity.py: _problem(dtype, seed=1), {parity.STEPS} steps",
        "cases": cases,
        "defaults": defaults,
        "lesson05": {"what": "torch.optim.Adam(lr=0.05), 50 steps on rosenbrock from its start",
                     "final": parity.torch_lesson05(torch).tolist()},
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored file instead of writing it")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed; install it (pip install torch) to make its results.", file=sys.stderr)
        return 2
    fresh = json.dumps(results(torch), indent=1, sort_keys=True) + "\n"
    if args.check:
        same = torch_results.PATH.exists() and torch_results.PATH.read_text(encoding="utf-8") == fresh
        print("up to date" if same else f"{torch_results.PATH.name} differs from what PyTorch {torch.__version__} computes")
        return 0 if same else 1
    torch_results.PATH.write_text(fresh, encoding="utf-8")
    print(f"wrote {torch_results.PATH.relative_to(ROOT)} ({len(fresh) // 1024} kB) with PyTorch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
