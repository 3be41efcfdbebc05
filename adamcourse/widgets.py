"""An interactive explorer: move a slider, watch every optimizer's path and
loss curve change.

``explorer()`` shows controls for the landscape, the optimizers and their
hyperparameters next to a picture (contours with the paths, and the loss
curves). It works with ipywidgets 7.7.1 (Google Colab) and 8 (JupyterLab 4)
and needs no ``%matplotlib widget``: the picture is a PNG in an ``Image``
widget, redrawn from a figure whose landscape is drawn once and whose paths
are updated in place.

The logic that turns settings into a picture is a plain function,
:func:`explorer_figure`, usable (and tested) without any widgets. ipywidgets
is imported only inside :func:`explorer`, so this module imports without it.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, fields, replace

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from adamcourse import plotting, validation
from adamcourse.objectives import OBJECTIVES, get_objective
from adamcourse.optimizers import SGD, AdaGrad, Adam, Momentum, RMSProp
from adamcourse.running import Trajectory, run

__all__ = [
    "OPTIMIZER_NAMES",
    "Settings",
    "make_optimizer",
    "ExplorerView",
    "render",
    "explorer_figure",
    "Explorer",
    "explorer",
]

#: The optimizers the explorer offers, in the order the course builds them.
OPTIMIZER_NAMES = ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam")

# JupyterLab on a 1024 x 768 screen leaves an output area 844 pixels wide (592
# with the file browser open; measured in Chromium): three columns of controls
# fit in one row (two with the browser open), and the picture shrinks to fit.
_COLUMN_WIDTH = "270px"
_CONTROL_WIDTH = "265px"

# Slider ranges; settings outside them are refused with a message.
_LR_RANGE = (1e-5, 1.0)
_EPS_RANGE = (1e-12, 1e-1)
_STEPS_RANGE = (10, 1000)
_BETA2_CHOICES = (0.9, 0.95, 0.99, 0.995, 0.999, 0.9999)


@dataclass(frozen=True)
class Settings:
    """Everything the explorer's controls hold.

    ``beta1`` is Momentum's ``beta`` and Adam's ``beta1``; ``beta2`` is
    RMSProp's ``beta`` and Adam's ``beta2`` (Adam = momentum + RMSProp);
    ``eps`` is used by AdaGrad, RMSProp and Adam; ``bias_correction`` only
    changes Adam. ``start`` is None for the objective's own start point.
    """

    objective: str = "rosenbrock"
    optimizers: tuple = ("SGD", "Momentum", "Adam")
    lr: float = 0.002
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    bias_correction: bool = True
    steps: int = 200
    start: tuple | None = None

    def __post_init__(self):
        get_objective(self.objective)  # a clear KeyError for unknown names
        names = (self.optimizers,) if isinstance(self.optimizers, str) else tuple(self.optimizers)
        for name in names:
            if name not in OPTIMIZER_NAMES:
                raise ValueError(f"explorer: unknown optimizer {name!r}; choose from {OPTIMIZER_NAMES}.")
        # Canonical order, so the colours and legend never depend on click order.
        object.__setattr__(self, "optimizers", tuple(n for n in OPTIMIZER_NAMES if n in names))
        lr = validation.number("explorer", "lr", self.lr, "Try 0.01.", low=_LR_RANGE[0], high=_LR_RANGE[1])
        beta1 = validation.fraction("explorer", "beta1", self.beta1, 0.9)
        beta2 = validation.fraction("explorer", "beta2", self.beta2, 0.999)
        eps = validation.number("explorer", "eps", self.eps, "Try 1e-8.", low=_EPS_RANGE[0], high=_EPS_RANGE[1])
        validation.flag("explorer", "bias_correction", self.bias_correction)
        steps = validation.whole("explorer", "steps", self.steps, smallest=_STEPS_RANGE[0], largest=_STEPS_RANGE[1])
        start = None
        if self.start is not None:
            start = np.asarray(self.start, dtype=float)
            if start.shape != (2,) or not np.all(np.isfinite(start)):
                raise ValueError(f"explorer: start must be two finite numbers (x, y), got {self.start!r}.")
            start = (float(start[0]), float(start[1]))
        for name, value in (
            ("lr", lr),
            ("beta1", beta1),
            ("beta2", beta2),
            ("eps", eps),
            ("steps", int(steps)),
            ("start", start),
            ("bias_correction", bool(self.bias_correction)),
        ):
            object.__setattr__(self, name, value)

    @property
    def start_point(self) -> np.ndarray:
        """Where the runs start: ``start``, or the objective's own start point."""
        return np.array(self.start) if self.start is not None else get_objective(self.objective).start.copy()


def make_optimizer(name: str, settings: Settings):
    """The optimizer ``name`` with the settings' hyperparameters.

    Momentum takes ``beta1`` as its ``beta`` and RMSProp takes ``beta2``, the
    two averages Adam combines.
    """
    s = settings
    if name == "SGD":
        return SGD(lr=s.lr)
    if name == "Momentum":
        return Momentum(lr=s.lr, beta=s.beta1)
    if name == "AdaGrad":
        return AdaGrad(lr=s.lr, eps=s.eps)
    if name == "RMSProp":
        return RMSProp(lr=s.lr, beta=s.beta2, eps=s.eps)
    if name == "Adam":
        return Adam(lr=s.lr, beta1=s.beta1, beta2=s.beta2, eps=s.eps, bias_correction=s.bias_correction)
    raise ValueError(f"explorer: unknown optimizer {name!r}; choose from {OPTIMIZER_NAMES}.")


def run_all(settings: Settings) -> list[Trajectory]:
    """One run per chosen optimizer, from the same start; legends show the
    optimizer's name only (the shared settings are on the sliders)."""
    start = settings.start_point
    trajectories = []
    for name in settings.optimizers:
        opt = make_optimizer(name, settings)
        label = name if name != "Adam" or settings.bias_correction else "Adam, no bias correction"
        trajectories.append(run(opt, settings.objective, x0=start, steps=settings.steps, label=label))
    return trajectories


class ExplorerView:
    """The explorer's picture: contours with the paths (left), loss curves (right).

    Drawing the landscape (a filled contour plot) is the slow part of a
    frame, and it only changes with the objective. So it is drawn once, kept
    as pixels, and each new setting pastes those pixels back and draws only
    the paths, their markers, the legend and the loss panel on top
    ("blitting"). ``figure`` always holds the current artists, so saving it
    gives the same picture as :meth:`png`.

    One legend below both panels names the runs (the colours are the same in
    both), so no legend ever covers a path or a curve.
    """

    # Height of the legend strip at the bottom, as a fraction of the figure.
    _LEGEND_STRIP = 0.12

    #: 880 x 360 pixels: with the controls above it, the whole explorer fits
    #: the height of a 1024 x 768 screen.
    FIGSIZE = (8.8, 3.6)

    def __init__(self, figsize=FIGSIZE, dpi: int = 100):
        self.figure = plotting.fixed_layout_figure(figsize, dpi)
        self.figure.subplots_adjust(left=0.075, right=0.985, bottom=0.25, top=0.91, wspace=0.3)
        self.contour_ax, self.loss_ax = self.figure.subplots(1, 2)
        self.legend = None
        self.objective: str | None = None
        self.trajectories: list[Trajectory] = []
        self._path_artists: list = []
        self._minimum = None
        self._backgrounds = ()

    def _draw_landscape(self, objective: str):
        ax = self.contour_ax
        ax.clear()
        plotting.contour(objective, ax=ax, legend=False, levels=25)
        minima = [line for line in ax.lines if line.get_label() in ("minimum", "minima")]
        self._minimum = minima[0] if minima else None
        self.objective = objective
        self._path_artists = []
        # Draw the landscape alone and keep its pixels, and those of an empty loss panel.
        self.loss_ax.set_visible(False)
        if self._minimum is not None:
            self._minimum.set_visible(False)
        if self.legend is not None:
            self.legend.remove()
            self.legend = None
        canvas = self.figure.canvas
        canvas.draw()
        width, height = self.figure.bbox.x1, self.figure.bbox.y1
        strip_top = self._LEGEND_STRIP * height
        loss_region = Bbox.from_extents(ax.bbox.x1 + 2, strip_top, width, height)
        legend_strip = Bbox.from_extents(0, 0, width, strip_top)
        self._backgrounds = tuple(canvas.copy_from_bbox(box) for box in (ax.bbox, loss_region, legend_strip))
        self.loss_ax.set_visible(True)
        if self._minimum is not None:
            self._minimum.set_visible(True)

    def update(self, settings: Settings, trajectories: list[Trajectory]):
        """Show these runs of these settings (redrawing the landscape only if the objective changed)."""
        if settings.objective != self.objective:
            self._draw_landscape(settings.objective)
        ax = self.contour_ax
        for artist in self._path_artists:
            artist.remove()
        before = set(ax.lines)
        window = tuple(np.ravel(get_objective(settings.objective).bounds))
        for tr, style in zip(trajectories, plotting.trajectory_styles(*trajectories)):
            plotting.draw_trajectory(ax, tr, style, window)
        self._path_artists = [line for line in ax.lines if line not in before]
        if self.legend is not None:
            self.legend.remove()
        labelled = [a for a in self._path_artists if not a.get_label().startswith("_")]
        handles = labelled + ([self._minimum] if self._minimum is not None else [])
        # Names only: the crosses and the summary under the picture say which
        # runs diverged, and short labels keep the legend to one row.
        labels = [tr.label for tr in trajectories] + ([self._minimum.get_label()] if self._minimum is not None else [])
        # As many columns as fit the figure's width.
        renderer = self.figure.canvas.get_renderer()
        for ncol in range(min(len(handles), 6), 0, -1):
            self.legend = self.figure.legend(
                handles,
                labels,
                loc="lower center",
                ncol=ncol,
                frameon=False,
                borderaxespad=0.2,
                handlelength=1.8,
                columnspacing=1.2,
            )
            if ncol == 1 or self.legend.get_window_extent(renderer).width <= 0.98 * self.figure.bbox.width:
                break
            self.legend.remove()

        self._update_losses(trajectories)
        self.trajectories = list(trajectories)
        self._blit()

    def _update_losses(self, trajectories):
        # Replace the curves but keep the Axes: clearing it would rebuild every
        # tick of the log axis, the slowest part of a redraw.
        ax = self.loss_ax
        for artist in [*ax.lines, *ax.texts]:
            artist.remove()
        ax.relim()
        ax.set_autoscale_on(True)
        if trajectories:
            plotting.loss_curves(*trajectories, ax=ax, legend=False)  # the figure's legend below names them
            # Minor ticks of a log axis cost a third of a redraw and add little here.
            ax.minorticks_off()
        else:
            ax.text(0.5, 0.5, "Tick an optimizer to see its run.", ha="center", va="center", transform=ax.transAxes)

    def _blit(self):
        for background in self._backgrounds:
            self.figure.canvas.restore_region(background)
        for artist in [*self._path_artists, self._minimum]:
            if artist is not None:
                self.contour_ax.draw_artist(artist)
        self.loss_ax.draw(self.figure.canvas.get_renderer())
        self.figure.draw_artist(self.legend)

    def path_line(self, label: str):
        """The line of the run labelled ``label`` on the contour panel."""
        for line in self._path_artists:
            if line.get_label() == label or line.get_label().startswith(label + " (diverged"):
                return line
        raise KeyError(f"no run labelled {label!r}; runs shown: {[t.label for t in self.trajectories]}.")

    def png(self) -> bytes:
        """The picture as PNG bytes, from the pixels drawn by the last update.

        A palette of 128 colours, like the race's frames: a plot has few
        colours, and the PNG is 21 kB instead of 75 kB (measured on the
        neuron's plateau) in the same 20 ms. It is sent on every slider move,
        and the notebook stores it twice (widget state and still picture).
        """
        width, height = self.figure.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.figure.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(buffer, format="png")
        return buffer.getvalue()


def render(settings: Settings, view: ExplorerView | None = None) -> ExplorerView:
    """Run the chosen optimizers with ``settings`` and draw them on ``view``
    (a new one when None). This is everything a slider move does."""
    if not isinstance(settings, Settings):
        raise TypeError(f"render: settings must be a Settings(...), got {type(settings).__name__}.")
    view = ExplorerView() if view is None else view
    view.update(settings, run_all(settings))
    return view


def explorer_figure(settings: Settings | None = None, **overrides) -> Figure:
    """The explorer's picture for some settings, without any widgets.

    ``explorer_figure(lr=0.01, optimizers=("SGD", "Adam"))`` is the figure the
    explorer would show for those settings.
    """
    settings = Settings() if settings is None else settings
    if overrides:
        settings = replace(settings, **overrides)
    return render(settings).figure


def frontend_problem() -> str | None:
    """Why widgets cannot be shown here, or None if they can."""
    try:
        from IPython import get_ipython
    except ImportError:
        return "IPython is not installed"
    shell = get_ipython()
    if shell is None:
        return "this is not a Jupyter notebook (plain Python)"
    if not hasattr(shell, "kernel"):
        return f"this IPython ({type(shell).__name__}) has no notebook frontend to draw widgets"
    return None


def widget_bundle(ui, image, text: str) -> dict:
    """What an explorer displays: the widget ``ui``, the PNG that ``image`` (a
    widgets.Image) holds for frontends without widgets, and ``text`` for plain text."""
    return {
        "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": ui.model_id},
        "image/png": base64.b64encode(bytes(image.value)).decode("ascii"),
        "text/plain": text,
    }


class Explorer:
    """The explorer's widgets and picture. Displaying it shows the controls.

    Attributes
    ----------
    controls : dict
        The input widgets by setting name (``"lr"``, ``"beta1"``, ...);
        ``controls["optimizers"]`` is a dict of one checkbox per optimizer.
        Setting ``.value`` on any of them redraws, as a click would.
    view : ExplorerView
        The figure and the runs it shows (``view.trajectories``).
    image : ipywidgets.Image
        The picture as the user sees it (PNG bytes in ``image.value``).
    ui : ipywidgets.Widget
        The whole layout.
    """

    def __init__(self, settings: Settings, widgets):
        self._widgets = widgets
        self._quiet = False  # set while several controls change at once
        self.view = ExplorerView()
        self.controls = self._make_controls(settings, widgets)
        # Natural size, shrunk (never stretched) to fit a narrow notebook.
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto", max_width="100%", height="auto"))
        self.status = widgets.HTML()
        self.ui = self._layout(widgets)
        for name, control in self._all_controls():
            control.observe(self._on_objective if name == "objective" else self._on_change, names="value")
        self.redraws = 0
        self.refresh()

    # --- building ---

    @staticmethod
    def _make_controls(s: Settings, w) -> dict:
        style = {"description_width": "70px"}
        wide = w.Layout(width=_CONTROL_WIDTH)
        objective = get_objective(s.objective)
        (x0, x1), (y0, y1) = objective.bounds
        start = s.start_point
        beta2_options = sorted(set(_BETA2_CHOICES) | {s.beta2})
        return {
            "objective": w.Dropdown(
                options=sorted(OBJECTIVES), value=s.objective, description="landscape", style=style, layout=wide
            ),
            "optimizers": {
                # Widths from the names, so "Momentum" is not cut and three fit a 270-pixel column.
                name: w.Checkbox(
                    value=name in s.optimizers,
                    description=name,
                    indent=False,
                    layout=w.Layout(width={"SGD": "70px", "Momentum": "110px"}.get(name, "90px")),
                )
                for name in OPTIMIZER_NAMES
            },
            "lr": w.FloatLogSlider(
                value=s.lr,
                base=10,
                min=math.log10(_LR_RANGE[0]),
                max=math.log10(_LR_RANGE[1]),
                step=0.1,
                description="lr",
                readout_format=".1e",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "beta1": w.FloatSlider(
                value=s.beta1,
                min=0.0,
                max=0.999,
                step=0.001,
                readout_format=".3f",
                description="β1",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "beta2": w.SelectionSlider(
                options=beta2_options,
                value=s.beta2,
                description="β2",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "eps": w.FloatLogSlider(
                value=s.eps,
                base=10,
                min=math.log10(_EPS_RANGE[0]),
                max=math.log10(_EPS_RANGE[1]),
                step=1,
                description="ε",
                readout_format=".0e",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "bias_correction": w.Checkbox(value=s.bias_correction, description="Adam's bias correction", indent=False),
            "steps": w.IntSlider(
                value=s.steps,
                min=10,
                max=1000,
                step=10,
                description="steps",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "start_x": w.FloatSlider(
                value=start[0],
                min=x0,
                max=x1,
                step=(x1 - x0) / 200,
                description="start x",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "start_y": w.FloatSlider(
                value=start[1],
                min=y0,
                max=y1,
                step=(y1 - y0) / 200,
                description="start y",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
        }

    def _all_controls(self):
        for name, control in self.controls.items():
            if isinstance(control, dict):
                for sub in control.values():
                    yield name, sub
            else:
                yield name, control

    def _layout(self, w):
        # Controls in three short columns above the picture: notebooks (Colab's
        # especially) are too narrow for controls beside a two-panel figure, and
        # four rows of controls plus the picture fit a 1024 x 768 screen.
        c = self.controls
        boxes = list(c["optimizers"].values())
        optimizers = w.VBox([w.HBox(boxes[:3]), w.HBox(boxes[3:])])
        help_text = w.HTML(
            "<div style='line-height:1.25; font-size:90%'>Momentum uses β1, RMSProp β2, Adam both. "
            "All share one lr.</div>"
        )
        column = w.Layout(width=_COLUMN_WIDTH, flex="0 0 auto")
        landscape = w.VBox([c["objective"], optimizers, c["steps"]], layout=column)
        hyper = w.VBox([c["lr"], c["beta1"], c["beta2"], c["eps"]], layout=column)
        start = w.VBox([c["start_x"], c["start_y"], c["bias_correction"], help_text], layout=column)
        controls = w.HBox([landscape, hyper, start], layout=w.Layout(flex_flow="row wrap"))
        return w.VBox([controls, self.image, self.status], layout=w.Layout(align_items="flex-start"))

    # --- reading and reacting ---

    def settings(self) -> Settings:
        """The settings the controls hold now."""
        c = self.controls
        return Settings(
            objective=c["objective"].value,
            optimizers=tuple(name for name, box in c["optimizers"].items() if box.value),
            lr=c["lr"].value,
            beta1=c["beta1"].value,
            beta2=c["beta2"].value,
            eps=c["eps"].value,
            bias_correction=c["bias_correction"].value,
            steps=c["steps"].value,
            start=(c["start_x"].value, c["start_y"].value),
        )

    def refresh(self):
        """Run and redraw with the current settings (what every change does)."""
        settings = self.settings()
        render(settings, self.view)
        self.image.value = self.view.png()
        self.status.value = self._summary(self.view.trajectories)
        self.redraws += 1

    def _on_change(self, change):
        if not self._quiet:
            self.refresh()

    def _on_objective(self, change):
        # A new landscape has its own window and start point: move the start
        # sliders there first, then redraw once.
        objective = get_objective(change["new"])
        (x0, x1), (y0, y1) = objective.bounds
        self._quiet = True
        try:
            for control, lo, hi, value in (
                (self.controls["start_x"], x0, x1, objective.start[0]),
                (self.controls["start_y"], y0, y1, objective.start[1]),
            ):
                # Widen first, then narrow: min may never exceed max on the way.
                control.min, control.max = min(lo, control.min), max(hi, control.max)
                control.value = float(value)
                control.min, control.max, control.step = lo, hi, (hi - lo) / 200
        finally:
            self._quiet = False
        self.refresh()

    @staticmethod
    def _summary(trajectories) -> str:
        rows = []
        for tr in trajectories:
            color = plotting.optimizer_color(tr)
            if tr.diverged_at is not None:
                text = f"diverged at step {tr.diverged_at}: lower lr"
            else:
                x, y = tr.final_point
                text = f"loss {tr.final_loss:.3g} at ({x:.3g}, {y:.3g})"
            rows.append(
                f"<span style='white-space:nowrap'><span style='color:{color}'>&#9632;</span> <b>{tr.label}</b>: {text}</span>"
            )
        # Side by side, wrapping: one or two lines instead of five keep the explorer on one screen.
        return "<div style='line-height:1.4; font-size:90%; max-width:880px'>" + " &emsp; ".join(rows) + "</div>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget, plus a still picture and a sentence for where widgets cannot render.

        A frontend with a widget manager (JupyterLab, Colab, nbviewer with the
        saved widget state) shows the controls; GitHub and a JupyterLab
        without the widget state fall back to the PNG of the current picture;
        plain text says what this is instead of ``VBox(children=...)``.
        """
        settings = self.settings()
        return widget_bundle(
            self.ui,
            self.image,
            f"Optimizer explorer on {settings.objective} ({', '.join(settings.optimizers) or 'no optimizer'}, "
            f"lr={settings.lr:g}, {settings.steps} steps): run the notebook to move its sliders.",
        )

    def _ipython_display_(self):
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self):
        return f"<Explorer: {self.settings()}>"


def explorer(objective: str = "rosenbrock", optimizers=("SGD", "Momentum", "Adam"), steps: int = 200, **initial):
    """Explore the optimizers with sliders: the paths and loss curves follow.

    Choose the landscape, tick optimizers, and move lr, beta1 (Momentum and
    Adam), beta2 (RMSProp and Adam), eps, Adam's bias correction, the number
    of steps and the start point. Every optimizer gets the same settings.
    Use it as the last line of a cell: ``explorer()`` or
    ``explorer("ravine", ["SGD", "Adam"], lr=0.1)``.

    Parameters
    ----------
    objective : str
        A course objective: one of ``adamcourse.OBJECTIVES``.
    optimizers : sequence of str
        Names from :data:`OPTIMIZER_NAMES`.
    steps : int
    **initial
        Starting values of the other controls: ``lr``, ``beta1``, ``beta2``,
        ``eps``, ``bias_correction``, ``start`` (x, y).

    Returns
    -------
    Explorer
        Displays as the controls and the picture. Where widgets cannot be
        shown (ipywidgets missing) a message says why and the static figure
        for these settings is returned instead.
    """
    allowed = {f.name for f in fields(Settings)} - {"objective", "optimizers", "steps"}
    unknown = sorted(set(initial) - allowed)
    if unknown:
        raise TypeError(f"explorer() got unknown setting(s) {unknown}; the settings are {sorted(allowed)}.")
    settings = Settings(objective=objective, optimizers=optimizers, steps=steps, **initial)
    (x0, x1), (y0, y1) = get_objective(settings.objective).bounds
    x, y = settings.start_point
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise ValueError(
            f"explorer: start {tuple(settings.start_point)} is outside the {settings.objective} window "
            f"x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]; the start sliders cannot reach it."
        )
    try:
        import ipywidgets
    except ImportError:
        print(
            "The explorer needs ipywidgets, which is not installed: run  %pip install ipywidgets  and "
            "restart the kernel. Meanwhile, here is the picture for these settings; change them with "
            "explorer(lr=..., ...) and run the cell again."
        )
        return explorer_figure(settings)
    problem = frontend_problem()
    if problem is not None:
        print(
            f"The explorer's controls need a notebook (JupyterLab, Jupyter Notebook or Colab), but {problem}. "
            f"Change settings with ex.controls['lr'].value = ..., and see the picture with ex.view.figure, "
            f"or use explorer_figure(...)."
        )
    return Explorer(settings, ipywidgets)
