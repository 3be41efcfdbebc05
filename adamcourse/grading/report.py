"""The class report: for each exercise, how many students got it right and
how many made each named mistake, as a table and a bar chart.

An instructor sees at a glance that a third of the room put eps inside the
square root. Written per lesson as ``report-<lesson>.csv`` and
``report-<lesson>.html`` (the chart embedded, no other file needed).
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from pathlib import Path

from adamcourse.grading import gradebook

__all__ = ["tally", "write"]

# How each outcome reads in the report (named mistakes are listed by name).
_OUTCOMES = {
    "right": "right",
    "wrong": "wrong in another way",
    "not attempted": "not attempted",
    "error": "raised an error",
    "changed inputs": "changed its inputs",
    "forbidden": "called the library's answer",
    "missing": "solution cell missing",
    "failed": "did not run (time, memory, crash)",
    "no submission": "no submission",
}


def tally(rows, exercises) -> list[tuple[str, str, int, int]]:
    """(exercise, what happened, students, of how many) for one lesson, in exercise order."""
    table = []
    for exercise in exercises:
        mine = [r for r in rows if r.exercise == exercise.grade_id]
        counts = Counter(
            f"mistake: {r.mistake}" if r.outcome == "mistake" else _OUTCOMES.get(r.outcome, r.outcome) for r in mine
        )
        for what, n in sorted(counts.items(), key=lambda kv: (kv[0] != "right", -kv[1], kv[0])):
            table.append((exercise.function_name, what, n, len(mine)))
    return table


def _chart(table) -> str:
    """The named mistakes as horizontal bars, a PNG as base64 (empty if none)."""
    mistakes = [
        (f"{name}: {what[len('mistake: ') :]}", n) for name, what, n, _ in table if what.startswith("mistake: ")
    ]
    if not mistakes:
        return ""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 0.45 * len(mistakes) + 1.2), layout="constrained")
    ax = figure.subplots()
    labels = [m[0] if len(m[0]) < 80 else m[0][:77] + "..." for m in mistakes]
    ax.barh(range(len(mistakes)), [m[1] for m in mistakes], color="#d55e00")
    ax.set_yticks(range(len(mistakes)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Named mistakes, by exercise")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode()


def write(out: Path, assignment) -> tuple[Path, Path]:
    """Write the report of ``assignment``'s lesson from the gradebook in ``out``."""
    rows = [r for r in gradebook.read(out / "gradebook.csv") if r.lesson == assignment.name]
    table = tally(rows, assignment.exercises)
    csv_path = out / f"report-{assignment.name}.csv"
    gradebook.atomic_write(csv_path, gradebook.csv_text([("exercise", "what", "students", "of")] + table))
    chart = _chart(table)
    cells = "".join(
        f"<tr><td>{html.escape(e)}</td><td>{html.escape(w)}</td><td>{n}</td><td>{total}</td>"
        f"<td>{100 * n / max(total, 1):.0f}%</td></tr>"
        for e, w, n, total in table
    )
    page = (
        f"<!doctype html><meta charset='utf-8'><title>Class report: {html.escape(assignment.name)}</title>"
        f"<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.2em .8em;"
        f"text-align:left}}tr:nth-child(even){{background:#f3f3f3}}</style>"
        f"<h1>Class report: {html.escape(assignment.name)}</h1>"
        f"<p>{len({r.student for r in rows})} students. A named mistake is one the checks recognise on every "
        f"test case; it earns half the points.</p>"
        + (
            f"<img alt='named mistakes by exercise' src='data:image/png;base64,{chart}'>"
            if chart
            else "<p>No named mistakes.</p>"
        )
        + f"<table><tr><th>exercise</th><th>what happened</th><th>students</th><th>of</th><th>share</th></tr>{cells}</table>"
    )
    html_path = out / f"report-{assignment.name}.html"
    gradebook.atomic_write(html_path, page)
    return csv_path, html_path
