"""Lesson 08 (What Adam costs): the bytes one step moves, and an Adam step in place.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them.

``adam_step_`` changes ``theta``, ``m`` and ``v`` on purpose (``mutates``):
the judge compares them, as the call left them, with the reference's, and
``scratch`` is the learner's working space (``scratch``: changed, not judged).
What a step *allocates* is not in what a grader observes (values only), so
:func:`allocation_feedback` measures it with ``tracemalloc`` in the learner's
own kernel, where the notebook's check runs, and reports it next to the verdict.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import tracemalloc
import warnings

import numpy as np

from adamcourse import fastpath
from adamcourse.exercises.cases import pos, vec
from adamcourse.exercises.engine import CHECK_SEED, define
from adamcourse.exercises.lesson00 import GIVEN
from adamcourse.exercises.lesson05 import _adam_returning_corrected, _adam_step, _adam_variant
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

LESSON = "08_what_adam_costs"

# 08: the bytes of one step -------------------------------------------------------------------

#: Arrays each optimizer's step reads and writes, at least: every parameter,
#: gradient and state array is read once, and the parameters and the state written once.
ARRAYS_READ_WRITTEN = {"SGD": (2, 1), "Momentum": (3, 2), "AdaGrad": (3, 2), "RMSProp": (3, 2), "Adam": (4, 3)}


def _bytes_per_step(optimizer, n, dtype):
    # Adam reads theta, g, m, v and writes theta, m, v: 7 arrays of n numbers
    read, written = ARRAYS_READ_WRITTEN[optimizer]
    return (read + written) * n * np.dtype(dtype).itemsize


def _bytes_cases(rng):
    # every optimizer, Adam twice (it alone tells "the state is read but not written back" from
    # "the gradient is forgotten"), sizes and precisions drawn afresh
    names = [*rng.permutation(list(ARRAYS_READ_WRITTEN)), "Adam"]
    return [
        (str(name), int(rng.integers(1_000, 10_000_000)), str(rng.choice(["float16", "float32", "float64"])))
        for name in names
    ]


def _counting(arrays):
    """A wrong count: ``arrays(read, written)`` arrays of n numbers."""

    def wrong(optimizer, n, dtype):
        return arrays(*ARRAYS_READ_WRITTEN[optimizer]) * n * np.dtype(dtype).itemsize

    return wrong


_BYTES_MISTAKES = [
    (
        _counting(lambda r, w: r),
        "only the reads are counted: the step also WRITES the parameters and every state "
        "array back (Adam reads theta, g, m, v and writes theta, m, v).",
    ),
    (
        _counting(lambda r, w: w),
        "only the writes are counted: the step first READS the parameters, the gradient and every state array.",
    ),
    (
        _counting(lambda r, w: r - 1 + w),
        "the gradient is read too: it is an array of n numbers like the others (Adam reads theta, g, m, v).",
    ),
    (
        _counting(lambda r, w: r + 1),
        "the state arrays are written back too, not only the parameters: Adam writes theta, m and v.",
    ),
    (
        _counting(lambda r, w: 7),
        "every optimizer got Adam's seven arrays: SGD keeps no state (it reads theta and g "
        "and writes theta), Momentum, AdaGrad and RMSProp keep one array each.",
    ),
    (
        lambda optimizer, n, dtype: 8 * _bytes_per_step(optimizer, n, dtype),
        "that counts bits, not bytes: a float32 is 4 bytes (32 bits); np.dtype(dtype).itemsize is already in bytes.",
    ),
    (
        lambda optimizer, n, dtype: _bytes_per_step(optimizer, n, "int8"),
        "that counts numbers, not bytes: multiply by the bytes of one number, np.dtype(dtype).itemsize (4 for "
        "float32).",
    ),
    (
        lambda optimizer, n, dtype: _bytes_per_step(optimizer, n, "float32"),
        "the size of a number seems fixed at 4 bytes (float32): use the `dtype` argument (float16 is 2 bytes, float64 "
        "is 8).",
    ),
]


# 08: an Adam step in place ----------------------------------------------------------------------


def _adam_step_(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
    """m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g**2; theta -= lr*m_hat/(sqrt(v_hat)+eps), in place.

    theta, m and v are overwritten; scratch (an array like theta) holds what is
    in between; nothing new is allocated. Returns the new t.
    """
    t = t + 1
    m *= beta1  # m = beta1 * m + (1 - beta1) * grad
    np.multiply(grad, 1 - beta1, out=scratch)
    m += scratch
    np.multiply(grad, grad, out=scratch)  # v = beta2 * v + (1 - beta2) * grad**2
    scratch *= 1 - beta2
    v *= beta2
    v += scratch
    np.divide(v, 1 - beta2**t, out=scratch)  # the denominator, sqrt(v_hat) + eps
    np.sqrt(scratch, out=scratch)
    scratch += eps
    np.divide(m, scratch, out=scratch)  # m / denominator, times lr / (1 - beta1**t): the step
    scratch *= lr / (1 - beta1**t)
    theta -= scratch
    return t


def _adam_step_cases(rng):
    cases = []
    for t in (0, 1, 4, 0):
        fresh = t == 0
        m = np.zeros(3) if fresh else vec(rng, scale=0.3)
        v = np.zeros(3) if fresh else pos(rng, low=0.01, high=0.5)
        scratch = vec(rng, scale=100.0)  # working space holds whatever was there before: never zeros
        cases.append(
            (
                vec(rng),
                vec(rng),
                m,
                v,
                t,
                float(rng.uniform(0.01, 0.2)),
                float(rng.uniform(0.7, 0.9)),
                float(rng.uniform(0.95, 0.99)),
                float(rng.uniform(0.05, 0.2)),
                scratch,
            )
        )
    return cases


def _written(new, theta, m, v, *, theta_too=True, averages_too=True):
    """Write a step's new values into the caller's arrays, as far as a slip lets them through."""
    new_theta, new_m, new_v, new_t = new
    if averages_too:
        m[...], v[...] = new_m, new_v
    if theta_too:
        theta[...] = new_theta
    return new_t


def _slip(theta_too=True, averages_too=True, values=None, **variant):
    """``adam_step_`` with one slip: lesson 05's step with ``variant`` (or ``values``), partly written in place."""

    def wrong(theta, grad, m, v, t, lr, beta1, beta2, eps, scratch):
        args = (theta, grad, m, v, t, lr, beta1, beta2, eps)
        new = values(*args) if values else _adam_variant(*args, **variant) if variant else _adam_step(*args)
        return _written(new, theta, m, v, theta_too=theta_too, averages_too=averages_too)

    return wrong


def _step_from_old_averages(theta, grad, m, v, t, lr, beta1, beta2, eps):
    t = t + 1
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta - step, beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2, t


_IN_PLACE = (
    " Inside a function, `x = ...` only points the name x at a new array; `x -= ...`, `x *= ...` and "
    "`out=x` write into the caller's."
)

_ADAM_IN_PLACE_MISTAKES = [
    (
        _slip(theta_too=False),
        "theta was rebound, not overwritten: `theta = theta - ...` makes a new array, and the "
        "caller's theta is unchanged (m and v did change)." + _IN_PLACE,
    ),
    (
        _slip(averages_too=False),
        "m and v were rebound, not overwritten: the caller's m and v are unchanged, so the "
        "next step starts again from the old averages (theta did change)." + _IN_PLACE,
    ),
    (
        _slip(theta_too=False, averages_too=False),
        "nothing changed in place: the caller's theta, m and v keep their old values." + _IN_PLACE,
    ),
    (
        _slip(values=_step_from_old_averages),
        "theta moved with the OLD m and v: in place, the order of the lines "
        "matters. Update m and v first, then take the step from their new values.",
    ),
    (
        _slip(values=_adam_returning_corrected),
        "m and v were bias-corrected in place (for example `m /= 1 - "
        "beta1**t`): m and v must keep the raw averages, or the next step corrects them again. Put m_hat and v_hat "
        "(or what you compute from them) in `scratch`.",
    ),
    (
        _slip(t_out=lambda t: t),
        "the arrays are right, but return the new t (t + 1): an int cannot be changed in "
        "place, so the caller keeps the old count unless you return it.",
    ),
    (
        _slip(m_average=lambda a, x, b: a * (b + (1 - b) * x), v_average=lambda a, x, b: a * (b + (1 - b) * x)),
        "`m *= beta1 + (1 - beta1) * grad` multiplies m by the WHOLE right-hand side (an in-place operator applies "
        "to everything after it), and so does v's. Write two lines: scale by beta, then add the new part with `+=`.",
    ),
    (
        _slip(v_average=lambda a, x, b: a + (1 - b) * x),
        "v was never multiplied by beta2: scale v by beta2 in "
        "place BEFORE adding (1 - beta2) * grad**2, or v sums the squares as AdaGrad does.",
    ),
    (
        _slip(m_average=lambda a, x, b: a + (1 - b) * x),
        "m was never multiplied by beta1: scale m by beta1 in place BEFORE adding (1 - beta1) * grad.",
    ),
    (
        _slip(m_average=lambda a, x, b: b * a + x),
        "the new gradient in m needs the weight (1 - beta1): m is an average, not PyTorch's running sum.",
    ),
    (
        _slip(debias_m=False, debias_v=False),
        "bias correction missing: the step uses m / (1 - beta1**t) and v / (1 - beta2**t), with the new t.",
    ),
    (
        _slip(inside=True),
        "eps is inside the square root: this exercise follows the paper, which adds eps after the root of v_hat.",
    ),
    (
        _slip(values=lambda th, g, m, v, t, lr, b1, b2, eps: _adam_step(th, g, m, v, t, lr, 0.9, 0.999, eps)),
        "beta1 and beta2 seem fixed at 0.9 and 0.999: use the arguments." + GIVEN,
    ),
]

# The library's in-place Adam and its machinery hold this exercise's answer.
_FAST_PATH = (fastpath.update_, fastpath._adam_numpy, fastpath._adam_loop)


EXERCISES = (
    define(
        "ex08_bytes_per_step",
        _bytes_per_step,
        _bytes_cases,
        _BYTES_MISTAKES,
        points=1,
        returns=("bytes",),
        lesson=LESSON,
    ),
    dataclasses.replace(
        define(
            "ex08_adam_step_",
            _adam_step_,
            _adam_step_cases,
            _ADAM_IN_PLACE_MISTAKES,
            points=3,
            returns=("t",),
            forbidden=(*LIBRARY_CLASSES, "step_", "update_", "_adam_numpy", "_adam_loop"),
            forbidden_objects=(*LIBRARY_CLASS_OBJECTS, *_FAST_PATH),
            lesson=LESSON,
        ),
        mutates=("theta", "m", "v"),
        scratch=("scratch",),
    ),
)


# --- What an in-place step allocates ------------------------------------------------------

#: The size of the arrays the allocation is measured on: large enough that one
#: temporary array (400 kB in float32) stands far above Python's own small objects.
ALLOCATION_SIZE = 100_000


def peak_allocation(fn, n: int = ALLOCATION_SIZE, seed: int = CHECK_SEED) -> tuple[int, int]:
    """``(peak, array)``: the most memory ``fn`` held at once beyond what it
    was given, while it took one Adam step on ``n`` float32 parameters (after
    one step to warm up), and the bytes of one such array. Measured with
    ``tracemalloc``, which NumPy reports its arrays to."""
    rng = np.random.default_rng(seed)
    theta, grad = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    m, v, scratch = np.zeros(n, np.float32), np.zeros(n, np.float32), np.empty(n, np.float32)
    t = fn(theta, grad, m, v, 0, 1e-3, 0.9, 0.999, 1e-8, scratch)  # a first call may set up buffers
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn(theta, grad, m, v, t, 1e-3, 0.9, 0.999, 1e-8, scratch)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(peak, 0), theta.nbytes


def allocation_feedback(fn, n: int = ALLOCATION_SIZE) -> str:
    """What a learner reads about the memory their ``adam_step_`` allocates."""
    # as the check does: nothing to stderr (nbgrader zeroes a cell that writes there), no warnings
    try:
        with contextlib.redirect_stderr(sys.stdout), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            peak, array = peak_allocation(fn, n)
    except Exception as error:  # the verdict above already judged the numbers
        return f"Memory: not measured, because on float32 arrays it raised {type(error).__name__}: {error}"
    where = f"on {n:,} float32 parameters ({array / 1e3:.0f} kB per array) it held at most {peak / 1e3:,.1f} kB more while it ran"
    if peak < array / 2:
        return f"✔ Memory: {where}: no temporary array, like the fast path's NumPy engine."
    count = max(1, round(peak / array))
    arrays = "one array" if count == 1 else f"{count} arrays"
    return (
        f"Memory: {where}: {arrays} the size of theta at once. Right numbers, but each temporary is one more "
        f"trip through memory. Write every intermediate result into `scratch` with `out=` (np.multiply(a, b, "
        f"out=scratch)) and update theta, m and v with `*=`, `+=`, `-=`. (What a step allocates is measured here "
        f"in your notebook; the grade judges the numbers and what changed in place.)"
    )
