"""The five optimizers of the course, one readable NumPy reference each.

Every optimizer has the same small interface::

    opt = Adam(lr=0.1)
    state = opt.init(params)                      # t = 0, moments at zero
    params, state = opt.step(params, grads, state)

``params`` and ``grads`` are a NumPy array or a dict of NumPy arrays. Nothing
passed in is modified: ``step`` returns new arrays and a new, frozen state.
float32 stays float32 (hyperparameters are plain Python floats, which NumPy
never lets upcast an array).

Two more calls, for big models and for pictures::

    state = opt.step_(params, grads, state)       # the same numbers, in place (adamcourse.fastpath)
    sizes = opt.step_size(state)                  # each parameter's step size, e.g. lr / (sqrt(v_hat) + eps)

``lr`` may be a number or a schedule (:mod:`adamcourse.schedules`); every
optimizer also takes ``l2=`` (L2 added to the gradient) and
``global_clipnorm=`` (see :func:`clip_by_global_norm`).

The defaults are the papers'. Where a framework computes the same idea
differently, an explicit option reproduces it exactly, and ``like_keras()`` /
``like_torch()`` set those options together with the framework's defaults.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Literal

import numpy as np

from adamcourse import validation

Params = np.ndarray | Mapping[str, np.ndarray]
LearningRate = float | Callable[[int], float]  # a number, or a schedule: see adamcourse.schedules

__all__ = [
    "ema",
    "debias",
    "Optimizer",
    "SGD",
    "SGDState",
    "Momentum",
    "MomentumState",
    "AdaGrad",
    "AdaGradState",
    "RMSProp",
    "RMSPropState",
    "Adam",
    "AdamState",
    "AdamW",
    "ALL_OPTIMIZERS",
    "clip_by_global_norm",
]


# --- The two helpers the lessons build Adam from ---------------------------


def ema(average, x, beta):
    """Exponential moving average: ``beta * average + (1 - beta) * x``.

    The new value keeps a fraction ``beta`` of the old average and mixes in
    ``1 - beta`` of the newest observation, so the weight of an observation
    ``k`` steps old is ``(1 - beta) * beta**k``: it fades geometrically.
    Momentum (lesson 02) averages gradients with it, RMSProp (lesson 04)
    averages squared gradients, and Adam does both.
    """
    return beta * average + (1 - beta) * x


def debias(average, beta, t):
    """Bias correction: ``average / (1 - beta**t)``.

    An average started at zero is too small for the first steps: after ``t``
    steps its weights sum to ``1 - beta**t``, not 1. Dividing by that sum
    undoes the pull towards zero; for large ``t`` it divides by almost 1.
    """
    return average / (1 - beta**t)


# --- Checks with messages a learner can act on -----------------------------


# Keras' and PyTorch's names for settings, and what to write here instead.
# Looked up as (name, class) along the class's bases, then as (name, None);
# {cls} is the class, {value} the value passed, {b1} and {b2} a pair of betas.
_EPS_LESS = "(Keras' name for eps), but {cls} divides by nothing: only AdaGrad, RMSProp and Adam have an eps"
_FRAMEWORK_NAMES = {
    ("learning_rate", None): "(that is Keras' name); write {cls}(lr={value})",
    ("alpha", None): "(the paper's symbol for the step size); write {cls}(lr={value})",
    ("alpha", "RMSProp"): "(PyTorch's name for the fraction of the average kept); write RMSProp(beta={value})",
    ("epsilon", None): "(that is Keras' name); write {cls}(eps={value})",
    ("epsilon", "SGD"): _EPS_LESS,
    ("epsilon", "Momentum"): _EPS_LESS,
    ("betas", None): "(PyTorch's name for Adam's two betas); only Adam has them: Adam(beta1={b1}, beta2={b2})",
    ("betas", "Adam"): "(that is PyTorch's name); write {cls}(beta1={b1}, beta2={b2})",
    ("beta_1", None): "(Keras' name for Adam's beta1); only Adam has it: Adam(beta1={value})",
    ("beta_1", "Adam"): "(that is Keras' name); write {cls}(beta1={value})",
    ("beta_2", None): "(Keras' name for Adam's beta2); only Adam has it: Adam(beta2={value})",
    ("beta_2", "Adam"): "(that is Keras' name); write {cls}(beta2={value})",
    ("momentum", None): "(Keras' and PyTorch's name); momentum is its own optimizer here: Momentum(beta={value})",
    ("momentum", "Momentum"): "(that is Keras' and PyTorch's name); write Momentum(beta={value})",
    ("momentum", "RMSProp"): (
        "(Keras and PyTorch can add momentum to RMSprop; the course's RMSProp has none, and RMSProp "
        "with momentum is Adam); write Adam(beta1={value})"
    ),
    ("momentum", "Adam"): "(Adam's momentum is its first average); write {cls}(beta1={value})",
    ("rho", None): "(Keras' name for RMSprop's fraction of the average kept); write RMSProp(beta={value})",
    ("initial_accumulator_value", None): "(Keras' and PyTorch's name); write AdaGrad(initial_accumulator={value})",
    ("weight_decay", None): (
        "(PyTorch's {cls}(weight_decay=...) adds weight_decay * theta to the gradient, which is L2: write "
        "{cls}(l2={value}); Keras' weight_decay shrinks the weights directly instead, which is decoupled "
        "weight decay: AdamW(weight_decay={value}))"
    ),
    ("nesterov", None): "(Nesterov's look-ahead is an option of Momentum); write Momentum(beta=0.9, nesterov={value})",
    ("amsgrad", None): "(AMSGrad is an option of Adam and AdamW); write Adam(amsgrad={value})",
    ("clipnorm", None): (
        "(Keras' clipnorm clips each array by its own norm, which turns the step; the course clips all "
        "gradients together by their global norm); write {cls}(global_clipnorm={value})"
    ),
    ("clipvalue", None): (
        "(clipping each number on its own turns the step; the course clips all gradients together "
        "by their global norm); write {cls}(global_clipnorm=1.0)"
    ),
    ("max_norm", None): "(PyTorch's clip_grad_norm_ argument); write {cls}(global_clipnorm={value})",
    ("decay", None): "(a learning rate that changes with the step is a schedule here); write "
    "{cls}(lr=ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=100)) with adamcourse.schedules",
    ("lr_decay", None): "(a learning rate that changes with the step is a schedule here); write "
    "{cls}(lr=ExponentialDecay(lr=0.01, decay_rate=0.5, decay_steps=100)) with adamcourse.schedules",
}


def _unknown_argument(cls: type, name: str, value: Any, known: list[str], names: dict = _FRAMEWORK_NAMES) -> str:
    owner = cls.__name__
    for key in [(name, base.__name__) for base in cls.__mro__] + [(name, None)]:
        if key in names:
            pair = value if isinstance(value, (tuple, list)) and len(value) == 2 else (0.9, 0.999)
            hint = names[key].format(cls=owner, value=repr(value), b1=repr(pair[0]), b2=repr(pair[1]))
            return f"{owner} has no argument `{name}` {hint}."
    close = difflib.get_close_matches(name, known, n=1)
    guess = f" Did you mean `{close[0]}`?" if close else ""
    return f"{owner} has no argument `{name}`.{guess} Its arguments are: {', '.join(known)}."


def _learning_rate(owner: str, value: Any, hint: str) -> LearningRate:
    """A positive number, or a schedule: a function of the step (tried once here, at step 0)."""
    if isinstance(value, type):
        raise TypeError(
            f"{owner}: lr is the class {value.__name__}, not a number or a schedule; build one first, "
            f"e.g. lr={value.__name__}(...)."
        )
    if callable(value):
        _scheduled_lr(owner, value, 0)  # a broken schedule fails now, not in the middle of a run
        return value
    return validation.positive(owner, "lr", value, f"{hint} A schedule from adamcourse.schedules works too.")


def _scheduled_lr(owner: str, schedule: Callable[[int], Any], step: int) -> float:
    """``schedule(step)`` as a Python float (a NumPy float64 would upcast float32 arrays)."""
    value = schedule(step)
    number = None
    if not isinstance(value, (bool, np.bool_, str, bytes)) and np.ndim(value) == 0:
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
    if number is None:
        raise TypeError(
            f"{owner}: the schedule lr={schedule!r} returned {value!r} for step {step}; a schedule must "
            f"return one number, the learning rate of that step."
        )
    if not math.isfinite(number) or number < 0:
        raise ValueError(
            f"{owner}: the schedule lr={schedule!r} returned {number!r} for step {step} (update t={step + 1}); "
            f"a learning rate must be a finite number >= 0."
        )
    return number


def _leaves(tree: Any, what: str, owner: str) -> dict[Any, np.ndarray]:
    """A dict view of params or grads; a bare array is stored under the key None."""
    if isinstance(tree, np.ndarray):
        leaves = {None: tree}
    elif isinstance(tree, Mapping):
        leaves = dict(tree)
        for key, leaf in leaves.items():
            if not isinstance(leaf, np.ndarray):
                raise TypeError(
                    f"{owner}: {what}[{key!r}] must be a NumPy array, got {type(leaf).__name__}. "
                    f"Convert it with np.asarray(..., dtype=np.float32)."
                )
    else:
        raise TypeError(
            f"{owner}: {what} must be a NumPy array or a dict of NumPy arrays, got "
            f"{type(tree).__name__}. Convert it with np.asarray(..., dtype=np.float32)."
        )
    for key, leaf in leaves.items():
        if not np.issubdtype(leaf.dtype, np.floating):
            raise TypeError(
                f"{owner}: {_name(what, key)} has dtype {leaf.dtype}, but optimizers update "
                f"floating-point numbers (an integer array cannot move by 0.001). Convert it "
                f"with .astype(np.float32) or .astype(np.float64)."
            )
    return leaves


def _name(what: str, key: Any) -> str:
    return what if key is None else f"{what}[{key!r}]"


def _rebuild(leaves: dict[Any, np.ndarray]) -> Params:
    return leaves[None] if list(leaves) == [None] else leaves


def _map(function, tree: Params, what: str, owner: str) -> Params:
    """``function`` applied to each array of ``tree`` (an array or a dict of arrays)."""
    return _rebuild({key: function(a) for key, a in _leaves(tree, what, owner).items()})


def _per_parameter_lr(lr: float, v: np.ndarray, eps: float, eps_inside_sqrt: bool = False) -> np.ndarray:
    """``lr / (sqrt(v) + eps)`` (or ``lr / sqrt(v + eps)``), NaN where ``v`` is 0.

    Where a parameter has had only zero gradients, ``v = 0`` and the formula
    gives ``lr / eps``: a huge number that moves nothing. NaN says "no step
    size of its own yet" (and plots leave it out).
    """
    size = lr / np.sqrt(v + eps) if eps_inside_sqrt else lr / (np.sqrt(v) + eps)
    return np.where(v > 0, size, np.nan)


# --- Clipping by global norm ---------------------------------------------------


def clip_by_global_norm(grads: Params, max_norm: float, *, eps: float = 0.0) -> tuple[Params, float]:
    """Scale all gradients by one factor, so that together their norm is at most ``max_norm``::

        norm  = sqrt(sum of g**2 over every number of every array)
        scale = min(1, max_norm / (norm + eps))
        g     = scale * g                                (every array, the same scale)

    One scale for all arrays keeps the direction of the whole step and only
    shortens it; clipping each array by its own norm would turn it. A
    gradient already inside the ball comes back unchanged.

    Parameters
    ----------
    grads : array or dict of arrays
        The gradients of one step.
    max_norm : float
        The largest global norm let through.
    eps : float
        Added to the norm before dividing. 0 (the default) computes what
        Keras' ``global_clipnorm`` computes. ``eps=1e-6`` computes what
        ``torch.nn.utils.clip_grad_norm_`` computes: it always adds 1e-6, so
        a clipped gradient ends just inside the ball, and clipping starts at
        a norm of ``max_norm - 1e-6``.

    Returns
    -------
    clipped : array or dict of arrays
        New arrays, in the gradients' shapes and dtypes (the input is not changed).
    norm : float
        The global norm before clipping (what PyTorch's function returns).
    """
    owner = "clip_by_global_norm"
    leaves = _leaves(grads, "grads", owner)
    max_norm = validation.positive(owner, "max_norm", max_norm, "Try max_norm=1.0.")
    eps = validation.non_negative(
        owner, "eps", eps, "Use eps=0 (Keras' global_clipnorm) or eps=1e-6 (PyTorch's clip_grad_norm_)."
    )
    clipped, norm = _clip_leaves(leaves, max_norm, eps, owner)
    return _rebuild(clipped), norm


def _clip_leaves(leaves: dict[Any, np.ndarray], max_norm: float, eps: float, owner: str):
    norm = _global_norm(leaves, owner)
    scale = min(1.0, max_norm / (norm + eps))
    # a Python float scale keeps float32 float32; asarray keeps a 0-d array an array
    return {key: np.asarray(g * scale) for key, g in leaves.items()}, norm


def _global_norm(leaves: dict[Any, np.ndarray], owner: str) -> float:
    # summed in float64: a float32 square overflows for gradients above 1.8e19
    norm = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in leaves.values()))
    if not math.isfinite(norm):
        counts = {key: int(g.size - np.count_nonzero(np.isfinite(g))) for key, g in leaves.items()}
        where = ", ".join(f"{_name('grads', key)} has {n}" for key, n in counts.items() if n) or "none is"
        raise FloatingPointError(
            f"{owner}: the global norm of the gradients is {norm}, so no scale can clip them ({where} NaN or "
            f"Inf value(s)). This usually means the loss has diverged: lower the learning rate or check "
            f"the gradient function."
        )
    return norm


# Big arrays are updated in blocks that fit in the CPU cache: the same
# elementwise math, but each number travels from memory once instead of once
# per NumPy operation. This is what keeps the readable code fast.
_BLOCK = 1 << 15


def _all_finite(a: np.ndarray) -> bool:
    """No NaN or Inf in ``a``, checked without an array of booleans the size of ``a``."""
    # A sum is NaN or Inf as soon as one term is: one pass, nothing allocated.
    # A sum of finite numbers can overflow too, so a non-finite sum is checked
    # number by number. (Summing float32 in float64 would avoid that, but the
    # cast made it 6x slower: 10 ms at 1e7 parameters, more than the Adam step.)
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(a, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(a).all())


@dataclass(frozen=True)
class Optimizer:
    """Base class: input checks, dicts of arrays and blocking live here, so
    each optimizer only writes its update rule for one array (``_update``).

    Before that rule, every optimizer can change the gradients in two ways::

        g = g * min(1, global_clipnorm / norm)    (norm: of all gradients together)
        g = g + l2 * theta                        (L2 regularisation)

    Parameters (keyword-only, for every optimizer)
    ----------------------------------------------
    l2 : float
        Adds ``l2 * theta`` to the gradient: the gradient of
        ``(l2 / 2) * sum(theta**2)`` added to the loss. This is what PyTorch's
        ``weight_decay`` means for SGD, Adagrad, RMSprop and Adam. Adam then
        divides it by ``sqrt(v_hat)`` like the rest of the gradient, which is
        why AdamW decays the weights directly instead.
    global_clipnorm : float or None
        Clips all gradients together by their global norm, before ``l2`` is
        added (see :func:`clip_by_global_norm`; Keras' ``global_clipnorm``).

    ``lr`` may be a number or a schedule (:mod:`adamcourse.schedules`): update
    ``t`` (counted from 1) uses ``lr(t - 1)``, see :meth:`_lr_at`.
    """

    State: ClassVar[type]
    # Keyword-only, so that Adam(0.01) still means lr=0.01.
    l2: float = field(default=0.0, kw_only=True)
    global_clipnorm: float | None = field(default=None, kw_only=True)

    def __new__(cls, *args, **kwargs):
        # The generated __init__ would answer Keras' or PyTorch's name for a
        # setting with a bare "unexpected keyword argument"; name ours instead.
        known = [f.name for f in sorted(fields(cls), key=lambda f: f.kw_only) if f.init]  # lr first
        for name, value in kwargs.items():
            if name not in known:
                raise TypeError(_unknown_argument(cls, name, value, known))
        return super().__new__(cls)

    def _check_shared(self, lr_hint: str) -> None:
        """Checks the settings every optimizer has: lr (a number or a schedule), l2, global_clipnorm."""
        self._set("lr", _learning_rate(self._owner, self.lr, lr_hint))
        self._set("l2", validation.non_negative(self._owner, "l2", self.l2, "Try l2=1e-4, or 0 for none."))
        if self.global_clipnorm is not None:
            hint = "Try global_clipnorm=1.0, or None for no clipping."
            self._set(
                "global_clipnorm", validation.positive(self._owner, "global_clipnorm", self.global_clipnorm, hint)
            )

    def _lr_at(self, t: int) -> float:
        """The step size of update ``t`` (counted from 1): ``lr``, or ``lr(t - 1)`` for a schedule.

        A schedule gets the number of updates already made, 0 on the first,
        as Keras' schedules and PyTorch's schedulers count.
        """
        if callable(self.lr):
            return _scheduled_lr(self._owner, self.lr, t - 1)
        return self.lr

    def _gradients(self, p_leaves: dict, g_leaves: dict) -> dict:
        """The gradients the update rule sees: clipped together, in each parameter's dtype, plus L2."""
        if self.global_clipnorm is not None:
            g_leaves, _ = _clip_leaves(g_leaves, self.global_clipnorm, 0.0, self._owner)
        out = {}
        for key, p in p_leaves.items():
            g = g_leaves[key]
            if g.dtype != p.dtype:
                g = g.astype(p.dtype)  # frameworks update in the parameter's precision too
            if self.l2:
                g = g + self.l2 * p  # after clipping, as in PyTorch: clip_grad_norm_, then step()
            out[key] = g
        return out

    # The per-array update rule: new params and new slots from old ones.
    def _update(self, p: np.ndarray, g: np.ndarray, t: int, *slots: np.ndarray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    def _slot_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.State) if f.name != "t")

    def _init_slot(self, name: str, p: np.ndarray) -> np.ndarray:
        return np.zeros_like(p)

    @property
    def _owner(self) -> str:
        return type(self).__name__

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    # --- public interface ---

    def init(self, params: Params):
        """The state before the first step: ``t = 0`` and every slot at its start value."""
        leaves = _leaves(params, "params", self._owner)
        self._check_precision(leaves)
        slots = {
            name: _rebuild({k: self._init_slot(name, p) for k, p in leaves.items()}) for name in self._slot_names()
        }
        return self.State(t=0, **slots)

    def step(self, params: Params, grads: Params, state):
        """One update. Returns ``(new_params, new_state)``; the inputs are left untouched."""
        p_leaves = _leaves(params, "params", self._owner)
        g_leaves = _leaves(grads, "grads", self._owner)
        self._check_match(p_leaves, g_leaves)
        slot_leaves = self._check_state(state, p_leaves)
        self._check_precision(p_leaves)
        t = state.t + 1  # the paper counts steps from 1: t is incremented before it is used
        g_leaves = self._gradients(p_leaves, g_leaves)
        new_p, new_slots = {}, {name: {} for name in slot_leaves}
        for key, p in p_leaves.items():
            results = self._step_array(p, g_leaves[key], t, [slot_leaves[n][key] for n in slot_leaves], key)
            new_p[key] = results[0]
            for name, value in zip(slot_leaves, results[1:]):
                new_slots[name][key] = value
        return _rebuild(new_p), self.State(t=t, **{n: _rebuild(v) for n, v in new_slots.items()})

    def step_(self, params: Params, grads: Params, state, *, engine: str = "auto"):
        """One update **in place**: overwrites ``params`` and the state's arrays, returns the new state::

            state = opt.step_(params, grads, state)   # params now hold the updated values

        The same numbers as :meth:`step`, bit for bit, without new arrays: for
        big models, where ``step``'s fresh arrays and its one pass over memory
        per NumPy operation cost more than the arithmetic. The trailing
        underscore means "in place", as in PyTorch's ``p.add_()``. ``step``
        stays the one to read; how this one works is in
        :mod:`adamcourse.fastpath`.

        Parameters
        ----------
        params, grads, state
            As for :meth:`step`. ``params`` and the state's arrays are
            overwritten, so they must be writable and must not share memory
            with each other or with ``grads``.
        engine : {"auto", "numpy", "numba"}
            ``"numpy"``: NumPy ufuncs with ``out=`` on cache-sized blocks;
            ``"numba"``: one compiled loop per optimizer (numba must be
            installed; float16 arrays still take NumPy); ``"auto"``: numba
            when it is installed, NumPy otherwise.

        Returns
        -------
        state
            The state after the step: ``t`` one higher, the same (now updated) arrays.

        The input checks and their messages are ``step``'s; when one fails,
        nothing has been overwritten (NaN or Inf in ``grads`` included).
        """
        from adamcourse import fastpath  # the fast path's machinery; `import adamcourse` does not need it

        if engine not in fastpath.ENGINES:
            raise ValueError(f"{self._owner}.step_: engine must be one of {fastpath.ENGINES}, got {engine!r}.")
        p_leaves = _leaves(params, "params", self._owner)
        g_leaves = _leaves(grads, "grads", self._owner)
        self._check_match(p_leaves, g_leaves)
        slot_leaves = self._check_state(state, p_leaves)
        self._check_precision(p_leaves)
        self._check_writable(p_leaves, g_leaves, slot_leaves)
        t = state.t + 1
        g_leaves = self._gradients(p_leaves, g_leaves)
        for key, g in g_leaves.items():  # every gradient before anything is overwritten
            if not _all_finite(g):
                self._check_finite(g, key)
        lr = self._lr_at(t)
        for key, p in p_leaves.items():
            slots = [slot_leaves[name][key] for name in slot_leaves]
            if fastpath.update_(self, key, p, g_leaves[key], t, lr, slots, engine):
                self._warn_non_finite(key, p.dtype, stacklevel=3)
        return replace(state, t=t)

    def step_size(self, state):
        """Each parameter's effective step size in the update that made ``state``.

        The number that multiplies a parameter's gradient in that update
        (Adam: its bias-corrected momentum ``m_hat``): ``lr`` for SGD and
        Momentum, the same for every parameter; ``lr / (sqrt(v) + eps)`` for
        AdaGrad and RMSProp and ``lr / (sqrt(v_hat) + eps)`` for Adam, each
        parameter's own, from its own gradient history.

        Parameters
        ----------
        state
            A state after at least one update (``state.t >= 1``).

        Returns
        -------
        float, array or dict of arrays
            A number when every parameter has the same step size (SGD,
            Momentum); otherwise arrays shaped like the parameters, NaN where
            a parameter has had only zero gradients so far (``v = 0``).

        :attr:`step_size_formula` says which formula, for plot labels.
        """
        raise NotImplementedError(
            f"{self._owner} does not report its step size yet: write its step_size(state) next to its "
            f"_update, as SGD and Adam do."
        )

    @property
    def step_size_formula(self) -> str:
        """The formula :meth:`step_size` computes, in the course's symbols (for plot labels)."""
        return "lr"

    def _updates_made(self, state) -> int:
        if not isinstance(state, self.State):
            raise TypeError(
                f"{self._owner}: state must be of type {self.State.__name__}, got {type(state).__name__}. "
                f"Create it with this optimizer: state = opt.init(params)."
            )
        if state.t < 1:
            raise ValueError(
                f"{self._owner}.step_size: state.t is 0, so no update has been made yet and there is no "
                f"step size to report; ask after a step: params, state = opt.step(params, grads, state)."
            )
        return state.t

    @property
    def label(self) -> str:
        """A short name for legends: the class and the settings that differ from the defaults."""
        changed = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in sorted(fields(self), key=lambda f: f.kw_only)  # lr first, the shared options last
            if f.repr and getattr(self, f.name) != f.default
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    # --- machinery ---

    def _step_array(self, p, g, t, slots, key):
        if p.size <= _BLOCK:
            self._check_finite(g, key)
            results = self._update(p, g, t, *slots)
            # NumPy hands back a scalar, not an array, for 0-d arithmetic: keep arrays arrays
            results = [np.asarray(r) for r in results] if p.ndim == 0 else results
            if not np.isfinite(results[0]).all():
                self._warn_non_finite(key, p.dtype, stacklevel=4)
            return results
        # The new params and slots share one C-ordered allocation: C order so
        # that reshape(-1) is a view in np.ravel's order (empty_like would keep
        # a transposed layout and reshape would copy), and one block rather
        # than three so that the memory allocator keeps reusing it step after
        # step instead of handing it back to the OS (measured 3x faster at 1e6
        # parameters; benchmarks/bench_adam.py). The price: keeping an old
        # params array alive keeps its old state's memory alive too.
        outs = list(np.empty((1 + len(slots), *p.shape), dtype=p.dtype))
        flat_in = [np.ravel(a) for a in (p, g, *slots)]
        flat_out = [o.reshape(-1) for o in outs]
        non_finite = False
        for start in range(0, p.size, _BLOCK):
            block = slice(start, start + _BLOCK)
            p_b, g_b, *slots_b = (a[block] for a in flat_in)
            self._check_finite(g_b, key, whole=g)
            for out, value in zip(flat_out, self._update(p_b, g_b, t, *slots_b)):
                out[block] = value
            non_finite = non_finite or not _all_finite(flat_out[0][block])  # while it is in the cache
        if non_finite:
            self._warn_non_finite(key, p.dtype, stacklevel=4)
        return outs

    def _check_precision(self, p_leaves):
        """eps must survive rounding to the parameters' dtype, or the update divides by zero."""
        eps = getattr(self, "eps", None)
        if eps is None:
            return
        for key, p in p_leaves.items():
            # AdaGrad started above 0 (Keras' 0.1) never has v = 0: eps = 0 would do no harm there.
            if p.dtype.type(eps) == 0 and p.dtype.type(getattr(self, "initial_accumulator", 0.0)) == 0:
                tiny = np.finfo(p.dtype).smallest_subnormal
                raise ValueError(
                    f"{self._owner}: eps={eps!r} rounds to 0 in {p.dtype} (the smallest {p.dtype} above 0 is "
                    f"{tiny:.0e}), the dtype of {_name('params', key)}; with eps = 0, {self._owner} divides by "
                    f"zero wherever v is 0 and returns NaN or Inf. Use an eps that {p.dtype} can hold, e.g. "
                    f"{self._owner}(eps=1e-4), or keep the parameters and the optimizer state in float32 "
                    f"(params.astype(np.float32)), as mixed-precision training does."
                )

    def _warn_non_finite(self, key, dtype, stacklevel):
        # A warning, not an error: the step's result is returned (running.run
        # records a run that blew up), and the learner reads why here instead
        # of the next step's "grads contain NaN: lower the learning rate".
        info = np.finfo(dtype)
        if info.bits <= 16:
            advice = (
                f"{dtype} holds numbers from {info.smallest_subnormal:.0e} to {info.max:.0f} only: a squared "
                f"gradient overflows to Inf or rounds to 0, and a step divided by a tiny sqrt(v) + eps overflows. "
                f"Use a larger eps (e.g. eps=1e-4) or keep the parameters and the optimizer state in float32 "
                f"(params.astype(np.float32)), as mixed-precision training does."
            )
        else:
            advice = (
                f"The numbers overflowed {dtype} (its largest is {info.max:.1e}): lower the learning rate "
                f"(now lr={self.lr!r}) or check the gradient function."
            )
        warnings.warn(
            f"{self._owner}: after this step {_name('params', key)} ({dtype}) holds NaN or Inf, although the "
            f"gradients were finite. {advice}",
            RuntimeWarning,
            stacklevel=stacklevel,
        )

    def _check_writable(self, p_leaves, g_leaves, slot_leaves):
        """What step_ overwrites must be writable and must not share memory with another input."""
        for key, p in p_leaves.items():
            targets = [(_name("params", key), p)]
            targets += [(_name(f"state.{name}", key), leaves[key]) for name, leaves in slot_leaves.items()]
            for name, a in targets:
                if not a.flags.writeable:
                    raise ValueError(
                        f"{self._owner}.step_ overwrites {name} in place, but it is read-only. Pass a writable "
                        f"copy (np.array(...)), or use step(), which returns new arrays."
                    )
            others = targets + [(_name("grads", key), g_leaves[key])]
            for i, (name, a) in enumerate(targets):
                for other, b in others[i + 1 :]:
                    if np.may_share_memory(a, b) and np.shares_memory(a, b):
                        raise ValueError(
                            f"{self._owner}.step_: {name} and {other} share memory, so overwriting one would "
                            f"change the other in the middle of the step. Give each its own array: "
                            f"state = opt.init(params) makes fresh state, grads.copy() a separate gradient."
                        )

    def _check_finite(self, g, key, whole=None):
        if not np.isfinite(g).all():
            whole = g if whole is None else whole  # count them all, not just this block's
            bad = int(np.size(whole) - np.count_nonzero(np.isfinite(whole)))
            raise FloatingPointError(
                f"{self._owner}: {_name('grads', key)} contains {bad} NaN or Inf value(s). This usually "
                f"means the loss has diverged: lower the learning rate (now lr={getattr(self, 'lr', '?')}) "
                f"or check the gradient function."
            )

    def _check_match(self, p_leaves, g_leaves):
        if set(p_leaves) != set(g_leaves):
            if None in p_leaves or None in g_leaves:
                raise TypeError(
                    f"{self._owner}: params and grads must both be arrays or both be dicts with the same keys."
                )
            missing, extra = set(p_leaves) - set(g_leaves), set(g_leaves) - set(p_leaves)
            raise KeyError(
                f"{self._owner}: grads must have the same keys as params; missing {sorted(missing)}, "
                f"unexpected {sorted(extra)}."
            )
        for key, p in p_leaves.items():
            if g_leaves[key].shape != p.shape:
                raise ValueError(
                    f"{self._owner}: {_name('grads', key)} has shape {g_leaves[key].shape} but "
                    f"{_name('params', key)} has shape {p.shape}; each gradient must have its parameter's shape."
                )

    def _check_state(self, state, p_leaves):
        if not isinstance(state, self.State):
            raise TypeError(
                f"{self._owner}: state must be of type {self.State.__name__}, got {type(state).__name__}. "
                f"Create it with this optimizer: state = opt.init(params)."
            )
        slot_leaves = {}
        for name in self._slot_names():
            value = getattr(state, name)
            if value is None:
                raise ValueError(
                    f"{self._owner}: state.{name} is missing; the state was made by an optimizer with "
                    f"other settings. Create it with this optimizer: state = opt.init(params)."
                )
            leaves = _leaves(value, f"state.{name}", self._owner)
            if set(leaves) != set(p_leaves) or any(leaves[k].shape != p.shape for k, p in p_leaves.items()):
                raise ValueError(
                    f"{self._owner}: state.{name} does not match params (different keys or shapes); the "
                    f"state belongs to other parameters. Create it with state = opt.init(params)."
                )
            for key, p in p_leaves.items():
                if leaves[key].dtype != p.dtype:
                    raise TypeError(
                        f"{self._owner}: {_name(f'state.{name}', key)} has dtype {leaves[key].dtype} but "
                        f"{_name('params', key)} has dtype {p.dtype}; the state was made for other "
                        f"parameters. Create it with state = opt.init(params)."
                    )
            slot_leaves[name] = leaves
        return slot_leaves


# --- SGD ---------------------------------------------------------------------


@dataclass(frozen=True)
class SGDState:
    t: int


@dataclass(frozen=True)
class SGD(Optimizer):
    """Gradient descent: ``theta = theta - lr * g``.

    Stochastic when ``g`` comes from a minibatch. Keras' ``SGD()`` and
    PyTorch's ``torch.optim.SGD`` compute exactly this.

    Parameters
    ----------
    lr : float or schedule
        Step size (alpha), or a schedule of it (:mod:`adamcourse.schedules`).
    """

    lr: LearningRate = 0.01
    State: ClassVar[type] = SGDState

    def __post_init__(self):
        self._check_shared("Try lr=0.01.")

    def _update(self, p, g, t):
        return (p - self._lr_at(t) * g,)

    def step_size(self, state):
        """``lr``, the same for every parameter (see :meth:`Optimizer.step_size`)."""
        return self._lr_at(self._updates_made(state))

    @classmethod
    def like_keras(cls, **overrides):
        """``keras.optimizers.SGD()`` (learning_rate=0.01)."""
        return cls(**{"lr": 0.01, **overrides})

    @classmethod
    def like_torch(cls, **overrides):
        """``torch.optim.SGD()`` (lr=0.001; PyTorch before 2.2 had no default lr)."""
        return cls(**{"lr": 0.001, **overrides})


# --- Momentum ----------------------------------------------------------------


@dataclass(frozen=True)
class MomentumState:
    t: int
    velocity: Params


@dataclass(frozen=True)
class Momentum(Optimizer):
    """Heavy-ball momentum (Polyak, 1964), or Nesterov's variant.

    Default form (Sutskever et al. 2013; Goodfellow et al.; Keras)::

        velocity = beta * velocity - lr * g
        theta    = theta + velocity                      (heavy ball)
        theta    = theta + beta * velocity - lr * g      (nesterov=True)

    ``velocity="gradient"`` gives PyTorch's form, which sums raw gradients
    and applies lr afterwards (the same steps while lr is constant)::

        velocity = beta * velocity + g
        theta    = theta - lr * velocity                 (heavy ball)
        theta    = theta - lr * (g + beta * velocity)    (nesterov=True)

    Parameters
    ----------
    lr : float or schedule
        Step size (alpha), or a schedule of it (:mod:`adamcourse.schedules`).
    beta : float
        Fraction of the velocity kept each step, in [0, 1). ``beta=0`` is SGD.
    nesterov : bool
        Look ahead: use the gradient as if the velocity had already been applied.
    velocity : {"step", "gradient"}
        What the velocity holds: the step itself (default, Keras) or a sum of
        gradients (PyTorch).

    Reference: Sutskever, Martens, Dahl, Hinton, "On the importance of
    initialization and momentum in deep learning", ICML 2013.
    """

    lr: LearningRate = 0.01
    beta: float = 0.9
    nesterov: bool = False
    velocity: Literal["step", "gradient"] = "step"
    State: ClassVar[type] = MomentumState

    def __post_init__(self):
        self._check_shared("Try lr=0.01.")
        self._set("beta", validation.fraction("Momentum", "beta", self.beta, 0.9))
        self._set("nesterov", validation.flag("Momentum", "nesterov", self.nesterov))
        validation.choice("Momentum", "velocity", self.velocity, ("step", "gradient"))

    def _update(self, p, g, t, velocity):
        lr = self._lr_at(t)
        if self.velocity == "step":
            velocity = self.beta * velocity - lr * g
            step = self.beta * velocity - lr * g if self.nesterov else velocity
            return p + step, velocity
        velocity = self.beta * velocity + g
        direction = g + self.beta * velocity if self.nesterov else velocity
        return p - lr * direction, velocity

    def step_size(self, state):
        """``lr``, the same for every parameter (see :meth:`Optimizer.step_size`)."""
        return self._lr_at(self._updates_made(state))

    @classmethod
    def like_keras(cls, **overrides):
        """``keras.optimizers.SGD(momentum=0.9, nesterov=...)`` (learning_rate=0.01)."""
        return cls(**{"lr": 0.01, "beta": 0.9, "velocity": "step", **overrides})

    @classmethod
    def like_torch(cls, **overrides):
        """``torch.optim.SGD(momentum=0.9, nesterov=...)`` (lr=0.001)."""
        return cls(**{"lr": 0.001, "beta": 0.9, "velocity": "gradient", **overrides})


# --- AdaGrad -----------------------------------------------------------------


@dataclass(frozen=True)
class AdaGradState:
    t: int
    v: Params  # running *sum* of squared gradients


@dataclass(frozen=True)
class AdaGrad(Optimizer):
    """AdaGrad: each parameter gets its own step size, shrinking with its history::

        v     = v + g**2
        theta = theta - lr * g / (sqrt(v) + eps)

    ``v`` only grows, so steps shrink forever: good for rare features, bad for
    long training. That is the problem RMSProp fixes.

    Parameters
    ----------
    lr : float or schedule
        Step size (alpha), or a schedule of it (:mod:`adamcourse.schedules`).
    eps : float
        Keeps the division finite while ``v`` is 0.
    initial_accumulator : float
        Start value of ``v``. Keras starts at 0.1, the paper and PyTorch at 0.
    eps_inside_sqrt : bool
        ``g / sqrt(v + eps)`` instead of ``g / (sqrt(v) + eps)`` (Keras).

    ``like_keras()`` gives ``keras.optimizers.Adagrad()`` (0.1 start, eps inside
    the square root, eps=1e-7); ``like_torch()`` gives ``torch.optim.Adagrad``.

    Reference: Duchi, Hazan, Singer, "Adaptive Subgradient Methods for Online
    Learning and Stochastic Optimization", JMLR 2011.
    """

    lr: LearningRate = 0.01
    eps: float = 1e-8
    initial_accumulator: float = 0.0
    eps_inside_sqrt: bool = False
    State: ClassVar[type] = AdaGradState

    def __post_init__(self):
        self._check_shared("Try lr=0.01.")
        self._set("eps", validation.positive("AdaGrad", "eps", self.eps, "Try eps=1e-8."))
        self._set(
            "initial_accumulator",
            validation.non_negative(
                "AdaGrad", "initial_accumulator", self.initial_accumulator, "Try 0.0 (paper) or 0.1 (Keras)."
            ),
        )
        self._set("eps_inside_sqrt", validation.flag("AdaGrad", "eps_inside_sqrt", self.eps_inside_sqrt))

    def _init_slot(self, name, p):
        return np.full_like(p, self.initial_accumulator)

    def _update(self, p, g, t, v):
        v = v + g * g
        denom = np.sqrt(v + self.eps) if self.eps_inside_sqrt else np.sqrt(v) + self.eps
        return p - self._lr_at(t) * g / denom, v

    def step_size(self, state):
        """``lr / (sqrt(v) + eps)`` per parameter, what multiplies its gradient (``lr / sqrt(v + eps)``
        with ``eps_inside_sqrt``); NaN while ``v`` is 0. See :meth:`Optimizer.step_size`."""
        t = self._updates_made(state)
        return _map(
            lambda v: _per_parameter_lr(self._lr_at(t), v, self.eps, self.eps_inside_sqrt),
            state.v,
            "state.v",
            self._owner,
        )

    @property
    def step_size_formula(self) -> str:
        return "lr / √(v + ε)" if self.eps_inside_sqrt else "lr / (√v + ε)"

    @classmethod
    def like_keras(cls, **overrides):
        """``keras.optimizers.Adagrad()``."""
        defaults = {"lr": 0.001, "eps": 1e-7, "initial_accumulator": 0.1, "eps_inside_sqrt": True}
        return cls(**{**defaults, **overrides})

    @classmethod
    def like_torch(cls, **overrides):
        """``torch.optim.Adagrad()`` (lr_decay=0, weight_decay=0)."""
        defaults = {"lr": 0.01, "eps": 1e-10, "initial_accumulator": 0.0, "eps_inside_sqrt": False}
        return cls(**{**defaults, **overrides})


# --- RMSProp -----------------------------------------------------------------


@dataclass(frozen=True)
class RMSPropState:
    t: int
    v: Params  # leaky average of squared gradients


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """RMSProp: AdaGrad with a leaky average instead of a sum::

        v     = beta * v + (1 - beta) * g**2       (ema)
        theta = theta - lr * g / (sqrt(v) + eps)

    Old gradients fade, so the step size tracks the recent gradient scale
    instead of shrinking forever.

    Parameters
    ----------
    lr : float or schedule
        Step size (alpha), or a schedule of it (:mod:`adamcourse.schedules`).
    beta : float
        Fraction of the average kept each step (Keras: rho, PyTorch: alpha).
    eps : float
        Keeps the division finite while ``v`` is 0.
    eps_inside_sqrt : bool
        ``g / sqrt(v + eps)`` (Keras) instead of ``g / (sqrt(v) + eps)`` (PyTorch).

    ``like_keras()`` gives ``keras.optimizers.RMSprop()`` (rho=0.9, eps=1e-7
    inside the root); ``like_torch()`` gives ``torch.optim.RMSprop()``
    (lr=0.01, alpha=0.99, eps=1e-8).

    Reference: Tieleman and Hinton, "Lecture 6.5 - RMSProp", Coursera:
    Neural Networks for Machine Learning, 2012.
    """

    lr: LearningRate = 0.001
    beta: float = 0.9
    eps: float = 1e-8
    eps_inside_sqrt: bool = False
    State: ClassVar[type] = RMSPropState

    def __post_init__(self):
        self._check_shared("Try lr=0.001.")
        self._set("beta", validation.fraction("RMSProp", "beta", self.beta, 0.9))
        self._set("eps", validation.positive("RMSProp", "eps", self.eps, "Try eps=1e-8."))
        self._set("eps_inside_sqrt", validation.flag("RMSProp", "eps_inside_sqrt", self.eps_inside_sqrt))

    def _update(self, p, g, t, v):
        v = ema(v, g * g, self.beta)
        denom = np.sqrt(v + self.eps) if self.eps_inside_sqrt else np.sqrt(v) + self.eps
        return p - self._lr_at(t) * g / denom, v

    def step_size(self, state):
        """``lr / (sqrt(v) + eps)`` per parameter, what multiplies its gradient (``lr / sqrt(v + eps)``
        with ``eps_inside_sqrt``); NaN while ``v`` is 0. See :meth:`Optimizer.step_size`."""
        t = self._updates_made(state)
        return _map(
            lambda v: _per_parameter_lr(self._lr_at(t), v, self.eps, self.eps_inside_sqrt),
            state.v,
            "state.v",
            self._owner,
        )

    @property
    def step_size_formula(self) -> str:
        return "lr / √(v + ε)" if self.eps_inside_sqrt else "lr / (√v + ε)"

    @classmethod
    def like_keras(cls, **overrides):
        """``keras.optimizers.RMSprop()`` (momentum=0, centered=False)."""
        return cls(**{"lr": 0.001, "beta": 0.9, "eps": 1e-7, "eps_inside_sqrt": True, **overrides})

    @classmethod
    def like_torch(cls, **overrides):
        """``torch.optim.RMSprop()`` (momentum=0, centered=False)."""
        return cls(**{"lr": 0.01, "beta": 0.99, "eps": 1e-8, "eps_inside_sqrt": False, **overrides})


# --- Adam --------------------------------------------------------------------


@dataclass(frozen=True)
class AdamState:
    t: int
    m: Params  # leaky average of gradients (momentum)
    v: Params  # leaky average of squared gradients (RMSProp)
    v_max: Params | None = None  # largest v so far (AMSGrad only)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam = momentum + RMSProp + bias correction::

        t     = t + 1
        m     = beta1 * m + (1 - beta1) * g         (ema of gradients)
        v     = beta2 * v + (1 - beta2) * g**2      (ema of squared gradients)
        m_hat = m / (1 - beta1**t)                  (debias)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    lr : float or schedule
        Step size (alpha), or a schedule of it (:mod:`adamcourse.schedules`). Each step moves a parameter by about lr at most.
    beta1, beta2 : float
        Fractions of the two averages kept each step, in [0, 1).
    eps : float
        Keeps the division finite when ``v`` is tiny.
    amsgrad : bool
        Divide by the largest ``v`` seen so far, so steps never grow back
        (Reddi et al. 2018).
    eps_hat : bool
        Keras' "epsilon hat" form: fold both corrections into the step size,
        ``lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)`` and
        ``theta = theta - lr_t * m / (sqrt(v) + eps)``. It equals the default
        form with ``eps / sqrt(1 - beta2**t)`` in place of ``eps``. Like
        Keras, it computes ``lr_t`` in the parameters' precision.
    bias_correction : bool
        ``False`` leaves ``debias`` out, ``theta = theta - lr * m / (sqrt(v)
        + eps)``, to see what it is for: both averages start at 0, so with
        ``beta2 = 0.999`` the first step is about ``lr * 0.1 / sqrt(0.001)
        = 3.2 lr`` instead of ``lr``. Keyword-only; not with ``eps_hat``.

    The default (paper) form is what PyTorch computes; ``like_keras()`` gives
    ``keras.optimizers.Adam()`` (eps_hat=True, eps=1e-7), ``like_torch()``
    gives ``torch.optim.Adam()``.

    Reference: Kingma and Ba, "Adam: A Method for Stochastic Optimization",
    ICLR 2015, Algorithm 1.
    """

    lr: LearningRate = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    amsgrad: bool = False
    eps_hat: bool = False
    bias_correction: bool = field(default=True, kw_only=True)
    State: ClassVar[type] = AdamState

    def __post_init__(self):
        owner = type(self).__name__
        self._check_shared("Try lr=0.001.")
        self._set("beta1", validation.fraction(owner, "beta1", self.beta1, 0.9))
        self._set("beta2", validation.fraction(owner, "beta2", self.beta2, 0.999))
        self._set("eps", validation.positive(owner, "eps", self.eps, "Try eps=1e-8."))
        self._set("amsgrad", validation.flag(owner, "amsgrad", self.amsgrad))
        self._set("eps_hat", validation.flag(owner, "eps_hat", self.eps_hat))
        self._set("bias_correction", validation.flag(owner, "bias_correction", self.bias_correction))
        if self.eps_hat and not self.bias_correction:
            raise ValueError(
                f"{owner}: eps_hat=True is a way to write the bias correction (it moves it into the step "
                f"size), so it cannot go with bias_correction=False; choose one."
            )

    def _slot_names(self):
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def _update(self, p, g, t, m, v, v_max=None):
        m = ema(m, g, self.beta1)  # momentum: which way, on average
        v = ema(v, g * g, self.beta2)  # RMSProp: how big, on average
        if self.amsgrad:
            v_max = np.maximum(v_max, v)
        v_used = v_max if self.amsgrad else v
        if self.eps_hat:
            # Keras works out this step size in the parameter's own precision;
            # doing the same keeps float32 runs equal to Keras' to the last bit.
            one, lr, beta1, beta2 = (p.dtype.type(x) for x in (1, self._lr_at(t), self.beta1, self.beta2))
            lr_t = lr * np.sqrt(one - beta2**t) / (one - beta1**t)
            p = p - lr_t * m / (np.sqrt(v_used) + self.eps)
        elif self.bias_correction:
            m_hat, v_hat = debias(m, self.beta1, t), debias(v_used, self.beta2, t)
            p = p - self._lr_at(t) * m_hat / (np.sqrt(v_hat) + self.eps)
        else:  # the averages as they are, biased towards 0 in the first steps
            p = p - self._lr_at(t) * m / (np.sqrt(v_used) + self.eps)
        return (p, m, v, v_max) if self.amsgrad else (p, m, v)

    def step_size(self, state):
        """``lr / (sqrt(v_hat) + eps)`` per parameter: what multiplies ``m_hat`` in the update that made ``state``.

        ``v_hat = v / (1 - beta2**t)`` (``v_max`` with ``amsgrad``; with
        ``eps_hat`` the equivalent ``eps / sqrt(1 - beta2**t)`` in place of
        ``eps``; without bias correction ``lr / (sqrt(v) + eps)``, what
        multiplies ``m``). See :meth:`Optimizer.step_size`.
        """
        t = self._updates_made(state)
        v = state.v_max if self.amsgrad else state.v
        if not self.bias_correction:
            return _map(lambda a: _per_parameter_lr(self._lr_at(t), a, self.eps), v, "state.v", self._owner)
        # Keras' form equals the paper's with eps / sqrt(1 - beta2**t) in place of eps.
        eps = self.eps / math.sqrt(1 - self.beta2**t) if self.eps_hat else self.eps
        return _map(
            lambda a: _per_parameter_lr(self._lr_at(t), debias(a, self.beta2, t), eps), v, "state.v", self._owner
        )

    @property
    def step_size_formula(self) -> str:
        return "lr / (√v̂ + ε)" if self.bias_correction else "lr / (√v + ε)"

    @classmethod
    def like_keras(cls, **overrides):
        """``keras.optimizers.Adam(amsgrad=...)``."""
        return cls(**{"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "eps_hat": True, **overrides})

    @classmethod
    def like_torch(cls, **overrides):
        """``torch.optim.Adam(amsgrad=...)``."""
        return cls(**{"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "eps_hat": False, **overrides})


@dataclass(frozen=True)
class AdamW(Adam):
    """AdamW: Adam plus weight decay applied to the parameters directly::

        theta = theta * (1 - lr * weight_decay)      (decoupled decay)
        theta = <Adam step>

    Adding ``weight_decay * theta`` to the gradient instead (L2 regularisation)
    would be divided by ``sqrt(v_hat)`` too, so large weights would decay
    less; decoupling keeps the decay the same for every weight.

    Both frameworks decay first, with the same lr as the Adam step. With
    ``eps_hat=True`` (Keras' arithmetic) the decay is computed as Keras writes
    it, ``theta - theta * weight_decay * lr``; otherwise as PyTorch writes it,
    ``theta * (1 - lr * weight_decay)``: the same number up to rounding.

    Parameters are Adam's plus ``weight_decay``. ``like_keras()`` gives
    ``keras.optimizers.AdamW()`` (weight_decay=0.004), ``like_torch()`` gives
    ``torch.optim.AdamW()`` (weight_decay=0.01).

    Reference: Loshchilov and Hutter, "Decoupled Weight Decay
    Regularization", ICLR 2019.
    """

    weight_decay: float = 0.01

    def __post_init__(self):
        super().__post_init__()
        self._set(
            "weight_decay",
            validation.non_negative("AdamW", "weight_decay", self.weight_decay, "Try weight_decay=0.01."),
        )
        if self.l2 and self.weight_decay:
            raise ValueError(
                f"AdamW: l2={self.l2!r} and weight_decay={self.weight_decay!r} are two ways to shrink the weights; "
                f"choose one: AdamW(weight_decay=...) decays them directly, Adam(l2=...) adds l2 * theta to "
                f"the gradient."
            )

    def _update(self, p, g, t, *slots):
        # Both frameworks decay first, with the same lr as the Adam step; each
        # rounds it its own way, and we follow the one we are asked to match.
        lr = self._lr_at(t)  # a scheduled lr scales the decay too, in both frameworks
        if self.eps_hat:
            p = p - p * self.weight_decay * lr  # Keras: variable - variable * wd * lr
        else:
            p = p * (1 - lr * self.weight_decay)  # PyTorch: param.mul_(1 - lr * wd)
        return super()._update(p, g, t, *slots)

    @classmethod
    def like_keras(cls, **overrides):
        """``keras.optimizers.AdamW(amsgrad=...)``."""
        return super().like_keras(**{"weight_decay": 0.004, **overrides})

    @classmethod
    def like_torch(cls, **overrides):
        """``torch.optim.AdamW(amsgrad=...)``."""
        return super().like_torch(**{"weight_decay": 0.01, **overrides})


ALL_OPTIMIZERS = (SGD, Momentum, AdaGrad, RMSProp, Adam, AdamW)
