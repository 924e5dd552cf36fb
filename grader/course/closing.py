"""Releasing an exercise's full feedback safely: once the answers are out, nobody may add an attempt that counts.

A teacher's release is refused while students can still submit a counted attempt (within the dates, with
attempts left), and says how many can; the teacher may instead close submissions at that very moment. From the
first release on, new submissions are refused (grader.course.intake) and any that slipped in do not count
(`Attempt.void`, see grader.course.gradebook), whatever a later withdrawal says.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.core.i18n import Refused, Text, t
from grader.course.course import Assignment, Course
from grader.course.gradebook import attempts
from grader.course.release import set_release
from grader.course.settings import load_rules
from grader.db.models import Release, Student, utcnow
from grader.db.offerings import roster_ids, scope


class ReleaseRefused(Refused):
    """Releasing now would hand the answers to students who can still submit; `still_open` says how many."""

    def __init__(self, message: Text, *, still_open: int) -> None:
        super().__init__(message)
        self.still_open = still_open


def who_can_submit(session: Session, *, course: Course, assignment: Assignment,
                   now: datetime | None = None) -> list[str]:
    """Roster ids of the students who could still submit a counted attempt of `assignment` at `now`: within
    their dates and attempts (extensions included), and on a timed exam with time left or not started yet.

    A fixed number of queries (students, their attempts, the rules). A release that already closed
    submissions leaves nobody.
    """
    moment = now or utcnow()
    slug = assignment.exercise
    rules = load_rules(session, course=course, exercises=[slug], now=moment)
    if rules.releases[slug].closes_submissions:
        return []
    used = Counter(a.student_id for a in attempts(session, course=course, exercises=[slug]) if a.uses_attempt)
    people = session.execute(select(Student.id, Student.external_id)
                             .where(Student.dropped_at.is_(None),
                                    Student.id.in_(roster_ids(scope(session, course.offering_id))))
                             .order_by(Student.external_id)).all()
    out = []
    for sid, external in people:
        mine = rules.assignment(slug, at=moment, student_id=sid) or assignment
        left = rules.time_left(slug, sid, now=moment)
        if mine.refusal(now=moment, attempts_used=used[sid]) is None and (left is None or left > timedelta(0)):
            out.append(external)
    return out


def release_feedback(session: Session, *, course: Course, exercise_slug: str, teacher: str,
                     close_submissions: bool, now: datetime | None = None) -> Release:
    """Release `exercise_slug`'s full feedback, recorded as `teacher`'s; flushes, no commit.

    Raises ReleaseRefused while someone can still submit a counted attempt, unless `close_submissions`: then
    the release closes submissions for everyone at this moment. KeyError when the exercise is not assigned.
    """
    assignment = course.get(exercise_slug)
    if assignment is None:
        raise KeyError(exercise_slug)
    if assignment.feedback_policy.release != "immediate" and not close_submissions:
        still_open = len(who_can_submit(session, course=course, assignment=assignment, now=now))
        if still_open:
            one = still_open == 1
            who_es = "1 estudiante aún puede" if one else f"{still_open} estudiantes aún pueden"
            who_en = "1 student can" if one else f"{still_open} students can"
            raise ReleaseRefused(t(
                f"No se publica: {who_es} entregar un intento que cuenta y vería{'' if one else 'n'} las "
                "respuestas antes. Espera al cierre o marca «cerrar las entregas ahora».",
                f"Not released: {who_en} still submit a counted attempt and would see the answers first. "
                "Wait until submissions close or tick \"close submissions now\"."),
                still_open=still_open)
    return set_release(session, exercise_slug=exercise_slug, released=True, teacher=teacher,
                       offering_id=course.offering_id)
