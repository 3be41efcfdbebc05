"""Bad input: every case raises a clear error that names the parameter at
fault and says how to fix it (a learner reads these in Colab).

Each row: what is wrong, the call, the exception type, and a pattern the
message must contain (the parameter's name, then the fix).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from adamcourse import (
    SGD,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    RMSProp,
    get_objective,
    linear_regression,
    run,
    run_minibatch,
    sparse_features,
)

ALL = [SGD, Momentum, AdaGrad, RMSProp, Adam, AdamW]
P = np.zeros(3)


def _hyperparameter_cases():
    cases = []
    for cls in ALL:
        name = cls.__name__
        for bad in (0, -0.1, math.nan, math.inf):
            cases.append(
                (
                    f"{name}-lr={bad}",
                    lambda c=cls, b=bad: c(lr=b),
                    ValueError,
                    rf"{name}: lr must be a positive finite number.*Try lr=",
                )
            )
        cases.append(
            (f"{name}-lr=str", lambda c=cls: c(lr="0.1"), TypeError, rf"{name}: lr must be a number, got '0.1'")
        )
        cases.append((f"{name}-lr=True", lambda c=cls: c(lr=True), TypeError, rf"{name}: lr must be a number"))
    betas = [
        (Momentum, "beta"),
        (RMSProp, "beta"),
        (Adam, "beta1"),
        (Adam, "beta2"),
        (AdamW, "beta1"),
        (AdamW, "beta2"),
    ]
    for cls, beta in betas:
        for bad in (1.0, 1.5, -0.1, math.nan):
            cases.append(
                (
                    f"{cls.__name__}-{beta}={bad}",
                    lambda c=cls, n=beta, b=bad: c(**{n: b}),
                    ValueError,
                    rf"{cls.__name__}: {beta} must be a number in \[0, 1\).*A typical value is {beta}=",
                )
            )
        cases.append(
            (
                f"{cls.__name__}-{beta}=None",
                lambda c=cls, n=beta: c(**{n: None}),
                TypeError,
                rf"{beta} must be a number in \[0, 1\)",
            )
        )
    for cls in (AdaGrad, RMSProp, Adam, AdamW):
        for bad in (0.0, -1e-8, math.inf):
            cases.append(
                (
                    f"{cls.__name__}-eps={bad}",
                    lambda c=cls, b=bad: c(eps=b),
                    ValueError,
                    rf"{cls.__name__}: eps must be a positive finite number.*Try eps=",
                )
            )
    cases += [
        (
            "AdamW-weight_decay=-0.01",
            lambda: AdamW(weight_decay=-0.01),
            ValueError,
            r"AdamW: weight_decay must be a finite number >= 0.*Try weight_decay=",
        ),
        (
            "AdaGrad-initial_accumulator=-0.1",
            lambda: AdaGrad(initial_accumulator=-0.1),
            ValueError,
            r"initial_accumulator must be a finite number >= 0.*Try 0.0",
        ),
        (
            "Momentum-nesterov='yes'",
            lambda: Momentum(nesterov="yes"),
            TypeError,
            r"Momentum: nesterov must be True or False",
        ),
        (
            "Momentum-velocity='steps'",
            lambda: Momentum(velocity="steps"),
            ValueError,
            r"Momentum: velocity must be one of 'step', 'gradient', got 'steps'",
        ),
        ("Adam-amsgrad=1", lambda: Adam(amsgrad=1), TypeError, r"Adam: amsgrad must be True or False"),
        ("Adam-eps_hat=None", lambda: Adam(eps_hat=None), TypeError, r"Adam: eps_hat must be True or False"),
        (
            "RMSProp-eps_inside_sqrt='no'",
            lambda: RMSProp(eps_inside_sqrt="no"),
            TypeError,
            r"RMSProp: eps_inside_sqrt must be True or False",
        ),
    ]
    return cases


def _step(opt, params, grads, state=None):
    return opt.step(params, grads, opt.init(params) if state is None else state)


BIG = 100_000  # goes through the blocked path


def _nan_at_the_end():
    g = np.ones(BIG)
    g[-3:] = [np.nan, np.inf, -np.inf]
    return g


STEP_CASES = [
    # params and grads that do not fit together
    (
        "grads shape",
        lambda: _step(Adam(), np.zeros(3), np.zeros(4)),
        ValueError,
        r"grads has shape \(4,\) but params has shape \(3,\); each gradient must have its parameter's shape",
    ),
    (
        "grads shape in a dict",
        lambda: _step(Adam(), {"w": np.zeros((2, 2))}, {"w": np.zeros(4)}),
        ValueError,
        r"grads\['w'\] has shape \(4,\) but params\['w'\] has shape \(2, 2\)",
    ),
    (
        "grads keys",
        lambda: _step(SGD(), {"w": P, "b": P}, {"w": P, "c": P}),
        KeyError,
        r"grads must have the same keys as params; missing \['b'\], unexpected \['c'\]",
    ),
    (
        "array params, dict grads",
        lambda: _step(SGD(), P, {"w": P}),
        TypeError,
        r"params and grads must both be arrays or both be dicts with the same keys",
    ),
    (
        "list params",
        lambda: SGD().init([1.0, 2.0]),
        TypeError,
        r"SGD: params must be a NumPy array or a dict of NumPy arrays, got list. Convert it with np.asarray",
    ),
    (
        "list in a dict",
        lambda: SGD().init({"w": [1.0]}),
        TypeError,
        r"SGD: params\['w'\] must be a NumPy array, got list. Convert it with np.asarray",
    ),
    (
        "integer params",
        lambda: Adam().init(np.arange(3)),
        TypeError,
        r"Adam: params has dtype int64, but optimizers update floating-point numbers.*\.astype\(np.float32\)",
    ),
    (
        "integer grads",
        lambda: _step(Adam(), P, np.arange(3)),
        TypeError,
        r"Adam: grads has dtype int64.*\.astype\(np.float32\)",
    ),
    (
        "boolean grads in a dict",
        lambda: _step(SGD(), {"w": P}, {"w": np.ones(3, dtype=bool)}),
        TypeError,
        r"SGD: grads\['w'\] has dtype bool",
    ),
    # gradients that are not numbers
    (
        "NaN grads",
        lambda: _step(Adam(lr=0.5), P, np.array([1.0, np.nan, 2.0])),
        FloatingPointError,
        r"Adam: grads contains 1 NaN or Inf value\(s\).*lower the learning rate \(now lr=0.5\)",
    ),
    (
        "Inf grads in a dict",
        lambda: _step(SGD(), {"w": P}, {"w": np.array([np.inf, 0, 0])}),
        FloatingPointError,
        r"SGD: grads\['w'\] contains 1 NaN or Inf value\(s\)",
    ),
    (
        "NaN grads in the last block",
        lambda: _step(RMSProp(), np.zeros(BIG), _nan_at_the_end()),
        FloatingPointError,
        r"RMSProp: grads contains 3 NaN or Inf value\(s\)",
    ),
    # states that belong to something else
    (
        "state of another optimizer",
        lambda: Adam().step(P, P, Momentum().init(P)),
        TypeError,
        r"Adam: state must be of type AdamState, got MomentumState. Create it with this optimizer: state = opt.init\(params\)",
    ),
    (
        "not a state at all",
        lambda: SGD().step(P, P, {"t": 0}),
        TypeError,
        r"SGD: state must be of type SGDState, got dict",
    ),
    (
        "state for other shapes",
        lambda: Adam().step(P, P, Adam().init(np.zeros(4))),
        ValueError,
        r"Adam: state.m does not match params \(different keys or shapes\).*state = opt.init\(params\)",
    ),
    (
        "state for other keys",
        lambda: RMSProp().step({"w": P}, {"w": P}, RMSProp().init({"v": P})),
        ValueError,
        r"RMSProp: state.v does not match params",
    ),
    (
        "AMSGrad without its state",
        lambda: Adam(amsgrad=True).step(P, P, Adam().init(P)),
        ValueError,
        r"Adam: state.v_max is missing; the state was made by an optimizer with other settings.*opt.init\(params\)",
    ),
    (
        "float64 state for float32 params",
        lambda: Adam().step(P.astype(np.float32), P, Adam().init(P)),
        TypeError,
        r"Adam: state.m has dtype float64 but params has dtype float32.*state = opt.init\(params\)",
    ),
]

RUN_CASES = [
    (
        "optimizer class, not instance",
        lambda: run(Adam, "bowl"),
        TypeError,
        r"optimizer must be an adamcourse optimizer such as Adam\(lr=0.1\).*did you pass the class\? write Adam\(\)",
    ),
    ("steps negative", lambda: run(Adam(), "bowl", steps=-1), ValueError, r"steps must be a whole number >= 0, got -1"),
    ("steps float", lambda: run(Adam(), "bowl", steps=10.5), ValueError, r"steps must be a whole number"),
    (
        "x0 of 3 numbers",
        lambda: run(Adam(), "bowl", x0=[1, 2, 3]),
        ValueError,
        r"x0 must hold 2 numbers, got shape \(3,\)",
    ),
    ("x0 NaN", lambda: run(Adam(), "bowl", x0=[1, np.nan]), ValueError, r"x0 must be finite"),
    (
        "unknown objective",
        lambda: run(Adam(), "rosenbrok"),
        KeyError,
        r"unknown objective 'rosenbrok'; choose one of \[.*'rosenbrock'",
    ),
    (
        "batch_size 0",
        lambda: run_minibatch(SGD(), linear_regression(), batch_size=0),
        ValueError,
        r"run_minibatch: batch_size must be a whole number from 1 to 200, got 0. 200 is the data set size",
    ),
    (
        "batch_size too big",
        lambda: run_minibatch(SGD(), linear_regression(), batch_size=201),
        ValueError,
        r"batch_size must be a whole number from 1 to 200",
    ),
    (
        "epochs negative",
        lambda: run_minibatch(SGD(), linear_regression(), epochs=-2),
        ValueError,
        r"epochs must be a whole number >= 0, got -2",
    ),
    (
        "minibatch problem given to run",
        lambda: run(SGD(), linear_regression()),
        TypeError,
        r"run\(\) takes a 2-D objective, got the minibatch problem 'linear_regression': use run_minibatch",
    ),
    (
        "problem is an objective",
        lambda: run_minibatch(SGD(), get_objective("bowl")),
        TypeError,
        r"problem must be a MinibatchProblem such as linear_regression\(\)",
    ),
    (
        "weight_error shape",
        lambda: linear_regression().weight_error(np.zeros(3)),
        ValueError,
        r"params must have shape \(2,\) for linear_regression, got \(3,\)",
    ),
    (
        "rare_count too big",
        lambda: sparse_features(n=10, rare_count=11),
        ValueError,
        r"rare_count must be a whole number from 1 to 10, got 11. n=10 examples",
    ),
]

CASES = _hyperparameter_cases() + STEP_CASES + RUN_CASES


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_failed_step_changes_nothing():
    p, g = np.ones(BIG), _nan_at_the_end()
    opt = Adam()
    state = opt.init(p)
    with pytest.raises(FloatingPointError):
        opt.step(p, g, state)
    assert np.all(p == 1) and np.all(state.m == 0) and state.t == 0


@pytest.mark.parametrize("cls", ALL)
def test_good_values_at_the_edges_are_accepted(cls):
    # the edges of the allowed ranges are allowed: beta = 0, weight_decay = 0, an int lr
    kwargs = {"lr": 1}
    if cls in (Momentum, RMSProp):
        kwargs["beta"] = 0
    if cls in (Adam, AdamW):
        kwargs.update(beta1=0.0, beta2=0.0)
    if cls is AdamW:
        kwargs["weight_decay"] = 0
    opt = cls(**kwargs)
    assert opt.lr == 1.0 and isinstance(opt.lr, float)
    out, _ = opt.step(P, np.ones(3), opt.init(P))
    assert np.all(np.isfinite(out))


# --- Keras' and PyTorch's argument names ------------------------------------------------------
# Each row: the call a learner types, and the course's call the message must name, which must work.

FRAMEWORK_NAMES = [
    (Adam, {"learning_rate": 0.001}, "that is Keras' name", "Adam(lr=0.001)"),
    (SGD, {"learning_rate": 0.1}, "that is Keras' name", "SGD(lr=0.1)"),
    (Adam, {"alpha": 0.001}, "the paper's symbol for the step size", "Adam(lr=0.001)"),
    (RMSProp, {"alpha": 0.99}, "PyTorch's name", "RMSProp(beta=0.99)"),
    (Adam, {"epsilon": 1e-07}, "that is Keras' name", "Adam(eps=1e-07)"),
    (AdaGrad, {"epsilon": 1e-07}, "that is Keras' name", "AdaGrad(eps=1e-07)"),
    (SGD, {"epsilon": 1e-07}, "SGD divides by nothing", None),
    (Adam, {"betas": (0.9, 0.99)}, "that is PyTorch's name", "Adam(beta1=0.9, beta2=0.99)"),
    (AdamW, {"betas": (0.8, 0.9)}, "that is PyTorch's name", "AdamW(beta1=0.8, beta2=0.9)"),
    (RMSProp, {"betas": (0.9, 0.999)}, "only Adam has them", "Adam(beta1=0.9, beta2=0.999)"),
    (Adam, {"beta_1": 0.8}, "that is Keras' name", "Adam(beta1=0.8)"),
    (Adam, {"beta_2": 0.99}, "that is Keras' name", "Adam(beta2=0.99)"),
    (Momentum, {"beta_1": 0.8}, "only Adam has it", "Adam(beta1=0.8)"),
    (Momentum, {"momentum": 0.9}, "Keras' and PyTorch's name", "Momentum(beta=0.9)"),
    (SGD, {"momentum": 0.9}, "momentum is its own optimizer here", "Momentum(beta=0.9)"),
    (Adam, {"momentum": 0.9}, "Adam's momentum is its first average", "Adam(beta1=0.9)"),
    (RMSProp, {"momentum": 0.9}, "the course's RMSProp has none", "Adam(beta1=0.9)"),
    (RMSProp, {"rho": 0.95}, "Keras' name", "RMSProp(beta=0.95)"),
    (AdaGrad, {"initial_accumulator_value": 0.1}, "Keras' and PyTorch's name", "AdaGrad(initial_accumulator=0.1)"),
    (Adam, {"weight_decay": 0.01}, "adds weight_decay \\* theta to the gradient, which is L2", "Adam(l2=0.01)"),
    (Adam, {"weight_decay": 0.01}, "decoupled weight decay", "AdamW(weight_decay=0.01)"),
    (SGD, {"weight_decay": 0.001}, "which is L2", "SGD(l2=0.001)"),
    (RMSProp, {"weight_decay": 0.001}, "which is L2", "RMSProp(l2=0.001)"),
    (SGD, {"nesterov": True}, "an option of Momentum", "Momentum(beta=0.9, nesterov=True)"),
    (Adam, {"nesterov": True}, "an option of Momentum", "Momentum(beta=0.9, nesterov=True)"),
    (RMSProp, {"amsgrad": True}, "an option of Adam and AdamW", "Adam(amsgrad=True)"),
    (Adam, {"clipnorm": 1.0}, "clips each array by its own norm", "Adam(global_clipnorm=1.0)"),
    (SGD, {"clipvalue": 0.5}, "clipping each number on its own turns the step", "SGD(global_clipnorm=1.0)"),
    (Adam, {"max_norm": 2.0}, "clip_grad_norm_", "Adam(global_clipnorm=2.0)"),
    (AdaGrad, {"lr_decay": 0.01}, "is a schedule here", None),
    (SGD, {"decay": 0.01}, "is a schedule here", None),
    # not a framework's name: a typo gets the closest argument and the list
    (Adam, {"bata1": 0.9}, r"Did you mean `beta1`\? Its arguments are: lr, beta1, beta2, eps", None),
]


@pytest.mark.parametrize(
    "cls, kwargs, why, fix", FRAMEWORK_NAMES, ids=[f"{c.__name__}-{next(iter(k))}" for c, k, _, _ in FRAMEWORK_NAMES]
)
def test_a_frameworks_argument_name_gets_the_courses(cls, kwargs, why, fix):
    name = next(iter(kwargs))
    with pytest.raises(TypeError, match=rf"^{cls.__name__} has no argument `{name}`") as error:
        cls(**kwargs)
    message = str(error.value)
    assert re.search(why, message), message
    if fix is not None:
        assert f"write {fix}" in message or f": {fix}" in message, message
        namespace = {c.__name__: c for c in ALL}
        assert isinstance(eval(fix, namespace), tuple(ALL))  # the advice is a call that works
