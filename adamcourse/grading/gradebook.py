"""The gradebooks and feedback files, updated in place.

``gradebook.csv`` holds one row per student and exercise, for every lesson
graded into the folder (student, lesson, exercise, points, max_points,
outcome, mistake, seconds, feedback's first line). A run replaces only the
rows of the students and lesson it graded, so regrading one student or one
lesson loses nothing. ``grades.csv`` is the same, wide: a row per student, a
column per exercise and per lesson, and a total, ready for an LMS upload.
``feedback/<lesson>/<student>.txt`` holds each student's full feedback.
Files are written atomically, and any cell a spreadsheet would read as a
formula is escaped.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from adamcourse.grading.submission import ExerciseResult

__all__ = ["COLUMNS", "update", "read", "write_long", "write_wide", "write_feedback", "escape"]

COLUMNS = ("student", "lesson", "exercise", "points", "max_points", "outcome", "mistake", "seconds", "feedback")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP's rule: a leading quote)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def _points(value: float) -> str:
    return f"{value:g}"


def atomic_write(path: Path, text: str) -> None:
    """Write beside ``path``, then rename: a reader never sees half a file,
    and an interrupted run leaves the old one."""
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


def csv_text(rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([escape(str(cell)) for cell in row])
    return buffer.getvalue()


def read(path: Path) -> list[ExerciseResult]:
    """The rows of an existing long gradebook (none if it does not exist)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        if reader.fieldnames is None or not set(COLUMNS) <= {_unescape(f) for f in reader.fieldnames}:
            raise ValueError(
                f"{path} is not a gradebook this version wrote (its columns differ): "
                f"move it away or choose another --out folder."
            )
        rows = []
        for raw in reader:
            row = {_unescape(k): _unescape(v or "") for k, v in raw.items()}
            rows.append(
                ExerciseResult(
                    row["student"],
                    row["exercise"],
                    float(row["points"]),
                    float(row["max_points"]),
                    row["feedback"],
                    row["lesson"],
                    row["outcome"],
                    row["mistake"],
                    float(row["seconds"] or 0),
                )
            )
        return rows


def write_long(rows: list[ExerciseResult], path: Path) -> Path:
    lines = [COLUMNS] + [
        (
            r.student,
            r.lesson,
            r.exercise,
            _points(r.points),
            _points(r.max_points),
            r.outcome,
            r.mistake,
            f"{r.seconds:g}",
            r.feedback.splitlines()[0] if r.feedback else "",
        )
        for r in rows
    ]
    atomic_write(path, csv_text(lines))
    return path


def write_wide(rows: list[ExerciseResult], path: Path) -> Path:
    """A row per student; a column per exercise (``05_adam: ex05_adam_step``) and per lesson; a total."""
    lessons: dict[str, list[str]] = {}
    for r in rows:
        exercises = lessons.setdefault(r.lesson, [])
        if r.exercise not in exercises:
            exercises.append(r.exercise)
    table: dict[str, dict] = {}
    for r in rows:
        table.setdefault(r.student, {})[(r.lesson, r.exercise)] = r.points
    header = ["student"]
    for lesson in sorted(lessons):
        header += [f"{lesson}: {e}" for e in lessons[lesson]] + [f"{lesson} total"]
    header.append("total")
    maxima = {(r.lesson, r.exercise): r.max_points for r in rows}
    lines = [header, ["(maximum)"]]
    for lesson in sorted(lessons):
        lines[1] += [_points(maxima[(lesson, e)]) for e in lessons[lesson]]
        lines[1].append(_points(sum(maxima[(lesson, e)] for e in lessons[lesson])))
    lines[1].append(_points(sum(maxima.values())))
    for student in sorted(table):
        line, total = [student], 0.0
        for lesson in sorted(lessons):
            got = [table[student].get((lesson, e), 0.0) for e in lessons[lesson]]
            line += [_points(g) for g in got] + [_points(sum(got))]
            total += sum(got)
        lines.append(line + [_points(total)])
    atomic_write(path, csv_text(lines))
    return path


def write_feedback(results: list[ExerciseResult], folder: Path) -> list[Path]:
    """One text file per student and lesson with every exercise's points and full feedback."""
    by_student: dict[tuple, list[ExerciseResult]] = {}
    for row in results:
        by_student.setdefault((row.lesson, row.student), []).append(row)
    written = []
    for (lesson, student), rows in by_student.items():
        total, most = sum(r.points for r in rows), sum(r.max_points for r in rows)
        lines = [f"Feedback for {student}: {lesson}", f"Total: {_points(total)} / {_points(most)} points", ""]
        for number, row in enumerate(rows, 1):
            lines.append(
                f"## Exercise {number} ({row.exercise}): {_points(row.points)} / {_points(row.max_points)} points"
            )
            lines.append(row.feedback)
            lines.append("")
        path = folder / lesson / f"{student}.txt"
        atomic_write(path, "\n".join(lines))
        written.append(path)
    return written


def update(results: list[ExerciseResult], out: Path, assignment=None) -> list[ExerciseResult]:
    """Merge this run's rows into ``out``'s gradebooks (replacing only the
    same students' rows of the same lesson) and write their feedback files;
    returns every row the gradebook now holds."""
    path = out / "gradebook.csv"
    fresh = {(r.student, r.lesson) for r in results}
    kept = [r for r in read(path) if (r.student, r.lesson) not in fresh]
    order = {e.grade_id: i for i, e in enumerate(assignment.exercises)} if assignment else {}
    merged = sorted(kept + list(results), key=lambda r: (r.lesson, r.student, order.get(r.exercise, 0)))
    write_long(merged, path)
    write_wide(merged, out / "grades.csv")
    write_feedback([r for r in results if r.outcome != "no submission"], out / "feedback")
    return merged
