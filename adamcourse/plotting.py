"""Pictures for the lessons: where each optimizer went, how fast the loss fell,
what the moving averages and the per-parameter step sizes look like.

Every function follows seaborn's convention: it draws on ``ax`` (the current
Axes when ``ax`` is None), passes extra keyword arguments to its main
matplotlib call, and returns the Axes. None of them calls ``plt.show()``,
saves a file or changes matplotlib's settings; :func:`use_course_style` is
the one explicit opt-in for the course's look.

Each optimizer class keeps one colour in every figure of the course
(:func:`optimizer_color`), from the Okabe-Ito palette, which stays
distinguishable with the common forms of colour blindness. Several runs of
the same class in one figure differ by line style and shade.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, LogNorm, to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from adamcourse import validation
from adamcourse.objectives import OBJECTIVES, Objective, get_objective
from adamcourse.optimizers import Optimizer, debias, ema
from adamcourse.running import Trajectory

__all__ = [
    "PALETTE",
    "OPTIMIZER_COLORS",
    "COURSE_STYLE",
    "use_course_style",
    "optimizer_color",
    "trajectory_styles",
    "contour",
    "exit_point",
    "legend_below",
    "loss_curves",
    "sweep_curves",
    "surface",
    "moving_averages",
    "effective_step_sizes",
]

# --- colours -------------------------------------------------------------------

#: The Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008).
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: One colour per optimizer class, the same in every figure of the course.
#: "course Adam" (the course's Adam running inside Keras, in the finale) must
#: stand apart from Keras' own Adam, which keeps Adam's blue.
OPTIMIZER_COLORS = {
    "SGD": PALETTE["black"],
    "Momentum": PALETTE["orange"],
    "AdaGrad": PALETTE["bluish green"],
    "RMSProp": PALETTE["sky blue"],
    "Adam": PALETTE["blue"],
    "AdamW": PALETTE["reddish purple"],
    "course Adam": PALETTE["vermillion"],
}

# For optimizers the course does not know (a learner's own class): a grey
# that no course optimizer uses.
_OTHER_COLOR = "#7F7F7F"

# Spellings used by Keras, PyTorch and the notebooks, matched on the words of
# a label before any "(": "Keras Adagrad", "torch RMSprop", "SGD + momentum".
# Checked in this order, so "SGD momentum" is Momentum and "AdamW" is not Adam.
_WORDS = (
    ("AdamW", {"adamw"}),
    ("Adam", {"adam", "amsgrad", "adamax", "nadam"}),
    ("RMSProp", {"rmsprop"}),
    ("AdaGrad", {"adagrad"}),
    ("Momentum", {"momentum", "nesterov", "heavyball"}),
    ("SGD", {"sgd", "gd"}),
)


def _class_key(x: Any) -> str | None:
    """The OPTIMIZER_COLORS key for an optimizer, trajectory, class or label (None if unknown)."""
    if isinstance(x, Trajectory):
        return _class_key(x.optimizer) if x.optimizer is not None else _class_key(x.label)
    if isinstance(x, Optimizer):
        x = type(x)
    if isinstance(x, type):
        # A subclass (a learner's ``MyAdam(Adam)``) takes its parent's colour.
        for cls in x.__mro__:
            if cls.__name__ in OPTIMIZER_COLORS:
                return cls.__name__
        return None
    if isinstance(x, str):
        words = set(re.findall(r"[a-z0-9]+", x.split("(")[0].lower()))
        if "course" in words and words & {"adam", "adamw"}:
            return "course Adam"
        for key, spellings in _WORDS:
            if words & spellings:
                return key
        return None
    raise TypeError(
        f"optimizer_color takes an optimizer (Adam()), a Trajectory, an optimizer class or a label "
        f"such as 'Adam', got {x!r} ({type(x).__name__})."
    )


def optimizer_color(x: Any) -> str:
    """The course's colour for an optimizer, as a hex string.

    Every optimizer class has one fixed colour from the colour-blind-safe
    Okabe-Ito palette (:data:`OPTIMIZER_COLORS`), so that Adam is the same
    blue in lesson 01 and in the MNIST finale. Subclasses take their parent's
    colour; labels are matched by their words, ignoring case and settings
    ("Adam(lr=0.1)", "Keras Adagrad", "torch RMSprop"); "course Adam" (the
    course's Adam inside Keras) has its own colour. Anything unknown is grey.

    Parameters
    ----------
    x : Optimizer, Trajectory, optimizer class or str

    Returns
    -------
    str
        A colour such as ``"#0072B2"``.
    """
    key = _class_key(x)
    return OPTIMIZER_COLORS[key] if key is not None else _OTHER_COLOR


_LINESTYLES = ("-", "--", ":", "-.")


def _shade(color: str, k: int) -> str:
    """The k-th shade of a colour: itself, then darker, then lighter, ..."""
    if k % 3 == 0:
        return to_hex(color)
    rgb = np.array(to_rgb(color))
    target = np.zeros(3) if k % 3 == 1 else np.ones(3)
    return to_hex(rgb + 0.35 * (target - rgb))


# Line widths of several runs in one figure: the first drawn is the widest,
# so a run hidden under a later one (AdaGrad under RMSProp on the ravine,
# momentum under Nesterov) still shows as a coloured rim on both sides.
_WIDEST, _THINNEST = 2.8, 1.5


def trajectory_styles(*items: Any) -> list[dict]:
    """Line styles for several runs in one figure: ``color``, ``linestyle``, ``linewidth``.

    Runs of different optimizer classes differ by colour
    (:func:`optimizer_color`). Runs of the same class (three learning rates of
    SGD, say) keep the class's hue and differ by line style (solid, dashed,
    dotted, dash-dot) and by shade (as is, darker, lighter), so they stay
    apart in greyscale print too. Widths shrink from the first run to the
    last (2.8 points down to 1.5), so where two paths coincide the later one
    runs inside the earlier one and both stay visible.

    Parameters
    ----------
    *items : Optimizer, Trajectory, class or label

    Returns
    -------
    list of dict
        One ``{"color": ..., "linestyle": ..., "linewidth": ...}`` per item,
        for ``ax.plot(**style)``.
    """
    seen: dict[str, int] = {}
    styles = []
    n = len(items)
    for i, item in enumerate(items):
        color = optimizer_color(item)
        k = seen.get(color, 0)
        seen[color] = k + 1
        width = 2.0 if n == 1 else _WIDEST - (_WIDEST - _THINNEST) * i / (n - 1)
        styles.append(
            {"color": _shade(color, k), "linestyle": _LINESTYLES[k % len(_LINESTYLES)], "linewidth": round(width, 2)}
        )
    return styles


# --- the course's look ---------------------------------------------------------------

#: The settings :func:`use_course_style` applies; use them for a single figure
#: with ``with plt.style.context(COURSE_STYLE): ...``.
COURSE_STYLE = {
    # Colab shows a 6.4 x 4.8 inch figure at 100 dpi at about its natural size.
    "figure.figsize": (6.4, 4.8),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    # Sizes for a projector: no text smaller than 11 points, legends included
    # (figures are drawn without "small" legend fonts for the same reason).
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.framealpha": 0.9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": plt.cycler(
        color=[
            PALETTE[c] for c in ("blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue", "black")
        ]
    ),
}


def use_course_style() -> None:
    """Switch matplotlib to the course's look for the rest of the session.

    Readable font sizes at Colab's default width, a light grid, the
    colour-blind-safe palette as the default colour cycle, and layouts that
    do not clip labels. This is the only function in the course that changes
    ``matplotlib.rcParams``; call it once in a notebook's Setup cell.
    Undo it with ``matplotlib.rcdefaults()``.
    """
    plt.rcParams.update(COURSE_STYLE)


# --- helpers shared by the plots -----------------------------------------------------


def _fixed_layout_figure(figsize, dpi) -> Figure:
    """A Figure outside pyplot (never shown behind the user's back) with no
    layout engine, even under use_course_style(): figures that are redrawn
    piecewise (animation frames, the explorer) need axes that never move."""
    try:
        figure = Figure(figsize=figsize, dpi=dpi, layout="none")
    except ValueError:  # matplotlib < 3.7 does not know "none"
        figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)  # draws into memory, whatever the notebook's backend
    return figure


# Axis names of the objectives whose parameters are not a point (x, y).
_AXIS_NAMES = {
    "sigmoid_neuron": ("w", "b"),
    "linear_regression": ("w", "b"),
    "logistic_regression": ("w", "b"),
}


def _axis_names(objective: Objective) -> tuple[str, str]:
    return _AXIS_NAMES.get(objective.name, ("x", "y"))


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _check_trajectories(trajectories, where: str) -> list[Trajectory]:
    for i, tr in enumerate(trajectories):
        if not isinstance(tr, Trajectory):
            hint = (
                " (pass each trajectory as its own argument: f(obj, *trajectories))"
                if isinstance(tr, (list, tuple))
                else ""
            )
            raise TypeError(
                f"{where}: trajectory {i} must be a Trajectory from adamcourse.run(...), got {type(tr).__name__}{hint}."
            )
    return list(trajectories)


def _legend_label(tr: Trajectory) -> str:
    if tr.diverged_at is not None:
        return f"{tr.label} (diverged at step {tr.diverged_at})"
    return tr.label


def _objective(objective, where: str) -> Objective:
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        return get_objective(objective)
    as_objective = getattr(objective, "as_objective", None)
    if callable(as_objective):  # a two-parameter MinibatchProblem
        return as_objective()
    raise TypeError(
        f"{where}: objective must be an Objective or its name (one of {sorted(OBJECTIVES)}), got {objective!r}."
    )


def _fit_columns(make, handles, width_points, fixed):
    """Make a legend with as many columns as fit ``width_points`` (measured, not guessed)."""
    if fixed is not None:
        return make(fixed)
    for ncol in range(min(len(handles), 6), 0, -1):
        legend = make(ncol)
        figure = legend.figure
        width = legend.get_window_extent(figure.canvas.get_renderer()).width * 72 / figure.dpi
        if ncol == 1 or width <= width_points:
            return legend
        legend.remove()


def legend_below(ax, handles=None, labels=None, **kwargs):
    """A legend under the Axes, below its tick labels and x label, never over the data.

    Columns are as many as fit the Axes' width. Under a layout engine
    (``use_course_style()`` turns on constrained layout) the figure makes
    room for it; keyword arguments go to ``ax.legend``. Given a Figure
    instead of an Axes, one legend goes under all its panels, as wide as
    the figure (handles from its first Axes unless given): the way to name
    the same runs shown in several panels once.
    """
    ncol = kwargs.pop("ncol", None)
    if isinstance(ax, Figure):
        figure = ax
        if handles is None:
            handles, labels = figure.axes[0].get_legend_handles_labels()
        options = {"frameon": False, "columnspacing": 1.2, "handlelength": 2.2, **kwargs}

        def make(n):
            try:  # matplotlib >= 3.7: constrained layout makes room under the panels
                return figure.legend(handles, labels, loc="outside lower center", ncol=n, **options)
            except ValueError:
                return figure.legend(handles, labels, loc="lower center", ncol=n, **options)

        return _fit_columns(make, handles, 0.95 * figure.get_figwidth() * 72, ncol)
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    # Below the x tick labels and the x label: their heights plus their pads, in points.
    ticks = ax.xaxis.get_major_ticks()
    tick_part = 0.0
    if ticks and ax.xaxis.get_visible():
        tick = ticks[0]
        tick_part = max(tick.tick1line.get_markersize(), 0) + tick.get_pad() + tick.label1.get_fontsize() * 1.2
    label_part = ax.xaxis.labelpad + ax.xaxis.label.get_fontsize() * 1.2 if ax.get_xlabel() else 0.0
    offset = tick_part + label_part + 2.0
    options = {
        "loc": "upper center",
        "bbox_to_anchor": (0.5, 0.0),
        "frameon": False,
        "bbox_transform": offset_copy(ax.transAxes, fig=ax.figure, y=-offset, units="points"),
        "borderaxespad": 0.0,
        "columnspacing": 1.2,
        "handlelength": 2.2,
        **kwargs,
    }
    # As wide as the Axes' column of the figure (the panel plus its share of the gaps).
    width_points = 1.1 * ax.get_position().width * ax.figure.get_figwidth() * 72
    return _fit_columns(lambda n: ax.legend(handles, labels, ncol=n, **options), handles, width_points, ncol)


# Grids are cached per objective: the explorer redraws the same landscape on
# every slider move, and evaluating it is the slow part of a contour plot.
_GRID_CACHE: OrderedDict = OrderedDict()
_GRID_CACHE_SIZE = 16


def objective_grid(objective: Objective, resolution: int = 200):
    """``X, Y, Z``: the objective evaluated on a ``resolution`` x ``resolution``
    grid over its bounds (cached; do not modify the arrays)."""
    key = (id(objective), int(resolution))
    hit = _GRID_CACHE.get(key)
    if hit is not None and hit[0] is objective:
        _GRID_CACHE.move_to_end(key)
        return hit[1]
    (x0, x1), (y0, y1) = objective.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    with np.errstate(over="ignore", invalid="ignore"):
        Z = np.asarray(objective.f(np.stack([X, Y])), dtype=float)
    for a in (X, Y, Z):
        a.setflags(write=False)
    _GRID_CACHE[key] = (objective, (X, Y, Z))
    if len(_GRID_CACHE) > _GRID_CACHE_SIZE:
        _GRID_CACHE.popitem(last=False)
    return X, Y, Z


def _levels(Z, f_min, levels, log):
    """Contour levels and the values to contour: log-spaced heights above the
    minimum for steep landscapes, evenly spaced values otherwise."""
    if not log:
        return Z, np.linspace(np.nanmin(Z), np.nanmax(Z), levels)
    base = f_min if np.isfinite(f_min) else np.nanmin(Z)
    height = Z - base
    top = np.nanmax(height)
    positive = height[height > 0]
    # Below a millionth of the range the valley floor is flat to the eye.
    bottom = max(np.min(positive) if positive.size else top * 1e-6, top * 1e-6)
    return np.maximum(height, bottom), np.geomspace(bottom, top, levels)


# A pale blue-grey ramp: the landscape stays in the background and every
# optimizer colour (black included) stands out on it.
_LANDSCAPE = LinearSegmentedColormap.from_list("adamcourse_landscape", ["#FFFFFF", "#DDE6EE", "#AFC1D2"])
#: The contour lines drawn over the filled landscape: a dark slate grey with a
#: contrast of at least 3:1 against every band (WCAG's minimum for graphics;
#: white lines had 1:1 on the palest band), thinner than any path so the runs
#: stay in front.
CONTOUR_LINE_COLOR = "#4F6377"
CONTOUR_LINE_WIDTH = 0.7


# --- contour ---------------------------------------------------------------------------


def contour(
    objective,
    *trajectories: Trajectory,
    ax=None,
    levels=30,
    log_levels: bool | None = None,
    show_minima: bool = True,
    filled: bool = True,
    resolution: int = 200,
    legend: bool = True,
    edges: bool | int = True,
    **kwargs,
):
    """Contours of a 2-D objective with optimizer trajectories on top.

    The landscape is drawn over the objective's ``bounds`` (the axis limits
    stay there, so a run that flies off is cut at the frame instead of
    shrinking the picture). Levels are log-spaced heights above the minimum
    when ``objective.log_scale`` (Rosenbrock's valley is invisible
    otherwise). Each trajectory is a line through its points (one dot per
    step, so the spacing shows the step size) with a circle at the start and
    a filled square at the end; a run that diverged is drawn up to where it
    left the window for good, ends there in a cross on the frame
    (:func:`exit_point`) and says "diverged" in the legend. Known minima are
    black stars. Several runs get shrinking line widths
    (:func:`trajectory_styles`), so a path hidden under another one still
    shows as a rim.

    Parameters
    ----------
    objective : Objective or str
        For example ``"rosenbrock"``; a two-parameter MinibatchProblem works too.
    *trajectories : Trajectory
        Runs on this objective, from :func:`adamcourse.run`.
    ax : Axes, optional
        Where to draw; the current Axes by default.
    levels : int or array-like
        Number of contour levels, or the levels themselves.
    log_levels : bool, optional
        Force log-spaced (True) or evenly spaced (False) levels; by default
        ``objective.log_scale`` decides.
    show_minima : bool
        Mark the known minima.
    filled : bool
        Filled contours (``contourf``) or lines only (``contour``).
    resolution : int
        Grid points per axis.
    legend : bool
        Draw a legend when there is something to name, under the Axes
        (:func:`legend_below`), where it never covers a path.
    edges : bool or int
        Dark lines between the filled bands: the landscape's shape at a
        glance, on screens, projectors and paper. True draws every band's
        edge (every other one above 16 bands); an integer ``n`` draws every
        n-th (lighter to store: the race's frames use 3); False none.
    **kwargs
        Passed to ``ax.contourf`` (or ``ax.contour``), e.g. ``cmap="viridis"``.

    Returns
    -------
    Axes
    """
    objective = _objective(objective, "contour")
    trajectories = _check_trajectories(trajectories, "contour")
    if isinstance(levels, (int, np.integer)) and not isinstance(levels, bool) and levels < 2:
        raise ValueError(f"contour: levels must be at least 2 (or a list of levels), got {levels}.")
    ax = plt.gca() if ax is None else ax
    log = objective.log_scale if log_levels is None else bool(log_levels)
    X, Y, Z = objective_grid(objective, resolution)
    values, level_values = _levels(Z, objective.f_min, int(levels), log) if np.ndim(levels) == 0 else (Z, levels)
    if log and np.ndim(levels) != 0:
        values = Z - objective.f_min
    style = {"cmap": _LANDSCAPE, "levels": level_values}
    if log:
        style["norm"] = LogNorm(vmin=level_values[0], vmax=level_values[-1])
    style.update(kwargs)
    if filled:
        ax.contourf(X, Y, values, **style)
        # Dark lines between the pale bands carry the shape (white ones vanished
        # on the pale fill, on screens and projectors alike).
        if edges:
            # Every other band edge when there are many: steep walls (the
            # ravine's) would otherwise turn into solid grey.
            every = (
                int(edges)
                if not isinstance(edges, bool)
                else 1
                if np.ndim(style["levels"]) == 0 or len(style["levels"]) <= 16
                else 2
            )
            lines = style["levels"] if np.ndim(style["levels"]) == 0 else style["levels"][::every]
            # Solid below zero too (matplotlib dashes negative levels of one-colour lines).
            ax.contour(
                X,
                Y,
                values,
                levels=lines,
                colors=CONTOUR_LINE_COLOR,
                linewidths=CONTOUR_LINE_WIDTH,
                linestyles="solid",
                alpha=0.8,
                norm=style.get("norm"),
            )
    else:
        style.setdefault("linewidths", 0.8)
        ax.contour(X, Y, values, **style)

    (x0, x1), (y0, y1) = objective.bounds
    for tr, st in zip(trajectories, trajectory_styles(*trajectories)):
        _draw_trajectory(ax, tr, st, (x0, x1, y0, y1))
    if show_minima and len(objective.minima):
        ax.plot(
            *objective.minima.T,
            linestyle="none",
            marker="*",
            markersize=13,
            color="black",
            markeredgecolor="white",
            markeredgewidth=0.8,
            label="minimum" if len(objective.minima) == 1 else "minima",
            zorder=5,
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    xname, yname = _axis_names(objective)
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    ax.set_title(_title(objective.name) + (" (log-spaced contours)" if log else ""))
    if legend and (trajectories or (show_minima and len(objective.minima))):
        legend_below(ax)
    return ax


def _inside(points: np.ndarray, window) -> np.ndarray:
    x0, x1, y0, y1 = window
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(points).all(axis=1)
            & (points[:, 0] >= x0)
            & (points[:, 0] <= x1)
            & (points[:, 1] >= y0)
            & (points[:, 1] <= y1)
        )


def exit_point(points, window) -> tuple[int, np.ndarray]:
    """Where a run leaves the window for good: ``(k, point)``.

    ``k`` is the last step inside the window ``(x0, x1, y0, y1)`` and
    ``point`` is where the segment from step ``k`` to step ``k + 1`` crosses
    the window's edge (step ``k`` itself if the next point is not finite, and
    the start if the run never was inside). A run that ends inside gives its
    last step and point.
    """
    points = np.asarray(points, dtype=float)
    inside = np.flatnonzero(_inside(points, window))
    if inside.size == 0:
        return 0, points[0]
    k = int(inside[-1])
    if k == len(points) - 1 or not np.isfinite(points[k + 1]).all():
        return k, points[k]
    start, direction = points[k], points[k + 1] - points[k]
    x0, x1, y0, y1 = window
    # The fraction of the segment after which each coordinate reaches the edge it heads for.
    fractions = [1.0]
    for i, (low, high) in enumerate(((x0, x1), (y0, y1))):
        if direction[i] > 0:
            fractions.append((high - start[i]) / direction[i])
        elif direction[i] < 0:
            fractions.append((low - start[i]) / direction[i])
    return k, start + min(fractions) * direction


def _draw_trajectory(ax, tr: Trajectory, style: dict, window):
    points = np.asarray(tr.points, dtype=float)
    width = style.get("linewidth", 2.0)
    style = {**style, "linewidth": width}
    color = style["color"]
    if tr.diverged_at is None:
        # The line is the trajectory's own points: axis limits do the clipping.
        shown, end = points, None
    else:
        # A blown-up run is drawn up to where it leaves the window: the segments
        # after that join points far outside and would cross the whole picture.
        k, end = exit_point(points, window)
        shown = np.vstack([points[: k + 1], end[None]]) if not np.array_equal(end, points[k]) else points[: k + 1]
    # One dot per step shows the step size; smaller dots keep long runs readable.
    dot = width + (1.6 if len(points) <= 100 else 0.6)
    (line,) = ax.plot(shown[:, 0], shown[:, 1], marker="o", markersize=dot, label=_legend_label(tr), zorder=3, **style)
    ax.plot(*points[0], marker="o", markersize=8, color=color, markerfacecolor="white", markeredgewidth=2.0, zorder=4)
    if end is None:
        ax.plot(*points[-1], marker="s", markersize=7, color=color, markeredgecolor="white", zorder=4)
    else:
        # The cross marks where the run left the window for good.
        ax.plot(*end, marker="X", markersize=11, color=color, markeredgecolor="white", zorder=4, clip_on=False)
    return line


# --- building blocks for animation and widgets ---------------------------------------
# The race (animation) and the explorer (widgets) draw what these plots draw;
# they use these public names, so each module keeps its private helpers private.

#: A Figure outside pyplot with axes that never move (see ``_fixed_layout_figure``).
fixed_layout_figure = _fixed_layout_figure
#: Draws one trajectory (path, start, end or exit marker) as :func:`contour` does.
draw_trajectory = _draw_trajectory
#: A trajectory's legend label (its label, plus where it diverged).
legend_label = _legend_label
#: Refuses anything but Trajectory objects, with a message naming ``where``.
check_trajectories = _check_trajectories
#: An objective's name as a title: "ravine" -> "Ravine".
objective_title = _title
#: An Objective from itself, its name or a two-parameter problem.
as_objective = _objective
__all__ += [
    "fixed_layout_figure",
    "draw_trajectory",
    "legend_label",
    "check_trajectories",
    "objective_title",
    "as_objective",
]


# --- loss curves ------------------------------------------------------------------------


def _f_min(tr: Trajectory) -> float | None:
    objective = OBJECTIVES.get(tr.objective)
    if objective is not None and np.isfinite(objective.f_min):
        return objective.f_min
    return None


def loss_curves(
    *trajectories: Trajectory, ax=None, log: bool = True, f_min: float | None = None, legend: bool = True, **kwargs
):
    """Loss against step, one line per trajectory.

    On a course objective with a known minimum the curve shows ``loss -
    f_min`` (how far above the minimum), so a log scale can show the last
    digits of progress; problems without a known minimum show the raw loss.
    A diverged run ends where it blew up and says so in the legend.

    Parameters
    ----------
    *trajectories : Trajectory
    ax : Axes, optional
    log : bool
        Logarithmic y axis (values <= 0 cannot be drawn on it and are left out).
    f_min : float, optional
        Subtract this instead of the objective's known minimum.
    legend : bool
        A legend under the Axes; without it, name the runs once for a whole
        figure with ``legend_below(fig)``.
    **kwargs
        Passed to every ``ax.plot`` call (e.g. ``linewidth=1``).

    Returns
    -------
    Axes
    """
    trajectories = _check_trajectories(trajectories, "loss_curves")
    if not trajectories:
        raise ValueError("loss_curves: pass at least one trajectory, e.g. loss_curves(run(Adam(lr=0.1), 'bowl')).")
    ax = plt.gca() if ax is None else ax
    shifts = [f_min if f_min is not None else _f_min(tr) for tr in trajectories]
    for tr, shift, st in zip(trajectories, shifts, trajectory_styles(*trajectories)):
        y = np.asarray(tr.losses, dtype=float) - (shift or 0.0)
        ax.plot(np.arange(len(y)), y, label=_legend_label(tr), **{**st, **kwargs})
    if log and ax.get_yscale() != "log":  # setting it again would rebuild the ticks
        ax.set_yscale("log")
    if any(tr.diverged_at is not None for tr in trajectories):
        # A blown-up loss (1e16) would flatten every other curve: cap the view.
        # Autoscaling would also leave a wide margin below (it is a fraction
        # of the whole range), so both limits are set from the shown values.
        starts = [abs(float(tr.losses[0]) - (s or 0.0)) for tr, s in zip(trajectories, shifts)]
        top = max(max(starts), 1e-12) * (1e4 if log else 3)
        shown = np.concatenate([np.asarray(tr.losses, dtype=float) - (s or 0.0) for tr, s in zip(trajectories, shifts)])
        shown = shown[np.isfinite(shown) & (shown <= top) & ((shown > 0) if log else True)]
        if shown.size:
            low = shown.min()
            bottom = low / 2 if log else low - 0.05 * (top - low)
            ax.set_ylim(bottom=bottom, top=top)
        else:
            ax.set_ylim(top=top)
    shifted = all(s is not None for s in shifts)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    ax.set_xlabel("step")
    ax.set_ylabel("loss − minimum" if shifted else "loss")
    ax.set_title("Loss per step" + (" (log scale)" if log else ""))
    if legend:
        legend_below(ax)
    return ax


# --- learning-rate sweeps -----------------------------------------------------------------


def sweep_curves(*sweeps, ax=None, **kwargs):
    """Steps to reach the minimum against the learning rate, one line per optimizer.

    Each :class:`~adamcourse.running.Sweep` (from :func:`adamcourse.running.lr_sweep`)
    is a line over the learning rates whose loss settled within ``tol`` of
    the minimum inside the budget, with its fastest learning rate ringed.
    Above the budget line, a cross marks each learning rate that blew up and
    an open circle each one that ran all its steps without settling. The
    width of a line's valley is how forgiving the optimizer is about its
    learning rate.

    Parameters
    ----------
    *sweeps : Sweep
    ax : Axes, optional
    **kwargs
        Passed to the ``ax.plot`` calls of the lines.

    Returns
    -------
    Axes
    """
    from adamcourse.running import Sweep

    if not sweeps or not all(isinstance(s, Sweep) for s in sweeps):
        raise TypeError(
            "sweep_curves: pass one or more sweeps from adamcourse.running.lr_sweep(...), each as its own argument."
        )
    ax = plt.gca() if ax is None else ax
    budget = max(s.budget for s in sweeps)
    slow, blown = 1.1 * budget, 1.22 * budget  # the rows above the budget line
    for k, (sweep, st) in enumerate(zip(sweeps, trajectory_styles(*[s.label for s in sweeps]))):
        color = st["color"]
        lrs = np.array(sweep.lrs)
        steps = np.array([np.nan if n is None or d else n for n, d in zip(sweep.steps, sweep.diverged)], dtype=float)
        ax.plot(lrs, steps, marker="o", markersize=5, label=sweep.label, **{**st, **kwargs})
        # Rows above the budget, nudged apart so several optimizers' marks stay visible.
        nudge = 1 + 0.03 * (k - (len(sweeps) - 1) / 2)
        failed = np.array([n is None and not d for n, d in zip(sweep.steps, sweep.diverged)])
        ax.plot(
            lrs[failed] * nudge,
            np.full(failed.sum(), slow),
            linestyle="none",
            marker="o",
            markersize=6,
            markerfacecolor="white",
            color=color,
        )
        ax.plot(
            lrs[np.array(sweep.diverged, dtype=bool)] * nudge,
            np.full(sum(sweep.diverged), blown),
            linestyle="none",
            marker="x",
            markersize=7,
            markeredgewidth=2,
            color=color,
        )
        if sweep.best_lr is not None:
            ax.plot(
                sweep.best_lr,
                sweep.best_steps,
                marker="o",
                markersize=13,
                markerfacecolor="none",
                markeredgewidth=2,
                color=color,
                zorder=5,
            )
    ax.axhline(budget, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.3 * budget)
    ticks = [t for t in MaxNLocator(nbins=5, integer=True).tick_values(0, budget) if 0 <= t < 0.95 * budget]
    ax.set_yticks([*ticks, budget, slow, blown], [*(f"{t:g}" for t in ticks), f"{budget}", "never", "diverged"])
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"steps to settle within {sweeps[0].tol:g}")
    ax.set_title(_title(sweeps[0].objective))
    return ax


# --- surface -------------------------------------------------------------------------------


def surface(objective, ax=None, resolution: int = 60, **kwargs):
    """A 3-D surface plot of a 2-D objective over its bounds.

    ``surface("bowl")`` is the seed's ``x**2 + y**2`` on [-1, 1]. Creates a
    new figure with a 3-D Axes when ``ax`` is None (a 3-D plot cannot share
    an ordinary Axes).

    Parameters
    ----------
    objective : Objective or str
    ax : Axes3D, optional
        Made with ``fig.add_subplot(projection="3d")``.
    resolution : int
        Grid points per axis.
    **kwargs
        Passed to ``ax.plot_surface`` (e.g. ``cmap="viridis"``).

    Returns
    -------
    Axes3D
    """
    objective = _objective(objective, "surface")
    if ax is None:
        ax = plt.figure().add_subplot(projection="3d")
    elif getattr(ax, "name", None) != "3d":
        raise ValueError("surface needs a 3-D Axes: create it with fig.add_subplot(projection='3d'), or pass no ax.")
    X, Y, Z = objective_grid(objective, resolution)
    style = {"cmap": "viridis", "rstride": 1, "cstride": 1, "linewidth": 0, "antialiased": True, "alpha": 0.95}
    style.update(kwargs)
    ax.plot_surface(X, Y, Z, **style)
    xname, yname = _axis_names(objective)
    # matplotlib's default nine ticks per 3-D axis run into each other
    # ("-0.75-0.50-0.25"); four or five per axis, pushed off the box, read apart.
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    ax.tick_params(axis="both", pad=1)
    ax.set_xlabel(xname, labelpad=6)
    ax.set_ylabel(yname, labelpad=6)
    ax.set_zlabel(f"f({xname}, {yname})", labelpad=6)
    ax.set_title(_title(objective.name))
    return ax


# --- moving averages ---------------------------------------------------------------------

_BETA_COLORS = (
    PALETTE["orange"],
    PALETTE["blue"],
    PALETTE["bluish green"],
    PALETTE["vermillion"],
    PALETTE["reddish purple"],
)


def moving_averages(series, betas: Sequence[float] = (0.5, 0.9, 0.99), bias_correction=False, ax=None, **kwargs):
    """Exponential moving averages of a noisy series, one line per ``beta``:
    ``average = ema(average, x, beta)`` starting from 0, and with
    ``bias_correction`` also ``debias(average, beta, t)`` (the library's own
    helpers, the ones momentum, RMSProp and Adam use).

    A larger ``beta`` gives a smoother but later average; without bias
    correction the averages start far too low, because they start at 0.

    Parameters
    ----------
    series : array-like, 1-D
        The observations, e.g. noisy gradients.
    betas : sequence of float in [0, 1)
    bias_correction : bool or "both"
        Plot the bias-corrected averages; ``"both"`` plots corrected ones
        solid and uncorrected ones dashed.
    ax : Axes, optional
    **kwargs
        Passed to the ``ax.plot`` calls of the averages.

    Returns
    -------
    Axes
    """
    x = np.asarray(series, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"moving_averages: series must be a non-empty 1-D sequence of numbers, got shape {x.shape}.")
    betas = list(betas)
    betas = [validation.fraction("moving_averages", "each beta", b, 0.9) for b in betas]
    validation.choice("moving_averages", "bias_correction", bias_correction, (True, False, "both"))
    ax = plt.gca() if ax is None else ax
    t = np.arange(1, x.size + 1)
    ax.plot(t, x, linestyle="none", marker=".", markersize=4, color="#9A9A9A", label="observations")
    for i, beta in enumerate(betas):
        average, raw = 0.0, np.empty_like(x)
        for k, value in enumerate(x):
            average = ema(average, value, beta)
            raw[k] = average
        color = _BETA_COLORS[i % len(_BETA_COLORS)]
        corrected = debias(raw, beta, t)
        if bias_correction in (True, "both"):
            ax.plot(t, corrected, color=color, label=f"β = {beta:g}, bias-corrected", **kwargs)
        if bias_correction in (False, "both"):
            dashed = {"linestyle": "--"} if bias_correction == "both" else {}
            ax.plot(
                t,
                raw,
                color=color,
                label=f"β = {beta:g}" + (", no correction" if dashed else ""),
                **{**dashed, **kwargs},
            )
    ax.set_xlabel("step t")
    ax.set_ylabel("value")
    kind = {True: "bias-corrected", False: "started at 0", "both": "with and without bias correction"}
    ax.set_title(f"Moving averages, {kind[bias_correction]}")
    # Noisy observations fill the whole panel: the legend goes underneath.
    legend_below(ax)
    return ax


# --- effective step sizes --------------------------------------------------------------


def _step_factors(tr: Trajectory) -> tuple[np.ndarray, str]:
    """Per step and parameter: the number the optimizer multiplies the
    gradient (or Adam's bias-corrected momentum) by. Shape (steps, dim).
    Each optimizer knows its own formula (``opt.step_size(state)``)."""
    opt = tr.optimizer
    if opt is None:
        raise ValueError(
            f"effective_step_sizes: trajectory {tr.label!r} has no optimizer attached; make it with adamcourse.run(...)."
        )
    dim = np.asarray(tr.points).shape[1]
    try:
        # SGD and Momentum give one number for every parameter: broadcast it.
        sizes = [np.broadcast_to(np.ravel(np.asarray(opt.step_size(s), dtype=float)), (dim,)) for s in tr.states]
    except NotImplementedError as error:
        raise TypeError(f"effective_step_sizes: no formula for {type(opt).__name__}. {error}") from None
    return np.array(sizes, dtype=float).reshape(len(sizes), dim), opt.step_size_formula


def effective_step_sizes(*trajectories: Trajectory, ax=None, coordinate=None, **kwargs):
    """Each parameter's own step size over the steps of a run.

    What is plotted, at step t, for parameter i:

    - AdaGrad and RMSProp: ``lr / (sqrt(v_i) + eps)`` (``lr / sqrt(v_i + eps)``
      with ``eps_inside_sqrt``), the factor that multiplies the gradient
      ``g_i``; ``v`` is the sum (AdaGrad) or moving average (RMSProp) of
      squared gradients, read from ``trajectory.states``.
    - Adam and AdamW: ``lr / (sqrt(v_hat_i) + eps)`` with ``v_hat = v / (1 -
      beta2**t)``, the factor that multiplies the bias-corrected momentum
      ``m_hat_i`` (with ``eps_hat`` the equivalent ``eps * sqrt(1-beta2**t)``
      is used; with ``amsgrad``, ``v_max``; an Adam without bias correction
      uses ``v`` as it is).
    - SGD and Momentum: ``lr``, the same for every parameter at every step
      (a flat reference line).

    Steps where a parameter has had only zero gradients so far (``v = 0``,
    common with sparse features) are left out: the formula gives ``lr /
    eps`` there, a huge number that moves nothing.

    AdaGrad's step sizes can only shrink; RMSProp's and Adam's follow the
    recent gradient size, so a parameter with small gradients gets big steps.

    Parameters
    ----------
    *trajectories : Trajectory
        Runs from :func:`adamcourse.run` or :func:`adamcourse.run_minibatch`.
    ax : Axes, optional
    coordinate : int or sequence of int, optional
        Which parameters to show; all by default. Several parameters of one
        run are told apart by line style (up to four) or by shade.
    **kwargs
        Passed to every ``ax.plot`` call.

    Returns
    -------
    Axes
    """
    trajectories = _check_trajectories(trajectories, "effective_step_sizes")
    if not trajectories:
        raise ValueError(
            "effective_step_sizes: pass at least one trajectory, e.g. effective_step_sizes(run(Adam(lr=0.1), 'ravine'))."
        )
    ax = plt.gca() if ax is None else ax
    formulas = []
    for tr, st in zip(trajectories, trajectory_styles(*trajectories)):
        factors, formula = _step_factors(tr)
        formulas.append(formula)
        dim = factors.shape[1]
        coords = _coordinates(coordinate, dim)
        names = _axis_names(OBJECTIVES[tr.objective]) if tr.objective in OBJECTIVES else None
        steps = np.arange(1, len(factors) + 1)
        for j, i in enumerate(coords):
            name = names[i] if names and dim == 2 else f"θ{i}"
            label = tr.label if len(coords) == 1 else f"{tr.label}: {name}"
            if len(coords) <= len(_LINESTYLES):
                style = {"color": st["color"], "linestyle": _LINESTYLES[j] if len(coords) > 1 else st["linestyle"]}
            else:
                # Many parameters (sparse features): dark to light, first and last named.
                style = {"color": _mix_white(st["color"], 0.75 * j / (len(coords) - 1)), "linestyle": st["linestyle"]}
                label = label if j in (0, len(coords) - 1) else None
            ax.plot(steps, factors[:, i], label=label, **{**style, **kwargs})
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step t")
    shown = sorted({f for f in formulas if f and f != "lr"})
    ax.set_ylabel("effective step size" + (f"  {shown[0]}" if len(shown) == 1 else ""))
    ax.set_title("Each parameter's step size")
    legend_below(ax)
    return ax


def _mix_white(color: str, amount: float) -> str:
    rgb = np.array(to_rgb(color))
    return to_hex(rgb + amount * (1 - rgb))


def _coordinates(coordinate, dim: int) -> list[int]:
    if coordinate is None:
        return list(range(dim))
    coords = [coordinate] if np.ndim(coordinate) == 0 else list(coordinate)
    for c in coords:
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < dim:
            raise ValueError(
                f"effective_step_sizes: coordinate must be a parameter index from 0 to {dim - 1} (or a list of them), got {coordinate!r}."
            )
    return [int(c) for c in coords]
