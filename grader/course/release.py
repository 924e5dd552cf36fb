"""When students get an exercise's full feedback, and what they see of a result before that.

The policy is the assignment's (`Assignment.feedback_policy`); a teacher's releases are `Release` rows, the
newest per exercise in force. `immediate`: always released. `manual`: released when the newest row says so.
`after_deadline`: released when the newest row says so, or once late submissions close, unless the teacher
withdrew it after that moment (a withdrawal made before the deadline only lasts until the deadline).
Teachers always see everything: only the student views go through `visible`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.results import CheckResult, GradeResult
from grader.course.course import EVERYTHING, Assignment, Course, FeedbackPolicy, Shown
from grader.db.lti import score_changed
from grader.db.models import Exercise, Release, utcnow
from grader.db.offerings import scope


@dataclass(frozen=True)
class ReleaseState:
    """Where an exercise's feedback stands: its policy, whether it is released now, and the teacher's last word."""

    exercise: str
    policy: FeedbackPolicy
    released: bool
    closes_at: datetime
    # The newest Release row (None when no teacher ever released or withdrew it).
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision: bool | None = None
    # When a teacher first released it (None: never). From then on no new attempt counts for anyone, even
    # after a withdrawal: the answers have been out.
    first_released_at: datetime | None = None

    @property
    def closes_submissions(self) -> bool:
        """True when a teacher's release closed submissions (exercises released at once never close so)."""
        return self.policy.release != "immediate" and self.first_released_at is not None

    def counts(self, received_at: datetime) -> bool:
        """False for an attempt received after the teacher first released the feedback: it cannot count."""
        return not self.closes_submissions or received_at <= self.first_released_at  # type: ignore[operator]

    @property
    def shown(self) -> tuple[Shown, ...]:
        """What a student sees of a result now: everything once released, else the policy's `before_release`."""
        return EVERYTHING if self.released else self.policy.before_release

    @property
    def withheld(self) -> tuple[Shown, ...]:
        """What a student does not see yet (empty once released)."""
        return tuple(part for part in EVERYTHING if part not in self.shown)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they are UTC like everything stored."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def newest_release(session: Session, *, exercise_slug: str, offering_id: int | None = None) -> Release | None:
    """The teacher's decision in force for `exercise_slug` in `offering_id` (None: the default offering)."""
    query = (select(Release).join(Exercise, Exercise.id == Release.exercise_id)
             .where(Exercise.slug == exercise_slug, Release.offering_id == scope(session, offering_id))
             .order_by(Release.created_at.desc(), Release.id.desc()).limit(1))
    return session.scalars(query).first()


def _first_released(session: Session, offering_id: int, slug: str | None = None) -> dict[str, datetime]:
    """When each exercise (or only `slug`) was first released by a teacher of `offering_id`, by exercise id."""
    query = (select(Exercise.slug, func.min(Release.created_at)).join(Exercise, Exercise.id == Release.exercise_id)
             .where(Release.released.is_(True), Release.offering_id == offering_id).group_by(Exercise.slug))
    if slug is not None:
        query = query.where(Exercise.slug == slug)
    return {found: _aware(moment) for found, moment in session.execute(query)}


def _state(assignment: Assignment, row: Release | None, now: datetime,
           first: datetime | None = None) -> ReleaseState:
    """The release state of `assignment` given the teacher's newest decision `row` and first release `first`."""
    policy, closes = assignment.feedback_policy, assignment.closes_at()
    decided_at = _aware(row.created_at) if row is not None else None
    if policy.release == "immediate":
        released = True
    elif row is not None and (policy.release == "manual" or row.released or decided_at >= closes):  # type: ignore[operator]
        released = row.released
    else:
        released = policy.release == "after_deadline" and now >= closes
    return ReleaseState(exercise=assignment.exercise, policy=policy, released=released, closes_at=closes,
                        decided_by=row.teacher if row else None, decided_at=decided_at,
                        decision=row.released if row else None, first_released_at=first)


def release_state(session: Session, *, assignment: Assignment, now: datetime | None = None,
                  offering_id: int | None = None) -> ReleaseState:
    """Whether `assignment`'s full feedback is released at `now` (default: the current time) in `offering_id`
    (None: the default offering)."""
    offering = scope(session, offering_id)
    row = newest_release(session, exercise_slug=assignment.exercise, offering_id=offering)
    first = _first_released(session, offering, assignment.exercise).get(assignment.exercise)
    return _state(assignment, row, _aware(now or utcnow()), first)


def release_states(session: Session, *, course: Course, now: datetime | None = None) -> dict[str, ReleaseState]:
    """The release state of every assignment of `course` in its offering, by exercise id, in two queries."""
    offering = scope(session, course.offering_id)
    query = (select(Exercise.slug, Release).join(Exercise, Exercise.id == Release.exercise_id)
             .where(Release.offering_id == offering).order_by(Release.created_at, Release.id))
    newest = {slug: row for slug, row in session.execute(query)}  # oldest first: the last one wins
    moment = _aware(now or utcnow())
    first = _first_released(session, offering)
    return {a.exercise: _state(a, newest.get(a.exercise), moment, first.get(a.exercise))
            for a in course.assignments}


def set_release(session: Session, *, exercise_slug: str, released: bool, teacher: str,
                offering_id: int | None = None) -> Release:
    """Record that `teacher` released (or withdrew) the full feedback of `exercise_slug` in `offering_id` (None:
    the default offering); flushes, no commit.

    Raises ValueError for a blank teacher. The exercise row is created when nobody has submitted yet.
    """
    if not teacher.strip():
        raise ValueError("teacher must not be empty: say who releases")
    exercise = session.scalars(select(Exercise).where(Exercise.slug == exercise_slug)).one_or_none()
    if exercise is None:
        exercise = Exercise(slug=exercise_slug, title=exercise_slug)  # the first submission sets the real title
        session.add(exercise)
        session.flush()
    offering = scope(session, offering_id)
    row = Release(offering_id=offering, exercise_id=exercise.id, released=released, teacher=teacher.strip(),
                  created_at=utcnow())
    session.add(row)
    session.flush()
    # Released or withdrawn feedback turns the LMS's grading progress between PendingManual and FullyGraded.
    score_changed(session, exercise_id=exercise.id, offering_id=offering)
    return row


_BLANK = Text(es="", en="")


def _check(check: CheckResult, shown: tuple[Shown, ...]) -> CheckResult:
    """One check without the parts not `shown` (its pass/fail stays: the score needs it anyway)."""
    return check.model_copy(update={
        "message": check.message if "messages" in shown else _BLANK,
        "hint": check.hint if "hints" in shown else None,
        "answer": check.answer if "answers" in shown else None,
        "points": check.points if "score" in shown else 0.0,
    })


def visible(result: GradeResult, *, shown: tuple[Shown, ...]) -> GradeResult:
    """A copy of `result` with only what a student may see: without hints, model answers, messages or points
    as `shown` says (the score is zeroed when hidden; callers hide it too, see `ReleaseState.shown`).

    Without "messages" (exam mode) each check keeps only right/wrong and its points, and the notes go too:
    an explanation such as "se esperaba (None, 150, 150, 3)" is the answer key.
    """
    if set(EVERYTHING) <= set(shown):
        return result
    return result.model_copy(update={
        "checks": [_check(c, shown) for c in result.checks],
        "score": result.score if "score" in shown else 0.0,
        "notes": result.notes if "messages" in shown else [],
        "logs": "",
    })


def for_student(result: GradeResult, release: ReleaseState | None) -> GradeResult:
    """The one place a result is redacted for a student: what `release` shows now (everything when the
    exercise has no release state, i.e. it left the course). The stored result is never changed."""
    return result if release is None else visible(result, shown=release.shown)
