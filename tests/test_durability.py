"""Durability rules that hold on every backend: deadlines by reception time, concurrent gradings of one
student all kept, and the best score derived from every finished attempt."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from grader.core.i18n import t
from grader.core.results import GradeResult
from grader.core.specs.loader import load_catalog
from grader.course.course import Assignment, Course, LatePolicy
from grader.course.gradebook import attempts, pick
from grader.course.intake import RateLimit, submit
from grader.db import store
from grader.db.models import Student
from grader.queue.claims import claim_next, run_claimed

LAB = "lab-add-hidden-16"
DUE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
COURSE = Course(title=t("c", "c"), assignments=[Assignment(
    exercise=LAB, opens_at=DUE - timedelta(days=30), due_at=DUE,
    late=LatePolicy(until=DUE + timedelta(days=2), penalty=0.5))])




def _submit(sessions: sessionmaker[Session], *, at: datetime, code: str = "x = 1\n") -> int:
    """Ana submits at `at` (the reception time); returns the grading id."""
    with sessions() as session:
        ana = store.get_or_create_student(session, external_id="ana")
        accepted = submit(session, catalog=load_catalog(), course=COURSE, student=ana, exercise_id=LAB,
                          filename="a.py", data=code.encode(), now=at, rate_limit=RateLimit(count=100))
        session.commit()
        return accepted.grading_id


def _fixed(score: float) -> Any:
    """A grading function giving `score` out of 10 (the sandbox is tested elsewhere; storage is tested here)."""
    def grade(**_: Any) -> GradeResult:
        return GradeResult(status="graded", score=score, max_score=10.0)
    return grade


def _ana_attempts(sessions: sessionmaker[Session]) -> list[Any]:
    """Ana's attempts with the course above."""
    with sessions() as session:
        ana = session.query(Student).filter_by(external_id="ana").one()
        return attempts(session, course=COURSE, student_ids=[ana.id])


def test_the_deadline_is_judged_on_reception_not_on_grading(sessions: sessionmaker[Session]) -> None:
    """Received a second before the deadline and graded long after: on time, full score. Received a second
    after: late, with the penalty."""
    _submit(sessions, at=DUE - timedelta(seconds=1))
    _submit(sessions, at=DUE + timedelta(seconds=1), code="x = 2\n")
    catalog = load_catalog()
    for _ in range(2):
        with sessions() as session:
            claim = claim_next(session, now=DUE + timedelta(days=1))  # graded a day later
        assert claim is not None
        run_claimed(sessions, catalog=catalog, claim=claim, grade=_fixed(8.0))
    on_time, late = _ana_attempts(sessions)
    assert (on_time.late, on_time.final) == (False, 8.0)
    assert (late.late, late.final) == (True, 4.0)


def test_concurrent_gradings_of_one_student_all_count_and_best_is_the_maximum(
        sessions: sessionmaker[Session]) -> None:
    """Eight gradings of the same student finished at the same moment from eight threads: every result is
    stored once, and the best score is the highest of them (it is derived, never a racy stored value)."""
    for i in range(8):
        _submit(sessions, at=DUE - timedelta(hours=1, minutes=i), code=f"x = {i}\n")
    catalog = load_catalog()
    claims = []
    for _ in range(8):
        with sessions() as session:
            claims.append(claim_next(session))
    barrier = threading.Barrier(8)

    def finish(claim: Any, score: float) -> None:
        barrier.wait()
        run_claimed(sessions, catalog=catalog, claim=claim, grade=_fixed(score))

    threads = [threading.Thread(target=finish, args=(c, float(i + 1))) for i, c in enumerate(claims)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tries = _ana_attempts(sessions)
    assert sorted(a.final for a in tries) == [float(i) for i in range(1, 9)]
    best = pick(tries, "best")
    assert best is not None and best.final == 8.0
