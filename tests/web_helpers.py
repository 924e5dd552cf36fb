"""Helpers for web tests: accounts, logging in through the real form (with its CSRF token), stored results."""

from __future__ import annotations

import re
from typing import Any

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.course.accounts import create_user
from grader.db import store
from grader.db.models import Grading, Student
from grader.queue.claims import claim_next

PASSWORD = "correct-horse-1"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_accounts(app: Any) -> dict[str, tuple[str, str]]:
    """Create teacher `profe`, students `ana` and `beto`; returns name -> (username, password)."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        create_user(session, username="profe", password=PASSWORD, role="teacher", display_name="Profe")
        create_user(session, username="ana", password=PASSWORD, role="student", display_name="Ana Díaz")
        create_user(session, username="beto", password=PASSWORD, role="student", display_name="Beto Ruiz")
        session.commit()
    return {name: (name, PASSWORD) for name in ("profe", "ana", "beto")}


def csrf_token(client: Any, url: str) -> str:
    """The CSRF token of the form on page `url`."""
    page = client.get(url)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no csrf_token on {url} (status {page.status_code})"
    return found.group(1)


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Log in through the login form; returns the response."""
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client, "/login")})


def finish_queued(app: Any, *, score: float, checks: list[tuple[str, bool, float, float]] | None = None,
                  error: str | None = None, notes: list[str] | None = None) -> int:
    """Claim the oldest queued grading and store this result in it (for pages that read stored results).

    Grading itself is tested end to end elsewhere with the real sandbox; here only the stored outcome matters.
    """
    web = app.extensions["grader"]
    with web.sessions() as session:
        claim = claim_next(session)
        assert claim is not None, "nothing queued"
        grading_id = claim.grading_id
        grading = session.get(Grading, grading_id)
        result = GradeResult(
            status="error" if error else "graded", score=score,
            max_score=sum(c[3] for c in checks or []) or 10.0,
            checks=[CheckResult(id=cid, passed=ok, points=pts, max_points=mx,
                                message=t(f"mensaje {cid}", f"message {cid}")) for cid, ok, pts, mx in checks or []],
            error=t(error, error) if error else None, notes=[t(n, n) for n in notes or []])
        store.finish_grading(session, grading=grading, result=result)
        session.commit()
        return grading_id


def student_id(app: Any, external_id: str) -> int:
    """Database id of the student with `external_id`."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        return session.query(Student.id).filter(Student.external_id == external_id).scalar()


def course_open_now(app: Any) -> None:
    """Move every assignment's dates around today (opened yesterday, due in 30 days, late week kept where
    the course has one), so that web tests never depend on the day they run."""
    from datetime import timedelta

    from grader.db.models import utcnow

    web = app.extensions["grader"]
    now = utcnow()
    due = now + timedelta(days=30)
    moved = []
    for assignment in web.course.assignments:
        late = assignment.late.model_copy(update={"until": due + timedelta(days=7)}) if assignment.late else None
        moved.append(assignment.model_copy(update={"opens_at": now - timedelta(days=1), "due_at": due,
                                                   "late": late}))
    web.course = web.course.model_copy(update={"assignments": moved})
