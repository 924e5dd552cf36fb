"""The pydantic models of questions inside an exercise spec.

A question's prompt may use `{name}` placeholders filled from the student's variant; a numeric or shape
answer may be an arithmetic expression over the same names (e.g. `gradient * learning_rate`), so the
expected answer always follows the variant the student saw.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.core.i18n import Text

_QID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

Number = int | float


class _Q(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariantSpec(_Q):
    """How one variant parameter is drawn: from `choices`, or an evenly spaced `range` [low, high, step]."""

    choices: list[Number | str] | None = None
    range: tuple[Number, Number, Number] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> VariantSpec:
        if (self.choices is None) == (self.range is None):
            raise ValueError("give exactly one of choices or range")
        if self.range is not None and (self.range[2] <= 0 or self.range[1] < self.range[0]):
            raise ValueError("range is [low, high, step] with low <= high and step > 0")
        return self


class QuestionBase(_Q):
    """Fields every question has."""

    id: str
    points: float = Field(gt=0)
    # A short name students and teachers read instead of the id ("Neuronas de salida"); the JSON keeps ids.
    title: Text | None = None
    prompt: Text
    hint: Text | None = None
    explanation: Text | None = Field(default=None, description="Shown after grading when the answer is wrong.")

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not _QID.match(value):
            raise ValueError("question ids are lowercase words joined by hyphens, e.g. 'input-shape'")
        return value

    @property
    def variable(self) -> str:
        """The Python variable a .py/.ipynb submission assigns for this question."""
        return self.id.replace("-", "_")


class Option(_Q):
    """One option of a multiple-choice question."""

    id: str
    text: Text
    correct: bool = False
    feedback: Text | None = Field(default=None, description="Shown when this wrong option is picked.")


class ChoiceQuestion(QuestionBase):
    """One or several correct options; shown shuffled per student and labelled a, b, c... in that order.

    Partial credit: `all_or_nothing`, or `proportional` = (right picks - wrong picks) / correct options,
    never below zero.
    """

    kind: Literal["choice"] = "choice"
    options: list[Option] = Field(min_length=2)
    multiple: bool = False
    shuffle: bool = True
    partial: Literal["all_or_nothing", "proportional"] = "all_or_nothing"

    @model_validator(mode="after")
    def _consistent(self) -> ChoiceQuestion:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("option ids must be unique")
        correct = sum(o.correct for o in self.options)
        if correct == 0 or (not self.multiple and correct != 1):
            raise ValueError("a single-answer question needs exactly one correct option; multiple needs >= 1")
        return self


class NumericQuestion(QuestionBase):
    """A number, compared with absolute and relative tolerance; `units` are stripped from the answer."""

    kind: Literal["numeric"] = "numeric"
    answer: Number | str
    abs_tol: float = Field(default=0.0, ge=0)
    rel_tol: float = Field(default=1e-6, ge=0)
    units: list[str] = Field(default_factory=list)

    @field_validator("units")
    @classmethod
    def _no_percent(cls, value: list[str]) -> list[str]:
        if any(u.strip() == "%" for u in value):
            raise ValueError("'%' is always understood (89,7 % is 0.897); listing it as a unit would turn that off")
        return value


class ShapeQuestion(QuestionBase):
    """A tensor shape such as (150, 150, 3); each dimension may be an expression over the variant."""

    kind: Literal["shape"] = "shape"
    answer: list[int | str] = Field(min_length=1)


class Idea(_Q):
    """One expected idea of a free-text answer: any of its keywords (es or en, accents ignored) counts."""

    id: str
    weight: float = Field(default=1.0, gt=0)
    description: Text
    keywords: list[str] = Field(min_length=1)


class TextQuestion(QuestionBase):
    """Free text: the rubric suggests a score and the answer is marked for the teacher's review."""

    kind: Literal["text"] = "text"
    rubric: list[Idea] = Field(min_length=1)
    review: bool = True


Question = Annotated[ChoiceQuestion | NumericQuestion | ShapeQuestion | TextQuestion, Field(discriminator="kind")]
