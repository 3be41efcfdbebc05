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
import re
import warnings
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from matplotlib.animation import HTMLWriter
from PIL import Image

from adamcourse import plotting, validation
from adamcourse.running import Trajectory

__all__ = ["Race", "race", "MAX_FRAMES"]

#: The most frames a race embeds. Every frame is stored in the notebook (a
#: palette PNG of about 10 kB), so one race stays well under 2 MB.
MAX_FRAMES = 60

# Small enough to keep the frames light, large enough to read in Colab and on
# a projector; the bottom strip holds the legend.
_FIGSIZE = (5.6, 4.8)
_DPI = 90
_LEGEND_STRIP = 0.16  # fraction of the figure's height under the axes
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


_STILL_NOTE = "The last frame of the race. Run the notebook to play it."


def _with_still(html: str, still_base64: str | None) -> str:
    """matplotlib's jshtml, readable where its JavaScript never runs.

    Its ``<img>`` starts empty and only a script fills it, so a notebook opened
    without running (GitHub, nbviewer, an untrusted JupyterLab) showed dead
    buttons and no picture. Here the image starts as the last frame with a
    note under it, and the buttons start hidden; the page's own script, where
    it runs, removes the note and shows the buttons (the animation then
    starts at frame 0 as usual).
    """
    found = re.search(r'<img id="_anim_img([0-9a-f]+)">', html)
    if still_base64 is None or found is None or '<div class="anim-controls">' not in html:
        return html  # another matplotlib's template: leave it as it is
    key = found.group(1)
    image = "".join(still_base64.split())
    html = html.replace(
        found.group(0),
        f'<img id="_anim_img{key}" src="data:image/png;base64,{image}" alt="{_STILL_NOTE}">\n'
        f'  <p id="_anim_img{key}_still" style="margin:0.2em 0;font-size:90%;color:#555">{_STILL_NOTE}</p>',
        1,
    )
    html = html.replace(
        '<div class="anim-controls">',
        f'<div class="anim-controls" id="_anim_img{key}_controls" style="display:none">',
        1,
    )
    reveal = (
        '<script language="javascript">\n  (function() {\n'
        f'    var note = document.getElementById("_anim_img{key}_still");\n'
        "    if (note) { note.remove(); }\n"
        f'    var controls = document.getElementById("_anim_img{key}_controls");\n'
        '    if (controls) { controls.style.display = ""; }\n'
        "  })()\n</script>\n"
    )
    return html + reveal


class Race:
    """An animation of several trajectories moving together over a contour plot.

    Frame ``i`` shows every run up to step ``frame_steps[i]`` (the same step
    for all runs; a run that diverged stops where it left the window, at
    the cross :func:`adamcourse.plotting.contour` draws there). Displaying
    the object (the last line of a cell) shows the animation; ``html`` is
    the page fragment itself. Where the page's JavaScript does not run (a
    notebook opened without running it, on GitHub or nbviewer) the
    animation's picture shows the last frame, with a line saying so.

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
        window = tuple(np.ravel(plotting.as_objective(objective, "race").bounds))
        # What each run draws: its points, or for a run that blew up, its points
        # up to where it left the window for good and that exit point.
        self._paths = []
        for tr in self.trajectories:
            points = np.asarray(tr.points, dtype=float)
            if tr.diverged_at is not None:
                k, end = plotting.exit_point(points, window)
                points = np.vstack([points[: k + 1], end[None]])
            self._paths.append(points)
        longest = max(tr.steps for tr in self.trajectories)
        self.frames = min(frames, longest + 1)
        # Evenly spaced steps, first and last included, no step shown twice.
        self.frame_steps = np.unique(np.round(np.linspace(0, longest, self.frames)).astype(int))
        self.frames = len(self.frame_steps)
        self.interval = interval

        self.figure = plotting.fixed_layout_figure(_FIGSIZE, _DPI)
        self.figure.subplots_adjust(left=0.13, right=0.97, bottom=_LEGEND_STRIP + 0.1, top=0.93)
        ax = self.figure.add_subplot()
        # Fewer bands, and a line at every third: every frame is stored in the
        # notebook, and lines at every band doubled a frame's size (to 26 kB).
        plotting.contour(objective, *self.trajectories, ax=ax, **{"levels": 20, "edges": 3, "legend": False, **kwargs})
        # contour drew the full paths; the race replaces them with growing ones.
        full_paths = [
            line for line in ax.lines if line.get_label() in {plotting.legend_label(tr) for tr in self.trajectories}
        ]
        self.lines = full_paths[: len(self.trajectories)]
        self.heads = []
        for line in self.lines:
            (head,) = ax.plot(
                [], [], marker="o", markersize=8, color=line.get_color(), markeredgecolor="black", zorder=6
            )
            self.heads.append(head)
        # The static end markers would give the result away before the race ends.
        for line in list(ax.lines):
            if line not in self.lines and line not in self.heads and line.get_marker() in ("s", "X"):
                line.remove()
        # The legend sits in a strip under the axes (never over a path) and never changes.
        handles = [*self.lines, *[line for line in ax.lines if line.get_label() in ("minimum", "minima")]]
        self.legend = self.figure.legend(
            handles=handles,
            loc="lower center",
            ncol=min(len(handles), 3),
            frameon=False,
            borderaxespad=0.3,
            handlelength=1.8,
            columnspacing=1.0,
        )
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
        return [path[: step + 1] for path in self._paths]

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
                still = writer._saved_frames[-1] if isinstance(getattr(writer, "_saved_frames", None), list) else None
                self._html = _with_still(path.read_text(), still)
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
    frames = validation.whole("race", "frames", frames, smallest=2)
    interval = validation.positive("race", "interval", interval, "It is in milliseconds; try 100.")
    if frames > MAX_FRAMES:
        warnings.warn(
            f"race: showing {MAX_FRAMES} frames instead of {frames}, so the notebook stays small "
            f"(every frame is stored in it). The frames are spread over all the steps.",
            stacklevel=2,
        )
        frames = MAX_FRAMES
    return Race(objective, trajectories, int(frames), interval, **kwargs)
