"""Keras model configs as a hostile student's forged report would carry them (plain JSON, Keras 3's format),
for the estimator's and the evaluator's tests."""

from __future__ import annotations

from itertools import count
from typing import Any

_names = count()


def layer(cls: str, **config: Any) -> dict[str, Any]:
    """One serialized built-in layer."""
    extra = {k: config.pop(k) for k in ("build_config", "inbound_nodes") if k in config}
    return {"module": "keras.layers", "class_name": cls, "config": {"name": f"{cls.lower()}_{next(_names)}", **config},
            "registered_name": None, **extra}


def sequential(*layers: dict[str, Any]) -> dict[str, Any]:
    """A serialized Sequential model of `layers`."""
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": f"sequential_{next(_names)}", "layers": list(layers)}, "registered_name": None}


def inputs(*shape: int | None) -> dict[str, Any]:
    """An InputLayer for samples of `shape`."""
    return layer("InputLayer", batch_shape=[None, *shape], dtype="float32")


def tensor(source: str | None, shape: list[int | None] | None = None) -> dict[str, Any]:
    """A serialized KerasTensor: the output of layer `source`, or a free tensor of `shape`."""
    config: dict[str, Any] = {"shape": shape or [None, 1], "dtype": "float32"}
    if source is not None:
        config["keras_history"] = [source, 0, 0]
    return {"class_name": "__keras_tensor__", "config": config}


def functional(nodes: list[dict[str, Any]], inputs_: list[str], outputs: list[str]) -> dict[str, Any]:
    """A serialized Functional model; each layer carries "name" and "inbound_nodes" already."""
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": f"functional_{next(_names)}", "layers": nodes,
                       "input_layers": [[n, 0, 0] for n in inputs_], "output_layers": [[n, 0, 0] for n in outputs]},
            "registered_name": "Functional"}


def named(node: dict[str, Any], *sources: str) -> dict[str, Any]:
    """`node` as a Functional layer called on the outputs of `sources`."""
    args: list[Any] = [tensor(s) for s in sources]
    return {**node, "name": node["config"]["name"],
            "inbound_nodes": [{"args": args if len(args) == 1 else [args], "kwargs": {}}] if sources else []}


def billions() -> dict[str, Any]:
    """1.5 billion parameters (6 GB of float32) from two small layers."""
    return sequential(inputs(50_000), layer("Dense", units=30_000))


def upsampled() -> dict[str, Any]:
    """50 parameters on the lab's 5x5 data, but 1000x1000 images inside: minutes of training, gigabytes."""
    return sequential(inputs(5, 5), layer("Reshape", target_shape=[5, 5, 1]), layer("UpSampling2D", size=[200, 200]),
                      layer("Conv2D", filters=4, kernel_size=[3, 3]), layer("GlobalAveragePooling2D"),
                      layer("Dense", units=2, activation="softmax"))


def doubling(times: int) -> dict[str, Any]:
    """A Functional model that concatenates a tensor with itself `times` times along its rows: 12 weights
    and 25 * 2**times values per sample."""
    nodes = [named(layer("InputLayer", batch_shape=[None, 5, 5], dtype="float32"))]
    for _ in range(times):
        prev = nodes[-1]["name"]
        nodes.append(named(layer("Concatenate", axis=1), prev, prev))
    nodes.append(named(layer("GlobalAveragePooling1D"), nodes[-1]["name"]))
    nodes.append(named(layer("Dense", units=2, activation="softmax"), nodes[-1]["name"]))
    return functional(nodes, [nodes[0]["name"]], [nodes[-1]["name"]])
