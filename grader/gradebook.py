"""Attempts and the gradebook: every submission with its newest grading and final score, in bulk queries.

The student's pages and the teacher's gradebook, exports and analytics read the same `attempts()` rows, so
a score is computed one way everywhere: automatic points, then the teacher's overrides, then the late
penalty of the course (a teacher's override of the total is final and is not penalised again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.course import Course
from grader.db.models import Exercise, Grading, Student, Submission
from grader.db.review import BulkFinal, final_scores

Policy = Literal["best", "last"]


@dataclass(frozen=True)
class Attempt:
    """One submission and where its newest grading stands."""

    submission_id: int
    grading_id: int | None
    student_id: int
    exercise: str
    filename: str
    received_at: datetime
    status: str  # queued, running, graded, error
    automatic: float
    final: float
    max_score: float
    late: bool
    overridden: bool

    @property
    def finished(self) -> bool:
        """True once the grading has a result (graded or error)."""
        return self.status in ("graded", "error")


def attempts(session: Session, *, course: Course, student_ids: Iterable[int] | None = None,
             exercises: Iterable[str] | None = None) -> list[Attempt]:
    """Every submission (filtered by students and exercises) with its newest grading, oldest first.

    Three queries in all: submissions with their newest grading, then the overrides of those gradings.
    """
    newest = (select(Grading.id.label("gid"), Grading.submission_id.label("sid"),
                     func.row_number().over(partition_by=Grading.submission_id,
                                            order_by=Grading.id.desc()).label("rank"))
              .subquery())
    query = (select(Submission.id, newest.c.gid, Submission.student_id, Exercise.slug, Submission.filename,
                    Submission.received_at, Grading.status, Grading.score, Grading.max_score)
             .join(Submission.exercise)
             .join(newest, (newest.c.sid == Submission.id) & (newest.c.rank == 1), isouter=True)
             .join(Grading, Grading.id == newest.c.gid, isouter=True)
             .order_by(Submission.received_at, Submission.id))
    if student_ids is not None:
        query = query.where(Submission.student_id.in_(list(student_ids)))
    if exercises is not None:
        query = query.where(Exercise.slug.in_(list(exercises)))
    rows = session.execute(query).all()
    finished_ids = [r[1] for r in rows if r[1] is not None and r[6] in ("graded", "error")]
    finals = final_scores(session, gradings=select(Grading.id, Grading.score).where(
        Grading.id.in_(finished_ids))) if finished_ids else {}
    out = []
    for sid, gid, student_id, slug, filename, received_at, status, score, max_score in rows:
        assignment = course.get(slug)
        late = assignment.is_late(received_at) if assignment is not None else False
        bulk = finals.get(gid) if gid is not None else None
        bulk = bulk or BulkFinal(score or 0.0, False, False)
        final = bulk.final
        if late and assignment is not None and not bulk.total_override:
            final = round(final * assignment.late_factor(received_at), 4)
        out.append(Attempt(submission_id=sid, grading_id=gid, student_id=student_id, exercise=slug,
                           filename=filename, received_at=received_at, status=status or "queued",
                           automatic=score or 0.0, final=final, max_score=max_score or 0.0, late=late,
                           overridden=bulk.overridden))
    return out


def pick(tries: list[Attempt], policy: Policy) -> Attempt | None:
    """The attempt that counts: the best final score, or the last finished attempt; None if none finished."""
    finished = [a for a in tries if a.finished]
    if not finished:
        return None
    if policy == "last":
        return finished[-1]
    # Ties go to the earlier attempt: the student reached that score first.
    return max(finished, key=lambda a: (a.final, -a.submission_id))


def students(session: Session) -> list[Student]:
    """Every student, by name then id."""
    return list(session.scalars(select(Student).order_by(Student.name, Student.external_id)))
