"""The first cell of every lesson: seeds, plot style, and where the notebooks live.

``start()`` makes a run reproducible (NumPy and ``random`` seeded), applies the
course's plot style and prints one line saying what it runs on, so a learner
who asks for help can paste it. :data:`REPOSITORY` and :data:`BRANCH` are the
one place that says where the notebooks are published; the Colab badges and
the install line are built from them.
"""

from __future__ import annotations

import platform
import random
import sys

import numpy as np

from adamcourse import validation

__all__ = ["REPOSITORY", "BRANCH", "in_colab", "colab_url", "badge_markdown", "install_command", "start"]

REPOSITORY = "adamcourse/adamcourse"
BRANCH = "main"


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def colab_url(notebook: str) -> str:
    """The Colab address that opens ``notebook`` (``"02_momentum"`` or ``"02_momentum.ipynb"``)."""
    name = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{name}"


def badge_markdown(notebook: str) -> str:
    """The "Open in Colab" badge for ``notebook``, as Markdown."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)})"


def install_command() -> str:
    """What the setup cell installs in Colab: the course from its repository.

    No version pins and no ``--upgrade``: pip keeps Colab's preinstalled
    NumPy, matplotlib and ipywidgets, which already satisfy the course.
    """
    return f'pip install --quiet "adamcourse @ git+https://github.com/{REPOSITORY}"'


def start(seed: int = 0) -> np.random.Generator:
    """Seed NumPy's global generator and ``random``, apply the course plot
    style, keep TensorFlow's start-up lines out of the notebook
    (:func:`adamcourse.quiet.quiet_tensorflow`), print one line about the
    environment, and return a NumPy ``Generator`` seeded with ``seed`` for
    the lesson to use.

    Parameters
    ----------
    seed : int
        The lesson's seed; the same seed gives the same numbers and pictures.

    Returns
    -------
    numpy.random.Generator
    """
    seed = validation.whole("start", "seed", seed, "For example start(seed=0).")
    random.seed(seed)
    np.random.seed(seed)  # for code that still uses the legacy global generator
    _apply_style()
    # A lesson may import Keras in a later cell; TensorFlow's start-up lines say nothing about it.
    from adamcourse.quiet import quiet_tensorflow

    quiet_tensorflow()
    import adamcourse

    where = "Google Colab" if in_colab() else "local Jupyter"
    print(
        f"adamcourse {adamcourse.__version__} | Python {platform.python_version()} | "
        f"numpy {np.__version__} | {where} | seed {seed}"
    )
    return np.random.default_rng(seed)


def _apply_style() -> None:
    # Plotting is another module's job; a session still starts when matplotlib
    # is missing (a learner without it gets an error at the first plot instead).
    try:
        from adamcourse import plotting
    except ImportError:
        return
    plotting.use_course_style()
