"""Per-step time of the course's NumPy Adam on float32 vectors, against peers
measured in the same run.

    python benchmarks/bench_adam.py            # sizes 1e5, 1e6, 1e7
    python benchmarks/bench_adam.py --sizes 1e6 1e7 --repeats 30 --best

Contenders:

* ``reference``: ``params, state = opt.step(params, grads, state)``, the
  readable update the lessons teach (new arrays every step);
* ``fast``: ``state = opt.step_(params, grads, state)``, the in-place fast
  path with ``engine="auto"`` (numba's compiled loop when numba is installed);
* ``numpy``: the fast path with ``engine="numpy"`` (ufuncs with ``out=`` on
  cache-sized blocks), which is what ``auto`` runs without numba;
* ``torch.optim.Adam(foreach=True)`` and ``(fused=True)`` on the CPU, when
  PyTorch is installed (otherwise the script says so and skips them);
* a memory-traffic floor: one Adam step must read p, g, m, v and write p, m, v,
  28 bytes per float32 parameter. The floor is 28 bytes divided by the
  in-place bandwidth measured here with ``np.add(a, b, out=a)`` (12 bytes per
  element). No elementwise Adam can beat it by much.

Each time is the median (``--best``: the fastest) over ``--repeats`` steps
after two warm-up steps (which also compile numba's loop); the contenders
take turns step by step, so load from other processes hits all of them
alike, and each finds its arrays pushed out of the CPU cache by the others,
as a training step finds them after the forward and backward passes.

The goal (issue 14) is the fast path within 1.0x of torch foreach and 2x of
the floor at 1e6 and 1e7 parameters. The last line reads, for scripts,
``fast path / torch foreach: 1e6=R 1e7=R; fast path / floor: 1e6=R 1e7=R``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from adamcourse import Adam, fastpath  # noqa: E402

BYTES_PER_PARAM = 28  # read p, g, m, v and write p, m, v: 7 float32 arrays
GOAL_SIZES = (1e6, 1e7)  # the sizes the last line reports


def make_ours(n: int):
    """One step of our Adam, rebinding params and state as a training loop does."""
    rng = np.random.default_rng(0)
    opt = Adam(lr=1e-3)
    box = {"p": rng.standard_normal(n, dtype=np.float32)}
    grad = rng.standard_normal(n, dtype=np.float32)
    box["state"] = opt.init(box["p"])

    def step():
        box["p"], box["state"] = opt.step(box["p"], grad, box["state"])

    step()
    assert box["p"].dtype == box["state"].v.dtype == np.float32  # the float32 path we claim to measure
    return step


def make_fast(n: int, engine: str = "auto"):
    """One in-place step of our Adam: ``state = opt.step_(params, grads, state)``."""
    rng = np.random.default_rng(0)
    opt = Adam(lr=1e-3)
    params = rng.standard_normal(n, dtype=np.float32)
    grad = rng.standard_normal(n, dtype=np.float32)
    box = {"state": opt.init(params)}

    def step():
        box["state"] = opt.step_(params, grad, box["state"], engine=engine)

    step()  # compiles numba's loop on the first call (or loads it from the disk cache)
    assert params.dtype == box["state"].v.dtype == np.float32
    return step


def make_inplace_add(n: int):
    """``np.add(a, b, out=a)``: 12 bytes of memory traffic per element."""
    a = np.ones(n, dtype=np.float32)
    b = np.full(n, 1e-7, dtype=np.float32)
    return lambda: np.add(a, b, out=a)


def make_torch(torch, n: int, **flags):
    param = torch.nn.Parameter(torch.randn(n, dtype=torch.float32))
    param.grad = torch.randn(n, dtype=torch.float32)
    try:
        opt = torch.optim.Adam([param], lr=1e-3, **flags)
        opt.step()
    except (RuntimeError, TypeError, ValueError) as error:  # e.g. fused not available on this build
        print(f"  torch.optim.Adam({flags}) unavailable: {error}", file=sys.stderr)
        return None
    return opt.step


def median_times(steps: dict, repeats: int, warmup: int = 2, stat=statistics.median) -> dict:
    """Median (or ``stat``) seconds per call of each step. The contenders take
    turns, one call each per round, so a burst of load on a shared machine
    hits them all alike."""
    steps = {name: step for name, step in steps.items() if step is not None}
    for _ in range(warmup):
        for step in steps.values():
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: stat(t) for name, t in times.items()}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7], help="vector lengths")
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per measurement (median is reported)")
    parser.add_argument(
        "--best", action="store_true", help="report the fastest step instead of the median (less sensitive to load)"
    )
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    engines = fastpath.available_engines()
    print(f"Adam step on float32 vectors; {'fastest' if args.best else 'median'} of {args.repeats} steps")
    load = f", load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" if hasattr(os, "getloadavg") else ""
    print(f"numpy {np.__version__}, python {platform.python_version()}, {platform.machine()}{load}", end="")
    if torch is None:
        print("\nPyTorch is not installed: only the memory-traffic floor is compared.")
    else:
        print(f", torch {torch.__version__} ({torch.get_num_threads()} threads)")
    fast_engine = "numba" if "numba" in engines else "numpy"
    print(f"fast path: opt.step_(..., engine='auto') runs {fast_engine}", end="")
    print("" if "numba" in engines else f" ({fastpath.numba_problem()})")
    print()

    header = f"{'n':>7} {'reference':>9} {'fast':>7} {'numpy':>7} {'floor':>7} {'GB/s':>5}"
    if torch is not None:
        header += f" {'foreach':>8} {'fused':>7} {'fast/foreach':>12} {'fast/fused':>10}"
    header += f" {'fast/floor':>10} {'numpy/floor':>11} {'ref/floor':>9}"
    print("times in ms per step")
    print(header)
    print("-" * len(header))
    to_foreach, to_floor = {}, {}
    for size in args.sizes:
        n = int(size)
        steps = {
            "reference": make_ours(n),
            "fast": make_fast(n),
            "numpy": make_fast(n, "numpy"),
            "add": make_inplace_add(n),
        }
        if torch is not None:
            steps["foreach"] = make_torch(torch, n, foreach=True)
            steps["fused"] = make_torch(torch, n, fused=True)
        t = median_times(steps, args.repeats, stat=min if args.best else statistics.median)
        bandwidth = 12 * n / t["add"]  # bytes per second, in place
        floor = BYTES_PER_PARAM * n / bandwidth
        fast = t["fast"]
        row = f"{n:>7.0e} {_ms(t['reference']):>9} {_ms(fast):>7} {_ms(t['numpy']):>7} {_ms(floor):>7} {bandwidth / 1e9:>5.1f}"
        if torch is not None:
            foreach, fused = t.get("foreach"), t.get("fused")
            row += f" {_ms(foreach):>8} {_ms(fused):>7} {_ratio(fast, foreach):>12} {_ratio(fast, fused):>10}"
            if foreach is not None:
                to_foreach[size] = fast / foreach
        row += f" {_ratio(fast, floor):>10} {_ratio(t['numpy'], floor):>11} {_ratio(t['reference'], floor):>9}"
        to_floor[size] = fast / floor
        print(row, flush=True)
    print("\nRatios below 1 mean ours is faster. Goal: fast/foreach <= 1 and fast/floor <= 2 at 1e6 and 1e7.")
    print(
        "fast path / torch foreach: "
        + " ".join(f"{_size(s)}={_fmt(to_foreach.get(s))}" for s in GOAL_SIZES)
        + "; fast path / floor: "
        + " ".join(f"{_size(s)}={_fmt(to_floor.get(s))}" for s in GOAL_SIZES)
    )
    return 0


def _size(size: float) -> str:
    return f"{size:.0e}".replace("e+0", "e")  # 1e6, 1e7


def _fmt(ratio):
    return "n/a" if ratio is None else f"{ratio:.2f}"


def _ms(seconds):
    return "n/a" if seconds is None else f"{1e3 * seconds:.2f}"


def _ratio(ours, theirs):
    return "n/a" if theirs is None else f"{ours / theirs:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
