"""Trusted brief training: the rebuilt model, the student's compile settings, the exercise's data.

The model is rebuilt fresh from its config with a fixed seed (so a grading is reproducible), trained a
few epochs, and its validation metric is computed here from its predictions (never from metrics the
student chose), then compared with what a model that learnt nothing would score.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import numpy as np

from grader.datasets import Dataset, load_dataset
from grader.facts import TrainingOutcome
from grader.i18n import t
from grader.inspect import check_plain_keras, function_name, rebuild_model
from grader.specs.models import TrainingSpec

MAX_TRAIN_PARAMS = 3_000_000
FULL_GC_EVERY = 20
_resets = 0


def _short(exc: Exception) -> str:
    """The first meaningful line of an exception: TensorFlow appends whole graph tracebacks."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("Graph execution error", "Detected at node", "File "))]
    text = (useful or lines or [""])[0]
    return f"{type(exc).__name__}: {text[:240]}"


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


def _compile_args(compile_config: dict[str, Any] | None, spec: TrainingSpec) -> tuple[Any, Any, bool]:
    import keras

    source = compile_config if compile_config and compile_config.get("loss") is not None else spec.compile
    if not source:
        raise ValueError("no compile settings")
    check_plain_keras({k: source.get(k) for k in ("optimizer", "loss")})
    loss_cfg = source.get("loss")
    if isinstance(loss_cfg, dict) and loss_cfg.get("class_name") == "function":
        loss_cfg = str(function_name(loss_cfg))
    loss = keras.losses.get(loss_cfg)
    from_logits = bool(getattr(loss, "from_logits", False) or
                       (isinstance(loss_cfg, dict) and loss_cfg.get("config", {}).get("from_logits")))
    return keras.optimizers.get(source.get("optimizer") or "rmsprop"), loss, from_logits


def _reset_keras() -> None:
    """Forget the previous model's global Keras state, with a full garbage collection only every
    FULL_GC_EVERY calls: `clear_session()`'s own collection costs ~0.2 s over TensorFlow's large heap, twice
    per grading, while memory stays flat with a periodic one (measured by bench/grading_speed.py)."""
    import keras

    global _resets
    _resets += 1
    keras.backend.clear_session(free_memory=False)
    if _resets % FULL_GC_EVERY == 0:
        gc.collect()


def batch_plan(rows: int, spec: TrainingSpec) -> tuple[np.ndarray, np.ndarray]:
    """Row order and batch bounds for all epochs: a fresh seeded permutation of the rows every epoch, cut
    into batches of `spec.batch_size` (the last one of an epoch may be short), as Keras' shuffled fit does.

    Returns (order, bounds): batch k is rows `order[bounds[k]:bounds[k + 1]]`.
    """
    rng = np.random.default_rng(spec.seed)
    order = np.concatenate([rng.permutation(rows) for _ in range(spec.epochs)]).astype("int32")
    cuts = [*range(0, rows, spec.batch_size), rows]
    bounds = np.array([epoch * rows + cut for epoch in range(spec.epochs) for cut in cuts[:-1]]
                      + [spec.epochs * rows], dtype="int32")
    return order, bounds


def train_steps(model: Any, x: np.ndarray, y: np.ndarray, spec: TrainingSpec) -> None:
    """Run Keras' own `train_step` (forward, compiled loss with regularization, gradients, optimizer) on
    every batch of `batch_plan`, all inside ONE traced graph.

    `fit()` would trace its step function twice (a while loop with a conditional around it), build a
    tf.data pipeline and run callbacks; for the few hundred tiny steps of a brief training that set-up
    was most of the time. The updates and their order are the same as a shuffled `fit`.
    """
    import tensorflow as tf

    order, bounds = batch_plan(len(x), spec)
    xs, ys = tf.constant(x), tf.constant(y)
    order_t, bounds_t = tf.constant(order), tf.constant(bounds)
    steps = len(bounds) - 1
    model.optimizer.build(model.trainable_variables)  # slots created eagerly, not lifted out of the trace

    def step(k: Any) -> tuple[Any]:
        rows = order_t[bounds_t[k]:bounds_t[k + 1]]
        model.train_step((tf.gather(xs, rows), tf.gather(ys, rows)))
        return (k + 1,)

    @tf.function(autograph=False)  # Keras' train_step has no Python control flow on tensors
    def run() -> Any:
        return tf.while_loop(lambda k: k < steps, step, (tf.constant(0),))

    run()


def brief_training(*, config: dict[str, Any], compile_config: dict[str, Any] | None,
                   spec: TrainingSpec) -> TrainingOutcome:
    """Train a fresh rebuild of the model briefly and judge it against the data set's baseline."""
    import keras

    dataset = load_dataset(spec.dataset)
    baseline = baseline_score(dataset, spec.metric)
    higher = spec.metric == "accuracy"
    threshold = min(0.99, baseline + spec.margin) if higher else baseline * spec.ratio
    outcome = TrainingOutcome(variable=spec.variable, metric=spec.metric, baseline=baseline,
                              threshold=threshold, higher_is_better=higher, passed=False, epochs=spec.epochs)
    _reset_keras()
    keras.utils.set_random_seed(spec.seed)
    try:
        model = rebuild_model(config)
        optimizer, loss, from_logits = _compile_args(compile_config, spec)
    except Exception as exc:
        return outcome.model_copy(update={"error": t(
            f"No se pudo preparar el entrenamiento: {_short(exc)}",
            f"Training could not be set up: {_short(exc)}")})
    x_train, y_train = dataset.train
    x_valid, y_valid = dataset.valid
    if spec.max_rows:
        x_train, y_train = x_train[: spec.max_rows], y_train[: spec.max_rows]
    try:
        model.compile(optimizer=optimizer, loss=loss)
        if not model.built:
            model.build((None, *x_train.shape[1:]))
        if model.count_params() > MAX_TRAIN_PARAMS:
            return outcome.model_copy(update={"error": t(
                f"El modelo tiene {model.count_params():,} parámetros: demasiados para entrenarlo aquí.",
                f"The model has {model.count_params():,} parameters: too many to train here.")})
        train_steps(model, x_train, y_train, spec)
        # A plain forward pass: predict() would trace yet another function for a few hundred rows.
        outputs = np.concatenate([np.asarray(model(x_valid[i:i + 1024], training=False))
                                  for i in range(0, len(x_valid), 1024)])
        value = metric_value(outputs, y_valid, spec.metric, from_logits=from_logits)
    except Exception as exc:
        return outcome.model_copy(update={"error": t(
            f"El entrenamiento con tu configuración falló: {_short(exc)}",
            f"Training with your settings failed: {_short(exc)}")})
    finally:
        _reset_keras()
    passed = math.isfinite(value) and (value >= threshold if higher else value <= threshold)
    return outcome.model_copy(update={"value": value if math.isfinite(value) else None, "passed": passed})
