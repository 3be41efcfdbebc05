"""Clipping by global norm and L2 in the gradient: by hand, and against Keras and PyTorch.

``clip_by_global_norm(grads, max_norm, eps=0)`` is Keras' ``global_clipnorm``;
``eps=1e-6`` is ``torch.nn.utils.clip_grad_norm_``. The optimizers' ``l2=`` is
PyTorch's ``weight_decay`` for SGD, Adagrad, RMSprop and Adam (L2 added to the
gradient), and in Keras the same as adding ``l2 * variable`` to the gradient.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_schedules import SHAPES, STEPS, _assert_same, _ours, _problem, _torch, no_drift, stored_arrays, stored_torch

from adamcourse import SGD, AdaGrad, Adam, AdamW, Momentum, RMSProp, clip_by_global_norm, torch_results

# --- clip_by_global_norm by hand --------------------------------------------------------


def test_clipping_scales_every_array_by_one_factor():
    grads = {"a": np.array([3.0]), "b": np.array([0.0, 4.0])}
    clipped, norm = clip_by_global_norm(grads, 1.0)
    # norm = sqrt(9 + 16) = 5: every gradient times 1/5
    assert norm == 5.0
    np.testing.assert_allclose(clipped["a"], [0.6], rtol=1e-15)
    np.testing.assert_allclose(clipped["b"], [0.0, 0.8], rtol=1e-15)
    assert grads["a"][0] == 3.0  # the input is untouched


def test_a_gradient_inside_the_ball_comes_back_unchanged_as_new_arrays():
    grads = {"a": np.array([0.3]), "b": np.array([0.4])}
    clipped, norm = clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(0.5, rel=1e-15)
    assert clipped["a"][0] == 0.3 and clipped["b"][0] == 0.4
    assert clipped["a"] is not grads["a"]


def test_eps_is_added_to_the_norm_like_pytorch():
    # 5 / (5 + 1e-6) instead of 1: a clipped gradient ends just inside the ball
    clipped, _ = clip_by_global_norm(np.array([3.0, 4.0]), 5.0, eps=1e-6)
    np.testing.assert_allclose(clipped, np.array([3.0, 4.0]) * 5 / (5 + 1e-6), rtol=1e-15)


def test_clipping_per_array_would_turn_the_step():
    # the usual mistake: each array clipped by its own norm changes the direction
    grads = {"a": np.array([3.0]), "b": np.array([0.4])}
    together, _ = clip_by_global_norm(grads, 1.0)
    apart = {k: clip_by_global_norm(g, 1.0)[0] for k, g in grads.items()}
    assert together["a"][0] / together["b"][0] == pytest.approx(3.0 / 0.4)  # same direction
    assert apart["a"][0] / apart["b"][0] == pytest.approx(1.0 / 0.4)  # turned


def test_float32_and_0d_arrays_keep_their_type():
    clipped, norm = clip_by_global_norm({"w": np.full(3, 10.0, np.float32), "s": np.array(5.0, np.float32)}, 1.0)
    assert clipped["w"].dtype == np.float32 and isinstance(clipped["s"], np.ndarray) and clipped["s"].shape == ()
    assert isinstance(norm, float)
    # a float32 square overflows above 1.8e19; the norm is summed in float64
    huge, norm = clip_by_global_norm(np.array([3e20, 4e20], np.float32), 1.0)
    assert norm == pytest.approx(5e20, rel=1e-6) and huge.dtype == np.float32
    np.testing.assert_allclose(huge, [0.6, 0.8], rtol=1e-6)


CLIP_BAD = [
    (
        lambda: clip_by_global_norm(np.ones(2), 0.0),
        ValueError,
        r"clip_by_global_norm: max_norm must be a positive finite number.*Try max_norm=1.0",
    ),
    (
        lambda: clip_by_global_norm(np.ones(2), 1.0, eps=-1e-6),
        ValueError,
        r"eps must be a finite number >= 0.*1e-6 \(PyTorch",
    ),
    (lambda: clip_by_global_norm([1.0, 2.0], 1.0), TypeError, r"grads must be a NumPy array or a dict of NumPy arrays"),
    (
        lambda: clip_by_global_norm({"w": np.array([1.0, np.nan])}, 1.0),
        FloatingPointError,
        r"clip_by_global_norm: the global norm of the gradients is nan, so no scale can clip them \(grads\['w'\] has 1 NaN",
    ),
    (
        lambda: Adam(global_clipnorm=0),
        ValueError,
        r"Adam: global_clipnorm must be a positive finite number.*or None for no clipping",
    ),
    (lambda: SGD(l2=-0.1), ValueError, r"SGD: l2 must be a finite number >= 0"),
    (
        lambda: AdamW(l2=0.01, weight_decay=0.01),
        ValueError,
        r"AdamW: l2=0.01 and weight_decay=0.01 are two ways to shrink the weights; choose one",
    ),
    (
        lambda: _step(Adam(global_clipnorm=1.0), np.array([np.inf, 0.0])),
        FloatingPointError,
        r"Adam: the global norm of the gradients is inf.*grads has 1 NaN or Inf value\(s\).*lower the learning rate",
    ),
]


def _step(opt, g):
    x = np.zeros_like(g)
    return opt.step(x, g, opt.init(x))


@pytest.mark.parametrize("call, error, message", CLIP_BAD, ids=[c[2][:40] for c in CLIP_BAD])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- the optimizer options by hand -----------------------------------------------------------


def test_l2_adds_l2_times_theta_to_the_gradient():
    # x0 = 1, g = 0.5, l2 = 0.5: the gradient seen is 0.5 + 0.5 * 1 = 1, so x1 = 1 - 0.1 * 1
    opt = SGD(lr=0.1, l2=0.5)
    x, _ = opt.step(np.array([1.0]), np.array([0.5]), opt.init(np.array([1.0])))
    assert x[0] == pytest.approx(0.9, rel=1e-15)


def test_adam_divides_l2_by_sqrt_v_adamw_does_not():
    # the point of AdamW: with L2 in the gradient, Adam's first step is lr * sign(g + l2 * theta),
    # the same size for a big and a small weight; AdamW shrinks each in proportion to itself
    x = np.array([10.0, 0.1])
    adam = Adam(lr=0.01, l2=0.1)
    adam_x, _ = adam.step(x, np.zeros(2), adam.init(x))
    np.testing.assert_allclose(x - adam_x, [0.01, 0.01], rtol=1e-6)
    adamw = AdamW(lr=0.01, weight_decay=0.1)
    adamw_x, _ = adamw.step(x, np.zeros(2), adamw.init(x))
    np.testing.assert_allclose(x - adamw_x, x * 0.01 * 0.1, rtol=1e-12)


def test_the_optimizer_clips_all_arrays_together_before_adding_l2():
    # norm of (3, 4) is 5 -> (0.6, 0.8); then l2 * theta = 0.5 * (1, 1) is added: (1.1, 1.3)
    opt = SGD(lr=1.0, global_clipnorm=1.0, l2=0.5)
    params = {"a": np.array([1.0]), "b": np.array([1.0])}
    out, _ = opt.step(params, {"a": np.array([3.0]), "b": np.array([4.0])}, opt.init(params))
    assert out["a"][0] == pytest.approx(1 - 1.1, rel=1e-14) and out["b"][0] == pytest.approx(1 - 1.3, rel=1e-14)


def test_the_options_show_in_the_label():
    assert Adam(lr=0.01, l2=1e-4, global_clipnorm=1.0).label == "Adam(lr=0.01, l2=0.0001, global_clipnorm=1.0)"


# --- parity with Keras -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras", reason="Keras is not installed: Keras parity not checked")


MAX_NORM = 6.0  # the gradients' global norm runs from about 0.5 to 15: some steps clipped, some not


def test_the_runs_clip_some_steps_and_not_others():
    _, grads = _problem(np.float64)
    norms = [clip_by_global_norm(g, MAX_NORM)[1] for g in grads]
    assert min(norms) < MAX_NORM < max(norms)


def _run_keras(keras, opt, params, grads, l2=0.0):
    variables = [keras.Variable(params[k], dtype="float32", name=k) for k in SHAPES]
    for g in grads:
        # Keras' optimizers have no L2 option; adding l2 * variable to the gradient is what torch's weight_decay does
        opt.apply(
            [keras.ops.convert_to_tensor(g[k], dtype="float32") + l2 * v for k, v in zip(SHAPES, variables)], variables
        )
    return {k: np.asarray(v.numpy()) for k, v in zip(SHAPES, variables)}


KERAS_CASES = {
    "SGD global_clipnorm": (
        SGD.like_keras(global_clipnorm=MAX_NORM),
        lambda k: k.optimizers.SGD(global_clipnorm=MAX_NORM),
        0.0,
    ),
    "Adam global_clipnorm": (
        Adam.like_keras(lr=0.01, global_clipnorm=MAX_NORM),
        lambda k: k.optimizers.Adam(0.01, global_clipnorm=MAX_NORM),
        0.0,
    ),
    "Adam L2 in the gradient": (Adam.like_keras(lr=0.01, l2=0.1), lambda k: k.optimizers.Adam(0.01), 0.1),
    "SGD momentum L2 in the gradient": (
        Momentum.like_keras(lr=0.01, l2=0.1),
        lambda k: k.optimizers.SGD(0.01, momentum=0.9),
        0.1,
    ),
    "AdamW (decoupled), clipped": (
        AdamW.like_keras(lr=0.01, weight_decay=0.1, global_clipnorm=MAX_NORM),
        lambda k: k.optimizers.AdamW(0.01, weight_decay=0.1, global_clipnorm=MAX_NORM),
        0.0,
    ),
}


@pytest.mark.parametrize("case", list(KERAS_CASES))
def test_keras_parity(keras, case):
    ours, make, l2 = KERAS_CASES[case]
    params, grads = _problem(np.float32)
    our_params, state = _ours(ours, params, grads)
    _assert_same(our_params, _run_keras(keras, make(keras), params, grads, l2), np.float32, case)
    assert state.t == STEPS


def test_keras_per_variable_clipnorm_is_not_the_same(keras):
    # the negative control: Keras' clipnorm (each variable by its own norm) lands elsewhere
    params, grads = _problem(np.float32)
    ours, _ = _ours(SGD.like_keras(global_clipnorm=MAX_NORM), params, grads)
    theirs = _run_keras(keras, keras.optimizers.SGD(clipnorm=MAX_NORM), params, grads)
    assert max(np.abs(ours[k] - theirs[k]).max() for k in SHAPES) > 1e-3


def test_keras_parity_is_sharp_enough_to_see_l2_missing(keras):
    params, grads = _problem(np.float32)
    ours, _ = _ours(Adam.like_keras(lr=0.01), params, grads)
    theirs = _run_keras(keras, keras.optimizers.Adam(0.01), params, grads, l2=0.1)
    assert max(np.abs(ours[k] - theirs[k]).max() for k in SHAPES) > 1e-3


# --- parity with PyTorch ---------------------------------------------------------------------
#
# As in tests/test_parity.py: compared with PyTorch's results as stored in
# adamcourse/torch_results.json (tools/make_torch_golden.py runs the cases below) everywhere, and
# where PyTorch is installed also with a live run, failing if the stored results have drifted.


def torch_clip_grad_norm(torch, grads, dtype):
    """clip_grad_norm_(MAX_NORM) on each step's gradients: the norms it returns, the clipped gradients."""
    norms, clipped = [], []
    for g in grads:
        tensors = [
            torch.nn.Parameter(torch.zeros(SHAPES[k], dtype=getattr(torch, np.dtype(dtype).name))) for k in SHAPES
        ]
        for tensor, key in zip(tensors, SHAPES):
            tensor.grad = torch.tensor(g[key])
        norms.append(float(torch.nn.utils.clip_grad_norm_(tensors, MAX_NORM)))
        clipped.append({k: t.grad.numpy() for k, t in zip(SHAPES, tensors)})
    return norms, clipped


def stored_clipping(dtype):
    """clip_grad_norm_'s norms and clipped gradients for the steps of ``_problem(dtype, seed=2)``, as stored."""
    entry = stored_torch("clipping_l2", "clip_grad_norm_", np.dtype(dtype).name)
    return entry["norms"], [stored_arrays(g, dtype) for g in entry["clipped"]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_clip_by_global_norm_matches_clip_grad_norm(dtype):
    _, grads = _problem(dtype, seed=2)
    torch_norms, torch_clipped = stored_clipping(dtype)
    if _torch is not None:
        live_norms, live_clipped = torch_clip_grad_norm(_torch, grads, dtype)
        with no_drift(f"clip_grad_norm_ ({np.dtype(dtype).name})"):
            np.testing.assert_allclose(
                torch_norms, live_norms, rtol=1e-12 if dtype == np.float64 else 1e-6, err_msg="norms"
            )
            for step, (stored, live) in enumerate(zip(torch_clipped, live_clipped)):
                _assert_same(stored, live, dtype, f"clipped step {step}")
    assert len(torch_norms) == len(torch_clipped) == len(grads)
    for g, torch_norm, theirs in zip(grads, torch_norms, torch_clipped):
        ours, norm = clip_by_global_norm(g, MAX_NORM, eps=1e-6)
        assert norm == pytest.approx(torch_norm, rel=1e-12 if dtype == np.float64 else 1e-6)
        _assert_same(ours, theirs, dtype, "clipped")


def test_without_pytorchs_eps_the_clipped_gradients_differ():
    _, grads = _problem(np.float64, seed=2)
    _, torch_clipped = stored_clipping(np.float64)
    clipped = max(range(len(grads)), key=lambda i: clip_by_global_norm(grads[i], MAX_NORM)[1])  # one that is clipped
    ours, _ = clip_by_global_norm(grads[clipped], MAX_NORM)
    with pytest.raises(AssertionError):
        _assert_same(ours, torch_clipped[clipped], np.float64, "eps=0")


# id: (our optimizer, torch optimizer factory, clip with clip_grad_norm_ before each step)
TORCH_CASES = {
    "Adam weight_decay (L2)": (
        Adam.like_torch(lr=0.01, l2=0.1),
        lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1),
        False,
    ),
    "AdamW weight_decay (decoupled)": (
        AdamW.like_torch(lr=0.01, weight_decay=0.1),
        lambda o, p: o.AdamW(p, lr=0.01, weight_decay=0.1),
        False,
    ),
    "SGD momentum weight_decay": (
        Momentum.like_torch(lr=0.01, beta=0.9, l2=0.1),
        lambda o, p: o.SGD(p, lr=0.01, momentum=0.9, weight_decay=0.1),
        False,
    ),
    "Adagrad weight_decay": (
        AdaGrad.like_torch(lr=0.01, l2=0.1),
        lambda o, p: o.Adagrad(p, lr=0.01, weight_decay=0.1),
        False,
    ),
    "RMSprop weight_decay": (
        RMSProp.like_torch(lr=0.01, l2=0.1),
        lambda o, p: o.RMSprop(p, lr=0.01, weight_decay=0.1),
        False,
    ),
    "clip_grad_norm_ then Adam weight_decay": (
        Adam.like_torch(lr=0.01, l2=0.1),
        lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1),
        True,
    ),
}


def run_torch(torch, make, clip, params, grads):
    """PyTorch's parameters after the steps, clipping each step's gradients first if ``clip``."""
    tensors = [torch.nn.Parameter(torch.tensor(params[k])) for k in SHAPES]
    opt = make(torch.optim, tensors)
    for g in grads:
        for tensor, key in zip(tensors, SHAPES):
            tensor.grad = torch.tensor(g[key])
        if clip:
            torch.nn.utils.clip_grad_norm_(tensors, MAX_NORM)
        opt.step()
    return {k: t.detach().numpy() for k, t in zip(SHAPES, tensors)}


def stored_run(case, dtype):
    """PyTorch's parameters after the steps of ``case`` in ``dtype``, as stored."""
    return stored_arrays(stored_torch("clipping_l2", "runs", case, np.dtype(dtype).name, "params"), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_pytorch_parity(case, dtype):
    ours, make, clip = TORCH_CASES[case]
    params, grads = _problem(dtype, seed=1)
    state = ours.init(params)
    our_params = params
    for g in grads:
        if clip:  # PyTorch clips outside the optimizer, with its 1e-6
            g, _ = clip_by_global_norm(g, MAX_NORM, eps=1e-6)
        our_params, state = ours.step(our_params, g, state)

    torch_params = stored_run(case, dtype)
    if _torch is not None:
        with no_drift(case):
            _assert_same(torch_params, run_torch(_torch, make, clip, params, grads), dtype, case)
    _assert_same(our_params, torch_params, dtype, case)
    assert state.t == STEPS


def test_pytorch_adam_weight_decay_is_not_adamw():
    # the negative control the lesson is about: the same number, two different algorithms
    params, grads = _problem(np.float64, seed=1)
    adamw, _ = _ours(AdamW.like_torch(lr=0.01, weight_decay=0.1), params, grads)
    with pytest.raises(AssertionError):
        _assert_same(adamw, stored_run("Adam weight_decay (L2)", np.float64), np.float64, "AdamW vs L2")


def test_a_stored_value_off_by_a_billionth_fails_the_pytorch_tests(monkeypatch):
    # the negative control of the stored results: a clipped gradient and a parameter nudged by 1e-9 of
    # themselves fail the tests above, as drift where PyTorch is installed, as a mismatch with ours where not
    case = "clip_grad_norm_ then Adam weight_decay"
    tampered = copy.deepcopy(torch_results.load())
    tampered["clipping_l2"]["runs"][case]["float64"]["params"]["b"][1] *= 1 + 1e-9
    tampered["clipping_l2"]["clip_grad_norm_"]["float64"]["clipped"][3]["b"][1] *= 1 + 1e-9
    monkeypatch.setattr(torch_results, "load", lambda: tampered)
    for test in (
        lambda: test_pytorch_parity(case, np.float64),
        lambda: test_clip_by_global_norm_matches_clip_grad_norm(np.float64),
    ):
        with pytest.raises(AssertionError) as caught:
            test()
        assert "[b]" in str(caught.value)  # the nudged array is named
        if _torch is not None:
            assert "rerun `python tools/make_torch_golden.py`" in str(caught.value)


# --- the Keras bridge carries both options ----------------------------------------------------


@pytest.mark.parametrize(
    "numpy_optimizer",
    [
        Adam.like_keras(lr=0.01, l2=0.1, global_clipnorm=MAX_NORM),
        Momentum(lr=0.01, l2=0.05),
        AdamW(lr=0.01, global_clipnorm=2.0),
    ],
    ids=lambda o: o.label,
)
def test_to_keras_keeps_l2_and_global_clipnorm(keras, numpy_optimizer):
    from adamcourse.keras_bridge import to_keras

    params, grads = _problem(np.float32)
    ours, _ = _ours(numpy_optimizer, params, grads)
    twin = to_keras(numpy_optimizer)
    theirs = _run_keras(keras, twin, params, grads)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, atol=1e-6)
    assert twin.numpy_twin() == numpy_optimizer
    clone = type(twin).from_config(twin.get_config())
    assert clone.numpy_twin() == numpy_optimizer
