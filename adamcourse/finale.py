"""The finale's support code (notebook 06): the seed's MNIST CNN, timed training, curves, a table.

The notebook reads like a lesson because the plumbing lives here::

    from adamcourse import finale
    from adamcourse.data import load_mnist

    data = load_mnist()
    runs = finale.compare(finale.seed_optimizers(), data, epochs=3)
    finale.plot_curves(runs)
    print(finale.results_table(runs))

Every run builds the same CNN from the same seed and sees the same batches,
so the curves differ only by the optimizer. ``benchmarks/bench_keras.py``
uses the same functions. Keras is imported when a function needs it, so
importing this module is cheap.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adamcourse import optimizers as numpy_optimizers
from adamcourse.data import MNIST, load_mnist

__all__ = [
    "QUICK_VARIABLE",
    "Mode",
    "mode",
    "TARGET",
    "SEED_RECIPE",
    "BEST_RECIPE",
    "Recipe",
    "build_cnn",
    "seed_optimizers",
    "Run",
    "train",
    "compare",
    "results_table",
    "plot_curves",
    "largest_weight_difference",
    "TUNING_GOAL",
    "tuning_accuracy",
    "check_tuned_adagrad",
]

QUICK_VARIABLE = "ADAMCOURSE_QUICK"

#: The validation accuracy the results table counts epochs to.
TARGET = 0.90


@dataclass(frozen=True)
class Mode:
    """How much the notebook trains: all of the data (full) or a small subset (quick, for tests)."""

    name: str
    n_train: int | None  # None: every training image the source has
    n_test: int | None
    epochs: int


FULL = Mode("full", n_train=None, n_test=None, epochs=5)
QUICK = Mode("quick", n_train=2000, n_test=500, epochs=3)


def mode() -> Mode:
    """Quick when ``ADAMCOURSE_QUICK=1`` (tests and CI), full otherwise (what a learner gets)."""
    return QUICK if os.environ.get(QUICK_VARIABLE, "").strip().lower() in ("1", "true", "yes") else FULL


# --- the model ------------------------------------------------------------------------


def build_cnn(optimizer, seed: int = 0, jit_compile: Any = "auto"):
    """The course's small MNIST CNN (the kind many Keras tutorials train), compiled with ``optimizer``.

    Conv2D(32, 3x3, relu) -> MaxPool(2) -> Dropout(0.25) -> Flatten ->
    Dense(128, relu) -> Dropout(0.5) -> Dense(10, softmax), trained on the
    cross-entropy of integer labels, reporting accuracy.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        A fresh optimizer (Keras builds its state for this model).
    seed : int
        Seeds Keras, TensorFlow, NumPy and ``random``: the same seed gives
        the same start weights, dropout masks and batch order.
    jit_compile : bool or "auto"
        XLA compilation. Keras' "auto" uses it on GPUs only; on CPUs it makes
        this CNN several times slower (measured by benchmarks/bench_keras.py).

    Returns
    -------
    keras.Model
    """
    import keras

    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            f"build_cnn needs a Keras optimizer object, got {optimizer!r}. Create a fresh one for each "
            f"model, e.g. keras.optimizers.Adam() or keras_bridge.to_keras(adamcourse.Adam())."
        )
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed_cnn",
    )
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",  # integer labels: the seed's one-hot labels, without the one-hot
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    return model


def seed_optimizers() -> dict:
    """Fresh optimizers for the comparison, all with Keras' defaults, named for the legend.

    SGD, SGD + momentum, Adagrad, RMSprop and Adam are Keras' own classes;
    "course Adam" is :class:`~adamcourse.keras_bridge.CourseAdam` set up as
    ``Adam.like_keras()``, so it should retrace Keras' Adam exactly.
    """
    import keras

    from adamcourse.keras_bridge import to_keras

    return {
        "SGD": keras.optimizers.SGD(),
        "SGD + momentum": keras.optimizers.SGD(momentum=0.9),
        "Adagrad": keras.optimizers.Adagrad(),
        "RMSprop": keras.optimizers.RMSprop(),
        "Keras Adam": keras.optimizers.Adam(),
        "course Adam": to_keras(numpy_optimizers.Adam.like_keras()),
    }


# --- training, timed --------------------------------------------------------------------


@dataclass
class Run:
    """One optimizer's training: per-epoch metrics, per-epoch wall time, the trained model.

    ``history`` holds lists ``loss``, ``accuracy`` (training) and ``val_loss``,
    ``val_accuracy`` (held-out images), one value per epoch.
    """

    name: str
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    batch_size: int
    model: Any = field(repr=False, default=None)

    @property
    def epochs(self) -> int:
        return len(self.epoch_seconds)

    @property
    def final_val_accuracy(self) -> float:
        return self.history["val_accuracy"][-1]

    @property
    def seconds_per_epoch(self) -> float:
        """The median epoch: robust to the first epoch, which also builds the TensorFlow graph."""
        return float(np.median(self.epoch_seconds))

    def epochs_to_reach(self, target: float) -> int | None:
        """The first epoch (counted from 1) whose validation accuracy is at least ``target``; None if never."""
        for epoch, accuracy in enumerate(self.history["val_accuracy"], start=1):
            if accuracy >= target:
                return epoch
        return None

    def seconds_to_reach(self, target: float) -> float | None:
        """Wall time from the start of training to the end of that epoch (graph building included)."""
        epoch = self.epochs_to_reach(target)
        return None if epoch is None else float(sum(self.epoch_seconds[:epoch]))


def _progress_callback(name: str, epochs: int, verbose: bool, stop_at: float | None):
    import keras

    class Progress(keras.callbacks.Callback):
        """Times each epoch; prints one line per epoch; stops once ``stop_at`` is reached."""

        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)
            logs = logs or {}
            if verbose:
                print(
                    f"{name:>15}  epoch {epoch + 1}/{epochs}  loss {logs.get('loss', math.nan):.3f}  "
                    f"val accuracy {logs.get('val_accuracy', math.nan):.3f}  ({self.seconds[-1]:.1f} s)",
                    flush=True,
                )
            if stop_at is not None and logs.get("val_accuracy", 0.0) >= stop_at:
                self.model.stop_training = True

    return Progress()


def train(
    name: str,
    optimizer,
    data: MNIST,
    *,
    epochs: int,
    batch_size: int = 60,
    seed: int = 0,
    jit_compile: Any = "auto",
    stop_at: float | None = None,
    verbose: bool = True,
) -> Run:
    """Train the seed's CNN with ``optimizer`` and time every epoch.

    Parameters
    ----------
    name : str
        The label for tables and legends ("Keras Adam", "course Adam", ...).
    optimizer : keras.optimizers.Optimizer
        A fresh optimizer.
    data : MNIST
        From :func:`adamcourse.data.load_mnist`; validation uses its held-out images.
    epochs, batch_size : int
        How long, and how many images per step (the seed: 60).
    seed : int
        The same seed gives the same start weights, dropout and batch order.
    jit_compile : bool or "auto"
        Passed to ``model.compile``.
    stop_at : float, optional
        Stop early once the validation accuracy reaches this value.
    verbose : bool
        Print one line per epoch.

    Returns
    -------
    Run
    """
    if not isinstance(data, MNIST):
        raise TypeError(f"train: data must come from adamcourse.data.load_mnist(), got {type(data).__name__}.")
    for label, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"train: {label} must be a whole number >= 1, got {value!r}.")
    model = build_cnn(optimizer, seed=seed, jit_compile=jit_compile)
    progress = _progress_callback(name, epochs, verbose, stop_at)
    fitted = model.fit(
        data.x_train,
        data.y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(data.x_test, data.y_test),
        callbacks=[progress],
        verbose=0,
    )
    history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
    return Run(name, history, progress.seconds, batch_size, model)


def compare(
    optimizers: dict, data: MNIST, *, epochs: int, batch_size: int = 60, seed: int = 0, **kwargs
) -> dict[str, Run]:
    """Train one CNN per optimizer (same seed, same data, same batches); returns ``{name: Run}``."""
    return {
        name: train(name, optimizer, data, epochs=epochs, batch_size=batch_size, seed=seed, **kwargs)
        for name, optimizer in optimizers.items()
    }


# --- what to look at ---------------------------------------------------------------------


def results_table(runs: dict[str, Run], target: float = TARGET) -> str:
    """A text table: final validation accuracy, time per epoch, epochs to reach ``target``."""
    header = f"{'optimizer':<16}{'final val acc':>14}{'s / epoch':>11}{f'epochs to {target:.0%}':>15}"
    lines = [header, "-" * len(header)]
    for run in runs.values():
        reached = run.epochs_to_reach(target)
        lines.append(
            f"{run.name:<16}{run.final_val_accuracy:>14.3f}{run.seconds_per_epoch:>11.2f}"
            f"{(str(reached) if reached else f'> {run.epochs}'):>15}"
        )
    return "\n".join(lines)


# One marker shape per optimizer: with a handful of epochs, curves that run
# close together (RMSprop and Adam) stay apart in greyscale and on a projector.
_CURVE_MARKERS = {"SGD": "v", "Momentum": "^", "AdaGrad": "s", "RMSProp": "D", "Adam": "o", "course Adam": "o"}


def plot_curves(runs: dict[str, Run], axes=None):
    """Training and validation loss and accuracy per epoch, one colour and marker per optimizer.

    "course Adam" is drawn thin and dashed, with white dots, on top of a wide
    "Keras Adam" line, so where they agree you see both at once. Epochs are
    whole numbers on the x axes; one legend below the panels names the runs,
    so no legend covers a curve.

    Parameters
    ----------
    runs : dict of Run
    axes : 2 x 2 array of matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    numpy.ndarray of Axes (2 x 2): losses on top, accuracies below; training left, validation right.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    from adamcourse.plotting import _class_key, legend_below, optimizer_color

    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    panels = [
        ("loss", "training loss"),
        ("val_loss", "validation loss"),
        ("accuracy", "training accuracy"),
        ("val_accuracy", "validation accuracy"),
    ]
    for row, (ax, (key, title)) in enumerate(zip(np.ravel(axes), panels)):
        for run in runs.values():
            epochs = np.arange(1, len(run.history[key]) + 1)
            course = run.name.lower().startswith("course")
            ax.plot(
                epochs,
                run.history[key],
                color=optimizer_color(run.name),
                linestyle="--" if course else "-",
                linewidth=1.5 if course else 2.0 if _class_key(run.name) != "Adam" else 3.5,
                marker=_CURVE_MARKERS.get(_class_key(run.name) or "", "o"),
                markersize=5 if course else 7,
                markerfacecolor="white" if course else optimizer_color(run.name),
                label=run.name,
                zorder=3 if course else 2,
            )
        ax.set_title(title)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        if row >= 2 or not ax.get_shared_x_axes().joined(ax, np.ravel(axes)[row + 2]):
            ax.set_xlabel("epoch")
        if "loss" in key:
            ax.set_yscale("log")
            # Plain numbers (0.2, 0.5, 1, 2) read faster than 2 x 10^-1.
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
    legend_below(np.ravel(axes)[0].figure)
    return axes


def largest_weight_difference(model_a, model_b) -> float:
    """The largest absolute difference between corresponding weights of two models."""
    pairs = list(zip(model_a.get_weights(), model_b.get_weights()))
    if len(pairs) != len(model_b.get_weights()) or any(a.shape != b.shape for a, b in pairs):
        raise ValueError("largest_weight_difference: the two models do not have the same weights (shapes differ).")
    return float(max(np.max(np.abs(a - b)) for a, b in pairs))


# --- recipes: the seed's, and the best this notebook teaches -------------------------------


@dataclass(frozen=True)
class Recipe:
    """A way to train the CNN: an optimizer (made fresh each time) and a batch size."""

    name: str
    numpy_optimizer: numpy_optimizers.Optimizer  # the NumPy twin's settings; run through keras_bridge
    batch_size: int

    def optimizer(self):
        from adamcourse.keras_bridge import to_keras

        return to_keras(self.numpy_optimizer)


#: Keras' Adam with its defaults and 60 images per step, the way the race trains it. (The
#: label says "Keras defaults", not "seed": in a legend that would read like a random seed.)
SEED_RECIPE = Recipe("Keras defaults: Adam(lr=0.001), batch 60", numpy_optimizers.Adam.like_keras(), 60)
#: What the notebook teaches: bigger batches are cheaper per image, and Adam,
#: whose step is about lr whatever the gradient's scale, takes a larger lr.
#: 125 divides every split here (60,000, 10,000, 4,000, 1,000), so there is no
#: smaller leftover batch, for which TensorFlow would build a second graph.
BEST_RECIPE = Recipe("tuned: Adam(lr=0.007), batch 125", numpy_optimizers.Adam(lr=0.007), 125)


# --- the exercise: tune Adagrad -------------------------------------------------------------

# The goal sits where no learning rate a learner tries lands near it. Measured
# (offline sample, seed 0, 2 CPU cores; the same to the last digit in fresh
# processes, other machines differ by up to 0.003):
#   lr     0.001 0.002 0.003 0.005 0.007 0.01  0.02  0.03  0.05  0.07  0.1   0.15  0.2   0.3   0.4   0.5   0.7   1.0
#   acc    0.635 0.741 0.788 0.829 0.861 0.883 0.883 0.896 0.895 0.920 0.937 0.951 0.945 0.919 0.948 0.828 0.100 0.100
# A goal of 0.90 had 0.03 and 0.05 within 0.005 of it; 0.85 passes lr 0.007 to
# 0.4, and its nearest measured neighbours are 0.011 above and 0.021 below.
_TUNING = dict(n_train=4000, n_test=1000, epochs=3, goal=0.85)

#: The held-out accuracy ``tuned_adagrad``'s settings must reach (the exercise in :mod:`adamcourse.exercises.lesson06`).
TUNING_GOAL = _TUNING["goal"]


def tuning_accuracy(settings: dict, verbose: bool = False) -> float:
    """Validation accuracy of the CNN after 3 epochs with Keras' Adagrad changed by ``settings``.

    Trained on the offline MNIST sample (4,000 training, 1,000 held-out
    images), seed 0, batch 60: the same for every learner and the grader.
    """
    from adamcourse.keras_bridge import to_keras

    data = load_mnist("sample", n_train=_TUNING["n_train"], n_test=_TUNING["n_test"], seed=0, verbose=False)
    optimizer = to_keras(numpy_optimizers.AdaGrad.like_keras(**settings))
    run = train("tuned Adagrad", optimizer, data, epochs=_TUNING["epochs"], seed=0, verbose=verbose)
    return run.final_val_accuracy if math.isfinite(run.history["loss"][-1]) else math.nan


def check_tuned_adagrad(fn):
    """Train the CNN with your Adagrad settings (about 10 seconds) and print whether they reach the goal.

    The same check as ``checks.check_tuned_adagrad``: it never raises for a
    mistake in ``fn``; it prints what went wrong, or "not attempted yet" for
    the student stub.
    """
    from adamcourse import checks

    return checks.check_tuned_adagrad(fn)
