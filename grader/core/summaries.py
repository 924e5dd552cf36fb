"""Small, stored pictures-to-be of a grading: the student's model layer by layer and the trusted training's curves.

They travel in `GradeResult` (a few hundred bytes per model, a few numbers per epoch) so the feedback can draw
the network and the learning curves later, anywhere (web pages, the API, the CLI's feedback files), without
TensorFlow and without grading again. They are facts, not judgements: the checks decide the points.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Summary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerSummary(_Summary):
    """One layer as the drawing shows it (InputLayer excluded)."""

    class_name: str
    name: str
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    output_shape: list[int | None] | None = None
    params: int = 0
    trainable: bool = True


class ModelSummary(_Summary):
    """A graded model variable: its input shape and layers, with the parameter counts Keras gives."""

    variable: str
    class_name: str
    input_shape: list[int | None] | None = None
    output_shape: list[int | None] | None = None
    params: int | None = None
    layers: list[LayerSummary] = Field(default_factory=list)


class EpochPoint(_Summary):
    """One epoch of the trusted training: losses and the exercise's metric on training and validation data."""

    epoch: int  # 1-based, as Keras prints it
    loss: float | None = None
    val_loss: float | None = None
    metric: float | None = None
    val_metric: float | None = None


class EarlyStoppingSettings(_Summary):
    """The student's EarlyStopping callback, as far as the diagnosis needs it (Keras' defaults otherwise)."""

    monitor: str = "val_loss"
    patience: int = 0
    min_delta: float = 0.0
    mode: str = "auto"
    restore_best_weights: bool = False
    start_from_epoch: int = 0


class TrainingCurve(_Summary):
    """The trusted brief training, epoch by epoch, with the baseline it was judged against."""

    metric: str  # accuracy, mae or mse
    higher_is_better: bool
    baseline: float
    threshold: float
    epochs: list[EpochPoint] = Field(default_factory=list)
    early_stopping: EarlyStoppingSettings | None = None
