"""The cost of a model read from its config alone (grader/core/cost/estimate.py, grader/core/cost/budget.py): hostile
configs are refused before anything is built, from plain data, without TensorFlow; the evaluator's time-out
comes from the exercise's limits."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.core.cost.budget import (
    CEILING_S,
    FLOOR_S,
    MAX_BUILD_PARAMS,
    build_refusal,
    evaluator_timeout_s,
    training_refusal,
)
from grader.core.cost.estimate import MAX_DEPTH, MAX_LAYERS, estimate
from grader.core.specs import load_catalog
from grader.core.specs.models import LimitsSpec
from tests.config_attacks import billions, doubling, functional, inputs, layer, named, sequential, tensor, upsampled

LAB = {"input_shape": (5, 5), "rows": 450, "valid_rows": 150, "epochs": 20, "batch_size": 32}


def test_the_estimator_needs_neither_tensorflow_nor_keras() -> None:
    code = ("import sys; from grader.core.cost.budget import build_refusal; from tests.config_attacks import billions; "
            "assert build_refusal(billions()) is not None; "
            "assert not {'tensorflow', 'keras', 'numpy'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_billions_of_parameters_are_refused_from_the_config_alone() -> None:
    refusal = build_refusal(billions())  # from the config alone: nothing is built (see the test above)
    assert refusal is not None
    assert refusal.es.startswith("Tu modelo tendría ~1.500.030.000 parámetros (el máximo es 300.000.000)")
    assert refusal.en.startswith("Your model would have ~1,500,030,000 parameters (the maximum is 300,000,000)")
    assert "units" in refusal.en
    assert estimate(billions()).params == 50_000 * 30_000 + 30_000


def test_shapes_that_keras_builds_from_count_too() -> None:
    """Keras builds a layer from its `build_config` and a free tensor's shape before connecting anything."""
    declared = sequential(inputs(3), layer("Dense", units=4, build_config={"input_shape": [None, 10**9]}))
    assert estimate(declared).params == 4 * 10**9 + 4 and build_refusal(declared) is not None
    legacy = sequential(layer("Dense", units=10**5, batch_input_shape=[None, 10**5]))
    assert build_refusal(legacy) is not None
    free = named(layer("Dense", units=1000), "x")
    free["inbound_nodes"] = [{"args": [tensor(None, [None, 10**6])], "kwargs": {}}]
    source = named(layer("InputLayer", batch_shape=[None, 3], dtype="float32"))
    model = functional([source, free], [source["name"]], [free["name"]])
    assert build_refusal(model) is not None
    embedding = sequential(inputs(4), layer("Embedding", input_dim=10**9, output_dim=1))
    assert build_refusal(embedding) is not None


def test_reported_weights_are_only_a_reason_more_to_refuse() -> None:
    small = sequential(inputs(2), layer("Dense", units=1))
    assert build_refusal(small, [[2, 1], [1]]) is None
    assert build_refusal(small, [[MAX_BUILD_PARAMS, 2]]) is not None  # the student's own report says huge
    assert build_refusal(billions(), [[2, 1], [1]]) is not None  # under-reporting changes nothing
    assert build_refusal(small, "not shapes") is None


def test_small_models_that_cost_too_much_to_train_are_refused() -> None:
    for config in (upsampled(), doubling(16)):
        assert estimate(config, (5, 5)).params < 100
        assert build_refusal(config) is None  # describing it builds 50 weights: harmless
        refusal = training_refusal(config, **LAB)
        assert refusal is not None and refusal.es.startswith(("Entrenar tu modelo costaría", "Las salidas"))
    assert "operaciones" in training_refusal(upsampled(), **LAB).es  # type: ignore[union-attr]
    assert "MB" in training_refusal(doubling(16), **LAB).es  # type: ignore[union-attr]
    padded = sequential(inputs(5, 5, 1), layer("ZeroPadding2D", padding=[[2000, 2000], [2000, 2000]]),
                        layer("Conv2D", filters=1, kernel_size=[3, 3]), layer("GlobalMaxPooling2D"),
                        layer("Dense", units=2))
    assert training_refusal(padded, **{**LAB, "input_shape": (5, 5, 1)}) is not None


def test_the_data_shape_counts_when_the_model_is_trained() -> None:
    """An unbuilt model is built on the data; a declared input does not hide what the data will cost."""
    unbuilt = sequential(layer("Flatten"), layer("Dense", units=2000), layer("Dense", units=2))
    assert estimate(unbuilt).params == 0
    assert estimate(unbuilt, (5, 5)).params == 25 * 2000 + 2000 + 2000 * 2 + 2
    assert training_refusal(unbuilt, **{**LAB, "input_shape": (64, 64, 3)}) is not None  # 24.6 M weights


def test_too_many_layers_or_levels_of_nesting_are_refused() -> None:
    many = sequential(inputs(2), *[layer("Dense", units=2) for _ in range(MAX_LAYERS + 1)])
    assert "capas" in build_refusal(many).es  # type: ignore[union-attr]
    deep = sequential(inputs(2), layer("Dense", units=2))
    for _ in range(MAX_DEPTH + 1):
        deep = sequential(inputs(2), deep)
    assert "anida" in build_refusal(deep).es  # type: ignore[union-attr]
    calls = [named(layer("InputLayer", batch_shape=[None, 2], dtype="float32"))]
    shared = named(layer("Dense", units=2), calls[0]["name"])
    shared["inbound_nodes"] *= MAX_LAYERS + 1
    assert build_refusal(functional([*calls, shared], [calls[0]["name"]], [shared["name"]])) is not None
    wide = named(layer("Concatenate"), *[calls[0]["name"]] * (4 * MAX_LAYERS + 1))
    assert "entradas" in build_refusal(functional([*calls, wide], [calls[0]["name"]], [wide["name"]])).es  # type: ignore[union-attr]


def test_layers_it_cannot_estimate_are_a_lower_bound_and_are_not_trained() -> None:
    odd = sequential(inputs(4), layer("Attention"), layer("Dense", units=10**9))
    cost = estimate(odd)
    assert cost.unknown == ("Attention",) and cost.params >= 10**9  # what follows counts with its inputs as 1
    assert build_refusal(odd) is not None
    plain = sequential(inputs(5, 5), layer("Flatten"), layer("Attention"), layer("Dense", units=2))
    assert build_refusal(plain) is None
    assert "Attention" in training_refusal(plain, **LAB).es  # type: ignore[union-attr]


KEYS = ["units", "filters", "kernel_size", "layers", "padding", "target_shape", "layer", "batch_shape", "axis",
        "strides", "input_layers", "output_layers", "size", "cropping", "dims", "n", "input_dim", "output_dim"]
CLASSES = ["Dense", "Conv2D", "Sequential", "Functional", "Reshape", "Concatenate", "Bidirectional", "Permute",
           "ZeroPadding2D", "Cropping1D", "InputLayer", "TimeDistributed", "Embedding", "UpSampling3D", "LSTM"]


def _garbage(rng: random.Random, depth: int = 0) -> Any:
    """A random mix of layer configs, shapes and wrong values, nested a few levels."""
    leaves: list[Any] = [None, -1, 0, 3, 10**12, 2.5, "same", True, [None, 3], [[1, 2], [3]], ["x", 0, 0]]
    if depth >= 3:
        return rng.choice(leaves)
    kind = rng.random()
    if kind < 0.5:
        node = {"class_name": rng.choice(CLASSES),
                "config": {k: _garbage(rng, depth + 1) for k in rng.sample(KEYS, 5)}}
        if rng.random() < 0.5:
            node["inbound_nodes"] = [{"args": [tensor(rng.choice(["x", None]), [None, rng.randint(0, 4)])]}]
        return node
    if kind < 0.7:
        return [_garbage(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rng.choice(leaves)


def test_broken_configs_never_crash_the_estimator() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        config = {"class_name": rng.choice(["Sequential", "Functional"]),
                  "config": {"layers": [_garbage(rng) for _ in range(rng.randint(0, 6))],
                             "input_layers": _garbage(rng), "output_layers": _garbage(rng)}}
        build_refusal(config)
        training_refusal(config, **LAB)


def test_the_evaluator_time_out_comes_from_the_exercise_limits() -> None:
    assert evaluator_timeout_s(limit_s=90) == FLOOR_S  # a rebuild only
    assert evaluator_timeout_s(limit_s=90, epochs=20, rows=450, valid_rows=150) == pytest.approx(54.15, abs=0.05)
    assert evaluator_timeout_s(limit_s=40, epochs=20, rows=450) == 40  # within the exercise's limit
    assert evaluator_timeout_s(limit_s=5) == FLOOR_S  # never below the floor
    assert evaluator_timeout_s(limit_s=600, epochs=200, rows=100_000) == CEILING_S


def test_each_catalog_exercise_gets_its_own_time_out() -> None:
    from grader.engine.pipeline import evaluator_timeout_for

    catalog = load_catalog()
    lab, exam = catalog.get("lab-add-hidden-16"), catalog.get("exam-flatten-dense")
    assert exam.training is None and evaluator_timeout_for(exam) == FLOOR_S
    assert evaluator_timeout_for(lab) == pytest.approx(30 + 15 + (20 * 450 + 150) * 0.001, abs=0.05)
    longer = lab.training.model_copy(update={"epochs": 200})  # type: ignore[union-attr]
    assert evaluator_timeout_for(lab.model_copy(update={"training": longer})) == 90  # its limits.timeout_s
    tight = lab.model_copy(update={"limits": LimitsSpec(timeout_s=45)})
    assert evaluator_timeout_for(tight) == 45


def test_nested_models_declaring_many_shapes_stay_cheap_to_walk() -> None:
    """Each nested model is walked once per shape it may be built with: nesting must not make that exponential."""
    model = sequential(inputs(2), layer("Dense", units=2))
    for level in range(MAX_DEPTH - 1):
        model = {**sequential(inputs(2), model), "build_config": {"input_shape": [None, 3 + level]}}
        model["config"]["build_input_shape"] = [None, 100 + level]
    # An exponential walk would not finish at this depth; how fast the linear one is belongs to the bench.
    refusal = build_refusal(model)
    assert refusal is not None and "simplifícalo" in refusal.es
