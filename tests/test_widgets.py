"""The explorer, headless: build it, set .value on its controls as a click
would, and check the picture the callback produced. Runs under ipywidgets 8
here and under ipywidgets 7.7.1 (Colab's) in .ci/widgets7.sh."""

import base64
import io
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image

from adamcourse import SGD, Adam, Momentum, RMSProp, get_objective, run
from adamcourse.widgets import (
    Settings,
    explorer,
    explorer_figure,
    make_optimizer,
    render,
)

pytest.importorskip("ipywidgets")  # every test below drives real widgets


def png_pixels(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=int)


def adam_without_correction_by_hand(objective, x, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """The update written out independently of the library."""
    m = np.zeros(2)
    v = np.zeros(2)
    points = [x]
    for _ in range(steps):
        g = objective.grad(x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        x = x - lr * m / (np.sqrt(v) + eps)
        points.append(x)
    return np.array(points)


@pytest.fixture
def ex(capsys):
    e = explorer()
    capsys.readouterr()  # the "no notebook here" message
    return e


# --- the plain logic ------------------------------------------------------------------


def test_settings_map_onto_the_optimizers_the_way_adam_combines_them():
    s = Settings(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6)
    assert make_optimizer("SGD", s) == SGD(lr=0.05)
    assert make_optimizer("Momentum", s) == Momentum(lr=0.05, beta=0.8)
    assert make_optimizer("RMSProp", s) == RMSProp(lr=0.05, beta=0.99, eps=1e-6)
    assert make_optimizer("Adam", s) == Adam(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6)
    # The no-bias-correction Adam is the library's own option, not a widget class.
    assert make_optimizer("Adam", Settings(bias_correction=False)) == Adam(lr=0.002, bias_correction=False)


def test_settings_refuse_bad_values_with_the_fix():
    with pytest.raises(ValueError, match=r"explorer: lr must be a number from 1e-05 to 1, got 5.0. Try 0.01."):
        Settings(lr=5.0)
    with pytest.raises(ValueError, match=r"explorer: beta1 must be a number in \[0, 1\).*typical value is beta1=0.9"):
        Settings(beta1=1.0)
    with pytest.raises(ValueError, match="unknown optimizer 'Adamax'"):
        Settings(optimizers=("Adamax",))
    with pytest.raises(KeyError, match="unknown objective"):
        Settings(objective="rosenbrok")
    with pytest.raises(ValueError, match="steps must be a whole number"):
        Settings(steps=2.5)
    # Chosen in any order, shown in the course's order.
    assert Settings(optimizers=("Adam", "SGD")).optimizers == ("SGD", "Adam")


def test_explorer_figure_draws_the_runs_of_its_settings():
    fig = explorer_figure(Settings(objective="ravine", optimizers=("SGD", "Adam"), lr=0.1, steps=50))
    contour_ax, loss_ax = fig.axes
    ravine = get_objective("ravine")
    lines = {line.get_label(): line for line in contour_ax.lines}
    np.testing.assert_array_equal(lines["SGD"].get_xydata(), run(SGD(lr=0.1), ravine, steps=50).points)
    np.testing.assert_array_equal(lines["Adam"].get_xydata(), run(Adam(lr=0.1), ravine, steps=50).points)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["SGD", "Adam", "minimum"]
    np.testing.assert_allclose(loss_ax.lines[1].get_ydata(), run(Adam(lr=0.1), ravine, steps=50).losses)


@pytest.mark.parametrize(
    "changes",
    [
        [Settings(lr=0.002, optimizers=("SGD", "RMSProp", "Adam"))],
        [Settings(objective="ravine", lr=0.3), Settings(objective="ravine", lr=0.05, optimizers=("Adam",))],
    ],
)
def test_the_fast_redraw_gives_the_same_pixels_as_a_full_render(changes):
    view = render(Settings(lr=0.01))
    for settings in changes:  # later updates are blitted onto the kept landscape
        render(settings, view)
    fast = np.asarray(view.figure.canvas.buffer_rgba(), dtype=int)[..., :3].copy()  # what the blit drew
    sent = png_pixels(view.png())
    buffer = io.BytesIO()
    view.figure.savefig(buffer, format="png")
    full = png_pixels(buffer.getvalue())
    assert fast.shape == full.shape == sent.shape
    assert np.mean(np.abs(fast - full) > 8) < 0.001  # antialiasing may differ on a few pixels
    # The PNG sent to the page is the same picture in a 128-colour palette.
    assert np.mean(np.abs(sent - fast).max(axis=-1) > 40) < 0.01


def test_the_explorer_figure_keeps_its_fixed_layout_under_the_course_style():
    import matplotlib.pyplot as plt

    from adamcourse.plotting import COURSE_STYLE

    with plt.rc_context(COURSE_STYLE):
        view = render(Settings(steps=20))
    assert view.figure.get_layout_engine() is None


# --- the widgets ----------------------------------------------------------------------


def test_the_explorer_fits_a_1024_by_768_screen(ex):
    # JupyterLab at 1024 x 768 leaves an output area 844 pixels wide (measured in
    # Chromium, file browser closed) and, under the browser's and JupyterLab's
    # bars, about 570 high.
    widths = [int(box.layout.width.rstrip("px")) for box in ex.ui.children[0].children]
    assert len(widths) == 3 and sum(widths) <= 844
    assert all(
        int(c.layout.width.rstrip("px")) <= w
        for box, w in zip(ex.ui.children[0].children, widths)
        for c in box.children
        if getattr(c.layout, "width", None) and c.layout.width.endswith("px")
    )
    rows = max(len(box.children) for box in ex.ui.children[0].children)
    height = png_pixels(ex.image.value).shape[0]
    assert rows <= 4 and width_of(ex.image.value) <= 900
    assert rows * 34 + height * 844 / 880 + 22 <= 570  # controls, the picture shrunk to 844 wide, a summary line


def width_of(png):
    return png_pixels(png).shape[1]


def test_explorer_starts_with_a_picture_of_its_settings(ex):
    assert ex.redraws == 1
    assert ex.settings() == Settings(start=(-1.5, 2.0))  # the sliders hold rosenbrock's start
    assert png_pixels(ex.image.value).shape[:2] == (360, 880)
    assert [t.label for t in ex.view.trajectories] == ["SGD", "Momentum", "Adam"]
    assert "SGD" in ex.status.value and "loss" in ex.status.value


def test_moving_the_lr_slider_reruns_and_redraws(ex):
    before = ex.image.value
    ex.controls["lr"].value = 0.05
    assert ex.redraws == 2
    assert ex.image.value != before
    rosenbrock = get_objective("rosenbrock")
    np.testing.assert_array_equal(
        ex.view.path_line("Adam").get_xydata(), run(Adam(lr=0.05), rosenbrock, steps=200).points
    )
    # SGD at lr=0.05 blows up on Rosenbrock: a cross on the frame and the status say so.
    sgd = ex.view.trajectories[0]
    assert sgd.diverged_at is not None
    legend = [t.get_text() for t in ex.view.legend.get_texts()]
    assert legend == ["SGD", "Momentum", "Adam", "minimum"]
    assert f"diverged at step {sgd.diverged_at}" in ex.status.value
    cross = [
        line
        for line in ex.view._path_artists
        if line.get_marker() == "X" and line.get_color() == ex.view.path_line("SGD").get_color()
    ]
    ((x, y),) = cross[0].get_xydata()
    (x0, x1), (y0, y1) = rosenbrock.bounds
    assert min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) < 1e-9  # on the frame, where it left


def test_ticking_optimizers_changes_the_runs_shown(ex):
    ex.controls["optimizers"]["SGD"].value = False
    ex.controls["optimizers"]["RMSProp"].value = True
    assert [t.label for t in ex.view.trajectories] == ["Momentum", "RMSProp", "Adam"]
    assert [line.get_label() for line in ex.view.loss_ax.lines] == ["Momentum", "RMSProp", "Adam"]
    for name in ("Momentum", "RMSProp", "Adam"):
        ex.controls["optimizers"][name].value = False
    assert ex.view.trajectories == [] and len(ex.view.loss_ax.lines) == 0
    assert "Tick an optimizer" in ex.view.loss_ax.texts[0].get_text()


def test_betas_reach_momentum_rmsprop_and_adam(ex):
    ex.controls["optimizers"]["RMSProp"].value = True
    ex.controls["beta1"].value = 0.5
    ex.controls["beta2"].value = 0.99
    optimizers = {t.label: t.optimizer for t in ex.view.trajectories}
    assert optimizers["Momentum"].beta == 0.5
    assert optimizers["RMSProp"].beta == 0.99
    assert (optimizers["Adam"].beta1, optimizers["Adam"].beta2) == (0.5, 0.99)


def test_turning_bias_correction_off_runs_the_uncorrected_update(ex):
    ex.controls["lr"].value = 0.01
    ex.controls["bias_correction"].value = False
    rosenbrock = get_objective("rosenbrock")
    expected = adam_without_correction_by_hand(rosenbrock, rosenbrock.start, 0.01, 200)
    line = ex.view.path_line("Adam, no bias correction")
    np.testing.assert_allclose(line.get_xydata(), expected, rtol=1e-12, atol=1e-12)


def test_a_new_landscape_moves_the_start_sliders_and_redraws_once(ex):
    ex.controls["objective"].value = "himmelblau"
    assert ex.redraws == 2
    assert (ex.controls["start_x"].value, ex.controls["start_y"].value) == (0.0, 0.0)
    assert (ex.controls["start_x"].min, ex.controls["start_x"].max) == (-5.0, 5.0)
    assert ex.view.contour_ax.get_title().startswith("Himmelblau")
    assert ex.view.contour_ax.get_xlim() == (-5.0, 5.0)
    ex.controls["start_x"].value = 2.0
    np.testing.assert_array_equal(ex.view.trajectories[0].points[0], [2.0, 0.0])
    ex.controls["steps"].value = 30
    assert all(t.steps == 30 for t in ex.view.trajectories)


def test_explorer_takes_initial_values_and_rejects_unknown_ones(capsys):
    e = explorer("ravine", ["Adam", "SGD"], steps=50, lr=0.1, beta2=0.98, start=(-4.0, 2.0))
    assert e.controls["beta2"].value == 0.98 and e.controls["lr"].value == pytest.approx(0.1)
    assert e.settings().optimizers == ("SGD", "Adam")
    np.testing.assert_array_equal(e.view.trajectories[0].points[0], [-4.0, 2.0])
    with pytest.raises(TypeError, match="unknown setting"):
        explorer(learning_rate=0.1)
    with pytest.raises(ValueError, match="outside the bowl window"):
        explorer("bowl", start=(3.0, 0.0))


def test_outside_a_notebook_it_says_why_the_controls_cannot_show(capsys):
    explorer("bowl", steps=10)
    assert "need a notebook" in capsys.readouterr().out


def test_without_ipywidgets_it_says_how_to_install_and_returns_the_figure(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    fig = explorer("bowl", steps=10)
    assert "%pip install ipywidgets" in capsys.readouterr().out
    assert len(fig.axes) == 2 and fig.axes[0].get_title() == "Bowl"


def test_importing_the_module_does_not_import_ipywidgets():
    code = "import sys, adamcourse.widgets; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_in_a_real_kernel_the_explorer_shows_as_a_widget():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from adamcourse.widgets import explorer\nexplorer('bowl', steps=20)")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    # One output, no "needs a notebook" message: the widget view, with a still
    # of its picture and a sentence for frontends that cannot draw widgets
    # (GitHub showed "VBox(children=...)").
    assert [o.output_type for o in outputs] == ["display_data"]
    data = outputs[0].data
    view = data["application/vnd.jupyter.widget-view+json"]
    assert png_pixels(base64.b64decode(data["image/png"])).shape[:2] == (360, 880)
    assert data["text/plain"].startswith("Optimizer explorer on bowl") and "VBox" not in data["text/plain"]
    # nbclient keeps the widgets' state in the notebook, so a saved notebook
    # shows the controls and the picture before anyone runs it.
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert view["model_id"] in state
    images = [m for m in state.values() if m["model_name"] == "ImageModel"]
    assert len(images) == 1
