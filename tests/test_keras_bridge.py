"""The Keras twins compute exactly what Keras' optimizers and the NumPy library compute."""

import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import adamcourse  # noqa: E402
from adamcourse import keras_bridge as kb  # noqa: E402

SHAPES = [(3, 4), (5,), (2, 3, 2)]
STEPS = 20


def random_problem(seed=0, scale=1.0):
    """Start values and 20 steps of gradients (fixed in advance, so every optimizer sees the same)."""
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [[(scale * rng.normal(size=s)).astype(np.float32) for s in SHAPES] for _ in range(STEPS)]
    return start, grads


def run_keras(optimizer, seed=0, scale=1.0):
    start, grads = random_problem(seed, scale)
    variables = [keras.Variable(a) for a in start]
    for g in grads:
        optimizer.apply_gradients(zip(g, variables))
    return [v.numpy() for v in variables]


def run_numpy(optimizer, seed=0, scale=1.0):
    start, grads = random_problem(seed, scale)
    params = {i: a for i, a in enumerate(start)}
    state = optimizer.init(params)
    for g in grads:
        params, state = optimizer.step(params, dict(enumerate(g)), state)
    return [params[i] for i in range(len(start))]


def assert_float32_close(got, want):
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# --- parity with Keras' own optimizers -------------------------------------------

KERAS_PAIRS = {
    "adam (epsilon hat)": (lambda: keras.optimizers.Adam(), lambda: kb.CourseAdam(eps=1e-7, eps_hat=True)),
    "adam lr=0.01 betas": (
        lambda: keras.optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99),
        lambda: kb.CourseAdam(0.01, beta1=0.8, beta2=0.99, eps=1e-7, eps_hat=True),
    ),
    "amsgrad": (  # a short memory (beta2=0.9) lets v shrink, so AMSGrad's maximum matters within 20 steps
        lambda: keras.optimizers.Adam(0.01, beta_2=0.9, amsgrad=True),
        lambda: kb.CourseAdam(0.01, beta2=0.9, eps=1e-7, eps_hat=True, amsgrad=True),
    ),
    "adamw": (
        lambda: keras.optimizers.AdamW(weight_decay=0.1),
        lambda: kb.CourseAdamW(weight_decay=0.1, eps=1e-7, eps_hat=True),
    ),
    "sgd": (lambda: keras.optimizers.SGD(0.05), lambda: kb.CourseSGD(0.05)),
    "momentum": (lambda: keras.optimizers.SGD(0.05, momentum=0.9), lambda: kb.CourseMomentum(0.05, beta=0.9)),
    "nesterov": (
        lambda: keras.optimizers.SGD(0.05, momentum=0.8, nesterov=True),
        lambda: kb.CourseMomentum(0.05, beta=0.8, nesterov=True),
    ),
    "adagrad": (
        lambda: keras.optimizers.Adagrad(0.1),
        lambda: kb.CourseAdaGrad(0.1, eps=1e-7, initial_accumulator=0.1, eps_inside_sqrt=True),
    ),
    "rmsprop": (
        lambda: keras.optimizers.RMSprop(0.01, rho=0.8),
        lambda: kb.CourseRMSProp(0.01, beta=0.8, eps=1e-7, eps_inside_sqrt=True),
    ),
}


@pytest.mark.parametrize("case", KERAS_PAIRS)
def test_twenty_steps_match_keras_to_float32_precision(case):
    make_keras, make_course = KERAS_PAIRS[case]
    assert_float32_close(run_keras(make_course()), run_keras(make_keras()))


OFF_BY_ONE_SETTING = {
    "adam (epsilon hat)": lambda: kb.CourseAdam(eps=1e-7),  # the paper's eps placement instead of epsilon hat
    "amsgrad": lambda: kb.CourseAdam(0.01, beta2=0.9, eps=1e-7, eps_hat=True),
    "momentum": lambda: kb.CourseMomentum(0.05, beta=0.9, nesterov=True),
    "adagrad": lambda: kb.CourseAdaGrad(0.1, eps=1e-7, initial_accumulator=0.0, eps_inside_sqrt=True),
    "rmsprop": lambda: kb.CourseRMSProp(0.01, beta=0.8, eps=1e-7, eps_inside_sqrt=False),
}


@pytest.mark.parametrize("case", OFF_BY_ONE_SETTING)
def test_the_match_is_not_loose_changing_one_setting_breaks_it(case):
    make_keras, make_wrong = KERAS_PAIRS[case][0], OFF_BY_ONE_SETTING[case]
    # tiny gradients make eps matter, large ones AMSGrad's maximum; either way, far above float32 noise
    differences = [
        np.abs(a - b).max()
        for scale in (1e-4, 1.0)
        for a, b in zip(run_keras(make_wrong(), scale=scale), run_keras(make_keras(), scale=scale))
    ]
    assert max(differences) > 1e-5


def test_keras_learning_rate_schedules_work_like_in_keras_adam():
    def schedule():
        return keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=5, decay_rate=0.5)

    want = run_keras(keras.optimizers.Adam(schedule()))
    assert_float32_close(run_keras(kb.CourseAdam(schedule(), eps=1e-7, eps_hat=True)), want)


# --- parity with the NumPy library ------------------------------------------------

NUMPY_TWINS = [
    adamcourse.Adam(),
    adamcourse.Adam(lr=0.01, beta1=0.5, beta2=0.9, amsgrad=True),
    adamcourse.Adam.like_keras(),
    adamcourse.Adam(lr=0.01, bias_correction=False),
    adamcourse.AdamW(lr=0.01, weight_decay=0.1),
    adamcourse.SGD(lr=0.1),
    adamcourse.Momentum(lr=0.05, beta=0.9),
    adamcourse.Momentum(lr=0.05, beta=0.9, nesterov=True, velocity="gradient"),
    adamcourse.AdaGrad(lr=0.1),
    adamcourse.AdaGrad.like_keras(lr=0.1),
    adamcourse.RMSProp(lr=0.01),
    adamcourse.RMSProp.like_keras(lr=0.01),
]


@pytest.mark.parametrize("numpy_optimizer", NUMPY_TWINS, ids=lambda o: o.label)
def test_twenty_steps_match_the_numpy_library_to_float32_precision(numpy_optimizer):
    assert_float32_close(run_keras(kb.to_keras(numpy_optimizer)), run_numpy(numpy_optimizer))


@pytest.mark.parametrize("numpy_optimizer", NUMPY_TWINS, ids=lambda o: o.label)
def test_numpy_twin_gives_back_the_same_settings(numpy_optimizer):
    assert kb.to_keras(numpy_optimizer).numpy_twin() == numpy_optimizer


def test_adams_first_step_is_lr_times_the_sign_of_the_gradient():
    # m_hat = g and v_hat = g**2 after one step, so the step is lr * g / (|g| + eps), by hand
    g = np.array([0.5, -2.0, 1e-3], np.float32)
    variable = keras.Variable(np.zeros(3, np.float32))
    kb.CourseAdam(learning_rate=0.1).apply_gradients([(g, variable)])
    by_hand = [-0.1 * 0.5 / (0.5 + 1e-8), 0.1 * 2 / (2 + 1e-8), -0.1 * 1e-3 / (1e-3 + 1e-8)]
    # 0.999 is not exact in float32, so 1 - beta2 carries a relative error of 1.3e-5 (in Keras' Adam too)
    np.testing.assert_allclose(variable.numpy(), by_hand, rtol=1e-5)


# --- inside model.fit ----------------------------------------------------------------


def fitted_weights(optimizer, jit_compile):
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return [w.numpy() for w in model.weights], int(optimizer.iterations.numpy())


@pytest.mark.parametrize("jit_compile", [False, True])
def test_inside_model_fit_course_adam_trains_exactly_like_keras_adam(jit_compile):
    want, steps = fitted_weights(keras.optimizers.Adam(0.01), jit_compile)
    got, course_steps = fitted_weights(kb.to_keras(adamcourse.Adam.like_keras(lr=0.01)), jit_compile)
    assert steps == course_steps == 18
    assert_float32_close(got, want)
    start, _ = fitted_weights(keras.optimizers.SGD(1e-9), jit_compile)  # and training did move the weights
    assert max(np.abs(a - b).max() for a, b in zip(got, start)) > 1e-2


# --- config and saving ---------------------------------------------------------------


@pytest.mark.parametrize(
    "optimizer",
    [
        kb.CourseAdam(0.003, beta1=0.8, beta2=0.99, eps=1e-6, eps_hat=True, amsgrad=True, clipnorm=1.0),
        kb.CourseAdamW(0.002, weight_decay=0.05),
        kb.CourseMomentum(0.1, beta=0.5, nesterov=True, velocity="gradient"),
        kb.CourseAdaGrad(0.2, eps=1e-5, initial_accumulator=0.1, eps_inside_sqrt=True),
        kb.CourseRMSProp(0.02, beta=0.95, eps=1e-6),
        kb.CourseSGD(0.3),
    ],
    ids=lambda o: type(o).__name__,
)
def test_get_config_from_config_round_trip(optimizer):
    config = optimizer.get_config()
    clone = type(optimizer).from_config(config)
    assert type(clone) is type(optimizer) and clone.get_config() == config
    assert clone.numpy_twin() == optimizer.numpy_twin()
    revived = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(revived) is type(optimizer) and revived.get_config() == config


def test_a_model_compiled_with_course_adam_saves_and_loads(tmp_path):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(64, 5)).astype(np.float32), rng.integers(0, 2, 64)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    model.compile(
        kb.CourseAdam(0.01, beta1=0.8, amsgrad=True), keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")

    assert type(loaded.optimizer) is kb.CourseAdam
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations.numpy()) == 4
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # m, v, v_max restored, not rebuilt at zero
    # and both continue identically
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


# --- clear errors ---------------------------------------------------------------------


def test_bad_hyperparameters_give_the_numpy_librarys_messages():
    with pytest.raises(ValueError, match=r"beta1 must be a number in \[0, 1\)"):
        kb.CourseAdam(beta1=1.0)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        kb.CourseSGD(learning_rate=-0.1)
    with pytest.raises(ValueError, match="velocity must be one of"):
        kb.CourseMomentum(velocity="sideways")
    with pytest.raises(ValueError, match="weight_decay must be a finite number >= 0"):
        kb.CourseAdamW(weight_decay=-1.0)


def test_the_numpy_name_lr_is_pointed_to_learning_rate():
    with pytest.raises(TypeError, match=r"CourseAdam\(learning_rate=0.1\)"):
        kb.CourseAdam(lr=0.1)


def test_to_keras_rejects_what_is_not_an_adamcourse_optimizer():
    with pytest.raises(TypeError, match="expected an adamcourse optimizer"):
        kb.to_keras(keras.optimizers.Adam())


def test_import_adamcourse_does_not_import_keras():
    code = "import adamcourse, sys; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
