#!/usr/bin/env bash
# CI: the widget explorer under ipywidgets 7.7.1, the version Google Colab ships
# (ipywidgets 8 is what .venv has). Builds .venv-widgets7 with Python 3.11,
# installs the course without extras, then Colab's widget stack, and runs the
# headless widget tests and the plotting tests there.
set -euo pipefail
cd "$(dirname "$0")/.."

env=.venv-widgets7
py=$(command -v python3.11 || command -v python3)
if [ ! -x "$env/bin/python" ]; then
  "$py" -m venv "$env"
fi
pip=("$env/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" -e .
# Colab's versions of the widget stack (COURSE.md): ipywidgets 7.7.1 with
# IPython 7.34 and ipykernel 6.17, the pair it was released against.
"${pip[@]}" "ipywidgets==7.7.1" "ipython==7.34.0" "ipykernel==6.17.1" pytest
"$env/bin/python" - <<'PY'
import ipywidgets, IPython, matplotlib, numpy
assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
print(f"widgets7 stage: ipywidgets {ipywidgets.__version__}, IPython {IPython.__version__}, "
      f"matplotlib {matplotlib.__version__}, numpy {numpy.__version__}")
PY

# -o addopts="": the project's pytest options name nbval, which this lean
# environment does not have (the notebooks run in the main stage).
MPLBACKEND=Agg "$env/bin/python" -m pytest -o addopts="" -p no:cacheprovider -q \
  tests/test_widgets.py tests/test_plotting.py tests/test_animation.py
