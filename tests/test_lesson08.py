"""Lesson 08 (What Adam costs): its two exercises, the engine's in-place
exercises (``mutates``, ``scratch``), the memory measurement of the check, and
the lesson notebook against the contract every lesson meets.

Attempts are written as a learner would type them, independently of the wrong
versions in adamcourse/exercises/lesson08.py; counts are worked out by hand in
the comments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import textwrap

import numpy as np
import pytest
import test_notebooks as contract

from adamcourse import checks
from adamcourse.checks import EXERCISES, run_check
from adamcourse.exercises.engine import MISTAKE_CREDIT, judge_calls, observe
from adamcourse.exercises.lesson08 import allocation_feedback, peak_allocation

SEEDS = (checks.CHECK_SEED, 7, 123)
LESSON = "08_what_adam_costs"
BYTES, STEP = "ex08_bytes_per_step", "ex08_adam_step_"


def learner(code: str):
    """The function a learner's cell defines."""
    namespace = {"np": np, "math": math}
    exec(textwrap.dedent(code), namespace)
    name = next(line[4:].split("(")[0] for line in textwrap.dedent(code).splitlines() if line.startswith("def "))
    return namespace[name]


# --- bytes_per_step ---------------------------------------------------------------------------


def test_bytes_per_step_by_hand():
    count = EXERCISES[BYTES].reference
    assert count("Adam", 1_000_000, "float32") == 28_000_000  # (4 reads + 3 writes) * 1e6 * 4 bytes
    assert count("SGD", 10, "float16") == 60  # (theta, g read; theta written) * 10 * 2 bytes
    assert count("Momentum", 1, "float64") == 40  # (theta, g, velocity; theta, velocity) * 8 bytes
    assert count("RMSProp", 3, "float32") == count("AdaGrad", 3, "float32") == 60  # 5 arrays * 3 * 4


BYTES_RIGHT = {
    "an if chain": """
        def bytes_per_step(optimizer, n, dtype):
            if optimizer == "SGD":
                arrays = 3
            elif optimizer == "Adam":
                arrays = 7
            else:
                arrays = 5
            return arrays * n * np.dtype(dtype).itemsize
        """,
    "bits // 8, state counted": """
        def bytes_per_step(optimizer, n, dtype):
            state = {"SGD": 0, "Momentum": 1, "AdaGrad": 1, "RMSProp": 1, "Adam": 2}[optimizer]
            reads = 2 + state       # theta, grad and the state
            writes = 1 + state      # theta and the state
            return (reads + writes) * n * (np.finfo(dtype).bits // 8)
        """,
    "sizes by name": """
        def bytes_per_step(optimizer, n, dtype):
            size = {"float16": 2, "float32": 4, "float64": 8}[dtype]
            per_parameter = {"SGD": 3, "Momentum": 5, "AdaGrad": 5, "RMSProp": 5, "Adam": 7}
            return per_parameter[optimizer] * size * n
        """,
}

BYTES_WRONG = {
    "reads only": (
        """
        def bytes_per_step(optimizer, n, dtype):
            reads = {"SGD": 2, "Momentum": 3, "AdaGrad": 3, "RMSProp": 3, "Adam": 4}[optimizer]
            return reads * n * np.dtype(dtype).itemsize
        """,
        "only the reads",
    ),
    "bits": (
        """
        def bytes_per_step(optimizer, n, dtype):
            arrays = {"SGD": 3, "Momentum": 5, "AdaGrad": 5, "RMSProp": 5, "Adam": 7}[optimizer]
            return arrays * n * np.finfo(dtype).bits
        """,
        "bits, not bytes",
    ),
    "no gradient": (
        """
        def bytes_per_step(optimizer, n, dtype):
            arrays = {"SGD": 2, "Momentum": 4, "AdaGrad": 4, "RMSProp": 4, "Adam": 6}[optimizer]
            return arrays * n * np.dtype(dtype).itemsize
        """,
        "gradient is read too",
    ),
    "numbers, not bytes": (
        """
        def bytes_per_step(optimizer, n, dtype):
            return {"SGD": 3, "Momentum": 5, "AdaGrad": 5, "RMSProp": 5, "Adam": 7}[optimizer] * n
        """,
        "numbers, not bytes",
    ),
    "float32 always": (
        """
        def bytes_per_step(optimizer, n, dtype):
            return {"SGD": 3, "Momentum": 5, "AdaGrad": 5, "RMSProp": 5, "Adam": 7}[optimizer] * n * 4
        """,
        "fixed at 4 bytes",
    ),
    "state not written back": (
        """
        def bytes_per_step(optimizer, n, dtype):
            state = {"SGD": 0, "Momentum": 1, "AdaGrad": 1, "RMSProp": 1, "Adam": 2}[optimizer]
            return (2 + state + 1) * n * np.dtype(dtype).itemsize
        """,
        "written back too",
    ),
    "Adam's count for all": (
        """
        def bytes_per_step(optimizer, n, dtype):
            return 28 * n * np.dtype(dtype).itemsize // 4
        """,
        "Adam's seven arrays",
    ),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(BYTES_RIGHT))
def test_right_counts_pass(name, seed):
    verdict = run_check(BYTES, learner(BYTES_RIGHT[name]), seed)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(BYTES_WRONG))
def test_wrong_counts_are_named(name, seed):
    code, words = BYTES_WRONG[name]
    verdict = run_check(BYTES, learner(code), seed)
    assert verdict.outcome == "mistake" and words in verdict.message, verdict.message
    assert verdict.share == MISTAKE_CREDIT


# --- adam_step_: the engine's in-place exercises ----------------------------------------------------


def test_adam_step_in_place_by_hand():
    """Adam's first step moves each parameter by lr against its gradient's sign."""
    step = EXERCISES[STEP].reference
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, -4.0])
    m, v, scratch = np.zeros(2), np.zeros(2), np.full(2, np.nan)  # scratch's old contents never matter
    t = step(theta, grad, m, v, 0, 0.1, 0.9, 0.999, 0.0, scratch)
    assert t == 1
    np.testing.assert_allclose(theta, [1.0 - 0.1, -2.0 + 0.1])  # m_hat = g, v_hat = g**2
    np.testing.assert_allclose(m, 0.1 * grad)  # (1 - beta1) * g
    np.testing.assert_allclose(v, 0.001 * grad**2)  # (1 - beta2) * g**2


def test_the_reference_agrees_with_lesson_05s_step_and_writes_into_the_callers_arrays():
    exercise = EXERCISES[STEP]
    for args in exercise.cases(3):
        theta, grad, m, v, t, lr, b1, b2, eps, scratch = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        want = checks.reference("adam_step")(theta, grad, m, v, t, lr, b1, b2, eps)
        ids = [id(theta), id(m), id(v)]
        got_t = exercise.reference(theta, grad, m, v, t, lr, b1, b2, eps, scratch)
        assert [id(theta), id(m), id(v)] == ids
        for got, expected in zip((theta, m, v, got_t), want):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(grad, args[1])  # the gradient is left alone


def test_judging_an_in_place_exercise_never_changes_its_cases():
    exercise = EXERCISES[STEP]
    cases = exercise.cases(5)
    before = [tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args) for args in cases]
    wrong = exercise.mistakes[0].wrong
    verdict = judge_calls(exercise, cases, observe(wrong, cases))  # the reference and every mistake run here
    assert verdict.outcome == "mistake"
    for args, saved in zip(cases, before):
        for a, b in zip(args, saved):
            assert np.array_equal(a, b)


def test_changing_an_input_the_exercise_does_not_declare_is_still_reported():
    """The negative control of ``mutates``: without it, the same in-place step is "changed inputs"."""
    exercise = EXERCISES[STEP]
    cases = exercise.cases(checks.CHECK_SEED)
    undeclared = dataclasses.replace(exercise, mutates=(), scratch=())
    verdict = judge_calls(undeclared, cases, observe(exercise.reference, cases))
    assert verdict.outcome == "changed inputs"
    assert judge_calls(exercise, cases, observe(exercise.reference, cases)).passed


def test_the_in_place_values_are_judged_not_only_what_is_returned():
    """Right t, wrong theta: a wrong answer, although what it returned is right."""
    exercise = EXERCISES[STEP]
    cases = exercise.cases(checks.CHECK_SEED)
    seen = observe(exercise.reference, cases)
    spoiled = [dataclasses.replace(o, args_after=(o.args_after[0] + 1.0, *o.args_after[1:])) for o in seen]
    verdict = judge_calls(exercise, cases, spoiled)
    assert not verdict.passed and "`theta`" in verdict.message
    # Exercise.judge sees no arguments afterwards: only what was returned is judged there
    args = cases[0]
    assert exercise.judge(args, args[4] + 1).passed and not exercise.judge(args, args[4]).passed


STEP_RIGHT = {
    "in-place operators and out=": """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t += 1
            np.multiply(m, beta1, out=m)
            np.multiply(grad, 1 - beta1, out=scratch)
            np.add(m, scratch, out=m)
            np.multiply(v, beta2, out=v)
            np.multiply(grad, grad, out=scratch)
            np.multiply(scratch, 1 - beta2, out=scratch)
            np.add(v, scratch, out=v)
            np.multiply(v, 1 / (1 - beta2**t), out=scratch)
            np.sqrt(scratch, out=scratch)
            np.add(scratch, eps, out=scratch)
            np.divide(m, scratch, out=scratch)
            np.multiply(scratch, lr / (1 - beta1**t), out=scratch)
            np.subtract(theta, scratch, out=theta)
            return t
        """,
    "m from its difference to grad": """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m -= grad          # beta1 * (m - g) + g = beta1 * m + (1 - beta1) * g
            m *= beta1
            m += grad
            scratch[:] = grad
            scratch **= 2
            v *= beta2
            scratch *= 1 - beta2
            v += scratch
            np.sqrt(v, out=scratch)
            scratch /= math.sqrt(1 - beta2**t)
            scratch += eps
            np.divide(m, scratch, out=scratch)
            scratch *= lr
            scratch /= 1 - beta1**t
            theta -= scratch
            return t
        """,
    "slices (allocates, but right)": """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m[:] = beta1 * m + (1 - beta1) * grad
            v[:] = beta2 * v + (1 - beta2) * grad**2
            theta[:] = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
    "element by element": """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            for i in range(theta.size):
                m[i] = beta1 * m[i] + (1 - beta1) * grad[i]
                v[i] = beta2 * v[i] + (1 - beta2) * grad[i] ** 2
                theta[i] -= lr * m[i] / (1 - beta1**t) / (math.sqrt(v[i] / (1 - beta2**t)) + eps)
            return t
        """,
}

STEP_WRONG = {
    "theta rebound": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
        "theta was rebound",
    ),
    "everything rebound": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad**2
            theta = theta - lr * m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
        "nothing changed in place",
    ),
    "averages rebound": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad**2
            theta -= lr * m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
        "m and v were rebound",
    ),
    "step before the averages": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad**2
            return t
        """,
        "OLD m and v",
    ),
    "corrected in place": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad**2
            m /= 1 - beta1**t
            v /= 1 - beta2**t
            theta -= lr * m / (np.sqrt(v) + eps)
            return t
        """,
        "bias-corrected in place",
    ),
    "one-line in-place average": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m *= beta1 + (1 - beta1) * grad
            v *= beta2 + (1 - beta2) * grad**2
            theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
        "WHOLE right-hand side",
    ),
    "v not scaled": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m *= beta1
            m += (1 - beta1) * grad
            v += (1 - beta2) * grad**2
            theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
        "v was never multiplied by beta2",
    ),
    "old t returned": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            step = t + 1
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad**2
            theta -= lr * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)
            return t
        """,
        "return the new t",
    ),
    "m as a running sum": (
        """
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            t = t + 1
            m *= beta1
            m += grad
            v *= beta2
            v += (1 - beta2) * grad**2
            theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            return t
        """,
        "needs the weight (1 - beta1)",
    ),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(STEP_RIGHT))
def test_right_in_place_steps_pass(name, seed):
    verdict = run_check(STEP, learner(STEP_RIGHT[name]), seed)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(STEP_WRONG))
def test_wrong_in_place_steps_are_named(name, seed):
    code, words = STEP_WRONG[name]
    verdict = run_check(STEP, learner(code), seed)
    assert verdict.outcome == "mistake" and words in verdict.message, verdict.message
    assert verdict.share == MISTAKE_CREDIT


def test_a_forgotten_return_says_so():
    code = STEP_RIGHT["in-place operators and out="].replace("return t", "pass")
    verdict = run_check(STEP, learner(code))
    assert not verdict.passed and "returned None" in verdict.message


def test_using_the_gradient_as_working_space_is_reported_with_what_may_change():
    code = (
        STEP_RIGHT["in-place operators and out="]
        .replace("out=scratch", "out=grad")
        .replace("(scratch,", "(grad,")
        .replace("(m, scratch,", "(m, grad,")
        .replace("(v, scratch,", "(v, grad,")
    )
    verdict = run_check(STEP, learner(code))
    assert verdict.outcome == "changed inputs"
    assert "`grad`" in verdict.message and "`theta`, `m`, `v` and `scratch`" in verdict.message
    assert "theta = theta -" not in verdict.message  # the advice for the other lessons would be wrong here


def test_the_library_and_the_fast_path_are_flagged():
    uses_step_ = learner("""
        def adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
            from adamcourse import Adam
            opt = Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
            return opt.step_(theta, grad, opt.init(theta)).t + t
        """)
    assert run_check(STEP, uses_step_).outcome == "forbidden"
    from adamcourse import fastpath

    def uses_the_engine(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
        fastpath._adam_numpy(None, t + 1, lr, theta, grad, [m, v], scratch, scratch.copy())
        return t + 1

    assert run_check(STEP, uses_the_engine).outcome == "forbidden"


def test_the_graders_library_copy_leaves_the_fast_path_out(tmp_path):
    from adamcourse.grading.sandbox import library_copy

    forbidden = set(EXERCISES[STEP].forbidden)
    copy = library_copy.build(tmp_path / "lib", forbidden)
    text = (copy / "adamcourse" / "fastpath.py").read_text(encoding="utf-8")
    for name in ("update_", "_adam_numpy", "_adam_loop"):
        body = text.split(f"def {name}(")[1].split("\ndef ")[0]
        assert "not available while your work is graded" in body, name
    kept = text.split("def available_engines(")[1].split("\ndef ")[0]
    assert "not available" not in kept  # the lesson's own cells still run


# --- What an in-place step allocates ------------------------------------------------------------


def test_the_reference_allocates_nothing_and_the_textbook_step_does():
    peak, array = peak_allocation(EXERCISES[STEP].reference)
    assert peak < array / 10
    slices = learner(STEP_RIGHT["slices (allocates, but right)"])
    peak, array = peak_allocation(slices)
    assert peak >= 2 * array  # the new m and v at least, while the line for theta runs
    assert "the size of theta at once" in allocation_feedback(slices)
    assert allocation_feedback(EXERCISES[STEP].reference).startswith("✔ Memory")


def test_allocation_feedback_of_a_step_that_fails_on_float32_says_so():
    def picky(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
        if theta.dtype != np.float64:
            raise TypeError("float64 only")
        return t + 1

    assert "not measured" in allocation_feedback(picky) and "float64 only" in allocation_feedback(picky)


def test_the_check_adds_the_memory_line_only_to_right_answers(capsys, monkeypatch):
    checks.check_adam_step_(learner(STEP_RIGHT["slices (allocates, but right)"]))
    out = capsys.readouterr().out
    assert out.startswith("✔ Well done!") and "Memory:" in out
    checks.check_adam_step_(learner(STEP_WRONG["theta rebound"][0]))
    out = capsys.readouterr().out
    assert "✘ Not yet" in out and "Memory" not in out
    # under nbgrader: the points come back, and nothing reaches stderr (which would zero the cell)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        points = checks.check_adam_step_(EXERCISES[STEP].reference)
    assert points == 3.0 and err.getvalue() == ""


def test_a_tracemalloc_session_of_the_learner_is_left_running():
    import tracemalloc

    tracemalloc.start()
    try:
        peak_allocation(EXERCISES[STEP].reference, n=1000)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


# --- The lesson notebook: the contract of tests/test_notebooks.py, for lesson 08 ----------------


def test_the_lesson_meets_the_notebook_contract():
    contract.test_template_title_time_badge_and_setup(LESSON)
    contract.test_check_output_cells_print_something(LESSON)
    contract.test_exercises_follow_the_nbgrader_contract(LESSON)
    contract.test_later_cells_do_not_use_the_learners_functions(LESSON)
    contract.test_source_and_notebook_agree(LESSON)
    contract.test_committed_executed_without_errors_or_colab_metadata(LESSON)
    contract.test_no_test_machinery_in_what_a_learner_reads(LESSON)
    assert {s.metadata["nbgrader"]["grade_id"] for s, _, _ in contract.exercise_cells(contract.read(LESSON))} == {
        BYTES,
        STEP,
    }


def test_every_exercise_of_the_lesson_is_registered_with_its_check():
    assert [e.grade_id for e in engine_exercises()] == [BYTES, STEP]
    for exercise in engine_exercises():
        assert callable(getattr(checks, f"check_{exercise.function_name}"))


def engine_exercises():
    from adamcourse.exercises import for_lesson

    return for_lesson(LESSON)
