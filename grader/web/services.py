"""What the student pages and the JSON API both do, written once so the two cannot drift apart.

Accepting a submission (then waking the workers), finding a submission a user may see, a submission's
feedback, and a student's assignment rows. Functions take the user or student explicitly: the pages pass
Flask-Login's `current_user`, the API the holder of the bearer token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import abort, g

from grader.core.i18n import Lang
from grader.core.results import GradeResult
from grader.core.specs.models import ExerciseSpec
from grader.course.course import EVERYTHING, Assignment, Course, Shown
from grader.course.figures.feedback import FeedbackFigures, feedback_figures
from grader.course.gradebook import Attempt, attempts, pick
from grader.course.intake import Accepted, submit
from grader.course.people import STAFF_ROLES
from grader.course.release import ReleaseState, for_student, release_state
from grader.course.settings import effective_course, load_rules
from grader.db import review
from grader.db.models import FINISHED_STATUSES, Grading, GradingStatus, Student, Submission, User, utcnow
from grader.web.i18n import current_lang
from grader.web.offering import course_here, offering_id
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
    release: ReleaseState | None = None
    # When the student started this timed exam (None: not timed, or not started yet).
    started_at: datetime | None = None

    @property
    def timed(self) -> bool:
        """True for a timed exam (a start button; each student's clock runs from their start)."""
        return self.assignment.time_limit_min is not None

    def ends_at(self) -> datetime | None:
        """When this student's time runs out (None: not timed or not started)."""
        if self.started_at is None or self.assignment.time_limit_min is None:
            return None
        return self.started_at + timedelta(minutes=self.assignment.time_limit_min)

    @property
    def score_shown(self) -> bool:
        """True when the student may see scores of this exercise now (always without a release state)."""
        return self.release is None or "score" in self.release.shown

    @property
    def pending(self) -> bool:
        """True while an attempt waits for or is in grading."""
        return any(not a.finished for a in self.tries)

    @property
    def status(self) -> str:
        """not_started, pending, graded, not_counted (only tries that cannot count), or error when the
        attempt that counts could not be graded at all."""
        if self.pending:
            return "pending"
        if self.counted is None:
            # Tries that do not count (refused before running, or void) leave the score empty, not 0.
            return "not_counted" if self.tries else "not_started"
        return "graded" if self.counted.status == "graded" else "error"

    @property
    def attempts_used(self) -> int:
        """Tries that use an attempt: a file refused before running (or a grader failure) does not, as in
        grader.course.intake, so the page and the refusal count alike."""
        return sum(a.uses_attempt for a in self.tries)

    def attempts_left(self) -> int | None:
        """Attempts still allowed; None when unlimited."""
        if self.assignment.max_attempts is None:
            return None
        return max(self.assignment.max_attempts - self.attempts_used, 0)

    def is_open(self, now: datetime) -> bool:
        """True while submissions are accepted by date (and no release of the answers closed them)."""
        if self.release is not None and self.release.closes_submissions:
            return False
        ends = self.ends_at()
        if ends is not None and now > ends:
            return False
        return self.assignment.opens_at <= now <= self.assignment.closes_at()


def course_now() -> Course:
    """The course with the settings in force now (the course file overlaid by the teachers' edits), read once
    per request."""
    if "course_now" not in g:
        g.course_now = effective_course(db(), course=course_here())
    return g.course_now


def assignment_rows(student_id: int | None) -> list[AssignmentRow]:
    """Every assignment of the course in order, as it stands for `student_id` now (their extension included),
    with their attempts (a fixed number of queries for all of them)."""
    web, now = state(), utcnow()
    rules = load_rules(db(), course=course_here(), student_ids=[student_id] if student_id is not None else [], now=now)
    mine = attempts(db(), course=course_here(), student_ids=[student_id]) if student_id is not None else []
    rows = []
    for base in course_here().assignments:
        tries = [a for a in mine if a.exercise == base.exercise]
        rows.append(AssignmentRow(spec=web.catalog.get(base.exercise),
                                  assignment=rules.assignment(base.exercise, at=now, student_id=student_id) or base,
                                  tries=tries, counted=pick(tries, course_here().grading_policy),  # type: ignore[arg-type]
                                  release=rules.releases[base.exercise],
                                  started_at=rules.started_at(base.exercise, student_id)
                                  if student_id is not None else None))
    return rows


def assigned_spec(exercise_id: str) -> ExerciseSpec:
    """The spec of an exercise assigned in the course and present in the catalog; 404 otherwise."""
    web = state()
    if course_here().get(exercise_id) is None or exercise_id not in web.catalog.specs:
        abort(404)
    return web.catalog.get(exercise_id)


def accept_submission(student: Student, *, exercise_id: str, filename: str, data: bytes) -> Accepted:
    """Store and queue one submission of `student`, commit it, and wake the grading workers.

    Raises grader.course.intake.SubmissionRefused, with nothing stored, when the course's rules refuse it.
    """
    web, session = state(), db()
    accepted = submit(session, catalog=web.catalog, course=course_here(), student=student, exercise_id=exercise_id,
                      filename=filename, data=data, now=utcnow(), rate_limit=web.rate_limit)
    # Committed before the workers are woken, so the one that wakes finds the grading in the queue.
    session.commit()
    what = "duplicate of" if accepted.duplicate else "accepted"
    log.info("%s submission=%d exercise=%s student=%s", what, accepted.submission_id, exercise_id,
             student.external_id, extra={"submission_id": accepted.submission_id, "grading_id": accepted.grading_id,
                                         "exercise": exercise_id, "student": student.external_id})
    if not accepted.duplicate:  # the first request already woke a worker for it
        web.notify(1)
    return accepted


def visible_submission(user: User, submission_id: int) -> Submission | None:
    """Submission `submission_id` when `user` may see it: one of this request's offering, any for its staff,
    only their own for a student.

    Someone else's submission, another offering's and a missing one give the same None, so ids reveal nothing.
    """
    submission = db().get(Submission, submission_id)
    if submission is None or submission.offering_id != offering_id():
        return None
    if user.role in STAFF_ROLES or (user.student_id is not None and submission.student_id == user.student_id):
        return submission
    return None


def newest_grading(submission: Submission) -> Grading | None:
    """The submission's newest grading (regrades add rows)."""
    return max(submission.gradings, key=lambda g: g.id, default=None)


@dataclass(frozen=True)
class Adjustment:
    """A teacher's decision in force on a submission, as the student reads it (`check_id` None: the total)."""

    check_id: str | None
    before: float | None
    after: float
    reason: str


@dataclass(frozen=True)
class Feedback:
    """Where a submission stands: its newest grading, the result as this viewer may see it, and the attempt's
    final score, number and the teacher's adjustments."""

    submission: Submission
    grading: Grading | None
    result: GradeResult | None
    attempt: Attempt | None
    # The student's n-th submission of this exercise (1-based, in received order), as in the history.
    number: int = 1
    shown: tuple[Shown, ...] = EVERYTHING
    release: ReleaseState | None = None
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def status(self) -> GradingStatus:
        """queued, running, graded or error."""
        return self.grading.status if self.grading is not None else "queued"

    @property
    def finished(self) -> bool:
        """True once there is a result (graded or error)."""
        return self.status in FINISHED_STATUSES

    @property
    def score_shown(self) -> bool:
        """True when this viewer may see the score now."""
        return "score" in self.shown

    @property
    def withheld(self) -> tuple[Shown, ...]:
        """The parts of the feedback this viewer does not see yet."""
        return tuple(part for part in EVERYTHING if part not in self.shown)

    def context(self) -> dict[str, Any]:
        """The names the feedback templates use."""
        return {"submission": self.submission, "grading": self.grading, "result": self.result,
                "attempt": self.attempt, "status": self.status, "number": self.number, "shown": self.shown,
                "release": self.release, "adjustments": self.adjustments if self.score_shown else (),
                "spec": self.spec, "figures": self.figures(current_lang())}

    @property
    def spec(self) -> ExerciseSpec | None:
        """The exercise's current spec (titles of checks and questions), None if it left the catalog."""
        return state().catalog.specs.get(self.submission.exercise.slug)

    def figures(self, lang: Lang) -> FeedbackFigures | None:
        """The drawings of the result in `lang`; the expected architecture only when answers are shown."""
        if self.result is None:
            return None
        return feedback_figures(self.result, self.spec, lang=lang, show_answers="answers" in self.shown)


def adjustments(grading: Grading | None) -> tuple[Adjustment, ...]:
    """The teacher's decisions in force on `grading` (stale ones left out), oldest first."""
    if grading is None or grading.status not in FINISHED_STATUSES:
        return ()
    return tuple(Adjustment(check_id=d.check_id, before=d.automatic, after=d.points, reason=d.reason)
                 for d in review.decisions(db(), grading=grading) if not d.stale)


def with_decisions(result: GradeResult, decided: tuple[Adjustment, ...]) -> GradeResult:
    """`result` as the teacher's decisions in force leave it: a decided check shows the teacher's points and
    no longer waits for review (a decision on the total settles every check), so a question graded by hand
    never reads "pending" with the suggested points next to the teacher's verdict."""
    if not decided:
        return result
    points = {a.check_id: a.after for a in decided if a.check_id is not None}
    settled = any(a.check_id is None for a in decided)
    checks = [c.model_copy(update={"points": points[c.id], "passed": points[c.id] >= c.max_points - 1e-9,
                                   "needs_review": False}) if c.id in points
              else c.model_copy(update={"needs_review": False}) if settled else c for c in result.checks]
    return result.model_copy(update={"checks": checks})


def feedback(submission: Submission, *, viewer: User) -> Feedback:
    """The feedback of `submission` as `viewer` may see it: a teacher everything, a student what the
    exercise's release policy shows now (see grader.course.release)."""
    grading = newest_grading(submission)
    result = GradeResult.model_validate(grading.result_json) if grading and grading.result_json else None
    tries = attempts(db(), course=course_here(), student_ids=[submission.student_id],
                     exercises=[submission.exercise.slug])
    index = next((i for i, a in enumerate(tries) if a.submission_id == submission.id), None)
    attempt = tries[index] if index is not None else None
    assignment = course_now().get(submission.exercise.slug)
    release = release_state(db(), assignment=assignment, offering_id=submission.offering_id) if assignment else None
    teacher = viewer.role in STAFF_ROLES
    shown = EVERYTHING if teacher or release is None else release.shown
    decided = adjustments(grading)
    if result is not None:
        result = with_decisions(result, decided)
    if result is not None and not teacher:
        result = for_student(result, release)
    return Feedback(submission=submission, grading=grading, result=result, attempt=attempt,
                    number=index + 1 if index is not None else 1,
                    shown=shown, release=release, adjustments=decided)
