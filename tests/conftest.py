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
