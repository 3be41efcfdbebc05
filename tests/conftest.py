"""Shared test set-up: headless plotting, so tests run without a display."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def bubblewrap():
    """The grading sandbox works here (bubblewrap installed and allowed).

    Without it, the tests that grade are skipped with the reason and how to
    install it; in CI (ADAMCOURSE_REQUIRE_BWRAP=1) its absence is a failure.
    """
    from adamcourse.grading.sandbox import grader as sandbox

    env = os.environ.pop(sandbox.NO_ISOLATION_ENV, None)
    try:
        sandbox.isolation()
        problem = None
    except sandbox.IsolationMissing as missing:
        problem = str(missing)
    finally:
        if env is not None:
            os.environ[sandbox.NO_ISOLATION_ENV] = env
    if problem is not None:
        if os.environ.get("ADAMCOURSE_REQUIRE_BWRAP") == "1":
            pytest.fail(f"ADAMCOURSE_REQUIRE_BWRAP=1 but the sandbox cannot run here: {problem}")
        pytest.skip(f"no working bubblewrap (the grading sandbox): {problem}")


@pytest.fixture
def memory_growth():
    """``memory_growth(call)`` runs ``call()`` and returns (its result, how many bytes
    this process's resident memory rose above where it started, at the peak).
    Growth, not size: earlier tests in the same process may have loaded TensorFlow."""
    import threading
    import time
    from pathlib import Path

    def resident() -> int:
        return int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def measure(call):
        baseline = resident()
        peak, stop = [baseline], threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], resident())
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            result = call()
        finally:
            stop.set()
            sampler.join()
        return result, peak[0] - baseline

    return measure
