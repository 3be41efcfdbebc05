#!/usr/bin/env python3
"""How quickly the explorer answers a slider move (issue 3).

    python benchmarks/bench_widgets.py              # 30 moves of the lr slider
    python benchmarks/bench_widgets.py --repeats 60

The explorer is built headlessly (no browser: the time a frontend takes to
show the PNG is not included) with its defaults: Rosenbrock, SGD + Momentum
+ Adam, 200 steps. Each timed move sets ``controls["lr"].value`` to a new
value, which reruns the three optimizers, redraws and encodes the PNG
that the Image widget sends. Measured in the same run:

* bare NumPy: ``run_all`` alone, the same three runs of 200 steps with the
  same learning rates: what the redraw costs beyond the computing is the
  difference;
* a full redraw: a new figure with ``plotting.contour`` and
  ``plotting.loss_curves`` saved to PNG each time, which is what an
  ``Output`` widget with ``clear_output`` and a fresh plot would cost.

Times are medians. Goal: at most 150 ms per slider move on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from adamcourse import plotting  # noqa: E402
from adamcourse.widgets import Settings, explorer, run_all  # noqa: E402

GOAL_MS = 150.0


def median_ms(timings: list[float]) -> float:
    return 1e3 * statistics.median(timings)


def timed(action, values) -> list[float]:
    timings = []
    for value in values:
        start = time.perf_counter()
        action(value)
        timings.append(time.perf_counter() - start)
    return timings


def full_redraw(lr: float) -> bytes:
    trajectories = run_all(Settings(lr=lr))
    fig = Figure(figsize=(9.6, 3.9), dpi=100)
    contour_ax, loss_ax = fig.subplots(1, 2)
    plotting.contour("rosenbrock", *trajectories, ax=contour_ax, levels=25)
    plotting.loss_curves(*trajectories, ax=loss_ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    with contextlib.redirect_stdout(io.StringIO()):  # "no notebook here" message
        ex = explorer()
    # Distinct learning rates, so no run is ever repeated; two warm-up moves.
    lrs = np.geomspace(1e-3, 1e-1, args.repeats + 2)
    slider = ex.controls["lr"]
    timed(lambda lr: setattr(slider, "value", float(lr)), lrs[:2])
    redraws_before = ex.redraws
    slider_ms = median_ms(timed(lambda lr: setattr(slider, "value", float(lr)), lrs[2:]))
    assert ex.redraws - redraws_before == args.repeats, "every slider move must redraw exactly once"
    bare_ms = median_ms(timed(lambda lr: run_all(Settings(lr=float(lr))), lrs[2:]))
    full_ms = median_ms(timed(full_redraw, lrs[2 : 2 + max(5, args.repeats // 3)]))
    objectives = ["ravine", "rosenbrock"] * 3
    switch_ms = median_ms(timed(lambda name: setattr(ex.controls["objective"], "value", name), objectives))

    import ipywidgets

    print(f"explorer responsiveness: Rosenbrock, SGD + Momentum + Adam, 200 steps, {args.repeats} lr moves")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"matplotlib {matplotlib.__version__}, ipywidgets {ipywidgets.__version__}, numpy {np.__version__}"
    )
    print(
        f"  slider move -> new PNG (median)          {slider_ms:7.1f} ms   goal <= {GOAL_MS:.0f} ms: {'met' if slider_ms <= GOAL_MS else 'NOT met'}"
    )
    print(
        f"  bare NumPy runs, same 3 x 200 steps      {bare_ms:7.1f} ms   slider move / bare runs = {slider_ms / bare_ms:.1f}x"
    )
    print(f"  drawing overhead (difference)            {slider_ms - bare_ms:7.1f} ms")
    print(
        f"  full redraw, fresh figure + PNG (peer)   {full_ms:7.1f} ms   full / slider move = {full_ms / slider_ms:.1f}x"
    )
    print(f"  changing the landscape (full redraw)     {switch_ms:7.1f} ms")
    return 0 if slider_ms <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
