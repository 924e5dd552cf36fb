"""The brief training's loop: every batch of every epoch in ONE traced graph, and a small cache of those
graphs per architecture.

Tracing a model's training step costs more than the few hundred tiny steps it then runs. Students of one
class mostly submit the same architecture, so a traced loop is kept (with its model, optimizer and data)
for the next identical request: the model's and optimizer's variables are reset to the exact values a
fresh seeded rebuild had, so a reused loop trains bit-for-bit as a fresh one (tests/test_training.py).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.core.specs.models import TrainingSpec
from grader.engine.evaluator.names import neutral_names

CACHE_SIZE = 8


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


@dataclass(frozen=True)
class LoopTrace:
    """What one run of the loop measured, epoch by epoch (float32 arrays of length `spec.epochs`).

    `loss` is the mean training loss over the epoch's batches, as Keras' `fit` reports it (regularization
    included, each batch weighted by its rows). `val_loss` and `val_outputs` (the model's outputs on the
    validation rows after the epoch) are None when the loop was built without validation rows.
    """

    loss: np.ndarray
    val_loss: np.ndarray | None = None
    val_outputs: np.ndarray | None = None


def training_loop(model: Any, x: np.ndarray, y: np.ndarray, spec: TrainingSpec, *,
                  valid: tuple[np.ndarray, np.ndarray] | None = None) -> Callable[[], LoopTrace]:
    """A traced function that runs Keras' own `train_step` (forward, compiled loss with regularization,
    gradients, optimizer) on every batch of `batch_plan`, and after every epoch, given `valid` rows, one
    inference forward pass on them with the compiled loss. The model must be compiled.

    `fit()` would trace its step function twice (a while loop with a conditional around it), build a
    tf.data pipeline and run callbacks; for the few hundred tiny steps of a brief training that set-up
    was most of the time. The updates and their order are the same as a shuffled `fit`, and the validation
    pass (training=False) changes no variable, so the weights do not depend on `valid`.
    """
    import tensorflow as tf

    order, bounds = batch_plan(len(x), spec)
    xs, ys = tf.constant(x), tf.constant(y)
    order_t, bounds_t = tf.constant(order), tf.constant(bounds)
    per_epoch = (len(bounds) - 1) // spec.epochs
    xv, yv = (tf.constant(valid[0]), tf.constant(valid[1])) if valid is not None else (None, None)
    model.optimizer.build(model.trainable_variables)  # slots created eagerly, not lifted out of the trace

    def step(k: Any, _loss: Any) -> tuple[Any, Any]:
        rows = order_t[bounds_t[k]:bounds_t[k + 1]]
        logs = model.train_step((tf.gather(xs, rows), tf.gather(ys, rows)))
        return k + 1, tf.cast(logs["loss"], "float32")  # the loss tracker's mean since the epoch began

    def epoch(e: Any, *arrays: Any) -> tuple[Any, ...]:
        model.reset_metrics()  # as fit does when an epoch begins, so the tracked loss is this epoch's
        _, loss = tf.while_loop(lambda k, _: k < (e + 1) * per_epoch, step, (e * per_epoch, tf.constant(0.0)))
        written = [arrays[0].write(e, loss)]
        if xv is not None:
            outputs = model(xv, training=False)
            val_loss = model.compute_loss(x=xv, y=yv, y_pred=outputs, training=False)
            written += [arrays[1].write(e, tf.cast(val_loss, "float32")),
                        arrays[2].write(e, tf.cast(outputs, "float32"))]
        return (e + 1, *written)

    @tf.function(autograph=False)  # Keras' train_step has no Python control flow on tensors
    def run() -> tuple[Any, ...]:
        arrays = [tf.TensorArray("float32", size=spec.epochs) for _ in range(1 if xv is None else 3)]
        _, *done = tf.while_loop(lambda e, *_: e < spec.epochs, epoch, (tf.constant(0), *arrays))
        return tuple(array.stack() for array in done)

    def traced() -> LoopTrace:
        return LoopTrace(*(np.asarray(part) for part in run()))

    return traced


def train_steps(model: Any, x: np.ndarray, y: np.ndarray, spec: TrainingSpec) -> LoopTrace:
    """Train the compiled `model` on (x, y) as `spec` says, once."""
    return training_loop(model, x, y, spec)()


@dataclass
class PreparedTraining:
    """A compiled model with its traced loop, and the value of every variable before its first training."""

    model: Any
    run: Callable[[], LoopTrace]
    from_logits: bool
    initial: list[np.ndarray]
    # The columns the class labels were one-hot encoded to, for an output of that many units (0: as given).
    one_hot: int = 0

    @classmethod
    def prepare(cls, model: Any, x: np.ndarray, y: np.ndarray, spec: TrainingSpec, *, from_logits: bool,
                valid: tuple[np.ndarray, np.ndarray] | None = None, one_hot: int = 0) -> PreparedTraining:
        """Build the loop for a freshly built and compiled `model` and remember its starting state; `one_hot`:
        train on the class labels one-hot encoded to that many columns."""
        if one_hot:
            y = np.eye(one_hot, dtype="float32")[y.astype("int64")]
            valid = (valid[0], np.eye(one_hot, dtype="float32")[valid[1].astype("int64")]) if valid else None
        run = training_loop(model, x, y, spec, valid=valid)
        return cls(model=model, run=run, from_logits=from_logits, one_hot=one_hot,
                   initial=[np.array(v.numpy()) for v in _state(model)])

    def reset(self) -> None:
        """Put weights, optimizer slots and step count, seed generators and metric totals back as they were
        before the first training."""
        for variable, value in zip(_state(self.model), self.initial, strict=True):
            variable.assign(value)


def _state(model: Any) -> list[Any]:
    """Every variable a training reads or changes: the model's (weights, normalization statistics, seed
    generators), the optimizer's (step, learning rate, slots) and the loss tracker's."""
    return [*model.variables, *model.optimizer.variables, *model.metrics_variables]


def cache_key(config: dict[str, Any], compile_source: dict[str, Any], spec: TrainingSpec) -> str:
    """Everything that decides a training's result: the model's config, its compile settings, the spec.

    The config is keyed with neutral names (grader/engine/evaluator/names.py, as the model is rebuilt): names
    decide nothing in a training (weights and seeds follow the order in which layers are built), and Keras
    numbers automatic names per process, so a student who named their layers, or whose notebook builds a
    model twice, would otherwise miss a classmate's traced loop."""
    neutral, _ = neutral_names(config)
    return json.dumps({"config": neutral, "compile": compile_source, "spec": spec.model_dump(mode="json")},
                      sort_keys=True, default=repr)


class LoopCache:
    """The last CACHE_SIZE prepared trainings, by `cache_key`; a reused one is reset before it is returned."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, PreparedTraining] = OrderedDict()
        self.hits = self.misses = 0

    def take(self, key: str) -> PreparedTraining | None:
        """The prepared training for `key`, reset to its starting state, or None."""
        prepared = self._entries.pop(key, None)
        if prepared is None:
            self.misses += 1
            return None
        self.hits += 1
        prepared.reset()
        return prepared

    def keep(self, key: str, prepared: PreparedTraining) -> None:
        """Remember a training that ran to the end, dropping the least recently used beyond `size`."""
        self._entries[key] = prepared
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every prepared training."""
        self._entries.clear()
