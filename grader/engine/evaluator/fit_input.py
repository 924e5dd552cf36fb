"""The exercise's data fitted to the input the student's model declares, for the brief training only.

A student who trained on their own copy of the data (Kaggle's hotel.csv one-hot encoded to 63 columns, UCI's
34 ionosphere features) or flattened MNIST themselves (`reshape(60000, 784)`) declares an input the
exercise's arrays do not have. The training check asks "does this network learn?", which the input width does
not change; the input check judges the width on its own. So the training gives the data the model's layout
when it holds the same values (flattened images, a channel axis), else rebuilds the student's architecture
with the data's width, and says which.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

Shape = tuple[int, ...]


def _shape(value: Any) -> Shape | None:
    """A declared batch shape ([None, 28, 28]) without its batch axis, or None when not fully known."""
    if not isinstance(value, list | tuple) or len(value) < 2 or not all(isinstance(d, int) for d in value[1:]):
        return None
    return tuple(int(d) for d in value[1:])


def _input_layers(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The InputLayer entries of a model's config (for a Sequential, only a first one)."""
    inner: Any = config.get("config")
    layers: Any = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        return []
    found = [layer for layer in layers if isinstance(layer, dict) and layer.get("class_name") == "InputLayer"]
    if config.get("class_name") == "Sequential":
        return found[:1] if found and layers[0] is found[0] else []
    return found


def declared_input(config: dict[str, Any]) -> Shape | None:
    """The one input shape the model's config declares (a Sequential, or a model with a single Input)."""
    found = _input_layers(config)
    if len(found) != 1 or not isinstance(found[0].get("config"), dict):
        return None
    return _shape(found[0]["config"].get("batch_shape") or found[0]["config"].get("batch_input_shape"))


def _with_input(config: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """A copy of `config` whose one input has `shape`; layers forget their recorded build (they are rebuilt
    from the new input)."""
    new = copy.deepcopy(config)

    def forget(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("build_config", None)
            for value in node.values():
                forget(value)
        elif isinstance(node, list):
            for value in node:
                forget(value)

    forget(new)
    new.get("config", {}).pop("build_input_shape", None)
    layer = _input_layers(new)[0]["config"]
    layer.pop("batch_input_shape", None)
    layer["batch_shape"] = [None, *shape]
    return new


def fit_input(config: dict[str, Any], x_train: np.ndarray, x_valid: np.ndarray
              ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, dict[str, tuple[str, str]]]:
    """(config, x_train, x_valid) the brief training uses, and what was adapted: {"layout": (the data's
    shape, the model's)} when the same values were laid out as the model asks, {"input": (the model's input,
    the data's)} when the model was rebuilt with the data's width (images flattened first for a flat input)."""
    want, have = declared_input(config), tuple(x_train.shape[1:])
    if want is None or want == have:
        return config, x_train, x_valid, {}
    if math.prod(want) == math.prod(have):
        return config, x_train.reshape(-1, *want), x_valid.reshape(-1, *want), {"layout": (str(have), str(want))}
    if len(want) == 1 and len(have) > 1:
        x_train, x_valid = x_train.reshape(len(x_train), -1), x_valid.reshape(len(x_valid), -1)
        have = tuple(x_train.shape[1:])
    if len(want) != len(have):  # another kind of input (images for a flat model...): left as the student wrote it
        return config, x_train, x_valid, {}
    return _with_input(config, have), x_train, x_valid, {"input": (str(want), str(have))}
