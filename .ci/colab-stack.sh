#!/usr/bin/env bash
# CI stage 2: Google Colab's preinstalled stack (COURSE.md, checked 2026-08).
# Installs Colab's versions into their own environment, installs adamcourse the
# way the notebooks' setup cell does, proves pip changed none of Colab's
# packages, then runs the unit tests and every notebook (quick mode) there.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

# Colab runs Python 3.13; use the newest 3.13 pyenv has, else the newest Python here.
py=""
for candidate in "$(command -v pyenv >/dev/null && pyenv root)/versions/"3.13*/bin/python3.13 python3.13 python3.12 python3; do
  if command -v "$candidate" >/dev/null 2>&1; then py=$candidate; break; fi
done
echo "colab stage: using $($py --version) from $py"

env=.venv-colab
rm -rf "$env"
"$py" -m venv "$env"
pip=("$env/bin/python" -m pip install --quiet)

# What Colab ships (the packages the course touches).
cat > "$env/colab-pins.txt" <<'PINS'
numpy==2.1.3
matplotlib==3.10.*
ipywidgets==7.7.1
ipython==7.34.0
ipykernel==6.17.1
tensorflow-cpu==2.20.*
keras==3.13.2
PINS
"${pip[@]}" -r "$env/colab-pins.txt"
"$env/bin/python" -m pip freeze --all | sort > "$env/before.txt"

# The setup cell: `%pip install "adamcourse @ git+...repo"` without extras.
"${pip[@]}" .
"$env/bin/python" -m pip freeze --all | sort > "$env/after.txt"
changed=$(comm -23 "$env/before.txt" "$env/after.txt" || true)
if [ -n "$changed" ]; then
  echo "colab stage: FAILED: installing adamcourse changed Colab's packages:"; echo "$changed"
  exit 1
fi
echo "colab stage: installing adamcourse changed none of Colab's $(wc -l < "$env/before.txt") packages"

# Test tools, constrained to Colab's versions so they cannot move them either.
frozen="$env/before.txt"
"${pip[@]}" -c "$frozen" pytest nbval nbformat nbclient jupytext mlxtend
"$env/bin/python" -m pip freeze --all | sort > "$env/with-tools.txt"
moved=$(comm -23 "$env/before.txt" "$env/with-tools.txt" || true)
[ -z "$moved" ] || { echo "colab stage: FAILED: test tools moved Colab's packages:"; echo "$moved"; exit 1; }

# Run the installed (non-editable) package from outside the checkout's import path.
MPLBACKEND=Agg ADAMCOURSE_QUICK=1 PYTHONHASHSEED=0 "$env/bin/python" -m pytest -p no:cacheprovider "$@"
echo "colab stage: finished in $(( $(date +%s) - start )) s"
