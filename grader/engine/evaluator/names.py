"""Neutral names for a model the evaluator rebuilds: the grader's own work never depends on names a student chose.

Keras uses model and layer names as TensorFlow name scopes, where markup, control characters or a very long
name fail ("not a valid scope name") or cost memory, so a right model could lose its training points for
its names alone. Before a config is deserialised, every model and layer name is replaced by `layer_N`
(the top model by `model`), consistently wherever the config refers to it (functional graphs name their
inputs, outputs and each tensor's source layer); the facts shown to the student map the names back.
Pure data handling: no Keras import.
"""

from __future__ import annotations

import copy
from typing import Any


def _entries(node: Any) -> list[dict[str, Any]]:
    """The layer entries of a serialised model (Sequential or functional), or none for anything else."""
    config = node.get("config") if isinstance(node, dict) else None
    layers = config.get("layers") if isinstance(config, dict) else None
    return [entry for entry in layers if isinstance(entry, dict)] if isinstance(layers, list) else []


def neutral_names(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of the serialised model `config` with neutral names, and the map from each neutral name back
    to the student's."""
    config = copy.deepcopy(config)
    given: dict[str, str] = {}  # student's name -> neutral name

    def rename(old: Any) -> Any:
        if not isinstance(old, str):
            return old
        return given.setdefault(old, f"layer_{len(given)}")

    def visit_model(node: dict[str, Any]) -> None:
        for entry in _entries(node):
            inner = entry.get("config")
            if isinstance(inner, dict) and "name" in inner:
                inner["name"] = rename(inner["name"])
            if "name" in entry:
                entry["name"] = rename(entry["name"])
            visit_model(entry)  # a model used as a layer has layers of its own

    visit_model(config)
    top = config.get("config")
    if isinstance(top, dict) and "name" in top:
        given.setdefault(top["name"], "model") if isinstance(top["name"], str) else None
        top["name"] = "model"
    _retarget(config, given)
    return config, {new: old for old, new in given.items()}


def _retarget(node: Any, given: dict[str, str]) -> None:
    """Point every reference to a layer (a tensor's `keras_history`, a functional model's `input_layers`
    and `output_layers`) at its neutral name, in place."""
    if isinstance(node, list):
        for item in node:
            _retarget(item, given)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "keras_history" and isinstance(value, list) and value and isinstance(value[0], str):
            value[0] = given.get(value[0], value[0])
        elif key in ("input_layers", "output_layers") and isinstance(value, list):
            refs = value if value and isinstance(value[0], list) else [value]
            for ref in refs:
                if isinstance(ref, list) and ref and isinstance(ref[0], str):
                    ref[0] = given.get(ref[0], ref[0])
        else:
            _retarget(value, given)
