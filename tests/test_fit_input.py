"""The brief training fits the exercise's data to the input the student's model declares (fast, no TF)."""

from __future__ import annotations

import numpy as np

from grader.core.checks.fit import _replaced
from grader.engine.evaluator.fit_input import declared_input, fit_input


def sequential(shape: list[int | None], units: int = 4) -> dict:
    dense = {"class_name": "Dense", "config": {"units": units}, "build_config": {"input_shape": shape}}
    return {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": shape}}, dense], "build_input_shape": shape},
        "build_config": {"input_shape": shape}}


def test_own_data_width_is_rebuilt_and_flattened_images_are_laid_out() -> None:
    x, xv = np.zeros((10, 30)), np.zeros((4, 30))
    config, x2, _, adapted = fit_input(sequential([None, 63]), x, xv)
    assert declared_input(config) == (30,) and adapted == {"input": ("(63,)", "(30,)")}
    assert "build_config" not in str(config) and x2.shape == (10, 30)
    images, valid = np.zeros((10, 28, 28)), np.zeros((4, 28, 28))
    config, x2, v2, adapted = fit_input(sequential([None, 784]), images, valid)
    assert x2.shape == (10, 784) and v2.shape == (4, 784) and adapted == {"layout": ("(28, 28)", "(784,)")}
    _, x3, _, adapted = fit_input(sequential([None, 28, 28, 1]), images, valid)
    assert x3.shape == (10, 28, 28, 1) and "layout" in adapted
    _, x4, _, adapted = fit_input(sequential([None, 100]), np.zeros((10, 8, 8)), np.zeros((4, 8, 8)))
    assert x4.shape == (10, 64) and adapted == {"input": ("(100,)", "(64,)")}
    untouched = sequential([None, 30])
    assert fit_input(untouched, x, xv)[0] is untouched and fit_input(untouched, x, xv)[3] == {}


def test_the_training_message_says_what_was_adapted() -> None:
    said = _replaced({"input": ("(63,)", "(30,)"), "layout": ("(28, 28)", "(784,)")})
    assert "la entrada de los datos del ejercicio (30,) en lugar de tu (63,)" in said.es
    assert "se dieron con la forma de tu entrada (784,)" in said.es and "The exercise's data" in said.en
