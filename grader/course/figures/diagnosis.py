"""What the learning curves say, in a few sentences: does the model learn, does it overfit (from which
epoch) or underfit, and what the student's EarlyStopping would do.

The rules are the lessons' own, with small tolerances so noise is not called a trend: the training loss
must fall by more than 1 %; overfitting is the validation loss rising after its minimum (more than 2 % above
it, in two epochs at least, the last one included) while the training loss keeps falling; underfitting is a
model that learns but stays short of the pass threshold without overfitting.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.core.i18n import Text, t
from grader.core.summaries import TrainingCurve
from grader.course.figures.early_stopping import EarlyStopPoint, early_stop
from grader.course.figures.svg import number

LOSS_DROP = 0.01  # the training loss must fall by more than this share to count as learning
RISE = 0.02  # validation loss above its minimum by more than this share is a rise, not noise
MIN_RISING_EPOCHS = 2


@dataclass(frozen=True)
class Diagnosis:
    """The curve's reading: each finding as data, and the sentences the student reads."""

    learns: bool
    beats_baseline: bool
    passes: bool
    overfitting_from: int | None  # first epoch after the validation loss' minimum, when it then rises
    underfitting: bool
    stop: EarlyStopPoint | None
    text: Text


def _values(curve: TrainingCurve, name: str) -> list[tuple[int, float]]:
    return [(p.epoch, v) for p in curve.epochs if (v := getattr(p, name)) is not None]


def _better(value: float, than: float, higher: bool) -> bool:
    return value > than if higher else value < than


def overfitting_start(curve: TrainingCurve) -> int | None:
    """The epoch the validation loss starts rising from its minimum while the training loss still falls."""
    val, train = _values(curve, "val_loss"), dict(_values(curve, "loss"))
    if len(val) < MIN_RISING_EPOCHS + 1:
        return None
    low = min(v for _, v in val)
    best_index = max(i for i, (_, v) in enumerate(val) if v == low)  # the end of a plateau at the minimum
    best_epoch, best = val[best_index]
    last_epoch, last = val[-1]
    above = [epoch for epoch, v in val[best_index + 1:] if v - best > RISE * abs(best)]
    if len(above) < MIN_RISING_EPOCHS or last - best <= RISE * abs(best):
        return None
    if best_epoch in train and last_epoch in train and train[last_epoch] >= train[best_epoch]:
        return None  # both rise: the training itself diverges, that is not overfitting
    return above[0]


def _stop_text(stop: EarlyStopPoint, epochs: int) -> Text:
    """What the student's EarlyStopping would do on this curve."""
    head = t(f"Con el EarlyStopping entregado (monitor='{stop.monitor}')",
             f"With the submitted EarlyStopping (monitor='{stop.monitor}')")
    if stop.stop_epoch is None:
        what = t(f" el entrenamiento no se detendría en estas {epochs} épocas",
                 f" training would not stop within these {epochs} epochs")
    else:
        what = t(f" el entrenamiento se detendría tras la época {stop.stop_epoch}",
                 f" training would stop after epoch {stop.stop_epoch}")
    if stop.restored:
        keep = t(f" y el modelo volvería a los pesos de la época {stop.kept_epoch}, la mejor.",
                 f" and the model would go back to the weights of epoch {stop.kept_epoch}, the best one.")
    elif stop.best_epoch is not None and stop.best_epoch != stop.kept_epoch:
        keep = t(f" y el modelo se quedaría con los pesos de la época {stop.kept_epoch}, no con los de la mejor "
                 f"({stop.best_epoch}): eso hace restore_best_weights=True.",
                 f" and the model would keep the weights of epoch {stop.kept_epoch}, not those of the best one "
                 f"({stop.best_epoch}): restore_best_weights=True does that.")
    else:
        keep = t(".", ".")
    return t(head.es + what.es + keep.es, head.en + what.en + keep.en)


def diagnose(curve: TrainingCurve) -> Diagnosis:
    """Read `curve` as the lessons teach: learning or not, over- or underfitting, and the early stop."""
    loss = _values(curve, "loss")
    judged = _values(curve, "val_metric") or _values(curve, "metric")
    falls = len(loss) >= 2 and loss[-1][1] < loss[0][1] - LOSS_DROP * abs(loss[0][1])
    final = judged[-1][1] if judged else None
    beats = final is not None and _better(final, curve.baseline, curve.higher_is_better)
    passes = final is not None and not _better(curve.threshold, final, curve.higher_is_better)
    learns = falls and beats
    over = overfitting_start(curve) if learns else None
    under = learns and not passes and over is None
    sentences: list[Text] = []
    shown = number(final, "es") if final is not None else "?"
    shown_en = number(final, "en") if final is not None else "?"
    base_es, base_en = number(curve.baseline, "es"), number(curve.baseline, "en")
    if not falls:
        sentences.append(t("El modelo no aprende: la pérdida de entrenamiento no baja.",
                           "The model does not learn: the training loss does not go down."))
    elif not beats:
        sentences.append(t(f"El modelo no aprende lo suficiente: su {curve.metric} ({shown}) no mejora la línea "
                           f"base ({base_es}), lo que logra un modelo que no aprende nada.",
                           f"The model does not learn enough: its {curve.metric} ({shown_en}) does not beat the "
                           f"baseline ({base_en}), what a model that learns nothing achieves."))
    else:
        sentences.append(t(f"El modelo aprende: la pérdida baja y su {curve.metric} ({shown}) mejora la línea "
                           f"base ({base_es}).", f"The model learns: the loss goes down and its {curve.metric} "
                           f"({shown_en}) beats the baseline ({base_en})."))
    if over is not None:
        sentences.append(t(f"Sobreajuste desde la época {over}: la pérdida de validación sube mientras la de "
                           "entrenamiento sigue bajando. Conviene quedarse con el modelo donde la pérdida de "
                           "validación es mínima (EarlyStopping), o añadir Dropout o regularización.",
                           f"Overfitting from epoch {over}: the validation loss rises while the training loss "
                           "keeps going down. Keep the model where the validation loss is at its minimum "
                           "(EarlyStopping), or add Dropout or regularization."))
    if under:
        sentences.append(t("Subajuste: el modelo aún no llega al umbral para aprobar y ambas pérdidas siguen "
                           "altas; prueba más capacidad (neuronas, capas) o más épocas.",
                           "Underfitting: the model does not reach the pass threshold yet and both losses stay "
                           "high; try more capacity (units, layers) or more epochs."))
    stop = early_stop(curve)
    if stop is not None:
        sentences.append(_stop_text(stop, len(curve.epochs)))
    return Diagnosis(learns=learns, beats_baseline=beats, passes=passes, overfitting_from=over, underfitting=under,
                     stop=stop, text=t(" ".join(s.es for s in sentences), " ".join(s.en for s in sentences)))
