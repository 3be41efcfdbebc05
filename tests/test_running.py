"""Runs: what a trajectory holds, determinism, minibatches, divergence."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from adamcourse import (
    SGD,
    Adam,
    Momentum,
    Trajectory,
    compare,
    get_objective,
    linear_regression,
    logistic_regression,
    run,
    run_minibatch,
)


def test_run_records_every_step():
    trajectory = run(SGD(lr=0.1), "bowl", steps=25)
    assert isinstance(trajectory, Trajectory)
    assert trajectory.points.shape == (26, 2)
    assert trajectory.losses.shape == trajectory.grad_norms.shape == (26,)
    assert len(trajectory.states) == 25 and [s.t for s in trajectory.states] == list(range(1, 26))
    assert trajectory.steps == 25 and trajectory.diverged_at is None
    assert trajectory.label == "SGD(lr=0.1)" and trajectory.objective == "bowl"
    assert trajectory.optimizer == SGD(lr=0.1)
    # on x**2 + y**2, gradient descent multiplies the point by (1 - 2 lr) each step
    start = np.array([0.8, 0.6])
    expected = start * 0.8 ** np.arange(26)[:, None]
    np.testing.assert_allclose(trajectory.points, expected, rtol=1e-12)
    np.testing.assert_allclose(trajectory.losses, 0.8 ** (2 * np.arange(26)), rtol=1e-12)
    np.testing.assert_allclose(trajectory.grad_norms, 2 * 0.8 ** np.arange(26), rtol=1e-12)
    assert trajectory.final_loss == pytest.approx(0.8**50)
    np.testing.assert_array_equal(trajectory.final_point, trajectory.points[-1])
    assert "25 steps" in repr(trajectory)


def test_run_takes_a_start_point_a_label_and_an_objective_object():
    objective = get_objective("rosenbrock")
    trajectory = run(Adam(lr=0.1), objective, x0=[0.0, 0.0], steps=3, label="mine")
    np.testing.assert_array_equal(trajectory.points[0], [0.0, 0.0])
    assert trajectory.label == "mine"
    assert trajectory.losses[0] == 1.0  # (1 - 0)**2 + 100 (0 - 0)**2


def test_zero_steps_is_just_the_start():
    trajectory = run(Adam(), "beale", steps=0)
    assert trajectory.points.shape == (1, 2) and trajectory.states == ()


def test_runs_are_deterministic():
    a, b = run(Adam(lr=0.05), "himmelblau", steps=50), run(Adam(lr=0.05), "himmelblau", steps=50)
    np.testing.assert_array_equal(a.points, b.points)


def test_divergence_is_recorded_not_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings leak out either
        growing = run(SGD(lr=0.6), "ravine", steps=200)  # |1 - 4 lr| > 1 in the steep direction
        overflowing = run(SGD(lr=0.2), "rosenbrock", steps=100)
    assert growing.diverged_at is not None and 1 < growing.diverged_at < 200
    assert len(growing.points) == growing.diverged_at + 1
    assert np.all(np.isfinite(growing.points))
    assert "diverged at step" in repr(growing)
    assert overflowing.diverged_at is not None and overflowing.diverged_at <= 5
    assert len(overflowing.points) <= overflowing.diverged_at + 1


def test_compare_runs_each_optimizer_from_the_same_start():
    trajectories = compare([SGD(lr=0.01), Momentum(lr=0.01), Adam(lr=0.1)], "ravine", steps=10)
    assert [t.label for t in trajectories] == ["SGD()", "Momentum()", "Adam(lr=0.1)"]
    for t in trajectories:
        np.testing.assert_array_equal(t.points[0], get_objective("ravine").start)
        assert t.steps == 10


# --- minibatches -------------------------------------------------------------------


def test_minibatch_run_shapes():
    problem = linear_regression(n=200)
    trajectory = run_minibatch(SGD(lr=0.1), problem, epochs=3, batch_size=30, seed=0)
    steps = 3 * 7  # ceil(200 / 30) = 7 batches per epoch, the last one smaller
    assert trajectory.points.shape == (steps + 1, 2)
    assert trajectory.losses.shape == trajectory.grad_norms.shape == (steps + 1,)
    assert len(trajectory.states) == steps
    # losses are full-data losses, so runs with different batch sizes compare fairly
    for k in (0, 5, steps):
        assert trajectory.losses[k] == pytest.approx(problem.loss(trajectory.points[k]))


def test_minibatch_steps_follow_the_seeded_order():
    problem = linear_regression()
    trajectory = run_minibatch(SGD(lr=0.1), problem, epochs=1, batch_size=10, seed=7)
    order = np.random.default_rng(7).permutation(problem.n)
    x1 = problem.start - 0.1 * problem.grad(problem.start, order[:10])
    x2 = x1 - 0.1 * problem.grad(x1, order[10:20])
    np.testing.assert_allclose(trajectory.points[1:3], [x1, x2], rtol=1e-14)


def test_minibatch_runs_are_deterministic_under_a_seed():
    problem = logistic_regression()
    a = run_minibatch(Adam(lr=0.05), problem, epochs=2, batch_size=8, seed=3)
    b = run_minibatch(Adam(lr=0.05), problem, epochs=2, batch_size=8, seed=3)
    c = run_minibatch(Adam(lr=0.05), problem, epochs=2, batch_size=8, seed=4)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.points[1:], c.points[1:])


def test_full_batch_is_gradient_descent():
    problem = linear_regression()
    full = run_minibatch(SGD(lr=0.3), problem, epochs=20, batch_size=problem.n, seed=1)
    x, points = problem.start, [problem.start]
    for _ in range(20):
        x = x - 0.3 * problem.grad(x)
        points.append(x)
    # the same mean over a shuffled order: equal up to rounding
    np.testing.assert_allclose(full.points, points, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        full.points, run(SGD(lr=0.3), problem.as_objective(), steps=20).points, rtol=1e-12, atol=1e-14
    )


def test_small_batches_are_noisy_but_get_there():
    problem = linear_regression()
    noisy = run_minibatch(SGD(lr=0.05), problem, epochs=10, batch_size=5, seed=0)
    assert noisy.diverged_at is None
    assert problem.weight_error(noisy.final_point) < 0.1
    # the noise: the loss does not go down at every step
    assert np.any(np.diff(noisy.losses) > 0)


def test_minibatch_divergence_is_recorded_not_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trajectory = run_minibatch(SGD(lr=50.0), linear_regression(), epochs=5, batch_size=10)
    assert trajectory.diverged_at is not None
    assert len(trajectory.points) <= trajectory.diverged_at + 1


def test_seed_000_toy_adam_walks_off_the_plateau_where_sgd_stalls():
    """One saturated sigmoid neuron, seed 000's settings (lr=0.01, beta1=0.9,
    beta2=0.99, 100 steps): the gradient is tiny, so SGD barely moves, while
    Adam's normalised steps are about lr each, about 100 * 0.01 = 1 in all."""
    adam = run(Adam(lr=0.01, beta1=0.9, beta2=0.99), "sigmoid_neuron", steps=100)
    sgd = run(SGD(lr=0.01), "sigmoid_neuron", steps=100)
    adam_moved = np.abs(adam.final_point - adam.points[0])
    sgd_moved = np.abs(sgd.final_point - sgd.points[0])
    assert np.all((adam_moved > 0.9) & (adam_moved < 1.5)), adam_moved
    assert np.all(sgd_moved < 1e-3), sgd_moved
    assert adam.final_loss < sgd.final_loss


# --- learning-rate sweeps ----------------------------------------------------------------


def test_steps_to_settle_counts_from_the_last_time_the_loss_was_too_high():
    from adamcourse.running import steps_to_settle

    # Bowl from (0.8, 0.6), loss 1: SGD(lr=0.25) halves the point each step, so the
    # loss is 1, 1/4, 1/16, 1/64, 1/256 = 0.0039...: within 0.01 from step 4 on.
    assert steps_to_settle(run(SGD(lr=0.25), "bowl", steps=10)) == 4
    # lr=1 maps p to -p: the loss stays 1 and never settles; lr=0.5 jumps to 0 at once.
    assert steps_to_settle(run(SGD(lr=1.0), "bowl", steps=10)) is None
    assert steps_to_settle(run(SGD(lr=0.5), "bowl", steps=10)) == 1
    # Passing close and flying on does not count: a made-up loss history.
    tr = run(SGD(lr=0.25), "bowl", steps=4)
    bounced = Trajectory(
        tr.label, tr.points, np.array([1.0, 0.001, 0.5, 0.005, 0.002]), tr.grad_norms, tr.states, None, "bowl"
    )
    assert steps_to_settle(bounced) == 3
    assert steps_to_settle(run(SGD(lr=1.5), "bowl", steps=50)) is None  # diverged


def test_lr_sweep_finds_the_fastest_learning_rate_and_the_range_that_works():
    from adamcourse.running import Sweep, lr_sweep

    sweep = lr_sweep(SGD, "bowl", [0.01, 0.25, 0.5, 1.0, 1.5], steps=30)
    assert isinstance(sweep, Sweep) and sweep.label == "SGD" and sweep.objective == "bowl"
    # lr=0.01 shrinks the loss by 0.98**2 per step: 0.96**30 = 0.29, not there in 30 steps;
    # lr=1.5 doubles the point each step, past 1e8 (a blow-up) after 27 steps.
    assert sweep.steps == (None, 4, 1, None, None)
    assert sweep.diverged == (False, False, False, False, True)
    assert sweep.best_lr == 0.5 and sweep.best_steps == 1
    assert sweep.working_lrs == (0.25, 0.5)
    assert sweep.final_losses[-1] == np.inf and sweep.final_losses[3] == pytest.approx(1.0)
    momentum = lr_sweep(lambda lr: Momentum(lr=lr, beta=0.5), "bowl", [0.1], steps=50, label="heavy ball")
    assert momentum.label == "heavy ball" and momentum.best_lr == 0.1
    with pytest.raises(TypeError, match="must return an optimizer"):
        lr_sweep(lambda lr: lr, "bowl", [0.1])
    with pytest.raises(ValueError, match="at least one learning rate"):
        lr_sweep(SGD, "bowl", [])
