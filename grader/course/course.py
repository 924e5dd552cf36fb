"""The course configuration: which exercises are assigned, when they open and close, attempts and late policy.

It lives in `exercises/course/course.yaml` (teachers edit it like the specs) and is validated with pydantic
against the catalog, so a typo in an exercise id or a deadline before the opening is refused at start-up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from grader.core.i18n import Text, t
from grader.core.specs.loader import DEFAULT_EXERCISES_DIR, Catalog, read_yaml

DEFAULT_COURSE_FILE = DEFAULT_EXERCISES_DIR / "course" / "course.yaml"


class LatePolicy(BaseModel):
    """Submissions after the deadline are accepted until `until`, their score multiplied by 1 - `penalty`."""

    model_config = ConfigDict(extra="forbid")

    until: datetime
    penalty: float = Field(ge=0, le=1)


Release = Literal["immediate", "after_deadline", "manual"]
Shown = Literal["score", "messages", "hints", "answers"]
EVERYTHING: tuple[Shown, ...] = ("score", "messages", "hints", "answers")


class FeedbackPolicy(BaseModel):
    """When students get the full feedback of an assignment, and what they see before that.

    `release`: `immediate` (on grading), `after_deadline` (once late submissions close, or earlier if the
    teacher releases) or `manual` (only when the teacher releases). Until then a student sees only the parts
    in `before_release`: the score, the per-check messages, the hints, the model answers. After release they
    see everything. Exams default to `manual` with the score only (each check right/wrong and its points):
    a message saying what was expected would hand out the answer key before the last attempt.
    """

    model_config = ConfigDict(extra="forbid")

    release: Release = "immediate"
    before_release: tuple[Shown, ...] = ("score", "messages")


EXAM_POLICY = FeedbackPolicy(release="manual", before_release=("score",))
OPEN_POLICY = FeedbackPolicy(release="immediate", before_release=EVERYTHING)


class Assignment(BaseModel):
    """One exercise as assigned in this course."""

    model_config = ConfigDict(extra="forbid")

    exercise: str
    opens_at: datetime
    due_at: datetime
    max_attempts: int | None = Field(default=None, ge=1, description="None: unlimited attempts.")
    late: LatePolicy | None = None
    exam: bool = Field(default=False, description="An exam: feedback defaults to manual release (see feedback).")
    feedback: FeedbackPolicy | None = Field(default=None, description="None: exams manual, the rest immediate.")
    time_limit_min: int | None = Field(default=None, ge=1, le=24 * 60,
                                       description="A timed exam: minutes from each student's start.")

    @property
    def feedback_policy(self) -> FeedbackPolicy:
        """The policy in force: the one written in the course file, else the default for exams or exercises."""
        if self.feedback is not None:
            return self.feedback
        return EXAM_POLICY if self.exam else OPEN_POLICY

    @field_validator("opens_at", "due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        """Times without a zone are read as UTC, so a YAML date never depends on the server's locale."""
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _order(self) -> Assignment:
        """Opening before deadline before the end of late submissions."""
        if self.due_at <= self.opens_at:
            raise ValueError(f"{self.exercise}: due_at must be after opens_at")
        if self.late is not None:
            if self.late.until.tzinfo is None:
                self.late.until = self.late.until.replace(tzinfo=UTC)
            if self.late.until <= self.due_at:
                raise ValueError(f"{self.exercise}: late.until must be after due_at")
        return self

    def closes_at(self) -> datetime:
        """The last moment a submission is accepted (late ones included)."""
        return self.late.until if self.late is not None else self.due_at

    def is_late(self, received_at: datetime) -> bool:
        """True when a submission received at `received_at` came after the deadline."""
        return received_at > self.due_at

    def late_factor(self, received_at: datetime) -> float:
        """What a submission's score is multiplied by: 1 on time, 1 - penalty when late."""
        if not self.is_late(received_at) or self.late is None:
            return 1.0
        return 1.0 - self.late.penalty

    def refusal(self, *, now: datetime, attempts_used: int) -> Text | None:
        """Why a new submission at `now` is refused, or None when it is accepted."""
        if now < self.opens_at:
            return t(f"Este ejercicio abre el {self.opens_at:%Y-%m-%d %H:%M} UTC.",
                     f"This exercise opens on {self.opens_at:%Y-%m-%d %H:%M} UTC.")
        if now > self.closes_at():
            return t(f"El plazo cerró el {self.closes_at():%Y-%m-%d %H:%M} UTC; ya no se aceptan entregas.",
                     f"The deadline passed on {self.closes_at():%Y-%m-%d %H:%M} UTC; no more submissions.")
        if self.max_attempts is not None and attempts_used >= self.max_attempts:
            if self.max_attempts == 1:
                return t("Ya usaste tu único intento.", "You have used your one attempt.")
            return t(f"Ya usaste tus {self.max_attempts} intentos.",
                     f"You have used all {self.max_attempts} attempts.")
        return None


class Course(BaseModel):
    """The whole course: a title and its assignments in the order students see them."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    grading_policy: str = Field(default="best", pattern="^(best|last)$")
    # IANA name of the zone deadlines and times are shown in (the course file's times keep their offsets).
    timezone: str = "UTC"
    assignments: list[Assignment]
    # The course offering this copy is taught in (see `in_offering`); None: the deployment's default one. Not
    # a field: the course file describes the course, the database its offerings.
    _offering_id: int | None = PrivateAttr(default=None)

    @property
    def offering_id(self) -> int | None:
        """The offering whose data this course reads and writes; None means the default offering."""
        return self._offering_id

    def in_offering(self, offering_id: int) -> Course:
        """This course as taught in offering `offering_id`: every query given it is scoped to that offering."""
        copy = self.model_copy()
        copy._offering_id = offering_id
        return copy

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """Refuse a zone name the system's tz database does not know, naming an example that works."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Madrid") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The course's time zone."""
        return ZoneInfo(self.timezone)

    def get(self, exercise_id: str) -> Assignment | None:
        """The assignment of `exercise_id`, or None when it is not part of the course."""
        return next((a for a in self.assignments if a.exercise == exercise_id), None)


class CourseError(ValueError):
    """The course file is missing, not YAML, or does not match the model or the catalog."""


def load_course(path: Path = DEFAULT_COURSE_FILE, *, catalog: Catalog) -> Course:
    """Read and validate the course file; every assigned exercise must exist in `catalog`."""
    try:
        raw = read_yaml(path)
    except OSError as exc:
        raise CourseError(f"{path}: cannot read the course file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise CourseError(f"{path}: not valid YAML: {exc}") from exc
    try:
        course = Course.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CourseError(f"{path}: {problems}") from exc
    unknown = [a.exercise for a in course.assignments if a.exercise not in catalog.specs]
    if unknown:
        raise CourseError(f"{path}: unknown exercises {', '.join(unknown)} (see `grader exercises list`)")
    return course
