"""The main job, end to end: README's `python3 course.py lab` in a real browser.

Starts JupyterLab through course.py on a free local port (with a token the
test knows, so nobody has to paste one), drives Debian's headless Chromium
with Playwright to open lesson 05, run all cells and move a slider of the
widget explorer, and checks that the plot changed. Screenshots go to
test-output/browser/ for a person to look at.

Needs Chromium (`apt-get install chromium`) and the playwright package; the
test skips with that reason when either is missing, unless
ADAMCOURSE_REQUIRE_BROWSER=1 (set by CI) turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
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


@pytest.fixture
def jupyterlab(tmp_path):
    """README's main command, on a free port, serving a scratch copy of the
    notebooks (so the browser's autosave cannot touch the committed ones)."""
    _require_browser()
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    port, token = _free_port(), "adamcourse-browser-test"
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable, str(ROOT / "course.py"), "lab",
            "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        ],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
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
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _explorer_image(page):
    """The PNG the widget explorer currently shows (its data URL)."""
    images = page.locator("img.widget-image")
    images.first.wait_for(state="visible", timeout=120_000)
    return images.first.get_attribute("src")


def test_lesson_05_runs_and_its_explorer_responds_in_a_real_browser(jupyterlab):
    from playwright.sync_api import sync_playwright

    base, token = jupyterlab
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", timeout=120_000)
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
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] >> text=Traceback")
        assert errors.count() == 0, "a cell raised an exception in the browser run"

        # JupyterLab's own "news?" toast would cover the plot in the screenshots.
        no_news = page.get_by_role("button", name="No")
        if no_news.count():
            no_news.first.click()
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
