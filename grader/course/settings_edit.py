"""Teachers changing assignment settings, per-student extensions, and students starting a timed exam.

Every change adds a row (see grader.course.settings), so the rows are the audit trail: who changed what, when,
from which value to which. A change is validated as a whole assignment (opening before deadline before the end
of late submissions) and refused with a message saying what to fix. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.core.i18n import Refused, t
from grader.course.course import Assignment, Course, LatePolicy
from grader.course.settings import EPOCH, load_rules
from grader.db.lti import score_changed
from grader.db.models import utcnow
from grader.db.offerings import scope
from grader.db.settings_models import AssignmentSetting, ExamStart, Extension

# What a teacher may change, as the settings row names it.
FIELDS = ("opens_at", "due_at", "max_attempts", "release", "late_until", "late_penalty", "time_limit_min")


class SettingsRefused(Refused):
    """A settings change that cannot be recorded; `message` says why and what to do."""


def _values(assignment: Assignment) -> dict[str, Any]:
    """An assignment's settings as row values."""
    return {"opens_at": assignment.opens_at, "due_at": assignment.due_at, "max_attempts": assignment.max_attempts,
            "release": assignment.feedback_policy.release, "time_limit_min": assignment.time_limit_min,
            "late_until": assignment.late.until if assignment.late else None,
            "late_penalty": assignment.late.penalty if assignment.late else None}


def _validated(base: Assignment, values: dict[str, Any]) -> Assignment:
    """`base` with `values`, validated as a whole; SettingsRefused naming the problem otherwise."""
    late = None
    if values["late_until"] is not None:
        late = LatePolicy(until=values["late_until"], penalty=values["late_penalty"] or 0.0)
    data = {**base.model_dump(), "opens_at": values["opens_at"], "due_at": values["due_at"], "late": late,
            "max_attempts": values["max_attempts"], "time_limit_min": values["time_limit_min"],
            "feedback": {**base.feedback_policy.model_dump(), "release": values["release"]}}
    try:
        return Assignment.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsRefused(t(f"Ajustes no válidos: {problems}", f"Invalid settings: {problems}")) from None


def save_settings(session: Session, *, course: Course, exercise: str, teacher: str, changes: dict[str, Any],
                  now: datetime | None = None) -> Assignment:
    """Apply `changes` (keys from FIELDS) to `exercise`'s settings in force, as `teacher`; returns the new
    assignment. The first change of an exercise records the course file's values first, so the trail starts
    from what students had. KeyError when the exercise is not assigned; SettingsRefused for bad values.
    Rows go to the course's offering; the LMS is told again the scores of its launched students (a deadline,
    attempts or release change can move a counting score or its grading progress)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise SettingsRefused(t(f"Campos desconocidos: {', '.join(sorted(unknown))}",
                                f"Unknown fields: {', '.join(sorted(unknown))}"))
    base = course.get(exercise)
    if base is None:
        raise KeyError(exercise)
    moment = now or utcnow()
    offering = scope(session, course.offering_id)
    rules = load_rules(session, course=course, exercises=[exercise], student_ids=[], now=moment)
    current = rules.assignment(exercise, at=moment) or base
    if not rules.settings.get(exercise):
        session.add(AssignmentSetting(offering_id=offering, exercise=exercise, teacher="course.yaml", created_at=EPOCH,
                                      **_values(base)))
    values = {**_values(current), **changes}
    if values["late_until"] is None:
        values["late_penalty"] = None
    assignment = _validated(base, values)
    session.add(AssignmentSetting(offering_id=offering, exercise=exercise, teacher=teacher, created_at=moment,
                                  **_values(assignment)))
    session.flush()
    score_changed(session, exercise_slug=exercise, offering_id=offering)
    return assignment


@dataclass(frozen=True)
class Change:
    """One line of the audit trail: a setting's value before and after a teacher's change."""

    at: datetime
    teacher: str
    field: str
    before: Any
    after: Any


def history(session: Session, *, exercise: str, offering_id: int | None = None) -> list[Change]:
    """Every change of `exercise`'s settings in `offering_id` (None: the default offering), newest first (the
    course file's first values are not changes)."""
    rows = list(session.scalars(select(AssignmentSetting).where(AssignmentSetting.exercise == exercise,
                                                                AssignmentSetting.offering_id == scope(session,
                                                                                                       offering_id))
                                .order_by(AssignmentSetting.created_at, AssignmentSetting.id)))
    out = [Change(at=new.created_at, teacher=new.teacher, field=name, before=getattr(old, name),
                  after=getattr(new, name))
           for old, new in pairwise(rows) for name in FIELDS
           if getattr(old, name) != getattr(new, name)]
    return out[::-1]


def extension_history(session: Session, *, exercise: str, offering_id: int | None = None) -> list[Extension]:
    """Every extension given or removed on `exercise` in `offering_id`, newest first (who and when)."""
    return list(session.scalars(select(Extension).where(Extension.exercise == exercise,
                                                        Extension.offering_id == scope(session, offering_id))
                                .order_by(Extension.created_at.desc(), Extension.id.desc())))


def set_extension(session: Session, *, course: Course, exercise: str, student_id: int, teacher: str,
                  due_at: datetime | None, max_attempts: int | None, now: datetime | None = None) -> Extension:
    """Give `student_id` their own deadline and/or attempts on `exercise` in the course's offering (replacing any
    earlier one); their score goes to the LMS again (the deadline may make a late try count in full)."""
    if course.get(exercise) is None:
        raise KeyError(exercise)
    if due_at is None and max_attempts is None:
        raise SettingsRefused(t("Indica una fecha límite o un número de intentos para la prórroga.",
                                "Give the extension a deadline or a number of attempts."))
    if due_at is not None and due_at.tzinfo is None:
        raise SettingsRefused(t("La fecha necesita su zona horaria (por ejemplo 2027-01-31T23:59:00+01:00).",
                                "The date needs its time zone (for example 2027-01-31T23:59:00+01:00)."))
    if max_attempts is not None and max_attempts < 1:
        raise SettingsRefused(t("Los intentos deben ser al menos 1.", "Attempts must be at least 1."))
    offering = scope(session, course.offering_id)
    row = Extension(offering_id=offering, exercise=exercise, student_id=student_id, due_at=due_at,
                    max_attempts=max_attempts, removed=False, teacher=teacher, created_at=now or utcnow())
    session.add(row)
    session.flush()
    score_changed(session, exercise_slug=exercise, offering_id=offering, student_id=student_id)
    return row


def remove_extension(session: Session, *, exercise: str, student_id: int, teacher: str,
                     now: datetime | None = None, offering_id: int | None = None) -> Extension:
    """End `student_id`'s extension on `exercise` in `offering_id` (None: the default offering), recorded like
    every change; their score goes to the LMS again."""
    offering = scope(session, offering_id)
    row = Extension(offering_id=offering, exercise=exercise, student_id=student_id, due_at=None, max_attempts=None,
                    removed=True, teacher=teacher, created_at=now or utcnow())
    session.add(row)
    session.flush()
    score_changed(session, exercise_slug=exercise, offering_id=offering, student_id=student_id)
    return row


def extensions_in_force(session: Session, *, exercise: str, offering_id: int | None = None) -> dict[int, Extension]:
    """The extension in force per student id on `exercise` in `offering_id` (removed ones left out)."""
    newest: dict[int, Extension] = {}
    for row in session.scalars(select(Extension).where(Extension.exercise == exercise,
                                                       Extension.offering_id == scope(session, offering_id))
                               .order_by(Extension.created_at, Extension.id)):
        newest[row.student_id] = row
    return {sid: row for sid, row in newest.items() if not row.removed}


def start_exam(session: Session, *, exercise: str, student_id: int, now: datetime | None = None,
               offering_id: int | None = None) -> datetime:
    """Start `student_id`'s clock on timed exam `exercise` in `offering_id`; a second press keeps the first
    start."""
    offering = scope(session, offering_id)
    found = session.scalar(select(ExamStart).where(ExamStart.exercise == exercise, ExamStart.offering_id == offering,
                                                   ExamStart.student_id == student_id))
    if found is not None:
        return found.started_at
    row = ExamStart(offering_id=offering, exercise=exercise, student_id=student_id, started_at=now or utcnow())
    session.add(row)
    session.flush()
    return row.started_at
