"""What is graded, and what of a submission runs.

:func:`load_assignment` reads the instructor's notebook: its exercises (the
solution cells' nbgrader ``grade_id``\\ s, looked up in the registry) and its
imports. :func:`read_submission` reads a student's notebook defensively, and
:func:`program` picks, for each exercise, the code the grader runs: the
solution cell and whatever it uses from the student's other cells (helper
functions, imports, constants), found by following the names it needs. So a
solution that relies on a helper in another cell gets the same verdict from
the grader as from the notebook's own check.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import json
import re
import symtable
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Assignment",
    "Submission",
    "load_assignment",
    "read_submission",
    "resolve_lesson",
    "program",
    "DEFAULT_EXERCISES",
    "MAX_NOTEBOOK_BYTES",
    "NotGradable",
]

DEFAULT_EXERCISES = "adamcourse.exercises:EXERCISES"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
# A cell longer than this is not parsed by the grader (a parser can be made
# to use unbounded memory); it still runs in the sandbox.
MAX_PARSED_CELL = 200_000
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


class NotGradable(Exception):
    """A submission that cannot be graded at all; the message is for the student."""


@dataclass(frozen=True)
class Assignment:
    """The exercises of one source notebook, in its order.

    Attributes
    ----------
    name : str
        The notebook's name without ``.ipynb`` (``"05_adam"``).
    exercises : tuple
        The registry's ``Exercise`` objects, in notebook order.
    imports : tuple of (str, tuple of str)
        The source notebook's import statements and the names each binds: used
        when a submission lost one that its solution needs.
    source : str
        The source notebook's path.
    registry : str
        Where the exercises come from, ``"module:NAME"`` or ``"file.py:NAME"``.
    """

    name: str
    exercises: tuple
    imports: tuple
    source: str
    registry: str = DEFAULT_EXERCISES


@dataclass(frozen=True)
class Submission:
    """A student's notebook, as the grader reads it.

    ``solutions`` maps each solution cell's grade_id to its source (the first
    one when a cell was duplicated, listed in ``duplicates``); ``cells`` holds
    every other code cell's source, in order.
    """

    solutions: Mapping[str, str]
    cells: tuple
    duplicates: frozenset = field(default_factory=frozenset)


# --- Reading notebooks ---------------------------------------------------------------


def _source_text(cell: Mapping) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def _nbgrader(cell: Mapping) -> dict:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def python_source(source: str) -> str:
    """Cell source with IPython syntax (magics, ``!shell``) turned into Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def parse(source: str) -> ast.Module | None:
    """The cell's syntax tree, or None when it is not Python the grader will
    parse (a syntax error, or a pathological line that would exhaust the
    parser): never an exception."""
    if len(source) > MAX_PARSED_CELL:
        return None
    try:
        return ast.parse(python_source(source))
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return None


def _load_registry(spec: str) -> Mapping:
    """The exercises of ``"module:NAME"`` or ``"file.py:NAME"``; several, comma-separated, are merged."""
    if "," in spec:
        merged: dict = {}
        for part in spec.split(","):
            merged.update(_load_registry(part.strip()))
        return merged
    module_name, _, attribute = spec.rpartition(":")
    if not module_name or not attribute:
        raise ValueError(f"The exercise registry {spec!r} should look like 'module:NAME' or 'file.py:NAME'.")
    if module_name.endswith(".py"):
        path = Path(module_name).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"The exercise registry file {path} does not exist.")
        module_spec = importlib.util.spec_from_file_location(f"_adamcourse_registry_{path.stem}", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, attribute)


def resolve_lesson(name: str, folder: str | Path | None = None) -> Path:
    """The source notebook for a lesson name as ``release`` accepts it
    (``"05"``, ``"05_adam"``, ``"05_adam.ipynb"``), in ``folder`` (default: the
    course's ``notebooks/``, or ``./notebooks`` when run from a checkout)."""
    if folder is None:
        here = Path("notebooks")
        folder = here if any(here.glob("[0-9][0-9]_*.ipynb")) else NOTEBOOKS
    folder = Path(folder)
    stem = Path(name).stem
    found = [p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb")) if stem in (p.stem, p.stem.split("_")[0])]
    if len(found) == 1:
        return found[0]
    known = ", ".join(p.stem for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))) or "none"
    raise FileNotFoundError(
        f"No lesson {name!r} in {folder}: the lessons are {known} (write 05 or 05_adam), "
        f"or pass the instructor's notebook with --source."
    )


def load_assignment(source: str | Path, registry: str = DEFAULT_EXERCISES) -> Assignment:
    """Read the instructor's source notebook (with solutions): its exercises and imports."""
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(
            f"No source notebook at {source}: pass the instructor's notebook (with solutions), "
            f"e.g. notebooks/05_adam.ipynb."
        )
    nb = json.loads(source.read_text(encoding="utf-8"))
    known = _load_registry(registry)
    exercises, imports = [], {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = _nbgrader(cell)
        if meta.get("solution"):
            grade_id = meta.get("grade_id")
            if grade_id not in known:
                raise KeyError(
                    f"The solution cell {grade_id!r} in {source.name} has no exercise in {registry}; "
                    f"known: {', '.join(sorted(known))}."
                )
            exercises.append(known[grade_id])
            continue
        tree = parse(_source_text(cell))
        for node in tree.body if tree else ():
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = tuple(alias.asname or alias.name.split(".")[0] for alias in node.names)
                imports.setdefault(ast.unparse(node), names)
    if not exercises:
        raise ValueError(
            f"{source.name} has no solution cells (nbgrader metadata with solution: true): nothing to grade."
        )
    return Assignment(source.stem, tuple(exercises), tuple(imports.items()), str(source), registry)


def read_submission(raw: bytes, assignment: Assignment, known_lessons: Mapping[str, str] | None = None) -> Submission:
    """Parse a submitted notebook's bytes; raises :class:`NotGradable` with a
    message for the student when it is not a notebook of this assignment."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise NotGradable(
            f"The file is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB: clear the outputs "
            f"(Edit > Clear all outputs) and submit again."
        )
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise NotGradable(
            f"The file is not a valid notebook ({type(error).__name__}). Download it again from "
            f"Jupyter or Colab (File > Download .ipynb) and resubmit."
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise NotGradable("The file is JSON but not a notebook (it has no list of cells).")
    solutions, duplicates, others = {}, set(), []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if meta.get("solution") and isinstance(grade_id, str):
            if grade_id in solutions:
                duplicates.add(grade_id)
            else:
                solutions[grade_id] = _source_text(cell)
        elif not meta.get("grade"):  # check cells call the checks: never needed to run a solution
            others.append(_source_text(cell))
    wanted = {e.grade_id for e in assignment.exercises}
    if solutions and not wanted & set(solutions) and known_lessons:
        lessons = sorted({known_lessons[g] for g in solutions if g in known_lessons})
        if lessons:
            raise NotGradable(
                f"This is the notebook of lesson {', '.join(lessons)}, not {assignment.name}: "
                f"submit {assignment.name}.ipynb."
            )
    return Submission(solutions, tuple(others), frozenset(duplicates))


# --- What of a submission runs ----------------------------------------------------------

_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython", "display", "In", "Out"}


def _needs_and_binds(code: str) -> tuple[set, set]:
    """The global names a piece of code reads, and the ones it binds at top level."""
    try:
        table = symtable.symtable(code, "<cell>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return set(), set()
    binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    binds |= {c.get_name() for c in table.get_children() if c.get_type() in ("function", "class")}
    needs = {s.get_name() for s in table.get_symbols() if s.is_referenced()}

    def walk(scope):
        for child in scope.get_children():
            for symbol in child.get_symbols():
                if symbol.is_global() and symbol.is_referenced():
                    needs.add(symbol.get_name())
            walk(child)

    walk(table)
    return needs - _BUILTINS, binds


def program(solution: str, cells: tuple, assignment: Assignment | None = None) -> list[str]:
    """The statements of the student's other cells that the solution needs,
    in notebook order (each as its own piece of code), followed by nothing
    else: the caller runs the solution cell after them.

    Only top-level statements that bind a needed name are taken (a ``def``, a
    ``class``, an import, an assignment), following what they need in turn;
    a name bound nowhere in the notebook comes from the instructor's imports.
    """
    tree = parse(solution)
    if tree is None:
        return []
    needed, bound_here = _needs_and_binds(ast.unparse(tree))
    needed -= bound_here
    statements = []  # (code, needs, binds) of every top-level statement, in notebook order
    for source in cells:
        cell_tree = parse(source)
        for node in cell_tree.body if cell_tree else ():
            code = ast.unparse(node)
            needs, binds = _needs_and_binds(code)
            if binds:
                statements.append((code, needs, binds))
    chosen: set[int] = set()
    pending = set(needed)
    while pending:
        name = pending.pop()
        for index, (_, needs, binds) in enumerate(statements):
            if name in binds and index not in chosen:
                chosen.add(index)
                pending |= needs - binds - {n for i in chosen for n in statements[i][2]}
    picked = [statements[i][0] for i in sorted(chosen)]
    missing = needed - {n for i in chosen for n in statements[i][2]}
    if assignment is not None and missing:
        picked = [code for code, names in assignment.imports if missing & set(names)] + picked
    return picked


_SHELL = re.compile(r"(?m)^\s*(!|%%?(system|sx|bash|sh)\b)")


def uses_shell(source: str) -> bool:
    """Whether a cell runs shell commands, which the grader's kernel cannot."""
    return bool(_SHELL.search(source))
