"""Optimizers racing across a landscape, as an animation that plays in
JupyterLab and in Colab without ffmpeg.

The animation is rendered to matplotlib's "jshtml" (every frame embedded as
an image, with play/pause controls in plain JavaScript). The figure is made
outside pyplot, so no static copy of it appears under the cell.
"""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from matplotlib.animation import FuncAnimation, HTMLWriter
from matplotlib.figure import Figure
from PIL import Image

from adamcourse import plotting
from adamcourse.running import Trajectory

__all__ = ["Race", "race", "MAX_FRAMES"]

#: The most frames a race embeds. Every frame is stored in the notebook (a
#: palette PNG of about 15 kB), so one race stays well under 2 MB.
MAX_FRAMES = 60

# Small enough to keep the frames light, large enough to read in Colab.
_FIGSIZE = (5.6, 4.2)
_DPI = 90
# A plot has few colours: 64 keep the landscape's bands and every optimizer
# colour, and make a frame about three times smaller than a full-colour PNG.
_PALETTE_COLORS = 64


def _palette_png(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=_PALETTE_COLORS, method=Image.Quantize.MEDIANCUT).save(out, format="png", optimize=True)
    return out.getvalue()


class _PaletteHTMLWriter(HTMLWriter):
    """matplotlib's jshtml writer, storing each frame as a palette PNG."""

    def grab_frame(self, **savefig_kwargs):
        # Relies on HTMLWriter's frame list (there since matplotlib 2.1); if a
        # future version renames it, fall back to ordinary full-colour frames.
        if not (self.embed_frames and isinstance(getattr(self, "_saved_frames", None), list)):
            return super().grab_frame(**savefig_kwargs)
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=self.dpi, **savefig_kwargs)
        self._saved_frames.append(base64.encodebytes(_palette_png(buffer.getvalue())).decode("ascii"))


class Race:
    """An animation of several trajectories moving together over a contour plot.

    Frame ``i`` shows every run up to step ``frame_steps[i]`` (the same step
    for all runs; a run that stopped early, by diverging, stays where it
    ended). Displaying the object (the last line of a cell) shows the
    animation; ``html`` is the page fragment itself.

    Attributes
    ----------
    frames : int
        Number of frames.
    frame_steps : ndarray of int
        The step shown in each frame, from 0 (the start) to the longest run's end.
    trajectories : tuple of Trajectory
    figure : Figure
    lines, heads : list of Line2D
        The path drawn so far and the current position of each run.
    """

    def __init__(self, objective, trajectories, frames: int, interval: int, **kwargs):
        self.trajectories = tuple(trajectories)
        longest = max(tr.steps for tr in self.trajectories)
        self.frames = min(frames, longest + 1)
        # Evenly spaced steps, first and last included, no step shown twice.
        self.frame_steps = np.unique(np.round(np.linspace(0, longest, self.frames)).astype(int))
        self.frames = len(self.frame_steps)
        self.interval = interval

        self.figure = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="constrained")
        ax = self.figure.add_subplot()
        # Fewer bands and no band edges: every frame is stored in the notebook.
        plotting.contour(objective, *self.trajectories, ax=ax, **{"levels": 20, "edges": False, **kwargs})
        # contour drew the full paths; the race replaces them with growing ones.
        full_paths = [line for line in ax.lines if line.get_label() in {plotting._legend_label(tr) for tr in self.trajectories}]
        self.lines = full_paths[: len(self.trajectories)]
        self.heads = []
        for line in self.lines:
            (head,) = ax.plot([], [], marker="o", markersize=8, color=line.get_color(), markeredgecolor="black", zorder=6)
            self.heads.append(head)
        # The static end markers would give the result away before the race ends.
        for line in list(ax.lines):
            if line not in self.lines and line not in self.heads and line.get_marker() in ("s", "X"):
                line.remove()
        self.axes = ax
        self.update(0)
        self._html: str | None = None

    def frame_data(self, i: int) -> list[np.ndarray]:
        """The points each run has visited by frame ``i``: one (k, 2) array per trajectory."""
        if not -self.frames <= i < self.frames:
            raise IndexError(f"frame {i} does not exist; this race has {self.frames} frames (0 to {self.frames - 1}).")
        step = int(self.frame_steps[i])
        return [np.asarray(tr.points[: step + 1]) for tr in self.trajectories]

    def update(self, i: int):
        """Draw frame ``i`` (called by matplotlib for every frame)."""
        for line, head, points in zip(self.lines, self.heads, self.frame_data(i)):
            line.set_data(points[:, 0], points[:, 1])
            head.set_data(points[-1:, 0], points[-1:, 1])
        self.axes.set_title(f"{plotting._title(self.trajectories[0].objective)}: step {self.frame_steps[i]}")
        return [*self.lines, *self.heads]

    @property
    def html(self) -> str:
        """The animation as an HTML fragment with embedded frames (made once, then kept)."""
        if self._html is None:
            # Made only now: matplotlib warns about an animation never rendered.
            animation = FuncAnimation(self.figure, self.update, frames=self.frames, interval=self.interval, repeat=False)
            writer = _PaletteHTMLWriter(fps=1000 / self.interval, embed_frames=True, default_mode="once")
            writer.frame_format = "png"
            with TemporaryDirectory() as tmp:
                path = Path(tmp, "race.html")
                animation.save(str(path), writer=writer)
                self._html = path.read_text()
            self.update(self.frames - 1)  # leave the figure at the finish
        return self._html

    def to_jshtml(self) -> str:
        """Same as :attr:`html`."""
        return self.html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self):
        names = ", ".join(tr.label for tr in self.trajectories)
        return f"<Race of {names}: {self.frames} frames>"


def race(objective, *trajectories: Trajectory, frames: int = 60, interval: int = 80, **kwargs) -> Race:
    """Animate several runs on one landscape, all advancing one step at a time.

    ``race("rosenbrock", run(SGD(lr=1e-3), "rosenbrock"), run(Adam(lr=0.1), "rosenbrock"))``
    as the last line of a cell plays the race; it needs no ffmpeg and works
    in JupyterLab and Colab.

    Parameters
    ----------
    objective : Objective or str
        The landscape, as for :func:`adamcourse.plotting.contour`.
    *trajectories : Trajectory
        The runs, from :func:`adamcourse.run`.
    frames : int
        How many frames to show, at most :data:`MAX_FRAMES` (and at most one
        per step). Frames are spread evenly over the steps.
    interval : int
        Milliseconds between frames.
    **kwargs
        Passed to :func:`adamcourse.plotting.contour` (``levels=``, ``filled=`` ...).

    Returns
    -------
    Race
        Displays as the animation; ``.frames``, ``.frame_steps`` and
        ``.frame_data(i)`` say what each frame shows.
    """
    trajectories = plotting._check_trajectories(trajectories, "race")
    if not trajectories:
        raise ValueError("race: pass at least one trajectory, e.g. race('bowl', run(Adam(lr=0.1), 'bowl')).")
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 2:
        raise ValueError(f"race: frames must be a whole number >= 2, got {frames!r}.")
    if isinstance(interval, bool) or not isinstance(interval, (int, float, np.integer, np.floating)) or not interval > 0:
        raise ValueError(f"race: interval must be a positive number of milliseconds, got {interval!r}.")
    if frames > MAX_FRAMES:
        warnings.warn(
            f"race: showing {MAX_FRAMES} frames instead of {frames}, so the notebook stays small "
            f"(every frame is stored in it). The frames are spread over all the steps.",
            stacklevel=2,
        )
        frames = MAX_FRAMES
    return Race(objective, trajectories, int(frames), interval, **kwargs)
