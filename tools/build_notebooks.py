#!/usr/bin/env python3
"""Build the course notebooks from their text sources, executed, with outputs.

    python tools/build_notebooks.py                 # every notebooks/sources/*.py
    python tools/build_notebooks.py 02_momentum 05  # some of them (a name or its number)
    python tools/build_notebooks.py --check         # only report sources and notebooks that disagree

For each source ``notebooks/sources/NN_slug.py`` (jupytext percent format) it
converts to a notebook, runs it top to bottom with nbclient (kernel
``python3`` from the current environment, working directory ``notebooks/``,
``MPLBACKEND`` unset so inline plots are captured), removes what changes from
run to run without meaning anything (timings, Colab metadata, random cell ids,
the Python patch version), writes ``notebooks/NN_slug.ipynb`` and prints how
long each notebook took. A failing cell stops that notebook with the error and
leaves the old .ipynb in place.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "sources"

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
# The cell tag that makes nbval (--nbval-lax) compare a cell's output with the stored one. A tag,
# not nbval's "# NBVAL_CHECK_OUTPUT" comment, so learners never read the tests' machinery; in a
# source it is written `# %% tags=["nbval-check-output"]`.
CHECK_OUTPUT_TAG = "nbval-check-output"

# Metadata that says how jupytext laid the text out, not what the cell is.
LAYOUT_KEYS = {"lines_to_next_cell", "lines_to_end_of_cell_marker"}
# Metadata that a run or Colab adds and that only makes diffs noisy.
RUN_KEYS = {"execution", "ExecuteTime", "colab", "collapsed", "scrolled", "trusted", "outputId", "id"}


def sources(names: list[str]) -> list[Path]:
    """The source files for ``names`` (``"02_momentum"``, ``"02"``, a path), or all of them."""
    every = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if not names:
        return every
    chosen = []
    for name in names:
        stem = Path(name).stem
        matches = [p for p in every if p.stem == stem or p.stem.split("_")[0] == stem]
        if not matches:
            known = ", ".join(p.stem for p in every)
            raise SystemExit(f"No source for {name!r} in notebooks/sources/. Known: {known}.")
        chosen += matches
    return chosen


def cell_metadata(cell) -> dict:
    """A cell's metadata without layout and run noise: what the sync test compares."""
    return {k: v for k, v in cell.get("metadata", {}).items() if k not in LAYOUT_KEYS | RUN_KEYS}


def from_source(path: Path):
    """Read a percent-format source into a clean, unexecuted notebook."""
    nb = jupytext.read(path, fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.metadata = cell_metadata(cell)
        cell.id = f"{path.stem[:2]}-{i:03d}"  # stable ids: rebuilding changes no line that did not change
        if re.search(r"(?m)^\s*#\s*NBVAL_", cell.source):
            raise ValueError(
                f"{path.name}, cell {i}: an nbval comment that learners would read ({cell.source[:40]!r}); "
                f'tag the cell instead: `# %% tags=["{CHECK_OUTPUT_TAG}"]`.'
            )
    return nb


def clean(nb, stem: str = ""):
    """Drop what changes between runs without meaning anything."""
    # The widgets' saved state (nbclient stores it) is what lets JupyterLab
    # and nbviewer draw a widget before anyone runs the notebook: keep it.
    widgets = nb.metadata.get("widgets")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.metadata = cell_metadata(cell)
        if cell.cell_type == "code":
            cell.outputs = stable_animation_ids(drop_native_logs(coalesce_streams(cell.outputs)), f"{stem}-{i}")
    if widgets:
        nb.metadata["widgets"] = widgets
        stable_widget_ids(nb, stem)
    return nb


# A widget model's id is a random uuid4 hex, in the saved state and in the
# outputs that show the widget; ids derived from the notebook keep rebuilds identical.
_WIDGET_ID = re.compile(r"\b[0-9a-f]{32}\b")


def stable_widget_ids(nb, stem: str = ""):
    """Rename the widget models in ``nb`` (state and outputs) in order of appearance."""
    key = "application/vnd.jupyter.widget-state+json"
    state = nb.metadata.get("widgets", {}).get(key, {}).get("state", {})
    renamed = {old: hashlib.md5(f"{stem}-widget-{k}".encode()).hexdigest() for k, old in enumerate(state)}
    if not renamed:
        return nb
    text = nbformat.writes(nb)
    text = _WIDGET_ID.sub(lambda m: renamed.get(m.group(0), m.group(0)), text)
    fresh = nbformat.reads(text, as_version=4)
    nb.metadata, nb.cells = fresh.metadata, fresh.cells
    return nb


# TensorFlow's C++ start-up lines ("I0000 00:00:1795... port.cc:153] oneDNN custom
# operations are on...") carry a timestamp and a process id, and say nothing about the lesson.
_NATIVE_LOG = re.compile(
    r"^(?:[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\].*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.)\n?",
    re.MULTILINE,
)


def drop_native_logs(outputs):
    kept = []
    for output in outputs:
        if output.output_type == "stream" and output.name == "stderr":
            output.text = _NATIVE_LOG.sub("", output.text)
            if not output.text.strip():
                continue
        kept.append(output)
    return kept


# matplotlib's jshtml names its elements with a random uuid4 hex; a name derived
# from the cell keeps rebuilds identical (names stay unique within the page).
_ANIMATION_ID = re.compile(r"(?<=anim)(?:_img|_slider)?([0-9a-f]{32})")


def stable_animation_ids(outputs, where: str):
    for output in outputs:
        html = output.get("data", {}).get("text/html")
        if not html:
            continue
        text = html if isinstance(html, str) else "".join(html)
        for k, old in enumerate(dict.fromkeys(_ANIMATION_ID.findall(text))):
            text = text.replace(old, hashlib.md5(f"{where}-{k}".encode()).hexdigest())
        output["data"]["text/html"] = text
    return outputs


def coalesce_streams(outputs):
    """Join consecutive prints to the same stream: the kernel splits them at random
    (a line and its newline may arrive as two messages), which would make every
    rebuild a diff."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def execute(nb, timeout: int = 600):
    # Inline figures need the kernel's own backend; a headless MPLBACKEND=Agg
    # from the test environment would leave the notebooks without pictures.
    saved = os.environ.pop("MPLBACKEND", None)
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
            record_timing=False,
        )
        client.execute()
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved
    return nb


def disagreements(source: Path) -> list[str]:
    """How the committed .ipynb differs from its source (cell types, sources, metadata)."""
    target = NOTEBOOKS / f"{source.stem}.ipynb"
    if not target.exists():
        return [f"{target.name} does not exist"]
    want = from_source(source)
    have = nbformat.read(target, as_version=4)
    problems = []
    if len(want.cells) != len(have.cells):
        problems.append(f"{source.name} has {len(want.cells)} cells, {target.name} has {len(have.cells)}")
    for i, (a, b) in enumerate(zip(want.cells, have.cells)):
        if a.cell_type != b.cell_type:
            problems.append(f"cell {i}: {a.cell_type} in the source, {b.cell_type} in the notebook")
        elif a.source != b.source:
            problems.append(f"cell {i}: the source text differs (starts {a.source[:40]!r})")
        elif cell_metadata(a) != cell_metadata(b):
            problems.append(f"cell {i}: metadata differs: {cell_metadata(a)} vs {cell_metadata(b)}")
    return problems


def build(source: Path) -> float:
    nb = from_source(source)
    start = time.perf_counter()
    execute(nb)
    seconds = time.perf_counter() - start
    nbformat.validate(nb)
    target = NOTEBOOKS / f"{source.stem}.ipynb"
    nbformat.write(clean(nb, source.stem), target)
    return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to build, e.g. 02_momentum or 02 (default: all)")
    parser.add_argument("--check", action="store_true", help="only report notebooks that disagree with their sources")
    args = parser.parse_args(argv)
    chosen = sources(args.names)
    if args.check:
        bad = {s.name: disagreements(s) for s in chosen}
        for name, problems in bad.items():
            for problem in problems:
                print(f"{name}: {problem}")
        return 1 if any(bad.values()) else 0
    failed = False
    times = []
    for source in chosen:
        print(f"building {source.stem} ...", flush=True)
        try:
            times.append((source.stem, build(source)))
        except CellExecutionError as error:
            failed = True
            print(f"{source.stem}: a cell failed; the old notebook is left as it was.\n{error}", file=sys.stderr)
    if times:
        print("\nnotebook                   run time (s)   size (kB)")
        for stem, seconds in times:
            size = (NOTEBOOKS / f"{stem}.ipynb").stat().st_size / 1024
            print(f"{stem:<26} {seconds:>11.1f} {size:>11.0f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
