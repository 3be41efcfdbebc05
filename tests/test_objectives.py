"""Objectives: every gradient against finite differences, every stated minimum
checked, the minibatch problems' solutions checked independently, and the
sparse-feature problem shown to favour AdaGrad."""

from __future__ import annotations

import numpy as np
import pytest

from adamcourse import (
    OBJECTIVES,
    SGD,
    AdaGrad,
    Momentum,
    Objective,
    get_objective,
    linear_regression,
    logistic_regression,
    run_minibatch,
    sigmoid_neuron,
    sparse_features,
)


def numerical_grad(f, x, h=1e-6):
    """Central differences, one coordinate at a time (independent of any analytic gradient)."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def _points_in(objective, count=8, seed=0):
    """Random points in the plotting window, plus the start point and the minima."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = objective.bounds
    random = np.stack([rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)], axis=1)
    return np.vstack([random, objective.start[None], objective.minima])


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_gradient_matches_finite_differences(name):
    objective = OBJECTIVES[name]
    for p in _points_in(objective):
        analytic = objective.grad(p)
        numeric = numerical_grad(objective.f, p)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * scale, err_msg=f"{name} at {p}")


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_objectives_evaluate_whole_grids(name):
    objective = OBJECTIVES[name]
    X, Y = np.meshgrid(np.linspace(*objective.bounds[0], 5), np.linspace(*objective.bounds[1], 4))
    values, grads = objective.f(np.stack([X, Y])), objective.grad(np.stack([X, Y]))
    assert values.shape == (4, 5) and grads.shape == (2, 4, 5)
    # the grid gives the same numbers as the points one by one
    assert values[2, 3] == pytest.approx(objective.f(np.array([X[2, 3], Y[2, 3]])), rel=1e-12)
    np.testing.assert_allclose(grads[:, 1, 4], objective.grad(np.array([X[1, 4], Y[1, 4]])), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_stated_minima_are_minima(name):
    objective = OBJECTIVES[name]
    assert len(objective.minima) >= 1
    for m in objective.minima:
        # himmelblau's three irrational minima are stated to 6 decimals
        assert objective.f(m) == pytest.approx(objective.f_min, abs=1e-9), f"f at {m}"
        assert np.abs(objective.grad(m)).max() < 1e-4, f"gradient at {m}"
        # nothing nearby is lower
        rng = np.random.default_rng(1)
        nearby = m[:, None] + 1e-3 * rng.normal(size=(2, 50))
        assert np.all(objective.f(nearby) >= objective.f_min - 1e-12)
    # nothing in the plotting window is lower either
    (x0, x1), (y0, y1) = objective.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201))
    assert objective.f(np.stack([X, Y])).min() >= objective.f_min - 1e-9


def test_start_points_lie_in_the_window():
    for objective in OBJECTIVES.values():
        (x0, x1), (y0, y1) = objective.bounds
        assert x0 <= objective.start[0] <= x1 and y0 <= objective.start[1] <= y1, objective.name


def test_hand_computed_values():
    assert get_objective("bowl")(np.array([0.8, 0.6])) == pytest.approx(1.0)
    assert get_objective("ravine")(np.array([-5.0, -2.0])) == pytest.approx(0.1 * 25 + 2 * 4)
    assert get_objective("rosenbrock")(np.array([0.0, 1.0])) == pytest.approx(1 + 100)
    assert get_objective("beale")(np.array([0.0, 0.0])) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert get_objective("himmelblau")(np.array([0.0, 0.0])) == pytest.approx(121 + 49)
    assert get_objective("saddle")(np.array([0.0, 0.0])) == 0.0
    np.testing.assert_allclose(get_objective("saddle").grad(np.array([0.0, 0.0])), [0.0, 0.0])


def test_sigmoid_neuron_is_seed_000s_toy():
    # The neuron fits its two points exactly: sigmoid(w x + b) = y at both.
    w, b = sigmoid_neuron.minima[0]
    out = 1 / (1 + np.exp(-(w * np.array([0.5, 2.5]) + b)))
    np.testing.assert_allclose(out, [0.2, 0.9], rtol=1e-12)
    # from (-4, -4) the neuron is saturated: a plateau with a tiny gradient
    assert np.linalg.norm(sigmoid_neuron.grad(sigmoid_neuron.start)) < 1e-2


def test_get_objective_by_name_or_object_and_unknown_names():
    assert get_objective("rosenbrock") is OBJECTIVES["rosenbrock"]
    assert get_objective(OBJECTIVES["bowl"]) is OBJECTIVES["bowl"]
    with pytest.raises(KeyError, match="unknown objective 'rosenbrok'.*rosenbrock"):
        get_objective("rosenbrok")


def test_points_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"shape \(2, \.\.\.\).*np.array\(\[x, y\]\)"):
        get_objective("bowl").f(np.zeros(3))


# --- minibatch problems --------------------------------------------------------

PROBLEMS = {
    "linear_regression": linear_regression,
    "logistic_regression": logistic_regression,
    "sparse_features": sparse_features,
}


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_minibatch_gradients_match_finite_differences(name):
    problem = PROBLEMS[name]()
    rng = np.random.default_rng(2)
    subsets = [None, np.arange(10), rng.choice(problem.n, size=7, replace=False), np.array([3])]
    for idx in subsets:
        for params in (problem.start, problem.solution + 0.3 * rng.normal(size=problem.start.shape)):
            analytic = problem.grad(params, idx)
            numeric = numerical_grad(lambda p: problem.loss(p, idx), params)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=f"{name}, idx={idx}")


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_minibatch_gradient_is_the_mean_of_per_example_gradients(name):
    problem = PROBLEMS[name]()
    idx = np.array([5, 17, 42, 99])
    per_example = [problem.grad(problem.start, np.array([i])) for i in idx]
    np.testing.assert_allclose(problem.grad(problem.start, idx), np.mean(per_example, axis=0), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_minibatch_solution_has_zero_gradient(name):
    problem = PROBLEMS[name]()
    assert np.abs(problem.grad(problem.solution)).max() < 1e-9
    # and it is better than the start
    assert problem.loss(problem.solution) < problem.loss(problem.start)


def test_linear_regression_solution_matches_polyfit():
    problem = linear_regression(n=50, w=2.0, b=-1.0, seed=3)
    w, b = np.polyfit(problem.X[:, 0], problem.y, 1)
    np.testing.assert_allclose(problem.solution, [w, b], rtol=1e-10)


def test_minibatch_problems_are_seeded():
    a, b, c = logistic_regression(seed=4), logistic_regression(seed=4), logistic_regression(seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_two_parameter_problems_draw_as_objectives():
    problem = linear_regression()
    objective = problem.as_objective()
    assert isinstance(objective, Objective)
    p = np.array([0.5, 0.25])
    assert objective.f(p) == pytest.approx(problem.loss(p))
    np.testing.assert_allclose(objective.minima[0], problem.solution)
    assert objective.f_min == pytest.approx(problem.loss(problem.solution))
    with pytest.raises(ValueError, match="only 2-parameter problems"):
        sparse_features().as_objective()


def test_weight_error_is_the_rms_distance_to_the_solution():
    problem = linear_regression()
    w, b = problem.solution
    # off by 3 in w and 4 in b: RMS = sqrt((9 + 16) / 2)
    assert problem.weight_error(np.array([w + 3, b - 4])) == pytest.approx(np.sqrt(12.5))
    assert problem.weight_error(np.array([w + 3, b - 4]), idx=[1]) == pytest.approx(4.0)
    with pytest.raises(ValueError, match=r"params must have shape \(2,\)"):
        problem.weight_error(np.zeros(3))


def test_sparse_features_has_frequent_and_exactly_counted_rare_features():
    problem = sparse_features(n=1000, n_frequent=8, n_rare=32, rare_count=5)
    assert problem.X.shape == (1000, 40)
    counts = problem.X.sum(axis=0)
    assert np.all(counts[8:] == 5)
    assert np.all((counts[:8] > 400) & (counts[:8] < 600))
    # the weights are identifiable: least squares recovers the true weights 1
    np.testing.assert_allclose(problem.solution[:8], 1.0, atol=0.05)
    np.testing.assert_allclose(problem.solution[8:], 1.0, atol=0.2)


def _best_weight_error(make, problem, grid):
    errors = []
    for lr in grid:
        run = run_minibatch(make(lr), problem, epochs=1, batch_size=10, seed=0)
        errors.append(np.inf if run.diverged_at is not None else problem.weight_error(run.final_point))
    best = int(np.argmin(errors))
    return errors[best], grid[best]


def test_adagrad_clearly_wins_on_sparse_features():
    """Each optimizer at its best lr from one grid, one pass, batches of 10:
    AdaGrad ends with weights at least 2x closer to the solution (the measure
    the AdaGrad lesson shows)."""
    problem = sparse_features()
    grid = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    sgd, sgd_lr = _best_weight_error(lambda lr: SGD(lr=lr), problem, grid)
    momentum, momentum_lr = _best_weight_error(lambda lr: Momentum(lr=lr), problem, grid)
    adagrad, adagrad_lr = _best_weight_error(lambda lr: AdaGrad(lr=lr), problem, grid)
    # the best lrs are inside the grid, not at its edge (else the grid was unfair)
    assert grid[0] < sgd_lr < grid[-1] and grid[0] < momentum_lr < grid[-1] and grid[0] < adagrad_lr < grid[-1]
    assert adagrad * 2 <= sgd, (adagrad, sgd)
    assert adagrad * 2 <= momentum, (adagrad, momentum)
    # most of the gap is in the rare weights, which is the point of the lesson
    rare = slice(8, None)
    sgd_run = run_minibatch(SGD(lr=sgd_lr), problem, epochs=1, batch_size=10, seed=0)
    adagrad_run = run_minibatch(AdaGrad(lr=adagrad_lr), problem, epochs=1, batch_size=10, seed=0)
    assert problem.weight_error(adagrad_run.final_point, rare) * 4 <= problem.weight_error(sgd_run.final_point, rare)
