"""The judging engine: one routine decides every exercise's verdict, wherever it runs.

A learner's function is judged from what was *observed* when it was called on
each test case: what it returned or raised, and what its arguments looked like
afterwards (an :class:`Observation`). The notebook's check observes the calls in
the learner's own kernel; the grader observes them in a sandboxed kernel and
ships the observations back as plain data. Both then call :func:`judge_calls`,
so the same observations always get the same verdict, the same words and the
same points, in the notebook, in ``adamcourse grade``, under nbgrader and on
Gradescope.

The verdict names a mistake only when that mistake explains the learner's
answer on *every* case, and then shows a case that tells it apart from the
right answer and from the other known mistakes. Points follow one rule
(:data:`MISTAKE_CREDIT`): right on every case, full points; a named mistake
(the idea is there, one slip), half; anything else, nothing.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import itertools
import os
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CHECK_SEED",
    "MISTAKE_CREDIT",
    "Mistake",
    "Exercise",
    "Observation",
    "Verdict",
    "observe",
    "judge_calls",
    "run_check",
    "check",
    "feedback",
    "forbidden_use",
    "forbidden_in_source",
    "call_text",
]

# The notebook's checks always use the same cases, so feedback is reproducible.
CHECK_SEED = 2015

# The share of an exercise's points for an answer that one named mistake explains.
MISTAKE_CREDIT = 0.5

# Two float64 results agree to this tolerance; an answer computed in float32
# (as Keras computes) agrees to the looser one.
_RTOL, _ATOL = 1e-6, 1e-9
_RTOL32, _ATOL32 = 2e-5, 1e-6

# Names a learner's code must never reach for, whatever the exercise: they
# hold the course's own answers.
_ALWAYS_FORBIDDEN = frozenset({"reference", "EXERCISES"})


class Mistake(NamedTuple):
    """A usual wrong version of an exercise: a function with the reference's
    signature that makes the mistake, and the sentence that names it."""

    wrong: Callable
    why: str

    @property
    def label(self) -> str:
        """A short name for tables: the sentence up to its first colon or full stop."""
        head = self.why.split(":")[0].split(". ")[0].rstrip(".")
        return head if len(head) <= 70 else head[:67] + "..."


@dataclass(frozen=True)
class Observation:
    """What one call of the learner's function did.

    ``returned`` is the value (``None`` when it raised); ``raised`` is
    ``"TypeError: ..."`` when it raised; ``not_implemented`` marks the student
    copy's stub; ``args_after`` holds the arguments as they were after the
    call, to notice changes made in place.
    """

    returned: Any = None
    raised: str | None = None
    not_implemented: bool = False
    args_after: tuple | None = None


@dataclass(frozen=True)
class Verdict:
    """How one exercise went.

    Attributes
    ----------
    passed : bool
        Right on every case.
    message : str
        What the learner reads: why, and one telling case.
    outcome : str
        ``"right"``, ``"mistake"`` (a named one), ``"wrong"``, ``"not attempted"``,
        ``"error"`` (it raised), ``"changed inputs"``, ``"forbidden"`` (it calls the
        library's answer), ``"missing"`` or ``"failed"`` (did not run).
    mistake : str or None
        The named mistake's short label, for the class report.
    share : float
        The share of the exercise's points this earns (see :data:`MISTAKE_CREDIT`).
    """

    passed: bool
    message: str
    outcome: str = ""
    mistake: str | None = None
    share: float | None = None

    def __post_init__(self):
        if not self.outcome:
            object.__setattr__(self, "outcome", "right" if self.passed else "wrong")
        if self.share is None:
            object.__setattr__(self, "share", 1.0 if self.passed else 0.0)


@dataclass(frozen=True)
class Exercise:
    """One exercise: what the learner writes and how it is judged.

    Attributes
    ----------
    grade_id : str
        The nbgrader ``grade_id`` of the solution cell (``"ex02_momentum_step"``);
        its check cell is ``grade_id + "_check"``.
    function_name : str
        The function the learner defines.
    points : int
        Points for the check cell.
    reference : callable
        A correct implementation with the same signature.
    make_cases : callable
        ``make_cases(rng) -> list[tuple]``: fresh argument tuples.
    returns : tuple of str
        The names of the returned values (one name: a single value).
    mistakes : tuple of Mistake
        The usual wrong versions, in the order they are preferred when several
        explain an answer.
    forbidden : tuple of str
        Library names the learner must not call (the point is to write them).
    forbidden_objects : tuple
        The objects behind those names, to find renamed imports.
    lesson : str
        The notebook the exercise lives in (``"02_momentum"``).
    judge_one : callable, optional
        ``judge_one(args, got) -> Verdict`` for an exercise that is not a
        comparison with the reference (the finale's tuning task).
    mutates : tuple of str
        Array arguments an in-place exercise overwrites on purpose (lesson
        08's ``adam_step_``): changing them is not a mistake, and their values
        after the call are judged like returned values, after those.
    scratch : tuple of str
        Array arguments the function may use as working space: changing them
        is not a mistake, and what they hold afterwards is not judged.
    """

    grade_id: str
    function_name: str
    points: int
    reference: Callable
    make_cases: Callable[[np.random.Generator], list]
    returns: tuple = ("result",)
    mistakes: tuple = field(default=(), repr=False)
    forbidden: tuple = ()
    forbidden_objects: tuple = field(default=(), repr=False)
    lesson: str = ""
    judge_one: Callable | None = field(default=None, repr=False)
    mutates: tuple = ()
    scratch: tuple = ()

    @property
    def params(self) -> list[str]:
        return list(inspect.signature(self.reference).parameters)

    def cases(self, seed: int | np.random.Generator = CHECK_SEED) -> list[tuple]:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return [tuple(args) for args in self.make_cases(rng)]

    def judge(self, args: tuple, got: Any) -> Verdict:
        """Judge one returned value on one case (the engine's routine on a single call)."""
        return judge_calls(self, [tuple(args)], [Observation(returned=got)])


# --- Words ----------------------------------------------------------------------------


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


def call_text(exercise: Exercise, args: tuple) -> str:
    """``adam_step(theta=[...], grad=[...], ...)``: a case as the learner would write it."""
    return f"{exercise.function_name}(" + ", ".join(f"{p}={_fmt(a)}" for p, a in zip(exercise.params, args)) + ")"


def _named(returns: tuple, values) -> str:
    if len(returns) == 1:
        return _fmt(values)
    return "(" + ", ".join(f"{n}={_fmt(v)}" for n, v in zip(returns, values)) + ")"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _listing(names: Sequence[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- Comparing numbers -----------------------------------------------------------------


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
        try:
            array = np.asarray(part)
            numbers = array.astype(float) if array.dtype.kind in "biuf" else None
        except (TypeError, ValueError):
            numbers = None
        if numbers is None:
            return None, f"`{name}` should be a number or a NumPy array, but it is a {type(part).__name__}."
        arrays.append(numbers)
    return arrays, None


def _low_precision(got, returns: tuple) -> bool:
    """Whether the learner's arrays are float32 or float16 (as Keras computes)."""
    parts = got if len(returns) > 1 and isinstance(got, (tuple, list)) else [got]
    return any(getattr(p, "dtype", None) in (np.float32, np.float16) for p in parts)


def _close(a: list, b: list, loose: bool = False) -> bool:
    if len(a) != len(b):
        return False
    rtol, atol = (_RTOL32, _ATOL32) if loose else (_RTOL, _ATOL)
    for x, y in zip(a, b):
        if np.shape(x) != np.shape(y):
            return False
        with np.errstate(invalid="ignore", over="ignore"):
            if not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
                return False
    return True


def _as_parts(value, returns: tuple) -> list:
    parts = list(value) if len(returns) > 1 else [value]
    return [np.asarray(p, dtype=float) for p in parts]


def _quiet(fn, args):
    with np.errstate(all="ignore"):
        return fn(*args)


def _changed(exercise: Exercise, before: tuple, after) -> list[str]:
    """The names of array arguments the call changed in place."""
    if not isinstance(after, tuple) or len(after) != len(before):
        return []
    return [
        name
        for name, a, b in zip(exercise.params, before, after)
        if name not in exercise.mutates + exercise.scratch and _differs(a, b)
    ]


def _differs(a, b) -> bool:
    """Whether an array, or an array inside a tuple, list or dict (a model's
    gradients), was changed by the call."""
    if isinstance(a, np.ndarray):
        if not isinstance(b, np.ndarray) or a.shape != b.shape:
            return True
        # a value nudged and put back may differ in the last bit: that is not a change
        return not np.allclose(a, b, rtol=1e-12, atol=1e-15, equal_nan=True)
    if isinstance(a, (tuple, list)):
        return not isinstance(b, (tuple, list)) or len(a) != len(b) or any(_differs(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return not isinstance(b, dict) or a.keys() != b.keys() or any(_differs(a[k], b[k]) for k in a)
    return False


def _difference(name: str, got: np.ndarray, want: np.ndarray) -> str:
    """Where ``got`` differs most from ``want``, in words."""
    with np.errstate(all="ignore"):
        gap = np.abs(got - want)
        gap = np.where(np.isnan(gap), np.inf, gap)
    if got.ndim == 0:
        return (
            f"`{name}` is the first returned value that differs: yours is {_fmt(got.item())}, "
            f"the reference's {_fmt(want.item())}."
        )
    index = np.unravel_index(int(np.argmax(gap)), gap.shape)
    where = index[0] if len(index) == 1 else index
    return (
        f"`{name}` is the first returned value that differs, most at index {where}: "
        f"yours is {_fmt(got[index])}, the reference's {_fmt(want[index])}."
    )


# --- The one routine ----------------------------------------------------------------------


def judge_calls(
    exercise: Exercise, cases: Sequence[tuple], observations: Sequence[Observation], *, flagged: Sequence[str] = ()
) -> Verdict:
    """The verdict on an exercise from what its calls did.

    Parameters
    ----------
    exercise : Exercise
    cases : list of tuple
        The arguments, as they were before each call.
    observations : list of Observation
        What each call did, in the same order (fewer when a call raised and
        the rest were not made).
    flagged : list of str
        Library names the learner's code uses instead of writing the exercise
        (found by :func:`forbidden_use` or :func:`forbidden_in_source`).
    """
    name = exercise.function_name
    if flagged:
        return Verdict(False, _forbidden_message(exercise, flagged), "forbidden")
    if not observations:
        return Verdict(False, f"`{name}` was not called: the grader could not run it.", "failed")
    if any(seen.not_implemented for seen in observations):
        return Verdict(
            False,
            f"`{name}` is not attempted yet: replace `raise NotImplementedError(...)` with your code.",
            "not attempted",
        )
    if len(observations) < len(cases):
        return Verdict(False, f"`{name}` stopped before every test case ran.", "failed")
    for args, seen in zip(cases, observations):
        changed = [] if seen.raised is not None else _changed(exercise, args, seen.args_after)
        if changed:
            return Verdict(False, _changed_message(exercise, changed, args), "changed inputs")
    if exercise.mutates:
        exercise, observations = _in_place(exercise, observations)
    raising = [i for i, seen in enumerate(observations) if seen.raised is not None]
    if raising:
        i = raising[0]
        raised = observations[i].raised
        if raised.startswith("MemoryError"):
            raised = "MemoryError: it ran out of memory (an array far larger than the inputs?)"
        said = f"`{name}` raised {raised}\nOn this call:\n  {call_text(exercise, tuple(cases[i]))}"
        mistake = None if exercise.judge_one else _explaining_mistake(exercise, cases, observations)
        if mistake is not None:
            return Verdict(False, f"Likely mistake: {mistake.why}\n{said}", "mistake", mistake.label, MISTAKE_CREDIT)
        return Verdict(False, said, "error")
    if exercise.judge_one is not None:
        for args, seen in zip(cases, observations):
            verdict = exercise.judge_one(args, seen.returned)
            if not verdict.passed:
                return verdict
        return verdict
    return _compare(exercise, [tuple(a) for a in cases], [o.returned for o in observations])


def _compare(exercise: Exercise, cases: list, returned: list) -> Verdict:
    returns = exercise.returns
    raw_wants = [_quiet(exercise.reference, args) for args in cases]
    wants = [_as_parts(w, returns) for w in raw_wants]

    def case_text(args, got_value, want_parts) -> str:
        want = raw_wants[next(k for k, w in enumerate(wants) if w is want_parts)]
        return (
            f"One failing case:\n  {call_text(exercise, args)}\n  expected:     {_named(returns, want)}\n"
            f"  you returned: {_named(returns, got_value) if got_value is not None else 'None'}"
        )

    gots = []
    for args, got, want in zip(cases, returned, wants):
        parts, problem = _split(got, returns)
        if problem:
            text = case_text(args, None, want).replace("you returned: None", f"you returned: {_fmt(got)}")
            return Verdict(False, f"{problem}\n{text}")
        gots.append(parts)

    right = [_close(g, w) for g, w in zip(gots, wants)]
    n = _plural(len(cases), "test case")
    if all(right):
        return Verdict(
            True, f"`{exercise.function_name}` matches the reference on {'all ' if len(cases) > 1 else ''}{n}."
        )
    if all(_close(g, w, loose=True) for g, w in zip(gots, wants)) and any(_low_precision(r, returns) for r in returned):
        return Verdict(
            True,
            f"`{exercise.function_name}` is right to float32 rounding on {'all ' if len(cases) > 1 else ''}{n}: "
            f"you computed in float32 (as Keras does), the reference in float64, so the last digits differ.",
        )
    failing = [i for i, ok in enumerate(right) if not ok]

    if len(returns) > 1:
        for order in itertools.permutations(range(len(returns))):
            if list(order) != sorted(order) and all(_close([g[i] for i in order], w) for g, w in zip(gots, wants)):
                i = failing[0]
                return Verdict(
                    False,
                    f"Likely mistake: the values are right but in the wrong order: return "
                    f"({', '.join(returns)}).\n{case_text(cases[i], returned[i], wants[i])}",
                    "mistake",
                    "values returned in the wrong order",
                    MISTAKE_CREDIT,
                )

    # A mistake is named only when it explains the answer on every case.
    outputs = {}
    for mistake in exercise.mistakes:
        try:
            outputs[mistake] = [_mistake_output(mistake, args, want, returns) for args, want in zip(cases, wants)]
        except Exception:
            continue
    explaining = [
        m for m, outs in outputs.items() if all(_close(g, o) for g, o in zip(gots, outs)) and _tells(outs, failing)
    ]
    if explaining:
        chosen = explaining[0]
        others = [outs for m, outs in outputs.items() if m not in explaining]

        # show the case that tells this mistake apart from the most other mistakes
        def telling(i):
            return sum(not _close(gots[i], outs[i]) for outs in others)

        i = max(failing, key=telling)
        return Verdict(
            False,
            f"Likely mistake: {chosen.why}\n{case_text(cases[i], returned[i], wants[i])}",
            "mistake",
            chosen.label,
            MISTAKE_CREDIT,
        )

    for args, got, parts, want in zip(cases, returned, gots, wants):
        for part_name, g, w in zip(returns, parts, want):
            if g.shape != w.shape and w.shape == ():
                return Verdict(
                    False,
                    f"`{part_name}` should be a single number, but it is an array of shape {g.shape}: "
                    f"did you forget to average it (np.mean)?\n{case_text(args, got, want)}",
                )
            if g.shape != w.shape:
                return Verdict(
                    False,
                    f"`{part_name}` has shape {g.shape}, but the expected shape is {w.shape}.\n"
                    f"{case_text(args, got, want)}",
                )
    i = max(failing, key=lambda k: _gap(gots[k], wants[k]))  # the case where the answer is furthest off
    if not all(np.all(np.isfinite(g)) for g in gots[i]) and all(np.all(np.isfinite(w)) for w in wants[i]):
        return Verdict(
            False,
            "Your result contains NaN or inf where the reference is finite: look for a division "
            f"by zero.\n{case_text(cases[i], returned[i], wants[i])}",
        )
    first = next(k for k, (g, w) in enumerate(zip(gots[i], wants[i])) if not _close([g], [w]))
    detail = _difference(returns[first], gots[i][first], wants[i][first])
    wrong_on = f"on {len(failing)} of the {len(cases)} test cases" if len(cases) > 1 else "on the test case"
    return Verdict(
        False,
        f"The result differs from the reference {wrong_on}, and not in one of the usual ways: "
        f"compare your lines with the equations above. {detail}\n"
        f"{case_text(cases[i], returned[i], wants[i])}",
    )


def _gap(got: list, want: list) -> float:
    """How far an answer is from the reference, relative to the reference's size (inf: not finite)."""
    with np.errstate(all="ignore"):
        gaps = [np.max(np.abs(g - w) / (np.abs(w) + 1e-12)) if g.size else 0.0 for g, w in zip(got, want)]
    finite = [x for x in gaps if np.isfinite(x)]
    return float("inf") if len(finite) < len(gaps) else max(finite, default=0.0)


def _mistake_output(mistake: Mistake, args: tuple, want: list, returns: tuple) -> list:
    """What a wrong version returns on a case; a division by zero in plain Python
    (``math``, floats) stands for the NaN or inf NumPy would give."""
    try:
        return _as_parts(_quiet(mistake.wrong, args), returns)
    except ZeroDivisionError:
        return [np.full(np.shape(w), np.nan) for w in want]


def _tells(outputs: list, failing: list) -> bool:
    """Whether a mistake's output says something on the failing cases: one
    that is all NaN or inf there would match every broken answer alike."""
    return any(all(np.any(np.isfinite(part)) for part in outputs[i]) for i in failing)


def _explaining_mistake(exercise: Exercise, cases: Sequence[tuple], observations: Sequence[Observation]):
    """The first known mistake that raises the same error where the learner's
    function raised, and returns the same values everywhere else."""
    for mistake in exercise.mistakes:
        fits = True
        for args, seen in zip(cases, observations):
            try:
                value = _quiet(mistake.wrong, tuple(args))
            except Exception as error:
                # the same error with the same words, not just the same type
                fits = seen.raised is not None and seen.raised == f"{type(error).__name__}: {str(error)[:500]}"
            else:
                if seen.raised is not None:  # a ZeroDivisionError where NumPy would give NaN or inf
                    parts = _as_parts(value, exercise.returns)
                    fits = seen.raised.startswith("ZeroDivisionError") and not all(
                        np.all(np.isfinite(p)) for p in parts
                    )
                else:
                    got, _ = _split(seen.returned, exercise.returns)
                    fits = got is not None and _close(got, _as_parts(value, exercise.returns))
            if not fits:
                break
        if fits:
            return mistake
    return None


def _in_place(exercise: Exercise, observations: Sequence[Observation]) -> tuple[Exercise, list]:
    """An in-place exercise judged as one that returns its results: the
    arguments in ``mutates``, as the call left them, follow the returned
    values. The reference and the mistakes run on copies of each case, so
    judging never changes a case. Calls seen without their arguments
    afterwards (:meth:`Exercise.judge`) are judged on what they returned."""
    import dataclasses
    import functools

    seen_after = all(o.args_after is not None for o in observations if o.raised is None and not o.not_implemented)
    index = [exercise.params.index(name) for name in exercise.mutates] if seen_after else []
    k = len(exercise.returns)

    def results(returned, after):
        return returned if not index else (*([returned] if k == 1 else returned), *(after[i] for i in index))

    def on_copies(fn):
        @functools.wraps(fn)
        def call(*args):
            given = copy.deepcopy(tuple(args))
            return results(fn(*given), given)

        return call

    def widened(seen):
        shaped = k == 1 or (isinstance(seen.returned, (tuple, list)) and len(seen.returned) == k)
        if seen.raised is not None or seen.not_implemented or seen.returned is None or not shaped:
            return seen  # judged as it is: "it returned None", "it should return 2 values"...
        return dataclasses.replace(seen, returned=results(seen.returned, seen.args_after))

    judged = dataclasses.replace(
        exercise,
        reference=on_copies(exercise.reference),
        returns=exercise.returns + tuple(exercise.params[i] for i in index),
        mistakes=tuple(Mistake(on_copies(m.wrong), m.why) for m in exercise.mistakes),
    )
    return judged, [widened(seen) for seen in observations]


def _changed_message(exercise: Exercise, changed: list[str], args: tuple) -> str:
    which, first = _listing(changed), changed[0]
    inputs = "input" if len(changed) == 1 else "inputs"
    if exercise.mutates:
        return (
            f"`{exercise.function_name}` changed its {inputs} {which} in place, but only "
            f"{_listing([*exercise.mutates, *exercise.scratch])} are for it to overwrite: the caller still needs "
            f"{which} as {'it was' if len(changed) == 1 else 'they were'}."
            f"\nOn this call:\n  {call_text(exercise, args)}"
        )
    return (
        f"`{exercise.function_name}` changed its {inputs} {which} in place (for example with `-=`, `+=` or "
        f"`x[i] = ...`). The caller still needs {'it' if len(changed) == 1 else 'them'} as before: build a new "
        f"array instead (`{first} = {first} - ...` makes one), or work on a copy (`{first} = {first}.copy()`)."
        f"\nOn this call:\n  {call_text(exercise, args)}"
    )


# --- Observing calls ----------------------------------------------------------------------


def observe(fn: Callable, cases: Sequence[tuple]) -> list[Observation]:
    """Call ``fn`` on a copy of each case and record what it did. Never raises
    because of ``fn`` (``SystemExit`` included); only an interrupt (the stop
    button, a grader's time limit) ends it. Stops at the stub's
    ``NotImplementedError``."""
    seen = []
    for args in cases:
        given = copy.deepcopy(tuple(args))
        try:
            with np.errstate(all="ignore"):
                got = fn(*given)
        except NotImplementedError:
            seen.append(Observation(not_implemented=True))
            break
        except (Exception, SystemExit) as error:  # the learner's bug, reported, never re-raised
            seen.append(Observation(raised=f"{type(error).__name__}: {str(error)[:500]}"))
            continue
        seen.append(Observation(returned=got, args_after=given))
    return seen


# --- Finding calls to the library ------------------------------------------------------


def _code_names(code: types.CodeType) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _forbidden_message(exercise: Exercise, names: Sequence[str]) -> str:
    return (
        f"`{exercise.function_name}` uses {_listing(list(dict.fromkeys(names)))} from the course library, so it "
        f"returns the course's own answer. That is a fine way to get the numbers, but this exercise is about "
        f"writing the math yourself: please use NumPy operations instead."
    )


def forbidden_use(exercise: Exercise, fn: Callable) -> list[str]:
    """The library names ``fn`` reaches for instead of writing the exercise
    (``Adam``, ``ema``... or the exercise's reference); empty when none.

    It reads the names in the function's compiled code (and in functions it
    defines inside) and looks at what they refer to, so a renamed import
    (``from adamcourse import ema as average``) is found too.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    banned_objects = [exercise.reference, *exercise.forbidden_objects]
    banned_names = set(exercise.forbidden) | _ALWAYS_FORBIDDEN
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
    return list(dict.fromkeys(found))


def forbidden_in_source(exercise: Exercise, tree) -> list[str]:
    """The same rule as :func:`forbidden_use`, read from the parsed code (an
    ``ast`` tree) that the grader runs: names and attributes used in the code
    that are the library's answers, directly or through an import under
    another name. An import alone (a lesson's setup line) is not a use."""
    import ast

    banned = set(exercise.forbidden) | _ALWAYS_FORBIDDEN
    aliases, own = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[-1]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)  # the learner's own clip_by_global_norm is not the library's
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            original = aliases.get(node.id, node.id if node.id not in own else None)
            if original in banned:
                found.append(original)
        elif isinstance(node, ast.Attribute) and node.attr in banned:
            found.append(node.attr)
    return list(dict.fromkeys(found))


# --- The notebook's check ------------------------------------------------------------------


def run_check(exercise: Exercise, fn: Callable, seed: int = CHECK_SEED) -> Verdict:
    """Judge ``fn`` on the exercise's cases; never raises because of what ``fn`` does."""
    if not callable(fn):
        return Verdict(
            False,
            f"Pass the function itself, as in check_{exercise.function_name}({exercise.function_name}); "
            f"got {type(fn).__name__}.",
            "missing",
        )
    flagged = forbidden_use(exercise, fn)
    cases = exercise.cases(seed)
    return judge_calls(exercise, cases, [] if flagged else observe(fn, cases), flagged=flagged)


def feedback(verdict: Verdict) -> str:
    """The line a learner reads for a verdict."""
    if verdict.passed:
        return f"✔ Well done! {verdict.message}"
    if verdict.outcome == "not attempted":
        return f"… {verdict.message}"
    return f"✘ Not yet. {verdict.message}"


def check(exercise: Exercise, fn: Callable):
    """Run the check and print the feedback: what the notebooks' check cells do.

    While nbgrader runs the notebook (it sets ``NBGRADER_EXECUTION``), it also
    returns the points earned: nbgrader reads a grade cell's numeric result as
    its score, so nbgrader grades exactly as ``adamcourse grade`` does.
    Otherwise it returns None and the cell shows the feedback only.
    """
    if not os.environ.get("NBGRADER_EXECUTION"):
        print(feedback(verdict := run_check(exercise, fn)))
        return None
    # nbgrader zeroes a grade cell that writes anything to stderr: the learner's
    # prints and warnings go to stdout, so only the verdict decides.
    with contextlib.redirect_stderr(sys.stdout), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        verdict = run_check(exercise, fn)
    print(feedback(verdict))
    return points(exercise, verdict)


def points(exercise: Exercise, verdict: Verdict) -> float:
    """The points a verdict earns on an exercise (0.5 steps, never above the maximum)."""
    return round(exercise.points * verdict.share * 2) / 2


def define(
    grade_id: str,
    reference: Callable,
    make_cases: Callable,
    mistakes: Sequence,
    *,
    points: int = 1,
    returns: tuple = ("result",),
    forbidden: Sequence[str] = (),
    forbidden_objects: Sequence = (),
    lesson: str = "",
) -> Exercise:
    """An :class:`Exercise` whose function name is the reference's (less a leading underscore);
    ``mistakes`` are ``(wrong_function, why)`` pairs."""
    return Exercise(
        grade_id=grade_id,
        function_name=reference.__name__.lstrip("_"),
        points=points,
        reference=reference,
        make_cases=make_cases,
        returns=tuple(returns),
        mistakes=tuple(Mistake(*m) for m in mistakes),
        forbidden=tuple(forbidden),
        forbidden_objects=tuple(forbidden_objects),
        lesson=lesson,
    )
