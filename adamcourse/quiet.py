"""TensorFlow's start-up lines kept out of the notebooks.

Importing TensorFlow (which ``import keras`` does) prints lines like these from its C++ core,
straight to the process's standard error, so they land in a notebook's output in JupyterLab,
Colab and nbclient alike::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1795975505.084389   10151 port.cc:153] oneDNN custom operations are on. ...
    I0000 00:00:1795975505.169891   10151 cpu_feature_guard.cc:227] This TensorFlow binary is ...

They say nothing about the lesson. ``TF_CPP_MIN_LOG_LEVEL=2`` hides the ones TensorFlow logs
once its logging is set up, but not those printed while its libraries load (measured with
TensorFlow 2.21: the absl and oneDNN lines appear even at level 3). So :func:`quiet_tensorflow`
also watches for the first import of ``tensorflow`` or ``keras``, whoever makes it (the library,
a lesson's cell, a learner's own cell), and runs that import with the process's standard error
caught; afterwards it passes on every caught line except the known start-up ones, so a real
error still reaches the learner. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import re
import sys
import tempfile

__all__ = ["quiet_tensorflow", "native_stderr_filtered", "START_UP_LINE"]

# One start-up line of TensorFlow's native code: an absl log line ("I0000 00:00:17... 123
# port.cc:153] ..."), absl's notice about logging before InitializeLog, or the second line of
# cpu_feature_guard's message.
START_UP_LINE = re.compile(
    r"^(?:[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\].*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.)\n?",
    re.MULTILINE,
)
_NOISY = ("tensorflow", "keras")


@contextlib.contextmanager
def native_stderr_filtered():
    """Catch what native code writes to file descriptor 2 inside the ``with`` block, then pass
    it on without TensorFlow's start-up lines.

    Python's own ``sys.stderr`` is flushed first; in a Jupyter kernel it is not descriptor 2,
    so Python warnings reach the notebook as usual.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2 (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            rest = START_UP_LINE.sub("", caught.read().decode("utf-8", errors="replace"))
            if rest.strip():
                sys.stderr.write(rest)
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader of ``tensorflow`` or ``keras`` inside :func:`native_stderr_filtered`."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self._loader  # afterwards the module looks as if imported normally
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with native_stderr_filtered():
            self._loader.exec_module(module)

    def __getattr__(self, name):  # get_resource_reader, is_package, ...: the real loader's
        return getattr(self._loader, name)


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` and ``keras`` like the other finders do, with a quiet loader."""

    def find_spec(self, name, path=None, target=None):
        if name not in _NOISY or any(n in sys.modules for n in _NOISY):
            return None  # only the first of them loads TensorFlow's libraries
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up lines out of the output; call before TensorFlow is imported.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless it is set already (TensorFlow's native INFO and
    WARNING logs off, errors still shown) and makes the first ``import tensorflow`` or
    ``import keras`` of this process quiet. Safe to call again; does nothing once TensorFlow
    is loaded.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if any(n in sys.modules for n in _NOISY):
        return
    if not any(isinstance(finder, _QuietFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
