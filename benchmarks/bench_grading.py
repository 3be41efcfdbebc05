"""How fast does `adamcourse grade` go, and how much memory does it take?

    python benchmarks/bench_grading.py            # 100 submissions, 1 and 2 workers
    python benchmarks/bench_grading.py --n 30     # fewer

The submissions are the grading fixtures (tests/fixtures/grading) repeated
to N: about 35% correct, 25% wrong or unfinished, 40% hostile (endless
loops, memory bombs, kernel crashes, floods of output, file and network
attacks, calls to the reference...). Each exercise gets the time limit
given by --time-limit (default 5 s, as an instructor would set for these
small functions), which is what an endless loop costs.

Printed: the sandbox's layers (bubblewrap and the launcher's); submissions
per minute with 1 and 2 workers; the peak memory of the whole process tree
(grader, workers, bubblewrap and kernels, sampled from /proc every 0.1 s);
and, as the named peer, a plain nbclient run of each benign notebook top to
bottom in an unconfined kernel (what nbgrader's autograde does), on the same
benign subset, as a ratio (the median of ``--repeats`` alternating rounds:
the machine may be shared). ``--compare-unisolated`` also grades the benign
subset without bubblewrap (the launcher's layers only), to show what the
outer wall itself costs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adamcourse import grading  # noqa: E402
from adamcourse.grading import Limits  # noqa: E402
from adamcourse.grading.sandbox import grader as sandbox  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "grading"
SOURCE = FIXTURES / "assignment" / "fixture.ipynb"
CORRECT = ["correct", "reordered"]
WRONG = ["wrong", "not_attempted", "mutates_input", "exception", "deleted_cell", "invalid_json"]
HOSTILE = [
    "infinite_loop",
    "sys_exit",
    "os_exit",
    "kernel_crash",
    "memory_bomb",
    "huge_output",
    "huge_single_output",
    "files_outside",
    "fake_checks",
    "reference_call",
    "reference_hidden",
    "read_hidden_tests",
]


def make_folder(n: int, folder: Path) -> dict[str, str]:
    """N submissions in the proportions above; returns {student: kind}."""
    plan = [("correct", CORRECT, 0.35), ("wrong", WRONG, 0.25), ("hostile", HOSTILE, 0.40)]
    kinds = {}
    for category, names, share in plan:
        count = round(n * share) if category != "hostile" else n - len(kinds)
        for i in range(count):
            name = names[i % len(names)]
            student = f"s{len(kinds):03d}_{name}"
            shutil.copy(SUBMISSIONS / f"{name}.ipynb", folder / f"{student}.ipynb")
            kinds[student] = category
    return kinds


SUBMISSIONS = FIXTURES / "submissions"


class TreeMemory:
    """Peak resident memory of this process and all its descendants."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _tree_rss(self) -> int:
        parents, rss = {}, {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat[1])
                rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        me, total = os.getpid(), 0
        for pid in rss:
            p = pid
            while p and p != me:
                p = parents.get(p, 0)
            if p == me:
                total += rss[pid]
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_grader(folder: Path, workers: int, limits: Limits) -> tuple[float, int, list]:
    with TreeMemory() as memory:
        start = time.perf_counter()
        results = grading.grade(folder, "fixture", source=SOURCE, workers=workers, limits=limits, progress=False)
        elapsed = time.perf_counter() - start
    return elapsed, memory.peak, results


def run_peer(notebooks: list[Path], timeout: float) -> float:
    """nbclient, top to bottom, a plain kernel per notebook, no limits."""
    import nbformat
    from nbclient import NotebookClient

    start = time.perf_counter()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as cwd:
            NotebookClient(
                nb,
                timeout=int(timeout),
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": cwd}},
            ).execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds per exercise (default 5)")
    parser.add_argument("--peer-n", type=int, default=10, help="benign notebooks for the peer comparison")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the peer comparison (median)")
    parser.add_argument(
        "--compare-unisolated",
        action="store_true",
        help="also grade the benign subset without bubblewrap (what the outer wall costs)",
    )
    options = parser.parse_args()
    limits = Limits(time_s=options.time_limit, memory_mb=1024)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
    print("sandbox: " + ", ".join(sandbox.isolation()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "submissions")
        folder.mkdir()
        kinds = make_folder(options.n, folder)
        counts = {c: list(kinds.values()).count(c) for c in ("correct", "wrong", "hostile")}
        print(f"{options.n} submissions: {counts}; {options.time_limit:g} s per exercise")
        gradebooks = []
        for workers in (1, 2):
            elapsed, peak, results = run_grader(folder, workers, limits)
            gradebooks.append([(r.student, r.exercise, r.points, r.feedback) for r in results])
            errors = sum(r.grader_error for r in results)
            print(
                f"{workers} worker{'s' if workers > 1 else ' '}: {options.n / elapsed * 60:6.1f} submissions/min "
                f"({elapsed:6.1f} s), peak memory {peak / 2**20:6.0f} MiB, grader errors {errors}"
            )
        print(f"same gradebook with 1 and 2 workers: {gradebooks[0] == gradebooks[1]}")

        benign = sorted(folder.glob("*_correct.ipynb"))[: options.peer_n]
        bench_folder = Path(tmp, "benign")
        bench_folder.mkdir()
        for path in benign:
            shutil.copy(path, bench_folder)
        # On a shared machine the load changes from minute to minute: the runs
        # alternate, and the medians of `--repeats` rounds are compared.
        runs = {"ours": [], "peer": [], "bare": []}
        for _ in range(options.repeats):
            runs["ours"].append(run_grader(bench_folder, 1, limits)[:2])
            with TreeMemory() as memory:
                runs["peer"].append((run_peer(benign, options.time_limit * 3), memory.peak))
            if options.compare_unisolated:
                os.environ[sandbox.NO_ISOLATION_ENV] = "1"  # (spawned workers inherit it)
                try:
                    runs["bare"].append(run_grader(bench_folder, 1, limits)[:2])
                finally:
                    del os.environ[sandbox.NO_ISOLATION_ENV]
        (ours, ours_peak), (peer, peer_peak) = _median(runs["ours"]), _median(runs["peer"])
        n = len(benign)
        print(
            f"peer (nbclient, unconfined, top to bottom) on {n} correct notebooks, 1 worker, median of "
            f"{options.repeats}: {peer / n:.2f} s each, peak {peer_peak / 2**20:.0f} MiB; adamcourse grade: "
            f"{ours / n:.2f} s each, peak {ours_peak / 2**20:.0f} MiB; ratio ours/peer {ours / peer:.2f} (time), "
            f"{ours_peak / max(peer_peak, 1):.2f} (memory)"
        )
        if runs["bare"]:
            bare, bare_peak = _median(runs["bare"])
            print(
                f"without bubblewrap (launcher only): {bare / n:.2f} s each, peak {bare_peak / 2**20:.0f} MiB; "
                f"with it / without: {ours / bare:.2f} (time)"
            )
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def _median(pairs: list) -> tuple:
    """The median seconds and the median peak of (seconds, peak) pairs."""
    seconds, peaks = sorted(p[0] for p in pairs), sorted(p[1] for p in pairs)
    return seconds[len(seconds) // 2], peaks[len(peaks) // 2]


if __name__ == "__main__":
    main()
