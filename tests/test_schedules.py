"""Learning-rate schedules: values by hand, the step-count convention, and parity
with Keras' schedules and PyTorch's schedulers over whole runs of the optimizers.

Convention under test: a schedule gets ``step`` = updates already made (0 on the
first update); the optimizer's ``t`` counts from 1, so update ``t`` uses
``lr(t - 1)``. Keras (``optimizer.iterations``) and PyTorch (``last_epoch``,
stepped after each ``opt.step()``) count like the schedules.
"""

from __future__ import annotations

import contextlib
import copy
import math

import numpy as np
import pytest

from adamcourse import SGD, Adam, AdamW, Momentum, RMSProp, torch_results
from adamcourse.optimizers import _BLOCK
from adamcourse.schedules import (
    Constant,
    CosineDecay,
    ExponentialDecay,
    LinearWarmup,
    StepDecay,
)

# The runs of tests/test_parity.py: 20 steps of random gradients whose scale jumps about, with one
# array of tiny gradients; float64 to rtol 1e-10, float32 to a few ulps.
STEPS = 20
ULPS = 2
SHAPES = {"w": (4, 3), "b": (5,), "tiny": (6,)}


def _problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {
        k: (rng.uniform(0.5, 2.0, size=s) * rng.choice([-1.0, 1.0], size=s)).astype(dtype) for k, s in SHAPES.items()
    }
    grads = []
    for _ in range(STEPS):
        scale = rng.uniform(0.1, 3.0)
        step = {k: (scale * rng.normal(size=s)).astype(dtype) for k, s in SHAPES.items()}
        step["tiny"] = (1e-4 * rng.normal(size=SHAPES["tiny"])).astype(dtype)
        grads.append(step)
    return params, grads


def _ours(opt, params, grads):
    state = opt.init(params)
    for g in grads:
        params, state = opt.step(params, g, state)
    return params, state


def _assert_same(ours, theirs, dtype, what):
    for key in ours:
        assert ours[key].dtype == np.dtype(dtype), f"{what}[{key}] came back as {ours[key].dtype}"
        if dtype == np.float64:
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-10, atol=0, err_msg=f"{what}[{key}]")
        else:
            np.testing.assert_array_max_ulp(ours[key], theirs[key].astype(np.float32), maxulp=ULPS)


# --- values by hand ----------------------------------------------------------------


def test_constant():
    assert [Constant(0.1)(s) for s in (0, 1, 1000)] == [0.1, 0.1, 0.1]


def test_step_decay_changes_value_at_each_boundary():
    schedule = StepDecay(boundaries=(2, 4), values=(0.1, 0.01, 0.001))
    # 2 updates (steps 0, 1) at 0.1, 2 at 0.01, then 0.001 for ever
    assert [schedule(s) for s in range(7)] == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.001]


def test_exponential_decay():
    schedule = ExponentialDecay(lr=0.1, decay_rate=0.5, decay_steps=2)
    # 0.1 * 0.5**(step / 2): halves every 2 updates, smoothly
    assert schedule(0) == 0.1
    assert schedule(1) == pytest.approx(0.1 * math.sqrt(0.5), rel=1e-15)  # 0.0707...
    assert schedule(2) == pytest.approx(0.05, rel=1e-15)
    stairs = ExponentialDecay(lr=0.1, decay_rate=0.5, decay_steps=2, staircase=True)
    # 0.1 * 0.5**floor(step / 2)
    assert [stairs(s) for s in range(5)] == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_cosine_decay():
    schedule = CosineDecay(lr=0.1, decay_steps=4, min_lr=0.02)
    # 0.02 + 0.08 * (1 + cos(pi * s / 4)) / 2
    assert schedule(0) == pytest.approx(0.1, rel=1e-15)
    assert schedule(1) == pytest.approx(0.02 + 0.04 * (1 + math.sqrt(0.5)), rel=1e-14)  # 0.0882...
    assert schedule(2) == pytest.approx(0.06, rel=1e-14)  # halfway down
    assert schedule(4) == pytest.approx(0.02, rel=1e-14)
    assert schedule(100) == schedule(4)  # stays at the floor, as in Keras


def test_linear_warmup_then_cosine():
    schedule = LinearWarmup(steps=4, then=CosineDecay(lr=0.1, decay_steps=4))
    # 0 + (0.1 - 0) * step / 4 for steps 0-3, then the cosine from its own step 0
    assert [schedule(s) for s in range(4)] == pytest.approx([0.0, 0.025, 0.05, 0.075], rel=1e-15)
    assert schedule(4) == pytest.approx(0.1, rel=1e-15)  # update 5 is the cosine's first
    assert schedule(6) == pytest.approx(0.05, rel=1e-14)
    assert schedule(8) == pytest.approx(0.0, abs=1e-18)


def test_linear_warmup_to_a_number_warms_up_to_a_constant():
    schedule = LinearWarmup(steps=2, then=0.01, start_lr=0.002)
    assert schedule.then == Constant(0.01)
    # 0.002, 0.002 + 0.008 / 2, then 0.01
    assert [schedule(s) for s in range(4)] == pytest.approx([0.002, 0.006, 0.01, 0.01], rel=1e-15)


def test_schedules_are_printable_frozen_values():
    schedule = LinearWarmup(steps=10, then=CosineDecay(lr=0.01, decay_steps=90))
    assert repr(schedule) == (
        "LinearWarmup(steps=10, then=CosineDecay(lr=0.01, decay_steps=90, min_lr=0.0), start_lr=0.0)"
    )
    assert schedule == LinearWarmup(steps=10, then=CosineDecay(lr=0.01, decay_steps=90))
    with pytest.raises(AttributeError):
        schedule.steps = 5


# --- the step count ------------------------------------------------------------------


def test_update_t_uses_the_schedule_at_step_t_minus_1():
    # g = 1 each time: x1 = 1 - lr(0) = 0.9, x2 = 0.9 - lr(1) = 0.89
    opt = SGD(lr=StepDecay(boundaries=(1,), values=(0.1, 0.01)))
    x, state = np.array([1.0]), opt.init(np.array([1.0]))
    x, state = opt.step(x, np.ones(1), state)
    assert x[0] == pytest.approx(0.9, rel=1e-15) and state.t == 1
    x, state = opt.step(x, np.ones(1), state)
    assert x[0] == pytest.approx(0.89, rel=1e-15) and state.t == 2


def test_a_plain_function_is_called_with_the_updates_already_made():
    seen = []

    def lr(step):
        seen.append(step)
        return 0.1

    opt = SGD(lr=lr)
    assert seen == [0]  # tried once when the optimizer is built
    x, state = np.zeros(3), opt.init(np.zeros(3))
    for _ in range(3):
        x, state = opt.step(x, np.ones(3), state)
    assert seen == [0, 0, 1, 2]


def test_adam_with_a_schedule_hand_computed():
    # lr 0.1 for the first update, 0.05 after; g1 = 0.5, g2 = 0.25, x0 = 1
    opt = Adam(lr=StepDecay(boundaries=(1,), values=(0.1, 0.05)))
    x, state = np.array([1.0]), opt.init(np.array([1.0]))
    x1, state = opt.step(x, np.array([0.5]), state)
    x2, state = opt.step(x1, np.array([0.25]), state)
    # step 1: m_hat = 0.5, v_hat = 0.25: x1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    assert x1[0] == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)
    # step 2: m = 0.9*0.05 + 0.1*0.25 = 0.07, v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    m_hat, v_hat = 0.07 / (1 - 0.9**2), 0.00031225 / (1 - 0.999**2)
    assert x2[0] == pytest.approx(x1[0] - 0.05 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-14)


def test_adamw_decays_with_the_scheduled_lr():
    # zero gradients: only the decay acts, x * (1 - lr(step) * wd) per update
    opt = AdamW(lr=StepDecay(boundaries=(1,), values=(0.1, 0.2)), weight_decay=0.5)
    x, state = np.array([1.0]), opt.init(np.array([1.0]))
    for _ in range(2):
        x, state = opt.step(x, np.zeros(1), state)
    assert x[0] == pytest.approx((1 - 0.1 * 0.5) * (1 - 0.2 * 0.5), rel=1e-15)


def test_float32_stays_float32_with_a_schedule():
    # a schedule returning a NumPy float64 would upcast float32 arrays: the optimizer makes it a float
    opt = Adam(lr=lambda step: np.float64(0.01))
    x = np.ones(4, np.float32)
    out, state = opt.step(x, x, opt.init(x))
    assert out.dtype == np.float32 and state.m.dtype == np.float32


def test_a_schedule_gives_the_same_steps_in_the_blocked_path():
    # one big array goes through the blocked path, the same numbers in small pieces do not
    rng = np.random.default_rng(0)
    size, piece = 3 * _BLOCK + 5, 1000
    x = rng.normal(size=size)
    grads = [rng.normal(size=size) for _ in range(5)]
    opt = Adam(lr=LinearWarmup(steps=2, then=CosineDecay(lr=0.01, decay_steps=2)))
    whole, _ = _ours(opt, x, grads)
    split = lambda a: {i: a[i : i + piece] for i in range(0, size, piece)}
    pieces, _ = _ours(opt, split(x), [split(g) for g in grads])
    np.testing.assert_array_equal(whole, np.concatenate(list(pieces.values())))
    assert not np.allclose(whole, _ours(Adam(lr=0.01), x, grads)[0])  # and the schedule mattered


# --- bad input -------------------------------------------------------------------------

BAD = [
    (
        lambda: StepDecay(boundaries=(10,), values=(0.1,)),
        ValueError,
        r"values must have one more entry than boundaries",
    ),
    (lambda: StepDecay(boundaries=(10, 5), values=(0.1, 0.01, 0.001)), ValueError, r"boundaries must increase"),
    (lambda: StepDecay(boundaries=(0,), values=(0.1, 0.01)), ValueError, r"each boundary must be a whole number >= 1"),
    (lambda: StepDecay(boundaries=10, values=(0.1, 0.01)), TypeError, r"boundaries must be a sequence"),
    (
        lambda: StepDecay(boundaries=(10,), values=(0.1, -0.01)),
        ValueError,
        r"each value must be a positive finite number",
    ),
    (lambda: ExponentialDecay(lr=0.1, decay_rate=0.0), ValueError, r"decay_rate must be a positive finite number"),
    (
        lambda: ExponentialDecay(lr=0.1, decay_rate=0.5, decay_steps=2.5),
        ValueError,
        r"decay_steps must be a whole number",
    ),
    (lambda: ExponentialDecay(lr=0.1, decay_rate=0.5, staircase="yes"), TypeError, r"staircase must be True or False"),
    (lambda: CosineDecay(lr=0.1, decay_steps=0), ValueError, r"decay_steps must be a whole number >= 1"),
    (lambda: CosineDecay(lr=0.01, decay_steps=10, min_lr=0.1), ValueError, r"min_lr=0.1 is above lr=0.01"),
    (lambda: CosineDecay(lr=-0.01, decay_steps=10), ValueError, r"CosineDecay: lr must be a positive finite number"),
    (lambda: LinearWarmup(steps=0, then=0.01), ValueError, r"LinearWarmup: steps must be a whole number >= 1"),
    (lambda: LinearWarmup(steps=5, then=CosineDecay), TypeError, r"then is the class CosineDecay; build one first"),
    (lambda: LinearWarmup(steps=5, then="0.01"), TypeError, r"then must be a number"),
    (lambda: Constant(0), ValueError, r"Constant: lr must be a positive finite number"),
    # Keras' and PyTorch's names get the course's
    (
        lambda: CosineDecay(initial_learning_rate=0.01, decay_steps=10),
        TypeError,
        r"CosineDecay has no argument `initial_learning_rate` \(that is Keras' name\); write CosineDecay\(lr=0.01",
    ),
    (lambda: CosineDecay(lr=0.01, decay_steps=10, alpha=0.1), TypeError, r"min_lr=alpha \* lr"),
    (
        lambda: CosineDecay(lr=0.01, decay_steps=90, warmup_steps=10),
        TypeError,
        r"write LinearWarmup\(steps=10, then=CosineDecay\(\.\.\.\)\)",
    ),
    (lambda: CosineDecay(lr=0.01, T_max=10), TypeError, r"PyTorch's CosineAnnealingLR.*decay_steps=10"),
    (lambda: CosineDecay(lr=0.01, decay_steps=10, eta_min=0.001), TypeError, r"min_lr=0.001"),
    (lambda: ExponentialDecay(lr=0.01, gamma=0.9), TypeError, r"write ExponentialDecay\(lr=\.\.\., decay_rate=0.9\)"),
    (lambda: StepDecay(milestones=(5,), values=(0.1, 0.01)), TypeError, r"write StepDecay\(boundaries=\(5,\)"),
    (lambda: LinearWarmup(total_iters=5, then=0.01), TypeError, r"PyTorch's LinearLR.*LinearWarmup\(steps=5"),
    (
        lambda: CosineDecay(lr=0.01, decay_steps=10, min_l=0.0),
        TypeError,
        r"Did you mean `min_lr`\? Its arguments are: lr, decay_steps, min_lr",
    ),
    # what the optimizer says about a schedule
    (lambda: Adam(lr=CosineDecay), TypeError, r"Adam: lr is the class CosineDecay.*build one first"),
    (
        lambda: SGD(lr=lambda step: "0.1"),
        TypeError,
        r"SGD: the schedule lr=.* returned '0.1' for step 0; a schedule must return one number",
    ),
    (
        lambda: Momentum(lr=lambda step: -0.1),
        ValueError,
        r"Momentum: the schedule lr=.* returned -0.1 for step 0 \(update t=1\); a learning rate must be a finite number >= 0",
    ),
    (
        lambda: _run(RMSProp(lr=lambda step: 0.01 if step < 2 else math.nan), 3),
        ValueError,
        r"RMSProp: the schedule .* returned nan for step 2 \(update t=3\)",
    ),
]


def _run(opt, steps):
    x, state = np.zeros(2), opt.init(np.zeros(2))
    for _ in range(steps):
        x, state = opt.step(x, np.ones(2), state)
    return x


@pytest.mark.parametrize("call, error, message", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_schedules_get_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- parity with Keras --------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras", reason="Keras is not installed: Keras parity not checked")


# id: (our schedule, Keras' schedule factory). A run has 20 updates, steps 0-19.
KERAS_SCHEDULES = {
    "warmup then cosine": (
        LinearWarmup(steps=4, then=CosineDecay(lr=0.01, decay_steps=12, min_lr=0.001), start_lr=0.001),
        lambda s: s.CosineDecay(0.001, decay_steps=12, alpha=0.1, warmup_target=0.01, warmup_steps=4),
    ),
    "warmup from 0 then cosine": (  # Keras' default start: the first update does nothing
        LinearWarmup(steps=5, then=CosineDecay(lr=0.01, decay_steps=20)),
        lambda s: s.CosineDecay(0.0, decay_steps=20, warmup_target=0.01, warmup_steps=5),
    ),
    "cosine": (CosineDecay(lr=0.01, decay_steps=15), lambda s: s.CosineDecay(0.01, decay_steps=15)),
    "exponential": (
        ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=5),
        lambda s: s.ExponentialDecay(0.01, decay_steps=5, decay_rate=0.5),
    ),
    "exponential staircase": (
        ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=3, staircase=True),
        lambda s: s.ExponentialDecay(0.01, decay_steps=3, decay_rate=0.5, staircase=True),
    ),
    "step decay": (  # Keras keeps a value while step <= boundary: its boundaries are ours minus 1
        StepDecay(boundaries=(5, 12), values=(0.01, 0.005, 0.001)),
        lambda s: s.PiecewiseConstantDecay([4, 11], [0.01, 0.005, 0.001]),
    ),
}


@pytest.mark.parametrize("case", list(KERAS_SCHEDULES))
def test_schedule_values_match_keras_at_every_step(keras, case):
    ours, make = KERAS_SCHEDULES[case]
    theirs = make(keras.optimizers.schedules)
    want = [float(theirs(step)) for step in range(30)]
    # Keras computes in float32, so near the floor of a cosine its error is float32's relative to the peak
    np.testing.assert_allclose([ours(step) for step in range(30)], want, rtol=3e-7, atol=3e-7 * max(want))


def test_keras_step_decay_with_the_same_boundaries_is_one_step_late(keras):
    # the negative control for the "minus 1" above: same numbers, different steps
    ours = StepDecay(boundaries=(5, 12), values=(0.01, 0.005, 0.001))
    theirs = keras.optimizers.schedules.PiecewiseConstantDecay([5, 12], [0.01, 0.005, 0.001])
    late = [step for step in range(20) if ours(step) != pytest.approx(float(theirs(step)), rel=1e-6)]
    assert late == [5, 12]


def test_warmup_shifted_by_one_step_does_not_match_keras(keras):
    # an off-by-one warmup (counting from 1) is far above float32 noise: the comparison above is sharp
    ours, make = KERAS_SCHEDULES["warmup then cosine"]
    theirs = make(keras.optimizers.schedules)
    shifted = [ours(step + 1) for step in range(20)]
    assert not np.allclose(shifted, [float(theirs(step)) for step in range(20)], rtol=1e-3)


# (our optimizer with the schedule, Keras' optimizer with its twin); float32, as Keras trains
KERAS_RUNS = {
    "Adam, warmup then cosine": (
        lambda lr: Adam.like_keras(lr=lr),
        lambda k, lr: k.optimizers.Adam(lr),
        "warmup then cosine",
    ),
    "Adam, warmup from 0": (
        lambda lr: Adam.like_keras(lr=lr),
        lambda k, lr: k.optimizers.Adam(lr),
        "warmup from 0 then cosine",
    ),
    "AdamW, cosine": (lambda lr: AdamW.like_keras(lr=lr), lambda k, lr: k.optimizers.AdamW(lr), "cosine"),
    "SGD, step decay": (lambda lr: SGD.like_keras(lr=lr), lambda k, lr: k.optimizers.SGD(lr), "step decay"),
    # Keras' velocity holds lr * g, so a changing lr reaches the step through the velocity
    "SGD momentum, exponential": (
        lambda lr: Momentum.like_keras(lr=lr),
        lambda k, lr: k.optimizers.SGD(lr, momentum=0.9),
        "exponential",
    ),
    "RMSprop, staircase": (
        lambda lr: RMSProp.like_keras(lr=lr),
        lambda k, lr: k.optimizers.RMSprop(lr),
        "exponential staircase",
    ),
}


def _run_keras(keras, opt, params, grads):
    variables = [keras.Variable(params[k], dtype="float32", name=k) for k in SHAPES]
    for g in grads:
        opt.apply([keras.ops.convert_to_tensor(g[k], dtype="float32") for k in SHAPES], variables)
    return {k: np.asarray(v.numpy()) for k, v in zip(SHAPES, variables)}


@pytest.mark.parametrize("case", list(KERAS_RUNS))
def test_keras_own_schedule_drives_the_numpy_optimizer_exactly(keras, case):
    # Keras' schedule object itself as lr: both sides use the same float32 lr at every step, so
    # the runs agree to float32 precision (test_parity's ULPS); an lr(t) instead of lr(t - 1) would not
    make_ours, make_keras, schedule_id = KERAS_RUNS[case]
    make_schedule = KERAS_SCHEDULES[schedule_id][1]
    params, grads = _problem(np.float32)
    our_params, state = _ours(make_ours(make_schedule(keras.optimizers.schedules)), params, grads)
    keras_params = _run_keras(keras, make_keras(keras, make_schedule(keras.optimizers.schedules)), params, grads)
    assert state.t == STEPS
    _assert_same(our_params, keras_params, np.float32, case)


@pytest.mark.parametrize("case", list(KERAS_RUNS))
def test_a_run_with_the_course_schedule_matches_keras(keras, case):
    # Keras computes its lr in float32 (up to 2 ulps from ours, rounded once from float64); through
    # momentum's velocity that adds up to a few 1e-6 over 20 steps: far below the controls below
    make_ours, make_keras, schedule_id = KERAS_RUNS[case]
    ours, make_schedule = KERAS_SCHEDULES[schedule_id]
    params, grads = _problem(np.float32)
    our_params, _ = _ours(make_ours(ours), params, grads)
    keras_params = _run_keras(keras, make_keras(keras, make_schedule(keras.optimizers.schedules)), params, grads)
    for key in our_params:
        assert our_params[key].dtype == np.float32
        np.testing.assert_allclose(our_params[key], keras_params[key], rtol=2e-5, err_msg=key)


@pytest.mark.parametrize("case", list(KERAS_RUNS))
def test_keras_parity_of_a_run_is_sharp_enough_to_see_an_off_by_one_schedule(keras, case):
    # the usual mistake, lr(t) where lr(t - 1) is meant: the run lands far outside rtol=2e-5
    make_ours, make_keras, schedule_id = KERAS_RUNS[case]
    ours, make_schedule = KERAS_SCHEDULES[schedule_id]
    params, grads = _problem(np.float32)
    ahead, _ = _ours(make_ours(lambda step: ours(step + 1)), params, grads)
    keras_params = _run_keras(keras, make_keras(keras, make_schedule(keras.optimizers.schedules)), params, grads)
    assert max(np.abs(ahead[k] / keras_params[k] - 1).max() for k in SHAPES) > 1e-4


# --- parity with PyTorch --------------------------------------------------------------------
#
# As in tests/test_parity.py: every case compares the course's run with PyTorch's results as
# stored in adamcourse/torch_results.json (written by tools/make_torch_golden.py, which runs the
# cases below), so the comparison runs everywhere, PyTorch or not. Where PyTorch is installed (CI
# installs it), each case also runs PyTorch live and fails if the stored results have drifted.

try:  # PyTorch is optional: where it is missing, its stored results stand in for it
    import torch as _torch
except ImportError:
    _torch = None

MAKE_GOLDEN = "`python tools/make_torch_golden.py`"


def stored_torch(*keys):
    """What tools/make_torch_golden.py stored under ``keys`` (one per level), or a failure naming the fix."""
    entry = torch_results.load()
    for key in keys:
        entry = entry.get(key) if isinstance(entry, dict) else None
    assert entry is not None, f"no stored PyTorch results under {' / '.join(keys)}; run {MAKE_GOLDEN}"
    return entry


def stored_arrays(values, dtype):
    return {k: np.array(v, dtype=dtype) for k, v in values.items()}


@contextlib.contextmanager
def no_drift(what):
    """Checks inside compare the stored results with a live PyTorch run: a failure says to rerun the tool."""
    try:
        yield
    except AssertionError as error:
        live = _torch.__version__ if _torch is not None else "?"
        raise AssertionError(
            f"{what}: adamcourse/torch_results.json (PyTorch {torch_results.load()['torch_version']}) no longer "
            f"matches PyTorch {live}; if PyTorch changed on purpose, rerun {MAKE_GOLDEN}.\n{error}"
        ) from None


def _warmup_then_cosine(torch, opt):
    s = torch.optim.lr_scheduler
    warmup = s.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=4)  # from 0.001 to 0.01
    cosine = s.CosineAnnealingLR(opt, T_max=15, eta_min=0.001)
    return s.SequentialLR(opt, [warmup, cosine], milestones=[4])


# id: (our optimizer, torch optimizer factory, torch scheduler factory). 20 updates: steps 0-19.
TORCH_RUNS = {
    "Adam, LinearLR then CosineAnnealingLR (SequentialLR)": (
        Adam.like_torch(
            lr=LinearWarmup(steps=4, then=CosineDecay(lr=0.01, decay_steps=15, min_lr=0.001), start_lr=0.001)
        ),
        lambda o, p: o.Adam(p, lr=0.01),
        _warmup_then_cosine,
    ),
    "AdamW, CosineAnnealingLR": (
        AdamW.like_torch(lr=CosineDecay(lr=0.01, decay_steps=19)),
        lambda o, p: o.AdamW(p, lr=0.01),
        lambda torch, opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=19),
    ),
    "SGD momentum, ExponentialLR": (  # PyTorch's velocity sums raw gradients: lr applies at the step
        Momentum.like_torch(lr=ExponentialDecay(lr=0.05, decay_rate=0.8)),
        lambda o, p: o.SGD(p, lr=0.05, momentum=0.9),
        lambda torch, opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8),
    ),
    "SGD, MultiStepLR": (
        SGD.like_torch(lr=StepDecay(boundaries=(5, 12), values=(0.1, 0.05, 0.025))),
        lambda o, p: o.SGD(p, lr=0.1),
        lambda torch, opt: torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[5, 12], gamma=0.5),
    ),
    "Adam with L2, LambdaLR with the same formula": (
        Adam.like_torch(
            lr=LinearWarmup(steps=3, then=ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=4)), l2=0.1
        ),
        lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1),
        # LambdaLR multiplies the base lr by the function of last_epoch: the same count as ours
        lambda torch, opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda e: e / 3 if e < 3 else 0.5 ** ((e - 3) / 4)),
    ),
}


def run_torch(torch, make_opt, make_scheduler, params, grads):
    """PyTorch's parameters after the run, and the lr each update used."""
    tensors = [torch.nn.Parameter(torch.tensor(params[k])) for k in SHAPES]
    opt = make_opt(torch.optim, tensors)
    scheduler = make_scheduler(torch, opt)
    lrs = []
    for g in grads:
        for tensor, key in zip(tensors, SHAPES):
            tensor.grad = torch.tensor(g[key])
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()  # PyTorch's order: the scheduler steps after the optimizer
    return {k: t.detach().numpy() for k, t in zip(SHAPES, tensors)}, lrs


def stored_run(case, dtype):
    """PyTorch's parameters after the run ``case`` in ``dtype``, and the lr of each update, as stored."""
    entry = stored_torch("schedules", "runs", case)
    return stored_arrays(stored_torch("schedules", "runs", case, np.dtype(dtype).name, "params"), dtype), entry["lrs"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(TORCH_RUNS))
def test_a_run_with_a_schedule_matches_pytorch(case, dtype):
    ours, make_opt, make_scheduler = TORCH_RUNS[case]
    params, grads = _problem(dtype, seed=1)
    our_params, state = _ours(ours, params, grads)
    torch_params, torch_lrs = stored_run(case, dtype)
    if _torch is not None:
        live_params, live_lrs = run_torch(_torch, make_opt, make_scheduler, params, grads)
        with no_drift(case):
            np.testing.assert_allclose(torch_lrs, live_lrs, rtol=1e-13, atol=1e-18, err_msg="lrs")
            _assert_same(torch_params, live_params, dtype, case)
    # the lr of every update, then the parameters after all of them
    np.testing.assert_allclose([ours._lr_at(t) for t in range(1, STEPS + 1)], torch_lrs, rtol=1e-13, atol=1e-18)
    _assert_same(our_params, torch_params, dtype, case)
    assert state.t == STEPS


def torch_cosine_after_t_max(torch):
    """The lr of 8 updates under CosineAnnealingLR(T_max=5) from lr=0.01: 3 updates past T_max."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    lrs = []
    for _ in range(8):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


def test_pytorch_cosine_climbs_back_after_t_max_ours_stays_at_the_floor():
    lrs = stored_torch("schedules", "CosineAnnealingLR(T_max=5), 8 updates")
    if _torch is not None:
        with no_drift("CosineAnnealingLR past T_max"):
            np.testing.assert_allclose(lrs, torch_cosine_after_t_max(_torch), rtol=1e-13, atol=1e-18)
    ours = CosineDecay(lr=0.01, decay_steps=5)
    np.testing.assert_allclose([ours(s) for s in range(6)], lrs[:6], rtol=1e-13, atol=1e-18)
    assert lrs[7] > lrs[6] > 0 and ours(7) == ours(6) == 0.0


def test_pytorch_parity_is_sharp_enough_to_see_an_off_by_one_schedule():
    # calling the schedule with t instead of t - 1 (one step ahead) is far from PyTorch's run
    case = "Adam, LinearLR then CosineAnnealingLR (SequentialLR)"
    schedule = TORCH_RUNS[case][0].lr
    ahead = Adam.like_torch(lr=lambda step: schedule(step + 1))
    params, grads = _problem(np.float64, seed=1)
    our_params, _ = _ours(ahead, params, grads)
    torch_params, _ = stored_run(case, np.float64)
    with pytest.raises(AssertionError):
        _assert_same(our_params, torch_params, np.float64, "one step ahead")


def test_a_stored_value_off_by_a_billionth_fails_the_pytorch_test(monkeypatch):
    # the negative control of the stored results: one number of the file nudged by 1e-9 of itself
    # fails the test above, as drift where PyTorch is installed, as a mismatch with ours where not
    case = "Adam, LinearLR then CosineAnnealingLR (SequentialLR)"
    test_a_run_with_a_schedule_matches_pytorch(case, np.float64)  # untouched, it passes
    tampered = copy.deepcopy(torch_results.load())
    tampered["schedules"]["runs"][case]["float64"]["params"]["w"][0][0] *= 1 + 1e-9
    monkeypatch.setattr(torch_results, "load", lambda: tampered)
    with pytest.raises(AssertionError) as caught:
        test_a_run_with_a_schedule_matches_pytorch(case, np.float64)
    assert "[w]" in str(caught.value)  # the nudged array is named
    if _torch is not None:
        assert f"rerun {MAKE_GOLDEN}" in str(caught.value)


# --- the Keras bridge passes schedules through -------------------------------------------------

# binary fractions, so that min_lr / lr (Keras' alpha) and back is exact
BRIDGE_SCHEDULES = [
    Constant(2.0**-7),
    StepDecay(boundaries=(5, 12), values=(2.0**-6, 2.0**-7, 2.0**-9)),
    ExponentialDecay(lr=2.0**-6, decay_rate=0.5, decay_steps=4, staircase=True),
    CosineDecay(lr=2.0**-6, decay_steps=15, min_lr=2.0**-10),
    LinearWarmup(steps=4, then=CosineDecay(lr=2.0**-6, decay_steps=12, min_lr=2.0**-9), start_lr=2.0**-9),
    LinearWarmup(steps=3, then=ExponentialDecay(lr=2.0**-6, decay_rate=0.5, decay_steps=4)),  # Keras has no such warmup
    LinearWarmup(steps=3, then=2.0**-6),
]


@pytest.mark.parametrize("schedule", BRIDGE_SCHEDULES, ids=repr)
def test_to_keras_runs_the_schedule_like_the_numpy_optimizer(keras, schedule):
    from adamcourse.keras_bridge import to_keras, to_keras_schedule

    keras_schedule = to_keras_schedule(schedule)
    values = [float(keras_schedule(step)) if callable(keras_schedule) else keras_schedule for step in range(STEPS)]
    np.testing.assert_allclose(values, [schedule(step) for step in range(STEPS)], rtol=3e-7, atol=3e-7 * max(values))
    opt = Adam.like_keras(lr=schedule)
    params, grads = _problem(np.float32)
    ours, _ = _ours(opt, params, grads)
    theirs = _run_keras(keras, to_keras(opt), params, grads)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-5, err_msg=key)


@pytest.mark.parametrize("schedule", BRIDGE_SCHEDULES[1:], ids=repr)
def test_the_keras_twin_gives_the_schedule_back_and_survives_its_config(keras, schedule):
    from adamcourse.keras_bridge import to_keras

    opt = AdamW(lr=schedule, weight_decay=0.05)
    twin = to_keras(opt)
    assert twin.numpy_twin() == opt
    clone = keras.optimizers.deserialize(keras.optimizers.serialize(twin))
    assert clone.numpy_twin() == opt


def test_the_keras_twin_of_a_constant_is_the_number(keras):
    from adamcourse.keras_bridge import to_keras

    assert to_keras(SGD(lr=Constant(0.25))).numpy_twin() == SGD(lr=0.25)


def test_keras_cannot_take_a_plain_function(keras):
    from adamcourse.keras_bridge import to_keras, to_keras_schedule

    with pytest.raises(
        TypeError, match=r"to_keras: lr=.* is a plain function.*Use a schedule from adamcourse.schedules"
    ):
        to_keras(Adam(lr=lambda step: 0.01))
    with pytest.raises(TypeError, match=r"to_keras_schedule: expected a schedule from adamcourse.schedules"):
        to_keras_schedule(lambda step: 0.01)
