"""An explorer for learning-rate schedules: move a slider, see the schedule and the path it gives.

``schedule_explorer()`` shows controls for the decay shape, the warmup
length, the peak learning rate, the batch size and the number of epochs, next
to three panels: the schedule (lr against the update number), the path Adam
takes with it on a minibatch problem's landscape (with the path of a constant
lr at the peak, for comparison), and both loss curves. Minibatches make the
gradient noisy, which is where a schedule matters: with a constant lr, Adam
keeps bouncing around the minimum; a decay lets it settle.

It works with ipywidgets 7.7.1 (Google Colab) and 8 and needs no
``%matplotlib widget``: the picture is a PNG in an ``Image`` widget. The
logic is plain functions (:func:`make_schedule`, :func:`runs`,
:func:`schedule_figure`), usable and tested without widgets; ipywidgets is
imported only inside :func:`schedule_explorer`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, fields, replace

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adamcourse import plotting
from adamcourse.objectives import linear_regression
from adamcourse.optimizers import Adam
from adamcourse.running import Trajectory, run_minibatch
from adamcourse.schedules import Constant, CosineDecay, ExponentialDecay, LinearWarmup, Schedule, StepDecay
from adamcourse.widgets import frontend_problem, widget_bundle

__all__ = [
    "SHAPES",
    "BATCH_SIZES",
    "ScheduleSettings",
    "make_schedule",
    "runs",
    "schedule_figure",
    "ScheduleExplorer",
    "schedule_explorer",
]

#: The decay shapes offered after the warmup.
SHAPES = ("constant", "cosine", "exponential", "step")
#: Batch sizes offered (the problem has 200 examples: 200 is full-batch, no noise).
BATCH_SIZES = (1, 2, 5, 10, 20, 50, 200)

_LR_RANGE = (1e-3, 1.0)
_EPOCHS_RANGE = (1, 40)
# The exponential and step shapes end at 1% of the peak, as far down as the cosine goes in practice.
_FLOOR = 0.01
# Half the width of the landscape panel, around the minimum: a constant lr of 0.3 keeps bouncing
# about this far from it with batches of 2 to 10.
_ZOOM = 0.3


def _problem():
    return linear_regression()  # 200 noisy points, 2 parameters (w, b): a landscape we can draw


@dataclass(frozen=True)
class ScheduleSettings:
    """Everything the schedule explorer's controls hold.

    ``warmup`` is a fraction of all updates (0 for none); the decay takes the
    rest. The runs are Adam (the paper's betas and eps) on
    ``linear_regression()``, ``epochs`` passes in batches of ``batch_size``.
    """

    shape: str = "cosine"
    peak_lr: float = 0.3
    warmup: float = 0.1
    batch_size: int = 10
    epochs: int = 10
    seed: int = 0

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"schedule explorer: shape must be one of {SHAPES}, got {self.shape!r}.")
        lr = self.peak_lr
        if (
            isinstance(lr, bool)
            or not isinstance(lr, (int, float, np.integer, np.floating))
            or not (_LR_RANGE[0] <= lr <= _LR_RANGE[1])
        ):
            raise ValueError(
                f"schedule explorer: peak_lr must be a number from {_LR_RANGE[0]:g} to {_LR_RANGE[1]:g}, "
                f"got {lr!r}; try 0.1."
            )
        warmup = self.warmup
        if (
            isinstance(warmup, bool)
            or not isinstance(warmup, (int, float, np.integer, np.floating))
            or not 0 <= warmup <= 0.5
        ):
            raise ValueError(
                f"schedule explorer: warmup is a fraction of all updates, from 0 (none) to 0.5, got "
                f"{warmup!r}; try 0.1."
            )
        if self.batch_size not in BATCH_SIZES:
            raise ValueError(f"schedule explorer: batch_size must be one of {BATCH_SIZES}, got {self.batch_size!r}.")
        epochs = self.epochs
        if (
            isinstance(epochs, bool)
            or not isinstance(epochs, (int, np.integer))
            or not (_EPOCHS_RANGE[0] <= epochs <= _EPOCHS_RANGE[1])
        ):
            raise ValueError(
                f"schedule explorer: epochs must be a whole number from {_EPOCHS_RANGE[0]} to "
                f"{_EPOCHS_RANGE[1]}, got {epochs!r}."
            )
        object.__setattr__(self, "peak_lr", float(lr))
        object.__setattr__(self, "warmup", float(warmup))
        object.__setattr__(self, "batch_size", int(self.batch_size))
        object.__setattr__(self, "epochs", int(epochs))

    @property
    def updates(self) -> int:
        """How many updates the run makes: ``epochs * ceil(200 / batch_size)``."""
        return self.epochs * math.ceil(_problem().n / self.batch_size)

    @property
    def warmup_steps(self) -> int:
        """The warmup in updates (0 for none)."""
        return round(self.warmup * self.updates)


def make_schedule(settings: ScheduleSettings) -> Schedule:
    """The library schedule for these settings: ``LinearWarmup(w, then=<shape>)``, or the shape alone.

    The shape starts at ``peak_lr`` where the warmup ends and takes the rest
    of the updates: cosine down to 0; exponential down to 1% of the peak;
    step: the peak for the first half, a tenth of it for the next quarter,
    1% after that; constant: the peak throughout.
    """
    s = settings
    rest = s.updates - s.warmup_steps
    if s.shape == "constant":
        then = Constant(s.peak_lr)
    elif s.shape == "cosine":
        then = CosineDecay(lr=s.peak_lr, decay_steps=rest)
    elif s.shape == "exponential":
        then = ExponentialDecay(lr=s.peak_lr, decay_rate=_FLOOR, decay_steps=rest)
    else:
        half, three_quarters = max(1, rest // 2), max(2, 3 * rest // 4)
        then = StepDecay(
            boundaries=(half, max(half + 1, three_quarters)), values=(s.peak_lr, s.peak_lr / 10, s.peak_lr * _FLOOR)
        )
    return LinearWarmup(steps=s.warmup_steps, then=then) if s.warmup_steps else then


def _label(settings: ScheduleSettings) -> str:
    warm = f"{settings.warmup:.0%} warmup + " if settings.warmup_steps else ""
    return f"{warm}{settings.shape}"


def runs(settings: ScheduleSettings) -> tuple[Trajectory, Trajectory]:
    """Adam with the schedule, and Adam with a constant lr at the peak: same start, same batches."""
    problem = _problem()
    scheduled = run_minibatch(
        Adam(lr=make_schedule(settings)),
        problem,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        seed=settings.seed,
        label=_label(settings),
    )
    constant = run_minibatch(
        Adam(lr=settings.peak_lr),
        problem,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        seed=settings.seed,
        label=f"constant lr = {settings.peak_lr:.2g}",
    )
    return scheduled, constant


# The colours: the schedule in the course's Adam colour, the constant reference in grey.
_SCHEDULED, _CONSTANT = plotting.optimizer_color("Adam"), "0.55"


def schedule_figure(settings: ScheduleSettings | None = None, **overrides) -> Figure:
    """The explorer's picture for some settings, without any widgets.

    Three panels: the schedule, the two paths on the landscape, their
    losses (above the best possible loss). ``schedule_figure(shape="step",
    warmup=0)`` is what the explorer shows for those settings. The figure
    is not registered with pyplot (nothing is shown behind your back);
    display it as the last line of a cell, or save it.
    """
    settings = ScheduleSettings() if settings is None else settings
    if overrides:
        settings = replace(settings, **overrides)
    return _draw(settings, *runs(settings))


def _draw(settings: ScheduleSettings, scheduled: Trajectory, constant: Trajectory) -> Figure:
    try:  # no layout engine, whatever the course style says: the margins below leave room for the legend
        figure = Figure(figsize=(11, 3.6), dpi=90, layout="none")
    except ValueError:  # matplotlib < 3.7 does not know "none" (and uses no engine by default)
        figure = Figure(figsize=(11, 3.6), dpi=90)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.06, right=0.985, bottom=0.3, top=0.9, wspace=0.3)
    lr_ax, path_ax, loss_ax = figure.subplots(1, 3)

    schedule = make_schedule(settings)
    updates = np.arange(settings.updates)
    lr_ax.plot(updates, [settings.peak_lr] * len(updates), color=_CONSTANT, linewidth=1.5, linestyle="--")
    lr_ax.plot(updates, [schedule(int(k)) for k in updates], color=_SCHEDULED, linewidth=2)
    lr_ax.set(
        xlabel="update (step count, from 0)", ylabel="lr", title="the schedule", ylim=(0, 1.08 * settings.peak_lr)
    )

    # Where the runs end is what a schedule changes: the panel zooms onto the minimum
    # (on this bowl every path gets there within a few dozen updates).
    problem = _problem()
    w, b = problem.solution
    grid_w, grid_b = np.meshgrid(np.linspace(w - _ZOOM, w + _ZOOM, 80), np.linspace(b - _ZOOM, b + _ZOOM, 80))
    height = problem.loss(np.array([grid_w, grid_b])) - float(problem.loss(problem.solution))
    path_ax.contour(grid_w, grid_b, height, levels=np.geomspace(1e-4, 0.1, 7), colors="0.8", linewidths=0.8)
    last = settings.updates * 3 // 4  # the last quarter of the run, drawn bold
    for trajectory, color in ((constant, _CONSTANT), (scheduled, _SCHEDULED)):
        points = trajectory.points
        path_ax.plot(points[:, 0], points[:, 1], "-", color=color, linewidth=0.6, alpha=0.6)
        path_ax.plot(points[last:, 0], points[last:, 1], ".", color=color, markersize=4)
    path_ax.plot(w, b, "+", color="black", markersize=14, markeredgewidth=1.5, zorder=1)
    path_ax.set(
        xlim=(w - _ZOOM, w + _ZOOM),
        ylim=(b - _ZOOM, b + _ZOOM),
        aspect="equal",
        xlabel="w",
        ylabel="b",
        title="near the minimum: last quarter as dots",
    )

    best = float(problem.loss(problem.solution))
    for trajectory, color, style in ((constant, _CONSTANT, "--"), (scheduled, _SCHEDULED, "-")):
        above = np.maximum(trajectory.losses - best, 1e-16)
        loss_ax.semilogy(
            np.arange(len(above)), above, color=color, linestyle=style, linewidth=1.8, label=trajectory.label
        )
    loss_ax.set(xlabel="update", ylabel="loss above the best", title="the losses")
    handles, labels = loss_ax.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class ScheduleExplorer:
    """The schedule explorer's widgets and picture. Displaying it shows the controls.

    Attributes
    ----------
    controls : dict
        The input widgets by setting name (``"shape"``, ``"warmup"``, ``"peak_lr"``,
        ``"batch_size"``, ``"epochs"``). Setting ``.value`` on one redraws, as a click would.
    figure : matplotlib.figure.Figure
        The picture of the current settings.
    trajectories : tuple of Trajectory
        The scheduled run and the constant-lr run now shown.
    image : ipywidgets.Image
        The picture as the user sees it (PNG bytes in ``image.value``).
    ui : ipywidgets.Widget
        The whole layout.
    """

    def __init__(self, settings: ScheduleSettings, widgets):
        style = {"description_width": "80px"}
        wide = widgets.Layout(width="330px")
        self.controls = {
            "shape": widgets.Dropdown(
                options=list(SHAPES), value=settings.shape, description="decay", style=style, layout=wide
            ),
            "warmup": widgets.FloatSlider(
                value=settings.warmup,
                min=0.0,
                max=0.5,
                step=0.05,
                readout_format=".0%",
                description="warmup",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "peak_lr": widgets.FloatLogSlider(
                value=settings.peak_lr,
                base=10,
                min=math.log10(_LR_RANGE[0]),
                max=math.log10(_LR_RANGE[1]),
                step=0.1,
                readout_format=".2g",
                description="peak lr",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "batch_size": widgets.SelectionSlider(
                options=list(BATCH_SIZES),
                value=settings.batch_size,
                description="batch size",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "epochs": widgets.IntSlider(
                value=settings.epochs,
                min=_EPOCHS_RANGE[0],
                max=_EPOCHS_RANGE[1],
                description="epochs",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
        }
        self._seed = settings.seed
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto", max_width="100%", height="auto"))
        self.status = widgets.HTML()
        c = self.controls
        column = widgets.Layout(width="340px", flex="0 0 auto")
        top = widgets.HBox(
            [
                widgets.VBox([c["shape"], c["warmup"], c["peak_lr"]], layout=column),
                widgets.VBox([c["batch_size"], c["epochs"]], layout=column),
            ],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        self.ui = widgets.VBox([top, self.image, self.status])
        for control in self.controls.values():
            control.observe(lambda change: self.refresh(), names="value")
        self.redraws = 0
        self.figure = None
        self.trajectories = ()
        self.refresh()

    def settings(self) -> ScheduleSettings:
        """The settings the controls hold now."""
        c = self.controls
        return ScheduleSettings(
            shape=c["shape"].value,
            peak_lr=c["peak_lr"].value,
            warmup=c["warmup"].value,
            batch_size=c["batch_size"].value,
            epochs=c["epochs"].value,
            seed=self._seed,
        )

    def refresh(self):
        """Run and redraw with the current settings (what every change does)."""
        settings = self.settings()
        self.trajectories = runs(settings)
        self.figure = _draw(settings, *self.trajectories)
        self.image.value = _png(self.figure)
        self.status.value = self._summary(settings, self.trajectories)
        self.redraws += 1

    @staticmethod
    def _summary(settings, trajectories) -> str:
        problem = _problem()
        best = float(problem.loss(problem.solution))
        parts = []
        for trajectory in trajectories:
            if trajectory.diverged_at is not None:
                text = f"diverged at update {trajectory.diverged_at}: lower the peak lr"
            else:
                # the last tenth of the run: how close it stays, not where one noisy step ended
                tail = trajectory.losses[-max(1, len(trajectory.losses) // 10) :] - best
                text = f"loss above the best over the last tenth of the run: {np.mean(tail):.2e}"
            parts.append(f"<b>{trajectory.label}</b>: {text}")
        return (
            f"<div style='font-size:90%'>{settings.updates} updates, {settings.warmup_steps} of them warmup. "
            + " &emsp; ".join(parts)
            + "</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget, plus a still picture and a sentence where widgets cannot render."""
        s = self.settings()
        return widget_bundle(
            self.ui,
            self.image,
            f"Schedule explorer ({_label(s)}, peak lr {s.peak_lr:g}, batch {s.batch_size}, "
            f"{s.epochs} epochs): run the notebook to move its sliders.",
        )

    def _ipython_display_(self):
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self):
        return f"<ScheduleExplorer: {self.settings()}>"


def schedule_explorer(**initial):
    """Explore learning-rate schedules with sliders: the schedule, the path and the losses follow.

    Use it as the last line of a cell: ``schedule_explorer()`` or
    ``schedule_explorer(shape="step", peak_lr=0.1)``.

    Parameters
    ----------
    **initial
        Starting values of the controls: ``shape`` (one of :data:`SHAPES`),
        ``peak_lr``, ``warmup`` (a fraction of all updates), ``batch_size``
        (one of :data:`BATCH_SIZES`), ``epochs``, and ``seed`` (the batches' order).

    Returns
    -------
    ScheduleExplorer
        Displays as the controls and the picture. Without ipywidgets a
        message says how to install it and the static figure is returned.
    """
    allowed = {f.name for f in fields(ScheduleSettings)}
    unknown = sorted(set(initial) - allowed)
    if unknown:
        raise TypeError(f"schedule_explorer() got unknown setting(s) {unknown}; the settings are {sorted(allowed)}.")
    settings = ScheduleSettings(**initial)
    try:
        import ipywidgets
    except ImportError:
        print(
            "The schedule explorer needs ipywidgets, which is not installed: run  %pip install ipywidgets  and "
            "restart the kernel. Meanwhile, here is the picture for these settings; change them with "
            "schedule_explorer(peak_lr=..., ...) and run the cell again."
        )
        return schedule_figure(settings)
    problem = frontend_problem()
    if problem is not None:
        print(
            f"The explorer's controls need a notebook (JupyterLab, Jupyter Notebook or Colab), but {problem}. "
            f"Change settings with ex.controls['peak_lr'].value = ..., and see the picture with ex.figure, "
            f"or use schedule_figure(...)."
        )
    return ScheduleExplorer(settings, ipywidgets)
