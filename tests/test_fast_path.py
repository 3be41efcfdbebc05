"""The fast path, ``state = opt.step_(params, grads, state)``: it must compute
what the reference ``step`` computes, bit for bit, for every optimizer, dtype
and layout, give the same input errors, overwrite nothing when it refuses,
and allocate nothing per step. Plus the precision messages (float16 and eps)
that both paths share.

The reference here is the library's own ``step``, which tests/test_optimizers.py
checks against hand-worked numbers and tests/test_parity.py against PyTorch and Keras.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

from adamcourse import SGD, AdaGrad, Adam, AdamW, ExponentialDecay, Momentum, RMSProp, fastpath
from adamcourse.optimizers import ALL_OPTIMIZERS, AdamState

HAVE_NUMBA = "numba" in fastpath.available_engines()
ENGINES = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed"))]

OPTIMIZERS = [
    SGD(lr=0.1),
    Momentum(lr=0.05),
    Momentum(lr=0.05, nesterov=True),
    Momentum.like_torch(lr=0.05, nesterov=True),
    Momentum.like_torch(lr=0.05),
    AdaGrad(lr=0.1),
    AdaGrad.like_keras(lr=0.1),
    RMSProp(lr=0.01),
    RMSProp.like_keras(lr=0.01),
    Adam(lr=0.01),
    Adam(lr=0.01, amsgrad=True),
    Adam.like_keras(lr=0.01),
    Adam.like_keras(lr=0.01, amsgrad=True),
    Adam(lr=0.01, bias_correction=False),
    AdamW(lr=0.01, weight_decay=0.1),
    AdamW.like_keras(lr=0.01, weight_decay=0.1, amsgrad=True),
    AdamW(lr=0.01, weight_decay=0.0),
    # What every optimizer can add before its rule: a schedule, L2, clipping.
    Adam(lr=ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=2), l2=1e-2),
    Momentum(lr=0.05, global_clipnorm=1.0),
]


def params_for(dtype, seed=0):
    """A dict that exercises every layout: bigger than a block (of the reference and
    of the NumPy engine), small, 0-d, 2-D in Fortran order, and a strided view.
    Fresh arrays on every call, the same numbers for the same seed."""
    rng = np.random.default_rng(seed)
    big = 70_000  # > the reference's 32768-number blocks and the NumPy engine's 65536 float32 ones
    return {
        "big": rng.standard_normal(big).astype(dtype),
        "small": rng.standard_normal(7).astype(dtype),
        "scalar": np.asarray(rng.standard_normal(), dtype=dtype),
        "fortran": np.asfortranarray(rng.standard_normal((40, 30)).astype(dtype)),
        "strided": rng.standard_normal(200).astype(dtype)[::2],
        "mixed": rng.standard_normal((30, 20)).astype(dtype),  # C order, its gradient in Fortran order
    }


def grads_for(params, rng, k):
    grads = {}
    for key, p in params.items():
        grads[key] = np.empty_like(p, order="F" if key == "mixed" else "K")  # the params' layout, but "mixed"
        grads[key][...] = rng.standard_normal(p.shape)
    if k == 0:
        grads["big"][:100] = 0  # v stays 0 there for a step: eps alone keeps the division finite
    return grads


def copy_tree(tree):
    return (
        {key: np.array(a, order="K") for key, a in tree.items()}
        if isinstance(tree, dict)
        else np.array(tree, order="K")
    )


def same_bits(a, b) -> bool:
    """Equal to the last bit (NaN payloads and signed zeros included)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def for_dtype(opt, dtype):
    # float16 cannot hold eps=1e-8 (that is refused, see the precision tests); 1e-4 it can.
    if dtype == np.float16 and hasattr(opt, "eps"):
        return dataclasses.replace(opt, eps=1e-4)
    return opt


# --- the same numbers ------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: o.label)
def test_in_place_steps_equal_the_reference_bit_for_bit(opt, dtype, engine):
    opt = for_dtype(opt, dtype)
    rng = np.random.default_rng(1)
    params = params_for(dtype)
    ref_p, ref_state = params_for(dtype), opt.init(params)
    fast_p, fast_state = params_for(dtype), opt.init(params)
    assert not fast_p["strided"].flags.c_contiguous and fast_p["fortran"].flags.f_contiguous
    assert not fast_p["fortran"].flags.c_contiguous
    for k in range(4):
        grads = grads_for(params, rng, k)
        ref_p, ref_state = opt.step(ref_p, grads, ref_state)
        returned = opt.step_(fast_p, grads, fast_state, engine=engine)
        assert returned.t == ref_state.t == k + 1
        fast_state = returned
        for key in params:
            assert same_bits(fast_p[key], ref_p[key]), f"params[{key!r}] after step {k + 1}"
            for name in opt._slot_names():
                assert same_bits(getattr(fast_state, name)[key], getattr(ref_state, name)[key]), (
                    f"state.{name}[{key!r}]"
                )


@pytest.mark.parametrize("engine", ["auto", *ENGINES])
@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
def test_a_bare_array_is_updated_in_place_and_the_state_keeps_its_arrays(cls, engine):
    opt = cls()
    rng = np.random.default_rng(1)
    p = rng.standard_normal(100_000).astype(np.float32)
    g = rng.standard_normal(100_000).astype(np.float32)
    state = opt.init(p)
    slots = {name: getattr(state, name) for name in opt._slot_names()}
    want_p, want_state = opt.step(p, g, state)
    p_before, g_before = p.copy(), g.copy()
    new_state = opt.step_(p, g, state, engine=engine)
    assert same_bits(p, want_p) and not same_bits(p, p_before)  # the caller's own array changed
    assert same_bits(g, g_before)  # grads are read, never written
    assert type(new_state) is type(state) and new_state.t == 1 and state.t == 0
    for name, array in slots.items():
        assert getattr(new_state, name) is array  # the same arrays, updated
        assert same_bits(array, getattr(want_state, name))


def test_grads_in_another_dtype_are_converted_as_step_converts_them():
    opt = Adam(lr=0.01)
    p = np.linspace(-1, 1, 50, dtype=np.float32)
    g = np.linspace(2, -3, 50)  # float64 grads for float32 params: updated in float32, as frameworks do
    want, _ = opt.step(p, g, opt.init(p))
    opt.step_(p, g, opt.init(p))
    assert p.dtype == np.float32 and same_bits(p, want)


def test_state_from_step_and_step_can_take_turns():
    # step's arrays (one allocation shared by params and slots) are fine for step_ and back.
    opt, rng = Adam(lr=0.01), np.random.default_rng(2)
    p = rng.standard_normal(40_000)
    ref_p, ref_state = p.copy(), opt.init(p)
    mixed_p, mixed_state = p.copy(), opt.init(p)
    for k in range(4):
        g = rng.standard_normal(40_000)
        ref_p, ref_state = opt.step(ref_p, g, ref_state)
        if k % 2:
            mixed_state = opt.step_(mixed_p, g, mixed_state)
        else:
            mixed_p, mixed_state = opt.step(mixed_p, g, mixed_state)
    assert same_bits(mixed_p, ref_p) and same_bits(mixed_state.v, ref_state.v)


def test_a_subclass_with_its_own_rule_is_stepped_with_that_rule():
    class SignSGD(SGD):  # no kernel knows this rule: its own _update runs, block by block
        def _update(self, p, g, t):
            return (p - self.lr * np.sign(g),)

    opt, rng = SignSGD(lr=0.1), np.random.default_rng(3)
    p, g = rng.standard_normal(100_000), rng.standard_normal(100_000)
    want, _ = opt.step(p, g, opt.init(p))
    for engine in ["auto", *fastpath.available_engines()]:
        q = p.copy()
        opt.step_(q, g, opt.init(q), engine=engine)
        assert same_bits(q, want)


def test_a_subclass_that_keeps_the_rule_keeps_the_kernel_unless_it_adds_a_setting():
    @dataclasses.dataclass(frozen=True)
    class MyAdam(Adam):  # a learner's renamed Adam: same rule, same kernel
        pass

    @dataclasses.dataclass(frozen=True)
    class NoisyAdam(Adam):  # a setting no kernel knows: the generic path, unless it is at its default
        noise: float = 0.0

    assert fastpath._kernel(MyAdam()) is fastpath._kernel(Adam()) is not None
    assert fastpath._kernel(NoisyAdam()) is not None
    assert fastpath._kernel(NoisyAdam(noise=0.1)) is None


@pytest.mark.parametrize("engine", ENGINES)
def test_two_threads_stepping_two_models_do_not_share_scratch(engine):
    # The NumPy engine keeps its scratch arrays per thread.
    opt, rng = RMSProp(lr=0.01), np.random.default_rng(4)
    models = [rng.standard_normal(300_000).astype(np.float32) for _ in range(2)]
    grads = [rng.standard_normal(300_000).astype(np.float32) for _ in range(2)]
    wants = []
    for p, g in zip(models, grads):
        want, state = p.copy(), opt.init(p)
        for _ in range(5):
            want, state = opt.step(want, g, state)
        wants.append(want)

    def train(p, g):
        state = opt.init(p)
        for _ in range(5):
            state = opt.step_(p, g, state, engine=engine)

    threads = [threading.Thread(target=train, args=pair) for pair in zip(models, grads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(same_bits(p, want) for p, want in zip(models, wants))


# --- the same input checks, and nothing overwritten when one fails -------------------


def _bad_inputs():
    p = {"w": np.ones(3, np.float32), "b": np.ones(2, np.float32)}
    g = {"w": np.ones(3, np.float32), "b": np.ones(2, np.float32)}
    nan_late = {"w": np.ones(3, np.float32), "b": np.array([1.0, np.nan], np.float32)}
    return {
        "a list": ([1.0, 2.0], [1.0, 2.0], None),
        "integers": (np.array([1, 2]), np.array([1, 2]), None),
        "missing key": (p, {"w": g["w"]}, "state"),
        "wrong shape": (p, {"w": np.ones(4, np.float32), "b": g["b"]}, "state"),
        "another optimizer's state": (p, g, RMSProp().init(p)),
        "NaN in the last array": (p, nan_late, "state"),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()), ids=str)
def test_step_and_step_refuse_the_same_inputs_with_the_same_words(case):
    params, grads, state = _bad_inputs()[case]
    opt = Adam()
    if isinstance(state, str):
        state = opt.init(params)
    elif state is None:
        state = AdamState(t=0, m=np.zeros(2), v=np.zeros(2))
    before = (copy_tree(params), state)
    with pytest.raises(Exception) as reference:
        opt.step(params, grads, state)
    with pytest.raises(Exception) as fast:
        opt.step_(params, grads, state)
    assert type(fast.value) is type(reference.value)
    assert str(fast.value) == str(reference.value)
    if isinstance(params, dict):  # nothing was overwritten: not the first array, not the state
        assert all(same_bits(params[k], before[0][k]) for k in params)
        if isinstance(state, AdamState) and isinstance(state.m, dict):
            assert all(not state.m[k].any() and not state.v[k].any() for k in state.m)


def test_what_step_overwrites_must_be_writable_and_not_shared():
    opt, p, g = Adam(), np.ones(5), np.ones(5)
    state = opt.init(p)
    frozen = p.copy()
    frozen.setflags(write=False)
    with pytest.raises(ValueError, match=r"Adam.step_ overwrites params in place, but it is read-only.*use step\(\)"):
        opt.step_(frozen, g, state)
    with pytest.raises(ValueError, match=r"params and grads share memory.*grads.copy\(\)"):
        opt.step_(p, p, state)
    with pytest.raises(ValueError, match=r"params and state.m share memory.*opt.init\(params\)"):
        opt.step_(p, g, AdamState(t=0, m=p, v=np.zeros(5)))
    buffer = np.zeros(10)
    opt.step_(buffer[:5], g, opt.init(buffer[5:]))  # two halves of one buffer do not overlap: fine
    with pytest.raises(ValueError, match="engine must be one of"):
        opt.step_(p, g, state, engine="fused")
    assert same_bits(p, np.ones(5)) and state.t == 0


def test_without_numba_auto_takes_numpy_and_numba_says_how_to_get_it(monkeypatch):
    opt = Adam(eps=1e-4)
    # Without numba (monkeypatched away): auto still works, numba explains how to get it.
    monkeypatch.setattr(fastpath, "_numba_tried", True)
    monkeypatch.setattr(fastpath, "_numba_module", None)
    monkeypatch.setattr(fastpath, "_numba_problem", "numba could not be imported (ModuleNotFoundError: no numba)")
    assert fastpath.available_engines() == ("numpy",)
    q = np.ones(5, np.float32)
    opt.step_(q, np.ones(5, np.float32), opt.init(q))
    with pytest.raises(ValueError, match="pip install numba"):
        opt.step_(q, np.ones(5, np.float32), opt.init(q), engine="numba")


def test_without_numba_installed_everything_still_works():
    code = (
        "import sys; sys.modules['numba'] = None\n"  # an import of numba now fails, as if not installed
        "import numpy as np\n"
        "from adamcourse import Adam, fastpath\n"
        "opt = Adam(lr=0.01); p = np.linspace(-1, 1, 100000, dtype=np.float32); g = np.cos(p)\n"
        "want, _ = opt.step(p, g, opt.init(p))\n"
        "opt.step_(p, g, opt.init(p))\n"
        "assert p.tobytes() == want.tobytes()\n"
        "print(fastpath.available_engines(), fastpath.numba_problem())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("('numpy',) numba could not be imported")


def test_import_adamcourse_does_not_import_numba():
    code = "import sys, adamcourse; print('numba' in sys.modules, 'adamcourse.fastpath' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# --- no allocation per step ------------------------------------------------------------


def _peak_bytes_over_steps(step, steps=5):
    step()  # warm up: scratch arrays, numba's compiled loop
    tracemalloc.start()
    try:
        for _ in range(steps):
            step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_fast_path_allocates_nothing_that_grows_with_the_model(engine):
    n = 1_000_000  # 4 MB of float32 parameters
    opt, rng = Adam(lr=0.001), np.random.default_rng(5)
    p, g = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    box = {"state": opt.init(p)}

    def fast():
        box["state"] = opt.step_(p, g, box["state"], engine=engine)

    def reference():
        box["p"], box["ref"] = opt.step(box.get("p", p.copy()), g, box.get("ref", opt.init(p)))

    assert _peak_bytes_over_steps(fast) < 64 * 1024  # Python objects only: the state, views, flags
    assert _peak_bytes_over_steps(reference) > 3 * 4 * n  # the control: new p, m and v every step


# --- precision: eps in float16, and NaN or Inf from finite inputs ----------------------


@pytest.mark.parametrize("cls", [AdaGrad, RMSProp, Adam, AdamW])
def test_eps_that_rounds_to_zero_is_refused_with_what_to_do(cls):
    p = np.ones(3, np.float16)
    opt = cls(eps=1e-8)
    assert np.float16(1e-8) == 0  # what the check is about
    with pytest.raises(ValueError) as error:
        opt.init(p)
    message = str(error.value)
    assert f"{cls.__name__}: eps=1e-08 rounds to 0 in float16" in message
    assert "divides by zero wherever v is 0" in message
    assert f"{cls.__name__}(eps=1e-4)" in message and "float32" in message
    # step and step_ say the same, for a state built by hand (init would have refused)
    state = opt.State(t=0, **{name: np.zeros(3, np.float16) for name in opt._slot_names()})
    for update in (opt.step, opt.step_):
        with pytest.raises(ValueError, match="rounds to 0 in float16"):
            update(p, np.ones(3, np.float16), state)
    # The same eps in float32, and a float16-sized eps, are fine.
    cls(eps=1e-8).init(p.astype(np.float32))
    cls(eps=1e-4).init(p)


def test_eps_zero_is_harmless_when_v_never_is():
    # AdaGrad started at 0.1 (Keras) divides by at least sqrt(0.1): no message, finite steps.
    opt, p = AdaGrad(eps=1e-8, initial_accumulator=0.1), np.ones(3, np.float16)
    new_p, _ = opt.step(p, np.zeros(3, np.float16), opt.init(p))
    assert np.isfinite(new_p).all()


def test_the_check_is_not_idle_eps_zero_in_float16_does_give_nan():
    # What the learner would get without the check: Adam's rule on float16 with eps = 0.
    opt = Adam(eps=1e-4)
    p, g, zero = np.ones(2, np.float16), np.array([0.5, 0.0], np.float16), np.zeros(2, np.float16)
    with np.errstate(invalid="ignore", divide="ignore"):
        new_p, _, _ = dataclasses.replace(opt, eps=1e-300)._update(p, g, 1, zero, zero)  # 1e-300 -> 0 in float16
    assert np.isnan(new_p[1])
    assert np.isfinite(opt.step(p, g, opt.init(p))[0]).all()  # eps=1e-4: finite


@pytest.mark.parametrize("engine", ["reference", "numpy", "auto"])  # float16 never reaches numba
def test_a_step_that_overflows_float16_warns_with_what_to_do(engine):
    # AdaGrad on float16 with Keras' eps=1e-7 (float16 holds it): g**2 = 1e-8 rounds to 0, so the
    # step is lr * g / eps = 100 * 1e-4 / 1.2e-7 = 84000 > 65504, the largest float16: Inf.
    opt = AdaGrad(lr=100.0, eps=1e-7)
    p, g = np.zeros(4, np.float16), np.full(4, 1e-4, np.float16)
    with pytest.warns(RuntimeWarning) as caught:
        if engine == "reference":
            new_p, _ = opt.step(p, g, opt.init(p))
        else:
            opt.step_(p, g, opt.init(p), engine=engine)
            new_p = p
    assert np.isinf(new_p).all()
    (ours,) = [w for w in caught if "after this step" in str(w.message)]  # NumPy may add its own "overflow"
    message = str(ours.message)
    assert "AdaGrad: after this step params (float16) holds NaN or Inf, although the gradients were finite" in message
    assert "eps=1e-4" in message and "float32" in message
    assert ours.filename == __file__  # points at the learner's line, not the library's


@pytest.mark.parametrize("engine", ["reference", *ENGINES])
def test_a_float32_overflow_warns_about_the_learning_rate(engine):
    opt = SGD(lr=1e30)
    p, g = np.ones(70_000, np.float32), np.full(70_000, 1e10, np.float32)  # a step of 1e40 > 3.4e38
    with pytest.warns(RuntimeWarning, match=r"overflowed float32 .*lower the learning rate \(now lr=1e\+30\)"):
        if engine == "reference":
            opt.step(p, g, opt.init(p))
        else:
            opt.step_(p, g, opt.init(p), engine=engine)


@pytest.mark.parametrize("engine", ["reference", *ENGINES])
def test_ordinary_steps_do_not_warn(engine):
    opt, rng = Adam(lr=0.01), np.random.default_rng(6)
    p = rng.standard_normal(70_000).astype(np.float32)
    state = opt.init(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            g = rng.standard_normal(70_000).astype(np.float32)
            if engine == "reference":
                p, state = opt.step(p, g, state)
            else:
                state = opt.step_(p, g, state, engine=engine)
