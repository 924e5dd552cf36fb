"""Plain-data facts about what a submission produced: the only things checks ever look at.

The sandbox sends JSON out; the trusted inspector turns it into these objects (rebuilding Keras models in
safe mode to read shapes and parameter counts). Checks are pure functions of these facts, so they can be
tested without TensorFlow and can never be fooled by a live object the student controls.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.core.i18n import Text
from grader.core.summaries import EpochPoint, LayerSummary, ModelSummary

Scalar = float | int | str | bool | None


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegularizerFacts(_Facts):
    """A kernel/bias/activity regularizer, reduced to its class and factors."""

    class_name: str
    l1: float = 0.0
    l2: float = 0.0


class LayerFacts(_Facts):
    """One layer of a rebuilt model (InputLayer excluded)."""

    class_name: str
    name: str
    units: int | None = None
    activation: str | None = None
    rate: float | None = None
    output_shape: list[int | None] | None = None
    params: int = 0
    trainable_params: int = 0
    trainable: bool = True
    kernel_regularizer: RegularizerFacts | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class CompileFacts(_Facts):
    """What `model.compile` was given, normalised (loss function name, optimizer class, metric names)."""

    optimizer: str | None = None
    learning_rate: float | None = None
    loss: str | None = None
    loss_raw: str | None = None
    from_logits: bool = False
    metrics: list[str] = Field(default_factory=list)


class ModelFacts(_Facts):
    """A Keras model as the trusted side rebuilt it from the student's JSON config."""

    kind: Literal["model"] = "model"
    class_name: str
    built: bool
    input_shape: list[int | None] | None = None
    output_shape: list[int | None] | None = None
    params: int | None = None
    trainable_params: int | None = None
    layers: list[LayerFacts] = Field(default_factory=list)
    compile: CompileFacts | None = None

    def summary(self, variable: str) -> ModelSummary:
        """What the feedback draws of this model (the layers' configs are left out: they can be large).

        It lives here, not in grader.core.summaries, so that facts depend on summaries and never the reverse."""
        return ModelSummary(variable=variable, class_name=self.class_name, input_shape=self.input_shape,
                            output_shape=self.output_shape, params=self.params,
                            layers=[LayerSummary(class_name=layer.class_name, name=layer.name, units=layer.units,
                                                 activation=layer.activation, rate=layer.rate,
                                                 output_shape=layer.output_shape, params=layer.params,
                                                 trainable=layer.trainable) for layer in self.layers])


class CallbackFacts(_Facts):
    """A Keras callback: its class and the attributes graders read (monitor, patience, |min_delta|...)."""

    kind: Literal["callback"] = "callback"
    class_name: str
    attrs: dict[str, Scalar] = Field(default_factory=dict)


class ValueFacts(_Facts):
    """A plain JSON value the student assigned (numbers, strings, lists): answers to questions."""

    kind: Literal["value"] = "value"
    value: Any = None


class MissingFacts(_Facts):
    """The variable does not exist after the student's code ran.

    `stopped` is True when the student's code raised before (re)defining it, False when it ran to the end
    without defining it, None when the sandbox did not say (then a recorded `student_error` is the cause).
    """

    kind: Literal["missing"] = "missing"
    stopped: bool | None = None


class RefusedFacts(_Facts):
    """The variable exists but cannot be graded: wrong type, unsafe config, model that cannot be rebuilt."""

    kind: Literal["refused"] = "refused"
    reason: Text


VariableFacts = Annotated[
    ModelFacts | CallbackFacts | ValueFacts | MissingFacts | RefusedFacts, Field(discriminator="kind")
]


class FitCallFacts(_Facts):
    """One call of `model.fit` as the sandbox recorded it (the call itself ran only briefly)."""

    model_variable: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    validation_split: float | None = None
    has_validation_data: bool = False
    steps_per_epoch: int | None = None
    x_shape: list[int | None] | None = None
    y_shape: list[int | None] | None = None
    callbacks: list[CallbackFacts] = Field(default_factory=list)


class StudentError(_Facts):
    """An exception raised by the student's code, located in their own source."""

    type: str
    message: str
    line: int | None = None
    location: str | None = None
    # True when the notebook went on with its next cells after this one raised (Jupyter's "run all" with
    # errors allowed), False when a later exit stopped it; None for a script (it stopped here).
    continued: bool | None = None
    where: Text | None = Field(default=None, description="`line` as the student finds it (set on the host).")


class TrainingOutcome(_Facts):
    """The trusted side's brief training of a rebuilt model on the exercise's data, against a baseline."""

    variable: str
    metric: str
    value: float | None = None
    baseline: float
    threshold: float
    higher_is_better: bool
    passed: bool
    epochs: int
    error: Text | None = None
    # Compile settings trained with the statement's choice in place of the student's (which their own check
    # judges): setting ("optimizer", "loss") -> (the student's, the one used), canonical names.
    replaced: dict[str, tuple[str, str]] = Field(default_factory=dict)
    # Epoch by epoch (empty when the training failed): what the feedback draws, rounded to 4 significant digits.
    history: list[EpochPoint] = Field(default_factory=list)
    # The epoch `value` was reached at when it is not the last one: the network's best validation value is what
    # is judged, as EarlyStopping(restore_best_weights=True) keeps it (a noisy last epoch is no verdict).
    best_epoch: int | None = None


class Evidence(_Facts):
    """Everything the checks may look at for one submission."""

    variables: dict[str, VariableFacts] = Field(default_factory=dict)
    fit_calls: list[FitCallFacts] = Field(default_factory=list)
    # Every callback the student's code created, passed to fit or not (graded when fit was never called).
    callbacks_made: list[CallbackFacts] = Field(default_factory=list)
    training: TrainingOutcome | None = None
    student_error: StudentError | None = None
    notes: list[Text] = Field(default_factory=list)
    answers: dict[str, Any] = Field(default_factory=dict, description="Question id -> the student's answer.")
