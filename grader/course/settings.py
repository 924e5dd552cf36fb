"""The assignment settings in force: the course file's values, then what teachers set in the browser or the API.

Settings rows (`AssignmentSetting`) are whole snapshots, only ever added; the row in force at a moment is the
newest created by then, and the course file gives the values before any row. A per-student `Extension` moves
that student's deadline and attempts the same way. So a change applies to what counts from then on: a
submission is judged (late or not, within its time or not) by the settings in force when it arrived.
`Rules` reads all of it for a set of exercises in a fixed number of queries.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.core.i18n import Text, t
from grader.course.course import Assignment, Course, LatePolicy
from grader.course.release import ReleaseState, release_states
from grader.db.models import utcnow
from grader.db.offerings import scope
from grader.db.settings_models import AssignmentSetting, ExamStart, Extension

_R = TypeVar("_R", AssignmentSetting, Extension)
# When the course file's values start being in force: before any submission.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def apply_row(base: Assignment, row: AssignmentSetting) -> Assignment:
    """`base` with the values of settings snapshot `row` (what is not a setting, like `exam`, stays)."""
    late = (LatePolicy(until=row.late_until, penalty=row.late_penalty)
            if row.late_until is not None and row.late_penalty is not None else None)
    feedback = base.feedback_policy.model_copy(update={"release": row.release})
    return base.model_copy(update={"opens_at": row.opens_at, "due_at": row.due_at, "late": late,
                                   "max_attempts": row.max_attempts, "feedback": feedback,
                                   "time_limit_min": row.time_limit_min})


def apply_extension(base: Assignment, ext: Extension | None) -> Assignment:
    """`base` as one student's extension `ext` changes it (None, or a removal: unchanged). A late period
    that would end before the extended deadline is dropped: the extension is the new last moment."""
    if ext is None or ext.removed:
        return base
    update: dict[str, object] = {}
    if ext.max_attempts is not None:
        update["max_attempts"] = ext.max_attempts
    if ext.due_at is not None:
        update["due_at"] = max(ext.due_at, base.opens_at + timedelta(minutes=1))
        if base.late is not None and base.late.until <= ext.due_at:
            update["late"] = None
    return base.model_copy(update=update)


def _in_force(rows: list[_R], moment: datetime) -> _R | None:
    """The newest of `rows` (oldest first) created at or before `moment`."""
    index = bisect.bisect_right([r.created_at for r in rows], moment)
    return rows[index - 1] if index else None


@dataclass
class Rules:
    """What decides whether attempts count, for some exercises: settings history, extensions, exam starts and
    the release of each exercise's feedback."""

    course: Course
    settings: dict[str, list[AssignmentSetting]] = field(default_factory=dict)
    extensions: dict[tuple[str, int], list[Extension]] = field(default_factory=dict)
    starts: dict[tuple[str, int], datetime] = field(default_factory=dict)
    releases: dict[str, ReleaseState] = field(default_factory=dict)

    def assignment(self, exercise: str, *, at: datetime, student_id: int | None = None) -> Assignment | None:
        """The assignment of `exercise` as it stood at `at` (for `student_id`, with their extension)."""
        base = self.course.get(exercise)
        if base is None:
            return None
        row = _in_force(self.settings.get(exercise, []), at)
        current = apply_row(base, row) if row is not None else base
        if student_id is None:
            return current
        return apply_extension(current, _in_force(self.extensions.get((exercise, student_id), []), at))

    def started_at(self, exercise: str, student_id: int) -> datetime | None:
        """When `student_id` started timed exam `exercise` (None: not yet)."""
        return self.starts.get((exercise, student_id))

    def time_left(self, exercise: str, student_id: int, *, now: datetime) -> timedelta | None:
        """Time left on a started timed exam (never negative); None when it is not timed or not started."""
        assignment = self.assignment(exercise, at=now, student_id=student_id)
        start = self.started_at(exercise, student_id)
        if assignment is None or assignment.time_limit_min is None or start is None:
            return None
        return max(start + timedelta(minutes=assignment.time_limit_min) - now, timedelta(0))

    def void(self, exercise: str, student_id: int, received_at: datetime) -> str:
        """Why an attempt received at `received_at` cannot count ("" when it can): "released" after the
        answers were released, "time_limit" outside the student's time on a timed exam."""
        release = self.releases.get(exercise)
        if release is not None and not release.counts(received_at):
            return "released"
        assignment = self.assignment(exercise, at=received_at, student_id=student_id)
        if assignment is not None and assignment.time_limit_min is not None:
            start = self.started_at(exercise, student_id)
            if start is None or received_at > start + timedelta(minutes=assignment.time_limit_min):
                return "time_limit"
        return ""

    def course_at(self, moment: datetime) -> Course:
        """The whole course with the settings in force at `moment` (no student's extension)."""
        assignments = [self.assignment(a.exercise, at=moment) or a for a in self.course.assignments]
        return self.course.model_copy(update={"assignments": assignments})


def load_rules(session: Session, *, course: Course, exercises: Iterable[str] | None = None,
               student_ids: Iterable[int] | None = None, now: datetime | None = None) -> Rules:
    """The rules of `exercises` (default: all) for `student_ids` (default: everyone) in the course's offering:
    five queries."""
    slugs = list(exercises) if exercises is not None else [a.exercise for a in course.assignments]
    ids = list(student_ids) if student_ids is not None else None
    offering = scope(session, course.offering_id)
    rules = Rules(course=course)
    for row in session.scalars(select(AssignmentSetting).where(AssignmentSetting.exercise.in_(slugs),
                                                               AssignmentSetting.offering_id == offering)
                               .order_by(AssignmentSetting.created_at, AssignmentSetting.id)):
        rules.settings.setdefault(row.exercise, []).append(row)
    extensions = select(Extension).where(Extension.exercise.in_(slugs), Extension.offering_id == offering)
    starts = select(ExamStart).where(ExamStart.exercise.in_(slugs), ExamStart.offering_id == offering)
    if ids is not None:
        extensions = extensions.where(Extension.student_id.in_(ids))
        starts = starts.where(ExamStart.student_id.in_(ids))
    for ext in session.scalars(extensions.order_by(Extension.created_at, Extension.id)):
        rules.extensions.setdefault((ext.exercise, ext.student_id), []).append(ext)
    rules.starts = {(s.exercise, s.student_id): s.started_at for s in session.scalars(starts)}
    rules.releases = release_states(session, course=rules.course_at(now or utcnow()), now=now)
    return rules


def timed_refusal(left: timedelta | None) -> Text | None:
    """Why a timed exam refuses a submission: not started (`left` None) or out of time; None within time."""
    if left is None:
        return t("Este examen tiene tiempo límite: pulsa «Empezar» en su página antes de responder.",
                 "This exam is timed: press \"Start\" on its page before answering.")
    if left <= timedelta(0):
        return t("Se acabó tu tiempo para este examen: ya no se aceptan entregas.",
                 "Your time for this exam is over: no more submissions are accepted.")
    return None


def effective_course(session: Session, *, course: Course, now: datetime | None = None) -> Course:
    """`course` with the settings in force now in its offering (one query)."""
    moment = now or utcnow()
    rules = Rules(course=course)
    offering = scope(session, course.offering_id)
    for row in session.scalars(select(AssignmentSetting).where(AssignmentSetting.offering_id == offering)
                               .order_by(AssignmentSetting.created_at, AssignmentSetting.id)):
        rules.settings.setdefault(row.exercise, []).append(row)
    return rules.course_at(moment)
