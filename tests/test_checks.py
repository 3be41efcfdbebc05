"""The exercise checks: right answers pass, the usual wrong answers are named.

The wrong functions below are written the way a learner would write them,
independently of the wrong versions inside adamcourse.checks, and every
expected value of a reference is worked out by hand in the comments.
"""

import math
import pickle

import numpy as np
import pytest

from adamcourse import checks
from adamcourse.checks import EXERCISES, Verdict, forbidden_use, run_check
from adamcourse.exercises.engine import MISTAKE_CREDIT, judge_calls, observe

# --- The registry keeps its contract ------------------------------------------------------


def test_every_exercise_is_registered_under_its_grade_id():
    assert len(EXERCISES) >= 12
    for grade_id, exercise in EXERCISES.items():
        assert exercise.grade_id == grade_id
        assert grade_id.startswith("ex0")
        assert exercise.points >= 1
        assert callable(exercise.reference) and callable(exercise.make_cases) and callable(exercise.judge)
        assert callable(getattr(checks, f"check_{exercise.function_name}"))


@pytest.mark.parametrize("grade_id", sorted(EXERCISES))
def test_reference_passes_its_own_check(grade_id):
    assert run_check(grade_id, EXERCISES[grade_id].reference).passed


COMPARED = sorted(g for g, e in EXERCISES.items() if e.judge_one is None)  # all but the finale's tuning task


@pytest.mark.parametrize("grade_id", COMPARED)
def test_cases_are_fresh_picklable_and_judged_in_another_process_style(grade_id):
    """The grader builds cases, sends them to an isolated process and judges the
    returned values here: cases must pickle, and judge needs nothing but args and got."""
    exercise = EXERCISES[grade_id]
    cases = exercise.make_cases(np.random.default_rng(1))
    assert cases and all(isinstance(args, tuple) for args in cases)
    for args in pickle.loads(pickle.dumps(cases)):
        got = pickle.loads(pickle.dumps(exercise.reference(*args)))
        verdict = exercise.judge(args, got)
        assert isinstance(verdict, Verdict) and verdict.passed, verdict.message
    other = exercise.make_cases(np.random.default_rng(2))
    assert pickle.dumps(other) != pickle.dumps(cases)  # really fresh random cases


@pytest.mark.parametrize("grade_id", COMPARED)
@pytest.mark.parametrize("seed", [checks.CHECK_SEED, 7, 123])
def test_every_listed_mistake_is_named_by_its_own_sentence_on_every_case(grade_id, seed):
    """Each wrong version, run on all the cases at once as a learner's function
    is, gets its own sentence and half the points: no earlier mistake shadows
    it, and no degenerate case makes two mistakes look alike, whatever the draw."""
    exercise = EXERCISES[grade_id]
    assert len(exercise.mistakes) >= 3
    cases = exercise.cases(seed)
    for mistake in exercise.mistakes:
        verdict = judge_calls(exercise, cases, observe(mistake.wrong, cases))
        assert verdict.outcome == "mistake" and mistake.why in verdict.message, (mistake.why, verdict.message)
        assert verdict.share == MISTAKE_CREDIT and verdict.mistake == mistake.label


# --- Hand-computed references -------------------------------------------------------------


def test_references_on_hand_computed_values():
    ref = checks.reference
    # 00: 1 - 0.1 * 2 = 0.8
    assert ref("gradient_step")(np.array([1.0]), np.array([2.0]), 0.1) == pytest.approx([0.8])
    # f = x**2 + 3y at (1, 2): gradient (2, 3); the central difference is exact for a quadratic
    got = ref("numerical_gradient")(lambda p: p[0] ** 2 + 3 * p[1], np.array([1.0, 2.0]), 1e-3)
    assert got == pytest.approx([2.0, 3.0], rel=1e-9)
    # 01: residuals w x + b - y with w=2, b=1, x=(1, 2), y=(2, 7): (1, -2); dw = (1*1 - 2*2)/2, db = -1/2
    assert ref("minibatch_gradient")(2.0, 1.0, np.array([1.0, 2.0]), np.array([2.0, 7.0])) == pytest.approx(
        (-1.5, -0.5)
    )
    assert ref("shrink_factor")(0.25, 2.0) == pytest.approx(0.5)
    # 02: 0.9 * 2 + 0.1 * 12 = 3
    assert ref("ema_update")(2.0, 12.0, 0.9) == pytest.approx(3.0)
    # velocity = 0.9 * 0.5 - 0.1 * 2 = 0.25; theta = 1 + 0.25
    theta, velocity = ref("momentum_step")(1.0, 2.0, 0.5, 0.1, 0.9)
    assert (theta, velocity) == pytest.approx((1.25, 0.25))
    # 03: accum = 5 + 4 = 9; theta = 1 - 0.3 * 2 / (3 + 0.1) = 1 - 0.6/3.1
    theta, accum = ref("adagrad_step")(1.0, 2.0, 5.0, 0.3, 0.1)
    assert (theta, accum) == pytest.approx((1 - 0.6 / 3.1, 9.0))
    # step sizes: column sums of squares 1+4+4 = 9 and 0+9+16 = 25: 0.6/(3+0.01), 0.6/(5+0.01)
    grads = np.array([[1.0, 0.0], [2.0, 3.0], [2.0, -4.0]])
    assert ref("adagrad_step_sizes")(grads, 0.6, 0.01) == pytest.approx([0.6 / 3.01, 0.6 / 5.01])
    # 04: v = 0.5 * 2 + 0.5 * 4 = 3... with beta 0.75: 0.75 * 0 + 0.25 * 4 = 1; theta = 1 - 0.1 * 2 / (1 + 0.5)
    theta, v = ref("rmsprop_step")(1.0, 2.0, 0.0, 0.1, 0.75, 0.5)
    assert (theta, v) == pytest.approx((1 - 0.2 / 1.5, 1.0))
    # debias: 0.19 / (1 - 0.9**2) = 0.19 / 0.19 = 1
    assert ref("debias_average")(0.19, 0.9, 2) == pytest.approx(1.0)
    # 05, first step from zero: m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004; m_hat = 2, v_hat = 4;
    # theta = 1 - 0.1 * 2 / (2 + 0.1)
    theta, m, v, t = ref("adam_step")(1.0, 2.0, 0.0, 0.0, 0, 0.1, 0.9, 0.999, 0.1)
    assert (theta, m, v, t) == pytest.approx((1 - 0.2 / 2.1, 0.2, 0.004, 1))
    # Keras' step size at t = 1: 0.001 * sqrt(0.001) / 0.1
    assert ref("keras_step_size")(0.001, 0.9, 0.999, 1) == pytest.approx(0.01 * math.sqrt(0.001))


# --- Learner-style wrong answers are named ----------------------------------------------------


def _message(grade_id, fn):
    verdict = run_check(grade_id, fn)
    assert not verdict.passed
    return verdict.message


def test_gradient_step_wrong_sign():
    def gradient_step(theta, grad, lr):
        return theta + lr * grad

    assert "wrong sign" in _message("ex00_gradient_step", gradient_step)


def test_gradient_step_forgot_lr():
    def gradient_step(theta, grad, lr):
        return theta - grad

    assert "learning rate is missing" in _message("ex00_gradient_step", gradient_step)


def test_numerical_gradient_one_sided_and_half_width():
    def forward(f, theta, h=1e-5):
        grad = np.zeros_like(theta)
        for i in range(len(theta)):
            x = theta.copy()
            x[i] += h
            grad[i] = (f(x) - f(theta)) / h
        return grad

    def divided_by_h(f, theta, h=1e-5):
        grad = np.zeros_like(theta)
        for i in range(len(theta)):
            e = np.zeros_like(theta)
            e[i] = h
            grad[i] = (f(theta + e) - f(theta - e)) / h
        return grad

    assert "one-sided (forward)" in _message("ex00_numerical_gradient", forward)
    assert "divide by 2 * h" in _message("ex00_numerical_gradient", divided_by_h)


def test_numerical_gradient_that_nudges_theta_in_place_is_caught():
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros_like(theta)
        for i in range(len(theta)):
            theta[i] += h  # moves the caller's array and never puts it back
            up = f(theta)
            theta[i] -= 2 * h
            grad[i] = (up - f(theta)) / (2 * h)
        return grad

    assert "in place" in _message("ex00_numerical_gradient", numerical_gradient)


def test_numerical_gradient_that_restores_theta_passes():
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros_like(theta)
        for i in range(len(theta)):
            old = theta[i]
            theta[i] = old + h
            up = f(theta)
            theta[i] = old - h
            down = f(theta)
            theta[i] = old
            grad[i] = (up - down) / (2 * h)
        return grad

    assert run_check("ex00_numerical_gradient", numerical_gradient).passed


def test_minibatch_gradient_sum_and_factor_two():
    def summed(w, b, x, y):
        r = w * x + b - y
        return np.sum(r * x), np.sum(r)

    def no_half(w, b, x, y):
        r = w * x + b - y
        return 2 * np.mean(r * x), 2 * np.mean(r)

    def target_minus_prediction(w, b, x, y):
        r = y - (w * x + b)
        return np.mean(r * x), np.mean(r)

    assert "summed over the batch" in _message("ex01_minibatch_gradient", summed)
    assert "twice too big" in _message("ex01_minibatch_gradient", no_half)
    assert "residual has the wrong sign" in _message("ex01_minibatch_gradient", target_minus_prediction)


def test_minibatch_gradient_wrong_arity_is_explained():
    def minibatch_gradient(w, b, x, y):
        return np.mean((w * x + b - y) * x)

    assert "should return 2 values" in _message("ex01_minibatch_gradient", minibatch_gradient)


def test_shrink_factor_sign_and_abs():
    assert "sign is wrong" in _message("ex01_shrink_factor", lambda lr, curvature: 1 + lr * curvature)
    assert "keep the sign" in _message("ex01_shrink_factor", lambda lr, curvature: abs(1 - lr * curvature))


def test_ema_beta_swapped():
    def ema_update(average, x, beta):
        return (1 - beta) * average + beta * x

    assert "beta and 1 - beta are swapped" in _message("ex02_ema_update", ema_update)


def test_ema_calling_the_library_is_named_politely():
    from adamcourse import ema

    def ema_update(average, x, beta):
        return ema(average, x, beta)

    message = _message("ex02_ema_update", ema_update)
    assert "`ema`" in message and "course's own answer" in message and "please" in message


def test_momentum_wrong_sign_old_velocity_and_torch_form():
    def wrong_sign(theta, grad, velocity, lr, beta):
        velocity = beta * velocity + lr * grad
        return theta + velocity, velocity

    def old_velocity(theta, grad, velocity, lr, beta):
        theta = theta + velocity
        velocity = beta * velocity - lr * grad
        return theta, velocity

    def torch_form(theta, grad, velocity, lr, beta):
        velocity = beta * velocity + grad
        return theta - lr * velocity, velocity

    def swapped(theta, grad, velocity, lr, beta):
        velocity = (1 - beta) * velocity - lr * grad
        return theta + velocity, velocity

    assert "wrong sign" in _message("ex02_momentum_step", wrong_sign)
    assert "OLD velocity" in _message("ex02_momentum_step", old_velocity)
    assert "PyTorch's form" in _message("ex02_momentum_step", torch_form)
    assert "beta and 1 - beta are swapped" in _message("ex02_momentum_step", swapped)


def test_momentum_calling_the_library_class_is_found():
    from adamcourse import Momentum

    def momentum_step(theta, grad, velocity, lr, beta):
        opt = Momentum(lr=lr, beta=beta)
        state = opt.init(np.asarray(theta, dtype=float))
        return opt.step(theta, grad, state)

    assert "`Momentum`" in _message("ex02_momentum_step", momentum_step)


def test_adagrad_eps_inside_and_old_accumulator():
    def eps_inside(theta, grad, accum, lr, eps):
        accum = accum + grad**2
        return theta - lr * grad / np.sqrt(accum + eps), accum

    def old_accum(theta, grad, accum, lr, eps):
        theta = theta - lr * grad / (np.sqrt(accum) + eps)
        return theta, accum + grad**2

    assert "eps is inside the square root" in _message("ex03_adagrad_step", eps_inside)
    assert "OLD accumulator" in _message("ex03_adagrad_step", old_accum)


def test_adagrad_step_sizes_mean_instead_of_sum():
    def adagrad_step_sizes(grads, lr, eps):
        return lr / (np.sqrt(np.mean(grads**2, axis=0)) + eps)

    def wrong_axis(grads, lr, eps):
        return lr / (np.sqrt(np.sum(grads**2, axis=1)) + eps)

    assert "AdaGrad SUMS them" in _message("ex03_adagrad_step_sizes", adagrad_step_sizes)
    assert "shape" in _message("ex03_adagrad_step_sizes", wrong_axis)


def test_rmsprop_eps_inside_swapped_and_adagrad_sum():
    def eps_inside(theta, grad, v, lr, beta, eps):
        v = beta * v + (1 - beta) * grad**2
        return theta - lr * grad / np.sqrt(v + eps), v

    def swapped(theta, grad, v, lr, beta, eps):
        v = (1 - beta) * v + beta * grad**2
        return theta - lr * grad / (np.sqrt(v) + eps), v

    def summed(theta, grad, v, lr, beta, eps):
        v = v + grad**2
        return theta - lr * grad / (np.sqrt(v) + eps), v

    assert "eps is inside the square root" in _message("ex04_rmsprop_step", eps_inside)
    assert "beta and 1 - beta are swapped" in _message("ex04_rmsprop_step", swapped)
    assert "AdaGrad's running SUM" in _message("ex04_rmsprop_step", summed)


def test_debias_multiplied_and_library_call():
    from adamcourse.optimizers import debias as correct  # renamed, still the library's

    def multiplied(average, beta, t):
        return average * (1 - beta**t)

    def renamed(average, beta, t):
        return correct(average, beta, t)

    assert "don't multiply" in _message("ex04_debias_average", multiplied)
    assert "`debias`" in _message("ex04_debias_average", renamed)


def test_adam_bias_correction_missing():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        return theta - lr * m / (np.sqrt(v) + eps), m, v, t

    assert "bias correction missing" in _message("ex05_adam_step", adam_step)


def test_adam_t_incremented_after_use():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        t += 1
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t

    assert "t was incremented after use" in _message("ex05_adam_step", adam_step)


def test_adam_t_never_incremented():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat = m / (1 - beta1 ** (t + 1))
        v_hat = v / (1 - beta2 ** (t + 1))
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t

    assert "return the new t" in _message("ex05_adam_step", adam_step)


def test_adam_eps_inside_wrong_sign_and_swapped_betas():
    def body(theta, grad, m, v, t, lr, beta1, beta2, eps, *, inside=False, sign=1, swap=False):
        if swap:
            beta1, beta2 = beta2, beta1
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        denom = np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps
        return theta - sign * lr * m_hat / denom, m, v, t

    assert "eps is inside the square root" in _message("ex05_adam_step", lambda *a: body(*a, inside=True))
    assert "wrong sign" in _message("ex05_adam_step", lambda *a: body(*a, sign=-1))
    assert "beta1 and beta2 are swapped" in _message("ex05_adam_step", lambda *a: body(*a, swap=True))


def test_adam_may_use_ema_and_debias_but_not_adam():
    from adamcourse import Adam, debias, ema

    def with_helpers(theta, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + 1
        m, v = ema(m, grad, beta1), ema(v, grad**2, beta2)
        return theta - lr * debias(m, beta1, t) / (np.sqrt(debias(v, beta2, t)) + eps), m, v, t

    def with_class(theta, grad, m, v, t, lr, beta1, beta2, eps):
        opt = Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        return opt._update(theta, grad, t + 1, m, v) + (t + 1,)

    assert run_check("ex05_adam_step", with_helpers).passed
    message = _message("ex05_adam_step", with_class)
    assert "`Adam`" in message and "course's own answer" in message


def test_keras_step_size_betas_swapped():
    def keras_step_size(lr, beta1, beta2, t):
        return lr * math.sqrt(1 - beta1**t) / (1 - beta2**t)

    assert "beta1 and beta2 are swapped" in _message("ex05_keras_step_size", keras_step_size)


# --- Robustness: a check never crashes on a learner's bug ------------------------------------


def test_not_attempted_yet():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        raise NotImplementedError()

    assert "not attempted yet" in _message("ex05_adam_step", adam_step)


def test_an_exception_is_reported_with_the_call_not_raised():
    def rmsprop_step(theta, grad, v, lr, beta, eps):
        return theta - lr * grad / (np.sqrt(v) + eps), undefined_name  # noqa: F821

    message = _message("ex04_rmsprop_step", rmsprop_step)
    assert "NameError" in message and "rmsprop_step(theta=" in message


def test_forgotten_return():
    def ema_update(average, x, beta):
        beta * average + (1 - beta) * x

    assert "forget the `return`" in _message("ex02_ema_update", ema_update)


def test_unknown_mistake_still_shows_a_failing_case():
    def ema_update(average, x, beta):
        return average - x

    message = _message("ex02_ema_update", ema_update)
    assert "not in one of the usual ways" in message
    assert "expected:" in message and "you returned:" in message
    # which value differs, and by how much, on the case where the answer is furthest off
    assert "is the first returned value that differs" in message and "the reference's" in message


def test_not_a_function():
    assert "Pass the function itself" in _message("ex02_ema_update", 42)


def test_printed_feedback(capsys):
    checks.check_ema_update(lambda average, x, beta: beta * average + (1 - beta) * x)
    assert capsys.readouterr().out.startswith("✔")
    checks.check_ema_update(lambda average, x, beta: (1 - beta) * average + beta * x)
    out = capsys.readouterr().out
    assert out.startswith("✘") and "One failing case" in out


# --- Finding calls to the library: no false alarms -----------------------------------------------


def test_a_learners_own_function_named_like_the_library_is_not_flagged():
    namespace = {"np": np}
    exec(
        "def ema(a, x, beta):\n    return beta * a + (1 - beta) * x\n"
        "def ema_update(average, x, beta):\n    return ema(average, x, beta)\n",
        namespace,
    )
    assert forbidden_use("ex02_ema_update", namespace["ema_update"]) is None
    assert run_check("ex02_ema_update", namespace["ema_update"]).passed


def test_attribute_access_and_checks_reference_are_found():
    import adamcourse

    def via_attribute(average, x, beta):
        return adamcourse.ema(average, x, beta)

    def via_reference(average, x, beta):
        return checks.reference("ema_update")(average, x, beta)

    assert "`ema`" in forbidden_use("ex02_ema_update", via_attribute)
    assert forbidden_use("ex02_ema_update", via_reference) is not None


def test_two_values_as_an_array_are_accepted_and_a_wrong_order_is_named():
    def as_array(w, b, x, y):
        r = w * x + b - y
        return np.array([np.mean(r * x), np.mean(r)])

    def momentum_step(theta, grad, velocity, lr, beta):
        velocity = beta * velocity - lr * grad
        return velocity, theta + velocity

    assert run_check("ex01_minibatch_gradient", as_array).passed
    assert "in the wrong order: return (theta, velocity)" in _message("ex02_momentum_step", momentum_step)


def test_numerical_gradient_with_its_own_step_size():
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros_like(theta)
        for i in range(len(theta)):
            e = np.zeros_like(theta)
            e[i] = 1e-6  # ignores the h it was given
            grad[i] = (f(theta + e) - f(theta - e)) / 2e-6
        return grad

    assert "use the step h you are given" in _message("ex00_numerical_gradient", numerical_gradient)


def test_accumulating_in_place_is_caught():
    def adagrad_step(theta, grad, accum, lr, eps):
        accum += grad**2
        return theta - lr * grad / (np.sqrt(accum) + eps), accum

    message = _message("ex03_adagrad_step", adagrad_step)
    assert "`accum` in place" in message and "+=" in message


def test_missing_brackets_and_products_for_powers_are_named():
    def debias_average(average, beta, t):
        return average / 1 - beta**t

    def keras_step_size(lr, beta1, beta2, t):
        return lr * np.sqrt(1 - beta2 * t) / (1 - beta1 * t)

    assert "brackets are missing" in _message("ex04_debias_average", debias_average)
    assert "not the product beta * t" in _message("ex05_keras_step_size", keras_step_size)


def test_an_array_where_one_number_is_expected_suggests_averaging():
    def minibatch_gradient(w, b, x, y):
        r = w * x + b - y
        return r * x, r

    assert "should be a single number" in _message("ex01_minibatch_gradient", minibatch_gradient)


def test_all_coordinates_at_once_with_a_forward_difference():
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros_like(theta, dtype=float)
        for i in range(theta.size):
            grad[i] = (f(theta + h) - f(theta)) / h
        return grad

    assert "every coordinate at once" in _message("ex00_numerical_gradient", numerical_gradient)


def test_missing_brackets_around_the_denominator():
    def adagrad_step(theta, grad, accum, lr, eps):
        accum = accum + grad**2
        return theta - lr * grad / np.sqrt(accum) + eps, accum

    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return theta - lr * m_hat / np.sqrt(v_hat) + eps, m, v, t

    assert "brackets are missing" in _message("ex03_adagrad_step", adagrad_step)
    assert "brackets are missing" in _message("ex05_adam_step", adam_step)


def test_adam_power_outside_the_bracket():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1) ** t, v / (1 - beta2) ** t
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t

    assert "the power belongs to beta" in _message("ex05_adam_step", adam_step)


def test_momentum_theta_moved_against_the_velocity():
    def momentum_step(theta, grad, velocity, lr, beta):
        velocity = beta * velocity - lr * grad
        return theta - velocity, velocity

    assert "theta moved the wrong way" in _message("ex02_momentum_step", momentum_step)


# Mistakes a learner-pass reviewer made that the first version of the checks missed.


def test_numerical_gradient_missing_brackets_around_2h():
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros_like(theta, dtype=float)
        for i in range(theta.size):
            step = np.zeros_like(theta, dtype=float)
            step.flat[i] = h
            grad.flat[i] = (f(theta + step) - f(theta - step)) / 2 * h
        return grad

    assert "x / (2 * h)" in _message("ex00_numerical_gradient", numerical_gradient)


def test_momentum_returning_the_old_velocity():
    def momentum_step(theta, grad, velocity, lr, beta):
        return theta + beta * velocity - lr * grad, velocity

    assert "returned the OLD velocity" in _message("ex02_momentum_step", momentum_step)


def test_debias_power_outside_the_bracket():
    def debias_average(average, beta, t):
        return average / (1 - beta) ** t

    assert "the power belongs to beta" in _message("ex04_debias_average", debias_average)


def test_adam_storing_the_corrected_averages():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m = m / (1 - beta1**t)
        v = v / (1 - beta2**t)
        return theta - lr * m / (np.sqrt(v) + eps), m, v, t

    assert "returned the corrected averages" in _message("ex05_adam_step", adam_step)


def test_ema_arguments_in_the_wrong_order_are_explained():
    from adamcourse.optimizers import ema

    def rmsprop_step(theta, grad, v, lr, beta, eps):
        v = ema(grad**2, v, beta)
        return theta - lr * grad / (np.sqrt(v) + eps), v

    message = _message("ex04_rmsprop_step", rmsprop_step)
    assert "beta and 1 - beta are swapped" in message and "ema(average, x, beta)" in message


def test_an_answer_computed_in_float32_is_right_and_says_so():
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        theta, grad, m, v = (np.asarray(a, np.float32) for a in (theta, grad, m, v))
        t = t + 1
        m = np.float32(beta1) * m + np.float32(1 - beta1) * grad
        v = np.float32(beta2) * v + np.float32(1 - beta2) * grad**2
        step = (
            np.float32(lr) * (m / np.float32(1 - beta1**t)) / (np.sqrt(v / np.float32(1 - beta2**t)) + np.float32(eps))
        )
        return theta - step, m, v, t

    assert run_check("ex05_adam_step", adam_step).passed
    # Where float32's rounding shows (a few units in the 6th digit, after cancellation), the check says why.
    exercise = EXERCISES["ex05_adam_step"]
    args = exercise.cases()[1]
    theta, m, v, t = exercise.reference(*args)
    rounded = (np.float32(theta) * np.float32(1 + 4e-6), np.float32(m), np.float32(v), t)
    verdict = exercise.judge(args, rounded)
    assert verdict.passed and "right to float32 rounding" in verdict.message
    in_float64 = (theta * (1 + 4e-6), m, v, t)  # the same difference without float32 is a real one
    assert not exercise.judge(args, in_float64).passed

    # float32 rounding is not a licence for real mistakes: the same in float32 without bias correction is named
    def no_correction(theta, grad, m, v, t, lr, beta1, beta2, eps):
        theta, grad, m, v = (np.asarray(a, np.float32) for a in (theta, grad, m, v))
        m = np.float32(beta1) * m + np.float32(1 - beta1) * grad
        v = np.float32(beta2) * v + np.float32(1 - beta2) * grad**2
        return theta - np.float32(lr) * m / (np.sqrt(v) + np.float32(eps)), m, v, t + 1

    assert not run_check("ex05_adam_step", no_correction).passed


def test_an_unknown_mistake_says_which_value_differs_first_and_by_how_much():
    def momentum_step(theta, grad, velocity, lr, beta):
        velocity = beta * velocity - lr * grad
        return theta + velocity, velocity * 1.01

    message = run_check("ex02_momentum_step", momentum_step).message
    assert "`velocity` is the first returned value that differs" in message
    assert "yours is" in message and "the reference's" in message


def test_the_grader_reads_forbidden_names_but_not_the_learners_own():
    import ast

    from adamcourse.exercises.engine import forbidden_in_source

    exercise = EXERCISES["ex07_clip_by_global_norm"]
    own = ast.parse(
        "def clip_by_global_norm(grads, max_norm):\n"
        "    norm = np.sqrt(sum(np.sum(g**2) for g in grads))\n"
        "    return tuple(g * min(1.0, max_norm / norm) for g in grads)\n"
        "clip_by_global_norm((np.ones(2),), 1.0)  # trying it out"
    )
    assert forbidden_in_source(exercise, own) == []
    library = ast.parse(
        "from adamcourse.optimizers import clip_by_global_norm as clip\n"
        "def clip_by_global_norm(grads, max_norm):\n"
        "    return clip(grads, max_norm)[0]"
    )
    assert forbidden_in_source(exercise, library) == ["clip_by_global_norm"]


def test_arrays_changed_inside_a_tuple_of_gradients_are_caught():
    def clip_by_global_norm(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g**2) for g in grads))
        for g in grads:
            g *= min(1.0, max_norm / norm)  # clips the caller's gradients in place
        return grads

    verdict = run_check("ex07_clip_by_global_norm", clip_by_global_norm)
    assert verdict.outcome == "changed inputs" and "`grads`" in verdict.message
