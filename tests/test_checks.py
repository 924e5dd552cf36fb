"""Check kinds judged on hand-made facts: specific messages, tolerant comparisons, no TensorFlow."""

from __future__ import annotations

from typing import Any

from grader.core.checks import get_kind
from grader.core.checks.registry import Outcome
from grader.core.facts import (
    CallbackFacts,
    CompileFacts,
    Evidence,
    FitCallFacts,
    LayerFacts,
    ModelFacts,
    RegularizerFacts,
    TrainingOutcome,
    ValueFacts,
)


def dense(units: int, activation: str = "linear", **extra: Any) -> LayerFacts:
    return LayerFacts(class_name="Dense", name=f"dense_{units}", units=units, activation=activation, **extra)


def model(*layers: LayerFacts, compile: CompileFacts | None = None, built: bool = True,
          input_shape: list[int | None] | None = None, params: int = 747, trainable: int | None = None) -> Evidence:
    facts = ModelFacts(class_name="Sequential", built=built, input_shape=input_shape if built else None,
                       output_shape=[layers[-1].units] if built else None, params=params if built else None,
                       trainable_params=(params if trainable is None else trainable) if built else None,
                       layers=list(layers), compile=compile)
    return Evidence(variables={"model": facts})


def run(kind: str, params: dict[str, Any], evidence: Evidence) -> Outcome:
    check = get_kind(kind)
    return check.run(check.params_model.model_validate(params), evidence)


LAB = [{"class": "Flatten"}, {"class": "Dense", "units": 16, "activation": "relu"},
       {"class": "Dense", "units": 16, "activation": "relu"}, {"class": "Dense", "units": 3, "activation": "relu"},
       {"class": "Dense", "units": 2, "activation": "softmax"}]
FLATTEN = LayerFacts(class_name="Flatten", name="flatten")


def test_layers_pass_and_units_message() -> None:
    right = model(FLATTEN, dense(16, "relu"), dense(16, "relu"), dense(3, "relu"), dense(2, "softmax"))
    assert run("layers", {"expected": LAB}, right).passed
    wrong = model(FLATTEN, dense(16, "relu"), dense(32, "relu"), dense(3, "relu"), dense(2, "softmax"))
    out = run("layers", {"expected": LAB}, wrong)
    assert not out.passed
    assert out.message.es == "La capa oculta 2 tiene 32 neuronas; se esperaban 16."
    assert out.message.en == "Hidden layer 2 has 32 units; expected 16."


def test_layers_count_and_output_activation() -> None:
    short = model(FLATTEN, dense(16, "relu"), dense(3, "relu"), dense(2, "softmax"))
    out = run("layers", {"expected": LAB}, short)
    assert not out.passed and out.message.es.startswith("El modelo tiene 4 capas")
    bad_out = model(FLATTEN, dense(16, "relu"), dense(16, "relu"), dense(3, "relu"), dense(2, "sigmoid"))
    msg = run("layers", {"expected": LAB}, bad_out).message.es
    assert "La capa de salida usa la activación 'sigmoid'; se esperaba 'softmax'" in msg


def test_separate_activation_layer_is_folded() -> None:
    act = LayerFacts(class_name="Activation", name="act", activation="relu")
    facts = model(FLATTEN, dense(16), act, dense(16, "relu"), dense(3, "relu"), dense(2, "softmax"))
    assert run("layers", {"expected": LAB}, facts).passed
    assert not run("layers", {"expected": LAB, "fold_activations": False}, facts).passed


def test_layer_select_hidden_regularizer() -> None:
    l2 = RegularizerFacts(class_name="L2", l2=0.01)
    good = model(dense(16, "relu", kernel_regularizer=l2), dense(16, "relu", kernel_regularizer=l2),
                 dense(1, "sigmoid"))
    params = {"select": "hidden", "expect": {"l2": 0.01}, "min_count": 2}
    assert run("layer", params, good).passed
    partial = model(dense(16, "relu", kernel_regularizer=l2), dense(16, "relu"), dense(1, "sigmoid"))
    out = run("layer", params, partial)
    assert not out.passed
    assert out.message.es == "La capa oculta 2 no tiene kernel_regularizer; se esperaba L2(0.01)."
    l1 = RegularizerFacts(class_name="L1", l1=0.01)
    lasso = model(dense(16, "relu", kernel_regularizer=l1), dense(16, "relu", kernel_regularizer=l1), dense(1))
    out = run("layer", {"select": "hidden", "expect": {"l1": 0.0, "l2": 0.01}}, lasso)
    assert out.message.es.startswith("La capa oculta 1 tiene kernel_regularizer L1(0.01); se esperaba L2(0.01).")


def test_missing_and_unbuilt_models() -> None:
    out = run("input_shape", {"shape": [3]}, Evidence(variables={}))
    assert not out.passed and "No se encontró la variable `model`" in out.message.es
    unbuilt = model(dense(1), built=False)
    out = run("input_shape", {"shape": [3]}, unbuilt)
    assert not out.passed and "no tiene forma de entrada" in out.message.es
    not_a_model = Evidence(variables={"model": ValueFacts(value=3)})
    assert "no es un modelo" in run("param_count", {"total": 4}, not_a_model).message.es


def test_input_shape_and_param_count() -> None:
    facts = model(dense(1), input_shape=[3], params=4)
    assert run("input_shape", {"shape": [3]}, facts).passed
    out = run("input_shape", {"shape": [2]}, facts)
    assert out.message.es == "La entrada del modelo tiene forma (None, 3); se esperaba (None, 2)."
    assert run("param_count", {"total": 4}, facts).passed
    big = model(dense(1), input_shape=[3], params=1995)
    assert run("param_count", {"total": 747}, big).message.es == (
        "El modelo tiene 1.995 parámetros en total; se esperaban 747.")
    frozen = model(dense(1), input_shape=[3], params=100, trainable=10)
    assert run("param_count", {"trainable": 10, "non_trainable": 90}, frozen).passed
    assert not run("param_count", {"trainable": 100}, frozen).passed


def compiled(**kw: Any) -> Evidence:
    return model(dense(1), input_shape=[3], compile=CompileFacts(**kw))


def test_loss_any_spelling_in_spec() -> None:
    facts = compiled(optimizer="Adam", learning_rate=0.0010000000474974513, loss="mean_absolute_error")
    assert run("loss", {"expected": ["mae"]}, facts).passed
    assert run("loss", {"expected": ["MeanAbsoluteError"]}, facts).passed
    out = run("loss", {"expected": ["mse"]}, facts)
    assert out.message.es == "La función de pérdida es 'mean_absolute_error'; se esperaba 'mean_squared_error'."
    uncompiled = model(dense(1), input_shape=[3])
    assert "no está compilado" in run("loss", {"expected": ["mae"]}, uncompiled).message.es


def test_optimizer_class_and_learning_rate_tolerance() -> None:
    facts = compiled(optimizer="Adam", learning_rate=0.009999999776482582, loss="mean_absolute_error")
    assert run("optimizer", {"expected": "adam"}, facts).passed
    assert run("optimizer", {"expected": "adam", "learning_rate": 0.01}, facts).passed
    out = run("optimizer", {"expected": "adam", "learning_rate": 0.001}, facts)
    assert not out.passed and "se esperaba 0,001" in out.message.es and "expected 0.001" in out.message.en
    assert not run("optimizer", {"expected": "sgd"}, facts).passed


def test_metrics_accept_accuracy_variants() -> None:
    facts = compiled(optimizer="Adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
    assert run("metrics", {"include": ["accuracy"]}, facts).passed
    out = run("metrics", {"include": ["accuracy", "auc"]}, facts)
    assert not out.passed and "auc" in out.message.es


def fitted(*callbacks: CallbackFacts, **kw: Any) -> Evidence:
    evidence = model(dense(1), input_shape=[11])
    evidence.fit_calls = [FitCallFacts(model_variable="model", callbacks=list(callbacks), **kw)]
    return evidence


def test_early_stopping_min_delta_by_absolute_value() -> None:
    es = CallbackFacts(class_name="EarlyStopping", attrs={"min_delta": -0.001, "patience": 20,
                                                         "restore_best_weights": True})
    params = {"class_name": "EarlyStopping", "attrs": {"min_delta": 0.001, "patience": 20,
                                                        "restore_best_weights": True}}
    assert run("callback", params, fitted(es, has_validation_data=True)).passed
    lesson_first = CallbackFacts(class_name="EarlyStopping", attrs={"min_delta": 0.01, "patience": 20,
                                                                    "restore_best_weights": True})
    out = run("callback", params, fitted(lesson_first))
    assert out.message.es == "EarlyStopping tiene min_delta=0.01; se esperaba 0.001."
    assert "Falta el callback EarlyStopping" in run("callback", params, fitted()).message.es
    assert "No se llamó a model.fit" in run("callback", params, model(dense(1), input_shape=[11])).message.es


def test_callback_from_variable_rejects_plain_values() -> None:
    evidence = Evidence(variables={"early_stopping": ValueFacts(value={"patience": 20})})
    out = run("callback", {"source": "variable", "variable": "early_stopping", "class_name": "EarlyStopping"},
              evidence)
    assert not out.passed


def test_fit_validation_and_callbacks() -> None:
    es = CallbackFacts(class_name="EarlyStopping")
    assert run("fit", {"validation": "data", "callbacks": ["EarlyStopping"]},
               fitted(es, has_validation_data=True)).passed
    out = run("fit", {"validation": "data"}, fitted(validation_split=0.2))
    assert out.message.es == "La llamada a model.fit no recibió validation_data=(X_valid, y_valid)."
    out = run("fit", {"validation_split": 0.2}, fitted(validation_split=0.3))
    assert "validation_split=0.3; se esperaba 0.2" in out.message.es


def test_trains_reports_value_and_baseline() -> None:
    evidence = model(dense(1), input_shape=[3])
    evidence.training = TrainingOutcome(variable="model", metric="accuracy", value=0.55, baseline=0.6,
                                        threshold=0.8, higher_is_better=True, passed=False, epochs=5)
    out = run("trains", {}, evidence)
    assert not out.passed and "línea base 0,6" in out.message.es and "0,55" in out.message.es
    assert "baseline 0.6" in out.message.en
    assert not run("trains", {}, model(dense(1), input_shape=[3])).passed
    evidence.training = evidence.training.model_copy(update={"value": 0.83, "passed": True, "best_epoch": 3})
    best = run("trains", {}, evidence)
    assert best.passed and "accuracy de validación = 0,83 en su mejor época (la 3)" in best.message.es
    assert "at its best epoch (3)" in best.message.en


def test_the_brief_training_judges_the_best_epoch_as_restore_best_weights_keeps_it() -> None:
    from grader.engine.evaluator.training import _best_epoch

    assert _best_epoch([0.14, 0.12, 0.16], higher=False) == 1
    assert _best_epoch([0.5, 0.7, 0.7], higher=True) == 2  # a tie: the later epoch, which the last one may be
    assert _best_epoch([float("nan"), float("nan")], higher=True) == 1
