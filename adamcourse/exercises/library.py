"""The library's answers that exercises ask learners to write themselves."""

from __future__ import annotations

from adamcourse import optimizers

# The optimizer classes (and the method that holds each update rule): calling
# one of them from an optimizer-step exercise returns the course's answer.
LIBRARY_CLASSES = ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "AdamW", "_update")
LIBRARY_CLASS_OBJECTS = (
    optimizers.SGD,
    optimizers.Momentum,
    optimizers.AdaGrad,
    optimizers.RMSProp,
    optimizers.Adam,
    optimizers.AdamW,
)
