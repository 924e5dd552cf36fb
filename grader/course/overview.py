"""The teacher's landing page: what is open, what is due soon, what waits for review, what just arrived.

Three queries whatever the class size: the pending reviews (grader/db/review.py), the submissions per
exercise, and the newest submissions with their students.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.specs.loader import Catalog
from grader.course.course import Assignment, Course
from grader.db.models import Exercise, Student, Submission
from grader.db.offerings import scope
from grader.db.review import pending_reviews

DUE_SOON = timedelta(days=7)
RECENT = 10


@dataclass(frozen=True)
class AssignmentLine:
    """One assignment as the overview lists it."""

    exercise: str
    title: Text | None
    opens_at: datetime
    due_at: datetime
    submissions: int
    waiting: int  # checks waiting for the teacher's review


@dataclass(frozen=True)
class RecentSubmission:
    """A submission that just arrived."""

    submission_id: int
    student: str
    exercise: str
    title: Text | None
    received_at: datetime


@dataclass(frozen=True)
class Overview:
    """The course at a glance, at `now`."""

    open_now: tuple[AssignmentLine, ...]
    due_soon: tuple[AssignmentLine, ...]
    upcoming: tuple[AssignmentLine, ...]
    waiting: int
    recent: tuple[RecentSubmission, ...]


def _title(catalog: Catalog, exercise: str) -> Text | None:
    spec = catalog.specs.get(exercise)
    return spec.title if spec is not None else None


def course_overview(session: Session, *, course: Course, catalog: Catalog, now: datetime) -> Overview:
    """The overview of `course` at `now`: assignments open (and those due within DUE_SOON), those not open
    yet, the reviews waiting by exercise, and the RECENT newest submissions; all of `course`'s offering only."""
    offering = scope(session, course.offering_id)
    waiting = Counter(p.exercise for p in pending_reviews(session, offering_id=offering))
    counts = dict(session.execute(select(Exercise.slug, func.count(Submission.id))
                                  .join(Submission, Submission.exercise_id == Exercise.id)
                                  .where(Submission.offering_id == offering)
                                  .group_by(Exercise.slug)).all())

    def line(a: Assignment) -> AssignmentLine:
        return AssignmentLine(exercise=a.exercise, title=_title(catalog, a.exercise), opens_at=a.opens_at,
                              due_at=a.due_at, submissions=counts.get(a.exercise, 0), waiting=waiting[a.exercise])

    open_now = sorted((a for a in course.assignments if a.opens_at <= now < a.closes_at()), key=lambda a: a.due_at)
    upcoming = sorted((a for a in course.assignments if now < a.opens_at), key=lambda a: a.opens_at)
    rows = session.execute(select(Submission.id, Student.name, Student.external_id, Exercise.slug,
                                  Submission.received_at)
                           .join(Student, Submission.student_id == Student.id)
                           .join(Exercise, Submission.exercise_id == Exercise.id)
                           .where(Submission.offering_id == offering)
                           .order_by(Submission.received_at.desc(), Submission.id.desc()).limit(RECENT)).all()
    recent = tuple(RecentSubmission(submission_id=r[0], student=r[1] or r[2], exercise=r[3],
                                    title=_title(catalog, r[3]), received_at=r[4]) for r in rows)
    return Overview(open_now=tuple(line(a) for a in open_now),
                    due_soon=tuple(line(a) for a in open_now if a.due_at - now <= DUE_SOON and now < a.due_at),
                    upcoming=tuple(line(a) for a in upcoming), waiting=sum(waiting.values()), recent=recent)
