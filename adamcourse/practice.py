"""Lesson 07's experiments: what practice adds to Adam, measured on small problems.

Each function runs a library optimizer on a problem small enough to see
through, and returns plain arrays for the notebook to print and plot::

    from adamcourse import Adam, AdamW, practice

    theta_l2 = practice.decay_race(Adam(lr=0.01, l2=0.1), scales=[0.01, 1, 10], steps=1000)
    theta_w = practice.decay_race(AdamW(lr=0.01, weight_decay=0.1), scales=[0.01, 1, 10], steps=1000)

- :func:`decay_race`: weight decay on weights with different gradient histories (L2 against AdamW);
- :func:`noise_statistics`: how little Adam's ``v_hat`` knows in its first steps (why a warmup);
- :func:`scripted_run`: an optimizer on a given sequence of gradients (one huge one, for clipping);
- :func:`online_counterexample`: Reddi, Kale and Kumar's problem, for many periods at once;
- :func:`recipe`: the CNN recipe the lesson builds (AdamW, warmup then cosine, clipping).

NumPy only: Keras is imported by the finale's functions when a recipe trains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from adamcourse.optimizers import AdamW, Optimizer, debias, ema
from adamcourse.schedules import CosineDecay, LinearWarmup

__all__ = [
    "decay_race",
    "NoiseStatistics",
    "noise_statistics",
    "scripted_run",
    "online_counterexample",
    "plot_clipping",
    "RECIPE_SETTINGS",
    "recipe",
]


def _optimizer(optimizer, owner: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: optimizer must be an adamcourse optimizer such as Adam(lr=0.01), got {optimizer!r}.")
    return optimizer


def _whole(owner: str, name: str, value, smallest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
        raise ValueError(f"{owner}: {name} must be a whole number >= {smallest}, got {value!r}.")
    return int(value)


# --- weight decay ----------------------------------------------------------------------------


def decay_race(optimizer: Optimizer, scales: Sequence[float], steps: int = 1000, start: float = 1.0) -> np.ndarray:
    """Weights that the loss does not pull anywhere, each with its own gradient history::

        g_i(step k) = scales[i] * (-1)**k          (k = 1, 2, ...)

    The gradients flip sign every step, so on their own they move nothing
    (the average ``m`` stays near 0), but they fill ``v`` with ``scales[i]**2``:
    a weight that has seen large gradients has a large ``v``. All weights
    start at ``start``; whatever shrinks them is the optimizer's weight decay
    (``l2=`` in the gradient, or AdamW's ``weight_decay``).

    Returns
    -------
    ndarray, shape (steps + 1, len(scales))
        The weights before the first step and after each step.
    """
    owner = "decay_race"
    optimizer = _optimizer(optimizer, owner)
    steps = _whole(owner, "steps", steps, 1)
    scales = np.asarray(scales, dtype=float)
    if scales.ndim != 1 or not len(scales) or not np.all(np.isfinite(scales)) or np.any(scales < 0):
        raise ValueError(f"{owner}: scales must be a list of gradient sizes >= 0, got {scales!r}.")
    theta = np.full(len(scales), float(start))
    state = optimizer.init(theta)
    path = [theta]
    for k in range(1, steps + 1):
        theta, state = optimizer.step(theta, scales * (-1.0) ** k, state)
        path.append(theta)
    return np.array(path)


# --- why a warmup ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoiseStatistics:
    """What Adam's averages hold after ``t`` steps of pure noise, over many weights.

    Every array has one entry per step in ``t`` (a log-spaced selection of steps).

    Attributes
    ----------
    t : ndarray
        The steps measured (Adam's t, from 1).
    low, median, high : ndarray
        The 5th, 50th and 95th percentiles of ``sqrt(v_hat)`` across the weights:
        what each weight's step is divided by. Every weight's gradients come
        from the same distribution, so ideally they would all be equal.
    step : ndarray
        The mean of ``|m_hat| / sqrt(v_hat)``: the average step, in units of lr,
        that pure noise makes Adam take.
    """

    t: np.ndarray
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray
    step: np.ndarray

    def _index(self, t: int) -> int:
        found = np.flatnonzero(self.t == t)
        if not len(found):
            raise KeyError(f"NoiseStatistics: step {t} was not measured; the steps are {self.t.tolist()}.")
        return int(found[0])

    def spread(self, t: int) -> float:
        """How many times larger the 95th percentile of ``sqrt(v_hat)`` is than the 5th, at step ``t``."""
        i = self._index(t)
        return float(self.high[i] / self.low[i])

    def mean_step(self, t: int) -> float:
        """The mean ``|m_hat| / sqrt(v_hat)`` at step ``t``."""
        return float(self.step[self._index(t)])


def noise_statistics(
    steps: int = 1000, weights: int = 10_000, beta1: float = 0.9, beta2: float = 0.999, seed: int = 0, points: int = 40
) -> NoiseStatistics:
    """Run Adam's two averages on standard normal gradients for many weights at once.

    ``m = ema(m, g, beta1)``, ``v = ema(v, g**2, beta2)``, then both are
    debiased as in Adam. After one step ``v_hat = g**2``: a single number
    decides each weight's step size, which is why its spread is huge at
    first and shrinks as ``v`` averages more gradients (Liu et al., "On the
    Variance of the Adaptive Learning Rate and Beyond", ICLR 2020).

    The statistics are taken at about ``points`` log-spaced steps from 1 to
    ``steps`` (always including 1, 2, 5, 10, 20, 50, ... up to ``steps``):
    percentiles of 10,000 numbers at every step would cost more than the run.
    """
    owner = "noise_statistics"
    steps = _whole(owner, "steps", steps, 1)
    weights = _whole(owner, "weights", weights, 20)
    points = _whole(owner, "points", points, 2)
    decades = [k * 10**e for e in range(int(math.log10(steps)) + 1) for k in (1, 2, 5)]
    measured = np.unique(np.concatenate([np.geomspace(1, steps, points).round(), decades, [steps]]).astype(int))
    measured = measured[measured <= steps]
    rng = np.random.default_rng(seed)
    m = v = np.zeros(weights)
    stats = []
    for t in range(1, steps + 1):
        g = rng.standard_normal(weights)
        m, v = ema(m, g, beta1), ema(v, g * g, beta2)
        if t in measured:
            root = np.sqrt(debias(v, beta2, t))
            stats.append((*np.percentile(root, (5, 50, 95)), np.mean(np.abs(debias(m, beta1, t)) / root)))
    low, median, high, step = (np.array(column) for column in zip(*stats))
    return NoiseStatistics(measured, low, median, high, step)


# --- a huge gradient ----------------------------------------------------------------------------


def scripted_run(optimizer: Optimizer, gradients: Sequence[float], start: float = 0.0) -> np.ndarray:
    """One weight, moved by ``optimizer`` with the given gradient at each step.

    Returns the weight before the first step and after each one
    (``len(gradients) + 1`` numbers).
    """
    optimizer = _optimizer(optimizer, "scripted_run")
    gradients = np.asarray(gradients, dtype=float)
    if gradients.ndim != 1 or not len(gradients):
        raise ValueError(f"scripted_run: gradients must be a non-empty list of numbers, got shape {gradients.shape}.")
    theta = np.array([float(start)])
    state = optimizer.init(theta)
    path = [theta[0]]
    for g in gradients:
        theta, state = optimizer.step(theta, np.array([g]), state)
        path.append(theta[0])
    return np.array(path)


def plot_clipping(grads: Sequence[float], max_norm: float, ax=None):
    """A gradient of two arrays (one number each, for a flat picture) and two ways to clip it.

    Draws the gradient, the circle of radius ``max_norm``, the gradient
    clipped by its global norm (shorter, same direction) and each array
    clipped by its own norm (turned). Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from adamcourse.optimizers import clip_by_global_norm

    g = np.asarray(grads, dtype=float)
    if g.shape != (2,):
        raise ValueError(f"plot_clipping: grads must be two numbers (g_W, g_b), got {grads!r}.")
    ax = plt.gca() if ax is None else ax
    clipped, _ = clip_by_global_norm({"W": g[:1], "b": g[1:]}, max_norm)
    together = np.array([clipped["W"][0], clipped["b"][0]])
    alone = np.array([x * min(1.0, max_norm / abs(x)) if x else 0.0 for x in g])
    angle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(max_norm * np.cos(angle), max_norm * np.sin(angle), color="0.6", linewidth=1, label=f"norm = {max_norm:g}")
    for vector, color, label, width in (
        (g, "0.3", "the gradient", 2.5),
        (together, "C0", "clipped by the global norm", 2.0),
        (alone, "C3", "each array clipped alone", 2.0),
    ):
        ax.annotate(
            "",
            xy=vector,
            xytext=(0, 0),
            arrowprops=dict(arrowstyle="-|>", color=color, linewidth=width, shrinkA=0, shrinkB=0),
        )
        ax.plot([], [], color=color, linewidth=width, label=label)  # the legend's entry for the arrow
    reach = 1.15 * max(np.abs(g).max(), max_norm)
    ax.set(xlim=(-0.25 * reach, reach), ylim=(-0.25 * reach, reach), xlabel="g_W", ylabel="g_b", aspect="equal")
    ax.axhline(0, color="0.85", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.85", linewidth=0.8, zorder=0)
    return ax


# --- where Adam fails ---------------------------------------------------------------------------


def online_counterexample(optimizer: Optimizer, periods: Sequence[int], steps: int) -> np.ndarray:
    """Reddi, Kale and Kumar's problem, one copy per period, all run at once.

    One number ``x`` in [-1, 1] per copy. Copy ``j`` sees a large gradient
    ``C = 2 (P - 1)`` on every ``P``-th step (``P = periods[j]``; steps 1,
    P + 1, 2P + 1, ...) and -1 on all others. On average the gradient is
    ``(P - 1) / P > 0``, so the best point is ``x = -1``. After each step
    ``x`` is put back into [-1, 1] (the problem lives there).

    The copies are independent: Adam treats each number on its own, so one
    optimizer on a vector runs them all.

    Reference: Reddi, Kale and Kumar, "On the Convergence of Adam and Beyond",
    ICLR 2018 (their section 3 uses ``P = 3``).

    Returns
    -------
    ndarray, shape (steps + 1, len(periods))
        ``x`` before the first step (0) and after every step.
    """
    owner = "online_counterexample"
    optimizer = _optimizer(optimizer, owner)
    steps = _whole(owner, "steps", steps, 1)
    periods = np.asarray(periods)
    if periods.ndim != 1 or not len(periods) or periods.dtype.kind not in "iu" or np.any(periods < 2):
        raise ValueError(f"{owner}: periods must be whole numbers >= 2, got {periods!r}.")
    big = 2.0 * (periods - 1)
    x = np.zeros(len(periods))
    state = optimizer.init(x)
    path = np.empty((steps + 1, len(periods)))
    path[0] = x
    for t in range(1, steps + 1):
        g = np.where(t % periods == 1 % periods, big, -1.0)
        x, state = optimizer.step(x, g, state)
        x = np.clip(x, -1.0, 1.0)
        path[t] = x
    return path


# --- the lesson's recipe for the finale's CNN --------------------------------------------------

#: The settings of :func:`recipe`, found on the offline MNIST sample (4,000 images, 1,000 held out).
#: Measured there, 2 epochs, seeds 0-2, held-out accuracy after the last epoch: this recipe
#: 0.960 0.957 0.961; without the warmup 0.953 0.946 0.955; without clipping 0.954 0.949 0.960;
#: Adam at a constant 0.03 0.100 (broke down) 0.864 0.935; at lesson 06's 0.007 0.953 0.945 0.964.
#: Batches of 125 (peaks 0.02-0.05) and 200 (0.02-0.03) were less reliable: the worst of three
#: seeds 0.941-0.951. A schedule of one epoch (batches 60-200, peaks 0.003-0.02) stayed below
#: 0.94. benchmarks/bench_keras.py times it against Keras' defaults.
RECIPE_SETTINGS = dict(
    peak_lr=0.03, batch_size=100, epochs=2, warmup_fraction=0.1, weight_decay=0.01, global_clipnorm=1.0
)


def recipe(
    n_train: int,
    *,
    epochs: int = RECIPE_SETTINGS["epochs"],
    batch_size: int = RECIPE_SETTINGS["batch_size"],
    peak_lr: float = RECIPE_SETTINGS["peak_lr"],
    warmup_fraction: float = RECIPE_SETTINGS["warmup_fraction"],
    weight_decay: float = RECIPE_SETTINGS["weight_decay"],
    global_clipnorm: float | None = RECIPE_SETTINGS["global_clipnorm"],
):
    """The recipe lesson 07 teaches, for ``epochs`` passes over ``n_train`` images::

        AdamW(lr = LinearWarmup(w, then=CosineDecay(peak_lr, total - w)), weight_decay, global_clipnorm)

    ``total = epochs * ceil(n_train / batch_size)`` updates; the first
    ``w = warmup_fraction * total`` climb from 0 to ``peak_lr``, the rest
    follow half a cosine down to 0, which it reaches on the last update.

    Returns
    -------
    adamcourse.finale.Recipe
        Its ``optimizer()`` makes a fresh Keras twin; train with its ``batch_size``
        for ``epochs`` epochs (the schedule ends there).
    """
    from adamcourse.finale import Recipe

    owner = "recipe"
    n_train = _whole(owner, "n_train", n_train, 1)
    epochs = _whole(owner, "epochs", epochs, 1)
    batch_size = _whole(owner, "batch_size", batch_size, 1)
    if not 0 <= warmup_fraction < 1:
        raise ValueError(f"{owner}: warmup_fraction must be in [0, 1), got {warmup_fraction!r}; try 0.1.")
    total = epochs * math.ceil(n_train / batch_size)
    warmup = max(1, round(warmup_fraction * total))
    if warmup >= total:
        raise ValueError(f"{owner}: {total} updates leave no room after a warmup of {warmup}; train longer.")
    schedule = LinearWarmup(steps=warmup, then=CosineDecay(lr=peak_lr, decay_steps=total - warmup))
    optimizer = AdamW(lr=schedule, weight_decay=weight_decay, global_clipnorm=global_clipnorm)
    name = f"AdamW, warmup + cosine to lr={peak_lr:g}, clipped, batch {batch_size}"
    return Recipe(name, optimizer, batch_size)
