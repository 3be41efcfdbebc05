"""Learning-rate schedules: the step size as a function of the step count.

Every optimizer's ``lr`` may be a number or a schedule::

    from adamcourse import Adam
    from adamcourse.schedules import CosineDecay, LinearWarmup

    opt = Adam(lr=LinearWarmup(steps=100, then=CosineDecay(lr=3e-3, decay_steps=900)))

The step count
--------------
A schedule is called with ``step``, the number of updates already made:
``step = 0`` for the first update. The optimizer's own counter ``t`` starts
at 1 (the paper's, used for bias correction), so update ``t`` uses
``lr(t - 1)``. Keras counts the same way (it calls a schedule with
``optimizer.iterations``, 0 on the first update), and so does PyTorch (a
scheduler starts at ``last_epoch = 0`` and steps after each optimizer step).
So a schedule here and its Keras or PyTorch twin give the same lr on the same
update. A plain function of the step works too (``lr=lambda step: ...``), and
is called the same way.

Every schedule is a small frozen dataclass: it prints its settings, compares
equal to another with the same settings, and can be reused by many runs.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, fields

from adamcourse import validation
from adamcourse.optimizers import _unknown_argument

__all__ = ["Schedule", "Constant", "StepDecay", "ExponentialDecay", "CosineDecay", "LinearWarmup"]


# Keras' and PyTorch's names for the schedules' settings, and what to write here
# instead (looked up as in adamcourse.optimizers: (name, class), then (name, None)).
_FRAMEWORK_NAMES = {
    ("initial_learning_rate", None): "(that is Keras' name); write {cls}(lr={value}, ...)",
    ("learning_rate", None): "(that is Keras' name); write {cls}(lr={value}, ...)",
    ("alpha", "CosineDecay"): "(Keras' alpha is the floor as a fraction of lr); "
    "write CosineDecay(lr=..., decay_steps=..., min_lr=alpha * lr)",
    ("warmup_steps", None): "(Keras' CosineDecay has a warmup inside; here a warmup goes in front of any schedule); "
    "write LinearWarmup(steps={value}, then={cls}(...))",
    ("warmup_target", None): "(the warmup climbs to the lr where the next schedule starts); "
    "write LinearWarmup(steps=..., then=CosineDecay(lr={value}, decay_steps=...))",
    ("T_max", None): "(PyTorch's CosineAnnealingLR); write CosineDecay(lr=..., decay_steps={value})",
    ("eta_min", None): "(PyTorch's CosineAnnealingLR); write CosineDecay(lr=..., decay_steps=..., min_lr={value})",
    ("gamma", None): "(PyTorch's factor per step); write ExponentialDecay(lr=..., decay_rate={value})",
    ("milestones", None): "(PyTorch's MultiStepLR); write StepDecay(boundaries={value}, values=(...))",
    ("step_size", None): "(PyTorch's StepLR); "
    "write ExponentialDecay(lr=..., decay_rate=gamma, decay_steps={value}, staircase=True)",
    ("start_factor", None): "(PyTorch's LinearLR scales lr; here the warmup starts at a learning rate); "
    "write LinearWarmup(steps=..., then=..., start_lr=start_factor * lr)",
    ("total_iters", None): "(PyTorch's LinearLR); write LinearWarmup(steps={value}, then=...)",
}


class Schedule:
    """Base class: ``lr = schedule(step)``, with ``step`` = updates already made (0, 1, 2, ...)."""

    def __new__(cls, *args, **kwargs):
        # as for the optimizers: Keras' or PyTorch's name for a setting gets ours, not a bare TypeError
        known = [f.name for f in fields(cls) if f.init]
        for name, value in kwargs.items():
            if name not in known:
                raise TypeError(_unknown_argument(cls, name, value, known, _FRAMEWORK_NAMES))
        return super().__new__(cls)

    def __call__(self, step: int) -> float:
        raise NotImplementedError


# --- The shapes ------------------------------------------------------------------


@dataclass(frozen=True)
class Constant(Schedule):
    """``lr(step) = lr``: the same step size for every update.

    The same as passing the number itself; useful after a warmup:
    ``LinearWarmup(steps=10, then=Constant(0.01))``.
    """

    lr: float

    def __post_init__(self):
        object.__setattr__(self, "lr", validation.positive("Constant", "lr", self.lr, "Try Constant(0.001)."))

    def __call__(self, step: int) -> float:
        return self.lr


@dataclass(frozen=True)
class StepDecay(Schedule):
    """Piecewise constant: ``lr(step) = values[i]``, ``i`` = how many boundaries are <= step.

    ``StepDecay(boundaries=(100, 150), values=(0.1, 0.01, 0.001))`` uses 0.1
    for the first 100 updates (steps 0-99), 0.01 for the next 50 and 0.001
    after that: a boundary is the number of updates after which the lr drops.

    PyTorch's ``MultiStepLR(milestones=boundaries, gamma=g)`` is this with
    ``values[i] = lr * g**i``. Keras' ``PiecewiseConstantDecay`` keeps each
    value one step longer (it tests ``step <= boundary``), so its boundaries
    are these minus 1.

    Parameters
    ----------
    boundaries : sequence of int
        Increasing step counts at which the next value starts.
    values : sequence of float
        One more value than boundaries: the lr before the first boundary,
        between each pair, and after the last.
    """

    boundaries: tuple[int, ...]
    values: tuple[float, ...]

    def __post_init__(self):
        hint = "For example StepDecay(boundaries=(100, 150), values=(0.1, 0.01, 0.001))."
        for name in ("boundaries", "values"):
            if isinstance(getattr(self, name), (str, bytes)) or not hasattr(getattr(self, name), "__iter__"):
                raise TypeError(f"StepDecay: {name} must be a sequence, got {getattr(self, name)!r}. {hint}")
        boundaries = tuple(validation.whole("StepDecay", "each boundary", b, hint, smallest=1) for b in self.boundaries)
        values = tuple(validation.positive("StepDecay", "each value", v, hint) for v in self.values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                f"StepDecay: values must have one more entry than boundaries (the lr before the first "
                f"boundary, then one after each), got {len(boundaries)} boundaries and {len(values)} values. {hint}"
            )
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(f"StepDecay: boundaries must increase, got {boundaries}. {hint}")
        object.__setattr__(self, "boundaries", boundaries)
        object.__setattr__(self, "values", values)

    def __call__(self, step: int) -> float:
        return self.values[bisect.bisect_right(self.boundaries, step)]


@dataclass(frozen=True)
class ExponentialDecay(Schedule):
    """``lr(step) = lr * decay_rate ** (step / decay_steps)``.

    The lr is multiplied by ``decay_rate`` every ``decay_steps`` updates:
    smoothly, or all at once with ``staircase=True`` (the exponent is then
    ``floor(step / decay_steps)``). Keras' ``ExponentialDecay`` computes the
    same; PyTorch's ``ExponentialLR(gamma)`` is ``decay_steps=1``,
    ``decay_rate=gamma``.

    Parameters
    ----------
    lr : float
        The lr of the first update.
    decay_rate : float
        Factor per ``decay_steps`` updates, e.g. 0.5 halves the lr.
    decay_steps : int
        Updates per factor of ``decay_rate``.
    staircase : bool
        Drop the lr in steps instead of smoothly.
    """

    lr: float
    decay_rate: float
    decay_steps: int = 1
    staircase: bool = False

    def __post_init__(self):
        hint = "For example ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=100)."
        object.__setattr__(self, "lr", validation.positive("ExponentialDecay", "lr", self.lr, hint))
        object.__setattr__(
            self, "decay_rate", validation.positive("ExponentialDecay", "decay_rate", self.decay_rate, hint)
        )
        object.__setattr__(
            self, "decay_steps", validation.whole("ExponentialDecay", "decay_steps", self.decay_steps, hint, smallest=1)
        )
        object.__setattr__(self, "staircase", validation.flag("ExponentialDecay", "staircase", self.staircase))

    def __call__(self, step: int) -> float:
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.lr * self.decay_rate**exponent


@dataclass(frozen=True)
class CosineDecay(Schedule):
    """``lr(step) = min_lr + (lr - min_lr) * (1 + cos(pi * s / decay_steps)) / 2``, ``s = min(step, decay_steps)``.

    Half a cosine wave from ``lr`` down to ``min_lr`` over ``decay_steps``
    updates: slow at first, fastest halfway, slow again near the end. After
    ``decay_steps`` the lr stays at ``min_lr``, as in Keras' ``CosineDecay``
    (which writes ``min_lr`` as ``alpha = min_lr / lr``). PyTorch's
    ``CosineAnnealingLR(T_max=decay_steps, eta_min=min_lr)`` agrees up to
    ``decay_steps`` and then climbs back up the cosine.

    Reference: Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with
    Warm Restarts", ICLR 2017.

    Parameters
    ----------
    lr : float
        The lr of the first update (the top of the curve).
    decay_steps : int
        Updates from ``lr`` down to ``min_lr``.
    min_lr : float
        Where the curve ends, at most ``lr``.
    """

    lr: float
    decay_steps: int
    min_lr: float = 0.0

    def __post_init__(self):
        hint = "For example CosineDecay(lr=0.01, decay_steps=1000)."
        object.__setattr__(self, "lr", validation.positive("CosineDecay", "lr", self.lr, hint))
        object.__setattr__(
            self, "decay_steps", validation.whole("CosineDecay", "decay_steps", self.decay_steps, hint, smallest=1)
        )
        object.__setattr__(self, "min_lr", validation.non_negative("CosineDecay", "min_lr", self.min_lr, hint))
        if self.min_lr > self.lr:
            raise ValueError(
                f"CosineDecay: min_lr={self.min_lr!r} is above lr={self.lr!r}; the curve goes down from lr "
                f"to min_lr. {hint}"
            )

    def __call__(self, step: int) -> float:
        progress = min(step, self.decay_steps) / self.decay_steps  # 0 at the start, 1 at the end
        return self.min_lr + (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2


@dataclass(frozen=True)
class LinearWarmup(Schedule):
    """A straight line from ``start_lr`` up to ``then(0)``, then ``then``::

        lr(step) = start_lr + (then(0) - start_lr) * step / steps      for step < steps
        lr(step) = then(step - steps)                                  afterwards

    The first ``steps`` updates climb towards the lr where ``then`` starts;
    update ``steps + 1`` is ``then``'s first. Adam wants this because its
    second-moment estimate ``v`` rests on very few gradients in the first
    updates, so its steps are the least reliable exactly when the lr is
    largest (Liu et al., "On the Variance of the Adaptive Learning Rate and
    Beyond", ICLR 2020).

    Keras' ``CosineDecay(initial_learning_rate=start_lr, warmup_target=lr,
    warmup_steps=steps, decay_steps=...)`` is ``LinearWarmup(steps,
    CosineDecay(lr, ...), start_lr)``. PyTorch's ``SequentialLR([LinearLR(
    start_factor=start_lr / lr, total_iters=steps), <then>],
    milestones=[steps])`` is the same schedule (PyTorch needs ``start_lr > 0``).

    Parameters
    ----------
    steps : int
        Updates spent warming up, at least 1.
    then : Schedule, function of the step, or float
        What follows the warmup (a number means a constant lr).
    start_lr : float
        The lr of the first update (Keras' default 0 makes the first update
        a no-op).
    """

    steps: int
    then: Schedule | Callable[[int], float] | float
    start_lr: float = 0.0

    def __post_init__(self):
        hint = "For example LinearWarmup(steps=100, then=CosineDecay(lr=0.01, decay_steps=900))."
        object.__setattr__(self, "steps", validation.whole("LinearWarmup", "steps", self.steps, hint, smallest=1))
        if isinstance(self.then, type):
            raise TypeError(f"LinearWarmup: then is the class {self.then.__name__}; build one first. {hint}")
        if not callable(self.then):
            object.__setattr__(self, "then", Constant(validation.positive("LinearWarmup", "then", self.then, hint)))
        object.__setattr__(self, "start_lr", validation.non_negative("LinearWarmup", "start_lr", self.start_lr, hint))

    def __call__(self, step: int) -> float:
        if step < self.steps:
            peak = self.then(0)
            return self.start_lr + (peak - self.start_lr) * step / self.steps
        return self.then(step - self.steps)
