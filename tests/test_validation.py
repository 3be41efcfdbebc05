"""One message format for every input check: who, which argument, what it must be, what it got, what to do."""

import numpy as np
import pytest

from adamcourse import validation


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: validation.positive("Adam", "lr", -1, "Try lr=0.001."),
            ValueError,
            "Adam: lr must be a positive finite number, got -1.0. Try lr=0.001.",
        ),
        (lambda: validation.positive("Adam", "lr", "0.1"), TypeError, "Adam: lr must be a number, got '0.1' (str)."),
        (lambda: validation.positive("Adam", "lr", True), TypeError, "Adam: lr must be a number, got True (bool)."),
        (
            lambda: validation.non_negative("AdamW", "weight_decay", float("nan")),
            ValueError,
            "AdamW: weight_decay must be a finite number >= 0, got nan.",
        ),
        (
            lambda: validation.fraction("RMSProp", "beta", 1.0, 0.9),
            ValueError,
            "RMSProp: beta must be a number in [0, 1), got 1.0. It is the fraction of the old average kept at each "
            "step: 0 keeps nothing, 1 would never let a new gradient in. A typical value is beta=0.9.",
        ),
        (
            lambda: validation.whole("run", "steps", 10.5),
            ValueError,
            "run: steps must be a whole number >= 0, got 10.5.",
        ),
        (
            lambda: validation.whole("run", "steps", "10"),
            TypeError,
            "run: steps must be a whole number >= 0, got '10' (str).",
        ),
        (
            lambda: validation.whole("explorer", "steps", 5, smallest=10, largest=1000),
            ValueError,
            "explorer: steps must be a whole number from 10 to 1000, got 5.",
        ),
        (lambda: validation.flag("Adam", "amsgrad", 1), TypeError, "Adam: amsgrad must be True or False, got 1 (int)."),
        (
            lambda: validation.choice("Momentum", "velocity", "steps", ("step", "gradient")),
            ValueError,
            "Momentum: velocity must be one of 'step', 'gradient', got 'steps'.",
        ),
        (
            lambda: validation.choice("plot", "bias_correction", np.ones(2), (True, False, "both")),
            ValueError,
            "plot: bias_correction must be one of True, False, 'both'",
        ),
        (
            lambda: validation.number("explorer", "eps", 1.0, low=1e-12, high=0.1),
            ValueError,
            "explorer: eps must be a number from 1e-12 to 0.1, got 1.0.",
        ),
    ],
)
def test_messages_name_owner_argument_rule_value_and_fix(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value).startswith(message)


def test_checked_values_come_back_as_plain_python_numbers():
    # a NumPy float64 scalar times a float32 array would upcast it: the checks return Python floats
    assert type(validation.positive("Adam", "lr", np.float64(0.1))) is float
    assert type(validation.fraction("Adam", "beta1", np.float32(0.9))) is float
    assert validation.whole("run", "steps", np.int64(5)) == 5 and type(validation.whole("run", "steps", 1e3)) is int
    assert validation.flag("Adam", "amsgrad", np.bool_(True)) is True
    assert validation.choice("x", "mode", "both", (True, False, "both")) == "both"
    # True == 1, but True is not the choice 1
    with pytest.raises(ValueError):
        validation.choice("x", "n", True, (1, 2))
