"""Grade a folder of submitted notebooks for one assignment.

For each submission the grader takes the learner's solution cells out of the
notebook (found by their nbgrader ``grade_id``, so reordered or deleted cells
do not matter), runs them in a sandboxed kernel (:mod:`adamcourse.sandbox`:
its own process and temporary folder, time, memory and output limits, no
network), calls each exercise's function there on test cases drawn by the
grader at grading time, and gets back plain data only. Judging happens here,
in the grader's own process, with the course's reference: nothing the
learner's kernel computed about *correctness* is trusted, and redefining the
checks, NumPy or builtins inside the notebook changes nothing.

Cases are drawn from a generator seeded by (seed, assignment, student,
exercise), so grading the same folder twice gives the same gradebook, and
different students get different cases.

    results = grade("submissions/", "05_adam", out="grades/")

writes ``grades/gradebook.csv`` (student, exercise, points, max_points,
feedback) and ``grades/feedback/<student>.txt``.
"""

from __future__ import annotations

import ast
import asyncio
import csv
import hashlib
import importlib
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from adamcourse import sandbox
from adamcourse.sandbox import Limits

__all__ = ["Limits", "ExerciseResult", "Assignment", "load_assignment", "find_submissions", "grade_submission",
           "grade", "write_gradebook", "write_feedback", "DEFAULT_EXERCISES"]

# The lessons' exercises, then the MNIST finale's (both light to import).
DEFAULT_EXERCISES = "adamcourse.exercises:EXERCISES"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_RESULTS_BYTES = 32 * 1024 * 1024
GRADEBOOK_COLUMNS = ("student", "exercise", "points", "max_points", "feedback")


@dataclass(frozen=True)
class ExerciseResult:
    """One row of the gradebook."""

    student: str
    exercise: str
    points: float
    max_points: float
    feedback: str
    grader_error: bool = False


@dataclass(frozen=True)
class Assignment:
    """What is graded: the exercises of one source notebook, in its order.

    Attributes
    ----------
    name : str
        The notebook's name without ``.ipynb`` (``"05_adam"``).
    exercises : tuple
        The registry's ``Exercise`` objects, in notebook order.
    imports : tuple
        The source notebook's import statements with the names each binds:
        those a submission's solutions use run before its cells (the
        instructor's statements, never the submission's).
    source : str
        The source notebook's path.
    registry : str
        Where the exercises come from, ``"module:ATTRIBUTE"`` or
        ``"path/file.py:ATTRIBUTE"`` (worker processes load it again).
    """

    name: str
    exercises: tuple
    imports: tuple
    source: str
    registry: str = DEFAULT_EXERCISES


# --- Reading notebooks --------------------------------------------------------------


def _source_text(cell: Mapping) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def _nbgrader(cell: Mapping) -> dict:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _python(source: str) -> str:
    """Cell source with IPython syntax (magics, ``!shell``) turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _load_registry(spec: str) -> Mapping:
    """The exercises of ``"module:NAME"`` or ``"file.py:NAME"``; several, comma-separated, are merged."""
    if "," in spec:
        merged: dict = {}
        for part in spec.split(","):
            merged.update(_load_registry(part.strip()))
        return merged
    module_name, _, attribute = spec.rpartition(":")
    if not module_name or not attribute:
        raise ValueError(f"The exercise registry {spec!r} should look like 'module:NAME' or 'file.py:NAME'.")
    if module_name.endswith(".py"):
        path = Path(module_name).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"The exercise registry file {path} does not exist.")
        module_spec = importlib.util.spec_from_file_location(f"_adamcourse_registry_{path.stem}", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, attribute)


def load_assignment(source: str | Path, registry: str = DEFAULT_EXERCISES) -> Assignment:
    """Read the instructor's source notebook: its exercises (solution cells'
    ``grade_id``\\ s looked up in the registry) and its import statements.

    Parameters
    ----------
    source : str or Path
        The source notebook, e.g. ``notebooks/05_adam.ipynb``.
    registry : str
        ``"module:NAME"`` or ``"file.py:NAME"`` (several: comma-separated): a
        dict from grade_id to Exercise.
    """
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"No source notebook at {source}: pass the instructor's notebook (with solutions), "
                                f"e.g. notebooks/05_adam.ipynb.")
    nb = json.loads(source.read_text(encoding="utf-8"))
    known = _load_registry(registry)
    exercises, imports = [], {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = _nbgrader(cell)
        if meta.get("solution"):
            grade_id = meta.get("grade_id")
            if grade_id not in known:
                raise KeyError(f"The solution cell {grade_id!r} in {source.name} has no exercise in {registry}; "
                               f"known: {', '.join(sorted(known))}.")
            exercises.append(known[grade_id])
            continue
        try:
            tree = ast.parse(_python(_source_text(cell)))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = tuple(alias.asname or alias.name.split(".")[0] for alias in node.names)
                imports.setdefault(ast.unparse(node), names)
    if not exercises:
        raise ValueError(f"{source.name} has no solution cells (nbgrader metadata with solution: true): nothing to grade.")
    return Assignment(source.stem, tuple(exercises), tuple(imports.items()), str(source), registry)


def _preamble(assignment: Assignment, solutions: Mapping[str, str]) -> str:
    """The instructor's imports that the solutions use (plus NumPy): importing
    everything a lesson imports (plots, widgets) would cost seconds per kernel."""
    used = {"np", "numpy"}
    for source in solutions.values():
        try:
            tree = ast.parse(_python(source))
        except SyntaxError:
            used |= set(re.findall(r"[A-Za-z_]\w*", source))
            continue
        used |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return "\n".join(statement for statement, names in assignment.imports if used & set(names))


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._@+-]+")


def find_submissions(folder: str | Path, assignment: str) -> list[tuple[str, Path]]:
    """The submissions in ``folder`` as (student, notebook path), sorted.

    Either ``folder/<student>.ipynb``, or ``folder/<student>/.../<anything>.ipynb``
    (one notebook per student folder; ``<assignment>.ipynb`` wins when there
    are several, as in nbgrader's ``submitted/<student>/<assignment>/``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of submissions.")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found.append((entry.stem, entry))
        elif entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            named = [p for p in notebooks if p.stem == assignment]
            chosen = named or notebooks
            if chosen:
                found.append((entry.name, chosen[0]))
    students = [name for name, _ in found]
    duplicates = {s for s in students if students.count(s) > 1}
    if duplicates:
        raise ValueError(f"Two submissions for {', '.join(sorted(duplicates))} (a file and a folder?): keep one.")
    return [(_SAFE_NAME.sub("_", name), path) for name, path in found]


# --- Judging what came back -------------------------------------------------------------


def _case_seed(seed: int, assignment: str, student: str, grade_id: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}\0{assignment}\0{student}\0{grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def _forbidden_in_source(exercise, source: str) -> list[str]:
    """Names in the solution's code (not its comments) that point at the
    library's implementation or at the grader's machinery."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    banned = set(getattr(exercise, "forbidden", ())) | {"reference", "EXERCISES"}
    tampering = {"setprofile", "settrace", "monitoring", "_adamcourse_run_exercise"}
    found = []
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if isinstance(node, ast.alias):
            name = node.asname or node.name.split(".")[-1]
            if node.name.split(".")[-1] in banned:
                name = node.name.split(".")[-1]
        if name in banned or name in tampering:
            found.append(name)
    return list(dict.fromkeys(found))


def _forbidden_calls(exercise, library_calls: Iterable[str]) -> list[str]:
    banned = set(getattr(exercise, "forbidden", ())) | {"reference", "EXERCISES"}
    objects = [getattr(exercise, "reference", None), *getattr(exercise, "forbidden_objects", ())]
    banned |= {getattr(o, "__qualname__", "").split(".")[0] for o in objects if o is not None}
    banned.discard("")
    return [name for name in library_calls if name.split(".")[0] in banned]


def _changed_inputs(before: tuple, after) -> bool:
    if not isinstance(after, tuple) or len(after) != len(before):
        return False
    for a, b in zip(before, after):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            if a.shape != b.shape or not np.allclose(a, b, rtol=1e-12, atol=1e-15, equal_nan=True):
                return True
    return False


def _call_text(exercise, args: tuple) -> str:
    try:
        from adamcourse.checks import _call_text as text
        import inspect

        return text(exercise.function_name, list(inspect.signature(exercise.reference).parameters), args)
    except Exception:
        return f"{exercise.function_name}(...)"


def _judge(exercise, cases: list, report: Mapping, source: str) -> tuple[float, str]:
    """Points and feedback for one exercise from the kernel's plain-data report."""
    name = exercise.function_name
    points = float(exercise.points)
    status = report.get("status")
    if status == "missing":
        return 0.0, f"`{name}` is not defined after running your solution cell: keep the `def {name}(...)` line as given."
    if status == "not callable":
        return 0.0, f"`{name}` should be a function, but it is a {report.get('type', 'value')}."
    if status != "ran" or not isinstance(report.get("calls"), list):
        return 0.0, "Your solution did not produce results the grader could read."
    flagged = _forbidden_in_source(exercise, source) + _forbidden_calls(exercise, report.get("library_calls", []))
    if flagged:
        names = ", ".join(f"`{n}`" for n in dict.fromkeys(flagged))
        return 0.0, (f"FLAGGED: your `{name}` uses {names} from the course library or the grader instead of its own "
                     f"code. This exercise is about writing the math yourself, so it scores 0. Use NumPy operations.")
    calls = report["calls"]
    for index, args in enumerate(cases):
        if index >= len(calls) or not isinstance(calls[index], dict):
            return 0.0, "Your function stopped before every test case ran."
        call = calls[index]
        if call.get("not_implemented"):
            return 0.0, f"`{name}` is not attempted yet: it still raises NotImplementedError."
        if "error" in call and str(call["error"]).startswith("MemoryError"):
            return 0.0, f"`{name}` ran out of memory (MemoryError: it hit the grader's memory limit)."
        if "error" in call:
            return 0.0, f"`{name}` raised {str(call['error'])[:500]}\nOn this call:\n  {_call_text(exercise, args)}"
        try:
            got = sandbox.decode(call.get("value"))
            after = sandbox.decode(call.get("args_after"))
        except Exception as error:
            return 0.0, f"The value your function returned could not be read ({type(error).__name__})."
        if _changed_inputs(args, after):
            return 0.0, (f"`{name}` changed its inputs in place (with `-=` or `[...] =`); optimizers must leave their "
                         f"inputs alone: write `theta = theta - ...`.\nOn this call:\n  {_call_text(exercise, args)}")
        try:
            verdict = exercise.judge(args, got)
        except Exception as error:
            return 0.0, f"Your result could not be compared with the reference ({type(error).__name__}: {error})."
        if not verdict.passed:
            return 0.0, verdict.message
    return points, f"Correct on all {len(cases)} hidden test case{'s' if len(cases) != 1 else ''}."


# --- Running one submission -----------------------------------------------------------------


class _OutputLimitExceeded(Exception):
    pass


def _client_class():
    from nbclient import NotebookClient

    class CappedNotebookClient(NotebookClient):
        """Keeps at most ``output_budget`` bytes of output; past that it kills
        the kernel, so a submission printing gigabytes costs the grader nothing."""

        output_budget = 0
        output_exceeded = False

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            self.output_budget -= size
            if self.output_budget < 0:
                if not self.output_exceeded:
                    self.output_exceeded = True
                    pid = getattr(getattr(self.km.provisioner, "process", None), "pid", None)
                    if pid:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedNotebookClient


def _death_reason(status: int | None, limits: Limits) -> str:
    if status is None:
        return "The kernel stopped responding."
    if status == -signal.SIGXCPU:
        return f"Your code used more CPU time than allowed (limit about {limits.time_s:g} s per exercise)."
    if status == -signal.SIGXFSZ:
        return f"Your code wrote a file larger than the limit ({limits.file_mb} MiB)."
    if status in (-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT, -signal.SIGILL, -signal.SIGFPE):
        return f"The kernel crashed ({signal.Signals(-status).name}) while running your code."
    if status == -signal.SIGKILL:
        return f"The kernel was killed (most likely it ran out of memory; the limit is {limits.memory_mb} MiB)."
    if status < 0:
        return f"The kernel was stopped by signal {-status} while running your code."
    return (f"The kernel exited (status {status}) while running your code: something called os._exit, "
            f"sys.exit from a thread, or crashed the process. Remove it and run the notebook again.")


def _cell(source: str):
    import nbformat

    return nbformat.v4.new_code_cell(source)


async def _run_in_sandbox(assignment: Assignment, solutions: dict, root: str, limits: Limits) -> dict[str, dict]:
    """Run each exercise's solution cell and the harness in a sandboxed
    kernel; return {grade_id: report or {"status": "failed", "reason": ...}}."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    reports: dict[str, dict] = {}
    harness = (f"from adamcourse.sandbox import run_exercise as _adamcourse_run_exercise\n"
               f"_adamcourse_run_exercise(globals(), {{name!r}}, {{cases!r}}, {{results!r}})")
    client = None
    km = None

    async def start():
        nonlocal client, km
        km = sandbox.SandboxKernelManager(root, limits)
        nb = nbformat.v4.new_notebook(cells=[_cell(_preamble(assignment, solutions) or "pass")])
        client = _client_class()(nb, km=km, timeout=int(limits.startup_s), startup_timeout=int(limits.startup_s),
                                 allow_errors=True, record_timing=False, iopub_timeout=5, shutdown_kernel="immediate")
        client.output_budget = limits.output_kb * 1024
        await client.async_start_new_kernel(cwd=root)
        await client.async_start_new_kernel_client()
        await client.async_execute_cell(nb.cells[0], 0)
        errors = [o for o in nb.cells[0].outputs if o.get("output_type") == "error"]
        if errors:
            raise RuntimeError(f"the assignment's imports failed in the sandbox: {errors[0].get('ename')}: {errors[0].get('evalue')}")

    async def stop():
        nonlocal client, km
        if km is not None:
            process = getattr(km.provisioner, "process", None)
            if process is not None and process.poll() is None:
                try:  # the kernel leads its own session: end it and anything it started, at once
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                await km.shutdown_kernel(now=True)
            except Exception:
                pass
            try:
                client.kc.stop_channels()
            except Exception:
                pass
        sandbox.kill_descendants()
        client = km = None

    try:
        for exercise in assignment.exercises:
            grade_id = exercise.grade_id
            if grade_id not in solutions:
                continue
            if client is None:
                await start()
            client.output_budget = limits.output_kb * 1024
            cells = [_cell(solutions[grade_id]), _cell(harness.format(
                name=exercise.function_name, cases=f"cases-{grade_id}.json", results=f"results-{grade_id}.json"))]
            client.nb.cells = cells
            deadline = time.monotonic() + limits.time_s
            failure = None
            try:
                for index, cell in enumerate(cells):
                    client.timeout = max(1, int(deadline - time.monotonic() + 0.999))
                    await client.async_execute_cell(cell, index)
            except CellTimeoutError:
                failure = f"Time limit reached: your code ran for more than {limits.time_s:g} s (an endless loop?)."
            except DeadKernelError:
                failure = None if client.output_exceeded else _death_reason(km.exit_status(), limits)
            except Exception as error:  # the kernel went away in some other way
                failure = f"The kernel stopped while running your code ({type(error).__name__})."
            if failure is None and not client.output_exceeded:  # (a dying kernel disconnects too)
                try:
                    client.output_exceeded = await client.kc.dropped_output()
                except Exception:
                    pass
            if client.output_exceeded:
                failure = f"Your code printed more than the output limit ({limits.output_kb} KiB), so it was stopped."
            solution_errors = [o for o in cells[0].get("outputs", []) if o.get("output_type") == "error"]
            if failure is None and solution_errors and solution_errors[0].get("ename") == "MemoryError":
                failure = f"Your code ran out of memory (the limit is {limits.memory_mb} MiB)."
            if failure is not None:
                reports[grade_id] = {"status": "failed", "reason": failure}
                await stop()
                continue
            reports[grade_id] = _read_results(Path(root, f"results-{grade_id}.json"), solution_errors)
    finally:
        await stop()
    return reports


def _read_results(path: Path, solution_errors: list) -> dict:
    """The harness's report, read defensively (size, JSON, shape)."""
    error_note = ""
    if solution_errors:
        first = solution_errors[0]
        error_note = f"Your solution cell raised {first.get('ename')}: {str(first.get('evalue'))[:300]}"
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            return {"status": "failed", "reason": "Your function returned more data than the grader accepts."}
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        reason = error_note or "The grader's test code did not run after your solution cell."
        if not error_note:
            reason += " Did your cell replace a builtin, `json` or `open`?"
        return {"status": "failed", "reason": reason}
    except (OSError, ValueError, RecursionError):
        return {"status": "failed", "reason": "The grader could not read what your function returned."}
    if not isinstance(report, dict):
        return {"status": "failed", "reason": "The grader could not read what your function returned."}
    if report.get("status") == "missing" and error_note:
        return {"status": "failed", "reason": error_note}
    return report


def grade_submission(student: str, path: str | Path, assignment: Assignment, limits: Limits = Limits(),
                     seed: int = 0) -> list[ExerciseResult]:
    """Grade one notebook: one :class:`ExerciseResult` per exercise, never an exception."""
    rows = []

    def all_zero(message: str, grader_error: bool = False) -> list[ExerciseResult]:
        return [ExerciseResult(student, e.grade_id, 0.0, float(e.points), message, grader_error) for e in assignment.exercises]

    try:
        raw = Path(path).read_bytes()[: MAX_NOTEBOOK_BYTES + 1]
        if len(raw) > MAX_NOTEBOOK_BYTES:
            return all_zero(f"The file is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB: clear the outputs and submit again.")
        try:
            nb = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            return all_zero(f"The file is not a valid notebook ({type(error).__name__}: {str(error)[:120]}). "
                            f"Download it again from Jupyter or Colab (File > Download .ipynb) and resubmit.")
        cells = nb.get("cells") if isinstance(nb, dict) else None
        if not isinstance(cells, list):
            return all_zero("The file is JSON but not a notebook (it has no list of cells).")
        solutions, duplicates = {}, set()
        for cell in cells:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                grade_id = _nbgrader(cell).get("grade_id")
                if isinstance(grade_id, str) and _nbgrader(cell).get("solution"):
                    if grade_id in solutions:
                        duplicates.add(grade_id)
                    else:
                        solutions[grade_id] = _source_text(cell)
        cases = {e.grade_id: e.make_cases(_case_seed(seed, assignment.name, student, e.grade_id)) for e in assignment.exercises}
        root = tempfile.mkdtemp(prefix="adamcourse-grade-")
        try:
            for grade_id, exercise_cases in cases.items():
                Path(root, f"cases-{grade_id}.json").write_text(json.dumps(sandbox.encode(exercise_cases)), encoding="utf-8")
            try:
                reports = asyncio.run(_run_in_sandbox(assignment, solutions, root, limits))
            except Exception as error:
                return all_zero(f"The grader could not run this submission ({type(error).__name__}: {error}). "
                                f"This is not your mistake; please tell your instructor.", grader_error=True)
        finally:
            shutil.rmtree(root, onerror=_force_remove)
        for exercise in assignment.exercises:
            grade_id = exercise.grade_id
            if grade_id not in solutions:
                points, message = 0.0, (f"The solution cell for `{exercise.function_name}` ({grade_id}) is missing: it was "
                                        f"deleted or its metadata was changed. Copy it back from a fresh student copy.")
            else:
                report = reports.get(grade_id, {"status": "failed", "reason": "It was not run."})
                if report.get("status") == "failed":
                    points, message = 0.0, report["reason"]
                    if re.search(r"(?m)^\s*(!|%%?(system|sx|bash|sh)\b)", solutions[grade_id]):
                        message += (" Shell commands (`!...`, `%system`, `%%bash`) cannot run in the grader "
                                    "(no terminal, no network): remove them from your solution cell.")
                else:
                    points, message = _judge(exercise, cases[grade_id], report, solutions[grade_id])
                if grade_id in duplicates:
                    message += " (Note: the notebook has this solution cell twice; the first one was graded.)"
            rows.append(ExerciseResult(student, grade_id, points, float(exercise.points), _clean(message, root)))
        return rows
    except Exception as error:  # a grader bug must not stop the batch
        return all_zero(f"The grader failed on this submission ({type(error).__name__}: {error}). "
                        f"This is not your mistake; please tell your instructor.", grader_error=True)


def _force_remove(function, path, _excinfo):
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        function(path)
    except OSError:
        pass


def _clean(message: str, root: str) -> str:
    """Feedback without this run's temporary paths, so regrading is identical."""
    message = message.replace(os.path.realpath(root), "<sandbox>").replace(root, "<sandbox>")
    return re.sub(r"/tmp/ipykernel_\d+/\d+\.py", "<cell>", message)


# --- The batch ---------------------------------------------------------------------------------

_WORKER_ASSIGNMENT: Assignment | None = None


def _worker_init(source: str, registry: str) -> None:
    global _WORKER_ASSIGNMENT
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # a judge may train with Keras: keep its logs quiet
    sandbox.become_subreaper()
    _WORKER_ASSIGNMENT = load_assignment(source, registry)


def _worker_grade(student: str, path: str, limits: Limits, seed: int) -> list[ExerciseResult]:
    return grade_submission(student, path, _WORKER_ASSIGNMENT, limits, seed)


class _Progress:
    """A one-line progress bar on stderr (no dependency needed)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled, self.start = total, 0, enabled and total > 0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        rate = self.done / max(time.monotonic() - self.start, 1e-9) * 60
        line = f"grading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {rate:5.1f}/min  {label[:24]:<24}"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if self.done == self.total else ""))
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            sys.stderr.write(line.rstrip() + "\n")  # a log file gets a line every tenth
        sys.stderr.flush()


def grade(submissions: str | Path, assignment: str | Assignment, *, source: str | Path | None = None,
          registry: str = DEFAULT_EXERCISES, out: str | Path | None = None, workers: int | None = None,
          limits: Limits = Limits(), seed: int = 0, progress: bool = True) -> list[ExerciseResult]:
    """Grade every submission in a folder; write the gradebook and feedback files.

    Parameters
    ----------
    submissions : str or Path
        A folder of ``<student>.ipynb`` files or ``<student>/`` folders.
    assignment : str or Assignment
        The assignment's name (``"05_adam"``; its source notebook is
        ``notebooks/05_adam.ipynb`` unless ``source`` says otherwise).
    source : str or Path, optional
        The instructor's source notebook.
    registry : str
        The exercise registry, ``"module:NAME"`` or ``"file.py:NAME"``.
    out : str or Path, optional
        Where ``gradebook.csv`` and ``feedback/`` go; nothing is written if None.
    workers : int, optional
        Submissions graded in parallel (default: the number of cores).
    limits : Limits
        Time, memory, output and file limits per exercise.
    seed : int
        Mixed into every student's cases; keep it fixed to regrade identically.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    list of ExerciseResult
        Sorted by student, then exercise in notebook order.
    """
    if isinstance(assignment, str):
        if source is None:  # the course's notebooks/ folder, from the working directory or this checkout
            here = Path("notebooks", f"{assignment}.ipynb")
            source = here if here.is_file() else Path(__file__).resolve().parents[1] / here
        assignment = load_assignment(source, registry)
    found = find_submissions(submissions, assignment.name)
    workers = max(1, min(workers or os.cpu_count() or 1, max(len(found), 1)))
    bar = _Progress(len(found), progress)
    by_student: dict[str, list[ExerciseResult]] = {}
    pending = list(found)
    for attempt in range(2):  # a worker process that dies takes its pool with it: retry those once
        broken = []
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                 initargs=(assignment.source, assignment.registry),
                                 mp_context=_spawn()) as pool:
            futures = {pool.submit(_worker_grade, student, str(path), limits, seed): (student, path) for student, path in pending}
            for future in as_completed(futures):
                student, path = futures[future]
                try:
                    by_student[student] = future.result()
                except BrokenProcessPool:
                    broken.append((student, path))
                    continue
                except Exception as error:
                    by_student[student] = [ExerciseResult(student, e.grade_id, 0.0, float(e.points),
                                                          f"The grader failed on this submission ({type(error).__name__}).", True)
                                           for e in assignment.exercises]
                bar.step(student)
        pending = broken
        if not pending:
            break
    for student, _ in pending:
        by_student[student] = [ExerciseResult(student, e.grade_id, 0.0, float(e.points),
                                              "The grader's worker process died on this submission; please tell your instructor.", True)
                               for e in assignment.exercises]
        bar.step(student)
    results = [row for student in sorted(by_student) for row in by_student[student]]
    if out is not None:
        write_gradebook(results, Path(out) / "gradebook.csv")
        write_feedback(results, Path(out) / "feedback", assignment.name)
    return results


def _spawn():
    import multiprocessing

    # a fresh interpreter per worker: no threads or sockets inherited from the caller
    return multiprocessing.get_context("spawn")


def _atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: a reader never
    sees half a gradebook, and an interrupted run leaves the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _points(value: float) -> str:
    return f"{value:g}"


def write_gradebook(results: Iterable[ExerciseResult], path: str | Path) -> Path:
    """The gradebook CSV: student, exercise, points, max_points, feedback
    (the feedback's first line; the feedback files hold all of it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GRADEBOOK_COLUMNS)
    for row in results:
        writer.writerow([row.student, row.exercise, _points(row.points), _points(row.max_points), row.feedback.splitlines()[0] if row.feedback else ""])
    path = Path(path)
    _atomic_write(path, buffer.getvalue())
    return path


def write_feedback(results: Iterable[ExerciseResult], folder: str | Path, assignment: str) -> list[Path]:
    """One text file per student with every exercise's points and full feedback."""
    by_student: dict[str, list[ExerciseResult]] = {}
    for row in results:
        by_student.setdefault(row.student, []).append(row)
    written = []
    for student, rows in by_student.items():
        total, most = sum(r.points for r in rows), sum(r.max_points for r in rows)
        lines = [f"Feedback for {student}: {assignment}", f"Total: {_points(total)} / {_points(most)} points", ""]
        for row in rows:
            lines.append(f"## {row.exercise}: {_points(row.points)} / {_points(row.max_points)}")
            lines.append(row.feedback)
            lines.append("")
        path = Path(folder) / f"{student}.txt"
        _atomic_write(path, "\n".join(lines))
        written.append(path)
    return written
