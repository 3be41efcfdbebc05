"""Optimizers racing across a landscape, as an animation that plays in
JupyterLab and in Colab without ffmpeg.

The animation is rendered to matplotlib's "jshtml" (every frame embedded as
an image, with play/pause controls in plain JavaScript). The figure is made
outside pyplot, so no static copy of it appears under the cell. The
landscape is drawn once; each frame pastes its pixels back and draws only
what moved.
"""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from matplotlib.animation import HTMLWriter
from PIL import Image

from adamcourse import plotting
from adamcourse.running import Trajectory

__all__ = ["Race", "race", "MAX_FRAMES"]

#: The most frames a race embeds. Every frame is stored in the notebook (a
#: palette PNG of about 10 kB), so one race stays well under 2 MB.
MAX_FRAMES = 60

# Small enough to keep the frames light, large enough to read in Colab.
_FIGSIZE = (5.6, 4.2)
_DPI = 90
# A plot has few colours: 128 keep the landscape's bands and every optimizer
# colour, and make a frame about five times smaller than a full-colour PNG.
# (The octree method keeps rare colours, such as a legend's, exact; median
# cut merged them into their neighbours.)
_PALETTE_COLORS = 128


def _palette_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    palette = image.convert("RGB").quantize(colors=_PALETTE_COLORS, method=Image.Quantize.FASTOCTREE)
    palette.save(out, format="png")  # optimize=True would save 5% and take 8 times longer
    return out.getvalue()


class _PaletteHTMLWriter(HTMLWriter):
    """matplotlib's jshtml writer, taking each frame from the pixels already
    drawn on the figure's canvas and storing it as a palette PNG."""

    def grab_frame(self, **savefig_kwargs):
        # Relies on HTMLWriter's frame list (there since matplotlib 2.1); if a
        # future version renames it, fall back to ordinary full-colour frames.
        if not (self.embed_frames and isinstance(getattr(self, "_saved_frames", None), list)):
            return super().grab_frame(**savefig_kwargs)
        canvas = self.fig.canvas
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        self._saved_frames.append(base64.encodebytes(_palette_png(image)).decode("ascii"))


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

        self.figure = plotting.fixed_layout_figure(_FIGSIZE, _DPI)
        self.figure.subplots_adjust(left=0.12, right=0.97, bottom=0.11, top=0.92)
        ax = self.figure.add_subplot()
        # Fewer bands and no band edges: every frame is stored in the notebook.
        plotting.contour(objective, *self.trajectories, ax=ax, **{"levels": 20, "edges": False, **kwargs})
        # contour drew the full paths; the race replaces them with growing ones.
        full_paths = [line for line in ax.lines if line.get_label() in {plotting.legend_label(tr) for tr in self.trajectories}]
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
        self._html: str | None = None
        # What a frame draws: the moving artists and whatever lies above them
        # (start markers, the minimum, the legend), in their stacking order.
        moving = [*self.lines, *self.heads, ax.title]
        lowest = min(line.get_zorder() for line in self.lines)
        on_top = [a for a in ax.get_children() if a.get_zorder() > lowest and a.get_visible() and a not in moving]
        self._frame_artists = sorted([*moving, *on_top], key=lambda a: a.get_zorder())
        # Everything else never changes: draw it once and keep its pixels.
        for artist in self._frame_artists:
            artist.set_visible(False)
        self.figure.canvas.draw()
        self._background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
        for artist in self._frame_artists:
            artist.set_visible(True)
        self.update(0)

    def frame_data(self, i: int) -> list[np.ndarray]:
        """The points each run has visited by frame ``i``: one (k, 2) array per trajectory."""
        if not -self.frames <= i < self.frames:
            raise IndexError(f"frame {i} does not exist; this race has {self.frames} frames (0 to {self.frames - 1}).")
        step = int(self.frame_steps[i])
        return [np.asarray(tr.points[: step + 1]) for tr in self.trajectories]

    def update(self, i: int):
        """Move the artists to frame ``i`` (paths so far, heads, title)."""
        for line, head, points in zip(self.lines, self.heads, self.frame_data(i)):
            line.set_data(points[:, 0], points[:, 1])
            head.set_data(points[-1:, 0], points[-1:, 1])
        self.axes.set_title(f"{plotting.objective_title(self.trajectories[0].objective)}: step {self.frame_steps[i]}")
        return [*self.lines, *self.heads]

    def draw_frame(self, i: int):
        """Draw frame ``i`` onto the figure's canvas: the kept landscape, then
        only what moves (much quicker than drawing the whole figure)."""
        self.update(i)
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        for artist in self._frame_artists:
            self.axes.draw_artist(artist)

    @property
    def html(self) -> str:
        """The animation as an HTML fragment with embedded frames (made once, then kept)."""
        if self._html is None:
            writer = _PaletteHTMLWriter(fps=1000 / self.interval, embed_frames=True, default_mode="once")
            writer.frame_format = "png"
            with TemporaryDirectory() as tmp:
                path = Path(tmp, "race.html")
                writer.setup(self.figure, str(path), dpi=_DPI)
                for i in range(self.frames):
                    self.draw_frame(i)
                    writer.grab_frame()
                writer.finish()
                self._html = path.read_text()
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
    trajectories = plotting.check_trajectories(trajectories, "race")
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
