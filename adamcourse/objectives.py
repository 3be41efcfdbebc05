"""Loss landscapes for the lessons, as data: a function, its exact gradient,
a plotting window and where the minimum is.

Two-dimensional objectives take a point ``p`` of shape ``(2, ...)`` so the
same function evaluates one point (``p = np.array([x, y])``) or a whole grid
(``p = np.stack([X, Y])``) for contour plots. Minibatch problems carry a
seeded synthetic data set and give gradients of any subset of it, so that
SGD's noise and batch size can be shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from adamcourse import validation

__all__ = [
    "Objective",
    "MinibatchProblem",
    "bowl",
    "ravine",
    "rosenbrock",
    "beale",
    "saddle",
    "himmelblau",
    "sigmoid_neuron",
    "linear_regression",
    "logistic_regression",
    "sparse_features",
    "OBJECTIVES",
    "get_objective",
]


@dataclass(frozen=True)
class Objective:
    """A 2-D test function with its analytic gradient.

    Attributes
    ----------
    name : str
    f : callable
        ``f(p)`` for ``p`` of shape ``(2, ...)``; returns shape ``(...)``.
    grad : callable
        ``grad(p)``; returns the same shape as ``p``.
    bounds : ((xmin, xmax), (ymin, ymax))
        The window the lessons plot.
    minima : ndarray, shape (k, 2)
        Known global minimizers (empty if the function has none).
    f_min : float
        The minimum value (``-inf`` if unbounded below).
    start : ndarray, shape (2,)
        A start point that shows the function's character.
    log_scale : bool
        Whether contour levels should be log-spaced (steep walls, flat valley).
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    minima: np.ndarray
    f_min: float
    start: np.ndarray
    log_scale: bool = False
    description: str = ""

    def __call__(self, p):
        return self.f(np.asarray(p, dtype=float))

    def __repr__(self):
        return f"Objective({self.name!r})"


def _xy(p):
    p = np.asarray(p)
    if p.shape[:1] != (2,):
        raise ValueError(f"a 2-D objective takes points of shape (2, ...), got shape {p.shape}; pass np.array([x, y]).")
    return p[0], p[1]


def _objective(name, f, grad, bounds, minima, f_min, start, log_scale=False, description=""):
    return Objective(
        name=name,
        f=f,
        grad=grad,
        bounds=bounds,
        minima=np.asarray(minima, dtype=float).reshape(-1, 2),
        f_min=float(f_min),
        start=np.asarray(start, dtype=float),
        log_scale=log_scale,
        description=description,
    )


# --- the landscapes ----------------------------------------------------------


def _bowl_f(p):
    x, y = _xy(p)
    return x**2 + y**2


def _bowl_grad(p):
    x, y = _xy(p)
    return np.stack([2 * x, 2 * y])


bowl = _objective(
    "bowl",
    _bowl_f,
    _bowl_grad,
    ((-1.0, 1.0), (-1.0, 1.0)),
    [[0.0, 0.0]],
    0.0,
    [0.8, 0.6],
    description="x**2 + y**2: a round bowl, the same curvature in every direction.",
)

_RAVINE_A, _RAVINE_B = 0.1, 2.0  # curvatures 0.2 and 4: a condition number of 20


def _ravine_f(p):
    x, y = _xy(p)
    return _RAVINE_A * x**2 + _RAVINE_B * y**2


def _ravine_grad(p):
    x, y = _xy(p)
    return np.stack([2 * _RAVINE_A * x, 2 * _RAVINE_B * y])


ravine = _objective(
    "ravine",
    _ravine_f,
    _ravine_grad,
    ((-6.0, 2.0), (-3.0, 3.0)),
    [[0.0, 0.0]],
    0.0,
    [-5.0, -2.0],
    description="0.1 x**2 + 2 y**2: steep across, shallow along; one lr cannot suit both directions.",
)


def _rosenbrock_f(p):
    x, y = _xy(p)
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(p):
    x, y = _xy(p)
    return np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


rosenbrock = _objective(
    "rosenbrock",
    _rosenbrock_f,
    _rosenbrock_grad,
    ((-2.0, 2.0), (-1.0, 3.0)),
    [[1.0, 1.0]],
    0.0,
    [-1.5, 2.0],
    log_scale=True,
    description="(1-x)**2 + 100 (y-x**2)**2: a curved, flat-bottomed valley; easy to find, slow to follow.",
)


def _beale_terms(p):
    x, y = _xy(p)
    return x, y, (1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3)


def _beale_f(p):
    _, _, (a, b, c) = _beale_terms(p)
    return a**2 + b**2 + c**2


def _beale_grad(p):
    x, y, (a, b, c) = _beale_terms(p)
    dx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1)
    dy = 2 * a * x + 4 * b * x * y + 6 * c * x * y**2
    return np.stack([dx, dy])


beale = _objective(
    "beale",
    _beale_f,
    _beale_grad,
    ((-4.5, 4.5), (-4.5, 4.5)),
    [[3.0, 0.5]],
    0.0,
    [1.0, 1.5],
    log_scale=True,
    description="Beale's function: flat plateaus and sharp ridges, gradients from 1e-3 to 1e5.",
)


def _saddle_f(p):
    x, y = _xy(p)
    return x**2 + y**4 / 4 - y**2 / 2


def _saddle_grad(p):
    x, y = _xy(p)
    return np.stack([2 * x, y**3 - y])


saddle = _objective(
    "saddle",
    _saddle_f,
    _saddle_grad,
    ((-1.5, 1.5), (-1.5, 1.5)),
    [[0.0, 1.0], [0.0, -1.0]],
    -0.25,
    [-1.0, 1e-3],
    description="x**2 + y**4/4 - y**2/2: a saddle point at the origin between two minima; "
    "starting almost on the ridge, the gradient that leads away is tiny.",
)


def _himmelblau_f(p):
    x, y = _xy(p)
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(p):
    x, y = _xy(p)
    a, b = x**2 + y - 11, x + y**2 - 7
    return np.stack([4 * x * a + 2 * b, 2 * a + 4 * y * b])


himmelblau = _objective(
    "himmelblau",
    _himmelblau_f,
    _himmelblau_grad,
    ((-5.0, 5.0), (-5.0, 5.0)),
    [[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]],
    0.0,
    [0.0, 0.0],
    log_scale=True,
    description="Himmelblau's function: four equal minima; which one you reach depends on the path.",
)

# Seed 000's toy: one sigmoid neuron y = sigmoid(w x + b) fitted to two points.
SIGMOID_X = np.array([0.5, 2.5])
SIGMOID_Y = np.array([0.2, 0.9])


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _neuron_outputs(p):
    w, b = _xy(p)
    w, b = np.asarray(w)[..., None], np.asarray(b)[..., None]
    return _sigmoid(w * SIGMOID_X + b)


def _neuron_f(p):
    return np.sum(0.5 * (_neuron_outputs(p) - SIGMOID_Y) ** 2, axis=-1)


def _neuron_grad(p):
    out = _neuron_outputs(p)
    dz = (out - SIGMOID_Y) * out * (1 - out)
    return np.stack([np.sum(dz * SIGMOID_X, axis=-1), np.sum(dz, axis=-1)])


def _logit(q):
    return np.log(q / (1 - q))


# Two points, two parameters: the neuron can fit both exactly.
_NEURON_W = (_logit(SIGMOID_Y[1]) - _logit(SIGMOID_Y[0])) / (SIGMOID_X[1] - SIGMOID_X[0])
_NEURON_B = _logit(SIGMOID_Y[0]) - _NEURON_W * SIGMOID_X[0]

sigmoid_neuron = _objective(
    "sigmoid_neuron",
    _neuron_f,
    _neuron_grad,
    ((-6.0, 6.0), (-6.0, 6.0)),
    [[_NEURON_W, _NEURON_B]],
    0.0,
    [-4.0, -4.0],
    description="One sigmoid neuron (w, b) fitted to (0.5, 0.2) and (2.5, 0.9) by squared error; "
    "from (-4, -4) the neuron is saturated and the loss surface is a plateau.",
)

OBJECTIVES = {o.name: o for o in (bowl, ravine, rosenbrock, beale, saddle, himmelblau, sigmoid_neuron)}


def get_objective(name: str) -> Objective:
    """Look an objective up by name (``"rosenbrock"``...)."""
    if isinstance(name, Objective):
        return name
    try:
        return OBJECTIVES[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown objective {name!r}; choose one of {sorted(OBJECTIVES)}.") from None


# --- minibatch problems --------------------------------------------------------


@dataclass(frozen=True)
class MinibatchProblem:
    """A loss that is a mean over examples, so a minibatch gives a noisy gradient.

    ``loss(params, idx)`` and ``grad(params, idx)`` use the examples at the
    indices ``idx`` (all of them when ``idx`` is None). ``solution`` holds the
    best parameters and :meth:`weight_error` the distance from them. Problems
    with two parameters also offer :meth:`as_objective` for contour plots.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    start: np.ndarray
    solution: np.ndarray
    _loss: Callable = field(repr=False)
    _grad: Callable = field(repr=False)
    bounds: tuple | None = None
    description: str = ""

    @property
    def n(self) -> int:
        return len(self.y)

    def loss(self, params, idx=None):
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        return self._loss(np.asarray(params, dtype=float), X, y)

    def grad(self, params, idx=None):
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        return self._grad(np.asarray(params, dtype=float), X, y)

    def weight_error(self, params, idx=None) -> float:
        """RMS distance from the best weights: ``sqrt(mean((params - solution)**2))``.

        Unlike the loss, it counts every weight equally, however rarely its
        feature occurs. ``idx`` (indices or a boolean mask) restricts it to
        some of the weights, e.g. the rare ones of :func:`sparse_features`.
        """
        params = np.asarray(params, dtype=float)
        if params.shape != self.solution.shape:
            raise ValueError(f"params must have shape {self.solution.shape} for {self.name}, got {params.shape}.")
        diff = params - self.solution
        if idx is not None:
            diff = diff[idx]
        return float(np.sqrt(np.mean(diff**2)))

    def as_objective(self) -> Objective:
        """The full-data loss as a 2-D :class:`Objective` (two-parameter problems only)."""
        if self.bounds is None:
            raise ValueError(
                f"{self.name} has {len(self.start)} parameters; only 2-parameter problems can be drawn as contours."
            )
        return _objective(
            self.name,
            lambda p: self.loss(p),
            lambda p: self.grad(p),
            self.bounds,
            [self.solution],
            float(self.loss(self.solution)),
            self.start,
            description=self.description,
        )


def _line(p, X):
    """``w x + b`` for every example (last axis), for one point or a whole grid of (w, b)."""
    w, b = _xy(p)
    return np.asarray(w)[..., None] * X[:, 0] + np.asarray(b)[..., None]


def _line_loss(p, X, y):
    residual = _line(p, X) - y
    return 0.5 * np.mean(residual**2, axis=-1)


def _line_grad(p, X, y):
    residual = _line(p, X) - y
    return np.stack([np.mean(residual * X[:, 0], axis=-1), np.mean(residual, axis=-1)])


def linear_regression(
    n: int = 200, w: float = 2.0, b: float = -1.0, noise: float = 0.5, seed: int = 0
) -> MinibatchProblem:
    """Fit ``y = w x + b`` to ``n`` noisy points by mean squared error / 2.

    The parameters are ``np.array([w, b])``; ``solution`` is the least-squares fit.

    Parameters
    ----------
    n : int
        Number of points, ``x`` drawn from a standard normal.
    w, b : float
        The true line.
    noise : float
        Standard deviation of the noise added to ``y``.
    seed : int
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = w * x + b + noise * rng.normal(size=n)
    A = np.stack([x, np.ones(n)], axis=1)
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    return MinibatchProblem(
        "linear_regression",
        x[:, None],
        y,
        np.array([-2.0, 3.0]),
        solution,
        _line_loss,
        _line_grad,
        bounds=((-3.0, 5.0), (-4.0, 4.0)),
        description=f"Fit a line to {n} noisy points (true w={w}, b={b}).",
    )


def _logistic_loss(p, X, y):
    z = _line(p, X)
    # log(1 + exp(z)) - y z, written so that large |z| cannot overflow
    return np.mean(np.logaddexp(0, z) - y * z, axis=-1)


def _logistic_grad(p, X, y):
    z = _line(p, X)
    err = _sigmoid(z) - y
    return np.stack([np.mean(err * X[:, 0], axis=-1), np.mean(err, axis=-1)])


def logistic_regression(n: int = 200, w: float = 3.0, b: float = 0.5, seed: int = 0) -> MinibatchProblem:
    """Classify points on a line: ``P(y=1 | x) = sigmoid(w x + b)``, by mean cross-entropy.

    The parameters are ``np.array([w, b])``; ``solution`` is the maximum-likelihood fit.

    Parameters
    ----------
    n : int
        Number of points, ``x`` drawn from a standard normal.
    w, b : float
        The true model the labels are drawn from.
    seed : int
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < _sigmoid(w * x + b)).astype(float)
    problem = MinibatchProblem(
        "logistic_regression",
        x[:, None],
        y,
        np.array([-2.0, -2.0]),
        np.zeros(2),
        _logistic_loss,
        _logistic_grad,
        bounds=((-3.0, 7.0), (-4.0, 4.0)),
        description=f"Logistic regression on {n} points (true w={w}, b={b}).",
    )
    # The maximum-likelihood solution has no closed form: find it by Newton's method.
    theta = np.zeros(2)
    A = np.stack([x, np.ones(n)], axis=1)
    for _ in range(50):
        s = _sigmoid(A @ theta)
        hessian = (A * (s * (1 - s))[:, None]).T @ A / n
        theta = theta - np.linalg.solve(hessian, A.T @ (s - y) / n)
    return replace(problem, solution=theta)


def _dense_loss(p, X, y):
    return 0.5 * np.mean((X @ p - y) ** 2)


def _dense_grad(p, X, y):
    return X.T @ (X @ p - y) / len(y)


def sparse_features(
    n: int = 1000, n_frequent: int = 8, n_rare: int = 32, rare_count: int = 5, noise: float = 0.1, seed: int = 0
) -> MinibatchProblem:
    """Linear regression with rare features, the setting AdaGrad was made for.

    ``y = X @ w + noise`` with binary features and all true weights 1. The
    first ``n_frequent`` features are on in half of the examples; each of the
    ``n_rare`` rare features (indices ``n_frequent`` and up) is on in exactly
    ``rare_count`` of the ``n`` examples.

    In one pass over the data (``epochs=1``, as in online learning) a rare
    feature shows up in only a handful of minibatches. One global lr must stay
    small enough for the frequent features, so SGD and momentum barely move
    the rare weights; AdaGrad divides each weight's step by that weight's own
    gradient history and learns them from the few examples there are.

    The measure to show is :meth:`MinibatchProblem.weight_error`, the RMS
    distance of the weights from the least-squares solution. The loss is the
    wrong measure here: each rare feature touches 0.5% of the examples, so
    getting it wrong barely moves the mean loss. With batch_size=10, one
    epoch and each optimizer at its best lr from ``0.001, 0.003, ..., 3``,
    AdaGrad's weight error is several times smaller than SGD's and momentum's
    (tests/test_objectives.py checks at least 2x).

    Parameters
    ----------
    n : int
        Number of examples.
    n_frequent, n_rare : int
        Numbers of frequent (50%) and rare features.
    rare_count : int
        In how many examples each rare feature is on.
    noise : float
        Standard deviation of the noise added to ``y``.
    seed : int
    """
    rare_count = validation.whole(
        "sparse_features", "rare_count", rare_count, f"n={n} examples.", smallest=1, largest=n
    )
    rng = np.random.default_rng(seed)
    frequent = rng.random((n, n_frequent)) < 0.5
    rare = np.zeros((n, n_rare), dtype=bool)
    for j in range(n_rare):
        # exactly rare_count examples each, so no rare weight is left without data
        rare[rng.choice(n, size=rare_count, replace=False), j] = True
    X = np.hstack([frequent, rare]).astype(float)
    d = n_frequent + n_rare
    y = X @ np.ones(d) + noise * rng.normal(size=n)
    solution = np.linalg.lstsq(X, y, rcond=None)[0]
    return MinibatchProblem(
        "sparse_features",
        X,
        y,
        np.zeros(d),
        solution,
        _dense_loss,
        _dense_grad,
        description=(
            f"{n_frequent} frequent features (on in 50% of examples) and {n_rare} rare ones "
            f"(each on in {rare_count} of {n} examples); all true weights 1."
        ),
    )
