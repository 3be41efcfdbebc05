"""Run untrusted notebook code in a confined Jupyter kernel, split by the
process each part runs in:

- :mod:`.bubblewrap`: the outer wall, bubblewrap's namespaces and file tree
  (and why it, rather than a container per submission);
- :mod:`.grader`: the grader's side (start kernels, cap messages, clean up);
- :mod:`.launcher`: the process that confines itself, then becomes the kernel;
- :mod:`.kernel`: what runs inside the kernel next to the learner's code;
- :mod:`.wire`: the plain data that crosses between them; :mod:`.limits`.
"""

from adamcourse.grading.sandbox.limits import Limits

__all__ = ["Limits"]
