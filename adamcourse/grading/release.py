"""Make the student copies of the lesson notebooks.

A student copy is the lesson notebook with:

- each solution (the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
  in a cell with nbgrader ``solution: true``) replaced by a stub that raises
  ``NotImplementedError`` with a hint, and that cell's outputs cleared;
- the check cells' outputs cleared too (they showed the solution passing), and those of cells
  tagged ``spoiler`` (e.g. one that prints the library's own solution);
- hidden tests (``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``) removed;
- Colab badges pointing at the student copy instead of the solutions;
- nbgrader's checksum on each solution, check and locked cell, computed as
  ``nbgrader generate_assignment`` does, so nbgrader's own tools can tell a
  locked cell that a learner changed;
- everything else kept as it is, outputs and pictures included.

The transformation is pure (no execution), so a fresh copy is byte-for-byte
comparable with the committed one; :func:`stale` lists those that differ.

    adamcourse release            # write notebooks/student/*.ipynb
    adamcourse release --check    # exit 1 if a committed copy is out of date
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

__all__ = ["student_copy", "release", "stale", "render", "nbgrader_checksum", "STUDENT_FOLDER", "PIPELINE"]

ROOT = Path(__file__).resolve().parents[2]
STUDENT_FOLDER = "student"
SPOILER_TAG = "spoiler"  # a cell whose stored output would give an exercise away

_BEGIN, _END = re.compile(r"^\s*#+ ?BEGIN SOLUTION\s*$"), re.compile(r"^\s*#+ ?END SOLUTION\s*$")
_BEGIN_HIDDEN, _END_HIDDEN = re.compile(r"^\s*#+ ?BEGIN HIDDEN TESTS\s*$"), re.compile(r"^\s*#+ ?END HIDDEN TESTS\s*$")
_DEF = re.compile(r"^\s*def (\w+)\s*\(")
_HINT = re.compile(r"^\s*# ?Hint\b", re.IGNORECASE)


def _lines(source) -> list[str]:
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.split("\n")


def _stub(source, grade_id: str) -> str:
    """The solution cell with each solution region replaced by a stub."""
    out, inside, region, function = [], False, [], None
    for line in _lines(source):
        if not inside and _DEF.match(line):
            function = _DEF.match(line).group(1)
        if not inside and _BEGIN.match(line):
            inside, region = True, []
            indent = line[: len(line) - len(line.lstrip())]
            continue
        if inside and _END.match(line):
            inside = False
            hints = [h.strip() for h in region if _HINT.match(h)]
            what = f"`{function}`" if function else "this exercise"
            message = f"Write {what} here: replace this line with your code, then run the check cell below."
            out += [f"{indent}{h}" for h in hints]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError({message!r})"]
            continue
        if inside:
            region.append(line)
        else:
            out.append(line)
    if inside:
        raise ValueError(f"The solution cell {grade_id!r} has '# BEGIN SOLUTION' without '# END SOLUTION'.")
    return "\n".join(out)


def _without_hidden_tests(source, where: str) -> str:
    out, inside = [], False
    for line in _lines(source):
        if _BEGIN_HIDDEN.match(line):
            inside = True
        elif _END_HIDDEN.match(line):
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where} has '### BEGIN HIDDEN TESTS' without '### END HIDDEN TESTS'.")
    return "\n".join(out).rstrip("\n") if out else ""


def _as_source(text: str) -> list[str]:
    """nbformat's on-disk form: a list of lines, each but the last ending in a newline."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def nbgrader_checksum(cell: dict) -> str:
    """nbgrader's checksum of a cell: the MD5 of its source, type, whether it
    is a grade, solution and locked cell, its grade_id and (grade cells) its
    points, in that order (``nbgrader.utils.compute_checksum``)."""
    meta = cell["metadata"]["nbgrader"]
    grade, solution = bool(meta.get("grade", False)), bool(meta.get("solution", False))
    locked = False if solution else True if grade else bool(meta.get("locked", False))
    digest = hashlib.md5()
    for part in (
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
        cell["cell_type"],
        str(meta.get("grade", False)),
        str(meta.get("solution", False)),
        str(locked),
        meta["grade_id"],
    ):
        digest.update(part.encode("utf-8"))
    if grade:
        digest.update(str(float(meta["points"])).encode("utf-8"))
    return digest.hexdigest()


# --- The release pipeline: one small transform per concern ---------------------------------
#
# Each transform takes a cell (a dict, changed in place) and where it is, for
# messages; they run in this order on every cell of a copy of the notebook.


def _meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def remove_hidden_tests(cell: dict, where: str) -> None:
    """Drop the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``."""
    cell["source"] = _without_hidden_tests(cell.get("source", ""), where)


def stub_solutions(cell: dict, where: str) -> None:
    """Replace each solution region by a stub that raises with a hint (markdown: "YOUR ANSWER HERE")."""
    meta = _meta(cell)
    if not meta.get("solution"):
        return
    if cell.get("cell_type") == "code":
        cell["source"] = _stub(cell["source"], meta.get("grade_id", where))
    else:
        cell["source"] = re.sub(
            r"(?ms)^\s*BEGIN SOLUTION\s*$.*?^\s*END SOLUTION\s*$", "YOUR ANSWER HERE", _text(cell["source"])
        )


def clear_revealing_outputs(cell: dict, where: str) -> None:
    """Clear the outputs of solution, check and ``spoiler`` cells: they show the answer."""
    meta = _meta(cell)
    spoiler = SPOILER_TAG in (cell.get("metadata") or {}).get("tags", [])
    if cell.get("cell_type") == "code" and (meta.get("solution") or meta.get("grade") or spoiler):
        cell["outputs"], cell["execution_count"] = [], None


def link_student_copies(cell: dict, where: str) -> None:
    """Colab badges and links open the student copy, not the solutions."""
    if cell.get("cell_type") == "markdown":
        cell["source"] = re.sub(
            r"(/blob/[^/\s)]+/notebooks/)(\d\d_[\w-]+\.ipynb)", rf"\1{STUDENT_FOLDER}/\2", _text(cell["source"])
        )


def add_checksums(cell: dict, where: str) -> None:
    """nbgrader's checksum on each solution, check and locked cell."""
    cell["source"] = _as_source(_text(cell.get("source", "")))
    meta = _meta(cell)
    if meta.get("grade") or meta.get("solution") or meta.get("locked"):
        meta["checksum"], meta["cell_type"] = nbgrader_checksum(cell), cell["cell_type"]


PIPELINE = (remove_hidden_tests, stub_solutions, clear_revealing_outputs, link_student_copies, add_checksums)


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def student_copy(nb: dict, name: str = "notebook") -> dict:
    """The student copy of a notebook (a dict in nbformat 4 form); ``nb`` is unchanged."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.get("cells", [])):
        for transform in PIPELINE:
            transform(cell, f"{name}, cell {index}")
    return nb


def render(nb: dict) -> str:
    """A notebook as text, laid out the way Jupyter writes it."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _sources(notebooks: Path, names=None) -> list[Path]:
    found = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if names:
        wanted = {Path(n).stem for n in names}
        found = [p for p in found if p.stem in wanted or p.stem.split("_")[0] in wanted]
    return found


def release(notebooks: str | Path | None = None, out: str | Path | None = None, names=None) -> list[Path]:
    """Write the student copy of every lesson notebook.

    Parameters
    ----------
    notebooks : str or Path, optional
        The folder of lesson notebooks (default: the repository's ``notebooks/``).
    out : str or Path, optional
        Where the copies go (default: ``notebooks/student/``).
    names : list of str, optional
        Only these notebooks (``"05_adam"`` or ``"05"``).

    Returns
    -------
    list of Path
        The copies written.
    """
    notebooks = Path(notebooks) if notebooks is not None else ROOT / "notebooks"
    out = Path(out) if out is not None else notebooks / STUDENT_FOLDER
    sources = _sources(notebooks, names)
    if not sources:
        raise FileNotFoundError(
            f"No lesson notebooks (NN_name.ipynb) in {notebooks}: build them first (python tools/build_notebooks.py)."
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        text = render(student_copy(json.loads(path.read_text(encoding="utf-8")), path.name))
        target = out / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def stale(notebooks: str | Path | None = None, out: str | Path | None = None) -> list[str]:
    """The student copies that are missing or differ from a fresh release;
    an empty list means they are up to date."""
    notebooks = Path(notebooks) if notebooks is not None else ROOT / "notebooks"
    out = Path(out) if out is not None else notebooks / STUDENT_FOLDER
    problems = []
    for path in _sources(notebooks):
        target = out / path.name
        fresh = render(student_copy(json.loads(path.read_text(encoding="utf-8")), path.name))
        if not target.exists():
            problems.append(f"{target.name} is missing")
        elif target.read_text(encoding="utf-8") != fresh:
            problems.append(f"{target.name} is out of date")
    known = {p.name for p in _sources(notebooks)}
    problems += [
        f"{p.name} has no lesson notebook any more" for p in sorted(out.glob("*.ipynb")) if p.name not in known
    ]
    return problems
