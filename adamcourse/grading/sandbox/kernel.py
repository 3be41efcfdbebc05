"""What runs inside the sandboxed kernel, next to the learner's code.

:func:`report_calls` calls the learner's function on the grader's cases with
the same :func:`~adamcourse.exercises.engine.observe` the notebook's check
uses, and sends what it saw back as one display message of plain data
(:mod:`.wire`). The cases arrive inside the harness cell, after the learner's
code has run, so they never sit where that code could read them first; no
file is written or read. The grader judges in its own process.
"""

from __future__ import annotations

__all__ = ["CappedOutStream", "report_calls", "MIME_TYPE"]

#: The display message that carries the observations back to the grader.
MIME_TYPE = "application/vnd.adamcourse.observations+json"

try:
    from ipykernel.iostream import OutStream
except ImportError:  # pragma: no cover - only without the grading extras
    OutStream = object  # type: ignore[misc,assignment]


class CappedOutStream(OutStream):
    """The kernel's stdout/stderr, cutting any single write to ``max_write``
    characters (the kernel cannot then build a gigabyte-sized message)."""

    max_write = 1 << 20

    def write(self, string):
        if isinstance(string, str) and len(string) > self.max_write:
            string = string[: self.max_write]
        return super().write(string)


def report_calls(namespace: dict, function_name: str, cases_json: str) -> None:
    """Call ``namespace[function_name]`` on each case and display what happened."""
    import json

    from IPython.display import publish_display_data

    from adamcourse.exercises.engine import observe
    from adamcourse.grading.sandbox.wire import decode, encode

    fn = namespace.get(function_name)
    if fn is None:
        report = {"status": "missing"}
    elif not callable(fn):
        report = {"status": "not callable", "type": type(fn).__name__}
    else:
        cases = decode(json.loads(cases_json), allow_functions=True)
        calls = []
        for seen in observe(fn, cases):
            calls.append(
                {
                    "returned": encode(seen.returned),
                    "raised": seen.raised,
                    "not_implemented": seen.not_implemented,
                    "args_after": encode(seen.args_after),
                }
            )
        report = {"status": "ran", "calls": calls}
    publish_display_data({MIME_TYPE: report})
