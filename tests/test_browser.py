"""The main job, end to end: README's `python3 course.py lab` in a real browser.

Starts JupyterLab through course.py, in a scratch copy of the course (its own
my-notebooks/, so nothing touches this checkout), on a free local port (with a
token the test knows, so nobody has to paste one), drives Debian's headless
Chromium with Playwright to open the learner's own copy of lesson 05, run all
cells and move a slider of the widget explorer, and checks that the plot
changed. Afterwards the server and its kernels are shut down and the test
checks that no process of theirs is left. Screenshots go to
test-output/browser/ for a person to look at.

Needs Chromium (`apt-get install chromium`) and the playwright package; the
test skips with that reason when either is missing, unless
ADAMCOURSE_REQUIRE_BROWSER=1 (set by CI) turns the skip into a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-output" / "browser"
NOTEBOOK = "05_adam.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's own background traffic has nowhere to go on an offline machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser():
    missing = []
    if CHROMIUM is None:
        missing.append("Chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install playwright; no browser download needed)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("ADAMCOURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of the running processes that mention ``text`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if text in command and int(entry.name) != os.getpid():
            found.append(f"{entry.name}: {command[:200]}")
    return found


def _stop(server: subprocess.Popen, base: str, token: str, scratch: Path) -> list[str]:
    """Shut JupyterLab down as a person would (its shutdown API stops the kernels too), then
    make sure: the server's process group and every kernel started from ``scratch`` get
    SIGTERM, then SIGKILL. Returns what was still running at the end (nothing, we hope)."""
    request = urllib.request.Request(f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"})
    try:
        urllib.request.urlopen(request, timeout=10)
        server.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pass
    # Kernels run in sessions of their own, so the server's process group does not reach them:
    # they are found by their connection files, which live in the scratch runtime folder.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        for line in _processes_mentioning(str(scratch)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line.split(":")[0]), sig)
        deadline = time.monotonic() + 10
        while _processes_mentioning(str(scratch)) and time.monotonic() < deadline:
            time.sleep(0.2)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=5)
    return _processes_mentioning(str(scratch))


@pytest.fixture
def jupyterlab(tmp_path):
    """README's main command, on a free port, in a scratch copy of the course: course.py,
    the notebooks and the environment (linked), so the learner copies it makes and the
    browser's autosave stay out of this checkout."""
    _require_browser()
    # Bring the environment up to date here first: the scratch course.py must find it ready.
    subprocess.run([sys.executable, str(ROOT / "course.py"), "setup"], check=True, cwd=ROOT)
    scratch = tmp_path / "course"
    scratch.mkdir()
    shutil.copytree(ROOT / "notebooks", scratch / "notebooks")
    for name in ("course.py", "pyproject.toml"):
        shutil.copyfile(ROOT / name, scratch / name)
    shutil.copytree(ROOT / ".jupyterlab", scratch / ".jupyterlab")
    (scratch / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    port, token = _free_port(), "adamcourse-browser-test"
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            str(scratch / "course.py"),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=scratch,
        start_new_session=True,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(scratch / "runtime")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token, scratch
    finally:
        left = _stop(server, base, token, scratch)
        log.close()
    assert not left, "JupyterLab or a kernel outlived the test:\n" + "\n".join(left)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} is still held after the test"


def _explorer_image(page):
    """The PNG the widget explorer currently shows (its data URL)."""
    images = page.locator("img.widget-image")
    images.first.wait_for(state="visible", timeout=120_000)
    return images.first.get_attribute("src")


def test_lesson_05_runs_and_its_explorer_responds_in_a_real_browser(jupyterlab):
    from playwright.sync_api import sync_playwright

    base, token, scratch = jupyterlab
    OUT.mkdir(parents=True, exist_ok=True)
    # course.py made the learner's own copies, from the student copies, before JupyterLab started.
    assert (scratch / "my-notebooks" / NOTEBOOK).read_bytes() == (
        scratch / "notebooks" / "student" / NOTEBOOK
    ).read_bytes()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # JupyterLab opens on the learner's folder: the file browser lists their copies.
        page.goto(f"{base}/?token={token}", timeout=120_000)
        page.locator(".jp-DirListing-item", has_text=NOTEBOOK).first.wait_for(timeout=120_000)
        page.locator(".jp-DirListing-item", has_text=NOTEBOOK).first.dblclick()
        # Wait for the cells and for an idle kernel, then Run > Run All Cells, as a learner would.
        page.locator(".jp-Notebook .jp-Cell").nth(3).wait_for(timeout=120_000)
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=120_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # Running is over when no prompt shows [*] and the kernel is idle again.
        page.wait_for_function(
            "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'))",
            timeout=240_000,
        )
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] >> text=Traceback"
        )
        assert errors.count() == 0, "a cell raised an exception in the browser run"
        # The lesson imports Keras: none of TensorFlow's start-up lines may reach the page.
        stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert stderr.filter(has_text=re.compile(r"absl|oneDNN|cpu_feature_guard")).count() == 0

        # course.py turns off JupyterLab's question whether to fetch its news from the internet.
        assert page.get_by_text("official Jupyter news").count() == 0
        slider = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile(r"^lr$"))).first
        slider.scroll_into_view_if_needed()
        before = _explorer_image(page)
        page.locator("img.widget-image").first.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "05_explorer_before.png"))
        # Move the learning-rate slider with the keyboard: focus its handle, press the arrow keys.
        slider.locator(".noUi-handle, .ui-slider-handle").first.click()
        for _ in range(8):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(old) => { const i = document.querySelector('img.widget-image');"
            " return i && i.getAttribute('src') !== old; }",
            arg=before,
            timeout=60_000,
        )
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=60_000)
        after = _explorer_image(page)
        page.locator("img.widget-image").first.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "05_explorer_after.png"))
        browser.close()
    assert after != before
