"""What the student pages and the JSON API both do, written once so the two cannot drift apart.

Accepting a submission (then waking the workers), finding a submission a user may see, a submission's
feedback, and a student's assignment rows. Functions take the user or student explicitly: the pages pass
Flask-Login's `current_user`, the API the holder of the bearer token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grader.core.results import GradeResult
from grader.core.specs.models import ExerciseSpec
from grader.course.course import Assignment
from grader.course.gradebook import Attempt, attempts, pick
from grader.course.intake import Accepted, submit
from grader.db.models import FINISHED_STATUSES, Grading, Student, Submission, User, utcnow
from grader.web.state import db, state

log = logging.getLogger(__name__)

# The name given to code typed in the editor or sent as JSON text: a .py so the pipeline reads it as code.
EDITOR_FILENAME = "entrega.py"


def editor_bytes(text: str) -> bytes:
    """Typed code as stored: browsers send CRLF line ends, which would change the source hash of equal code."""
    return text.replace("\r\n", "\n").encode("utf-8")


@dataclass(frozen=True)
class AssignmentRow:
    """One assignment with one student's attempts at it (none when no student is given)."""

    spec: ExerciseSpec
    assignment: Assignment
    tries: list[Attempt]
    counted: Attempt | None

    @property
    def pending(self) -> bool:
        """True while an attempt waits for or is in grading."""
        return any(not a.finished for a in self.tries)

    @property
    def status(self) -> str:
        """not_started, pending, graded, or error when the attempt that counts could not be graded at all."""
        if self.pending:
            return "pending"
        if self.counted is None:
            return "not_started"
        return "graded" if self.counted.status == "graded" else "error"

    def attempts_left(self) -> int | None:
        """Attempts still allowed; None when unlimited."""
        if self.assignment.max_attempts is None:
            return None
        return max(self.assignment.max_attempts - len(self.tries), 0)

    def is_open(self, now: datetime) -> bool:
        """True while submissions are accepted by date."""
        return self.assignment.opens_at <= now <= self.assignment.closes_at()


def assignment_rows(student_id: int | None) -> list[AssignmentRow]:
    """Every assignment of the course in order, with `student_id`'s attempts (one query for all of them)."""
    web = state()
    mine = attempts(db(), course=web.course, student_ids=[student_id]) if student_id is not None else []
    rows = []
    for assignment in web.course.assignments:
        tries = [a for a in mine if a.exercise == assignment.exercise]
        rows.append(AssignmentRow(spec=web.catalog.get(assignment.exercise), assignment=assignment, tries=tries,
                                  counted=pick(tries, web.course.grading_policy)))  # type: ignore[arg-type]
    return rows


def accept_submission(student: Student, *, exercise_id: str, filename: str, data: bytes) -> Accepted:
    """Store and queue one submission of `student`, commit it, and wake the grading workers.

    Raises grader.course.intake.SubmissionRefused, with nothing stored, when the course's rules refuse it.
    """
    web, session = state(), db()
    accepted = submit(session, catalog=web.catalog, course=web.course, student=student, exercise_id=exercise_id,
                      filename=filename, data=data, now=utcnow(), rate_limit=web.rate_limit)
    # Committed before the workers are woken, so the one that wakes finds the grading in the queue.
    session.commit()
    log.info("accepted submission=%d exercise=%s student=%s", accepted.submission_id, exercise_id,
             student.external_id, extra={"submission_id": accepted.submission_id, "grading_id": accepted.grading_id,
                                         "exercise": exercise_id, "student": student.external_id})
    web.notify(1)
    return accepted


def visible_submission(user: User, submission_id: int) -> Submission | None:
    """Submission `submission_id` when `user` may see it: a teacher sees any, a student only their own.

    Someone else's submission and a missing one give the same None, so ids reveal nothing.
    """
    submission = db().get(Submission, submission_id)
    if submission is None:
        return None
    if user.role == "teacher" or (user.student_id is not None and submission.student_id == user.student_id):
        return submission
    return None


def newest_grading(submission: Submission) -> Grading | None:
    """The submission's newest grading (regrades add rows)."""
    return max(submission.gradings, key=lambda g: g.id, default=None)


@dataclass(frozen=True)
class Feedback:
    """Where a submission stands: its newest grading, the stored result, and the attempt's final score."""

    submission: Submission
    grading: Grading | None
    result: GradeResult | None
    attempt: Attempt | None

    @property
    def status(self) -> str:
        """queued, running, graded or error."""
        return self.grading.status if self.grading is not None else "queued"

    @property
    def finished(self) -> bool:
        """True once there is a result (graded or error)."""
        return self.status in FINISHED_STATUSES

    def context(self) -> dict[str, Any]:
        """The names the feedback templates use."""
        return {"submission": self.submission, "grading": self.grading, "result": self.result,
                "attempt": self.attempt, "status": self.status}


def feedback(submission: Submission) -> Feedback:
    """The feedback of `submission` as both the pages and the API show it."""
    grading = newest_grading(submission)
    result = GradeResult.model_validate(grading.result_json) if grading and grading.result_json else None
    attempt = next((a for a in attempts(db(), course=state().course, student_ids=[submission.student_id],
                                        exercises=[submission.exercise.slug])
                    if a.submission_id == submission.id), None)
    return Feedback(submission=submission, grading=grading, result=result, attempt=attempt)
