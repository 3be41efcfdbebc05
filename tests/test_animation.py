"""The race animation: frames, what each frame shows, and the size of its HTML."""

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from adamcourse import SGD, Adam, Momentum, run
from adamcourse.animation import MAX_FRAMES, race


@pytest.fixture(scope="module")
def rosenbrock_runs():
    return [run(o, "rosenbrock", steps=200) for o in (SGD(lr=1e-3), Momentum(lr=1e-3), Adam(lr=0.1))]


def test_frames_are_spread_evenly_from_start_to_finish(rosenbrock_runs):
    r = race("rosenbrock", *rosenbrock_runs, frames=41)
    assert r.frames == 41
    # 200 steps in 40 intervals: every 5th step.
    np.testing.assert_array_equal(r.frame_steps, np.arange(0, 201, 5))


def test_each_frame_shows_every_run_up_to_its_step(rosenbrock_runs):
    r = race("rosenbrock", *rosenbrock_runs, frames=41)
    for i in (0, 7, 40):
        step = 5 * i
        r.update(i)
        for tr, line, head, data in zip(rosenbrock_runs, r.lines, r.heads, r.frame_data(i)):
            np.testing.assert_array_equal(data, tr.points[: step + 1])
            np.testing.assert_array_equal(line.get_xydata(), tr.points[: step + 1])
            np.testing.assert_array_equal(head.get_xydata(), tr.points[step : step + 1])
        assert r.axes.get_title().endswith(f"step {step}")


def test_a_quick_frame_has_the_pixels_of_a_full_drawing(rosenbrock_runs):
    r = race("rosenbrock", *rosenbrock_runs, frames=41)
    canvas = r.figure.canvas
    r.draw_frame(23)  # the kept landscape plus what moves
    quick = np.asarray(canvas.buffer_rgba(), dtype=int).copy()
    canvas.draw()  # everything from scratch
    full = np.asarray(canvas.buffer_rgba(), dtype=int)
    assert quick.shape == full.shape
    assert np.mean(np.abs(quick - full).max(axis=-1) > 8) < 0.001  # antialiasing may differ on a few pixels


def test_a_run_that_diverged_stops_where_it_left_the_window():
    blown, fine = run(SGD(lr=1.5), "bowl", steps=100), run(SGD(lr=0.1), "bowl", steps=100)
    assert blown.diverged_at is not None and blown.steps < 100
    r = race("bowl", blown, fine, frames=11)
    last_blown, last_fine = r.frame_data(10)
    # lr=1.5 sends (0.8, 0.6) to (-1.6, -1.2); that segment crosses x = -1 at
    # y = 0.6 - 0.75 * 1.8 = -0.75. The path ends on the frame, not across the picture.
    np.testing.assert_allclose(last_blown, [[0.8, 0.6], [-1.0, -0.75]])
    np.testing.assert_array_equal(last_fine, fine.points)
    r.update(10)
    np.testing.assert_allclose(r.heads[0].get_xydata(), [[-1.0, -0.75]])
    assert "diverged" in r.lines[0].get_label()


def test_the_legend_lies_under_the_landscape_not_on_it(rosenbrock_runs):
    r = race("rosenbrock", *rosenbrock_runs, frames=5)
    renderer = r.figure.canvas.get_renderer()
    legend = r.legend.get_window_extent(renderer)
    assert legend.y1 < r.axes.xaxis.label.get_window_extent(renderer).y0
    assert [t.get_text() for t in r.legend.get_texts()] == [tr.label for tr in rosenbrock_runs] + ["minimum"]


def test_without_javascript_the_race_shows_its_last_frame_and_says_so(rosenbrock_runs):
    import base64
    import io

    from PIL import Image

    r = race("rosenbrock", *rosenbrock_runs, frames=5)
    html = r.html
    # GitHub, nbviewer and an untrusted JupyterLab drop the scripts: what is left
    # must be a picture. The <img> starts as the last frame, with a note,
    # and the buttons start hidden until the page's script shows them.
    img = re.search(r'<img id="_anim_img(\w+)" src="data:image/png;base64,([^"]+)"', html)
    assert img, "the animation's <img> has no picture of its own"
    still = Image.open(io.BytesIO(base64.b64decode(img.group(2)))).convert("RGB")
    r.draw_frame(r.frames - 1)
    last = Image.frombuffer(
        "RGBA", r.figure.canvas.get_width_height(), r.figure.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    )
    difference = np.abs(np.asarray(still, dtype=int) - np.asarray(last.convert("RGB"), dtype=int)).max(axis=-1)
    assert np.mean(difference > 40) < 0.01  # the same picture, up to the palette's rounding
    key = img.group(1)
    assert f'id="_anim_img{key}_still"' in html and "Run the notebook to play it" in html
    assert f'id="_anim_img{key}_controls" style="display:none"' in html
    script = html[html.rindex("<script") :]
    assert f"_anim_img{key}_still" in script and "remove()" in script and 'style.display = ""' in script


def test_short_runs_get_one_frame_per_step_and_too_many_frames_are_capped():
    short = run(Adam(lr=0.1), "bowl", steps=9)
    assert race("bowl", short).frames == 10
    long = run(Adam(lr=0.1), "bowl", steps=500)
    with pytest.warns(UserWarning, match=f"showing {MAX_FRAMES} frames instead of 400"):
        r = race("bowl", long, frames=400)
    assert r.frames == MAX_FRAMES


def test_html_embeds_every_frame_and_stays_small(rosenbrock_runs):
    figures_before = plt.get_fignums()
    r = race("rosenbrock", *rosenbrock_runs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Animation was deleted without rendering"
        html = r._repr_html_()
    assert html is r.html and r.to_jshtml() is html
    # Every frame, and the last one again as the picture shown where scripts do not run.
    assert len(re.findall(r"data:image/png;base64", html)) == r.frames + 1 == 61
    # A notebook with one race must stay well under 2 MB.
    assert len(html.encode()) < 1.5e6
    # The figure lives outside pyplot: no static copy appears under the cell.
    assert plt.get_fignums() == figures_before


def test_bad_arguments_get_clear_errors(rosenbrock_runs):
    with pytest.raises(ValueError, match="at least one trajectory"):
        race("rosenbrock")
    with pytest.raises(ValueError, match="frames must be a whole number >= 2"):
        race("rosenbrock", *rosenbrock_runs, frames=1)
    with pytest.raises(ValueError, match="interval"):
        race("rosenbrock", *rosenbrock_runs, interval=0)
    with pytest.raises(TypeError, match=r"\*trajectories"):
        race("rosenbrock", rosenbrock_runs)
    with pytest.raises(IndexError, match="60 frames"):
        race("rosenbrock", *rosenbrock_runs).frame_data(60)


def test_in_a_real_kernel_the_race_shows_as_html_only():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "%matplotlib inline\nfrom adamcourse import run, Adam\nfrom adamcourse.animation import race"
        ),
        nbformat.v4.new_code_cell("race('bowl', run(Adam(lr=0.1), 'bowl', steps=20))"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["execute_result"]
    data = outputs[0].data
    assert "data:image/png;base64" in data["text/html"]
    assert "image/png" not in data  # no static copy of the figure under the animation
