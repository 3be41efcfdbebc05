"""adamcourse: build Adam from gradient descent, one small NumPy step at a time.

The package is light on purpose: ``import adamcourse`` loads NumPy only.
Plotting, widgets, MNIST data and the Keras bridge live in their own modules
and import matplotlib, ipywidgets or Keras when you use them.
"""

from adamcourse.objectives import (
    OBJECTIVES,
    MinibatchProblem,
    Objective,
    beale,
    bowl,
    get_objective,
    himmelblau,
    linear_regression,
    logistic_regression,
    ravine,
    rosenbrock,
    saddle,
    sigmoid_neuron,
    sparse_features,
)
from adamcourse.optimizers import (
    SGD,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    Optimizer,
    RMSProp,
    clip_by_global_norm,
    debias,
    ema,
)
from adamcourse.running import Trajectory, compare, run, run_minibatch
from adamcourse.schedules import Constant, CosineDecay, ExponentialDecay, LinearWarmup, Schedule, StepDecay

__version__ = "0.1.0"

__all__ = [
    # optimizers and the helpers Adam is built from
    "SGD",
    "Momentum",
    "AdaGrad",
    "RMSProp",
    "Adam",
    "AdamW",
    "Optimizer",
    "ema",
    "debias",
    # what practice adds: schedules for lr, clipping (l2= and global_clipnorm= are optimizer options)
    "Schedule",
    "Constant",
    "StepDecay",
    "ExponentialDecay",
    "CosineDecay",
    "LinearWarmup",
    "clip_by_global_norm",
    # objectives and problems
    "Objective",
    "MinibatchProblem",
    "OBJECTIVES",
    "get_objective",
    "bowl",
    "ravine",
    "rosenbrock",
    "beale",
    "saddle",
    "himmelblau",
    "sigmoid_neuron",
    "linear_regression",
    "logistic_regression",
    "sparse_features",
    # runs
    "Trajectory",
    "run",
    "run_minibatch",
    "compare",
]
