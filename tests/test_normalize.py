"""Every spelling of the same loss, optimizer, metric and activation meets on one canonical name."""

import pytest

from grader.core.normalize import (
    canonical_activation,
    canonical_loss,
    canonical_metric,
    canonical_optimizer,
    metric_satisfies,
)


@pytest.mark.parametrize("name", ["mae", "MAE", "mean_absolute_error", "MeanAbsoluteError", "meanabsoluteerror"])
def test_mae_spellings(name: str) -> None:
    assert canonical_loss(name) == "mean_absolute_error"


@pytest.mark.parametrize(("name", "expected"), [
    ("mse", "mean_squared_error"),
    ("MeanSquaredError", "mean_squared_error"),
    ("BinaryCrossentropy", "binary_crossentropy"),
    ("binary_crossentropy", "binary_crossentropy"),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"),
    ("CategoricalCrossentropy", "categorical_crossentropy"),
    ("huber_loss", "huber"),
])
def test_loss_names(name: str, expected: str) -> None:
    assert canonical_loss(name) == expected


def test_different_losses_stay_different() -> None:
    assert canonical_loss("mae") != canonical_loss("mse")
    assert canonical_loss("categorical_crossentropy") != canonical_loss("sparse_categorical_crossentropy")


@pytest.mark.parametrize(("name", "expected"), [("adam", "Adam"), ("Adam", "Adam"), ("sgd", "SGD"),
                                                ("rmsprop", "RMSprop"), ("AdamW", "AdamW")])
def test_optimizer_class_names(name: str, expected: str) -> None:
    assert canonical_optimizer(name) == expected


def test_metrics_accuracy_family() -> None:
    assert canonical_metric("acc") == "accuracy"
    assert canonical_metric("BinaryAccuracy") == "binary_accuracy"
    assert canonical_metric("AUC") == "auc"
    assert metric_satisfies("binary_accuracy", "accuracy")
    assert metric_satisfies("acc", "accuracy")
    assert not metric_satisfies("auc", "accuracy")
    assert not metric_satisfies("accuracy", "auc")


def test_activation_names() -> None:
    assert canonical_activation(None) == "linear"
    assert canonical_activation("relu") == "relu"
    assert canonical_activation("") == "linear"
