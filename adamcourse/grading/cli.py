"""The ``adamcourse`` command.

adamcourse release [NAMES...] [--check]      student copies in notebooks/student/
adamcourse grade FOLDER LESSON [--out grades/] [--roster ids.csv] [--only ID ...] [--workers N] ...
adamcourse gradescope ASSIGNMENT [--out autograder.zip]
adamcourse isolation                         which sandbox layers this machine gives (exit 1: no bubblewrap)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _limits(options):
    from adamcourse.grading.sandbox.limits import Limits

    return Limits(
        time_s=options.time_limit,
        memory_mb=options.memory_limit,
        output_kb=options.output_limit,
        file_mb=options.file_limit,
    )


def _release(options) -> int:
    from adamcourse.grading import release

    if options.check:
        problems = release.stale(options.notebooks, options.out)
        for problem in problems:
            print(f"student copy {problem}: run `adamcourse release`", file=sys.stderr)
        return 1 if problems else 0
    for path in release.release(options.notebooks, options.out, options.names or None):
        print(f"wrote {path}")
    return 0


def _grade(options) -> int:
    import os

    from adamcourse.grading import batch
    from adamcourse.grading.sandbox.grader import NO_ISOLATION_ENV, IsolationMissing, isolation

    if options.no_isolation:  # the grading workers inherit the environment
        os.environ[NO_ISOLATION_ENV] = "1"
    try:
        layers = isolation()
    except IsolationMissing as missing:
        print(
            f"adamcourse grade: refusing to run students' code without isolation. {missing}\n"
            f"Only for notebooks you trust (your own solutions), add --no-isolation.",
            file=sys.stderr,
        )
        return 3
    print("sandbox: " + ", ".join(layers), file=sys.stderr)
    if options.no_isolation:
        print(
            "warning: --no-isolation: submissions run without bubblewrap, as your user, able to read your files; "
            "never use it for students' work.",
            file=sys.stderr,
        )
    if any("not a security boundary" in layer for layer in layers):
        print(
            "warning: this machine lacks Landlock or network namespaces; grade untrusted submissions "
            "inside a container or VM.",
            file=sys.stderr,
        )
    results = batch.grade(
        options.folder,
        options.assignment,
        source=options.source,
        registry=options.registry,
        out=options.out,
        workers=options.workers,
        limits=_limits(options),
        seed=options.seed,
        progress=not options.quiet,
        roster=options.roster,
        only=options.only,
    )
    students = sorted({r.student for r in results if r.outcome != "no submission"})
    absent = sorted({r.student for r in results if r.outcome == "no submission"})
    errors = sorted({r.student for r in results if r.grader_error})
    out = Path(options.out)
    lesson = results[0].lesson if results else options.assignment
    print(
        f"graded {len(students)} submission{'' if len(students) == 1 else 's'} of {lesson}"
        + (f" ({len(absent)} on the roster submitted nothing)" if absent else "")
        + f": {out / 'gradebook.csv'}, {out / 'grades.csv'}, {out / f'report-{lesson}.html'}, {out / 'feedback'}/",
        file=sys.stderr,
    )
    if errors:
        print(f"the grader itself failed on: {', '.join(errors)} (see their feedback files)", file=sys.stderr)
        return 1
    return 0


def _gradescope(options) -> int:
    from dataclasses import asdict

    from adamcourse.grading.gradescope import make_bundle

    path = make_bundle(
        options.assignment,
        options.out,
        source=options.source,
        registry=options.registry,
        limits=asdict(_limits(options)),
        seed=options.seed,
    )
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment")
    return 0


def _isolation(_options) -> int:
    from adamcourse.grading.sandbox.grader import IsolationMissing, isolation

    try:
        layers = isolation()
    except IsolationMissing as missing:
        print(f"no isolation: {missing}")
        return 1
    for layer in layers:
        print(layer)
    return 0


def _parser() -> argparse.ArgumentParser:
    from adamcourse.grading.assignment import DEFAULT_EXERCISES

    parser = argparse.ArgumentParser(prog="adamcourse", description="Student copies and grading for the Adam course.")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="write the student copies (solutions replaced by stubs)")
    release.add_argument("names", nargs="*", help="only these notebooks (05_adam or 05)")
    release.add_argument("--check", action="store_true", help="only check that the committed copies are up to date")
    release.add_argument("--notebooks", default=None, help="lesson notebooks folder (default: notebooks/)")
    release.add_argument("--out", default=None, help="student copies folder (default: notebooks/student/)")
    release.set_defaults(run=_release)

    def limits(sub):
        sub.add_argument("--time-limit", type=float, default=30.0, help="seconds per exercise (default 30)")
        sub.add_argument("--memory-limit", type=int, default=2048, help="MiB per kernel (default 2048)")
        sub.add_argument("--output-limit", type=int, default=512, help="KiB of output per exercise (default 512)")
        sub.add_argument(
            "--file-limit", type=int, default=64, help="largest file a submission may write, MiB (default 64)"
        )
        sub.add_argument(
            "--seed", type=int, default=0, help="mixed into each student's cases; keep it to regrade identically"
        )
        sub.add_argument(
            "--source", default=None, help="instructor's notebook (default: the course's notebooks/LESSON.ipynb)"
        )
        sub.add_argument("--registry", default=DEFAULT_EXERCISES, help="exercises, module:NAME or file.py:NAME")

    grade = commands.add_parser("grade", help="grade a folder of submitted notebooks")
    grade.add_argument("folder", help="submissions: STUDENT.ipynb files or STUDENT/ folders")
    grade.add_argument("assignment", metavar="lesson", help="the lesson, as for release: 05 or 05_adam")
    grade.add_argument(
        "--out",
        default="grades",
        help="where the gradebooks, report and feedback/ go; other "
        "students' and lessons' rows there are kept (default grades/)",
    )
    grade.add_argument("--roster", default=None, help="CSV of student ids (column `id`): non-submitters get a row")
    grade.add_argument("--only", nargs="+", default=None, metavar="ID", help="regrade only these students")
    grade.add_argument("--workers", type=int, default=None, help="parallel submissions (default: number of cores)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument(
        "--no-isolation",
        action="store_true",
        help="run submissions WITHOUT bubblewrap, as your user: "
        "only for notebooks you trust (without it, grade refuses to run where bubblewrap is missing)",
    )
    limits(grade)
    grade.set_defaults(run=_grade)

    gradescope = commands.add_parser("gradescope", help="write a Gradescope autograder zip")
    gradescope.add_argument("assignment", metavar="lesson", help="the lesson: 05 or 05_adam")
    gradescope.add_argument("--out", default="autograder.zip")
    limits(gradescope)
    gradescope.set_defaults(run=_gradescope)

    isolation = commands.add_parser("isolation", help="show which sandbox layers this machine gives")
    isolation.set_defaults(run=_isolation)
    return parser


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    try:
        return options.run(options)
    except (FileNotFoundError, NotADirectoryError, KeyError, ValueError) as error:
        print(f"adamcourse {options.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
