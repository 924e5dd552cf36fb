"""The trusted inspector on real Keras configs: every way of writing the same thing gives the same facts,
and configs carrying code are refused."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

keras = pytest.importorskip("keras")  # a hard dependency: importorskip only gives a clear error if broken

from grader.core.facts import ModelFacts, RefusedFacts  # noqa: E402
from grader.engine.evaluator.inspect import UnsafeConfig, check_plain_keras, compile_facts, variable_facts  # noqa: E402


def raw(model: Any) -> dict[str, Any]:
    """What the sandbox harness sends for a model variable."""
    out = {"kind": "model", "config": json.loads(model.to_json()), "built": model.built}
    if model.compiled:
        out["compile_config"] = json.loads(json.dumps(model.get_compile_config(), default=repr))
    return out


def facts(model: Any) -> ModelFacts:
    result = variable_facts(raw(model))
    assert isinstance(result, ModelFacts), result
    return result


def small(**compile_kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=[2]), keras.layers.Dense(1)])
    if compile_kwargs:
        model.compile(**compile_kwargs)
    return model


@pytest.mark.parametrize("loss", ["mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"])
def test_loss_strings_normalise(loss: str) -> None:
    assert facts(small(optimizer="adam", loss=loss)).compile.loss == "mean_absolute_error"


def test_loss_objects_and_functions_normalise() -> None:
    import tensorflow as tf

    for loss in (keras.losses.MeanAbsoluteError(), keras.losses.mean_absolute_error, tf.keras.losses.mae):
        assert facts(small(optimizer="adam", loss=loss)).compile.loss == "mean_absolute_error"
    bce = facts(small(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))).compile
    assert bce.loss == "binary_crossentropy" and bce.from_logits


def test_optimizer_class_and_float32_learning_rate() -> None:
    compiled = facts(small(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")).compile
    assert compiled.optimizer == "Adam"
    assert compiled.learning_rate == pytest.approx(0.01, rel=1e-6)
    assert facts(small(optimizer="sgd", loss="mse")).compile.optimizer == "SGD"


def test_metrics_normalise() -> None:
    compiled = facts(small(optimizer="adam", loss="binary_crossentropy",
                           metrics=["acc", keras.metrics.AUC(), keras.metrics.BinaryAccuracy()])).compile
    assert compiled.metrics == ["accuracy", "auc", "binary_accuracy"]


def test_activation_spellings_are_one() -> None:
    import tensorflow as tf

    for activation in ("relu", tf.nn.relu, keras.activations.relu):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation=activation)])
        assert facts(model).layers[0].activation == "relu"
    linear = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    assert facts(linear).layers[0].activation == "linear"


def test_sequential_and_functional_give_the_same_layers() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seq = keras.Sequential([keras.layers.Flatten(input_shape=(5, 5)), keras.layers.Dense(2, activation="softmax")])
    inp = keras.Input((5, 5))
    fun = keras.Model(inp, keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inp)))
    a, b = facts(seq), facts(fun)
    assert [(x.class_name, x.units, x.activation) for x in a.layers] == \
           [(x.class_name, x.units, x.activation) for x in b.layers]
    assert a.input_shape == b.input_shape == [5, 5]
    assert a.params == b.params == 52


def test_unbuilt_model_and_frozen_nested_model() -> None:
    unbuilt = facts(keras.Sequential([keras.layers.Dense(1)]))
    assert not unbuilt.built and unbuilt.params is None
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.GlobalAveragePooling2D()])
    base.trainable = False
    head = keras.Sequential([base, keras.layers.Dense(1, activation="sigmoid")])
    result = facts(head)
    assert result.layers[0].class_name == "Sequential" and result.layers[0].trainable is False
    assert result.params == 112 + 5 and result.trainable_params == 5


def test_regularizer_facts() -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_regularizer="l2")])
    reg = facts(model).layers[0].kernel_regularizer
    assert reg is not None and reg.class_name == "L2" and reg.l2 == pytest.approx(0.01)


def test_lambda_layer_is_refused_with_a_clear_message() -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    result = variable_facts(raw(model))
    assert isinstance(result, RefusedFacts)
    assert "Lambda" in result.reason.es and "keras.layers" in result.reason.es


@pytest.mark.parametrize("node", [
    {"module": "builtins", "class_name": "eval", "config": {}},
    {"module": "keras.layers", "class_name": "Dense", "registered_name": "evil>Dense", "config": {}},
    {"module": "keras.layers", "class_name": "TFSMLayer", "config": {}},
    {"layers": [{"class_name": "Dense", "module": "os", "config": {}}]},
])
def test_non_keras_classes_are_refused(node: dict[str, Any]) -> None:
    with pytest.raises(UnsafeConfig):
        check_plain_keras(node)


def test_loss_from_another_module_is_refused() -> None:
    with pytest.raises(UnsafeConfig):
        compile_facts({"optimizer": "adam", "loss": {"module": "os", "class_name": "system", "config": {}}})


def test_function_entries_must_name_keras_functions() -> None:
    check_plain_keras({"module": "builtins", "class_name": "function", "config": "mean_absolute_error"})
    for name in ("system", "eval", "__import__", "os.system"):
        with pytest.raises(UnsafeConfig):
            check_plain_keras({"module": "builtins", "class_name": "function", "config": name})


def test_tf_nn_activations_from_the_tensorflow_tutorial() -> None:
    import tensorflow as tf

    model = tf.keras.models.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3, activation=tf.nn.relu),
                                        tf.keras.layers.Dense(2, activation=tf.nn.softmax)])
    assert [layer.activation for layer in facts(model).layers] == ["relu", "softmax"]


def test_functional_model_rebuilds_twice_from_the_same_config() -> None:
    from grader.engine.evaluator.inspect import rebuild_model

    inp = keras.Input((5, 5))
    model = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Flatten()(inp)))
    config = json.loads(model.to_json())
    assert rebuild_model(config).count_params() == rebuild_model(config).count_params() == 52


def test_config_that_disagrees_with_the_weights_is_refused() -> None:
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(32), keras.layers.Dense(2)])
    report = raw(model) | {"weight_shapes": [[int(d) for d in w.shape] for w in model.weights]}
    assert isinstance(variable_facts(report), ModelFacts)
    model.layers[-1].units = 1  # what a student could do to misreport the output layer
    lying = raw(model) | {"weight_shapes": report["weight_shapes"]}
    refused = variable_facts(lying)
    assert isinstance(refused, RefusedFacts) and "no coincide con sus pesos" in refused.reason.es


def test_a_repeated_model_is_described_once_and_each_caller_gets_its_own_copy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.engine.evaluator.inspect as inspect_module

    rebuilds: list[int] = []
    real = inspect_module.rebuild_model
    monkeypatch.setattr(inspect_module, "rebuild_model", lambda *args: rebuilds.append(1) or real(*args))
    report = raw(small(optimizer="adam", loss="mse"))
    report["config"]["config"]["name"] = "seen-once-only"  # not described by another test already
    first = variable_facts(report)
    first.layers[0].units = 999  # a caller changing its facts must not change anyone else's
    second = variable_facts(json.loads(json.dumps(report)))
    assert rebuilds == [1]
    assert isinstance(second, ModelFacts) and second.layers[0].units == 4 and second.params == 17
    other = raw(small(optimizer="sgd", loss="mse"))
    other["config"]["config"]["name"] = "seen-once-only"
    assert variable_facts(other).compile.optimizer == "SGD" and rebuilds == [1, 1]


def test_a_model_too_large_to_rebuild_is_refused_from_its_config() -> None:
    """The refusal comes before Keras allocates anything (1.5 billion weights would be 6 GB)."""
    from tests.config_attacks import billions

    refused = variable_facts({"kind": "model", "config": billions()})
    assert isinstance(refused, RefusedFacts) and "parámetros (el máximo es" in refused.reason.es
