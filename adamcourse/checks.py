"""Instant checks for the lessons' exercises: they run your function on a few
cases, compare with the course's reference, and name the likely mistake.

In a notebook, after you write ``momentum_step``::

    from adamcourse import checks
    checks.check_momentum_step(momentum_step)

prints either a success line or what went wrong, with one failing case. A
check never raises because of a mistake in your function: a function that
still raises ``NotImplementedError`` (the student copy's stub) is reported as
"not attempted yet".

How the diagnosis works: for each exercise the module knows the usual wrong
versions (eps inside the square root, ``t`` incremented after it was used,
bias correction missing, the wrong sign, beta and 1 - beta swapped...). It
computes what each of them would return on the failing case and names the
one that matches what your function returned.

For graders and tools, :data:`EXERCISES` maps each exercise's nbgrader
``grade_id`` to an :class:`Exercise` with ``reference``, ``make_cases(rng)``
and ``judge(args, got) -> Verdict``; :func:`forbidden_use` tells whether a
function called the library implementation the exercise asks you to write.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import math
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from adamcourse import optimizers as _opt

__all__ = [
    "Verdict",
    "Exercise",
    "EXERCISES",
    "run_check",
    "check",
    "forbidden_use",
    "reference",
    "CHECK_SEED",
]

# The local checks always use the same cases, so feedback is reproducible.
CHECK_SEED = 2015

# Two results agree when they match to this tolerance (float64 cases).
_RTOL, _ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Verdict:
    """The result of judging one call: ``passed`` and a message for the learner."""

    passed: bool
    message: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: what the learner writes and how it is judged.

    Attributes
    ----------
    grade_id : str
        The nbgrader ``grade_id`` of the solution cell (``"ex02_momentum_step"``).
    function_name : str
        The function the learner defines.
    points : int
        Points for the check cell (``grade_id + "_check"``).
    reference : callable
        A correct implementation with the same signature.
    make_cases : callable
        ``make_cases(rng) -> list[tuple]``: fresh argument tuples.
    judge : callable
        ``judge(args, got) -> Verdict``: computes the reference on ``args``
        itself and, when ``got`` differs, names the likely mistake.
    returns : tuple of str
        The names of the returned values (one name: a single value).
    forbidden : tuple of str
        Library names the learner must not call (the point is to write them).
    lesson : str
        The notebook the exercise lives in.
    mistakes : tuple of (callable, str)
        The usual wrong versions (same signature as ``reference``) and the
        sentence that names each; ``judge`` tries them in this order.
    """

    grade_id: str
    function_name: str
    points: int
    reference: Callable
    make_cases: Callable[[np.random.Generator], list]
    judge: Callable[[tuple, Any], Verdict]
    returns: tuple = ("result",)
    forbidden: tuple = ()
    lesson: str = ""
    forbidden_objects: tuple = field(default=(), repr=False)
    mistakes: tuple = field(default=(), repr=False)


# --- Formatting ----------------------------------------------------------------


def _fmt(value) -> str:
    if callable(value):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=5, separator=", ", suppress_small=False)
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return repr(value)


def _call_text(name: str, params: list[str], args: tuple) -> str:
    return f"{name}(" + ", ".join(f"{p}={_fmt(a)}" for p, a in zip(params, args)) + ")"


def _named(returns: tuple, values) -> str:
    if len(returns) == 1:
        return _fmt(values)
    return "(" + ", ".join(f"{n}={_fmt(v)}" for n, v in zip(returns, values)) + ")"


# --- Comparing results -------------------------------------------------------------


def _as_numbers(value):
    """A returned value as a float array, or None when it is not numeric."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


def _split(got, returns: tuple):
    """The learner's result as a list of float arrays, or (None, a message)."""
    k = len(returns)
    names = ", ".join(returns)
    if got is None:
        return None, "It returned None. Did you forget the `return` line?"
    if k > 1:
        if isinstance(got, np.ndarray) and got.ndim >= 1 and len(got) == k:
            got = list(got)  # np.array([dw, db]) is a fine way to return two numbers
        if not isinstance(got, (tuple, list)):
            return None, f"It should return {k} values, ({names}), but returned one {type(got).__name__}."
        if len(got) != k:
            return None, f"It should return {k} values, ({names}), but returned {len(got)}."
        parts = list(got)
    else:
        parts = [got]
    arrays = []
    for name, part in zip(returns, parts):
        array = _as_numbers(part)
        if array is None or array.dtype == object:
            return None, f"`{name}` should be a number or a NumPy array, but it is a {type(part).__name__}."
        arrays.append(array)
    return arrays, None


def _close(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if np.shape(x) != np.shape(y):
            return False
        with np.errstate(invalid="ignore", over="ignore"):
            if not np.allclose(x, y, rtol=_RTOL, atol=_ATOL, equal_nan=True):
                return False
    return True


def _quiet(fn, args):
    with np.errstate(all="ignore"):
        return fn(*args)


def _make_judge(function_name: str, reference: Callable, returns: tuple, mistakes: list):
    """Build ``judge(args, got)`` from the reference and the list of known
    mistakes ``(wrong_function, why)``, tried in order."""
    params = list(inspect.signature(reference).parameters)

    def judge(args: tuple, got: Any) -> Verdict:
        args = tuple(args)
        want = _quiet(reference, args)
        want_parts = list(want) if len(returns) > 1 else [want]
        want_arrays = [np.asarray(w, dtype=float) for w in want_parts]
        case = (
            f"One failing case:\n  {_call_text(function_name, params, args)}\n"
            f"  expected:     {_named(returns, want)}\n"
        )
        got_arrays, problem = _split(got, returns)
        if problem:
            return Verdict(False, f"{problem}\n{case}  you returned: {_fmt(got)}")
        case += f"  you returned: {_named(returns, got)}"
        if _close(got_arrays, want_arrays):
            return Verdict(True, "matches the reference")
        for name, g, w in zip(returns, got_arrays, want_arrays):
            if g.shape != w.shape and w.shape == ():
                return Verdict(False, f"`{name}` should be a single number, but it is an array of shape {g.shape}: "
                                      f"did you forget to average it (np.mean)?\n{case}")
            if g.shape != w.shape:
                return Verdict(False, f"`{name}` has shape {g.shape}, but the expected shape is {w.shape}.\n{case}")
        if len(returns) > 1:
            for order in itertools.permutations(range(len(returns))):
                if list(order) != sorted(order) and _close([got_arrays[i] for i in order], want_arrays):
                    names = ", ".join(returns)
                    return Verdict(False, f"The values are right but in the wrong order: return ({names}).\n{case}")
        for wrong, why in mistakes:
            try:
                result = _quiet(wrong, args)
            except Exception:
                continue
            parts = list(result) if len(returns) > 1 else [result]
            if _close(got_arrays, [np.asarray(p, dtype=float) for p in parts]):
                return Verdict(False, f"Likely mistake: {why}\n{case}")
        if not all(np.all(np.isfinite(g)) for g in got_arrays) and all(np.all(np.isfinite(w)) for w in want_arrays):
            return Verdict(False, f"Your result contains NaN or inf where the reference is finite: look for a division by zero.\n{case}")
        wrong_names = [n for n, g, w in zip(returns, got_arrays, want_arrays) if not _close([g], [w])]
        which = " and ".join(f"`{n}`" for n in wrong_names)
        hint = f" ({which} differs)" if len(returns) > 1 else ""
        return Verdict(False, f"The result does not match the reference{hint}, and it is not one of the usual mistakes: compare your lines with the equations above.\n{case}")

    return judge


# --- Finding calls to the library ------------------------------------------------


def _code_names(code: types.CodeType) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def forbidden_use(exercise: Exercise | str, fn: Callable) -> str | None:
    """If ``fn`` calls what the exercise asks you to write yourself (the library's
    ``Adam``, ``ema``... or the exercise's reference), a polite message saying so;
    otherwise None.

    It reads the names in the function's compiled code (and in functions it
    defines inside), and looks at what those names refer to, so renaming an
    import (``from adamcourse import ema as average``) is found too.
    """
    exercise = EXERCISES[exercise] if isinstance(exercise, str) else exercise
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    banned_objects = [exercise.reference, *exercise.forbidden_objects]
    banned_names = set(exercise.forbidden) | {"reference", "EXERCISES"}
    globals_ = getattr(fn, "__globals__", {})
    found = []
    for name in sorted(_code_names(code)):
        if name in globals_:
            target = globals_[name]
            if any(target is obj for obj in banned_objects):
                found.append(getattr(target, "__name__", name))
        elif name in banned_names:
            found.append(name)  # an attribute (adamcourse.ema) or an import inside the function
    for cell in fn.__closure__ or ():
        try:
            target = cell.cell_contents
        except ValueError:
            continue
        if any(target is obj for obj in banned_objects):
            found.append(getattr(target, "__name__", "a closure"))
    if not found:
        return None
    names = ", ".join(f"`{n}`" for n in dict.fromkeys(found))
    return (
        f"It looks like `{exercise.function_name}` calls {names} from the course library, so it returns the "
        f"reference implementation's result. That is a fine way to get the numbers, but this exercise is "
        f"about writing the math yourself: please use NumPy operations instead."
    )


# --- Running a check in the notebook -----------------------------------------------


def _changed_inputs(params, before, after) -> list[str]:
    changed = []
    for name, a, b in zip(params, before, after):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            # a value nudged and put back may differ in the last bit: that is not a change
            if a.shape != b.shape or not np.allclose(a, b, rtol=1e-12, atol=1e-15, equal_nan=True):
                changed.append(name)
    return changed


def run_check(exercise: Exercise | str, fn: Callable, seed: int = CHECK_SEED) -> Verdict:
    """Judge ``fn`` on the exercise's cases; the first failure is reported.

    Returns a :class:`Verdict`; never raises because of what ``fn`` does.
    """
    exercise = EXERCISES[exercise] if isinstance(exercise, str) else exercise
    name = exercise.function_name
    if not callable(fn):
        return Verdict(False, f"Pass the function itself, as in check({name}); got {type(fn).__name__}.")
    banned = forbidden_use(exercise, fn)
    if banned:
        return Verdict(False, banned)
    params = list(inspect.signature(exercise.reference).parameters)
    cases = exercise.make_cases(np.random.default_rng(seed))
    for args in cases:
        given = copy.deepcopy(args)
        try:
            with np.errstate(all="ignore"):
                got = fn(*given)
        except NotImplementedError:
            return Verdict(False, f"`{name}` is not attempted yet: replace `raise NotImplementedError()` with your code.")
        except Exception as error:  # the learner's bug, reported, never re-raised
            return Verdict(
                False,
                f"`{name}` raised {type(error).__name__}: {error}\n"
                f"On this call:\n  {_call_text(name, params, args)}",
            )
        changed = _changed_inputs(params, args, given)
        if changed:
            which = ", ".join(f"`{c}`" for c in changed)
            return Verdict(
                False,
                f"`{name}` changed its input {which} in place (for example with `-=`, `+=` or `x[i] = ...`). "
                f"Optimizers must leave their inputs alone: write `theta = theta - ...`, which makes a new array, "
                f"or work on a copy (`x = theta.copy()`).\nOn this call:\n  {_call_text(name, params, args)}",
            )
        verdict = exercise.judge(args, got)
        if not verdict.passed:
            return verdict
    return Verdict(True, f"`{name}` matches the reference on all {len(cases)} test cases.")


def check(exercise: Exercise | str, fn: Callable) -> None:
    """Run the check and print the feedback (what the notebooks' check cells do)."""
    exercise = EXERCISES[exercise] if isinstance(exercise, str) else exercise
    verdict = run_check(exercise, fn)
    if verdict.passed:
        print(f"✔ Well done! {verdict.message}")
    elif "not attempted yet" in verdict.message:
        print(f"… {verdict.message}")
    else:
        print(f"✘ Not yet. {verdict.message}")


# --- The exercises -------------------------------------------------------------------
#
# Each block: the reference (the right answer), the cases, and the usual
# mistakes as small functions with a sentence that names them. Cases use
# float64 and values chosen so the mistakes give visibly different numbers
# (eps around 0.1, not 1e-8, so "eps inside the square root" shows).


def _vec(rng, n=3, scale=1.0):
    return rng.normal(scale=scale, size=n)


def _pos(rng, n=3, low=0.05, high=1.0):
    return rng.uniform(low, high, size=n)


# 00: the gradient step ------------------------------------------------------------


def _gradient_step(theta, grad, lr):
    return theta - lr * grad


def _gradient_step_cases(rng):
    return [(_vec(rng), _vec(rng), float(rng.uniform(0.05, 0.5))) for _ in range(4)]


_GRADIENT_STEP_MISTAKES = [
    (lambda th, g, lr: th + lr * g, "the update has the wrong sign: gradient descent moves against the gradient, theta - lr * grad."),
    (lambda th, g, lr: th - g, "the learning rate is missing: the step is lr * grad, not grad."),
    (lambda th, g, lr: -lr * g, "you returned the step, not the new point: add it to theta."),
    (lambda th, g, lr: lr * g, "you returned the step (with the wrong sign), not the new point theta - lr * grad."),
    (lambda th, g, lr: th - lr * th, "you used theta where the gradient belongs: theta - lr * grad."),
]


# 00: a gradient by finite differences -------------------------------------------------


def wavy(p):
    """A smooth test function whose third derivatives are not zero."""
    return float(np.sin(p[0]) * np.exp(0.5 * p[1]) + p[0] ** 3 / 3 + p[0] * p[-1] ** 2)


def quartic(p):
    return float(np.sum(p**4) / 4 + np.prod(p))


def _numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta, dtype=float)
    for i in range(theta.size):
        step = np.zeros_like(theta, dtype=float)
        step.flat[i] = h  # nudge one coordinate, keep the others
        grad.flat[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad


def _one_sided(f, theta, h, direction):
    grad = np.zeros_like(theta, dtype=float)
    for i in range(theta.size):
        step = np.zeros_like(theta, dtype=float)
        step.flat[i] = h
        grad.flat[i] = (f(theta + step) - f(theta)) / h if direction > 0 else (f(theta) - f(theta - step)) / h
    return grad


def _numerical_gradient_cases(rng):
    # h = 0.01: large enough that one-sided and central differences disagree
    # visibly, small enough that the central difference is still accurate.
    return [(wavy, _vec(rng, 3), 0.01), (quartic, _vec(rng, 2), 0.01), (wavy, _vec(rng, 2), 0.001)]


_NUMERICAL_GRADIENT_MISTAKES = [
    (lambda f, th, h: 2 * _numerical_gradient(f, th, h), "divide by 2 * h: the two points theta + h and theta - h are 2h apart."),
    (lambda f, th, h: _numerical_gradient(f, th, h) / 2, "divide by 2 * h, not 4 * h (or h * h)."),
    (lambda f, th, h: -_numerical_gradient(f, th, h), "the difference is the wrong way round: f(theta + h) - f(theta - h)."),
    (lambda f, th, h: _numerical_gradient(f, th, h) * h * h,
     "brackets are missing: Python reads x / 2*h as (x / 2) * h. Write x / (2 * h)."),
    (lambda f, th, h: _one_sided(f, th, h, +1), "that is the one-sided (forward) difference (f(theta + h) - f(theta)) / h; "
     "the exercise asks for the central one, which is far more accurate."),
    (lambda f, th, h: _one_sided(f, th, h, -1), "that is the one-sided (backward) difference; use the central one, "
     "(f(theta + h e_i) - f(theta - h e_i)) / (2h)."),
    (lambda f, th, h: _numerical_gradient(f, th, 1e-5),
     "use the step h you are given (the check passes h=0.01 and h=0.001); your function seems to use its own."),
    (lambda f, th, h: np.full(th.shape, (f(th + h) - f(th - h)) / (2 * h)),
     "you moved every coordinate at once (theta + h): nudge one coordinate at a time, keeping the others fixed."),
    (lambda f, th, h: np.full(th.shape, (f(th + h) - f(th)) / h),
     "you moved every coordinate at once (theta + h), and used a one-sided difference: nudge one coordinate "
     "at a time, both ways, (f(theta + h e_i) - f(theta - h e_i)) / (2h)."),
]


# 01: the minibatch gradient of a line fit ----------------------------------------------


def _minibatch_gradient(w, b, x, y):
    residual = w * x + b - y  # prediction - target
    return float(np.mean(residual * x)), float(np.mean(residual))


def _minibatch_cases(rng):
    cases = []
    for n in (5, 8, 3, 1):
        x = rng.normal(size=n)
        cases.append((float(rng.normal()), float(rng.normal()), x, 2 * x - 1 + 0.3 * rng.normal(size=n)))
    return cases


def _line_grad_variant(w, b, x, y, reduce=np.mean, factor=1.0, sign=1.0):
    r = sign * (w * x + b - y)
    return factor * reduce(r * x), factor * reduce(r)


_MINIBATCH_MISTAKES = [
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, reduce=np.sum),
     "you summed over the batch instead of averaging: use np.mean, so the size of a step does not depend on the batch size."),
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, factor=2.0),
     "everything is twice too big: the loss has a 1/2 in front, which cancels the 2 from differentiating the square."),
    (lambda w, b, x, y: _line_grad_variant(w, b, x, y, sign=-1.0),
     "the residual has the wrong sign: use prediction - target, (w * x + b) - y."),
    (lambda w, b, x, y: (float(np.mean(w * x + b - y)), float(np.mean(w * x + b - y))),
     "dw is missing the factor x from the chain rule: d(w x + b)/dw = x."),
    (lambda w, b, x, y: (float(np.mean(w * x + b - y) * np.mean(x)), float(np.mean(w * x + b - y))),
     "average the product residual * x, not the residual times the average x."),
]


# 01: the shrink factor of a gradient step ----------------------------------------------


def _shrink_factor(lr, curvature):
    return 1 - lr * curvature


def _shrink_cases(rng):
    return [(0.1, 2.0), (0.9, 2.0), (1.5, 2.0), (float(rng.uniform(0.01, 0.3)), float(rng.uniform(1, 20)))]


_SHRINK_MISTAKES = [
    (lambda lr, c: 1 + lr * c, "the sign is wrong: the step subtracts lr * curvature * x, so x becomes (1 - lr * curvature) x."),
    (lambda lr, c: abs(1 - lr * c), "keep the sign: a negative factor is meaningful (x jumps to the other side each step)."),
    (lambda lr, c: lr * c, "that is the size of the step as a fraction of x; the new x is x minus it: 1 - lr * curvature."),
    (lambda lr, c: 1 - lr * c / 2, "the gradient of curvature/2 * x**2 is curvature * x (the 2 cancels the 1/2)."),
    (lambda lr, c: 1 - lr, "the curvature is missing: the gradient is curvature * x."),
]


# 02: one step of an exponential moving average -----------------------------------------


def _ema_update(average, x, beta):
    return beta * average + (1 - beta) * x


def _ema_cases(rng):
    return [(_vec(rng), _vec(rng), float(rng.uniform(0.6, 0.95))) for _ in range(3)] + [(0.0, 4.0, 0.9)]


_EMA_MISTAKES = [
    (lambda a, x, beta: (1 - beta) * a + beta * x,
     "beta and 1 - beta are swapped: beta is the share of the OLD average that is kept."),
    (lambda a, x, beta: beta * a + x, "the new value needs the weight (1 - beta); without it the average grows without bound."),
    (lambda a, x, beta: a + (1 - beta) * x, "the old average needs the weight beta."),
    (lambda a, x, beta: (a + x) / 2, "that is a plain mean of two numbers; the weights are beta and 1 - beta."),
    (lambda a, x, beta: a, "you returned the old average unchanged (perhaps average appears twice): mix in the new value x with weight 1 - beta."),
]


# 02: a heavy-ball momentum step -----------------------------------------------------


def _momentum_step(theta, grad, velocity, lr, beta):
    velocity = beta * velocity - lr * grad
    return theta + velocity, velocity


def _momentum_cases(rng):
    return [(_vec(rng), _vec(rng), _vec(rng, scale=0.3), float(rng.uniform(0.05, 0.3)), float(rng.uniform(0.6, 0.95))) for _ in range(4)]


_MOMENTUM_MISTAKES = [
    (lambda th, g, v, lr, beta: (th + (beta * v + lr * g), beta * v + lr * g),
     "the update has the wrong sign: velocity = beta * velocity - lr * grad (downhill is minus the gradient)."),
    (lambda th, g, v, lr, beta: (th - (beta * v + lr * g), beta * v + lr * g),
     "the velocity has the wrong sign: this lesson stores the step itself, velocity = beta * velocity - lr * grad, "
     "and then theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + v, beta * v - lr * g),
     "theta moved by the OLD velocity: compute the new velocity first, then theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + (v - lr * g), v - lr * g),
     "beta is missing: velocity = beta * velocity - lr * grad (without beta the velocity never forgets)."),
    (lambda th, g, v, lr, beta: (th - lr * (beta * v + g), beta * v + g),
     "your velocity is a sum of gradients (PyTorch's form, velocity = beta * velocity + grad); this exercise stores "
     "the step: velocity = beta * velocity - lr * grad, theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + (beta * v - (1 - beta) * lr * g), beta * v - (1 - beta) * lr * g),
     "the gradient is weighted by (1 - beta) as in a moving average; heavy-ball momentum adds the full lr * grad."),
    (lambda th, g, v, lr, beta: (th + beta * (beta * v - lr * g) - lr * g, beta * v - lr * g),
     "that is Nesterov's look-ahead step; the exercise asks for plain heavy-ball momentum, theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + ((1 - beta) * v - lr * g), (1 - beta) * v - lr * g),
     "beta and 1 - beta are swapped: beta is the share of the old velocity that is kept."),
    (lambda th, g, v, lr, beta: (th - (beta * v - lr * g), beta * v - lr * g),
     "theta moved the wrong way: the velocity already points downhill (it holds - lr * grad), so theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th - lr * g, beta * v - lr * g),
     "theta took a plain gradient step; it should move by the new velocity: theta = theta + velocity."),
    (lambda th, g, v, lr, beta: (th + beta * v - lr * g, v),
     "theta is right, but you returned the OLD velocity: return the new one, or the next step forgets this one."),
]


# 03: an AdaGrad step --------------------------------------------------------------------


def _adagrad_step(theta, grad, accum, lr, eps):
    accum = accum + grad**2
    return theta - lr * grad / (np.sqrt(accum) + eps), accum


def _adagrad_cases(rng):
    cases = [(_vec(rng), _vec(rng), _pos(rng, low=0.0, high=1.0), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.05, 0.3))) for _ in range(3)]
    cases.append((np.array([1.0, -2.0]), np.array([0.5, 0.0]), np.zeros(2), 0.1, 0.1))
    return cases


def _adagrad_variant(th, g, a, lr, eps, inside=False, old=False, square=True, root=True, sign=1.0):
    new = a + (g**2 if square else g)
    used = a if old else new
    denom = np.sqrt(used + eps) if inside else (np.sqrt(used) if root else used) + eps
    return th - sign * lr * g / denom, new


_ADAGRAD_MISTAKES = [
    (lambda *a: _adagrad_variant(*a, inside=True),
     "eps is inside the square root: this course (like the paper and PyTorch) writes sqrt(accum) + eps. "
     "(Keras puts it inside; the next lessons come back to that.)"),
    (lambda *a: _adagrad_variant(*a, old=True),
     "you divided by the OLD accumulator: add grad**2 first, then use the new accum in the step."),
    (lambda *a: _adagrad_variant(*a, square=False), "accumulate the SQUARED gradient, accum + grad**2."),
    (lambda *a: _adagrad_variant(*a, root=False), "divide by the square root of the accumulator: sqrt(accum) + eps."),
    (lambda *a: _adagrad_variant(*a, sign=-1.0), "the update has the wrong sign: theta - lr * grad / (sqrt(accum) + eps)."),
    (lambda th, g, a, lr, eps: (th - lr * g / np.sqrt(a + g**2) + eps, a + g**2),
     "brackets are missing around the denominator: Python reads lr * grad / np.sqrt(accum) + eps as "
     "(lr * grad / np.sqrt(accum)) + eps. Write lr * grad / (np.sqrt(accum) + eps)."),
    (lambda th, g, a, lr, eps: (th - lr * g / (np.sqrt(a + g**2) + eps), a),
     "theta is right, but you returned the old accumulator: return the new one, accum + grad**2."),
]


# 03: AdaGrad's step sizes after a history of gradients ---------------------------------


def _adagrad_step_sizes(grads, lr, eps):
    return lr / (np.sqrt(np.sum(grads**2, axis=0)) + eps)


def _step_sizes_cases(rng):
    return [(rng.normal(size=(n, d)), float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.05, 0.3))) for n, d in ((5, 3), (12, 2), (3, 4))]


_STEP_SIZES_MISTAKES = [
    (lambda G, lr, eps: lr / (np.sqrt(np.mean(G**2, axis=0)) + eps),
     "you averaged the squared gradients; AdaGrad SUMS them. The sum only grows, which is exactly why its steps shrink forever."),
    (lambda G, lr, eps: lr / np.sqrt(np.sum(G**2, axis=0) + eps), "eps is inside the square root: lr / (sqrt(sum) + eps)."),
    (lambda G, lr, eps: lr / (np.sum(G**2, axis=0) + eps), "take the square root of the sum: lr / (sqrt(sum of grad**2) + eps)."),
    (lambda G, lr, eps: lr / (np.sqrt(np.abs(np.sum(G, axis=0))) + eps), "square each gradient before summing: sum of grad**2."),
    (lambda G, lr, eps: lr / (np.sqrt(np.sum(G, axis=0) ** 2) + eps), "square each gradient BEFORE summing, not the sum afterwards."),
    (lambda G, lr, eps: lr * np.sqrt(np.sum(G**2, axis=0)) + eps, "the step size is lr DIVIDED by (sqrt(sum) + eps)."),
]


# 04: an RMSProp step --------------------------------------------------------------------


def _rmsprop_step(theta, grad, v, lr, beta, eps):
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_cases(rng):
    return [(_vec(rng), _vec(rng), _pos(rng, low=0.0), float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.6, 0.95)), float(rng.uniform(0.05, 0.3))) for _ in range(4)]


def _rmsprop_variant(th, g, v, lr, beta, eps, inside=False, old=False, swap=False, adagrad=False, square=True, root=True, sign=1.0):
    x = g**2 if square else g
    if adagrad:
        new = v + x
    else:
        new = (1 - beta) * v + beta * x if swap else beta * v + (1 - beta) * x
    used = v if old else new
    denom = np.sqrt(used + eps) if inside else (np.sqrt(used) if root else used) + eps
    return th - sign * lr * g / denom, new


# Learners who reuse lesson 02's ema often pass its arguments in the wrong order,
# which looks exactly like swapping beta and 1 - beta.
_EMA_ORDER = " (If you used ema: its arguments are ema(average, x, beta), the old average first.)"

_RMSPROP_MISTAKES = [
    (lambda *a: _rmsprop_variant(*a, inside=True),
     "eps is inside the square root: this course (like PyTorch and the paper) writes sqrt(v) + eps. "
     "Keras' RMSprop puts it inside; both work, but they give different numbers."),
    (lambda *a: _rmsprop_variant(*a, swap=True), "beta and 1 - beta are swapped: v = beta * v + (1 - beta) * grad**2."
     + _EMA_ORDER),
    (lambda *a: _rmsprop_variant(*a, adagrad=True), "that is AdaGrad's running SUM; RMSProp keeps a leaky average, beta * v + (1 - beta) * grad**2."),
    (lambda *a: _rmsprop_variant(*a, old=True), "you divided by the OLD v: update v first, then use it in the step."),
    (lambda *a: _rmsprop_variant(*a, square=False), "average the SQUARED gradient, grad**2."),
    (lambda *a: _rmsprop_variant(*a, root=False), "divide by the square root of v: sqrt(v) + eps."),
    (lambda *a: _rmsprop_variant(*a, sign=-1.0), "the update has the wrong sign: theta - lr * grad / (sqrt(v) + eps)."),
    (lambda th, g, v, lr, beta, eps: (th - lr * g / np.sqrt(beta * v + (1 - beta) * g**2) + eps, beta * v + (1 - beta) * g**2),
     "brackets are missing around the denominator: Python reads lr * grad / np.sqrt(v) + eps as "
     "(lr * grad / np.sqrt(v)) + eps. Write lr * grad / (np.sqrt(v) + eps)."),
    (lambda th, g, v, lr, beta, eps: (_rmsprop_step(th, g, v, lr, beta, eps)[0], v),
     "theta is right, but you returned the old v: return the updated average."),
]


# 04: bias correction -----------------------------------------------------------------


def _debias_average(average, beta, t):
    return average / (1 - beta**t)


def _debias_cases(rng):
    return [(_vec(rng), float(rng.uniform(0.6, 0.99)), int(t)) for t in (1, 2, 5)] + [(0.1, 0.9, 1)]


_DEBIAS_MISTAKES = [
    (lambda a, beta, t: a * (1 - beta**t), "divide by (1 - beta**t), don't multiply: the average is too SMALL and must grow."),
    (lambda a, beta, t: a / (1 - beta ** (t - 1)), "t is off by one (you used t - 1): after t steps the weights sum to 1 - beta**t."),
    (lambda a, beta, t: a / (1 - beta ** (t + 1)), "t is off by one (you used t + 1): after t steps the weights sum to 1 - beta**t."),
    (lambda a, beta, t: a / (1 - beta), "the power is missing: divide by 1 - beta**t (beta to the power t), not 1 - beta."),
    (lambda a, beta, t: a / (1 - beta * t), "use the power beta**t, not the product beta * t (in Python, ** is the power)."),
    (lambda a, beta, t: a / (1 - (1 - beta) ** t), "the weights sum to 1 - beta**t (beta, not 1 - beta, to the power t)."),
    (lambda a, beta, t: a / beta**t, "divide by 1 - beta**t, not by beta**t."),
    (lambda a, beta, t: a / (1 - beta) ** t, "the power belongs to beta: 1 - beta**t, not (1 - beta)**t."),
    (lambda a, beta, t: a / 1 - beta**t, "brackets are missing: Python reads average / 1 - beta**t as (average / 1) - beta**t. "
     "Write average / (1 - beta**t)."),
]


# 05: an Adam step ------------------------------------------------------------------------


def _adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    t = t + 1  # t counts steps from 1: increment before using it
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t


def _adam_cases(rng):
    cases = []
    for t in (0, 1, 4, 0):
        fresh = t == 0
        m = np.zeros(3) if fresh else _vec(rng, scale=0.3)
        v = np.zeros(3) if fresh else _pos(rng, low=0.01, high=0.5)
        cases.append((_vec(rng), _vec(rng), m, v, t, float(rng.uniform(0.01, 0.2)),
                      float(rng.uniform(0.7, 0.9)), float(rng.uniform(0.95, 0.99)), float(rng.uniform(0.05, 0.2))))
    return cases


def _adam_variant(th, g, m, v, t, lr, b1, b2, eps, *, t_used=None, t_out=None, debias_m=True, debias_v=True,
                  inside=False, swap_betas=False, swap_weights=False, square=True, sign=1.0, eps_hat=False,
                  power_outside=False, no_brackets=False):
    t_used = t + 1 if t_used is None else t_used(t)
    t_out = t + 1 if t_out is None else t_out(t)
    if swap_betas:
        b1, b2 = b2, b1
    x = g**2 if square else g
    if swap_weights:
        m, v = (1 - b1) * m + b1 * g, (1 - b2) * v + b2 * x
    else:
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * x
    c1, c2 = ((1 - b1) ** t_used, (1 - b2) ** t_used) if power_outside else (1 - b1**t_used, 1 - b2**t_used)
    if no_brackets:
        return th - lr * (m / c1) / np.sqrt(v / c2) + eps, m, v, t_out
    if eps_hat:
        step = lr * math.sqrt(c2) / c1 * m / (np.sqrt(v) + eps)
    else:
        m_hat = m / c1 if debias_m else m
        v_hat = v / c2 if debias_v else v
        step = lr * m_hat / (np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps)
    return th - sign * step, m, v, t_out


def _adam_returning_corrected(th, g, m, v, t, lr, b1, b2, eps):
    theta, m, v, t = _adam_step(th, g, m, v, t, lr, b1, b2, eps)
    return theta, m / (1 - b1**t), v / (1 - b2**t), t


_ADAM_MISTAKES = [
    (_adam_returning_corrected,
     "the step is right, but you returned the corrected averages m_hat and v_hat: return the raw m and v; "
     "the correction is worked out from them again at every step."),
    (lambda *a: _adam_variant(*a, debias_m=False, debias_v=False),
     "bias correction missing: divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step."),
    (lambda *a: _adam_variant(*a, debias_v=False), "only m is bias-corrected: v needs v / (1 - beta2**t) too."),
    (lambda *a: _adam_variant(*a, debias_m=False), "only v is bias-corrected: m needs m / (1 - beta1**t) too."),
    (lambda *a: _adam_variant(*a, t_used=lambda t: t),
     "t was incremented after use: the step count starts at 1, so do t = t + 1 FIRST, then debias with the new t "
     "(with t = 0, 1 - beta**0 = 0 and the step divides by zero)."),
    (lambda *a: _adam_variant(*a, t_used=lambda t: t, t_out=lambda t: t),
     "t is never incremented: do t = t + 1 at the start of the step and return the new t "
     "(a course that forgot this went unnoticed for years)."),
    (lambda *a: _adam_variant(*a, t_out=lambda t: t), "the step is right, but return the new t (t + 1), or the next step reuses the old count."),
    (lambda *a: _adam_variant(*a, inside=True), "eps is inside the square root: this exercise follows the paper, sqrt(v_hat) + eps."),
    (lambda *a: _adam_variant(*a, eps_hat=True),
     "that is Keras' \"epsilon hat\" form (corrections folded into the step size); this exercise follows the paper: "
     "m_hat / (sqrt(v_hat) + eps)."),
    (lambda *a: _adam_variant(*a, swap_betas=True), "beta1 and beta2 are swapped: beta1 averages the gradients (m), beta2 the squares (v)."),
    (lambda *a: _adam_variant(*a, swap_weights=True), "beta and 1 - beta are swapped in the averages: m = beta1 * m + (1 - beta1) * grad."
     + _EMA_ORDER),
    (lambda *a: _adam_variant(*a, square=False), "v averages the SQUARED gradient: v = beta2 * v + (1 - beta2) * grad**2."),
    (lambda *a: _adam_variant(*a, sign=-1.0), "the update has the wrong sign: theta - lr * m_hat / (sqrt(v_hat) + eps)."),
    (lambda *a: _adam_variant(*a, power_outside=True),
     "the power belongs to beta: 1 - beta1**t, not (1 - beta1)**t (and the same for beta2)."),
    (lambda *a: _adam_variant(*a, no_brackets=True),
     "brackets are missing around the denominator: Python reads lr * m_hat / np.sqrt(v_hat) + eps as "
     "(lr * m_hat / np.sqrt(v_hat)) + eps. Write lr * m_hat / (np.sqrt(v_hat) + eps)."),
]


# 05: Keras' step size with "epsilon hat" ------------------------------------------------


def _keras_step_size(lr, beta1, beta2, t):
    return lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)


def _keras_step_size_cases(rng):
    return [(0.001, 0.9, 0.999, 1), (0.01, 0.9, 0.999, 10), (float(rng.uniform(0.01, 0.1)), 0.8, 0.99, 3)]


_KERAS_STEP_MISTAKES = [
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b1**t) / (1 - b2**t), "beta1 and beta2 are swapped: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."),
    (lambda lr, b1, b2, t: lr * (1 - b2**t) / (1 - b1**t), "the square root is missing: v_hat enters the step through sqrt(v_hat)."),
    (lambda lr, b1, b2, t: lr * (1 - b1**t) / math.sqrt(1 - b2**t), "the fraction is upside down: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1)), "t is off by one: use the step number t as given."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 ** (t - 1)) / (1 - b1 ** (t - 1)) if t > 1 else math.nan,
     "t is off by one: use the step number t as given."),
    (lambda lr, b1, b2, t: lr / (1 - b1**t), "the factor sqrt(1 - beta2**t) from v's correction is missing."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2 * t) / (1 - b1 * t) if b2 * t < 1 else math.nan,
     "use the power beta**t, not the product beta * t (in Python, ** is the power)."),
    (lambda lr, b1, b2, t: lr * math.sqrt(1 - b2**t) / 1 - b1**t,
     "brackets are missing around the denominator: lr * sqrt(1 - beta2**t) / (1 - beta1**t)."),
]


# --- The registry ---------------------------------------------------------------------------


def _exercise(grade_id, reference, make_cases, mistakes, *, points=1, returns=("result",), forbidden=(), forbidden_objects=(), lesson=""):
    name = reference.__name__.lstrip("_")
    return Exercise(
        grade_id=grade_id,
        function_name=name,
        points=points,
        reference=reference,
        make_cases=make_cases,
        judge=_make_judge(name, reference, returns, mistakes),
        returns=returns,
        forbidden=tuple(forbidden),
        lesson=lesson,
        forbidden_objects=tuple(forbidden_objects),
        mistakes=tuple(mistakes),
    )


_CLASSES = ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "AdamW", "_update")
_CLASS_OBJECTS = (_opt.SGD, _opt.Momentum, _opt.AdaGrad, _opt.RMSProp, _opt.Adam, _opt.AdamW)

EXERCISES: dict[str, Exercise] = {
    e.grade_id: e
    for e in (
        _exercise("ex00_gradient_step", _gradient_step, _gradient_step_cases, _GRADIENT_STEP_MISTAKES,
                  returns=("theta",), forbidden=_CLASSES, forbidden_objects=_CLASS_OBJECTS, lesson="00_start_here"),
        _exercise("ex00_numerical_gradient", _numerical_gradient, _numerical_gradient_cases, _NUMERICAL_GRADIENT_MISTAKES,
                  points=2, returns=("grad",), lesson="00_start_here"),
        _exercise("ex01_minibatch_gradient", _minibatch_gradient, _minibatch_cases, _MINIBATCH_MISTAKES,
                  points=2, returns=("dw", "db"), lesson="01_sgd"),
        _exercise("ex01_shrink_factor", _shrink_factor, _shrink_cases, _SHRINK_MISTAKES, lesson="01_sgd"),
        _exercise("ex02_ema_update", _ema_update, _ema_cases, _EMA_MISTAKES,
                  returns=("average",), forbidden=("ema",), forbidden_objects=(_opt.ema,), lesson="02_momentum"),
        _exercise("ex02_momentum_step", _momentum_step, _momentum_cases, _MOMENTUM_MISTAKES,
                  points=2, returns=("theta", "velocity"), forbidden=_CLASSES, forbidden_objects=_CLASS_OBJECTS, lesson="02_momentum"),
        _exercise("ex03_adagrad_step", _adagrad_step, _adagrad_cases, _ADAGRAD_MISTAKES,
                  points=2, returns=("theta", "accum"), forbidden=_CLASSES, forbidden_objects=_CLASS_OBJECTS, lesson="03_adagrad"),
        _exercise("ex03_adagrad_step_sizes", _adagrad_step_sizes, _step_sizes_cases, _STEP_SIZES_MISTAKES,
                  returns=("step_sizes",), lesson="03_adagrad"),
        _exercise("ex04_rmsprop_step", _rmsprop_step, _rmsprop_cases, _RMSPROP_MISTAKES,
                  points=2, returns=("theta", "v"), forbidden=_CLASSES, forbidden_objects=_CLASS_OBJECTS, lesson="04_rmsprop"),
        _exercise("ex04_debias_average", _debias_average, _debias_cases, _DEBIAS_MISTAKES,
                  returns=("corrected",), forbidden=("debias",), forbidden_objects=(_opt.debias,), lesson="04_rmsprop"),
        _exercise("ex05_adam_step", _adam_step, _adam_cases, _ADAM_MISTAKES,
                  points=3, returns=("theta", "m", "v", "t"), forbidden=_CLASSES, forbidden_objects=_CLASS_OBJECTS, lesson="05_adam"),
        _exercise("ex05_keras_step_size", _keras_step_size, _keras_step_size_cases, _KERAS_STEP_MISTAKES,
                  returns=("lr_t",), lesson="05_adam"),
    )
}


def reference(name: str) -> Callable:
    """The course's own solution of an exercise, by function name or grade_id.

    Later cells of a lesson use it (or the library class it leads to), so a
    notebook still runs top to bottom while an exercise is unsolved.
    """
    for exercise in EXERCISES.values():
        if name in (exercise.function_name, exercise.grade_id):
            return exercise.reference
    known = ", ".join(e.function_name for e in EXERCISES.values())
    raise KeyError(f"no exercise named {name!r}; the exercises are: {known}.")


# --- One named check per exercise, for the notebooks' check cells ----------------------------


def _wrapper(exercise: Exercise):
    def check_exercise(fn):
        check(exercise, fn)

    check_exercise.__name__ = f"check_{exercise.function_name}"
    check_exercise.__qualname__ = check_exercise.__name__
    check_exercise.__doc__ = (
        f"Check your `{exercise.function_name}` ({exercise.lesson}) against the reference and print "
        f"feedback that names the likely mistake."
    )
    return check_exercise


for _ex in EXERCISES.values():
    globals()[f"check_{_ex.function_name}"] = _wrapper(_ex)
    __all__.append(f"check_{_ex.function_name}")
del _ex
