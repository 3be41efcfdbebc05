"""Lesson 07 (Adam in practice): an AdamW step, a warmup-then-cosine schedule, clipping by global norm.

Each exercise: the reference (the right answer), the cases, and the usual
mistakes as small functions with the sentence that names them. Cases use
float64 and values chosen so the mistakes give visibly different numbers:
large ``lr * weight_decay`` (so decaying before or after the step differs),
a nonzero ``min_lr`` and steps in every phase of the schedule (warmup, its
last step, the cosine, past its end), gradients inside and outside the ball.
"""

from __future__ import annotations

import math

import numpy as np

from adamcourse import optimizers, schedules
from adamcourse.exercises.cases import pos, vec
from adamcourse.exercises.engine import define
from adamcourse.exercises.lesson00 import FLOOR
from adamcourse.exercises.lesson05 import _adam_step, _adam_variant
from adamcourse.exercises.library import LIBRARY_CLASS_OBJECTS, LIBRARY_CLASSES

LESSON = "07_adam_in_practice"

# 07: an AdamW step ---------------------------------------------------------------------------


def _adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    # decoupled: shrink the weights themselves, before the Adam step and with the same lr
    # (as torch.optim.AdamW, keras.optimizers.AdamW and the paper's Algorithm 2)
    theta = theta * (1 - lr * weight_decay)
    return _adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)


def _adamw_cases(rng):
    cases = []
    for t in (0, 1, 4, 0):
        fresh = t == 0
        m = np.zeros(3) if fresh else vec(rng, scale=0.3)
        v = np.zeros(3) if fresh else pos(rng, low=0.01, high=0.5)
        cases.append(
            (
                vec(rng),
                vec(rng),
                m,
                v,
                t,
                float(rng.uniform(0.05, 0.3)),
                float(rng.uniform(0.7, 0.9)),
                float(rng.uniform(0.95, 0.99)),
                float(rng.uniform(0.05, 0.2)),
                float(rng.uniform(0.1, 0.5)),
            )
        )
    return cases


def _adam_then(theta, grad, m, v, t, lr, b1, b2, eps, **variant):
    """Adam's step (with one of lesson 05's slips, if ``variant`` names one)."""
    return (
        _adam_variant(theta, grad, m, v, t, lr, b1, b2, eps, **variant)
        if variant
        else _adam_step(theta, grad, m, v, t, lr, b1, b2, eps)
    )


def _decay_after(th, g, m, v, t, lr, b1, b2, eps, wd):
    theta, m, v, t = _adam_step(th, g, m, v, t, lr, b1, b2, eps)
    return theta * (1 - lr * wd), m, v, t


def _decay_through_v(th, g, m, v, t, lr, b1, b2, eps, wd):
    t = t + 1
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return th - lr * (m_hat + wd * th) / (np.sqrt(v_hat) + eps), m, v, t


def _decay_by_keras_step_size(th, g, m, v, t, lr, b1, b2, eps, wd):
    lr_t = lr * math.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
    return _adam_step(th * (1 - lr_t * wd), g, m, v, t, lr, b1, b2, eps)


_L2 = (
    "that is L2 regularisation, not decoupled weight decay: weight_decay * theta went into the gradient, so it "
    "passes through m and v and is divided by sqrt(v_hat) like the rest. AdamW leaves the gradient alone and "
    "shrinks theta itself."
)

_ADAMW_MISTAKES = [
    (lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_step(th, g + wd * th, m, v, t, lr, b1, b2, eps), _L2),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_step(
            th * (1 - lr * wd), g + wd * th, m, v, t, lr, b1, b2, eps
        ),
        "the weights are decayed twice: once directly (right) and once more as L2 in the gradient. Decoupled decay "
        "leaves the gradient as it is.",
    ),
    (
        _decay_after,
        "the decay is applied after the Adam step: shrink the OLD theta first, then take the step (PyTorch, Keras "
        "and the paper all decay the weights as they were before this update).",
    ),
    (
        _decay_through_v,
        "the decay term is divided by sqrt(v_hat) + eps, as L2's would be: decoupled decay never meets v; it "
        "multiplies theta by (1 - lr * weight_decay).",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_step(th * (1 - wd), g, m, v, t, lr, b1, b2, eps),
        "the decay is not scaled by lr: each step shrinks theta by the fraction lr * weight_decay (so a schedule "
        "that lowers lr lowers the decay too).",
    ),
    (
        _decay_by_keras_step_size,
        "the decay is scaled by the bias-corrected step size lr_t: it uses lr itself, theta * (1 - lr * weight_decay).",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_step(th * (1 + lr * wd), g, m, v, t, lr, b1, b2, eps),
        "the decay has the wrong sign: it should shrink the weights, theta * (1 - lr * weight_decay).",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_step(th - lr * wd, g, m, v, t, lr, b1, b2, eps),
        "the decay must be proportional to theta (a large weight shrinks more): multiply, theta * (1 - lr * "
        "weight_decay), instead of subtracting lr * weight_decay.",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_step(th, g, m, v, t, lr, b1, b2, eps),
        "weight_decay is never used: that is plain Adam. Shrink theta by the factor (1 - lr * weight_decay) before "
        "the step.",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_then(
            th * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps, t_used=lambda t: t
        ),
        "the decay is right, but in the Adam part t was incremented after use: increment t FIRST, then debias with "
        "the new t.",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_then(
            th * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps, debias_m=False, debias_v=False
        ),
        "the decay is right, but the Adam part has no bias correction: divide m by (1 - beta1**t) and v by "
        "(1 - beta2**t) before the step.",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_then(
            th * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps, inside=True
        ),
        "the decay is right, but eps is inside the square root: this exercise follows the paper, which adds eps "
        "after the root of v_hat.",
    ),
    (
        lambda th, g, m, v, t, lr, b1, b2, eps, wd: _adam_then(
            th * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps, t_out=lambda t: t
        ),
        "the step is right, but return the new t (t + 1), or the next step reuses the old count.",
    ),
]


# 07: a warmup-then-cosine schedule ------------------------------------------------------------


def _warmup_cosine(step, peak_lr, warmup_steps, decay_steps, min_lr):
    # step = updates already made (0 on the first), as Keras' optimizer.iterations
    if step < warmup_steps:
        return peak_lr * step / warmup_steps  # a straight line from 0 up to peak_lr
    s = min(step - warmup_steps, decay_steps)  # the cosine counts from the end of the warmup, then stays
    return min_lr + (peak_lr - min_lr) * (1 + math.cos(math.pi * s / decay_steps)) / 2


def _warmup_cosine_cases(rng):
    cases = []
    for _ in range(2):
        peak = float(rng.uniform(0.001, 0.1))
        warmup = int(rng.integers(4, 20))
        decay = int(rng.integers(warmup + 12, 120))
        floor = peak * float(rng.uniform(0.05, 0.3))
        steps = (
            0,
            1,
            warmup // 2,
            warmup - 1,
            warmup,
            warmup + 1,
            warmup + decay // 3,
            warmup + decay - 1,
            warmup + decay + int(rng.integers(3, 40)),
        )
        cases += [(step, peak, warmup, decay, floor) for step in steps]
    return cases


def _schedule(
    step,
    peak,
    warmup,
    decay,
    floor,
    *,
    warm=None,
    shift=0,
    start_at_zero=False,
    total=False,
    clamp=True,
    cos_part=None,
    low=None,
):
    """The warmup-then-cosine schedule with one slip, chosen by keyword."""
    if step < warmup:
        return warm(step, peak, warmup, floor) if warm else peak * step / warmup
    if total:  # decay_steps read as the length of the whole schedule, warmup included
        s = min(step - warmup, decay - warmup) / (decay - warmup)
    else:
        s = step if start_at_zero else step - warmup + shift
        s = (min(s, decay) if clamp else s) / decay
    c = cos_part(s) if cos_part else (1 + math.cos(math.pi * s)) / 2
    return low(peak, floor, c) if low else floor + (peak - floor) * c


_WARMUP_OFF = (
    "the warmup is off by one step: step counts the updates already made (Keras' optimizer.iterations), "
    "so the first update is step 0, with lr 0, and the line reaches peak_lr at step warmup_steps."
)
_COSINE_SHIFT = (
    "the cosine is shifted by one step: at step warmup_steps (the first update after the warmup) the "
    "lr is exactly peak_lr, and the cosine's progress is (step - warmup_steps) / decay_steps."
)

_WARMUP_COSINE_MISTAKES = [
    (lambda *a: _schedule(*a, warm=lambda s, p, w, f: p * (s + 1) / w), _WARMUP_OFF),
    (lambda *a: _schedule(*a, warm=lambda s, p, w, f: p * (s - 1) / w), _WARMUP_OFF),
    (
        lambda *a: _schedule(*a, start_at_zero=True),
        "the cosine is measured from step 0, not from the end of the warmup: its progress is "
        "(step - warmup_steps) / decay_steps, so the decay starts at peak_lr.",
    ),
    (
        lambda *a: _schedule(*a, total=True),
        "decay_steps was read as the length of the whole schedule: like Keras' CosineDecay(warmup_steps=...), it "
        "counts the updates AFTER the warmup, so the cosine runs from step warmup_steps to warmup_steps + decay_steps.",
    ),
    (
        lambda *a: _schedule(*a, clamp=False),
        "after warmup_steps + decay_steps the lr must stay at min_lr: without a limit on the progress, the cosine "
        "climbs back up (use min(step - warmup_steps, decay_steps)).",
    ),
    (lambda *a: _schedule(*a, shift=1), _COSINE_SHIFT),
    (lambda *a: _schedule(*a, shift=-1), _COSINE_SHIFT),
    (
        lambda *a: _schedule(*a, cos_part=lambda s: 1 + math.cos(math.pi * s)),
        "(1 + cos(...)) runs from 2 down to 0: halve it, so the curve starts at peak_lr.",
    ),
    (
        lambda *a: _schedule(*a, cos_part=lambda s: math.cos(math.pi * s)),
        "cos(...) alone runs from 1 down to -1, so the lr would turn negative: use (1 + cos(...)) / 2, which runs "
        "from 1 to 0.",
    ),
    (
        lambda *a: _schedule(*a, cos_part=lambda s: (1 + math.cos(2 * math.pi * s)) / 2),
        "that is a whole cosine wave, back up to peak_lr: the decay is half a wave, cos(pi * progress).",
    ),
    (
        lambda *a: _schedule(*a, low=lambda p, f, c: p * c),
        "min_lr is missing: the curve goes from peak_lr down to min_lr, min_lr + (peak_lr - min_lr) * (1 + cos(...)) / 2.",
    ),
    (
        lambda *a: _schedule(*a, low=lambda p, f, c: f + p * c),
        "min_lr is added on top of the whole curve, so it starts above peak_lr: only the distance peak_lr - min_lr "
        "follows the cosine.",
    ),
    (
        lambda *a: _schedule(*a, warm=lambda s, p, w, f: f + (p - f) * s / w),
        "the warmup starts at min_lr: it climbs from 0 (Keras' initial_learning_rate=0), so the first update has lr 0.",
    ),
    (
        lambda *a: _schedule(*a, warm=lambda s, p, w, f: s / w),
        "the warmup's fraction step / warmup_steps must multiply peak_lr.",
    ),
    (lambda *a: _schedule(*a, warm=lambda s, p, w, f: p * (s // w)), FLOOR),
]


# 07: clipping by global norm ------------------------------------------------------------------


def _clip_by_global_norm(grads, max_norm):
    # one norm over every number of every array, and one scale for all of them
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    scale = min(1.0, max_norm / norm)
    return tuple(g * scale for g in grads)


def _clip_cases(rng):
    def grads(w_scale, b_scale):
        return (rng.normal(scale=w_scale, size=(3, 2)), rng.normal(scale=b_scale, size=2))

    def global_norm(gs):
        return math.sqrt(sum(float(np.sum(g**2)) for g in gs))

    cases = []
    # far outside the ball; just outside it; inside it (comes back unchanged); a spike in W with a small
    # b whose own norm is inside the ball (clipping each array alone would leave b as it is)
    for w_scale, b_scale, ratio in ((2.0, 2.0, 0.25), (1.0, 1.0, 0.8), (0.3, 0.3, 2.5), (20.0, 0.2, 0.1)):
        gs = grads(w_scale, b_scale)
        cases.append((gs, float(global_norm(gs) * ratio * rng.uniform(0.9, 1.1))))
    return cases


def _clip_with(grads, max_norm, *, norm_of=None, scale_of=None):
    every = np.concatenate([np.ravel(g) for g in grads])
    norm = norm_of(grads, every) if norm_of else float(np.sqrt(np.sum(every**2)))
    scale = scale_of(norm, max_norm) if scale_of else min(1.0, max_norm / norm)
    return tuple(g * scale for g in grads)


def _per_array(grads, max_norm):
    return tuple(g * min(1.0, max_norm / float(np.sqrt(np.sum(g**2)))) for g in grads)


_CLIP_MISTAKES = [
    (
        _per_array,
        "each array was clipped by its own norm: that turns the step (the arrays are shortened by different "
        "factors). Global clipping computes ONE norm over all arrays together and scales every array by the same factor.",
    ),
    (
        lambda gs, c: _clip_with(gs, c, scale_of=lambda n, c: c / n),
        "gradients inside the ball were scaled up to max_norm: clipping only ever shortens, scale = min(1, max_norm / "
        "norm).",
    ),
    (
        lambda gs, c: _clip_with(gs, c, scale_of=lambda n, c: max(1.0, c / n)),
        "min and max are swapped: the scale is min(1, max_norm / norm), so long gradients shrink and short ones "
        "stay as they are.",
    ),
    (
        lambda gs, c: _clip_with(gs, c, scale_of=lambda n, c: min(1.0, n / c)),
        "the fraction is upside down: the scale is max_norm / norm (below 1 when the gradient is too long).",
    ),
    (
        lambda gs, c: _clip_with(gs, c, norm_of=lambda gs, e: float(np.sum(e**2))),
        "the square root is missing: the norm is the square ROOT of the sum of all squares.",
    ),
    (
        lambda gs, c: _clip_with(gs, c, norm_of=lambda gs, e: sum(float(np.sqrt(np.sum(g**2))) for g in gs)),
        "the arrays' norms were added up: the global norm is the root of the sum of ALL squares, "
        "sqrt(||g1||**2 + ||g2||**2), not ||g1|| + ||g2||.",
    ),
    (
        lambda gs, c: _clip_with(gs, c, norm_of=lambda gs, e: float(np.sqrt(np.mean(e**2)))),
        "that is the root of the MEAN square: the norm sums the squares (np.sum), it does not average them.",
    ),
    (
        lambda gs, c: _clip_with(gs, c, norm_of=lambda gs, e: float(np.sum(np.abs(e)))),
        "that is the sum of absolute values (the L1 norm): clipping uses the Euclidean norm, the root of the sum "
        "of squares.",
    ),
    (
        lambda gs, c: _clip_with(gs, c, norm_of=lambda gs, e: float(np.sqrt(np.sum(gs[0] ** 2)))),
        "only the first array went into the norm: the global norm covers every array, the bias's too.",
    ),
    (
        lambda gs, c: tuple(np.clip(g, -c, c) for g in gs),
        "that clips each number on its own (np.clip), which turns the step: scale all arrays by one factor, "
        "min(1, max_norm / norm).",
    ),
]


EXERCISES = (
    define(
        "ex07_adamw_step",
        _adamw_step,
        _adamw_cases,
        _ADAMW_MISTAKES,
        points=2,
        returns=("theta", "m", "v", "t"),
        forbidden=LIBRARY_CLASSES,
        forbidden_objects=LIBRARY_CLASS_OBJECTS,
        lesson=LESSON,
    ),
    define(
        "ex07_warmup_cosine",
        _warmup_cosine,
        _warmup_cosine_cases,
        _WARMUP_COSINE_MISTAKES,
        points=2,
        returns=("lr",),
        # the library's schedules and their Keras twins compute this very number
        forbidden=("CosineDecay", "LinearWarmup", "to_keras_schedule", "CourseLinearWarmup"),
        forbidden_objects=(schedules.CosineDecay, schedules.LinearWarmup),
        lesson=LESSON,
    ),
    define(
        "ex07_clip_by_global_norm",
        _clip_by_global_norm,
        _clip_cases,
        _CLIP_MISTAKES,
        points=2,
        returns=("grad_W", "grad_b"),
        # the library's function (and its inner helpers), and the frameworks' own
        forbidden=("clip_by_global_norm", "_clip_leaves", "_global_norm", "clip_grad_norm_"),
        forbidden_objects=(optimizers.clip_by_global_norm,),
        lesson=LESSON,
    ),
)
