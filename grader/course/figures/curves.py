"""The learning curves of the trusted training: loss per epoch (training and validation) and the metric
against the baseline and the pass threshold, with where the student's EarlyStopping would stop.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.core.i18n import Lang, t
from grader.core.summaries import TrainingCurve
from grader.course.figures.early_stopping import EarlyStopPoint, early_stop
from grader.course.figures.svg import ACCENT, MUTED, WARN, document, line, number, text

WIDTH = 360
LEFT, RIGHT = 46, 12
VALIDATION = "#e8590c"
LOSS_BOX = (40, 190)  # top and bottom of the loss chart
METRIC_BOX = (236, 336)  # top and bottom of the metric chart
HEIGHT = 372


class _Scale:
    """Epochs to x and values to y inside one chart's box."""

    def __init__(self, epochs: int, values: Sequence[float], box: tuple[int, int],
                 ceiling: float | None = None) -> None:
        self.epochs, self.top, self.bottom = max(epochs, 1), box[0], box[1]
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0  # a flat curve still gets a visible band
        # Losses and accuracies are never negative: no axis below 0 for them; an accuracy never passes 1.
        self.low, self.high = (max(low - pad, 0.0) if low >= 0 else low - pad), high + pad
        if ceiling is not None and high <= ceiling:
            self.high = min(self.high, ceiling)

    def x(self, epoch: float) -> float:
        span = WIDTH - LEFT - RIGHT
        return LEFT + (span * (epoch - 1) / (self.epochs - 1) if self.epochs > 1 else span / 2)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def _polyline(scale: _Scale, points: list[tuple[int, float]], color: str, dash: str = "") -> str:
    """One series as a polyline (nothing when it has no point)."""
    if not points:
        return ""
    coords = " ".join(f"{scale.x(e):.1f},{scale.y(v):.1f}" for e, v in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"{dashed}/>'


def _axes(scale: _Scale, lang: Lang, label: str) -> list[str]:
    """The box's axes, the value range and the epochs at both ends."""
    return [line(LEFT, scale.top, LEFT, scale.bottom), line(LEFT, scale.bottom, WIDTH - RIGHT, scale.bottom),
            text(LEFT - 4, scale.top + 10, number(scale.high, lang), size=10, anchor="end", color=MUTED),
            text(LEFT - 4, scale.bottom, number(scale.low, lang), size=10, anchor="end", color=MUTED),
            text(LEFT, scale.bottom + 13, "1", size=10, color=MUTED),
            text(WIDTH - RIGHT, scale.bottom + 13, str(scale.epochs), size=10, color=MUTED),
            text(LEFT, scale.top - 8, label, size=12, anchor="start", weight="bold")]


def _series(curve: TrainingCurve, name: str) -> list[tuple[int, float]]:
    return [(p.epoch, v) for p in curve.epochs if (v := getattr(p, name)) is not None]


def _stop_marks(scale: _Scale, point: EarlyStopPoint, curve: TrainingCurve, lang: Lang) -> list[str]:
    """The epoch EarlyStopping stops at (a vertical line) and the epoch whose weights stay (a dot)."""
    out: list[str] = []
    if point.stop_epoch is not None:
        x = scale.x(point.stop_epoch)
        right = x > WIDTH / 2  # the label goes on the side of the line with room for it
        out += [line(x, scale.top, x, scale.bottom, color=WARN, dash="4 3"),
                text(x - 3 if right else x + 3, scale.top + 12, t(f"EarlyStopping: época {point.stop_epoch}",
                                              f"EarlyStopping: epoch {point.stop_epoch}").get(lang),
                     size=10, anchor="end" if right else "start", color=WARN, css="stop")]
    # The epoch "where the validation loss is at a minimum" (the lesson's words) is always marked: the weights
    # restored there, or, without restore_best_weights, the best epoch the model does not go back to.
    marked = point.kept_epoch if point.restored else point.best_epoch
    value = next((getattr(p, point.series) for p in curve.epochs if p.epoch == marked), None)
    if marked is not None and value is not None and point.series.endswith("loss"):
        x, y = scale.x(marked), scale.y(value)
        label = (t(f"se restauran los pesos de la época {marked}", f"weights of epoch {marked} restored")
                 if point.restored else t(f"mejor época: {marked}", f"best epoch: {marked}"))
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{WARN}"/>',
                text(x, y - 9, label.get(lang), size=10, color=WARN, anchor="end" if x > WIDTH * 0.75 else "middle",
                     css="restored" if point.restored else "best")]
    return out


def _level(scale: _Scale, value: float, label: str, color: str) -> list[str]:
    """A labelled horizontal line across the chart (the baseline, the pass threshold)."""
    y = scale.y(value)
    return [line(LEFT, y, WIDTH - RIGHT, y, color=color, dash="2 3"),
            text(WIDTH - RIGHT, y - 3, label, size=10, anchor="end", color=color, css="level")]


def _legend(y: float, training: bool, validation: bool, lang: Lang) -> list[str]:
    """The key of one chart, naming only the lines it draws (validation at the right edge)."""
    out = []
    if validation:
        out.append(text(WIDTH - RIGHT, y, t("- - validación", "- - validation").get(lang), size=10, anchor="end",
                        color=VALIDATION, css="legend"))
    if training:
        out.append(text(WIDTH - RIGHT - (80 if validation else 0), y, t("— entrenamiento", "— training").get(lang),
                        size=10, anchor="end", color=ACCENT, css="legend"))
    return out


def curves_svg(curve: TrainingCurve, *, lang: Lang = "es") -> str:
    """The SVG of `curve`: the losses above, the metric with its baseline and threshold below."""
    loss, val_loss = _series(curve, "loss"), _series(curve, "val_loss")
    metric, val_metric = _series(curve, "metric"), _series(curve, "val_metric")
    epochs = max((p.epoch for p in curve.epochs), default=1)
    body: list[str] = []
    losses = [v for _, v in loss + val_loss] or [0.0]
    top = _Scale(epochs, losses, LOSS_BOX)
    body += _axes(top, lang, t("Pérdida por época", "Loss per epoch").get(lang))
    body += [_polyline(top, loss, ACCENT), _polyline(top, val_loss, VALIDATION, "6 3")]
    body += _legend(LOSS_BOX[0] - 8, bool(loss), bool(val_loss), lang)
    stop = early_stop(curve)
    if stop is not None:
        body += _stop_marks(top, stop, curve, lang)
    bottom = _Scale(epochs, [v for _, v in metric + val_metric] + [curve.baseline, curve.threshold], METRIC_BOX,
                    ceiling=1.0 if curve.metric == "accuracy" else None)
    body += _axes(bottom, lang, curve.metric)
    body += _legend(METRIC_BOX[0] - 8, bool(metric), bool(val_metric), lang)
    body += [_polyline(bottom, metric, ACCENT), _polyline(bottom, val_metric, VALIDATION, "6 3")]
    body += _level(bottom, curve.baseline, t(f"línea base {number(curve.baseline, lang)}",
                                             f"baseline {number(curve.baseline, lang)}").get(lang), MUTED)
    if curve.threshold != curve.baseline:
        body += _level(bottom, curve.threshold, t(f"umbral para aprobar {number(curve.threshold, lang)}",
                                                  f"pass threshold {number(curve.threshold, lang)}").get(lang), WARN)
    body.append(text(WIDTH / 2, HEIGHT - 6, t("época", "epoch").get(lang), size=10, color=MUTED))
    return document(width=WIDTH, height=HEIGHT, title=t("Curvas de aprendizaje", "Learning curves").get(lang),
                    desc=_words(curve, stop, lang), body=[b for b in body if b], css="curves")


def _words(curve: TrainingCurve, stop: EarlyStopPoint | None, lang: Lang) -> str:
    """The curves in words for the <desc>: first and last losses, the metric's end, the stop."""
    parts: list[str] = []
    for name, es, en in (("loss", "pérdida de entrenamiento", "training loss"),
                         ("val_loss", "pérdida de validación", "validation loss"),
                         ("val_metric", f"{curve.metric} de validación", f"validation {curve.metric}")):
        series = _series(curve, name)
        if series:
            a, b = number(series[0][1], lang), number(series[-1][1], lang)
            parts.append(t(f"{es} de {a} a {b}", f"{en} from {a} to {b}").get(lang))
    text_ = t(f"{len(curve.epochs)} épocas: ", f"{len(curve.epochs)} epochs: ").get(lang) + "; ".join(parts)
    text_ += t(f". Línea base {number(curve.baseline, lang)}.", f". Baseline {number(curve.baseline, lang)}.").get(lang)
    if stop is not None and stop.stop_epoch is not None:
        text_ += t(f" EarlyStopping se detendría en la época {stop.stop_epoch} y el modelo quedaría con los pesos "
                   f"de la época {stop.kept_epoch}.", f" EarlyStopping would stop at epoch {stop.stop_epoch} and "
                   f"the model would keep the weights of epoch {stop.kept_epoch}.").get(lang)
    return text_
