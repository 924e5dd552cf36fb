"""Trusted brief training: the rebuilt model, the student's compile settings, the exercise's data.

The model is rebuilt fresh from its config with a fixed seed (so a grading is reproducible), trained a
few epochs, and its validation metric is computed here from its predictions (never from metrics the
student chose), then compared with what a model that learnt nothing would score.
"""

from __future__ import annotations

import gc
import math
import threading
from typing import Any

import numpy as np

from grader.core.cost.budget import MAX_TRAIN_PARAMS, PREDICT_ROWS, memory_message, training_refusal
from grader.core.facts import TrainingOutcome
from grader.core.i18n import Text, format_number, t
from grader.core.specs.models import TrainingSpec
from grader.core.summaries import EpochPoint
from grader.core.training_errors import (
    NO_COMPILE,
    Labels,
    TrainingData,
    declared_input_shape,
    explain_training_error,
    original_error,
)
from grader.engine.datasets import Dataset, load_dataset
from grader.engine.evaluator.fit_input import fit_input
from grader.engine.evaluator.inspect import check_plain_keras, function_name, out_of_memory_error, rebuild_model
from grader.engine.evaluator.training_loop import LoopCache, LoopTrace, PreparedTraining, cache_key

_LOOPS = LoopCache()

FULL_GC_EVERY = 20
_resets = 0


def _short(exc: Exception) -> str:
    """The first meaningful line of an exception: TensorFlow appends whole graph tracebacks."""
    return original_error(type(exc).__name__, str(exc))


def _training_data(x_train: np.ndarray, y_train: np.ndarray, spec: TrainingSpec) -> TrainingData:
    """One example's shape and the kind of labels, for explaining a failed training to the student."""
    if spec.metric != "accuracy":
        labels = Labels(kind="continuous")
    elif y_train.ndim > 1 and y_train.shape[-1] > 1:
        labels = Labels(kind="one_hot", classes=int(y_train.shape[-1]))
    else:
        labels = Labels(kind="integer", classes=int(np.max(y_train)) + 1 if len(y_train) else 0)
    return TrainingData(input_shape=tuple(int(n) for n in x_train.shape[1:]), labels=labels)


def baseline_score(dataset: Dataset, metric: str) -> float:
    """The metric of a model that learnt nothing: majority class, or always the training mean."""
    _, y_train = dataset.train
    _, y_valid = dataset.valid
    if metric == "accuracy":
        labels_train = y_train.argmax(axis=-1) if y_train.ndim > 1 else y_train
        labels_valid = y_valid.argmax(axis=-1) if y_valid.ndim > 1 else y_valid
        values, counts = np.unique(labels_train, return_counts=True)
        return float(np.mean(labels_valid == values[counts.argmax()]))
    errors = y_valid - y_train.mean()
    return float(np.mean(np.abs(errors)) if metric == "mae" else np.mean(errors**2))


def metric_value(predictions: np.ndarray, y_true: np.ndarray, metric: str, *, from_logits: bool) -> float:
    """Validation accuracy / MAE / MSE computed from raw predictions."""
    preds = np.asarray(predictions, dtype="float64")
    if metric == "accuracy":
        truth = y_true.argmax(axis=-1) if y_true.ndim > 1 else y_true
        if preds.ndim == 1 or preds.shape[-1] == 1:
            guess = (preds.reshape(len(preds)) > (0.0 if from_logits else 0.5)).astype(truth.dtype)
        else:
            guess = preds.argmax(axis=-1)
        return float(np.mean(guess == truth))
    errors = preds.reshape(len(preds)) - y_true.reshape(len(y_true))
    return float(np.mean(np.abs(errors)) if metric == "mae" else np.mean(errors**2))


def _compile_source(compile_config: dict[str, Any] | None, spec: TrainingSpec) -> dict[str, Any]:
    """The student's compile settings when they chose a loss, else the exercise's."""
    source = compile_config if compile_config and compile_config.get("loss") is not None else spec.compile
    return source or {}


def _compile_args(source: dict[str, Any]) -> tuple[Any, Any, bool]:
    import keras

    if not source:
        raise ValueError(NO_COMPILE)
    check_plain_keras({k: source.get(k) for k in ("optimizer", "loss")})
    loss_cfg = source.get("loss")
    if isinstance(loss_cfg, dict) and loss_cfg.get("class_name") == "function":
        loss_cfg = str(function_name(loss_cfg))
    loss = keras.losses.get(loss_cfg)
    from_logits = bool(getattr(loss, "from_logits", False) or
                       (isinstance(loss_cfg, dict) and loss_cfg.get("config", {}).get("from_logits")))
    return keras.optimizers.get(source.get("optimizer") or "rmsprop"), loss, from_logits


def _training_settings(source: dict[str, Any]) -> dict[str, Any]:
    """The compile settings as the training uses them, for its cache key: the resolved optimizer and loss,
    serialized without their names. So `"adam"`, `Adam()` and Adam's full default config share one traced
    loop, and what the training never reads (names, metrics and the like) does not split them. Unusable
    settings stay as they are: `_prepare` reports them, and a failed training is never cached."""
    import keras

    try:
        optimizer, loss, _ = _compile_args(source)
    except Exception:
        return source
    settings = {"optimizer": keras.optimizers.serialize(optimizer), "loss": keras.losses.serialize(loss)}
    for value in settings.values():
        if isinstance(value, dict) and isinstance(value.get("config"), dict):
            value["config"].pop("name", None)  # an automatic name counts the objects made before
    return settings


def _reset_keras() -> None:
    """Forget the previous model's global Keras state (layer name counters, the functional-API state), as
    `keras.backend.clear_session()` does, but keep TensorFlow's kernel cache: clearing it threw away the
    cached loops' instantiated graphs, so every reused loop was instantiated again (0.19 s instead of 0.08 s
    for the lab). The cache is cleared, with a full garbage collection, every FULL_GC_EVERY calls only:
    `clear_session()`'s own collection costs ~0.2 s over TensorFlow's large heap, while memory stays flat with
    a periodic one (measured by bench/grading_speed.py)."""
    import tensorflow as tf
    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    global _resets
    _resets += 1
    for tracker in ("GLOBAL_STATE_TRACKER", "GLOBAL_SETTINGS_TRACKER"):  # what clear_session() resets
        if not hasattr(global_state, tracker):
            raise RuntimeError(f"Keras no longer keeps {tracker}: update _reset_keras to this Keras")
        setattr(global_state, tracker, threading.local())
    tf.compat.v1.reset_default_graph()
    if _resets % FULL_GC_EVERY == 0:
        context.context().clear_kernel_cache()
        gc.collect()


def brief_training(*, config: dict[str, Any], compile_config: dict[str, Any] | None,
                   spec: TrainingSpec) -> TrainingOutcome:
    """Train a fresh rebuild of the model briefly and judge it against the data set's baseline (reusing the
    traced loop of an identical earlier request, reset to the same starting state: see training_loop)."""
    dataset = load_dataset(spec.dataset)
    baseline = baseline_score(dataset, spec.metric)
    higher = spec.metric == "accuracy"
    threshold = min(0.99, baseline + spec.margin) if higher else baseline * spec.ratio
    outcome = TrainingOutcome(variable=spec.variable, metric=spec.metric, baseline=baseline,
                              threshold=threshold, higher_is_better=higher, passed=False, epochs=spec.epochs)
    x_train, y_train = dataset.train
    x_valid, y_valid = dataset.valid
    if spec.max_rows:
        x_train, y_train = x_train[: spec.max_rows], y_train[: spec.max_rows]
    config, x_train, x_valid, adapted = fit_input(config, x_train, x_valid)
    outcome = outcome.model_copy(update={"replaced": adapted})
    # Every epoch's validation pass runs inside the traced loop on at most PREDICT_ROWS rows, so that its cost
    # stays small; when they are all the rows (every current data set but Fashion-MNIST's), the last epoch's
    # pass is also the final judgement's, and no forward pass is left to run after the loop.
    curve_rows = min(len(x_valid), PREDICT_ROWS)
    source = _compile_source(compile_config, spec)
    key = cache_key(config, _training_settings(source), spec)
    prepared = _LOOPS.take(key)
    try:
        if prepared is None:
            made = _prepare(config, source, x_train, y_train, spec,
                            valid=(x_valid[:curve_rows], y_valid[:curve_rows]), valid_rows=len(x_valid))
            if not isinstance(made, PreparedTraining):
                return outcome.model_copy(update={"error": made})
            prepared = made
        trace = prepared.run()
        # Each epoch's validation metric, computed once: for the curve, and for the judgement when the curve's
        # rows are all the rows.
        values = None if trace.val_outputs is None else [
            metric_value(o, y_valid[:curve_rows], spec.metric, from_logits=prepared.from_logits)
            for o in trace.val_outputs]
        history = _history(trace, values)
        best_epoch = None
        if curve_rows == len(x_valid) and values is not None:
            best = _best_epoch(values, higher)
            value, best_epoch = values[best], (best + 1 if best + 1 < len(values) else None)
        else:  # a plain forward pass: predict() would trace yet another function
            outputs = np.concatenate([np.asarray(prepared.model(x_valid[i:i + PREDICT_ROWS], training=False))
                                      for i in range(0, len(x_valid), PREDICT_ROWS)])
            value = metric_value(outputs, y_valid, spec.metric, from_logits=prepared.from_logits)
    except Exception as exc:
        if out_of_memory_error(exc):
            return outcome.model_copy(update={"error": memory_message()})
        return outcome.model_copy(update={"error": explain_training_error(
            error_type=type(exc).__name__, error=str(exc), data=_training_data(x_train, y_train, spec),
            loss=source.get("loss"), model_input=declared_input_shape(config))})
    finally:
        _reset_keras()
    _LOOPS.keep(key, prepared)  # only a training that ran to the end is reused
    passed = math.isfinite(value) and (value >= threshold if higher else value <= threshold)
    if prepared.one_hot:
        labels = (f"0..{int(y_train.max())}", str(prepared.one_hot))
        outcome = outcome.model_copy(update={"replaced": {**outcome.replaced, "labels": labels}})
    return outcome.model_copy(update={"value": value if math.isfinite(value) else None, "passed": passed,
                                      "history": history, "best_epoch": best_epoch})


def _best_epoch(values: list[float], higher: bool) -> int:
    """The index of the best finite validation value (the last epoch when none is finite)."""
    finite = [(v if higher else -v, i) for i, v in enumerate(values) if math.isfinite(v)]
    return max(finite)[1] if finite else len(values) - 1


def _rounded(value: float) -> float | None:
    """A stored curve's number: 4 significant digits (what a drawing shows), None when not finite."""
    value = float(value)
    return float(f"{value:.4g}") if math.isfinite(value) else None


def _history(trace: LoopTrace, val_metric: list[float] | None) -> list[EpochPoint]:
    """One point per epoch: training loss, and validation loss and metric (`val_metric`, one per epoch)."""
    points = []
    for index, loss in enumerate(trace.loss):
        point = EpochPoint(epoch=index + 1, loss=_rounded(loss))
        if trace.val_loss is not None and val_metric is not None:
            point = point.model_copy(update={"val_loss": _rounded(trace.val_loss[index]),
                                             "val_metric": _rounded(val_metric[index])})
        points.append(point)
    return points


def _prepare(config: dict[str, Any], source: dict[str, Any], x_train: np.ndarray, y_train: np.ndarray,
             spec: TrainingSpec, *, valid: tuple[np.ndarray, np.ndarray], valid_rows: int) -> PreparedTraining | Text:
    """Rebuild and compile the model afresh (seeded) and trace its loop, or say why it cannot be set up:
    first, from its config alone, whether it is too costly to train on this data (grader/core/cost/budget.py).
    Errors inside Keras while compiling or tracing propagate to the caller."""
    import keras

    refusal = training_refusal(config, input_shape=tuple(x_train.shape[1:]), rows=len(x_train),
                               valid_rows=valid_rows, epochs=spec.epochs, batch_size=spec.batch_size)
    if refusal is not None:
        return refusal
    _reset_keras()
    keras.utils.set_random_seed(spec.seed)
    try:
        model = rebuild_model(config)
    except Exception as exc:
        return t(f"No se pudo preparar el entrenamiento: {_short(exc)}",
                 f"Training could not be set up: {_short(exc)}")
    try:
        optimizer, loss, from_logits = _compile_args(source)
    except Exception as exc:
        return explain_training_error(error_type=type(exc).__name__, error=str(exc),
                                      data=_training_data(x_train, y_train, spec), loss=source.get("loss"))
    model.compile(optimizer=optimizer, loss=loss)
    if not model.built:
        model.build((None, *x_train.shape[1:]))
    if model.count_params() > MAX_TRAIN_PARAMS:
        return t(f"El modelo tiene {format_number(model.count_params())} parámetros: demasiados para entrenarlo aquí.",
                 f"The model has {format_number(model.count_params(), 'en')} parameters: too many to train here.")
    return PreparedTraining.prepare(model, x_train, y_train, spec, from_logits=from_logits, valid=valid,
                                    one_hot=_one_hot_width(model, loss, y_train))


def _one_hot_width(model: Any, loss: Any, y: np.ndarray) -> int:
    """The columns to one-hot encode class labels `y` to for `model`: its output's units when it has more than
    one and a loss that wants one column per class (not a sparse one), as the student's own code did with
    `to_categorical` for two softmax units on 0/1 labels; 0 to train on the labels as given."""
    name = str(getattr(loss, "name", None) or getattr(loss, "__name__", "")).lower()
    shape = getattr(model, "output_shape", None)
    # Only one row of class scores per example: an output with more axes (an unflattened image) is the mistake
    # the failed training explains, not a label layout.
    units = shape[-1] if isinstance(shape, tuple) and len(shape) == 2 and isinstance(shape[-1], int) else 0
    if "sparse" in name or units < 2 or y.ndim != 1 or not np.issubdtype(y.dtype, np.number) or len(y) == 0:
        return 0
    labels = np.unique(y)
    whole = bool(np.all(labels == np.round(labels))) and labels.min() >= 0 and labels.max() < units
    return units if whole and len(labels) <= units else 0
