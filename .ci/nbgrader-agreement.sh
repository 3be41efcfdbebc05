#!/usr/bin/env bash
# nbgrader's own pipeline gives the same points and words as `adamcourse grade`.
#
# For every lesson with exercises: a real nbgrader course (source/ -> generate_assignment
# -> submitted/ -> autograde), five students (tests/agreement_submissions.py: right, blank,
# wrong in a named way, wrong in no usual way, right through a helper in another cell),
# then `adamcourse grade` on the same files. Every grade cell's score and the check's
# feedback must match. nbgrader lives in .venv-nbgrader (it upgrades IPython, which
# Colab must not get); the notebooks run in the course's .venv through a kernel spec.
#
#   .ci/nbgrader-agreement.sh [LESSON ...]     # default: every lesson with exercises
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-nbgrader
if [ ! -x "$venv/bin/nbgrader" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "nbgrader>=0.9"
fi
[ -x .venv/bin/python ] || python3 course.py setup

work=$(mktemp -d)
[ -n "${KEEP_WORK:-}" ] && echo "work folder: $work" || trap 'rm -rf "$work"' EXIT
course="$work/course"
mkdir -p "$course/source" "$work/kernels/python3"
cat > "$work/kernels/python3/kernel.json" <<JSON
{"argv": ["$PWD/.venv/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (adamcourse)", "language": "python"}
JSON
cat > "$course/nbgrader_config.py" <<PY
c = get_config()
c.CourseDirectory.root = "$course"
c.CourseDirectory.course_id = "adamcourse"
c.Execute.timeout = 600
PY
export JUPYTER_PATH="$work" MPLBACKEND=Agg ADAMCOURSE_QUICK=1 PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=3

if [ $# -gt 0 ]; then lessons=("$@"); else
    mapfile -t lessons < <(.venv/bin/python -c 'import sys; sys.path.insert(0, "tests"); import agreement_submissions as s; print("\n".join(s.lessons()))')
fi
nbgrader="$PWD/$venv/bin/nbgrader"
export PATH="$PWD/$venv/bin:$PATH"  # nbgrader calls alembic by name
for lesson in "${lessons[@]}"; do
    mkdir -p "$course/source/$lesson"
    cp "notebooks/$lesson.ipynb" "$course/source/$lesson/"
    (cd "$course" && "$nbgrader" generate_assignment "$lesson" --force --log-level=WARN)
done
.venv/bin/python tests/agreement_submissions.py build "$course/submitted" "${lessons[@]}"
for lesson in "${lessons[@]}"; do
    echo "nbgrader autograde $lesson"
    (cd "$course" && "$nbgrader" autograde "$lesson" --create --force --log-level=WARN)
    # A notebook whose check cells show no output at all did not run through (a kernel lost
    # on a loaded machine): that is not a verdict, so it is graded once more, and said so.
    for student in $("$venv/bin/python" - "$course" "$lesson" <<'PY'
import sys
from pathlib import Path
import nbformat
course, lesson = Path(sys.argv[1]), sys.argv[2]
for path in sorted((course / "autograded").glob(f"*/{lesson}/{lesson}.ipynb")):
    checks = [c for c in nbformat.read(path, as_version=4).cells if c.metadata.get("nbgrader", {}).get("grade")]
    if any(not c.get("outputs") for c in checks):
        print(path.parts[-3])
PY
    ); do
        echo "nbgrader autograde $lesson --student $student (again: its check cells had no output)"
        (cd "$course" && "$nbgrader" autograde "$lesson" --student "$student" --create --force --log-level=WARN)
    done
done

# nbgrader's scores and the checks' printed feedback, per grade cell
"$venv/bin/python" - "$course" "${lessons[@]}" > "$work/nbgrader.json" <<'PY'
import json, sys
from pathlib import Path
import nbformat
from nbgrader.api import Gradebook

course, lessons = Path(sys.argv[1]), sys.argv[2:]
out = {}
with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
    for lesson in lessons:
        for student in sorted(p.name for p in (course / "autograded").iterdir()):
            path = course / "autograded" / student / lesson / f"{lesson}.ipynb"
            if not path.is_file():
                continue  # lesson 06 has three students, not five
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade") and not meta.get("solution"):
                    grade = gb.find_grade(meta["grade_id"], lesson, lesson, student)
                    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
                    out.setdefault(lesson, {}).setdefault(student, {})[meta["grade_id"][: -len("_check")]] = [grade.score, text]
print(json.dumps(out))
PY

# adamcourse grade on the same files, then the comparison (a file: its worker processes re-import it)
cat > "$work/compare.py" <<'PY'
import json, sys
from pathlib import Path
from adamcourse import grading


def sentence(text):
    first = text.strip().split("\n")[0]
    for cut in (" is the first returned value that differs", " on all ", " on the test case"):
        first = first.split(cut)[0]
    return first


def main(course, nbgrader):
    failed = 0
    for lesson, students in nbgrader.items():
        rows = grading.grade(course / "submitted", lesson, workers=2, progress=False)
        mine = {(r.student, r.exercise): r for r in rows}
        for student, cells in sorted(students.items()):
            for grade_id, (score, text) in cells.items():
                row = mine[(student, grade_id)]
                same = float(score) == row.points and sentence(text) == sentence(row.feedback)
                failed += not same
                print(f"{'ok  ' if same else 'FAIL'} {lesson:16} {student:8} {grade_id:26} nbgrader {float(score):g}, "
                      f"adamcourse grade {row.points:g}" + ("" if same else f"\n     nbgrader: {sentence(text)!r}"
                                                             f"\n     adamcourse: {sentence(row.feedback)!r}"))
    print(f"{'nbgrader agrees' if not failed else 'nbgrader disagrees'}: {failed} differences")
    return 1 if failed else 0


if __name__ == "__main__":  # (grading's worker processes import this file again)
    sys.exit(main(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())))
PY
.venv/bin/python "$work/compare.py" "$course" "$work/nbgrader.json"
