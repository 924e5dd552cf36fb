"""What the student's EarlyStopping would have done on the trusted training's curve, with Keras' rules.

Keras 3 (keras/src/callbacks/early_stopping.py): each epoch from `start_from_epoch` on counts one more epoch
of waiting; an improvement (better than the best by more than `min_delta`) becomes the new best and resets
the wait; training stops at the end of the epoch where the wait reaches `patience` (never the first epoch).
With `restore_best_weights`, the model ends with the best epoch's weights whether or not it stopped early.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.core.normalize import metric_satisfies
from grader.core.summaries import EpochPoint, TrainingCurve

# Metrics Keras maximises when mode='auto' (their `_direction` is "up").
HIGHER_IS_BETTER = frozenset({"accuracy", "acc", "binary_accuracy", "categorical_accuracy",
                              "sparse_categorical_accuracy", "auc", "precision", "recall"})


@dataclass(frozen=True)
class EarlyStopPoint:
    """Where EarlyStopping stops and which epoch's weights the model keeps (epochs 1-based, as Keras prints)."""

    monitor: str  # the student's monitor, as written
    series: str  # which curve it reads: loss, val_loss, metric or val_metric
    mode: str  # min or max, after resolving 'auto'
    stop_epoch: int | None  # the epoch after which training stops; None: it ran every epoch of the curve
    best_epoch: int | None  # the best monitored epoch; None when no epoch was monitored
    kept_epoch: int  # whose weights the model ends with
    restored: bool  # True when restore_best_weights put back an earlier epoch's weights


def monitored_series(monitor: str, curve: TrainingCurve) -> str | None:
    """Which of the curve's series `monitor` names (val_loss, loss, val_accuracy -> val_metric...)."""
    name = monitor.removeprefix("val_")
    prefix = "val_" if monitor.startswith("val_") else ""
    if name == "loss":
        return prefix + "loss"
    # The trusted training records the exercise's metric; the student may have named a variant of it.
    return prefix + "metric" if metric_satisfies(name, curve.metric) else None


def monitor_mode(*, monitor: str, mode: str, curve: TrainingCurve) -> str | None:
    """'min' or 'max' as Keras resolves `mode` for `monitor` (None: Keras would refuse to guess)."""
    if mode in ("min", "max"):
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    if monitored_series(monitor, curve) is not None:
        return "max" if curve.higher_is_better else "min"
    return "max" if name in HIGHER_IS_BETTER else None


def _value(point: EpochPoint, series: str) -> float | None:
    return getattr(point, series)


def early_stop(curve: TrainingCurve) -> EarlyStopPoint | None:
    """Simulate `curve.early_stopping` on the curve; None without a callback or when its monitor is not there."""
    settings = curve.early_stopping
    if settings is None or not curve.epochs:
        return None
    series = monitored_series(settings.monitor, curve)
    mode = monitor_mode(monitor=settings.monitor, mode=settings.mode, curve=curve)
    if series is None or mode is None:
        return None
    delta = abs(settings.min_delta)
    best: float | None = None
    best_epoch: int | None = None
    wait = 0
    stop: int | None = None
    for index, point in enumerate(curve.epochs):
        current = _value(point, series)
        if current is None or index < settings.start_from_epoch:
            continue
        if best_epoch is None:
            best_epoch = point.epoch  # restore_best_weights keeps the first monitored epoch at least
        wait += 1
        better = best is None or (current - delta > best if mode == "max" else current + delta < best)
        if better:
            best, best_epoch, wait = current, point.epoch, 0
            continue
        if wait >= settings.patience and index > 0:
            stop = point.epoch
            break
    last = stop if stop is not None else curve.epochs[-1].epoch
    restored = settings.restore_best_weights and best_epoch is not None and best_epoch != last
    return EarlyStopPoint(monitor=settings.monitor, series=series, mode=mode, stop_epoch=stop,
                          best_epoch=best_epoch, kept_epoch=best_epoch if restored and best_epoch else last,
                          restored=bool(restored))
