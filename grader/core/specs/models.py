"""The pydantic models of an exercise spec.

A spec says what the student must write, what the grader checks (each check's `type` names a kind in the
check registry, which validates the check's `params`), the points, the bilingual feedback and hints, the
brief training, and where the reference solution and known-wrong examples are kept. Reference material
lives beside the spec but is never given to the sandbox or shown to students.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.core.i18n import Text
from grader.core.questions.models import Question, VariantSpec

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StarterSpec(_Spec):
    """What is in the student's namespace before their code runs (shown to students: nothing secret)."""

    code: str = ""
    data: str | None = Field(
        default=None,
        description="Name of a data set in grader.engine.datasets whose arrays are bound as X_train, y_train, "
        "X_valid, y_valid (and any extra arrays the data set defines).",
    )


class LimitsSpec(_Spec):
    """Resource limits for running one submission."""

    timeout_s: float = Field(default=90.0, gt=0, le=600)
    cpu_s: int = Field(default=120, gt=0, le=1200)
    memory_mb: int = Field(default=6144, ge=2048, le=16384)
    max_output_kb: int = Field(default=1024, gt=0, le=16384)


class CheckSpec(_Spec):
    """One graded check. `params` is validated by the registered kind named by `type`."""

    id: str
    type: str
    points: float = Field(gt=0)
    params: dict[str, Any] = Field(default_factory=dict)
    title: Text | None = None
    feedback: Text | None = Field(
        default=None, description="Shown before the kind's own (specific) failure message when the check fails."
    )
    hint: Text | None = None

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("check ids are lowercase words joined by hyphens, e.g. 'hidden-layers'")
        return value


class TrainingSpec(_Spec):
    """Brief, seeded training of the student's rebuilt model on the exercise's data, against a baseline.

    `baseline` is what a model that learnt nothing scores: the majority class (classification) or always
    predicting the training mean (regression, metric mae or mse). The model passes when it beats the baseline
    by `margin` (accuracy, higher is better) or reaches at most `ratio` times the baseline (errors).
    """

    variable: str = "model"
    dataset: str
    epochs: int = Field(default=10, ge=1, le=200)
    batch_size: int = Field(default=32, ge=1, le=4096)
    seed: int = 0
    max_rows: int | None = Field(default=None, ge=16)
    compile: dict[str, Any] | None = Field(
        default=None, description="Used when the student's model is not compiled (e.g. {optimizer: adam, loss: mse})."
    )
    metric: Literal["accuracy", "mae", "mse"]
    baseline: Literal["majority", "mean"]
    margin: float = Field(default=0.05, ge=0, le=1)
    ratio: float = Field(default=0.9, gt=0, le=1)


class WrongExample(_Spec):
    """A known-wrong submission kept beside the reference: it must fail the named checks."""

    file: str
    fails: list[str] = Field(min_length=1)
    message_contains: str | None = Field(
        default=None, description="Spanish text that the first failing check's message must contain."
    )


class ReferenceSpec(_Spec):
    """Reference solution and known-wrong examples, relative to exercises/solutions/.

    For exercises with per-student variants, the examples answer the variant of `student`.
    """

    solution: str
    wrong: list[WrongExample] = Field(min_length=3)
    student: str = "reference"


class ExerciseSpec(_Spec):
    """A complete exercise."""

    id: str
    title: Text
    statement: Text
    source: str = Field(description="Where in ../shared/course/ the exercise comes from.")
    starter: StarterSpec = StarterSpec()
    grade: list[str] = Field(default_factory=list, description="Variables extracted from the student's namespace.")
    checks: list[CheckSpec] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    variants: dict[str, VariantSpec] = Field(default_factory=dict)
    training: TrainingSpec | None = None
    limits: LimitsSpec = LimitsSpec()
    exact_names: bool = Field(
        default=False, description="Grade only the names in `grade`: without it, a missing model-like name takes "
        "the one Keras model the student made under another name (with a note).")
    reference: ReferenceSpec

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("exercise ids are lowercase words joined by hyphens, e.g. 'dnn-linear-unit'")
        return value

    @field_validator("grade")
    @classmethod
    def _identifiers(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _IDENT.match(name):
                raise ValueError(f"{name!r} is not a Python variable name")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ExerciseSpec:
        if not self.checks and not self.questions:
            raise ValueError("an exercise needs checks, questions, or both")
        if self.checks and not self.grade:
            raise ValueError("code checks need the graded variables listed in grade")
        ids = [c.id for c in self.checks] + [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate check/question ids: {', '.join(dupes)}")
        if self.training and self.training.variable not in self.grade:
            raise ValueError(f"training.variable {self.training.variable!r} is not listed in grade")
        for wrong in self.reference.wrong:
            unknown = [f for f in wrong.fails if f not in ids]
            if unknown:
                raise ValueError(f"reference.wrong {wrong.file!r} names unknown checks: {', '.join(unknown)}")
        return self

    @property
    def max_score(self) -> float:
        """Total points of the exercise (code checks and questions)."""
        return sum(c.points for c in self.checks) + sum(q.points for q in self.questions)

    def item_title(self, item_id: str) -> Text:
        """The title of check or question `item_id` as people read it; its id when the spec gives none."""
        for item in [*self.checks, *self.questions]:
            if item.id == item_id and item.title is not None:
                return item.title
        return Text(es=item_id, en=item_id)

    @property
    def answer_variables(self) -> list[str]:
        """Variables a .py/.ipynb submission assigns to answer the questions (hyphens as underscores)."""
        return [q.variable for q in self.questions]

    def spec_hash(self) -> str:
        """A stable hash of the spec's content: a new hash is a new version for storage and result reuse."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
