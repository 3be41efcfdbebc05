"""The course's optimizers inside Keras: the same equations, written with ``keras.ops``.

Each class here is a ``keras.optimizers.Optimizer`` whose ``update_step``
repeats, line by line, the ``_update`` of its NumPy twin in
:mod:`adamcourse.optimizers`, reusing the lessons' ``ema`` and ``debias``
helpers where they cost nothing extra (they are plain arithmetic, so they work
on Keras tensors too)::

    import keras
    from adamcourse import Adam
    from adamcourse.keras_bridge import CourseAdam, to_keras

    model.compile(optimizer=CourseAdam(learning_rate=1e-3), loss=...)
    model.compile(optimizer=to_keras(Adam.like_keras()), loss=...)   # = keras.optimizers.Adam()

Hyperparameters keep the NumPy library's names (``beta1``, ``beta2``,
``eps``, ``eps_hat``, ``amsgrad``, ``l2``, ...), except the step size: Keras'
base class requires it to be called ``learning_rate`` (the NumPy ``lr``), which
also lets it be a Keras learning-rate schedule, or a course schedule
(:mod:`adamcourse.schedules`), which becomes its Keras twin
(:func:`to_keras_schedule`). ``global_clipnorm`` is Keras' own option, which
computes what the NumPy library's does.

Importing this module imports Keras; ``import adamcourse`` alone does not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from adamcourse.quiet import quiet_tensorflow

quiet_tensorflow()  # before Keras loads TensorFlow: its start-up lines must not reach a notebook

import keras  # noqa: E402
from keras import ops  # noqa: E402

from adamcourse import optimizers as numpy_optimizers  # noqa: E402
from adamcourse import schedules as numpy_schedules  # noqa: E402
from adamcourse.optimizers import debias, ema  # noqa: E402

__all__ = [
    "CourseOptimizer",
    "CourseSGD",
    "CourseMomentum",
    "CourseAdaGrad",
    "CourseRMSProp",
    "CourseAdam",
    "CourseAdamW",
    "to_keras",
    "to_keras_schedule",
    "CourseLinearWarmup",
]


class CourseOptimizer(keras.optimizers.Optimizer):
    """Shared plumbing: hyperparameter checks, one slot variable per model variable, config.

    Subclasses name their NumPy twin (``numpy_class``), their hyperparameters
    (``hyperparameters``) and their slots (``slots``, as in the twin's state),
    and write ``update_step`` with the twin's equations.
    """

    numpy_class: ClassVar[type]
    hyperparameters: ClassVar[tuple[str, ...]] = ()

    def __init__(self, learning_rate, hyper: dict[str, Any], name=None, **kwargs):
        if "lr" in kwargs:
            raise TypeError(
                f"{type(self).__name__}: Keras calls the step size learning_rate; write "
                f"{type(self).__name__}(learning_rate={kwargs['lr']!r}) (it is lr in the NumPy library)."
            )
        if isinstance(learning_rate, numpy_schedules.Schedule):
            learning_rate = to_keras_schedule(learning_rate)  # the same lr at every step, computed by Keras
        # l2 is the NumPy library's option, added to the gradient in update_step (Keras has none)
        l2 = kwargs.pop("l2", 0.0)
        # The NumPy twin checks the values, so both give the same clear messages.
        lr = learning_rate if isinstance(learning_rate, (int, float)) and not isinstance(learning_rate, bool) else 0.001
        check = {**hyper, "l2": l2}
        if "weight_decay" in self.hyperparameters and "weight_decay" in kwargs:
            check["weight_decay"] = kwargs["weight_decay"]  # AdamW: l2 and decoupled decay exclude each other
        self.numpy_class(lr=lr, **check)
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for key, value in hyper.items():
            setattr(self, key, value)
        self.l2 = float(l2)

    @property
    def slots(self) -> tuple[str, ...]:
        """The per-variable state, named as in the NumPy twin's state (``m``, ``v``, ...)."""
        return ()

    def _slot_initializer(self, slot: str):
        return "zeros"

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._slot_variables = {
            slot: [
                self.add_variable_from_reference(variable, slot, initializer=self._slot_initializer(slot))
                for variable in var_list
            ]
            for slot in self.slots
        }

    def _slot(self, slot: str, variable):
        return self._slot_variables[slot][self._get_variable_index(variable)]

    def _inputs(self, gradient, variable, learning_rate):
        """lr, g and the step number t, in the variable's precision (float32 stays float32)."""
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        if self.l2:
            g = g + self.l2 * variable  # L2, after Keras' clipping: the NumPy library's order
        t = ops.cast(self.iterations + 1, variable.dtype)  # the paper counts steps from 1
        return lr, g, t

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self.hyperparameters})
        config["l2"] = self.l2
        return config

    def numpy_twin(self) -> numpy_optimizers.Optimizer:
        """The NumPy optimizer with the same settings.

        A schedule made by :func:`to_keras_schedule` comes back as the course's
        schedule; any other schedule as the learning rate of the next step.
        """
        lr = _from_keras_schedule(self._learning_rate)
        if lr is None:
            # Keras keeps the rate in float32; its shortest decimal gives back 0.001, not 0.0010000000474974513.
            lr = float(str(ops.convert_to_numpy(self.learning_rate).astype("float32")))
        settings = {key: getattr(self, key) for key in self.hyperparameters}
        return self.numpy_class(lr=lr, l2=self.l2, global_clipnorm=self.global_clipnorm, **settings)


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseSGD(CourseOptimizer):
    """Gradient descent: ``theta = theta - lr * g``. The twin of ``adamcourse.SGD``.

    Parameters
    ----------
    learning_rate : float or schedule
        Step size (the NumPy library's ``lr``).
    **kwargs
        Keras' common optimizer options (``name``, ``clipnorm``, ...).
    """

    numpy_class = numpy_optimizers.SGD

    def __init__(self, learning_rate=0.01, name=None, **kwargs):
        super().__init__(learning_rate, {}, name=name, **kwargs)

    def update_step(self, gradient, variable, learning_rate):
        lr, g, _ = self._inputs(gradient, variable, learning_rate)
        self.assign_sub(variable, lr * g)


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseMomentum(CourseOptimizer):
    """Momentum, the twin of ``adamcourse.Momentum``::

        velocity = beta * velocity - lr * g                (velocity="step", Keras' form)
        theta    = theta + velocity                        (theta + beta * velocity - lr * g if nesterov)

        velocity = beta * velocity + g                     (velocity="gradient", PyTorch's form)
        theta    = theta - lr * velocity                   (theta - lr * (g + beta * velocity) if nesterov)

    Parameters
    ----------
    learning_rate : float or schedule
        Step size (the NumPy library's ``lr``).
    beta : float
        Fraction of the velocity kept each step, in [0, 1).
    nesterov : bool
        Look ahead: use the gradient as if the velocity had already been applied.
    velocity : {"step", "gradient"}
        What the velocity holds: the step (Keras) or a sum of gradients (PyTorch).
    """

    numpy_class = numpy_optimizers.Momentum
    hyperparameters = ("beta", "nesterov", "velocity")

    def __init__(self, learning_rate=0.01, beta=0.9, nesterov=False, velocity="step", name=None, **kwargs):
        super().__init__(learning_rate, dict(beta=beta, nesterov=nesterov, velocity=velocity), name=name, **kwargs)

    @property
    def slots(self):
        return ("velocity",)

    def update_step(self, gradient, variable, learning_rate):
        lr, g, t = self._inputs(gradient, variable, learning_rate)
        velocity = self._slot("velocity", variable)
        if self.velocity == "step":
            self.assign(velocity, self.beta * velocity - lr * g)
            step = self.beta * velocity - lr * g if self.nesterov else velocity
            self.assign_add(variable, step)
        else:
            self.assign(velocity, self.beta * velocity + g)
            direction = g + self.beta * velocity if self.nesterov else velocity
            self.assign_sub(variable, lr * direction)


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseAdaGrad(CourseOptimizer):
    """AdaGrad, the twin of ``adamcourse.AdaGrad``::

        v     = v + g**2
        theta = theta - lr * g / (sqrt(v) + eps)           (sqrt(v + eps) if eps_inside_sqrt)

    Parameters
    ----------
    learning_rate : float or schedule
        Step size (the NumPy library's ``lr``).
    eps : float
        Keeps the division finite while ``v`` is 0.
    initial_accumulator : float
        Start value of ``v`` (Keras: 0.1, the paper: 0).
    eps_inside_sqrt : bool
        Keras' placement of eps.
    """

    numpy_class = numpy_optimizers.AdaGrad
    hyperparameters = ("eps", "initial_accumulator", "eps_inside_sqrt")

    def __init__(
        self, learning_rate=0.01, eps=1e-8, initial_accumulator=0.0, eps_inside_sqrt=False, name=None, **kwargs
    ):
        hyper = dict(eps=eps, initial_accumulator=initial_accumulator, eps_inside_sqrt=eps_inside_sqrt)
        super().__init__(learning_rate, hyper, name=name, **kwargs)

    @property
    def slots(self):
        return ("v",)

    def _slot_initializer(self, slot):
        return keras.initializers.Constant(self.initial_accumulator)

    def update_step(self, gradient, variable, learning_rate):
        lr, g, t = self._inputs(gradient, variable, learning_rate)
        v = self._slot("v", variable)
        self.assign(v, v + ops.square(g))
        denom = ops.sqrt(v + self.eps) if self.eps_inside_sqrt else ops.sqrt(v) + self.eps
        self.assign_sub(variable, lr * g / denom)


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseRMSProp(CourseOptimizer):
    """RMSProp, the twin of ``adamcourse.RMSProp``::

        v     = beta * v + (1 - beta) * g**2               (ema)
        theta = theta - lr * g / (sqrt(v) + eps)           (sqrt(v + eps) if eps_inside_sqrt)

    Parameters
    ----------
    learning_rate : float or schedule
        Step size (the NumPy library's ``lr``).
    beta : float
        Fraction of the average kept each step (Keras' ``rho``).
    eps : float
        Keeps the division finite while ``v`` is 0.
    eps_inside_sqrt : bool
        Keras' placement of eps.
    """

    numpy_class = numpy_optimizers.RMSProp
    hyperparameters = ("beta", "eps", "eps_inside_sqrt")

    def __init__(self, learning_rate=0.001, beta=0.9, eps=1e-8, eps_inside_sqrt=False, name=None, **kwargs):
        super().__init__(learning_rate, dict(beta=beta, eps=eps, eps_inside_sqrt=eps_inside_sqrt), name=name, **kwargs)

    @property
    def slots(self):
        return ("v",)

    def update_step(self, gradient, variable, learning_rate):
        lr, g, t = self._inputs(gradient, variable, learning_rate)
        v = self._slot("v", variable)
        self.assign(v, ema(v, ops.square(g), self.beta))
        denom = ops.sqrt(v + self.eps) if self.eps_inside_sqrt else ops.sqrt(v) + self.eps
        self.assign_sub(variable, lr * g / denom)


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseAdam(CourseOptimizer):
    """Adam = momentum + RMSProp + bias correction, the twin of ``adamcourse.Adam``::

        t     = t + 1
        m     = beta1 * m + (1 - beta1) * g         (ema of gradients)
        v     = beta2 * v + (1 - beta2) * g**2      (ema of squared gradients)
        m_hat = m / (1 - beta1**t)                  (debias)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    With ``eps_hat=True`` (Keras' form) the corrections move into the step
    size: ``lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)`` and
    ``theta = theta - lr_t * m / (sqrt(v) + eps)``. ``CourseAdam(eps=1e-7,
    eps_hat=True)`` computes what ``keras.optimizers.Adam()`` computes.

    Parameters
    ----------
    learning_rate : float or schedule
        Step size (alpha; the NumPy library's ``lr``).
    beta1, beta2 : float
        Fractions of the two averages kept each step, in [0, 1).
    eps : float
        Keeps the division finite when ``v`` is tiny (paper: 1e-8, Keras: 1e-7).
    eps_hat : bool
        Keras' "epsilon hat" form of the step.
    amsgrad : bool
        Divide by the largest ``v`` seen so far (Reddi et al. 2018).
    bias_correction : bool
        ``False`` leaves ``debias`` out: ``theta = theta - lr * m / (sqrt(v) + eps)``.
    **kwargs
        Keras' common optimizer options (``name``, ``weight_decay``, ``clipnorm``, ...).

    Reference: Kingma and Ba, "Adam: A Method for Stochastic Optimization",
    ICLR 2015, Algorithm 1.
    """

    numpy_class = numpy_optimizers.Adam
    hyperparameters = ("beta1", "beta2", "eps", "eps_hat", "amsgrad", "bias_correction")

    def __init__(
        self,
        learning_rate=0.001,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        eps_hat=False,
        amsgrad=False,
        name=None,
        bias_correction=True,
        **kwargs,
    ):
        hyper = dict(
            beta1=beta1, beta2=beta2, eps=eps, eps_hat=eps_hat, amsgrad=amsgrad, bias_correction=bias_correction
        )
        super().__init__(learning_rate, hyper, name=name, **kwargs)

    @property
    def slots(self):
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def update_step(self, gradient, variable, learning_rate):
        lr, g, t = self._inputs(gradient, variable, learning_rate)
        m, v = self._slot("m", variable), self._slot("v", variable)
        # m = ema(m, g, beta1) and v = ema(v, g**2, beta2), each written as a nudge of the
        # average towards the new value, in place: the same numbers, one pass over memory fewer.
        self.assign_add(m, (1 - self.beta1) * (g - m))  # momentum: which way, on average
        self.assign_add(v, (1 - self.beta2) * (ops.square(g) - v))  # RMSProp: how big, on average
        v_used = v
        if self.amsgrad:
            v_max = self._slot("v_max", variable)
            self.assign(v_max, ops.maximum(v_max, v))
            v_used = v_max
        if self.eps_hat:
            lr_t = lr * ops.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
            self.assign_sub(variable, lr_t * m / (ops.sqrt(v_used) + self.eps))
        elif self.bias_correction:
            m_hat, v_hat = debias(m, self.beta1, t), debias(v_used, self.beta2, t)
            self.assign_sub(variable, lr * m_hat / (ops.sqrt(v_hat) + self.eps))
        else:
            self.assign_sub(variable, lr * m / (ops.sqrt(v_used) + self.eps))


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseAdamW(CourseAdam):
    """AdamW, the twin of ``adamcourse.AdamW``::

        theta = theta * (1 - lr * weight_decay)      (decoupled decay, applied by Keras' base class)
        theta = <Adam step>

    Parameters are :class:`CourseAdam`'s plus ``weight_decay`` (default 0.01).
    """

    numpy_class = numpy_optimizers.AdamW
    hyperparameters = CourseAdam.hyperparameters + ("weight_decay",)

    def __init__(self, learning_rate=0.001, weight_decay=0.01, **kwargs):
        numpy_optimizers.AdamW(weight_decay=weight_decay)  # the same check as the NumPy twin
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


_TWINS = {
    numpy_optimizers.SGD: (CourseSGD, ()),
    numpy_optimizers.Momentum: (CourseMomentum, CourseMomentum.hyperparameters),
    numpy_optimizers.AdaGrad: (CourseAdaGrad, CourseAdaGrad.hyperparameters),
    numpy_optimizers.RMSProp: (CourseRMSProp, CourseRMSProp.hyperparameters),
    numpy_optimizers.Adam: (CourseAdam, CourseAdam.hyperparameters),
    numpy_optimizers.AdamW: (CourseAdamW, CourseAdamW.hyperparameters),
}


def to_keras(optimizer: numpy_optimizers.Optimizer, **kwargs) -> CourseOptimizer:
    """The Keras twin of a NumPy ``adamcourse`` optimizer, with the same settings.

    ``to_keras(Adam.like_keras())`` computes what ``keras.optimizers.Adam()``
    computes; ``to_keras(Adam(lr=0.003))`` is the paper's Adam with lr=0.003.

    Parameters
    ----------
    optimizer : adamcourse.SGD, Momentum, AdaGrad, RMSProp, Adam or AdamW
        The NumPy optimizer to copy.
    **kwargs
        Keras options for the new optimizer (``name``, ``clipnorm``, ...).

    Returns
    -------
    CourseOptimizer
        A fresh Keras optimizer (no state yet: Keras builds it on the first step).
    """
    twin = _TWINS.get(type(optimizer))
    if twin is None:
        known = ", ".join(cls.__name__ for cls in _TWINS)
        raise TypeError(
            f"to_keras: expected an adamcourse optimizer ({known}), got {type(optimizer).__name__}. "
            f"Build one first, e.g. to_keras(adamcourse.Adam(lr=0.001))."
        )
    cls, names = twin
    lr = optimizer.lr
    if callable(lr) and not isinstance(lr, (numpy_schedules.Schedule, keras.optimizers.schedules.LearningRateSchedule)):
        raise TypeError(
            f"to_keras: lr={lr!r} is a plain function, which Keras cannot run inside its training step. "
            f"Use a schedule from adamcourse.schedules (e.g. CosineDecay(lr=0.01, decay_steps=1000)) instead."
        )
    shared = {"l2": optimizer.l2, "global_clipnorm": optimizer.global_clipnorm}
    return cls(learning_rate=lr, **{name: getattr(optimizer, name) for name in names}, **{**shared, **kwargs})


# --- Schedules -------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="adamcourse")
class CourseLinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """The twin of ``adamcourse.schedules.LinearWarmup``, for a ``then`` Keras has no warmup for::

        lr(step) = start_lr + (then(0) - start_lr) * step / steps      for step < steps
        lr(step) = then(step - steps)                                  afterwards

    (Keras' ``CosineDecay`` has its own warmup; ``to_keras_schedule`` uses it for a cosine.)

    Parameters
    ----------
    steps : int
        Updates spent warming up.
    then : float or keras.optimizers.schedules.LearningRateSchedule
        What follows the warmup.
    start_lr : float
        The lr of the first update.
    """

    def __init__(self, steps, then, start_lr=0.0):
        self.steps, self.then, self.start_lr = int(steps), then, float(start_lr)

    def _then(self, step):
        return self.then(step) if callable(self.then) else ops.convert_to_tensor(self.then, "float32")

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = self._then(ops.convert_to_tensor(0.0))
        warm = self.start_lr + (peak - self.start_lr) * step / self.steps
        return ops.where(step < self.steps, warm, self._then(ops.maximum(step - self.steps, 0.0)))

    def get_config(self):
        then = self.then if not callable(self.then) else keras.optimizers.schedules.serialize(self.then)
        return {"steps": self.steps, "then": then, "start_lr": self.start_lr}

    @classmethod
    def from_config(cls, config):
        then = config["then"]
        if isinstance(then, dict):
            then = keras.optimizers.schedules.deserialize(then)
        return cls(config["steps"], then, config["start_lr"])


def to_keras_schedule(schedule):
    """The Keras twin of a course schedule: the same lr for every step, computed by Keras.

    Keras calls it with ``optimizer.iterations`` (0 on the first update), the
    step count the course's schedules use, so nothing shifts::

        Constant(lr)                         -> lr (a float)
        ExponentialDecay(...)                -> keras ExponentialDecay(...)
        StepDecay(boundaries, values)        -> keras PiecewiseConstantDecay(boundaries - 1, values)
        CosineDecay(lr, n, min_lr)           -> keras CosineDecay(lr, n, alpha=min_lr / lr)
        LinearWarmup(w, CosineDecay(...), s) -> keras CosineDecay(s, ..., warmup_target=lr, warmup_steps=w)
        LinearWarmup(w, other, s)            -> CourseLinearWarmup(w, to_keras_schedule(other), s)

    (Keras' ``PiecewiseConstantDecay`` keeps a value while ``step <= boundary``,
    the course's ``StepDecay`` while ``step < boundary``: hence the ``- 1``.)
    """
    s = numpy_schedules
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return schedule
    if isinstance(schedule, s.Constant):
        return schedule.lr
    if isinstance(schedule, s.ExponentialDecay):
        return keras.optimizers.schedules.ExponentialDecay(
            schedule.lr, schedule.decay_steps, schedule.decay_rate, staircase=schedule.staircase
        )
    if isinstance(schedule, s.StepDecay):
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [b - 1 for b in schedule.boundaries], list(schedule.values)
        )
    if isinstance(schedule, s.CosineDecay):
        return keras.optimizers.schedules.CosineDecay(
            schedule.lr, schedule.decay_steps, alpha=schedule.min_lr / schedule.lr
        )
    if isinstance(schedule, s.LinearWarmup) and isinstance(schedule.then, s.CosineDecay):
        cosine = schedule.then
        return keras.optimizers.schedules.CosineDecay(
            schedule.start_lr,
            cosine.decay_steps,
            alpha=cosine.min_lr / cosine.lr,
            warmup_target=cosine.lr,
            warmup_steps=schedule.steps,
        )
    if isinstance(schedule, s.LinearWarmup):
        return CourseLinearWarmup(schedule.steps, to_keras_schedule(schedule.then), schedule.start_lr)
    if isinstance(schedule, (int, float)) and not isinstance(schedule, bool):
        return float(schedule)
    raise TypeError(
        f"to_keras_schedule: expected a schedule from adamcourse.schedules, got {schedule!r}; Keras cannot run a "
        f"plain Python function inside its training step."
    )


def _from_keras_schedule(schedule):
    """The course schedule that :func:`to_keras_schedule` turned into ``schedule``; None for anything else."""
    s, k = numpy_schedules, keras.optimizers.schedules
    if isinstance(schedule, k.ExponentialDecay):
        return s.ExponentialDecay(
            schedule.initial_learning_rate, schedule.decay_rate, schedule.decay_steps, staircase=schedule.staircase
        )
    if isinstance(schedule, k.PiecewiseConstantDecay):
        return s.StepDecay(tuple(b + 1 for b in schedule.boundaries), tuple(schedule.values))
    if isinstance(schedule, k.CosineDecay):
        if schedule.warmup_target is None:
            peak = schedule.initial_learning_rate
            return s.CosineDecay(peak, schedule.decay_steps, min_lr=schedule.alpha * peak)
        peak = schedule.warmup_target
        cosine = s.CosineDecay(peak, schedule.decay_steps, min_lr=schedule.alpha * peak)
        return s.LinearWarmup(schedule.warmup_steps, cosine, start_lr=schedule.initial_learning_rate)
    if isinstance(schedule, CourseLinearWarmup):
        then = schedule.then if not callable(schedule.then) else _from_keras_schedule(schedule.then)
        return None if then is None else s.LinearWarmup(schedule.steps, then, start_lr=schedule.start_lr)
    return None
