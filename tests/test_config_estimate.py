"""The config estimator against Keras itself: the same parameter counts for every layer kind it knows, and
no refusal (with exact counts) for any model the course's reference solutions and samples produce."""

from __future__ import annotations

import json
import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

keras = pytest.importorskip("keras")

from grader.core.cost.budget import build_refusal, training_refusal  # noqa: E402
from grader.core.cost.estimate import estimate  # noqa: E402
from grader.core.facts import Evidence  # noqa: E402
from grader.engine.datasets import load_dataset  # noqa: E402
from grader.engine.evaluator.pool import EvaluatorProcess  # noqa: E402
from grader.engine.evaluator.process import EvalRequest  # noqa: E402
from grader.engine.grader import Grader  # noqa: E402

L = keras.layers
EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def _cases() -> dict[str, list[Any]]:
    def feature_extractor() -> Any:
        return keras.Sequential([keras.Input((16, 16, 3)), L.Conv2D(8, 3), L.GlobalAveragePooling2D()])

    return {
        "conv2d-same-strided": [keras.Input((17, 13, 3)), L.Conv2D(5, 3, strides=2, padding="same"), L.Flatten(),
                                L.Dense(3)],
        "conv2d-dilated-pooled": [keras.Input((17, 13, 3)), L.Conv2D(4, (3, 2), dilation_rate=2), L.MaxPooling2D(),
                                  L.Flatten(), L.Dense(2)],
        "conv1d-causal": [keras.Input((20, 4)), L.Conv1D(6, 5, padding="causal"), L.GlobalMaxPooling1D(), L.Dense(1)],
        "conv-transpose": [keras.Input((7, 7, 2)), L.Conv2DTranspose(3, 3, strides=2),
                           L.Conv2DTranspose(2, 4, strides=3, padding="same"), L.Flatten(), L.Dense(1)],
        "separable-depthwise": [keras.Input((12, 12, 3)), L.SeparableConv2D(8, 3, depth_multiplier=2),
                                L.DepthwiseConv2D(3, depth_multiplier=3),
                                L.AveragePooling2D(3, strides=2, padding="same"), L.Flatten(), L.Dense(2)],
        "pad-crop-upsample": [keras.Input((8, 8, 1)), L.ZeroPadding2D(((1, 2), (3, 4))),
                              L.Cropping2D(((1, 0), (2, 1))), L.UpSampling2D((2, 3)), L.Conv2D(2, 3), L.Flatten(),
                              L.Dense(2)],
        "recurrent": [keras.Input((9, 5)), L.LSTM(7, return_sequences=True), L.GRU(4, return_sequences=True),
                      L.SimpleRNN(3), L.Dense(2)],
        "wrappers": [keras.Input((6, 5)), L.Bidirectional(L.LSTM(3, return_sequences=True)),
                     L.TimeDistributed(L.Dense(4)), L.Flatten(), L.Dense(1)],
        "embedding": [keras.Input((10,)), L.Embedding(50, 8), L.Flatten(), L.Dense(3)],
        "normalizations-reshapes": [keras.Input((6, 4)), L.LayerNormalization(), L.BatchNormalization(), L.PReLU(),
                                    L.Reshape((4, 6)), L.Permute((2, 1)), L.Flatten(), L.RepeatVector(3),
                                    L.Flatten(), L.Dropout(0.2), L.Activation("relu"), L.Dense(2)],
        "conv3d": [keras.Input((6, 6, 6, 2)), L.Conv3D(3, 3), L.MaxPooling3D(), L.GlobalAveragePooling3D(),
                   L.Dense(1)],
        "resize-crop": [keras.Input((10, 10, 3)), L.Resizing(20, 15), L.CenterCrop(12, 11), L.Conv2D(2, 3),
                        L.Flatten(), L.Dense(1)],
        "one-dimensional": [keras.Input((5, 2)), L.UpSampling1D(3), L.ZeroPadding1D((1, 2)), L.Cropping1D(1),
                            L.Conv1D(3, 2), L.Flatten(), L.Dense(1)],
        "nested-extractor": [keras.Input((16, 16, 3)), feature_extractor(), L.Dense(1024), L.Dense(1)],
    }


@pytest.mark.parametrize("case", sorted(_cases()))
def test_the_estimate_counts_what_keras_builds(case: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential(_cases()[case])
    cost = estimate(json.loads(model.to_json()))
    assert (cost.params, cost.unknown) == (model.count_params(), ())


def test_functional_models_with_shared_layers_and_merges() -> None:
    first, second = keras.Input((8,)), keras.Input((8,))
    shared = L.Dense(5)
    a, b = shared(first), shared(second)
    merged = L.Concatenate(axis=1)([L.Concatenate()([a, b]), L.Add()([a, b])])
    model = keras.Model([first, second], L.Dense(3)(merged))
    assert estimate(json.loads(model.to_json())).params == model.count_params()
    inner = keras.Model(first, L.Dense(4)(first))
    x = keras.Input((8,))
    twice = keras.Model(x, L.Dense(2)(L.Add()([inner(x), inner(x)])))  # a nested model called twice
    assert estimate(json.loads(twice.to_json())).params == twice.count_params()


def test_multiply_adds_of_a_convolution() -> None:
    model = keras.Sequential([keras.Input((10, 10, 3)), L.Conv2D(4, 3)])
    assert estimate(json.loads(model.to_json())).macs == 8 * 8 * 4 * 3 * 3 * 3


@pytest.mark.slow
def test_no_reference_solution_or_sample_is_refused(grader_nodb: Grader, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every model the catalog's solutions, known-wrong examples and samples produce, as the evaluator gets
    it: no refusal, and exactly the parameters Keras built in the student's sandbox."""
    sent: list[tuple[str, EvalRequest]] = []

    def record(self: EvaluatorProcess, request: EvalRequest, **_: object) -> Evidence:
        sent.append((exercise, request))
        return Evidence()

    monkeypatch.setattr(EvaluatorProcess, "evaluate", record)
    catalog = grader_nodb.catalog
    for exercise, spec in sorted(catalog.specs.items()):
        files = [catalog.solutions_dir / spec.reference.solution,
                 *(catalog.solutions_dir / w.file for w in spec.reference.wrong)]
        samples = EXERCISES / "samples" / exercise
        files += sorted(samples.iterdir()) if samples.is_dir() else []
        files = [f for f in files if f.suffix in (".py", ".ipynb")]
        with ThreadPoolExecutor(grader_nodb.workers) as pool:
            list(pool.map(lambda f, spec=spec: grader_nodb.grade_bytes(
                spec=spec, filename=f.name, data=f.read_bytes(), student=spec.reference.student), files))
    models = 0
    for exercise, request in sent:
        for name, raw in request.payload.get("variables", {}).items():
            if raw.get("kind") != "model":
                continue
            models += 1
            refusal = build_refusal(raw["config"], raw.get("weight_shapes"))
            training = request.training
            if refusal is None and training is not None and training.variable == name:
                x_train, x_valid = load_dataset(training.dataset).train[0], load_dataset(training.dataset).valid[0]
                refusal = training_refusal(raw["config"], input_shape=x_train.shape[1:],
                                           rows=min(len(x_train), training.max_rows or len(x_train)),
                                           valid_rows=len(x_valid), epochs=training.epochs,
                                           batch_size=training.batch_size)
            assert refusal is None, (exercise, name, refusal)
            if raw.get("built"):
                assert estimate(raw["config"]).params == sum(math.prod(s) for s in raw["weight_shapes"])
    assert models > 100
