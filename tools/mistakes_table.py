#!/usr/bin/env python3
"""Write the instructor guide's table of exercises and the mistakes each check names.

    python tools/mistakes_table.py           # rewrite the table in docs/instructor-guide.md
    python tools/mistakes_table.py --check   # exit 1 if the table there is out of date

The table is made from the exercises' registry (adamcourse/exercises/), so it
cannot drift from what the checks really name: each row lists the exercise's
points, the first few mistakes by their short names, and how many it knows.
It sits between two HTML comments in the guide, which the tool keeps.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adamcourse.exercises import EXERCISES  # noqa: E402

GUIDE = ROOT / "docs" / "instructor-guide.md"
BEGIN = "<!-- mistakes table: made by tools/mistakes_table.py from the exercises; do not edit by hand -->"
END = "<!-- end of mistakes table -->"
SHOWN = 8  # mistakes named per row; the count says how many more the check knows


def table() -> str:
    rows = ["| lesson | exercise (grade_id) | points | mistakes the check names |", "|---|---|---|---|"]
    for exercise in EXERCISES.values():
        # a | would end the table's cell: Markdown writes it \|
        labels = list(
            dict.fromkeys(m.label.replace("|", "\\|") for m in exercise.mistakes if not m.label.endswith("..."))
        )
        if exercise.judge_one is not None:
            named = (
                "trains with the student's settings and explains what went wrong (too large, still crawling, invalid)"
            )
        else:
            total = len({m.label for m in exercise.mistakes})
            named = "; ".join(labels[:SHOWN]) + (
                f"; and {total - min(SHOWN, len(labels))} more" if total > SHOWN else ""
            )
        rows.append(f"| {exercise.lesson[:2]} | `{exercise.grade_id}` | {exercise.points} | {named} |")
    return "\n".join(rows)


def updated(text: str) -> str:
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{GUIDE} has no table markers ({BEGIN!r} ... {END!r}).")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = GUIDE.read_text(encoding="utf-8")
    fresh = updated(text)
    if "--check" in argv:
        if fresh != text:
            print(f"{GUIDE.relative_to(ROOT)}: the mistakes table is out of date; run tools/mistakes_table.py")
            return 1
        return 0
    GUIDE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
