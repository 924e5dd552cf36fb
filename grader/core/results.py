"""Typed results of grading: per check, per submission. Stored as JSON, printed by the CLI."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.core.i18n import Lang, Text
from grader.core.summaries import ModelSummary, TrainingCurve

Status = Literal["graded", "error"]


class CheckResult(BaseModel):
    """The outcome of one check: points earned out of `max_points`, with an explained message and a hint."""

    model_config = ConfigDict(extra="forbid")

    id: str
    passed: bool
    points: float
    max_points: float
    message: Text
    hint: Text | None = None
    needs_review: bool = Field(default=False, description="Suggested points only: a teacher must decide.")
    # The model answer (a question's explanation, the rubric ideas the student missed), kept out of `message`
    # so that a release policy can withhold it (exams) while the message still says what was wrong.
    answer: Text | None = None
    # The student's own answer to a free-text question, as graded (capped), so a teacher reviews it beside the
    # rubric without opening the file; None for code checks and other kinds of question.
    response: str | None = None

    def to_public(self, lang: Lang = "es") -> dict[str, object]:
        """The CLI/JSON-lines shape of this result in one language."""
        return {
            "id": self.id,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message.get(lang),
            # The model answer the student's feedback may withhold (release policy); the CLI is the teacher's.
            "answer": self.answer.get(lang) if self.answer is not None else None,
        }


class GradeResult(BaseModel):
    """The result of grading one submission against one exercise version.

    `status == "error"` means the submission could not be graded at all (bad file, crash before the model
    existed, time-out); `error` then says why, specifically, and `score` is 0.
    """

    model_config = ConfigDict(extra="forbid")

    status: Status
    score: float = 0.0
    max_score: float = 0.0
    checks: list[CheckResult] = Field(default_factory=list)
    error: Text | None = None
    notes: list[Text] = Field(default_factory=list)
    logs: str = ""
    duration_s: float = 0.0
    # False when the submission was not run and judged on its merits (refused before running: not UTF-8,
    # a syntax error, over a size cap; or the grader itself failed): such a try does not use an attempt.
    judged: bool = True
    # What the feedback draws: each graded model's layers, and the trusted training's curves (when trained).
    models: list[ModelSummary] = Field(default_factory=list)
    training: TrainingCurve | None = None

    @classmethod
    def failed(cls, error: Text, *, max_score: float, notes: list[Text] | None = None, logs: str = "",
               started: float | None = None) -> GradeResult:
        """An ungradeable submission's result: 0 of the exercise's `max_score`, with why (and, given the
        `time.monotonic()` it `started` at, how long that took)."""
        duration = round(time.monotonic() - started, 3) if started is not None else 0.0
        return cls(status="error", error=error, max_score=max_score, notes=notes or [], logs=logs,
                   duration_s=duration)

    @property
    def is_full_marks(self) -> bool:
        """True when every point was earned (and there were points to earn)."""
        return self.status == "graded" and self.max_score > 0 and self.score >= self.max_score - 1e-9

    @property
    def needs_review(self) -> bool:
        """True when some points are only suggested and wait for a teacher's decision."""
        return any(c.needs_review for c in self.checks)

    def note_texts(self, lang: Lang = "es") -> list[str]:
        """The notes in one language, in order (what every output shows next to the checks)."""
        return [note.get(lang) for note in self.notes]

    def failed_check_ids(self) -> list[str]:
        """Ids of the checks that did not pass, in spec order."""
        return [c.id for c in self.checks if not c.passed]
