"""Plot helpers: assert on the Axes they return (data, labels, legends, levels)."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from adamcourse import (
    SGD,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    RMSProp,
    linear_regression,
    plotting,
    run,
    run_minibatch,
)

# The Okabe-Ito palette, typed in from the paper, not read from the module.
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# --- colours ---------------------------------------------------------------------


def test_every_course_optimizer_has_its_own_colour_from_the_palette():
    names = ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "AdamW", "course Adam"]
    colors = [plotting.optimizer_color(n).upper() for n in names]
    assert len(set(colors)) == len(names)
    assert set(colors) <= OKABE_ITO


def test_colour_is_the_same_for_instance_class_label_trajectory_and_framework_spelling():
    adam = plotting.optimizer_color("Adam")
    assert plotting.optimizer_color(Adam(lr=0.1)) == adam
    assert plotting.optimizer_color(Adam) == adam
    assert plotting.optimizer_color("Adam(lr=0.1, beta2=0.99)") == adam
    assert plotting.optimizer_color("Keras Adam") == adam
    assert plotting.optimizer_color(run(Adam(lr=0.1), "bowl", steps=3, label="lr=0.1")) == adam
    assert plotting.optimizer_color("course Adam") != adam
    assert plotting.optimizer_color("Keras Adagrad") == plotting.optimizer_color(AdaGrad())
    assert plotting.optimizer_color("torch RMSprop") == plotting.optimizer_color(RMSProp())
    assert plotting.optimizer_color("SGD + momentum") == plotting.optimizer_color(Momentum())
    assert plotting.optimizer_color("AdamW(weight_decay=0.1)") == plotting.optimizer_color(AdamW())
    assert plotting.optimizer_color("AdamW") != adam


def test_a_learners_subclass_takes_its_parents_colour_and_unknowns_are_grey():
    class MyAdam(Adam):
        pass

    assert plotting.optimizer_color(MyAdam()) == plotting.optimizer_color("Adam")
    grey = plotting.optimizer_color("Lion")
    assert grey.upper() not in {plotting.optimizer_color(n).upper() for n in ["SGD", "Adam", "course Adam"]}
    with pytest.raises(TypeError, match="optimizer_color takes"):
        plotting.optimizer_color(3.0)


def test_runs_of_one_class_get_distinct_styles_in_the_same_hue_family():
    runs = [run(SGD(lr=lr), "bowl", steps=3) for lr in (0.01, 0.1, 0.5)] + [run(Adam(), "bowl", steps=3)]
    styles = plotting.trajectory_styles(*runs)
    pairs = {(s["color"], s["linestyle"]) for s in styles}
    assert len(pairs) == 4
    assert [s["linestyle"] for s in styles[:3]] == ["-", "--", ":"]
    assert styles[0]["color"].upper() == "#000000" and styles[3]["color"].upper() == "#0072B2"


# --- contour ---------------------------------------------------------------------


def test_contour_draws_each_trajectory_through_its_points_with_a_legend():
    runs = [run(SGD(lr=0.001), "rosenbrock", steps=50), run(Adam(lr=0.1), "rosenbrock", steps=50)]
    fig, ax = plt.subplots()
    assert plotting.contour("rosenbrock", *runs, ax=ax) is ax
    labels = [line.get_label() for line in ax.lines]
    for tr in runs:
        line = ax.lines[labels.index(tr.label)]
        np.testing.assert_array_equal(line.get_xydata(), tr.points)
    assert legend_texts(ax) == ["SGD(lr=0.001)", "Adam(lr=0.1)", "minimum"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert "Rosenbrock" in ax.get_title()
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 3.0)
    # The minimum (1, 1) is marked.
    minimum = [line for line in ax.lines if line.get_label() == "minimum"][0]
    np.testing.assert_array_equal(minimum.get_xydata(), [[1.0, 1.0]])


def test_contour_levels_are_log_spaced_for_rosenbrock_and_even_for_the_bowl():
    fig, (a, b) = plt.subplots(1, 2)
    plotting.contour("rosenbrock", ax=a, levels=25)
    levels = a.collections[0].levels
    assert len(levels) == 25
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0])
    plotting.contour("bowl", ax=b, levels=12)
    levels = b.collections[0].levels
    assert len(levels) == 12
    # x**2 + y**2 on [-1, 1]^2 reaches 2 at the corners, which are on the grid.
    np.testing.assert_allclose(np.diff(levels), np.diff(levels)[0])
    assert levels[-1] == pytest.approx(2.0)


def test_contour_passes_kwargs_to_contourf_and_can_draw_lines_only():
    fig, (a, b) = plt.subplots(1, 2)
    plotting.contour("bowl", ax=a, cmap="viridis")
    assert a.collections[0].get_cmap().name == "viridis"
    plotting.contour("bowl", ax=b, filled=False, levels=8)
    assert not b.collections[0].filled and len(b.collections[0].levels) == 8


def test_a_diverged_run_is_drawn_up_to_where_it_leaves_the_window_and_says_so():
    blown = run(SGD(lr=1.5), "bowl", steps=200)
    assert blown.diverged_at is not None
    fig, ax = plt.subplots()
    plotting.contour("bowl", blown, run(SGD(lr=0.1), "bowl", steps=20), ax=ax)
    assert legend_texts(ax)[0] == f"SGD(lr=1.5) (diverged at step {blown.diverged_at})"
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-1.0, 1.0)
    # On x**2 + y**2 a step of lr=1.5 maps p to p - 1.5 * 2p = -2p: (0.8, 0.6)
    # jumps to (-1.6, -1.2), outside [-1, 1]^2. That segment reaches x = -1
    # three quarters of the way, (0.8 - 1.8/2.4 * 2.4, 0.6 - 0.75 * 1.8):
    # it leaves the window at (-1, -0.75), and the cross marks that point.
    cross = [line for line in ax.lines if line.get_marker() == "X"][0]
    np.testing.assert_allclose(cross.get_xydata(), [[-1.0, -0.75]])
    # The path stops there: no segment between far-away points crosses the picture.
    path = ax.lines[0]
    np.testing.assert_allclose(path.get_xydata(), [[0.8, 0.6], [-1.0, -0.75]])


def test_exit_point_of_a_run_that_wanders_out_and_back_before_it_leaves():
    window = (-1.0, 1.0, -1.0, 1.0)
    # Out at step 1, back at step 2, out for good after step 3, towards (0.5, 3):
    # from (0.5, 0) that segment meets y = 1 a third of the way.
    points = [(0, 0), (2, 0), (0, 0.5), (0.5, 0), (0.5, 3), (9, 9)]
    k, end = plotting.exit_point(points, window)
    assert k == 3
    np.testing.assert_allclose(end, [0.5, 1.0])
    # A run that ends inside gives its last point; one that never was inside, its start.
    assert plotting.exit_point([(0, 0), (0.5, 0.5)], window)[0] == 1
    k, end = plotting.exit_point([(5, 5), (6, 6)], window)
    assert k == 0 and tuple(end) == (5.0, 5.0)
    # A next point that overflowed to inf: the run is marked at its last finite point.
    k, end = plotting.exit_point([(0, 0), (0.5, 0.5), (np.inf, np.nan)], window)
    assert k == 1 and tuple(end) == (0.5, 0.5)


def _luminance(color):
    rgb = np.array(matplotlib.colors.to_rgb(color))
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def _contrast(a, b):
    """WCAG contrast ratio: 1 (none) to 21 (black on white)."""
    low, high = sorted((_luminance(a), _luminance(b)))
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", ["bowl", "ravine", "rosenbrock", "beale"])
def test_contour_lines_stand_out_from_every_band_they_are_drawn_on(name):
    fig, ax = plt.subplots()
    plotting.contour(name, ax=ax)
    filled, lines = ax.collections[0], ax.collections[1]
    assert filled.filled and not lines.filled
    bands = filled.get_facecolor()[:, :3]
    (line_color,) = {tuple(c[:3]) for c in lines.get_edgecolor()}
    # White lines on the pale ramp had a contrast of 1:1 on its palest band;
    # 3:1 is WCAG's minimum for lines in graphics.
    assert min(_contrast(line_color, band) for band in bands) >= 3.0
    assert min(lines.get_linewidth()) >= 0.6
    # Thinner than every path, so the runs stay in front.
    assert max(lines.get_linewidth()) < min(
        s["linewidth"] for s in plotting.trajectory_styles("SGD", "Adam", "AdaGrad")
    )
    # Steep landscapes get a line at every other band edge, not a solid grey wall.
    assert len(lines.levels) == 15 and len(filled.levels) == 30


def test_runs_drawn_later_are_thinner_so_a_hidden_path_shows_as_a_rim():
    # On the ravine AdaGrad(lr=1) and RMSProp(lr=0.1, beta=0.99) take nearly the same path.
    runs = [run(AdaGrad(lr=1.0), "ravine", steps=60), run(RMSProp(lr=0.1, beta=0.99), "ravine", steps=60)]
    fig, ax = plt.subplots()
    plotting.contour("ravine", *runs, ax=ax)
    under, over = ax.lines[0], [line for line in ax.lines if line.get_label() == runs[1].label][0]
    assert under.get_zorder() == over.get_zorder() and ax.lines.index(under) < ax.lines.index(over)
    assert under.get_linewidth() >= over.get_linewidth() + 1.0
    widths = [s["linewidth"] for s in plotting.trajectory_styles(*["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"])]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 5


def test_legends_sit_under_the_axes_and_cover_no_data():
    runs = [run(SGD(lr=0.45), "ravine", steps=60), run(Adam(lr=0.3), "ravine", steps=60)]
    plotting.use_course_style()
    try:
        fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
        plotting.contour("ravine", *runs, ax=a)
        plotting.loss_curves(*runs, ax=b)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in (a, b):
            legend = ax.get_legend().get_window_extent(renderer)
            assert legend.y1 < ax.get_window_extent(renderer).y0  # under the plotting area
            assert legend.y1 < ax.xaxis.label.get_window_extent(renderer).y0  # and under the x label
            assert legend.y0 >= fig.bbox.y0  # inside the figure: constrained layout made room
    finally:
        matplotlib.rcdefaults()
        matplotlib.use("Agg")


def test_loss_curves_tick_whole_steps():
    fig, ax = plt.subplots()
    plotting.loss_curves(run(SGD(lr=0.1), "bowl", steps=20), ax=ax)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks)


def test_contour_uses_the_current_axes_and_names_w_b_for_the_neuron():
    fig = plt.figure()
    ax = plotting.contour("sigmoid_neuron")
    assert ax is plt.gca() and ax.figure is fig
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "b")


def test_contour_rejects_a_list_of_trajectories_with_a_hint():
    runs = [run(SGD(), "bowl", steps=2)]
    with pytest.raises(TypeError, match=r"\*trajectories"):
        plotting.contour("bowl", runs)
    with pytest.raises(KeyError, match="unknown objective"):
        plotting.contour("bowel")


# --- loss curves ---------------------------------------------------------------------


def test_loss_curves_show_the_distance_to_the_known_minimum():
    # saddle's minimum value is -0.25: the curve is loss + 0.25.
    tr = run(Adam(lr=0.05), "saddle", steps=40)
    fig, ax = plt.subplots()
    assert plotting.loss_curves(tr, ax=ax) is ax
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    np.testing.assert_array_equal(x, np.arange(41))
    np.testing.assert_allclose(y, tr.losses + 0.25)
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "loss − minimum" and ax.get_xlabel() == "step"
    assert legend_texts(ax) == [tr.label]


def test_loss_curves_of_a_minibatch_problem_show_the_raw_loss_on_a_linear_axis():
    tr = run_minibatch(SGD(lr=0.1), linear_regression(), epochs=1, batch_size=20)
    fig, ax = plt.subplots()
    plotting.loss_curves(tr, ax=ax, log=False, linewidth=0.5)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), tr.losses)
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "loss"
    assert ax.lines[0].get_linewidth() == 0.5


def test_loss_curves_cap_the_view_when_a_run_diverges():
    blown, fine = run(SGD(lr=1.5), "bowl", steps=200), run(SGD(lr=0.1), "bowl", steps=50)
    fig, ax = plt.subplots()
    plotting.loss_curves(blown, fine, ax=ax)
    # Start loss 0.8**2 + 0.6**2 = 1; the view stops at 1e4 times that.
    assert ax.get_ylim()[1] == pytest.approx(1e4)
    # lr=0.1 multiplies the point by 0.8 per step, the loss by 0.64: the lowest
    # value shown is 0.64**50, and the view reaches half of it (no wide margin).
    assert ax.get_ylim()[0] == pytest.approx(0.64**50 / 2, rel=1e-9)
    assert "diverged" in legend_texts(ax)[0]


# --- learning-rate sweeps -------------------------------------------------------------------


def test_sweep_curves_plot_steps_against_lr_and_mark_failures_above_the_budget():
    from adamcourse.running import lr_sweep

    sgd = lr_sweep(SGD, "bowl", [0.01, 0.25, 0.5, 1.0, 1.5], steps=30)  # steps None, 4, 1, None, None (diverged)
    adam = lr_sweep(Adam, "bowl", [0.01, 0.1], steps=30, label="Adam")
    fig, ax = plt.subplots()
    assert plotting.sweep_curves(sgd, adam, ax=ax) is ax
    line = ax.lines[0]
    assert line.get_label() == "SGD" and ax.get_xscale() == "log"
    np.testing.assert_array_equal(line.get_xdata(), [0.01, 0.25, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(line.get_ydata(), [np.nan, 4, 1, np.nan, np.nan])
    # Above the budget of 30: an open circle for lr=0.01 and 1.0 (never settled),
    # a cross for 1.5 (blew up), in rows the y axis names.
    never, blown = ax.lines[1], ax.lines[2]
    assert never.get_marker() == "o" and never.get_markerfacecolor() == "white"
    np.testing.assert_allclose(never.get_xdata(), [0.01, 1.0], rtol=0.05)
    assert blown.get_marker() == "x" and len(blown.get_xdata()) == 1
    labels = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert labels["never"] == never.get_ydata()[0] > 30 and labels["diverged"] == blown.get_ydata()[0] > labels["never"]
    # The fastest learning rate is ringed.
    ring = ax.lines[3]
    assert ring.get_markerfacecolor() == "none" and tuple(ring.get_xydata()[0]) == (0.5, 1.0)
    with pytest.raises(TypeError, match="lr_sweep"):
        plotting.sweep_curves(run(SGD(), "bowl", steps=2))


def test_a_figure_legend_goes_under_all_panels():
    plotting.use_course_style()
    try:
        fig, axes = plt.subplots(1, 2)
        for ax in axes:
            plotting.contour("bowl", run(SGD(lr=0.1), "bowl", steps=5), ax=ax, legend=False)
        legend = plotting.legend_below(fig)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = legend.get_window_extent(renderer)
        assert all(box.y1 < ax.xaxis.label.get_window_extent(renderer).y0 for ax in axes)
        assert [t.get_text() for t in legend.get_texts()] == ["SGD(lr=0.1)", "minimum"]
    finally:
        matplotlib.rcdefaults()
        matplotlib.use("Agg")


# --- surface ---------------------------------------------------------------------------


def test_surface_of_the_seed_bowl():
    ax = plotting.surface("bowl", resolution=21)
    assert ax.name == "3d"
    assert ax.get_zlabel() == "f(x, y)" and ax.get_title() == "Bowl"
    # x**2 + y**2 on [-1, 1]^2 spans 0 .. 2 (the grid has 21 points, 0 included).
    z0, z1 = ax.get_zlim()
    assert z0 <= 0.0 and z1 >= 2.0 and z1 < 2.5
    with pytest.raises(ValueError, match="projection='3d'"):
        plotting.surface("bowl", ax=plt.figure().add_subplot())


def test_surface_has_few_enough_ticks_that_their_labels_stay_apart():
    # matplotlib's default nine labels per 3-D axis ran together in lesson 00
    # ("-1.00-0.75-0.50"); four or five per axis, at round values, read apart.
    plotting.use_course_style()
    try:
        fig = plt.figure(figsize=(11, 4.5))  # lesson 00's figure
        ax = plotting.surface("bowl", ax=fig.add_subplot(1, 2, 1, projection="3d"))
        fig.canvas.draw()
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            low, high = sorted(axis.get_view_interval())
            shown = [loc for loc in axis.get_majorticklocs() if low - 1e-9 <= loc <= high + 1e-9]
            assert 3 <= len(shown) <= 5
            assert all(float(loc * 2).is_integer() for loc in shown)  # -1, -0.5, 0, 0.5, 1, 1.5, 2
    finally:
        matplotlib.rcdefaults()
        matplotlib.use("Agg")


# --- moving averages ---------------------------------------------------------------------


def test_moving_averages_match_hand_computed_values():
    fig, ax = plt.subplots()
    plotting.moving_averages([1.0, 1.0, 1.0], betas=(0.5,), bias_correction="both", ax=ax)
    lines = {line.get_label(): line.get_ydata() for line in ax.lines}
    # From 0: 0.5, 0.75, 0.875; divided by 1 - 0.5**t = 0.5, 0.75, 0.875: all 1.
    np.testing.assert_allclose(lines["β = 0.5, no correction"], [0.5, 0.75, 0.875])
    np.testing.assert_allclose(lines["β = 0.5, bias-corrected"], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(lines["observations"], [1.0, 1.0, 1.0])


def test_moving_averages_one_line_per_beta_and_clear_errors():
    fig, ax = plt.subplots()
    plotting.moving_averages(np.arange(10.0), ax=ax)
    assert legend_texts(ax) == ["observations", "β = 0.5", "β = 0.9", "β = 0.99"]
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        plotting.moving_averages([1.0, 2.0], betas=(1.0,))
    with pytest.raises(ValueError, match="1-D"):
        plotting.moving_averages([[1.0, 2.0]])


# --- effective step sizes -------------------------------------------------------------


def test_effective_step_sizes_first_step_by_hand():
    # Bowl from (0.8, 0.6): the first gradient is g = (1.6, 1.2).
    g = np.array([1.6, 1.2])
    runs = [
        run(AdaGrad(lr=0.5), "bowl", steps=5),  # v = g**2
        run(RMSProp(lr=0.1, beta=0.9), "bowl", steps=5),  # v = 0.1 g**2
        run(Adam(lr=0.3), "bowl", steps=5),  # v_hat = g**2
        run(Adam.like_keras(lr=0.3), "bowl", steps=5),  # eps_hat: eps / sqrt(1 - 0.999)
        run(SGD(lr=0.2), "bowl", steps=5),
    ]
    expected = [
        0.5 / (g + 1e-8),
        0.1 / (np.sqrt(0.1) * g + 1e-8),
        0.3 / (g + 1e-8),
        0.3 / (g + 1e-7 / np.sqrt(0.001)),
        np.array([0.2, 0.2]),
    ]
    fig, ax = plt.subplots()
    assert plotting.effective_step_sizes(*runs, ax=ax) is ax
    assert len(ax.lines) == 10  # x and y of each run
    for k, want in enumerate(expected):
        for i in range(2):
            line = ax.lines[2 * k + i]
            assert line.get_xdata()[0] == 1
            assert line.get_ydata()[0] == pytest.approx(want[i], rel=1e-12)
    assert ax.get_yscale() == "log"
    assert legend_texts(ax)[:2] == ["AdaGrad(lr=0.5): x", "AdaGrad(lr=0.5): y"]


def test_adagrad_steps_only_shrink_and_coordinate_selects_one_line():
    tr = run(AdaGrad(lr=0.5), "ravine", steps=30)
    fig, ax = plt.subplots()
    plotting.effective_step_sizes(tr, ax=ax, coordinate=1)
    (line,) = ax.lines
    assert line.get_label() == tr.label
    assert np.all(np.diff(line.get_ydata()) <= 0)
    with pytest.raises(ValueError, match="coordinate"):
        plotting.effective_step_sizes(tr, coordinate=2)


def test_effective_step_sizes_asks_the_optimizer():
    # The plot holds no formulas: it draws what each optimizer's step_size reports.
    class HalfAdam(Adam):
        def step_size(self, state):
            return 0.5 * super().step_size(state)

    tr, half = run(Adam(lr=0.3), "bowl", steps=3), run(HalfAdam(lr=0.3), "bowl", steps=3)
    fig, ax = plt.subplots()
    plotting.effective_step_sizes(tr, half, ax=ax)
    np.testing.assert_allclose(ax.lines[2].get_ydata(), 0.5 * ax.lines[0].get_ydata(), rtol=1e-15)
    for k, state in enumerate(tr.states):
        assert ax.lines[1].get_ydata()[k] == Adam(lr=0.3).step_size(state)[1]
    assert ax.get_ylabel() == "effective step size  lr / (√v̂ + ε)"

    class SignSGD(SGD):  # a learner's variant of SGD inherits SGD's step size, lr
        def _update(self, p, g, t):
            return (p - self.lr * np.sign(g),)

    fig, ax = plt.subplots()
    plotting.effective_step_sizes(run(SignSGD(lr=0.1), "bowl", steps=2), ax=ax)
    assert list(ax.lines[0].get_ydata()) == [0.1, 0.1]
    from adamcourse.optimizers import Optimizer, SGDState

    class Bare(Optimizer):
        State = SGDState

        def _update(self, p, g, t):
            return (p - 0.1 * g,)

    with pytest.raises(TypeError, match="no formula for Bare.*write its step_size"):
        plotting.effective_step_sizes(run(Bare(), "bowl", steps=2))


# --- good manners: no global changes, light imports ------------------------------------------


def test_only_use_course_style_changes_rcparams(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("a plot helper called plt.show()"))
    with plt.rc_context():
        before = dict(plt.rcParams)
        tr = run(Adam(lr=0.1), "ravine", steps=20)
        fig, axes = plt.subplots(2, 2)
        plotting.contour("ravine", tr, ax=axes[0, 0])
        plotting.loss_curves(tr, ax=axes[0, 1])
        plotting.moving_averages(np.ones(5), ax=axes[1, 0])
        plotting.effective_step_sizes(tr, ax=axes[1, 1])
        plotting.surface("bowl", resolution=10)
        assert dict(plt.rcParams) == before
        plotting.use_course_style()
        assert plt.rcParams["axes.grid"] is True and plt.rcParams["font.size"] == 12


def test_import_adamcourse_stays_light():
    code = "import sys, adamcourse; print(sorted(m for m in ('matplotlib', 'ipywidgets', 'tensorflow', 'keras') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
