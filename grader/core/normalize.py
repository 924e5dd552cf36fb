"""Canonical names for losses, optimizers, metrics and activations.

Students write the same thing many ways ('mae', 'MAE', 'mean_absolute_error', MeanAbsoluteError(),
tf.keras.losses.mae; 'adam' or Adam(); tf.nn.relu or 'relu'). The trusted inspector reduces what Keras
gives it to a name, and the checks reduce the spec's expectations with these same functions, so both
sides always meet on one canonical spelling.
"""

from __future__ import annotations

import re

_LOSS_ALIASES = {
    "mae": "mean_absolute_error",
    "meanabsoluteerror": "mean_absolute_error",
    "mse": "mean_squared_error",
    "meansquarederror": "mean_squared_error",
    "mape": "mean_absolute_percentage_error",
    "meanabsolutepercentageerror": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "meansquaredlogarithmicerror": "mean_squared_logarithmic_error",
    "binarycrossentropy": "binary_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "kldivergence": "kl_divergence",
    "huber_loss": "huber",
    "logcosh": "log_cosh",
}

_OPTIMIZERS = {
    name.lower(): name
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion")
}

# Names Keras accepts for "the accuracy that fits the loss"; any of them satisfies an expected 'accuracy'.
ACCURACY_FAMILY = frozenset(
    {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}
)
_METRIC_ALIASES = {
    "acc": "accuracy",
    "mae": "mean_absolute_error",
    "mse": "mean_squared_error",
    "mape": "mean_absolute_percentage_error",
    "auc": "auc",
}


def snake_case(name: str) -> str:
    """'BinaryAccuracy' -> 'binary_accuracy'; 'AUC' -> 'auc'; already-snake names are unchanged."""
    if name.isupper():
        return name.lower()
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def canonical_loss(name: str) -> str:
    """The Keras loss function name for any accepted spelling of a loss."""
    key = name.strip()
    compact = key.replace("_", "").lower()
    if compact in _LOSS_ALIASES:
        return _LOSS_ALIASES[compact]
    lowered = snake_case(key) if not key.islower() else key
    return _LOSS_ALIASES.get(lowered, lowered)


def canonical_optimizer(name: str) -> str:
    """The optimizer class name ('adam' -> 'Adam', 'sgd' -> 'SGD'); unknown names are returned as given."""
    return _OPTIMIZERS.get(name.strip().lower(), name.strip())


def canonical_metric(name: str) -> str:
    """A snake_case metric name with common aliases resolved ('acc' -> 'accuracy', 'AUC' -> 'auc')."""
    key = snake_case(name.strip())
    return _METRIC_ALIASES.get(key, canonical_loss(key) if key in _LOSS_ALIASES else key)


def metric_satisfies(actual: str, expected: str) -> bool:
    """True when the compiled metric `actual` counts as the expected one (accuracy variants are one)."""
    actual, expected = canonical_metric(actual), canonical_metric(expected)
    if expected == "accuracy":
        return actual in ACCURACY_FAMILY
    return actual == expected


def canonical_activation(name: str | None) -> str:
    """An activation's function name; no activation is 'linear'."""
    if not name:
        return "linear"
    return snake_case(name.strip()).removeprefix("keras.activations.")
