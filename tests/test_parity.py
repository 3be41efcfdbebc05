"""Framework parity: each named option reproduces Keras or PyTorch exactly.

Every case runs 20 steps on the same random gradients in our optimizer and in
the framework's, then compares the parameters (float64: rtol 1e-10; float32:
a few ulps) and, in float64, the optimizer state too. Gradients change scale
from step to step (so AMSGrad's maximum matters), and one array has tiny
gradients (so the placement of eps matters). Negative controls show that the
comparison is sharp enough to tell the forms apart.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamcourse import SGD, AdaGrad, Adam, AdamW, Momentum, RMSProp, run, torch_results

try:  # PyTorch is optional: where it is missing, its stored results stand in for it
    import torch as _torch
except ImportError:
    _torch = None

STEPS = 20
ULPS = 2  # float32: PyTorch's CPU kernels fuse multiply-adds, so a step may round one ulp apart
SHAPES = {"w": (4, 3), "b": (5,), "tiny": (6,)}


def _problem(dtype, seed=0):
    """Start params (bounded away from 0, so ulps are meaningful) and 20 gradients."""
    rng = np.random.default_rng(seed)
    params = {
        k: (rng.uniform(0.5, 2.0, size=s) * rng.choice([-1.0, 1.0], size=s)).astype(dtype) for k, s in SHAPES.items()
    }
    grads = []
    for _ in range(STEPS):
        scale = rng.uniform(0.1, 3.0)  # the gradient scale jumps about: AMSGrad's max matters
        step = {k: (scale * rng.normal(size=s)).astype(dtype) for k, s in SHAPES.items()}
        step["tiny"] = (1e-4 * rng.normal(size=SHAPES["tiny"])).astype(dtype)  # eps matters here
        grads.append(step)
    return params, grads


def _ours(opt, params, grads):
    state = opt.init(params)
    for g in grads:
        params, state = opt.step(params, g, state)
    return params, state


def _assert_same(ours, theirs, dtype, what):
    for key in ours:
        a, b = ours[key], theirs[key]
        assert a.dtype == np.dtype(dtype), f"{what}[{key}] came back as {a.dtype}"
        if dtype == np.float64:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=0, err_msg=f"{what}[{key}]")
        else:
            np.testing.assert_array_max_ulp(a, b.astype(np.float32), maxulp=ULPS)


# --- Keras ---------------------------------------------------------------------

# Keras keeps the learning rate in a float32 variable and turns Python
# hyperparameters into tensors through float32 before casting them to the
# parameter's dtype (momentum 0.9 becomes 0.8999999761581421 in float64). So
# the float64 runs use numbers that float32 holds exactly (sums of powers of
# two); the float32 runs use Keras' default betas, epsilon, initial
# accumulator and weight decay, with lr=0.01 so that the parameters move.
EXACT = {"lr": 2.0**-6, "beta": 0.875, "beta2": 1 - 2.0**-7, "eps": 2.0**-20, "wd": 0.125, "acc": 0.375}
TYPICAL = {"lr": 0.01, "beta": 0.9, "beta2": 0.999, "eps": 1e-7, "wd": 0.004, "acc": 0.1}

KERAS_CASES = {
    # id: h -> (our optimizer, Keras optimizer factory)
    "SGD": lambda h: (SGD.like_keras(lr=h["lr"]), lambda k: k.optimizers.SGD(learning_rate=h["lr"])),
    "SGD momentum": lambda h: (
        Momentum.like_keras(lr=h["lr"], beta=h["beta"]),
        lambda k: k.optimizers.SGD(learning_rate=h["lr"], momentum=h["beta"]),
    ),
    "SGD nesterov": lambda h: (
        Momentum.like_keras(lr=h["lr"], beta=h["beta"], nesterov=True),
        lambda k: k.optimizers.SGD(learning_rate=h["lr"], momentum=h["beta"], nesterov=True),
    ),
    "Adagrad": lambda h: (
        AdaGrad.like_keras(lr=h["lr"], eps=h["eps"], initial_accumulator=h["acc"]),
        lambda k: k.optimizers.Adagrad(learning_rate=h["lr"], epsilon=h["eps"], initial_accumulator_value=h["acc"]),
    ),
    "Adagrad initial_accumulator_value=0": lambda h: (
        AdaGrad.like_keras(lr=h["lr"], eps=h["eps"], initial_accumulator=0.0),
        lambda k: k.optimizers.Adagrad(learning_rate=h["lr"], epsilon=h["eps"], initial_accumulator_value=0.0),
    ),
    "RMSprop": lambda h: (
        RMSProp.like_keras(lr=h["lr"], beta=h["beta"], eps=h["eps"]),
        lambda k: k.optimizers.RMSprop(learning_rate=h["lr"], rho=h["beta"], epsilon=h["eps"]),
    ),
    "Adam": lambda h: (
        Adam.like_keras(lr=h["lr"], beta1=h["beta"], beta2=h["beta2"], eps=h["eps"]),
        lambda k: k.optimizers.Adam(learning_rate=h["lr"], beta_1=h["beta"], beta_2=h["beta2"], epsilon=h["eps"]),
    ),
    "Adam amsgrad": lambda h: (
        Adam.like_keras(lr=h["lr"], beta1=h["beta"], beta2=h["beta2"], eps=h["eps"], amsgrad=True),
        lambda k: k.optimizers.Adam(
            learning_rate=h["lr"], beta_1=h["beta"], beta_2=h["beta2"], epsilon=h["eps"], amsgrad=True
        ),
    ),
    "AdamW": lambda h: (
        AdamW.like_keras(lr=h["lr"], beta1=h["beta"], beta2=h["beta2"], eps=h["eps"], weight_decay=h["wd"]),
        lambda k: k.optimizers.AdamW(
            learning_rate=h["lr"], beta_1=h["beta"], beta_2=h["beta2"], epsilon=h["eps"], weight_decay=h["wd"]
        ),
    ),
    "AdamW amsgrad": lambda h: (
        AdamW.like_keras(
            lr=h["lr"], beta1=h["beta"], beta2=h["beta2"], eps=h["eps"], weight_decay=h["wd"], amsgrad=True
        ),
        lambda k: k.optimizers.AdamW(
            learning_rate=h["lr"],
            beta_1=h["beta"],
            beta_2=h["beta2"],
            epsilon=h["eps"],
            weight_decay=h["wd"],
            amsgrad=True,
        ),
    ),
}


def test_keras_defaults_are_what_like_keras_sets(keras):
    """like_keras() with no arguments carries Keras' own default hyperparameters."""
    pairs = [
        (SGD.like_keras(), keras.optimizers.SGD(), {"lr": "learning_rate"}),
        (Momentum.like_keras(), keras.optimizers.SGD(momentum=0.9), {"lr": "learning_rate", "beta": "momentum"}),
        (
            AdaGrad.like_keras(),
            keras.optimizers.Adagrad(),
            {"lr": "learning_rate", "eps": "epsilon", "initial_accumulator": "initial_accumulator_value"},
        ),
        (RMSProp.like_keras(), keras.optimizers.RMSprop(), {"lr": "learning_rate", "beta": "rho", "eps": "epsilon"}),
        (
            Adam.like_keras(),
            keras.optimizers.Adam(),
            {"lr": "learning_rate", "beta1": "beta_1", "beta2": "beta_2", "eps": "epsilon"},
        ),
        (
            AdamW.like_keras(),
            keras.optimizers.AdamW(),
            {
                "lr": "learning_rate",
                "beta1": "beta_1",
                "beta2": "beta_2",
                "eps": "epsilon",
                "weight_decay": "weight_decay",
            },
        ),
    ]
    for ours, theirs, names in pairs:
        config = theirs.get_config()
        for our_name, keras_name in names.items():
            assert getattr(ours, our_name) == pytest.approx(config[keras_name], rel=1e-7), (ours, keras_name)


# Where Keras keeps the state our dataclass names (variables are built in SHAPES order).
KERAS_SLOTS = {
    Momentum: {"velocity": "momentums"},
    AdaGrad: {"v": "_accumulators"},
    RMSProp: {"v": "_velocities"},
    Adam: {"m": "_momentums", "v": "_velocities", "v_max": "_velocity_hats"},
    AdamW: {"m": "_momentums", "v": "_velocities", "v_max": "_velocity_hats"},
}


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras", reason="Keras is not installed: Keras parity not checked")


def _run_keras(keras, make, params, grads, dtype):
    opt = make(keras)
    variables = [keras.Variable(params[k], dtype=dtype, name=k) for k in SHAPES]
    for g in grads:
        opt.apply([keras.ops.convert_to_tensor(g[k], dtype=dtype) for k in SHAPES], variables)
    final = {k: np.asarray(v.numpy()) for k, v in zip(SHAPES, variables)}
    return opt, final


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(KERAS_CASES))
def test_keras_parity(keras, case, dtype):
    ours, make = KERAS_CASES[case](EXACT if dtype == np.float64 else TYPICAL)
    params, grads = _problem(dtype)
    our_params, our_state = _ours(ours, params, grads)
    keras_opt, keras_params = _run_keras(keras, make, params, grads, dtype)

    _assert_same(our_params, keras_params, dtype, f"{case} params")
    assert our_state.t == int(keras_opt.iterations.numpy()) == STEPS
    if dtype == np.float64:
        for ours_name, keras_name in KERAS_SLOTS.get(type(ours), {}).items():
            slot = getattr(our_state, ours_name)
            if slot is None:
                continue
            theirs = {k: np.asarray(v.numpy()) for k, v in zip(SHAPES, getattr(keras_opt, keras_name))}
            _assert_same(slot, theirs, dtype, f"{case} state.{ours_name}")


@pytest.mark.parametrize(
    "case, paper_form",
    [
        # eps outside the corrected root, not "epsilon hat"
        ("Adam", Adam(lr=EXACT["lr"], beta1=EXACT["beta"], beta2=EXACT["beta2"], eps=EXACT["eps"])),
        # eps outside the root
        ("RMSprop", RMSProp(lr=EXACT["lr"], beta=EXACT["beta"], eps=EXACT["eps"])),
        # the accumulator starts at 0, not 0.1
        ("Adagrad", AdaGrad(lr=EXACT["lr"], eps=EXACT["eps"], eps_inside_sqrt=True)),
    ],
)
def test_keras_parity_is_sharp_enough_to_see_the_default_form_differ(keras, case, paper_form):
    params, grads = _problem(np.float64)
    our_params, _ = _ours(paper_form, params, grads)
    _, make = KERAS_CASES[case](EXACT)
    _, keras_params = _run_keras(keras, make, params, grads, np.float64)
    with pytest.raises(AssertionError):
        _assert_same(our_params, keras_params, np.float64, case)


# --- PyTorch -------------------------------------------------------------------
#
# Every case compares the course's optimizer with PyTorch's results as stored in
# adamcourse/torch_results.json (written by tools/make_torch_golden.py, which runs the cases
# below), so the comparison runs everywhere. Where PyTorch is installed (CI installs it), each
# case also runs PyTorch live and fails if the stored results have drifted from it.

TORCH_LR = 0.01

TORCH_CASES = {
    "SGD": (SGD.like_torch(lr=TORCH_LR), lambda o, p: o.SGD(p, lr=TORCH_LR)),
    "SGD momentum": (
        Momentum.like_torch(lr=TORCH_LR, beta=0.9),
        lambda o, p: o.SGD(p, lr=TORCH_LR, momentum=0.9),
    ),
    "SGD nesterov": (
        Momentum.like_torch(lr=TORCH_LR, beta=0.8, nesterov=True),
        lambda o, p: o.SGD(p, lr=TORCH_LR, momentum=0.8, nesterov=True),
    ),
    "Adagrad": (AdaGrad.like_torch(lr=TORCH_LR), lambda o, p: o.Adagrad(p, lr=TORCH_LR)),
    "Adagrad initial_accumulator_value=0.1 eps=1e-6": (
        AdaGrad.like_torch(lr=TORCH_LR, initial_accumulator=0.1, eps=1e-6),
        lambda o, p: o.Adagrad(p, lr=TORCH_LR, initial_accumulator_value=0.1, eps=1e-6),
    ),
    "RMSprop": (RMSProp.like_torch(lr=TORCH_LR), lambda o, p: o.RMSprop(p, lr=TORCH_LR)),
    "RMSprop alpha=0.9 eps=1e-6": (
        RMSProp.like_torch(lr=TORCH_LR, beta=0.9, eps=1e-6),
        lambda o, p: o.RMSprop(p, lr=TORCH_LR, alpha=0.9, eps=1e-6),
    ),
    "Adam": (Adam.like_torch(lr=TORCH_LR), lambda o, p: o.Adam(p, lr=TORCH_LR)),
    "Adam amsgrad betas=(0.8, 0.99)": (
        Adam.like_torch(lr=TORCH_LR, beta1=0.8, beta2=0.99, amsgrad=True),
        lambda o, p: o.Adam(p, lr=TORCH_LR, betas=(0.8, 0.99), amsgrad=True),
    ),
    "AdamW": (AdamW.like_torch(lr=TORCH_LR), lambda o, p: o.AdamW(p, lr=TORCH_LR)),
    "AdamW weight_decay=0.1 amsgrad": (
        AdamW.like_torch(lr=TORCH_LR, weight_decay=0.1, amsgrad=True),
        lambda o, p: o.AdamW(p, lr=TORCH_LR, weight_decay=0.1, amsgrad=True),
    ),
}

TORCH_SLOTS = {
    Momentum: {"velocity": "momentum_buffer"},
    AdaGrad: {"v": "sum"},
    RMSProp: {"v": "square_avg"},
    Adam: {"m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"},
    AdamW: {"m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"},
}


def run_torch(torch, make, params, grads):
    """PyTorch's parameters after the steps, and its optimizer state (by PyTorch's names)."""
    tensors = [torch.nn.Parameter(torch.tensor(params[k])) for k in SHAPES]
    opt = make(torch.optim, tensors)
    for g in grads:
        for tensor, key in zip(tensors, SHAPES):
            tensor.grad = torch.tensor(g[key])
        opt.step()
    final = {k: t.detach().numpy() for k, t in zip(SHAPES, tensors)}
    names = [
        n for n, value in opt.state[tensors[0]].items() if torch.is_tensor(value) and value.shape == tensors[0].shape
    ]
    return final, {name: {k: opt.state[t][name].numpy() for k, t in zip(SHAPES, tensors)} for name in names}


def stored_torch(case, dtype):
    """PyTorch's results for ``case`` as stored: parameters and state (float64 only), in ``dtype``."""
    entry = torch_results.load()["cases"].get(case, {}).get(np.dtype(dtype).name)
    assert entry is not None, (
        f"no stored PyTorch results for {case!r} ({np.dtype(dtype).name}); run `python tools/make_torch_golden.py`"
    )

    def arrays(values):
        return {k: np.array(v, dtype=dtype) for k, v in values.items()}

    return arrays(entry["params"]), {name: arrays(slot) for name, slot in entry.get("state", {}).items()}


def _no_drift(stored, live, dtype, what):
    """The stored results are still what this PyTorch computes (to the parity tolerance)."""
    try:
        _assert_same(stored, live, dtype, what)
    except AssertionError as error:
        raise AssertionError(
            f"{what}: adamcourse/torch_results.json (PyTorch {torch_results.load()['torch_version']}) no longer matches PyTorch "
            f"{_torch.__version__}; if PyTorch changed on purpose, rerun `python tools/make_torch_golden.py`.\n{error}"
        ) from None


def test_there_are_stored_torch_results_for_every_case():
    assert torch_results.load()["torch_version"] and set(torch_results.load()["cases"]) >= set(TORCH_CASES), (
        "run `python tools/make_torch_golden.py` after adding a PyTorch case"
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_torch_parity(case, dtype):
    ours, make = TORCH_CASES[case]
    params, grads = _problem(dtype, seed=1)
    our_params, our_state = _ours(ours, params, grads)
    torch_params, torch_state = stored_torch(case, dtype)
    if _torch is not None:
        live_params, live_state = run_torch(_torch, make, params, grads)
        _no_drift(torch_params, live_params, dtype, f"{case} params")
        for name, slot in torch_state.items():
            _no_drift(slot, live_state[name], dtype, f"{case} state {name}")

    _assert_same(our_params, torch_params, dtype, f"{case} params")
    if dtype == np.float64:
        for ours_name, torch_name in TORCH_SLOTS.get(type(ours), {}).items():
            slot = getattr(our_state, ours_name)
            if slot is None:
                continue
            _assert_same(slot, torch_state[torch_name], dtype, f"{case} state.{ours_name}")


# id: (our like_torch(), the torch.optim class and its arguments, our name -> PyTorch's ("betas.0": betas[0]))
TORCH_DEFAULTS = {
    "SGD": (SGD.like_torch(), "SGD", {}, {"lr": "lr"}),
    "SGD momentum=0.9": (Momentum.like_torch(), "SGD", {"momentum": 0.9}, {"lr": "lr", "beta": "momentum"}),
    "Adagrad": (
        AdaGrad.like_torch(),
        "Adagrad",
        {},
        {"lr": "lr", "eps": "eps", "initial_accumulator": "initial_accumulator_value"},
    ),
    "RMSprop": (RMSProp.like_torch(), "RMSprop", {}, {"lr": "lr", "beta": "alpha", "eps": "eps"}),
    "Adam": (Adam.like_torch(), "Adam", {}, {"lr": "lr", "eps": "eps", "beta1": "betas.0", "beta2": "betas.1"}),
    "AdamW": (
        AdamW.like_torch(),
        "AdamW",
        {},
        {"lr": "lr", "eps": "eps", "weight_decay": "weight_decay", "beta1": "betas.0", "beta2": "betas.1"},
    ),
}


def torch_defaults(torch, cls, kwargs, names):
    """PyTorch's defaults for the names in ``names``, keyed as there."""
    defaults = getattr(torch.optim, cls)([torch.nn.Parameter(torch.zeros(2))], **kwargs).defaults
    found = {}
    for key in names.values():
        name, _, index = key.partition(".")
        found[key] = defaults[name][int(index)] if index else defaults[name]
    return found


@pytest.mark.parametrize("case", list(TORCH_DEFAULTS))
def test_torch_defaults_are_what_like_torch_sets(case):
    """like_torch() with no arguments carries PyTorch's own defaults."""
    ours, cls, kwargs, names = TORCH_DEFAULTS[case]
    theirs = torch_results.load()["defaults"][case]
    if _torch is not None:
        assert torch_defaults(_torch, cls, kwargs, names) == theirs, (
            "stored defaults drifted: rerun tools/make_torch_golden.py"
        )
    for our_name, torch_name in names.items():
        assert getattr(ours, our_name) == theirs[torch_name], (ours, torch_name)
    if isinstance(ours, Adam):
        assert not ours.eps_hat


def test_torch_parity_is_sharp_enough_to_see_the_keras_form_differ():
    params, grads = _problem(np.float64, seed=1)
    keras_form, _ = _ours(Adam(lr=TORCH_LR, eps=1e-8, eps_hat=True), params, grads)
    torch_params, _ = stored_torch("Adam", np.float64)
    with pytest.raises(AssertionError):
        _assert_same(keras_form, torch_params, np.float64, "Adam")


def torch_lesson05(torch):
    """Lesson 05's comparison: torch.optim.Adam(lr=0.05), 50 steps on Rosenbrock from its start."""
    from adamcourse import get_objective

    rosen = get_objective("rosenbrock")
    p = torch.tensor(rosen.start, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=0.05)
    for _ in range(50):
        optimizer.zero_grad()
        p.grad = torch.tensor(rosen.grad(p.detach().numpy()))
        optimizer.step()
    return p.detach().numpy()


def test_lesson05_shows_what_pytorch_computes():
    stored, _ = torch_results.lesson05_adam_on_rosenbrock()
    if _torch is not None:
        np.testing.assert_allclose(
            stored,
            torch_lesson05(_torch),
            rtol=1e-12,
            atol=0,
            err_msg="stored lesson 05 result drifted: rerun tools/make_torch_golden.py",
        )
    ours = run(Adam.like_torch(lr=0.05), "rosenbrock", steps=50).points[-1]
    np.testing.assert_allclose(ours, stored, rtol=0, atol=1e-10)
