"""Run an optimizer and record where it went.

A :class:`Trajectory` is plain data (points, losses, gradient norms and the
optimizer states), so plots, animations and widgets only ever consume
trajectories and never run optimizers themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from adamcourse import validation
from adamcourse.objectives import MinibatchProblem, Objective, get_objective
from adamcourse.optimizers import Optimizer

__all__ = ["Trajectory", "run", "run_minibatch", "compare", "steps_to_settle", "Sweep", "lr_sweep"]

# A run that leaves this box has diverged, even before it overflows to inf.
_DIVERGED = 1e8


@dataclass(frozen=True)
class Trajectory:
    """What one run did.

    Attributes
    ----------
    label : str
        The optimizer's short name, for legends.
    points : ndarray, shape (k + 1, dim)
        The start point and the point after each of the ``k`` steps taken.
    losses : ndarray, shape (k + 1,)
        The (full-data) loss at each point.
    grad_norms : ndarray, shape (k + 1,)
        The norm of the (full-data) gradient at each point.
    states : tuple
        The optimizer state after each step (``states[i]`` produced ``points[i + 1]``).
    diverged_at : int or None
        The step at which the run blew up (loss or parameters non-finite or
        beyond 1e8), or None. The run stops there; points up to it are kept.
    objective : str
        The name of the objective or problem.
    """

    label: str
    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    states: tuple
    diverged_at: int | None
    objective: str
    optimizer: Optimizer | None = None

    @property
    def steps(self) -> int:
        """Number of steps actually taken."""
        return len(self.points) - 1

    @property
    def final_point(self) -> np.ndarray:
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def __repr__(self):
        status = (
            f"diverged at step {self.diverged_at}"
            if self.diverged_at is not None
            else f"final loss {self.final_loss:.4g}"
        )
        return f"<Trajectory {self.label} on {self.objective}: {self.steps} steps, {status}>"


def _check_run_args(optimizer, steps, name="steps", owner="run"):
    if not isinstance(optimizer, Optimizer):
        hint = " (did you pass the class? write Adam() or Adam(lr=0.1))" if isinstance(optimizer, type) else ""
        raise TypeError(f"optimizer must be an adamcourse optimizer such as Adam(lr=0.1), got {optimizer!r}{hint}.")
    return validation.whole(owner, name, steps)


def _start(x0, default, dim):
    x = np.array(default if x0 is None else x0, dtype=float)
    if x.shape != (dim,):
        raise ValueError(f"x0 must hold {dim} numbers, got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x}.")
    return x


def _blew_up(x, loss) -> bool:
    return not (
        np.isfinite(loss) and np.all(np.isfinite(x)) and np.max(np.abs(x)) < _DIVERGED and abs(loss) < _DIVERGED**2
    )


def _descend(optimizer, x, step_gradients, measure, name, label) -> Trajectory:
    """The loop that both kinds of run share.

    ``measure(x)`` gives the full-objective ``(loss, gradient)`` at ``x``;
    ``step_gradients`` yields, for each step, a function ``(x, full_gradient)
    -> gradient to step with`` (the full one itself, or a minibatch's). The
    run stops at the first step that blows up and records it in ``diverged_at``.
    """
    state = optimizer.init(x)
    loss, full = measure(x)
    points, losses, norms, states = [x], [loss], [float(np.linalg.norm(full))], []
    diverged_at = None
    for k, gradient in enumerate(step_gradients, start=1):
        with np.errstate(over="ignore", invalid="ignore"):
            g = gradient(x, full)
        try:
            x, state = optimizer.step(x, g, state)
        except FloatingPointError:
            diverged_at = k
            break
        with np.errstate(over="ignore", invalid="ignore"):
            loss, full = measure(x)
        points.append(x)
        losses.append(loss)
        norms.append(float(np.linalg.norm(full)))
        states.append(state)
        if _blew_up(x, loss):
            diverged_at = k
            break
    return Trajectory(
        label=label or optimizer.label,
        points=np.array(points),
        losses=np.array(losses),
        grad_norms=np.array(norms),
        states=tuple(states),
        diverged_at=diverged_at,
        objective=name,
        optimizer=optimizer,
    )


def run(
    optimizer: Optimizer, objective: Objective | str, x0=None, steps: int = 100, label: str | None = None
) -> Trajectory:
    """Take ``steps`` full-gradient steps on a 2-D objective.

    Parameters
    ----------
    optimizer : Optimizer
        For example ``Adam(lr=0.1)``.
    objective : Objective or str
        An objective or its name (``"rosenbrock"``).
    x0 : array-like of 2 numbers, optional
        Start point; the objective's own ``start`` by default.
    steps : int
    label : str, optional
        Legend text; ``optimizer.label`` by default.

    A run that diverges stops at the step where it left the finite world and
    records that step in ``diverged_at``: divergence is shown, not hidden.
    """
    steps = _check_run_args(optimizer, steps)
    if isinstance(objective, MinibatchProblem):
        raise TypeError(
            f"run() takes a 2-D objective, got the minibatch problem {objective.name!r}: use "
            f"run_minibatch(optimizer, problem, ...) or run(optimizer, problem.as_objective())."
        )
    objective = get_objective(objective)
    x = _start(x0, objective.start, 2)

    def measure(x):
        return float(objective.f(x)), objective.grad(x)

    def full_gradient(x, full):
        return full  # measured at x already: one gradient evaluation per step

    return _descend(optimizer, x, (full_gradient for _ in range(steps)), measure, objective.name, label)


def run_minibatch(
    optimizer: Optimizer,
    problem: MinibatchProblem,
    epochs: int = 5,
    batch_size: int = 10,
    seed: int = 0,
    x0=None,
    label: str | None = None,
) -> Trajectory:
    """Minibatch training: each epoch visits the examples in a seeded random
    order, ``batch_size`` at a time, one step per batch.

    ``batch_size=problem.n`` is full-batch gradient descent. Losses and
    gradient norms in the trajectory are measured on the full data set so
    that runs with different batch sizes compare fairly.

    Parameters
    ----------
    optimizer : Optimizer
    problem : MinibatchProblem
        For example ``linear_regression()`` or ``sparse_features()``.
    epochs : int
        Passes over the data; the run takes ``epochs * ceil(n / batch_size)`` steps.
    batch_size : int
        Examples per step, from 1 to ``problem.n``.
    seed : int
        Seeds the shuffling: the same seed gives the same run.
    x0 : array-like, optional
        Start point; ``problem.start`` by default.
    label : str, optional

    Returns
    -------
    Trajectory
        Divergence stops the run and is recorded in ``diverged_at``.
    """
    epochs = _check_run_args(optimizer, epochs, "epochs", "run_minibatch")
    if not isinstance(problem, MinibatchProblem):
        raise TypeError(f"problem must be a MinibatchProblem such as linear_regression(), got {problem!r}.")
    batch_size = validation.whole(
        "run_minibatch", "batch_size", batch_size, f"{problem.n} is the data set size.", smallest=1, largest=problem.n
    )
    rng = np.random.default_rng(seed)
    x = _start(x0, problem.start, len(problem.start))

    def measure(x):
        return float(problem.loss(x)), problem.grad(x)

    def minibatch_gradients():
        for _ in range(epochs):
            order = rng.permutation(problem.n)
            for start in range(0, problem.n, batch_size):
                batch = order[start : start + batch_size]
                yield lambda x, full, batch=batch: problem.grad(x, batch)

    return _descend(optimizer, x, minibatch_gradients(), measure, problem.name, label)


def compare(optimizers, objective, x0=None, steps: int = 100) -> list[Trajectory]:
    """Run several optimizers from the same start on one objective.

    Returns a list with one :class:`Trajectory` per optimizer, in order.
    """
    return [run(opt, objective, x0=x0, steps=steps) for opt in optimizers]


def steps_to_settle(trajectory: Trajectory, tol: float = 1e-2, f_min: float | None = None) -> int | None:
    """The step from which the loss stays within ``tol`` of the minimum to the end of the run.

    None if the run ends farther away, or diverged. Passing close to the
    minimum and flying on does not count: a run that orbits the minimum
    (RMSProp with a large lr does) settles only once its orbit is small.
    ``f_min`` defaults to the objective's known minimum value.
    """
    if trajectory.diverged_at is not None:
        return None
    if f_min is None:
        f_min = get_objective(trajectory.objective).f_min
    far = np.flatnonzero(~(np.asarray(trajectory.losses, dtype=float) - f_min < tol))
    if far.size == 0:
        return 0
    return None if far[-1] == len(trajectory.losses) - 1 else int(far[-1] + 1)


@dataclass(frozen=True)
class Sweep:
    """One optimizer tried at several learning rates on one objective.

    Attributes
    ----------
    label : str
        The optimizer's name, for legends.
    objective : str
    lrs : tuple of float
        The learning rates tried, in the order given.
    steps : tuple of (int or None)
        For each lr, the steps until the loss settled within ``tol`` of the
        minimum (:func:`steps_to_settle`); None if it never did.
    diverged : tuple of bool
        For each lr, whether the run blew up.
    final_losses : tuple of float
        For each lr, the loss after the last step (inf if the run blew up).
    budget : int
        The most steps each run was given.
    tol : float
    """

    label: str
    objective: str
    lrs: tuple
    steps: tuple
    diverged: tuple
    final_losses: tuple
    budget: int
    tol: float

    @property
    def best_lr(self) -> float | None:
        """The learning rate that settled in the fewest steps (the smaller on a tie); None if none did."""
        arrived = [(n, lr) for n, lr in zip(self.steps, self.lrs) if n is not None]
        return min(arrived)[1] if arrived else None

    @property
    def best_steps(self) -> int | None:
        return None if self.best_lr is None else self.steps[self.lrs.index(self.best_lr)]

    @property
    def working_lrs(self) -> tuple:
        """The learning rates that settled within the budget."""
        return tuple(lr for n, lr in zip(self.steps, self.lrs) if n is not None)


def lr_sweep(
    make: Callable[[float], Optimizer],
    objective: Objective | str,
    lrs: Sequence[float],
    steps: int = 500,
    tol: float = 1e-2,
    label: str | None = None,
    x0=None,
) -> Sweep:
    """Run one optimizer at each learning rate in ``lrs`` and count its steps to the minimum.

    ``make`` turns a learning rate into an optimizer: a class such as ``SGD``
    or ``lambda lr: Momentum(lr=lr, beta=0.7)``. Every run starts at the same
    point and gets ``steps`` steps; it counts as arrived at the step from
    which its loss stays within ``tol`` of the objective's known minimum
    (:func:`steps_to_settle`).

    Returns
    -------
    Sweep
        ``best_lr`` and ``best_steps`` give the fastest setting, ``working_lrs``
        the range that settles at all.
    """
    objective = get_objective(objective) if isinstance(objective, str) else objective
    lrs = tuple(float(lr) for lr in lrs)
    if not lrs:
        raise ValueError("lr_sweep: give at least one learning rate, e.g. lrs=[0.001, 0.01, 0.1].")
    counts, diverged, finals, name = [], [], [], label
    for lr in lrs:
        optimizer = make(lr)
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"lr_sweep: make(lr) must return an optimizer such as SGD(lr=lr), got {optimizer!r}.")
        trajectory = run(optimizer, objective, x0=x0, steps=steps)
        counts.append(steps_to_settle(trajectory, tol, objective.f_min))
        diverged.append(trajectory.diverged_at is not None)
        finals.append(math.inf if trajectory.diverged_at is not None else trajectory.final_loss)
        name = name or type(optimizer).__name__
    return Sweep(name, objective.name, lrs, tuple(counts), tuple(diverged), tuple(finals), int(steps), float(tol))
