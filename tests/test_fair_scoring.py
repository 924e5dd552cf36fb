"""A check fails for its own reason only: a wrong optimizer or loss costs its own check, not the training too,
and saving the model (`model.save('x.h5')`) does not make the grader read its optimizer as missing."""

from __future__ import annotations

import pytest

from grader.core.checks.compile import judged_settings
from grader.core.specs.models import CheckSpec
from grader.engine.grader import Grader
from tests.test_course_env import grade

LAB = """import tensorflow as tf
from tensorflow import keras
(train_images, train_labels), (test_images, test_labels) = keras.datasets.fashion_mnist.load_data()
train_images, test_images = train_images / 255.0, test_images / 255.0
model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)), keras.layers.Dense(128, activation='relu'),
                          keras.layers.Dense(10, activation='softmax')])
model.compile(optimizer=OPTIMIZER, loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(train_images, train_labels, validation_split=0.2, epochs=10)
model.save('mymodel.h5')
"""


def test_the_settings_other_checks_judge_are_named_canonically() -> None:
    checks = [CheckSpec(id="o", type="optimizer", points=1, params={"expected": "adam"}),
              CheckSpec(id="l", type="loss", points=1, params={"expected": ["SparseCategoricalCrossentropy"]}),
              CheckSpec(id="x", type="loss", points=1, params={"variable": "other", "expected": ["mse"]})]
    assert judged_settings(checks, "model") == {"optimizer": ["Adam"], "loss": ["sparse_categorical_crossentropy"]}
    assert judged_settings(checks, "other") == {"loss": ["mean_squared_error"]}


@pytest.mark.slow
def test_a_wrong_optimizer_costs_its_own_check_only_and_saving_keeps_it(grader_nodb: Grader) -> None:
    spec = grader_nodb.catalog.get("fashion-mnist-lab")
    right = grade(grader_nodb, spec, LAB.replace("OPTIMIZER", "'adam'"))
    assert right.score == right.max_score, right.checks  # saved as .h5 after compile: still Adam
    wrong = grade(grader_nodb, spec, LAB.replace("OPTIMIZER", "keras.optimizers.SGD()"))
    failed = {c.id: c for c in wrong.checks if not c.passed}
    assert list(failed) == ["optimizer"], wrong.checks
    trains = next(c for c in wrong.checks if c.id == "trains")
    assert "Se entrenó con lo que pide el enunciado (el optimizador Adam en lugar de tu SGD)" in trains.message.es
    assert "the optimizer Adam instead of your SGD" in trains.message.en
