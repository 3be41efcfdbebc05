"""The instructor's side: student copies, grading, gradebooks and Gradescope.

One module per stage of the workflow:

- :mod:`.release`: student copies, a pipeline of small cell transforms;
- :mod:`.assignment`: what is graded, and what of a submission runs;
- :mod:`.sandbox`: the confined kernel (grader, launcher and kernel sides);
- :mod:`.kernel`: running cells in it within time and output budgets;
- :mod:`.submission`: one notebook to verdicts, through the exercises' engine;
- :mod:`.batch`: a folder of submissions, ids, roster, workers, progress;
- :mod:`.gradebook` and :mod:`.report`: the CSVs, feedback and class report;
- :mod:`.gradescope` and :mod:`.cli`: the Gradescope bundle and the command.

The learner's modules never import this package; it needs the ``[grade]``
extra (nbclient, nbformat, ipykernel).
"""

from adamcourse.grading.assignment import DEFAULT_EXERCISES, Assignment, load_assignment, resolve_lesson
from adamcourse.grading.batch import find_submissions, grade, read_roster
from adamcourse.grading.sandbox.limits import Limits
from adamcourse.grading.submission import ExerciseResult, grade_submission

__all__ = [
    "DEFAULT_EXERCISES",
    "Assignment",
    "load_assignment",
    "resolve_lesson",
    "find_submissions",
    "grade",
    "read_roster",
    "Limits",
    "ExerciseResult",
    "grade_submission",
]
