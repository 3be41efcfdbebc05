"""TensorFlow's start-up lines (absl, oneDNN, cpu_feature_guard) never reach a notebook.

Each case runs in a fresh interpreter, because only the first import of TensorFlow prints them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from adamcourse.quiet import START_UP_LINE

ROOT = Path(__file__).resolve().parents[1]


def fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )


def test_tensorflow_prints_start_up_lines_when_nothing_stops_it():
    """The control: without the course, importing Keras does print them here, so the tests
    below could fail."""
    plain = fresh("import keras, tensorflow as tf; tf.constant(1.0) + 1")
    assert plain.returncode == 0, plain.stderr
    if not plain.stderr and tuple(int(p) for p in tf_version().split(".")[:2]) < (2, 21):
        # Colab's TensorFlow 2.20 (the Colab CI stage) prints nothing here; 2.21 and later do
        pytest.skip(f"TensorFlow {tf_version()} prints no start-up line on this machine: nothing to hide")
    assert START_UP_LINE.search(plain.stderr), f"no start-up line to hide: {plain.stderr!r}"


def tf_version() -> str:
    return fresh("import tensorflow as tf; print(tf.__version__)").stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "first",
    [
        "from adamcourse import session; session.start(seed=0); import keras",  # a lesson's own import (05, 06)
        "from adamcourse import session; session.start(seed=0); import tensorflow as tf; keras = tf.keras",
        "from adamcourse.keras_bridge import CourseAdam; import keras",
        "from adamcourse import finale; import keras",  # finale imports Keras lazily
    ],
)
def test_nothing_reaches_stderr_once_the_library_is_loaded(first):
    result = fresh(
        f"{first}\n"
        "import numpy as np\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def test_a_real_error_from_native_code_still_gets_through():
    result = fresh(
        "import os\n"
        "from adamcourse.quiet import native_stderr_filtered\n"
        "with native_stderr_filtered():\n"
        "    os.write(2, b'I0000 00:00:1795975505.084389   10151 port.cc:153] oneDNN custom operations are on.\\n')\n"
        "    os.write(2, b'E0000 00:00:1795975505.1  10151 cuda.cc:1] could not load a library\\n')\n"
    )
    assert result.stderr == "E0000 00:00:1795975505.1  10151 cuda.cc:1] could not load a library\n"


@pytest.mark.slow
def test_a_notebook_importing_keras_shows_no_start_up_lines():
    """In a Jupyter kernel (nbclient here, JupyterLab alike) native stderr becomes cell output."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from adamcourse import session\nrng = session.start(seed=0)"),
            nbformat.v4.new_code_cell("import keras\nimport tensorflow as tf\nprint(float(tf.constant(1.0) + 1))"),
        ]
    )
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = [o for cell in nb.cells for o in cell.outputs]
    assert [o for o in outputs if o.output_type == "stream" and o.name == "stderr"] == []
    assert "2.0" in nb.cells[1].outputs[0].text
