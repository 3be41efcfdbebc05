"""The course library as the grading kernel sees it: the answers left out.

An exercise asks the learner to write what the library already has (``ema``,
``debias``, an optimizer's update...). Watching for calls from inside the
kernel cannot work, because the learner's code controls the kernel. So the
kernel gets its own copy of the library in which those answers are absent:

- each function the assignment forbids, and each method of a forbidden class
  that takes or prepares a step (``init``, ``step``, ``_update``...), keeps its
  signature and raises "not available while your work is graded" (building
  and printing an optimizer still work);
- the exercises' reference solutions are not in the copy at all.

The copy is read-only to the kernel and the real library is not readable
from it, so the answers cannot be reloaded from disk either. Everything else
a lesson uses keeps working.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

__all__ = ["build", "ANSWER_MODULES"]

PACKAGE = Path(__file__).resolve().parents[2]

# The modules that hold answers learners are asked to write, relative to the package.
ANSWER_MODULES = ("optimizers.py", "schedules.py", "fastpath.py")

_EMPTY_REGISTRY = '''"""The exercises, as the grading kernel sees them: none (the answers stay with the grader)."""

from adamcourse.exercises.engine import CHECK_SEED, MISTAKE_CREDIT, Exercise, Mistake, Observation, Verdict  # noqa: F401

EXERCISES = {}
LESSONS = ()


def exercise(name):
    raise KeyError(f"The exercises are not available while your work is graded ({name!r}).")


reference = for_lesson = exercise
'''


class _Strip(ast.NodeTransformer):
    def __init__(self, names: set[str]):
        self.names = names
        self.inside: list[str] = []

    def visit_ClassDef(self, node):
        self.inside.append(node.name)
        self.generic_visit(node)
        self.inside.pop()
        return node

    def visit_FunctionDef(self, node):
        owner = self.inside[-1] if self.inside else None
        dunder = node.name.startswith("__") and node.name.endswith("__")
        # what takes or prepares a step; a schedule's __call__ is its whole answer
        moves = node.name in ("init", "__call__") or "step" in node.name or "update" in node.name
        if node.name in self.names or (owner in self.names and moves and (not dunder or node.name == "__call__")):
            what = f"{owner}.{node.name}" if owner else node.name
            message = f"{what} is not available while your work is graded: this exercise asks you to write it yourself."
            doc = [node.body[0]] if node.body and isinstance(node.body[0], ast.Expr) else []
            node.body = doc + [
                ast.Raise(exc=ast.Call(ast.Name("RuntimeError", ast.Load()), [ast.Constant(message)], []), cause=None)
            ]
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def build(destination: str | Path, forbidden: set[str]) -> Path:
    """Write the kernel's copy of the package under ``destination``; returns
    the folder to put first on the kernel's path. ``forbidden`` are the names
    of the library's answers (functions and classes) to leave out."""
    destination = Path(destination)
    target = destination / "adamcourse"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "lesson[0-9]*.py"))
    (target / "exercises" / "__init__.py").write_text(_EMPTY_REGISTRY, encoding="utf-8")
    names = set(forbidden)
    if names & {"SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "AdamW"}:
        names.add("Optimizer")  # the shared step would reach the subclasses' updates
    for module in ANSWER_MODULES:
        path = target / module
        if path.is_file():
            tree = _Strip(names).visit(ast.parse(path.read_text(encoding="utf-8")))
            path.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")
    for path in sorted(target.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    destination.chmod(0o555)
    return destination
