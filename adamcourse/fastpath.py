"""The fast path: each optimizer's update done in place, for big arrays.

``opt.step(params, grads, state)`` is the readable reference: it leaves its
inputs alone and returns new arrays. ``opt.step_(params, grads, state)`` (the
trailing underscore means "in place", as in PyTorch's ``p.add_()``)
overwrites ``params`` and the state's arrays and returns the new state::

    state = opt.init(params)
    for batch in batches:
        state = opt.step_(params, gradient(params, batch), state)   # params change

It computes the same numbers as ``step``, bit for bit (the same operations in
the same order; tested for every optimizer, float16/32/64, arrays and dicts).
This module holds the machinery; the optimizers only call it.

Why it is faster. An Adam step reads p, g, m, v and writes p, m, v: 28 bytes
per float32 parameter, the *memory floor*. The reference does one pass over
memory per NumPy operation (about 14 for Adam) and allocates fresh arrays.
Two engines do better, the CPU versions of what PyTorch calls "foreach" and
"fused" optimizers:

* ``engine="numpy"``: the reference's operations, each a NumPy ufunc with
  ``out=``, on blocks of :data:`BLOCK_BYTES` that stay in the CPU cache, with
  two scratch arrays reused from step to step: nothing is allocated, and each
  number comes from memory once per step, but every block still takes ~14
  passes of Python-called ufuncs.
* ``engine="numba"``: one compiled loop per optimizer that computes each
  element's whole update in registers (numba, optional: ``pip install
  numba``; Colab has it). Compiled on first use, about a second per optimizer
  and dtype, then cached on disk. float32 and float64 only.

``engine="auto"`` (the default) takes numba when it is installed, NumPy
otherwise; ``engine="numba"`` insists that numba is installed. Either way an
array numba's loops cannot take goes to the NumPy engine: float16, or params,
grads and state in different memory layouts (C and Fortran order, a strided
view). An optimizer with no kernel here (a subclass that writes its own
``_update``, or a setting the kernel does not know) runs its reference
``_update`` block by block and copies the result into place: still in place
and the same numbers, only slower.

Measured with benchmarks/bench_adam.py (see benchmarks/README.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from adamcourse.optimizers import _all_finite

__all__ = ["ENGINES", "BLOCK_BYTES", "available_engines", "numba_problem"]

#: What ``step_(..., engine=...)`` accepts.
ENGINES = ("auto", "numpy", "numba")

#: Block size of the NumPy engine, per array. Six blocks (p, g, m, v and two
#: scratch arrays) of 256 KiB fit a 2 MiB L2 cache. Measured for Adam on 1e6
#: float32 parameters: 64 KiB blocks 1.3x slower (more Python calls per
#: number), 512 KiB and 1 MiB no faster.
BLOCK_BYTES = 1 << 18


# --- numba, if it is there -------------------------------------------------------------

_numba_module: Any = None
_numba_problem: str | None = None
_numba_tried = False
_compiled: dict[Callable, Callable] = {}


def _numba():
    """The numba module, or None (imported on first use: ``import adamcourse`` stays light)."""
    global _numba_module, _numba_problem, _numba_tried
    if not _numba_tried:
        _numba_tried = True
        try:
            import numba
        except Exception as error:  # not installed, or built for another NumPy: use NumPy
            _numba_problem = f"numba could not be imported ({type(error).__name__}: {error})"
        else:
            _numba_module = numba
    return _numba_module


def numba_problem() -> str | None:
    """Why the numba engine is not available (None when it is)."""
    _numba()
    return _numba_problem


def available_engines() -> tuple[str, ...]:
    """The engines this machine can run: ``("numpy",)`` or ``("numpy", "numba")``."""
    return ("numpy", "numba") if _numba() is not None else ("numpy",)


def _jit(loop: Callable) -> Callable:
    if loop not in _compiled:
        # error_model="numpy": a division by zero gives inf/NaN as NumPy does,
        # instead of a Python exception, whose check per element would stop
        # LLVM from vectorising the loop (measured 8x slower). No fastmath:
        # it would let LLVM reorder and fuse the arithmetic and change the
        # numbers; without it they are NumPy's, bit for bit.
        _compiled[loop] = _numba().njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)(loop)
    return _compiled[loop]


# --- The kernels -----------------------------------------------------------------------
#
# Each optimizer has two: a NumPy one (ufuncs with out=, on blocks) and a loop
# that numba compiles. Both repeat the reference _update's operations in the
# same order, with the hyperparameters rounded to the arrays' dtype exactly as
# NumPy rounds a Python float it multiplies an array by; that is what makes
# the numbers equal to the reference's bit for bit. Multiplication and
# addition are commutative in IEEE arithmetic, so ``lr * g`` may be written
# ``np.multiply(g, lr)``; their order of evaluation is kept.


def _sgd_numpy(opt, t, lr, p, g, slots, a, b):
    np.multiply(g, lr, out=a)  # lr * g
    np.subtract(p, a, out=p)


def _sgd_loop(p, g, lr):
    bad = False
    for i in range(p.size):
        x = p[i]
        x = x - lr * g[i]
        bad |= (x - x) != 0  # x - x is 0 for a finite x, NaN for NaN and +-inf
        p[i] = x
    return bad


def _sgd_args(opt, t, lr, dtype):
    return (dtype.type(lr),)


def _momentum_numpy(opt, t, lr, p, g, slots, a, b):
    (velocity,) = slots
    beta = opt.beta
    np.multiply(velocity, beta, out=velocity)
    if opt.velocity == "step":
        np.multiply(g, lr, out=a)  # velocity = beta * velocity - lr * g
        np.subtract(velocity, a, out=velocity)
        if opt.nesterov:  # step = beta * velocity - lr * g
            np.multiply(velocity, beta, out=b)
            np.subtract(b, a, out=b)
            np.add(p, b, out=p)
        else:
            np.add(p, velocity, out=p)
    else:
        np.add(velocity, g, out=velocity)  # velocity = beta * velocity + g
        if opt.nesterov:  # direction = g + beta * velocity
            np.multiply(velocity, beta, out=a)
            np.add(g, a, out=a)
            np.multiply(a, lr, out=a)
        else:
            np.multiply(velocity, lr, out=a)
        np.subtract(p, a, out=p)  # p - lr * direction


def _momentum_loop(p, g, velocity, step_form, nesterov, lr, beta):
    bad = False
    for i in range(p.size):
        x = p[i]
        gi = g[i]
        if step_form:
            u = beta * velocity[i] - lr * gi
            velocity[i] = u
            x = x + (beta * u - lr * gi if nesterov else u)
        else:
            u = beta * velocity[i] + gi
            velocity[i] = u
            x = x - lr * (gi + beta * u if nesterov else u)
        bad |= (x - x) != 0  # x - x is 0 for a finite x, NaN for NaN and +-inf
        p[i] = x
    return bad


def _momentum_args(opt, t, lr, dtype):
    return (opt.velocity == "step", opt.nesterov, dtype.type(lr), dtype.type(opt.beta))


def _adaptive_numpy(opt, t, lr, p, g, slots, a, b):
    """AdaGrad (a sum of squared gradients) and RMSProp (a moving average of them)."""
    (v,) = slots
    np.multiply(g, g, out=a)
    if hasattr(opt, "beta"):  # RMSProp: v = beta * v + (1 - beta) * g**2
        np.multiply(a, 1 - opt.beta, out=a)
        np.multiply(v, opt.beta, out=v)
    np.add(v, a, out=v)  # AdaGrad: v = v + g**2
    if opt.eps_inside_sqrt:
        np.add(v, opt.eps, out=a)
        np.sqrt(a, out=a)
    else:
        np.sqrt(v, out=a)
        np.add(a, opt.eps, out=a)
    np.multiply(g, lr, out=b)  # lr * g / denom
    np.divide(b, a, out=b)
    np.subtract(p, b, out=p)


def _adaptive_loop(p, g, v, average, inside, lr, beta, one_minus_beta, eps):
    bad = False
    for i in range(p.size):
        x = p[i]
        gi = g[i]
        vi = beta * v[i] + one_minus_beta * (gi * gi) if average else v[i] + gi * gi
        v[i] = vi
        denom = np.sqrt(vi + eps) if inside else np.sqrt(vi) + eps
        x = x - lr * gi / denom
        bad |= (x - x) != 0  # x - x is 0 for a finite x, NaN for NaN and +-inf
        p[i] = x
    return bad


def _adaptive_args(opt, t, lr, dtype):
    beta = getattr(opt, "beta", 0.0)
    f = dtype.type
    return (hasattr(opt, "beta"), opt.eps_inside_sqrt, f(lr), f(beta), f(1 - beta), f(opt.eps))


# How the Adam step is finished (see Adam._update) and AdamW's decay.
_PAPER, _EPS_HAT, _NO_CORRECTION = 0, 1, 2
_NO_DECAY, _KERAS_DECAY, _TORCH_DECAY = 0, 1, 2


def _adam_form(opt) -> int:
    if opt.eps_hat:
        return _EPS_HAT
    return _PAPER if getattr(opt, "bias_correction", True) else _NO_CORRECTION


def _decay_form(opt) -> int:
    if not hasattr(opt, "weight_decay"):  # AdamW decays even with weight_decay=0, as its _update does
        return _NO_DECAY
    return _KERAS_DECAY if opt.eps_hat else _TORCH_DECAY


def _eps_hat_lr(opt, t, lr, dtype):
    # As Adam._update computes it: in the parameters' own precision.
    one, lr, beta1, beta2 = (dtype.type(x) for x in (1, lr, opt.beta1, opt.beta2))
    return lr * np.sqrt(one - beta2**t) / (one - beta1**t)


def _adam_numpy(opt, t, lr, p, g, slots, a, b):
    m, v = slots[0], slots[1]
    decay = _decay_form(opt)
    if decay == _KERAS_DECAY:  # p = p - p * weight_decay * lr
        np.multiply(p, opt.weight_decay, out=a)
        np.multiply(a, lr, out=a)
        np.subtract(p, a, out=p)
    elif decay == _TORCH_DECAY:  # p = p * (1 - lr * weight_decay)
        np.multiply(p, 1 - lr * opt.weight_decay, out=p)
    np.multiply(m, opt.beta1, out=m)  # m = beta1 * m + (1 - beta1) * g
    np.multiply(g, 1 - opt.beta1, out=a)
    np.add(m, a, out=m)
    np.multiply(g, g, out=a)  # v = beta2 * v + (1 - beta2) * g**2
    np.multiply(a, 1 - opt.beta2, out=a)
    np.multiply(v, opt.beta2, out=v)
    np.add(v, a, out=v)
    v_used = v
    if opt.amsgrad:
        np.maximum(slots[2], v, out=slots[2])
        v_used = slots[2]
    form = _adam_form(opt)
    if form == _PAPER:  # lr * m_hat / (sqrt(v_hat) + eps)
        np.divide(v_used, 1 - opt.beta2**t, out=a)
        np.sqrt(a, out=a)
        np.add(a, opt.eps, out=a)
        np.divide(m, 1 - opt.beta1**t, out=b)
        np.multiply(b, lr, out=b)
    else:  # lr_t * m / (sqrt(v) + eps), or lr * m / (...) without bias correction
        np.sqrt(v_used, out=a)
        np.add(a, opt.eps, out=a)
        np.multiply(m, _eps_hat_lr(opt, t, lr, p.dtype) if form == _EPS_HAT else lr, out=b)
    np.divide(b, a, out=b)
    np.subtract(p, b, out=p)


def _adam_loop(
    p,
    g,
    m,
    v,
    v_max,
    amsgrad,
    form,
    decay,
    lr,
    lr_t,
    beta1,
    one_minus_beta1,
    beta2,
    one_minus_beta2,
    correction1,
    correction2,
    eps,
    weight_decay,
    decay_factor,
):
    bad = False
    for i in range(p.size):
        x = p[i]
        if decay == 1:
            x = x - x * weight_decay * lr
        elif decay == 2:
            x = x * decay_factor
        gi = g[i]
        mi = beta1 * m[i] + one_minus_beta1 * gi
        vi = beta2 * v[i] + one_minus_beta2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = np.maximum(v_max[i], vi)
            v_max[i] = vi
        if form == 0:
            x = x - lr * (mi / correction1) / (np.sqrt(vi / correction2) + eps)
        elif form == 1:
            x = x - lr_t * mi / (np.sqrt(vi) + eps)
        else:
            x = x - lr * mi / (np.sqrt(vi) + eps)
        bad |= (x - x) != 0  # x - x is 0 for a finite x, NaN for NaN and +-inf
        p[i] = x
    return bad


def _adam_args(opt, t, lr, dtype):
    f = dtype.type
    wd = getattr(opt, "weight_decay", 0.0)
    return (
        opt.amsgrad,
        _adam_form(opt),
        _decay_form(opt),
        f(lr),
        f(_eps_hat_lr(opt, t, lr, dtype)),
        f(opt.beta1),
        f(1 - opt.beta1),
        f(opt.beta2),
        f(1 - opt.beta2),
        f(1 - opt.beta1**t),
        f(1 - opt.beta2**t),
        f(opt.eps),
        f(wd),
        f(1 - lr * wd),
    )


@dataclass(frozen=True)
class _Kernel:
    numpy: Callable  # (opt, t, lr, p, g, slots, scratch_a, scratch_b) -> None, in place
    loop: Callable  # (p, g, *slots, *args) -> whether the new params hold NaN or Inf
    args: Callable  # (opt, t, lr, dtype) -> the loop's scalar arguments
    settings: frozenset  # the optimizer fields the kernels know; any other set -> the generic path


_SHARED = {"lr", "l2", "global_clipnorm"}  # l2 and clipping change g before any kernel runs
_KERNELS: dict[Callable, _Kernel] = {}


def _register():
    from adamcourse import optimizers as o

    adam = _Kernel(
        _adam_numpy,
        _adam_loop,
        _adam_args,
        frozenset(_SHARED | {"beta1", "beta2", "eps", "amsgrad", "eps_hat", "bias_correction", "weight_decay"}),
    )
    adaptive = _SHARED | {"eps", "eps_inside_sqrt"}
    _KERNELS.update(
        {
            o.SGD._update: _Kernel(_sgd_numpy, _sgd_loop, _sgd_args, frozenset(_SHARED)),
            o.Momentum._update: _Kernel(
                _momentum_numpy, _momentum_loop, _momentum_args, frozenset(_SHARED | {"beta", "nesterov", "velocity"})
            ),
            o.AdaGrad._update: _Kernel(
                _adaptive_numpy, _adaptive_loop, _adaptive_args, frozenset(adaptive | {"initial_accumulator"})
            ),
            o.RMSProp._update: _Kernel(_adaptive_numpy, _adaptive_loop, _adaptive_args, frozenset(adaptive | {"beta"})),
            o.Adam._update: adam,
            o.AdamW._update: adam,
        }
    )


def _kernel(opt) -> _Kernel | None:
    """The kernel that repeats ``opt``'s update rule, or None.

    Found by the ``_update`` function itself, so a subclass that only renames
    or relabels Adam still gets Adam's kernel, and one that writes its own
    rule gets none. A field the kernel does not know (an option added to an
    optimizer later) sends the optimizer to the generic path unless it is at
    its default.
    """
    if not _KERNELS:
        _register()
    kernel = _KERNELS.get(type(opt)._update)
    if kernel is None:
        return None
    for f in fields(opt):
        if f.name not in kernel.settings and getattr(opt, f.name) != f.default:
            return None
    return kernel


# --- Running them ----------------------------------------------------------------------

_local = threading.local()  # scratch arrays per thread: two threads may step two models


def _scratch(dtype: np.dtype, n: int) -> tuple[np.ndarray, np.ndarray]:
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    pair = buffers.get(dtype)
    if pair is None or pair[0].size < n:
        pair = buffers[dtype] = (np.empty(n, dtype), np.empty(n, dtype))
    return pair[0][:n], pair[1][:n]


def _flat(arrays: list[np.ndarray]) -> list[np.ndarray] | None:
    """1-D views of the arrays in one element order, or None if their layouts differ."""
    if all(a.flags.c_contiguous for a in arrays):
        return [a.reshape(-1) for a in arrays]
    if all(a.flags.f_contiguous for a in arrays):
        return [a.T.reshape(-1) for a in arrays]
    return None


def update_(opt, key, p, g, t: int, lr: float, slots: list[np.ndarray], engine: str) -> bool:
    """Overwrite ``p`` and ``slots`` with update ``t``; True if the new ``p`` holds NaN or Inf."""
    kernel = _kernel(opt)
    flat = _flat([p, g, *slots])
    if engine == "numba" and _numba() is None:
        raise ValueError(
            f"{opt._owner}.step_(engine='numba'): {_numba_problem}; install it (pip install numba) or use engine='auto'."
        )
    if engine != "numpy" and _numba_can_run(kernel, flat, p.dtype):
        loop = _jit(kernel.loop)
        p1, g1, *slots1 = flat
        if kernel.loop is _adam_loop and len(slots1) == 2:
            slots1.append(p1[:0])  # no v_max without amsgrad: an empty stand-in keeps one compiled signature
        return bool(loop(p1, g1, *slots1, *kernel.args(opt, t, lr, p.dtype)))
    if flat is None:  # layouts differ: whole arrays, with temporaries
        _generic_or_numpy(opt, kernel, t, lr, p, g, slots, None)
        return not _all_finite(p)
    p1, g1, *slots1 = flat
    block = max(1, BLOCK_BYTES // p.dtype.itemsize)
    scratch = _scratch(p.dtype, min(block, p1.size)) if kernel is not None else None
    non_finite = False
    for start in range(0, p1.size, block):
        part = slice(start, start + block)
        p_b = p1[part]
        sized = None if scratch is None else tuple(s[: p_b.size] for s in scratch)
        _generic_or_numpy(opt, kernel, t, lr, p_b, g1[part], [s[part] for s in slots1], sized)
        non_finite = non_finite or not _all_finite(p_b)  # checked while the block is in the cache
    return non_finite


def _generic_or_numpy(opt, kernel, t, lr, p, g, slots, scratch):
    if kernel is not None:
        a, b = scratch if scratch is not None else (np.empty_like(p), np.empty_like(p))
        kernel.numpy(opt, t, lr, p, g, slots, a, b)
        return
    # No kernel: the reference rule on this block, copied into place.
    results = opt._update(p, g, t, *slots)
    for target, value in zip([p, *slots], results):
        target[...] = value


def _numba_can_run(kernel, flat, dtype) -> bool:
    """numba's loops take float32 and float64 arrays that share one memory layout, for a known rule."""
    return (
        kernel is not None
        and dtype in (np.float32, np.float64)
        and dtype.isnative
        and flat is not None
        and _numba() is not None
    )
