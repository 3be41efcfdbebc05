"""Lesson 07 (Adam in practice): its exercises, its experiments, its explorer and its notebook.

The exercises' references are checked on hand-worked values and against
Keras and PyTorch; learner-style wrong answers, written here independently of
adamcourse.exercises.lesson07, must be named. The experiments behind the
notebook's claims are checked on the numbers the text relies on.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import test_notebooks as contract

from adamcourse import Adam, AdamW, checks, practice
from adamcourse.checks import run_check
from adamcourse.schedules import CosineDecay, LinearWarmup

LESSON = "07_adam_in_practice"


def _message(name, fn):
    verdict = run_check(name, fn)
    assert not verdict.passed
    return verdict.message


# --- The references, by hand and against the frameworks -------------------------------------


def test_references_on_hand_computed_values():
    ref = checks.reference
    # AdamW, first step from zero: decay 1 * (1 - 0.1 * 0.5) = 0.95; m_hat = g, v_hat = g**2, so the
    # Adam step is 0.1 * 2 / (2 + 0.1); m = 0.1 * 2, v = 0.001 * 4
    theta, m, v, t = ref("adamw_step")(1.0, 2.0, 0.0, 0.0, 0, 0.1, 0.9, 0.999, 0.1, 0.5)
    assert (theta, m, v, t) == pytest.approx((0.95 - 0.2 / 2.1, 0.2, 0.004, 1))
    # warmup 4, cosine 10 from 0.1 to 0.02: step 0 -> 0, step 1 -> 0.1 / 4, step 4 -> the peak,
    # step 9 (halfway down) -> 0.02 + 0.08 / 2, step 14 and later -> 0.02
    lr = ref("warmup_cosine")
    assert [lr(k, 0.1, 4, 10, 0.02) for k in (0, 1, 4, 9, 14, 100)] == pytest.approx([0, 0.025, 0.1, 0.06, 0.02, 0.02])
    # global norm of (3, 4) and (12) is 13: clipped to 6.5 it is halved; at 20 it is unchanged
    W, b = np.array([[3.0], [4.0]]), np.array([12.0])
    got = ref("clip_by_global_norm")((W, b), 6.5)
    assert np.allclose(got[0], W / 2) and np.allclose(got[1], b / 2)
    got = ref("clip_by_global_norm")((W, b), 20.0)
    assert np.array_equal(got[0], W) and np.array_equal(got[1], b)


def test_adamw_step_is_the_librarys_adamw_and_torchs():
    rng = np.random.default_rng(0)
    theta, grads = rng.normal(size=5), rng.normal(size=(8, 5))
    step = checks.reference("adamw_step")
    mine, m, v, t = theta, np.zeros(5), np.zeros(5), 0
    library = AdamW.like_torch(lr=0.05, weight_decay=0.3)
    ours, state = theta, library.init(theta)
    for g in grads:
        mine, m, v, t = step(mine, g, m, v, t, 0.05, 0.9, 0.999, 1e-8, 0.3)
        ours, state = library.step(ours, g, state)
    np.testing.assert_allclose(mine, ours, rtol=1e-12)
    torch = pytest.importorskip("torch")
    p = torch.tensor(theta, requires_grad=True)
    optimizer = torch.optim.AdamW([p], lr=0.05, weight_decay=0.3)
    for g in grads:
        p.grad = torch.tensor(g)
        optimizer.step()
    np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("warmup, decay, peak, floor", [(10, 40, 0.01, 0.001), (1, 7, 0.5, 0.0), (25, 100, 3e-4, 3e-5)])
def test_warmup_cosine_is_keras_cosine_decay_with_warmup_at_every_step(warmup, decay, peak, floor):
    keras = pytest.importorskip("keras")
    theirs = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=decay, alpha=floor / peak, warmup_target=peak, warmup_steps=warmup
    )
    lr = checks.reference("warmup_cosine")
    steps = range(warmup + decay + 20)
    ours = [lr(k, peak, warmup, decay, floor) for k in steps]
    np.testing.assert_allclose(ours, [float(theirs(k)) for k in steps], rtol=2e-6, atol=1e-12)  # Keras: float32
    library = LinearWarmup(steps=warmup, then=CosineDecay(lr=peak, decay_steps=decay, min_lr=floor))
    np.testing.assert_allclose(ours, [library(k) for k in steps], rtol=1e-12)
    assert ours[0] == 0 and ours[warmup] == pytest.approx(peak) and ours[-1] == pytest.approx(floor)


def test_warmup_cosine_is_torchs_schedulers_after_the_warmup():
    """PyTorch: LinearLR for the warmup, then CosineAnnealingLR, switched by SequentialLR (PyTorch
    needs a warmup that starts above 0, so the first update is compared from step 1 on)."""
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    warmup, decay, peak = 5, 20, 0.1
    optimizer = torch.optim.SGD([p], lr=peak)
    scheduler = torch.optim.lr_scheduler.SequentialLR(
        optimizer,
        [
            torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1e-9, end_factor=1.0, total_iters=warmup),
            torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=decay, eta_min=0.0),
        ],
        milestones=[warmup],
    )
    seen = []
    for _ in range(warmup + decay):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    lr = checks.reference("warmup_cosine")
    np.testing.assert_allclose(
        seen[1:], [lr(k, peak, warmup, decay, 0.0) for k in range(1, warmup + decay)], rtol=1e-6, atol=1e-9
    )


def test_clip_by_global_norm_is_keras_and_torch():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    grads = (rng.normal(scale=4.0, size=(3, 2)).astype(np.float32), rng.normal(size=2).astype(np.float32))
    mine = checks.reference("clip_by_global_norm")(grads, 1.5)
    weights = [keras.Variable(np.zeros_like(g)) for g in grads]
    keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=1.5).apply_gradients(zip(grads, weights))
    for a, w in zip(mine, weights):
        np.testing.assert_allclose(a, -w.numpy(), rtol=1e-6)
    torch = pytest.importorskip("torch")
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g, dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_(tensors, 1.5)
    for a, t in zip(mine, tensors):
        np.testing.assert_allclose(a, t.grad.numpy(), rtol=1e-5)  # PyTorch adds 1e-6 to the norm


# --- Learner-style wrong answers are named ----------------------------------------------------


def test_l2_in_the_gradient_instead_of_decoupled_decay():
    def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        grad = grad + weight_decay * theta
        t += 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        return theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v, t

    assert "L2 regularisation" in _message("adamw_step", adamw_step)


def test_decay_after_the_step_and_without_lr():
    def after(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        theta = theta - lr * m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps)
        return theta - lr * weight_decay * theta, m, v, t

    assert "after the Adam step" in _message("adamw_step", after)

    def without_lr(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        theta = theta - weight_decay * theta
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        return theta - lr * m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v, t

    assert "not scaled by lr" in _message("adamw_step", without_lr)


def test_adamw_step_may_use_ema_but_not_adamw():
    from adamcourse import debias, ema

    def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        theta = theta * (1 - lr * weight_decay)
        t = t + 1
        m, v = ema(m, grad, beta1), ema(v, grad**2, beta2)
        return theta - lr * debias(m, beta1, t) / (np.sqrt(debias(v, beta2, t)) + eps), m, v, t

    assert run_check("adamw_step", adamw_step).passed

    def lazy(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        return AdamW(lr=lr, weight_decay=weight_decay).step(theta, grad, AdamW().init(theta))

    verdict = run_check("adamw_step", lazy)
    assert verdict.outcome == "forbidden" and "`AdamW`" in verdict.message


def test_warmup_off_by_one_and_cosine_over_the_wrong_range():
    def off_by_one(step, peak_lr, warmup_steps, decay_steps, min_lr):
        if step < warmup_steps:
            return peak_lr * (step + 1) / warmup_steps  # counting updates from 1
        s = min(step - warmup_steps, decay_steps)
        return min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * s / decay_steps))

    assert "off by one" in _message("warmup_cosine", off_by_one)

    def from_zero(step, peak_lr, warmup_steps, decay_steps, min_lr):
        if step < warmup_steps:
            return peak_lr * step / warmup_steps
        return min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * min(step, decay_steps) / decay_steps))

    assert "measured from step 0" in _message("warmup_cosine", from_zero)

    def whole_run(step, peak_lr, warmup_steps, decay_steps, min_lr):  # decay_steps as the total length
        if step < warmup_steps:
            return peak_lr * step / warmup_steps
        progress = min(1.0, (step - warmup_steps) / (decay_steps - warmup_steps))
        return min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))

    assert "length of the whole schedule" in _message("warmup_cosine", whole_run)

    def no_floor_after_the_end(step, peak_lr, warmup_steps, decay_steps, min_lr):
        if step < warmup_steps:
            return peak_lr * step / warmup_steps
        return min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * (step - warmup_steps) / decay_steps))

    assert "climbs back up" in _message("warmup_cosine", no_floor_after_the_end)


def test_warmup_cosine_using_keras_is_forbidden():
    def warmup_cosine(step, peak_lr, warmup_steps, decay_steps, min_lr):
        import keras

        return float(
            keras.optimizers.schedules.CosineDecay(
                0.0, decay_steps, alpha=min_lr / peak_lr, warmup_target=peak_lr, warmup_steps=warmup_steps
            )(step)
        )

    assert run_check("warmup_cosine", warmup_cosine).outcome == "forbidden"


def test_clipping_each_array_alone_and_scaling_short_gradients_up():
    def per_tensor(grads, max_norm):
        return tuple(g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads)

    assert "its own norm" in _message("clip_by_global_norm", per_tensor)

    def always(grads, max_norm):
        norm = np.sqrt(sum((g**2).sum() for g in grads))
        return tuple(g * max_norm / norm for g in grads)

    assert "scaled up" in _message("clip_by_global_norm", always)

    def right(grads, max_norm):
        norm = np.sqrt(sum((g**2).sum() for g in grads))
        return [g * min(1.0, max_norm / norm) for g in grads]  # a list is as good as a tuple

    assert run_check("clip_by_global_norm", right).passed


def test_clip_with_the_librarys_function_is_forbidden():
    from adamcourse import clip_by_global_norm as library_clip

    def clip_by_global_norm(grads, max_norm):
        clipped, _ = library_clip({"W": grads[0], "b": grads[1]}, max_norm)
        return clipped["W"], clipped["b"]

    assert run_check("clip_by_global_norm", clip_by_global_norm).outcome == "forbidden"


# --- The experiments behind the notebook's claims ---------------------------------------------


def test_decay_race_l2_decays_large_gradient_weights_least_adamw_all_alike():
    scales = [0.01, 0.1, 1.0, 10.0]
    l2 = practice.decay_race(Adam(lr=0.01, l2=0.1), scales, steps=1000)
    decoupled = practice.decay_race(AdamW(lr=0.01, weight_decay=0.1), scales, steps=1000)
    assert l2.shape == decoupled.shape == (1001, 4) and np.all(l2[0] == 1.0)
    assert np.all(np.diff(np.abs(l2[-1])) > 0)  # the larger the gradients, the less L2 decays a weight
    # Adam's step on gradients +-s does not depend on s, so with decoupled decay the weights stay equal
    np.testing.assert_allclose(decoupled[-1], decoupled[-1, 0], rtol=1e-5)
    # ... and follow (1 - lr * wd)**k up to Adam's own first step of lr
    assert abs(decoupled[-1, 0] - (1 - 1e-3) ** 1000) < 0.01


def test_noise_statistics_first_step_is_a_full_step_and_the_spread_shrinks():
    noise = practice.noise_statistics(steps=200, weights=4000)
    assert noise.t[0] == 1 and noise.mean_step(1) == pytest.approx(1.0)  # m_hat / sqrt(v_hat) = g / |g| at t = 1
    assert noise.median[0] == pytest.approx(0.674, abs=0.03)  # the median of |N(0, 1)|
    spreads = [noise.spread(t) for t in (1, 2, 5, 10, 100, 200)]
    assert spreads == sorted(spreads, reverse=True) and spreads[0] > 10 and spreads[-2] < 1.5
    assert np.all(np.diff(noise.t) > 0) and noise.t[-1] == 200
    unmeasured = next(t for t in range(1, 201) if t not in noise.t)
    with pytest.raises(KeyError, match="was not measured"):
        noise.spread(unmeasured)


def test_scripted_run_first_step_and_the_cost_of_one_spike():
    assert practice.scripted_run(Adam(lr=0.1), [5.0, 5.0])[1] == pytest.approx(-0.1)  # lr * sign(g)
    steady = np.ones(3000)
    spiked = steady.copy()
    spiked[999] = -1000.0
    clean = practice.scripted_run(Adam(lr=0.01), steady)[-1]
    hurt = practice.scripted_run(Adam(lr=0.01), spiked)[-1]
    clipped = practice.scripted_run(Adam(lr=0.01, global_clipnorm=5.0), spiked)[-1]
    assert (hurt - clean) / 0.01 > 1500  # more than 1500 steps of progress lost
    assert abs(clipped - clean) / 0.01 < 50


def test_online_counterexample_lesson_05s_case_and_amsgrad():
    # lesson 05: beta1 = 0, beta2 = 0.1, a period of 3, lr 0.1: Adam ends at +1, AMSGrad at -1
    adam = practice.online_counterexample(Adam(lr=0.1, beta1=0.0, beta2=0.1), [3], steps=600)
    ams = practice.online_counterexample(Adam(lr=0.1, beta1=0.0, beta2=0.1, amsgrad=True), [3], steps=600)
    assert adam[-300:].mean() > 0.9 and ams[-300:].mean() < -0.9
    with pytest.raises(ValueError, match="whole numbers >= 2"):
        practice.online_counterexample(Adam(), [1], steps=10)


@pytest.mark.slow
def test_online_counterexample_with_the_default_beta2_needs_periods_of_thousands():
    """The notebook says: with beta2 = 0.999 the threshold is a few thousand steps (AMSGrad: none)."""
    periods = [1000, 6000]
    steps = 4 * max(periods)
    adam = practice.online_counterexample(Adam(lr=0.05, beta2=0.999), periods, steps)
    ams = practice.online_counterexample(Adam(lr=0.05, beta2=0.999, amsgrad=True), periods, steps)
    ends = [path[-p:, j].mean() for path in (adam, ams) for j, p in enumerate(periods)]
    assert ends[0] < 0 < ends[1], ends  # Adam: right side at 1000, wrong side at 6000
    assert ends[2] < 0 and ends[3] < 0, ends  # AMSGrad: right side at both


def test_recipe_schedule_spans_the_training_and_goes_to_keras():
    keras = pytest.importorskip("keras")
    recipe = practice.recipe(4000, batch_size=125)  # 2 epochs of 32 batches: 64 updates, 6 of them warmup
    lr = recipe.numpy_optimizer.lr
    assert recipe.batch_size == 125 and isinstance(recipe.numpy_optimizer, AdamW)
    assert lr.steps == 6 and lr.then.decay_steps == 58
    assert lr(0) == 0 and lr(6) == pytest.approx(practice.RECIPE_SETTINGS["peak_lr"]) and lr(64) == 0
    optimizer = recipe.optimizer()  # the Keras twin runs the same schedule
    assert isinstance(optimizer, keras.optimizers.Optimizer) and optimizer.global_clipnorm == 1.0
    schedule = optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule)
    steps = (0, 3, 6, 30, 63)
    assert [float(schedule(k)) for k in steps] == pytest.approx([lr(k) for k in steps], rel=1e-6, abs=1e-9)
    with pytest.raises(ValueError, match="no room after a warmup"):
        practice.recipe(100, warmup_fraction=0.9, epochs=1, batch_size=100)


def test_plot_clipping_draws_the_three_arrows():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert practice.plot_clipping([3.0, 1.2], 2.0, ax=ax) is ax
    heads = [a.xy for a in ax.texts]
    assert np.allclose(heads[0], (3.0, 1.2))  # the gradient
    assert np.allclose(np.hypot(*heads[1]), 2.0) and np.allclose(heads[1][1] / heads[1][0], 0.4)  # same direction
    assert np.allclose(heads[2], (2.0, 1.2))  # W clipped alone, b already short: turned
    plt.close(fig)


# --- The notebook keeps the lessons' contract ----------------------------------------------------


def test_notebook_template_exercises_and_checked_outputs():
    contract.test_template_title_time_badge_and_setup(LESSON)
    contract.test_exercises_follow_the_nbgrader_contract(LESSON)
    contract.test_check_output_cells_print_something(LESSON)
    contract.test_later_cells_do_not_use_the_learners_functions(LESSON)
    ids = [s.metadata["nbgrader"]["grade_id"] for s, _, _ in contract.exercise_cells(contract.read(LESSON))]
    assert ids == ["ex07_adamw_step", "ex07_warmup_cosine", "ex07_clip_by_global_norm"]

    # (tests/test_student_copies.py runs the student copy top to bottom, as every lesson's)


# --- The schedule explorer, headless -------------------------------------------------------------


def test_make_schedule_shapes_start_at_the_peak_after_the_warmup():
    from adamcourse.schedule_explorer import ScheduleSettings, make_schedule

    for shape in ("constant", "cosine", "exponential", "step"):
        s = ScheduleSettings(shape=shape, peak_lr=0.2, warmup=0.1, batch_size=10, epochs=10)  # 200 updates, 20 warmup
        schedule = make_schedule(s)
        assert schedule(0) == 0 and schedule(10) == pytest.approx(0.1) and schedule(20) == pytest.approx(0.2)
        end = schedule(199)
        assert end == pytest.approx(0.2) if shape == "constant" else end < 0.01
    assert make_schedule(ScheduleSettings(shape="cosine", warmup=0.0))(0) == pytest.approx(0.3)


def test_schedule_settings_refuse_bad_values_with_the_fix():
    from adamcourse.schedule_explorer import ScheduleSettings, schedule_explorer

    with pytest.raises(ValueError, match="shape must be one of"):
        ScheduleSettings(shape="linear")
    with pytest.raises(ValueError, match="peak_lr must be a number from"):
        ScheduleSettings(peak_lr=5.0)
    with pytest.raises(ValueError, match="warmup is a fraction"):
        ScheduleSettings(warmup=20)
    with pytest.raises(ValueError, match="batch_size must be one of"):
        ScheduleSettings(batch_size=7)
    with pytest.raises(TypeError, match="unknown setting"):
        schedule_explorer(lr=0.1)


def test_the_decay_settles_closer_than_the_constant_peak():
    from adamcourse.schedule_explorer import ScheduleSettings, runs

    scheduled, constant = runs(ScheduleSettings(shape="cosine", peak_lr=0.3, batch_size=10, epochs=10))
    assert scheduled.steps == constant.steps == 200
    assert scheduled.losses[-50:].mean() < constant.losses[-50:].mean()
    assert callable(scheduled.optimizer.lr) and constant.optimizer.lr == 0.3


def test_schedule_explorer_redraws_when_a_control_moves(capsys):
    pytest.importorskip("ipywidgets")
    from adamcourse.schedule_explorer import schedule_explorer

    ex = schedule_explorer(epochs=5)
    capsys.readouterr()  # the "no notebook here" message
    first = bytes(ex.image.value)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and ex.redraws == 1
    lr_line = ex.figure.axes[0].lines[1]
    assert lr_line.get_ydata()[0] == 0  # a warmup starts at 0
    ex.controls["warmup"].value = 0.0
    assert ex.redraws == 2 and ex.figure.axes[0].lines[1].get_ydata()[0] == pytest.approx(0.3)
    ex.controls["shape"].value = "step"
    ex.controls["peak_lr"].value = 0.1
    ex.controls["batch_size"].value = 2
    assert ex.redraws == 5 and ex.settings().batch_size == 2
    assert ex.trajectories[0].steps == 5 * 100 and ex.trajectories[1].optimizer.lr == pytest.approx(0.1)
    assert bytes(ex.image.value) != first
    assert "updates" in ex.status.value
    bundle = ex._repr_mimebundle_()
    assert "image/png" in bundle and "Schedule explorer" in bundle["text/plain"]


def test_without_ipywidgets_the_explorer_says_how_to_install_and_returns_the_figure(monkeypatch, capsys):
    import builtins

    from matplotlib.figure import Figure

    from adamcourse.schedule_explorer import schedule_explorer

    real_import = builtins.__import__

    def no_ipywidgets(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError("no ipywidgets")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipywidgets)
    figure = schedule_explorer(epochs=2)
    assert isinstance(figure, Figure) and "pip install ipywidgets" in capsys.readouterr().out
