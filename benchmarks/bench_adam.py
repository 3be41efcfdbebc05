"""Per-step time of the course's NumPy Adam on float32 vectors, against peers
measured in the same run.

    python benchmarks/bench_adam.py            # sizes 1e5, 1e6, 1e7
    python benchmarks/bench_adam.py --sizes 1e6 --repeats 30

Peers:

* ``torch.optim.Adam(foreach=True)`` and ``(fused=True)`` on the CPU, when
  PyTorch is installed (otherwise the script says so and skips them);
* a memory-traffic floor: one Adam step must read p, g, m, v and write p, m, v,
  28 bytes per float32 parameter. The floor is 28 bytes divided by the
  in-place bandwidth measured here with ``np.add(a, b, out=a)`` (12 bytes per
  element). No elementwise Adam can beat it by much.

Each time is the median over ``--repeats`` steps after two warm-up steps; the
contenders take turns step by step, so load from other processes hits all of
them alike. For n up to about 1e6 the floor's two arrays sit in the CPU cache,
so the floor is a cache-bandwidth floor there; our Adam also pays for fresh
output arrays every step (its inputs are never overwritten), which torch's
in-place update does not.
The goal (issue 2) is our Adam within 2x of torch foreach at 1e6 and 1e7,
while keeping the functional interface ``params, state = opt.step(...)``.
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

from adamcourse import Adam  # noqa: E402

BYTES_PER_PARAM = 28  # read p, g, m, v and write p, m, v: 7 float32 arrays


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

    print(f"Adam step on float32 vectors; {'fastest' if args.best else 'median'} of {args.repeats} steps")
    load = f", load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" if hasattr(os, "getloadavg") else ""
    print(f"numpy {np.__version__}, python {platform.python_version()}, {platform.machine()}{load}", end="")
    if torch is None:
        print("\nPyTorch is not installed: only the memory-traffic floor is compared.")
    else:
        print(f", torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print()

    header = f"{'n':>10} {'ours ms':>9} {'floor ms':>9} {'GB/s':>6} {'ours/floor':>10}"
    if torch is not None:
        header += f" {'foreach ms':>10} {'ours/foreach':>12} {'fused ms':>9} {'ours/fused':>10}"
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        n = int(size)
        steps = {"ours": make_ours(n), "add": make_inplace_add(n)}
        if torch is not None:
            steps["foreach"] = make_torch(torch, n, foreach=True)
            steps["fused"] = make_torch(torch, n, fused=True)
        t = median_times(steps, args.repeats, stat=min if args.best else statistics.median)
        bandwidth = 12 * n / t["add"]  # bytes per second, in place
        floor = BYTES_PER_PARAM * n / bandwidth
        ours = t["ours"]
        row = f"{n:>10.0e} {1e3 * ours:>9.2f} {1e3 * floor:>9.2f} {bandwidth / 1e9:>6.1f} {ours / floor:>10.2f}"
        if torch is not None:
            foreach, fused = t.get("foreach"), t.get("fused")
            row += f" {_ms(foreach):>10} {_ratio(ours, foreach):>12}"
            row += f" {_ms(fused):>9} {_ratio(ours, fused):>10}"
        print(row, flush=True)
    print("\nRatios below 1 mean ours is faster.", end="")
    print(" Goal: ours/foreach <= 2 at 1e6 and 1e7." if torch is not None else "")
    return 0


def _ms(seconds):
    return "n/a" if seconds is None else f"{1e3 * seconds:.2f}"


def _ratio(ours, theirs):
    return "n/a" if theirs is None else f"{ours / theirs:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
