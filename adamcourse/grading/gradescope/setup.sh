#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built: install the
# course (shipped in this bundle) with the extras its lesson needs (config.json:
# "grade", plus "keras" where a judge trains a network), and bubblewrap for the sandbox.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
extras=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("extras", "grade"))' "$root/source/config.json" 2>/dev/null || echo grade)
apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv bubblewrap >/dev/null
python3 -m pip install --quiet --break-system-packages "$root/source/course[$extras]" \
  || python3 -m pip install --quiet "$root/source/course[$extras]"
