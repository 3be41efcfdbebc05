#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built: install the
# course (shipped in this bundle) with the grading extras.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
python3 -m pip install --quiet --break-system-packages "$root/source/course[grade]" \
  || python3 -m pip install --quiet "$root/source/course[grade]"
