"""The optimizers: hand-computed steps, invariants, convergence, and the promises
of the interface (inputs never mutated, float32 stays float32, frozen state).

Expected values are worked out here with plain Python floats, never with the
library, so a wrong update rule cannot agree with itself.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from adamcourse import SGD, AdaGrad, Adam, AdamW, Momentum, RMSProp, debias, ema, get_objective, run
from adamcourse.optimizers import _BLOCK, ALL_OPTIMIZERS


def two_steps(opt, x0, g1, g2):
    """Two steps on one number; returns (x1, x2, state after step 2)."""
    state = opt.init(np.array([x0]))
    x1, state = opt.step(np.array([x0]), np.array([g1]), state)
    x2, state = opt.step(x1, np.array([g2]), state)
    return float(x1[0]), float(x2[0]), state


# --- the helpers -----------------------------------------------------------------


def test_ema_keeps_beta_of_the_old_average():
    assert ema(10.0, 20.0, 0.9) == pytest.approx(0.9 * 10 + 0.1 * 20)
    assert ema(10.0, 20.0, 0.0) == 20.0


def test_debias_undoes_the_pull_towards_zero():
    # a constant 5 averaged from a zero start: after t steps the average is 5 * (1 - beta**t)
    beta, average = 0.9, 0.0
    for t in range(1, 4):
        average = beta * average + (1 - beta) * 5.0
        assert debias(average, beta, t) == pytest.approx(5.0, rel=1e-12)
    assert average == pytest.approx(5.0 * (1 - 0.9**3))


# --- hand-computed steps ------------------------------------------------------------
# x0 = 1, g1 = 0.5, g2 = 0.25 throughout.


def test_sgd_hand_computed():
    x1, x2, state = two_steps(SGD(lr=0.1), 1.0, 0.5, 0.25)
    assert x1 == pytest.approx(0.95, rel=1e-15)
    assert x2 == pytest.approx(0.925, rel=1e-15)
    assert state.t == 2


@pytest.mark.parametrize("velocity", ["step", "gradient"])
def test_heavy_ball_hand_computed(velocity):
    x1, x2, state = two_steps(Momentum(lr=0.1, beta=0.9, velocity=velocity), 1.0, 0.5, 0.25)
    # step form: v1 = -0.1*0.5 = -0.05, v2 = 0.9*(-0.05) - 0.1*0.25 = -0.07
    # gradient form: v1 = 0.5, v2 = 0.9*0.5 + 0.25 = 0.7, steps -0.1*v: the same points
    assert x1 == pytest.approx(0.95, rel=1e-14)
    assert x2 == pytest.approx(0.88, rel=1e-14)
    assert float(state.velocity[0]) == pytest.approx(-0.07 if velocity == "step" else 0.7, rel=1e-14)


@pytest.mark.parametrize("velocity", ["step", "gradient"])
def test_nesterov_hand_computed(velocity):
    x1, x2, _ = two_steps(Momentum(lr=0.1, beta=0.9, nesterov=True, velocity=velocity), 1.0, 0.5, 0.25)
    # x1 = 1 + 0.9*(-0.05) - 0.05 = 0.905; x2 = 0.905 + 0.9*(-0.07) - 0.025 = 0.817
    assert x1 == pytest.approx(0.905, rel=1e-14)
    assert x2 == pytest.approx(0.817, rel=1e-14)


def test_adagrad_hand_computed():
    x1, x2, state = two_steps(AdaGrad(lr=0.1, eps=1e-8), 1.0, 0.5, 0.25)
    # v1 = 0.25, v2 = 0.25 + 0.0625 = 0.3125
    assert x1 == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)
    assert x2 == pytest.approx(x1 - 0.1 * 0.25 / (math.sqrt(0.3125) + 1e-8), rel=1e-15)
    assert float(state.v[0]) == 0.3125


def test_adagrad_keras_form_hand_computed():
    opt = AdaGrad(lr=0.1, eps=1e-7, initial_accumulator=0.1, eps_inside_sqrt=True)
    x1, x2, _ = two_steps(opt, 1.0, 0.5, 0.25)
    assert x1 == pytest.approx(1 - 0.1 * 0.5 / math.sqrt(0.35 + 1e-7), rel=1e-15)
    assert x2 == pytest.approx(x1 - 0.1 * 0.25 / math.sqrt(0.4125 + 1e-7), rel=1e-15)


def test_rmsprop_hand_computed():
    x1, x2, state = two_steps(RMSProp(lr=0.01, beta=0.9, eps=1e-8), 1.0, 0.5, 0.25)
    # v1 = 0.1*0.25 = 0.025, v2 = 0.9*0.025 + 0.1*0.0625 = 0.02875
    assert x1 == pytest.approx(1 - 0.01 * 0.5 / (math.sqrt(0.025) + 1e-8), rel=1e-15)
    assert x2 == pytest.approx(x1 - 0.01 * 0.25 / (math.sqrt(0.02875) + 1e-8), rel=1e-15)
    assert float(state.v[0]) == pytest.approx(0.02875, rel=1e-15)


def test_rmsprop_eps_inside_sqrt_hand_computed():
    x1, _, _ = two_steps(RMSProp(lr=0.01, beta=0.9, eps=1e-3, eps_inside_sqrt=True), 1.0, 0.5, 0.25)
    assert x1 == pytest.approx(1 - 0.01 * 0.5 / math.sqrt(0.025 + 1e-3), rel=1e-15)


def test_adam_hand_computed():
    x1, x2, state = two_steps(Adam(lr=0.1), 1.0, 0.5, 0.25)
    # m1 = 0.05, v1 = 0.00025 -> m_hat = 0.5, v_hat = 0.25
    assert x1 == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)
    # m2 = 0.9*0.05 + 0.1*0.25 = 0.07, v2 = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    m_hat, v_hat = 0.07 / (1 - 0.81), 0.00031225 / (1 - 0.998001)
    assert x2 == pytest.approx(x1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-14)
    assert state.t == 2
    assert float(state.m[0]) == pytest.approx(0.07, rel=1e-15)
    assert float(state.v[0]) == pytest.approx(0.00031225, rel=1e-14)
    assert state.v_max is None


def test_adam_eps_hat_hand_computed():
    x1, x2, _ = two_steps(Adam(lr=0.1, eps=1e-3, eps_hat=True), 1.0, 0.5, 0.25)
    # lr_1 = 0.1 * sqrt(0.001) / 0.1; eps is added to sqrt(v), not to sqrt(v_hat)
    assert x1 == pytest.approx(1 - math.sqrt(0.001) * 0.05 / (math.sqrt(0.00025) + 1e-3), rel=1e-14)
    lr_2 = 0.1 * math.sqrt(1 - 0.998001) / (1 - 0.81)
    assert x2 == pytest.approx(x1 - lr_2 * 0.07 / (math.sqrt(0.00031225) + 1e-3), rel=1e-14)


def test_amsgrad_divides_by_the_largest_v_so_far():
    # g1 = 1 then g2 = 0: v drops from 0.5 to 0.25 (beta2 = 0.5), v_max stays 0.5
    opt = Adam(lr=0.1, beta1=0.9, beta2=0.5, amsgrad=True)
    _, x2, state = two_steps(opt, 1.0, 1.0, 0.0)
    x1 = 1 - 0.1 * 1.0 / (1.0 + 1e-8)
    m_hat = 0.09 / (1 - 0.81)
    assert x2 == pytest.approx(x1 - 0.1 * m_hat / (math.sqrt(0.5 / 0.75) + 1e-8), rel=1e-14)
    assert float(state.v[0]) == 0.25 and float(state.v_max[0]) == 0.5
    # without AMSGrad the smaller v makes the second step bigger
    _, x2_plain, _ = two_steps(Adam(lr=0.1, beta1=0.9, beta2=0.5), 1.0, 1.0, 0.0)
    assert x2_plain == pytest.approx(x1 - 0.1 * m_hat / (math.sqrt(0.25 / 0.75) + 1e-8), rel=1e-14)


def test_adamw_hand_computed():
    x1, _, _ = two_steps(AdamW(lr=0.1, weight_decay=0.5), 1.0, 0.5, 0.25)
    # decay first (1 * (1 - 0.1*0.5)), then the Adam step of size ~lr
    assert x1 == pytest.approx(0.95 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)
    x1_keras, _, _ = two_steps(AdamW(lr=0.1, weight_decay=0.5, eps=1e-7, eps_hat=True), 1.0, 0.5, 0.25)
    assert x1_keras == pytest.approx(0.95 - math.sqrt(0.001) * 0.05 / (math.sqrt(0.00025) + 1e-7), rel=1e-14)


def test_adam_without_bias_correction_hand_computed():
    # Bowl from (0.8, 0.6): g = (1.6, 1.2); m = 0.1 g, v = 0.001 g**2, so the
    # step is lr * 0.1 / sqrt(0.001) = 3.16 lr per coordinate instead of lr.
    tr = run(Adam(lr=0.01, bias_correction=False), "bowl", steps=1)
    step = tr.points[0] - tr.points[1]
    assert step[0] == pytest.approx(0.01 * 0.16 / (math.sqrt(0.001 * 1.6**2) + 1e-8), rel=1e-14)
    assert step[0] == pytest.approx(0.0316227766, rel=1e-6)
    # Two steps on one number: m2 = 0.07, v2 = 0.00031225 are used as they are.
    x1, x2, _ = two_steps(Adam(lr=0.1, bias_correction=False), 1.0, 0.5, 0.25)
    assert x1 == pytest.approx(1 - 0.1 * 0.05 / (math.sqrt(0.00025) + 1e-8), rel=1e-15)
    assert x2 == pytest.approx(x1 - 0.1 * 0.07 / (math.sqrt(0.00031225) + 1e-8), rel=1e-14)
    # With bias correction (the default) the same run steps by about lr.
    assert (run(Adam(lr=0.01), "bowl", steps=1).points[0] - run(Adam(lr=0.01), "bowl", steps=1).points[1])[
        0
    ] == pytest.approx(0.01)


def test_bias_correction_is_a_flag_and_not_with_eps_hat():
    assert Adam(bias_correction=False).label == "Adam(bias_correction=False)"
    with pytest.raises(ValueError, match="eps_hat=True is a way to write the bias correction"):
        Adam(eps_hat=True, bias_correction=False)
    with pytest.raises(TypeError, match="bias_correction must be True or False"):
        Adam(bias_correction="no")
    with pytest.raises(TypeError):
        Adam(0.001, 0.9, 0.999, 1e-8, False, False, False)  # keyword-only: AdamW's positions stay put


# --- each optimizer reports its step sizes ----------------------------------------


def test_step_sizes_after_one_step_by_hand():
    # One step from theta = (1, 2) with g = (0.5, 0.0): the second parameter has seen no gradient.
    p, g = np.array([1.0, 2.0]), np.array([0.5, 0.0])

    def after_one_step(opt):
        _, state = opt.step(p, g, opt.init(p))
        return opt.step_size(state)

    assert after_one_step(SGD(lr=0.1)) == 0.1 and after_one_step(Momentum(lr=0.2)) == 0.2
    # AdaGrad: v = g**2 = 0.25 -> 0.5 / (0.5 + 1e-8); v = 0 gives NaN ("no step size yet")
    sizes = after_one_step(AdaGrad(lr=0.5))
    assert sizes[0] == pytest.approx(0.5 / (0.5 + 1e-8), rel=1e-15) and np.isnan(sizes[1])
    # RMSProp: v = 0.1 * 0.25 = 0.025; eps inside the root with eps_inside_sqrt
    assert after_one_step(RMSProp(lr=0.1))[0] == pytest.approx(0.1 / (math.sqrt(0.025) + 1e-8), rel=1e-14)
    assert after_one_step(RMSProp(lr=0.1, eps=1e-3, eps_inside_sqrt=True))[0] == pytest.approx(
        0.1 / math.sqrt(0.026), rel=1e-14
    )
    # AdaGrad starting at 0.1 (Keras) has a step size for the unseen parameter too: lr / sqrt(0.1 + eps)
    keras = after_one_step(AdaGrad.like_keras(lr=0.1))
    assert keras[1] == pytest.approx(0.1 / math.sqrt(0.1 + 1e-7), rel=1e-14)
    # Adam: v = 0.001 * 0.25, v_hat = 0.25 -> lr / (0.5 + eps), what multiplies m_hat
    assert after_one_step(Adam(lr=0.3))[0] == pytest.approx(0.3 / (0.5 + 1e-8), rel=1e-15)
    # Keras' eps_hat: the same with eps / sqrt(1 - beta2) in place of eps
    assert after_one_step(Adam.like_keras(lr=0.3))[0] == pytest.approx(0.3 / (0.5 + 1e-7 / math.sqrt(0.001)), rel=1e-14)
    # without bias correction: lr / (sqrt(v) + eps), what multiplies m
    assert after_one_step(Adam(lr=0.3, bias_correction=False))[0] == pytest.approx(
        0.3 / (math.sqrt(0.00025) + 1e-8), rel=1e-14
    )
    assert after_one_step(AdamW(lr=0.3, amsgrad=True))[0] == pytest.approx(0.3 / (0.5 + 1e-8), rel=1e-15)


def test_adam_step_size_times_m_hat_is_the_step():
    # The reported step size is the one the update used: step = step_size * m_hat, every coordinate.
    rng = np.random.default_rng(3)
    opt, p = Adam(lr=0.05), rng.standard_normal(5)
    state = opt.init(p)
    for _ in range(4):
        new_p, state = opt.step(p, rng.standard_normal(5), state)
        m_hat = state.m / (1 - 0.9**state.t)
        np.testing.assert_allclose(p - new_p, opt.step_size(state) * m_hat, rtol=1e-13)
        p = new_p


def test_step_sizes_keep_the_shape_of_params_and_float32():
    p = {"w": np.ones((2, 3), np.float32), "b": np.ones(3, np.float32)}
    g = {"w": np.full((2, 3), 0.5, np.float32), "b": np.full(3, 0.5, np.float32)}
    opt = RMSProp()
    _, state = opt.step(p, g, opt.init(p))
    sizes = opt.step_size(state)
    assert sizes["w"].shape == (2, 3) and sizes["b"].shape == (3,) and sizes["w"].dtype == np.float32
    assert opt.step_size_formula == "lr / (√v + ε)" and Adam().step_size_formula == "lr / (√v̂ + ε)"
    assert Adam(bias_correction=False).step_size_formula == "lr / (√v + ε)"


def test_step_size_needs_a_step_and_its_own_state():
    opt, p = Adam(), np.ones(2)
    with pytest.raises(ValueError, match="no update has been made yet"):
        opt.step_size(opt.init(p))
    with pytest.raises(TypeError, match="state must be of type AdamState"):
        opt.step_size(RMSProp().init(p))


def test_init_state_is_zero_and_t_is_zero():
    p = np.array([1.0, 2.0])
    assert AdaGrad(initial_accumulator=0.1).init(p).v.tolist() == [0.1, 0.1]
    state = Adam(amsgrad=True).init(p)
    assert state.t == 0 and state.m.tolist() == [0, 0] and state.v.tolist() == [0, 0] and state.v_max.tolist() == [0, 0]
    assert Momentum().init(p).velocity.tolist() == [0, 0]
    assert [f.name for f in dataclasses.fields(SGD().init(p))] == ["t"]


# --- invariants ----------------------------------------------------------------------


def _random_run(opt, seed=0, steps=10, shape=(7,)):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    state = opt.init(x)
    path = [x]
    for _ in range(steps):
        x, state = opt.step(x, rng.normal(size=shape), state)
        path.append(x)
    return np.array(path), state


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("velocity", ["step", "gradient"])
def test_momentum_with_beta_zero_is_sgd(nesterov, velocity):
    ours, _ = _random_run(Momentum(lr=0.05, beta=0.0, nesterov=nesterov, velocity=velocity))
    sgd, _ = _random_run(SGD(lr=0.05))
    np.testing.assert_array_equal(ours, sgd)


def test_momentum_is_not_sgd_when_beta_is_not_zero():
    ours, _ = _random_run(Momentum(lr=0.05, beta=0.5))
    sgd, _ = _random_run(SGD(lr=0.05))
    assert not np.allclose(ours[2:], sgd[2:])


def test_adam_with_beta1_zero_is_bias_corrected_rmsprop():
    adam_path, adam_state = _random_run(Adam(lr=0.01, beta1=0.0, beta2=0.99))
    # RMSProp keeps the same v; the bias-corrected step is written out here
    rng = np.random.default_rng(0)
    x = rng.normal(size=7)
    rms = RMSProp(lr=0.01, beta=0.99)
    state = rms.init(x)
    for t in range(1, 11):
        g = rng.normal(size=7)
        _, state = rms.step(x, g, state)
        x = x - 0.01 * g / (np.sqrt(state.v / (1 - 0.99**t)) + 1e-8)
        np.testing.assert_allclose(adam_path[t], x, rtol=1e-13)
    np.testing.assert_allclose(adam_state.v, state.v, rtol=1e-15)


@pytest.mark.parametrize("eps_hat", [False, True])
def test_adams_first_step_is_lr_times_sign_of_g(eps_hat):
    g = np.array([1e-3, -2.0, 5e2, -7e-2, 1.0])
    x0 = np.zeros_like(g)
    opt = Adam(lr=0.01, eps=1e-8, eps_hat=eps_hat)
    x1, _ = opt.step(x0, g, opt.init(x0))
    # m_hat = g and sqrt(v_hat) = |g|: the step is lr * g / (|g| + eps), where
    # the epsilon-hat form's eps acts like eps / sqrt(1 - beta2) at step 1
    eps = 1e-8 / math.sqrt(1 - 0.999) if eps_hat else 1e-8
    np.testing.assert_allclose(x1, [-0.01 * gi / (abs(gi) + eps) for gi in g], rtol=1e-12)
    # whatever the size of the gradient, the first step is lr, up to eps / |g|
    np.testing.assert_allclose(x1, -0.01 * np.sign(g), rtol=2 * eps / 1e-3)


def test_adamw_with_no_decay_is_adam():
    for kwargs in ({}, {"amsgrad": True}, {"eps_hat": True, "eps": 1e-7}):
        adamw, adamw_state = _random_run(AdamW(lr=0.01, weight_decay=0.0, **kwargs))
        adam, adam_state = _random_run(Adam(lr=0.01, **kwargs))
        np.testing.assert_array_equal(adamw, adam)
        np.testing.assert_array_equal(adamw_state.v, adam_state.v)


def test_adamw_decay_shrinks_weights_with_zero_gradient():
    # zero gradients: Adam's step is 0, only the decay acts: x * (1 - lr*wd)**t
    opt = AdamW(lr=0.1, weight_decay=0.5)
    x, state = np.array([2.0, -4.0]), opt.init(np.zeros(2))
    for _ in range(3):
        x, state = opt.step(x, np.zeros(2), state)
    np.testing.assert_allclose(x, [2.0 * 0.95**3, -4.0 * 0.95**3], rtol=1e-14)


ALL_CONFIGS = [
    SGD(lr=0.1),
    Momentum(lr=0.1),
    Momentum(lr=0.1, nesterov=True, velocity="gradient"),
    AdaGrad(lr=0.1),
    AdaGrad.like_keras(),
    RMSProp(lr=0.01),
    RMSProp.like_keras(),
    Adam(lr=0.01),
    Adam(lr=0.01, amsgrad=True),
    Adam.like_keras(amsgrad=True),
    AdamW(lr=0.01),
    AdamW.like_keras(),
]
IDS = [
    opt.label + ("-keras" if getattr(opt, "eps_hat", False) or getattr(opt, "eps_inside_sqrt", False) else "")
    for opt in ALL_CONFIGS
]


@pytest.mark.parametrize("opt", ALL_CONFIGS, ids=IDS)
def test_dict_params_equal_per_array_results(opt):
    rng = np.random.default_rng(3)
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=4)}
    state = opt.init(params)
    singles = {k: (p, opt.init(p)) for k, p in params.items()}
    for _ in range(5):
        grads = {k: rng.normal(size=p.shape) for k, p in params.items()}
        params, state = opt.step(params, grads, state)
        singles = {k: opt.step(p, grads[k], s) for k, (p, s) in singles.items()}
    assert set(params) == {"w", "b"}
    for k, (p, s) in singles.items():
        np.testing.assert_array_equal(params[k], p)
        for f in dataclasses.fields(state):
            if f.name != "t" and getattr(state, f.name) is not None:
                np.testing.assert_array_equal(getattr(state, f.name)[k], getattr(s, f.name))


# --- convergence ---------------------------------------------------------------------

CONVERGENCE = [
    # optimizer, objective, steps, how close to the minimum it must end
    (SGD(lr=0.2), "ravine", 500, 1e-6),
    (SGD(lr=2e-3), "rosenbrock", 20000, 5e-3),
    (Momentum(lr=0.05), "ravine", 500, 1e-8),
    (Momentum(lr=1e-3), "rosenbrock", 3000, 1e-5),
    (Momentum(lr=1e-3, nesterov=True), "rosenbrock", 3000, 1e-5),
    (AdaGrad(lr=1.0), "ravine", 500, 1e-12),
    (AdaGrad(lr=1.0), "rosenbrock", 20000, 1e-4),
    # RMSProp's steps do not shrink near the minimum: it ends within about lr
    (RMSProp(lr=1e-3), "ravine", 10000, 2e-3),
    (RMSProp(lr=1e-3), "rosenbrock", 10000, 3e-3),
    (Adam(lr=0.1), "ravine", 500, 1e-8),
    (Adam(lr=0.02), "rosenbrock", 5000, 1e-8),
    (Adam(lr=0.1, amsgrad=True), "rosenbrock", 5000, 1e-8),
    (Adam.like_keras(lr=0.1), "rosenbrock", 2000, 1e-6),
    (AdamW(lr=0.1), "bowl", 500, 1e-8),  # the bowl's minimum is at 0, where decay pulls too
]


@pytest.mark.parametrize("opt, objective, steps, tol", CONVERGENCE, ids=[f"{c[0].label}-{c[1]}" for c in CONVERGENCE])
def test_converges(opt, objective, steps, tol):
    trajectory = run(opt, objective, steps=steps)
    minimum = get_objective(objective).minima[0]
    assert trajectory.diverged_at is None
    assert np.linalg.norm(trajectory.final_point - minimum) < tol
    # and it started far away
    assert np.linalg.norm(trajectory.points[0] - minimum) > 0.9


def test_too_large_a_step_does_not_converge():
    """The convergence tests can fail: SGD with lr beyond 2 / curvature diverges on the ravine."""
    trajectory = run(SGD(lr=0.6), "ravine", steps=200)  # the steep direction has curvature 4: 2/4 = 0.5
    assert trajectory.diverged_at is not None


# --- inputs are never mutated ------------------------------------------------------


def _arrays(shape, layout, rng, dtype=np.float64):
    """Arrays of the given logical shape, laid out in memory as asked."""
    if layout == "contiguous":
        return rng.normal(size=shape).astype(dtype)
    if layout == "transposed":
        return rng.normal(size=shape[::-1]).astype(dtype).T
    if layout == "strided":
        return rng.normal(size=(shape[0] * 2, *shape[1:])).astype(dtype)[::2]
    raise ValueError(layout)


SIZES = {"small": (40, 30), "blocked": (400, 300)}  # 120,000 > 2**15 goes through the blocked path
assert SIZES["blocked"][0] * SIZES["blocked"][1] > _BLOCK >= SIZES["small"][0] * SIZES["small"][1]


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("opt", ALL_CONFIGS, ids=IDS)
def test_inputs_are_never_mutated_and_layout_does_not_matter(opt, size, layout):
    rng = np.random.default_rng(4)
    shape = SIZES[size]
    p, g1, g2 = (_arrays(shape, layout, rng) for _ in range(3))
    state1 = opt.init(p)
    p1, state2 = opt.step(p, g1, state1)
    slots = {f.name: getattr(state2, f.name) for f in dataclasses.fields(state2) if f.name != "t"}
    slots = {k: v.copy() for k, v in slots.items() if v is not None}
    copies = [a.copy() for a in (p, g1, g2, p1)]
    p2, _ = opt.step(p1, g2, state2)
    for original, copy in zip((p, g1, g2, p1), copies):
        np.testing.assert_array_equal(original, copy)
    for name, value in slots.items():
        np.testing.assert_array_equal(getattr(state2, name), value, err_msg=f"state.{name} was changed")
    assert p2 is not p1 and not np.shares_memory(p2, p1)
    # the same numbers laid out contiguously give the same result
    q1, s = opt.step(np.ascontiguousarray(p), np.ascontiguousarray(g1), opt.init(np.ascontiguousarray(p)))
    q2, _ = opt.step(q1, np.ascontiguousarray(g2), s)
    np.testing.assert_array_equal(p2, q2)


@pytest.mark.parametrize("opt", ALL_CONFIGS, ids=IDS)
def test_blocked_path_computes_what_the_plain_path_computes(opt):
    """A 100,000-element array gives exactly what its 10,000-element pieces give one by one."""
    rng = np.random.default_rng(5)
    p, g1, g2 = (rng.normal(size=100_000) for _ in range(3))
    whole, state = opt.step(p, g1, opt.init(p))
    whole, _ = opt.step(whole, g2, state)
    pieces = []
    for part in np.split(np.arange(100_000), 10):
        x, s = opt.step(p[part], g1[part], opt.init(p[part]))
        x, _ = opt.step(x, g2[part], s)
        pieces.append(x)
    np.testing.assert_array_equal(whole, np.concatenate(pieces))


@pytest.mark.parametrize("opt", ALL_CONFIGS, ids=IDS)
def test_a_single_number_stays_a_0d_array(opt):
    p = np.array(1.0, dtype=np.float32)
    state = opt.init(p)
    for g in (0.5, -0.25):
        p, state = opt.step(p, np.array(g, dtype=np.float32), state)
        assert isinstance(p, np.ndarray) and p.shape == () and p.dtype == np.float32
    assert p != 1.0


# --- float32 stays float32 ---------------------------------------------------------


@pytest.mark.parametrize("size", [(3, 4), (300, 200)], ids=["small", "blocked"])
@pytest.mark.parametrize("opt", ALL_CONFIGS, ids=IDS)
def test_float32_stays_float32_everywhere(opt, size):
    rng = np.random.default_rng(6)
    params = {"w": rng.normal(size=size).astype(np.float32), "b": rng.normal(size=5).astype(np.float32)}
    state = opt.init(params)
    for _ in range(3):
        grads = {"w": rng.normal(size=size).astype(np.float32), "b": rng.normal(size=5)}  # b's grads in float64
        params, state = opt.step(params, grads, state)
    for key in params:
        assert params[key].dtype == np.float32, key
        for f in dataclasses.fields(state):
            value = getattr(state, f.name)
            if f.name != "t" and value is not None:
                assert value[key].dtype == np.float32, f"state.{f.name}[{key!r}]"


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, RMSProp, Adam, AdamW])
def test_numpy_scalar_hyperparameters_do_not_upcast(cls):
    # np.float64 times a float32 array would give float64; the optimizers store Python floats
    opt = cls(lr=np.float64(0.01))
    assert type(opt.lr) is float
    p = np.ones(4, dtype=np.float32)
    out, _ = opt.step(p, np.full(4, 0.5, dtype=np.float32), opt.init(p))
    assert out.dtype == np.float32


def test_float64_stays_float64():
    p = np.ones(3)
    out, state = Adam().step(p, np.ones(3, dtype=np.float32), Adam().init(p))
    assert out.dtype == np.float64 and state.m.dtype == np.float64


# --- the state is plain, frozen data -----------------------------------------------------


def test_state_is_frozen_and_printable():
    opt = Adam(lr=0.1)
    state = opt.init(np.zeros(2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.t = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        opt.lr = 0.5
    _, state = opt.step(np.zeros(2), np.array([1.0, -1.0]), state)
    text = repr(state)
    assert text.startswith("AdamState(t=1, m=array([")


def test_labels_name_what_differs_from_the_defaults():
    assert Adam().label == "Adam()"
    assert Adam(lr=0.1, amsgrad=True).label == "Adam(lr=0.1, amsgrad=True)"
    assert Momentum(nesterov=True).label == "Momentum(nesterov=True)"


def test_every_optimizer_has_paper_defaults_and_framework_presets():
    assert (Adam().lr, Adam().beta1, Adam().beta2, Adam().eps) == (0.001, 0.9, 0.999, 1e-8)
    assert (RMSProp().beta, AdaGrad().initial_accumulator, Momentum().beta) == (0.9, 0.0, 0.9)
    for cls in ALL_OPTIMIZERS:
        assert isinstance(cls.like_keras(), cls) and isinstance(cls.like_torch(), cls)
        assert cls.__doc__ and cls.__doc__.strip()
