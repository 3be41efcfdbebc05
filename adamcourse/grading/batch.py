"""Grade a folder of submissions: who submitted what, in parallel, with a progress bar.

How files become student ids (documented for instructors):

- ``folder/<id>.ipynb``, or ``folder/<id>/.../<anything>.ipynb`` (one
  notebook per student folder; ``<lesson>.ipynb`` wins when there are several,
  as in nbgrader's ``submitted/<id>/<lesson>/``);
- the id is the file or folder name in Unicode NFC form, with every run of
  characters other than letters, digits and ``. _ @ + -`` replaced by ``_``;
  two names that become the same id are both kept, the second with ``-2``
  added, and a warning says so;
- with a roster (a CSV with an ``id`` column), a submission belongs to the
  roster id it equals (ignoring case) or begins with, followed by ``_`` or
  ``-`` (LMS downloads prefix the file with the login); students on the
  roster without a submission get a row with 0 points and "no submission";
  files that match no one are reported;
- symbolic links are refused: a submission is a file the student uploaded.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from adamcourse.grading.assignment import DEFAULT_EXERCISES, Assignment, load_assignment, resolve_lesson
from adamcourse.grading.sandbox.limits import Limits
from adamcourse.grading.submission import ExerciseResult, grade_submission

__all__ = ["Found", "find_submissions", "read_roster", "grade"]

_UNSAFE = re.compile(r"[^\w.@+-]+")


@dataclass
class Found:
    """The submissions in a folder, by student id, and what did not fit."""

    submissions: dict = field(default_factory=dict)  # id -> notebook path
    warnings: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)  # files that match no roster id
    missing: list = field(default_factory=list)  # roster ids without a submission


def student_id(name: str) -> str:
    """A file or folder name as a student id (see the module's rule)."""
    name = unicodedata.normalize("NFC", name)
    return _UNSAFE.sub("_", name).strip("_") or "_"


def find_submissions(folder: str | Path, lesson: str, roster: list[str] | None = None) -> Found:
    """The submissions in ``folder`` for ``lesson``, by student id."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of submissions.")
    found = Found()
    entries = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            found.warnings.append(f"{entry.name} is a symbolic link: refused (submit the notebook file itself).")
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            entries.append((entry.stem, entry))
        elif entry.is_dir():
            inside = entry.resolve()
            notebooks = sorted(
                p
                for p in entry.rglob("*.ipynb")
                if ".ipynb_checkpoints" not in p.parts and not p.is_symlink() and p.resolve().is_relative_to(inside)
            )
            named = [p for p in notebooks if p.stem == lesson]
            chosen = named or notebooks
            if chosen:
                entries.append((entry.name, chosen[0]))
    by_id: dict = {}
    for name, path in entries:
        sid = student_id(name)
        if sid in by_id:
            n = 2
            while f"{sid}-{n}" in by_id:
                n += 1
            found.warnings.append(
                f"{name!r} and {by_id[sid][0]!r} both become the id {sid!r}: {name!r} is graded as {sid}-{n}."
            )
            sid = f"{sid}-{n}"
        by_id[sid] = (name, path)
    if roster is None:
        found.submissions = {sid: path for sid, (_, path) in by_id.items()}
        return found
    lowered = {r.casefold(): r for r in roster}
    for sid, (name, path) in by_id.items():
        key = sid.casefold()
        match = lowered.get(key) or next(
            (
                r
                for k, r in sorted(lowered.items(), key=lambda kv: -len(kv[0]))
                if key.startswith(k + "_") or key.startswith(k + "-")
            ),
            None,
        )
        if match is None:
            found.unmatched.append(name)
        elif match in found.submissions:
            found.warnings.append(f"Two submissions for {match}: {name!r} was not graded.")
        else:
            found.submissions[match] = path
    found.missing = [r for r in roster if r not in found.submissions]
    return found


def read_roster(path: str | Path) -> list[str]:
    """The student ids of a roster CSV (its ``id`` column, or its first column)."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    if not rows:
        raise ValueError(f"The roster {path} is empty: it needs a column of student ids, headed `id`.")
    header = [h.strip().casefold() for h in rows[0]]
    column = header.index("id") if "id" in header else 0
    body = rows[1:] if "id" in header else rows
    ids = [student_id(row[column].strip()) for row in body if len(row) > column and row[column].strip()]
    if len(set(ids)) != len(ids):
        raise ValueError(f"The roster {path} lists an id twice.")
    return ids


# --- The batch ---------------------------------------------------------------------------

_WORKER: dict = {}


def _worker_init(source: str, registry: str) -> None:
    from adamcourse.grading.sandbox.grader import become_subreaper

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # a judge may train with Keras: keep its logs quiet
    become_subreaper()
    import atexit
    import tempfile

    from adamcourse.exercises import EXERCISES
    from adamcourse.grading.submission import library_for

    _WORKER["assignment"] = assignment = load_assignment(source, registry)
    _WORKER["lessons"] = {g: e.lesson for g, e in EXERCISES.items()}
    folder = tempfile.mkdtemp(prefix="adamcourse-library-")
    atexit.register(_remove, folder)
    _WORKER["library"] = library_for(assignment, folder)


def _remove(folder: str) -> None:
    import shutil

    for path in [folder, *(str(p) for p in Path(folder).rglob("*"))]:
        try:
            os.chmod(path, 0o700)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _worker_grade(student: str, path: str, limits: Limits, seed: int) -> list[ExerciseResult]:
    return grade_submission(student, path, _WORKER["assignment"], limits, seed, _WORKER["lessons"], _WORKER["library"])


class _Progress:
    """A one-line progress bar on stderr."""

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


def _spawn():
    import multiprocessing

    # a fresh interpreter per worker: no threads or sockets inherited from the caller
    return multiprocessing.get_context("spawn")


def _all_zero(student: str, assignment: Assignment, message: str, outcome: str, grader_error: bool = False):
    return [
        ExerciseResult(
            student, e.grade_id, 0.0, float(e.points), message, assignment.name, outcome, "", 0.0, grader_error
        )
        for e in assignment.exercises
    ]


def grade(
    submissions: str | Path,
    assignment: str | Assignment,
    *,
    source: str | Path | None = None,
    registry: str = DEFAULT_EXERCISES,
    out: str | Path | None = None,
    workers: int | None = None,
    limits: Limits = Limits(),
    seed: int = 0,
    progress: bool = True,
    roster: str | Path | None = None,
    only: list[str] | None = None,
) -> list[ExerciseResult]:
    """Grade every submission in a folder; update the gradebook, feedback and class report.

    Parameters
    ----------
    submissions : str or Path
        A folder of ``<student>.ipynb`` files or ``<student>/`` folders.
    assignment : str or Assignment
        The lesson (``"05"``, ``"05_adam"``); its source notebook is the course's
        ``notebooks/05_adam.ipynb`` unless ``source`` says otherwise.
    source : str or Path, optional
        The instructor's source notebook.
    registry : str
        The exercise registry, ``"module:NAME"`` or ``"file.py:NAME"``.
    out : str or Path, optional
        Where the gradebooks, ``feedback/`` and the class report go; rows of
        other students and other lessons already there are kept.
    workers : int, optional
        Submissions graded in parallel (default: the number of cores).
    limits : Limits
        Time, memory, output and file limits per exercise.
    seed : int
        Mixed into every student's cases; keep it fixed to regrade identically.
    progress : bool
        Show a progress bar on stderr.
    roster : str or Path, optional
        A CSV of student ids: non-submitters get a row, unknown files are reported.
    only : list of str, optional
        Grade only these student ids (a regrade); every other row is kept.

    Returns
    -------
    list of ExerciseResult
        This run's rows, sorted by student, then exercise in notebook order.
    """
    if isinstance(assignment, str):
        assignment = load_assignment(source or resolve_lesson(assignment), registry)
    ids = read_roster(roster) if roster else None
    found = find_submissions(submissions, assignment.name, ids)
    for warning in found.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if found.unmatched:
        print(
            f"warning: these files match no one on the roster and were not graded: {', '.join(found.unmatched)}",
            file=sys.stderr,
        )
    pending = sorted(found.submissions.items())
    missing = list(found.missing)
    if only:
        wanted = {student_id(s) for s in only}
        unknown = wanted - set(found.submissions) - set(missing)
        if unknown:
            raise KeyError(f"No submission for {', '.join(sorted(unknown))} in {submissions}.")
        pending = [(s, p) for s, p in pending if s in wanted]
        missing = [s for s in missing if s in wanted]
    workers = max(1, min(workers or os.cpu_count() or 1, max(len(pending), 1)))
    bar = _Progress(len(pending), progress)
    by_student: dict[str, list[ExerciseResult]] = {}
    for _attempt in range(2):  # a worker process that dies takes its pool with it: retry those once
        broken = []
        if not pending:
            break
        with ProcessPoolExecutor(
            max_workers=workers,
            initializer=_worker_init,
            initargs=(assignment.source, assignment.registry),
            mp_context=_spawn(),
        ) as pool:
            futures = {
                pool.submit(_worker_grade, student, str(path), limits, seed): (student, path)
                for student, path in pending
            }
            for future in as_completed(futures):
                student, path = futures[future]
                try:
                    by_student[student] = future.result()
                except BrokenProcessPool:
                    broken.append((student, path))
                    continue
                except Exception as error:
                    by_student[student] = _all_zero(
                        student,
                        assignment,
                        f"The grader failed on this submission ({type(error).__name__}).",
                        "failed",
                        True,
                    )
                bar.step(student)
        pending = broken
    for student, _ in pending:
        by_student[student] = _all_zero(
            student,
            assignment,
            "The grader's worker process died on this submission; please tell your instructor.",
            "failed",
            True,
        )
        bar.step(student)
    for student in missing:
        by_student[student] = _all_zero(student, assignment, "No submission.", "no submission")
    results = [row for student in sorted(by_student) for row in by_student[student]]
    if out is not None:
        from adamcourse.grading import gradebook, report

        gradebook.update(results, Path(out), assignment)
        report.write(Path(out), assignment)
    return results
