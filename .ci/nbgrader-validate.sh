#!/usr/bin/env bash
# Validate the lesson notebooks and their student copies with nbgrader's own tools.
#
# nbgrader lives in its own environment (.venv-nbgrader): it must never become a
# dependency of the course, because installing it upgrades IPython, which breaks
# Colab. The notebooks themselves run in the course's environment (.venv), through
# a kernel spec that this script points nbgrader at.
#
#   .ci/nbgrader-validate.sh            # metadata, checksums, and `nbgrader validate` (runs the notebooks)
#   .ci/nbgrader-validate.sh --quick    # metadata and checksums only
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-nbgrader
if [ ! -x "$venv/bin/nbgrader" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "nbgrader>=0.9"
fi
[ -x .venv/bin/python ] || python3 course.py setup

shopt -s nullglob
notebooks=(notebooks/[0-9][0-9]_*.ipynb notebooks/student/[0-9][0-9]_*.ipynb)
if [ ${#notebooks[@]} -eq 0 ]; then
    echo "no notebooks to validate in notebooks/" >&2
    exit 1
fi

# 1. nbgrader's metadata schema (v3: grade ids, points, solution/grade/locked combinations),
#    and every checksum in the student copies equal to nbgrader's compute_checksum.
"$venv/bin/python" - "${notebooks[@]}" <<'PY'
import sys
import nbformat
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution

failed = 0
validator = MetadataValidator()
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    try:
        validator.validate_nb(nb)
    except ValidationError as error:
        print(f"FAIL {path}: {error}")
        failed += 1
        continue
    graded = [c for c in nb.cells if is_grade(c) or is_solution(c) or is_locked(c)]
    wrong = [c.metadata.nbgrader["grade_id"] for c in graded
             if "checksum" in c.metadata.nbgrader and c.metadata.nbgrader["checksum"] != compute_checksum(c)]
    if "/student/" in path and (wrong or any("checksum" not in c.metadata.nbgrader for c in graded)):
        print(f"FAIL {path}: checksums missing or not nbgrader's for {wrong or 'some cells'}")
        failed += 1
        continue
    print(f"ok   {path}: {sum(map(is_solution, nb.cells))} solution and {sum(map(is_grade, nb.cells))} grade cells")
sys.exit(1 if failed else 0)
PY

[ "${1:-}" = "--quick" ] && exit 0

# 2. `nbgrader validate` runs each notebook: a lesson with its solutions passes; a
#    student copy does not (its checks give 0 points for "not attempted yet", which
#    is what a learner who validates an unfinished notebook should be told).
#    .ci/nbgrader-agreement.sh runs nbgrader's autograde on the same notebooks and more.
spec_dir=$(mktemp -d)
trap 'rm -rf "$spec_dir"' EXIT
mkdir -p "$spec_dir/kernels/python3"
cat > "$spec_dir/kernels/python3/kernel.json" <<JSON
{"argv": ["$PWD/.venv/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (adamcourse)", "language": "python"}
JSON
export JUPYTER_PATH="$spec_dir" MPLBACKEND=Agg ADAMCOURSE_QUICK=1 PYTHONHASHSEED=0
export PATH="$PWD/$venv/bin:$PATH"  # nbgrader calls alembic by name
nbgrader="$PWD/$venv/bin/nbgrader"
status=0
for notebook in "${notebooks[@]}"; do
    # from the notebook's own folder, as a learner runs it
    out=$(cd "$(dirname "$notebook")" && "$nbgrader" validate "$(basename "$notebook")" 2>&1) || true
    if [[ "$notebook" == */student/* ]]; then want="VALIDATION FAILED"; else want="Success! Your notebook passes all the tests."; fi
    if grep -q "$want" <<<"$out"; then
        echo "ok   nbgrader validate $notebook ($want)"
    else
        echo "FAIL nbgrader validate $notebook (expected: $want)"
        echo "$out" | tail -20
        status=1
    fi
done
exit $status
