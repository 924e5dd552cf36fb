"""Student-side helpers for web tests: course dates relative to now (tests must not depend on the day they
run), submitting through the exercise page's real form with its CSRF token, and API tokens."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from grader.course.accounts import new_api_token
from grader.course.intake import RateLimit
from grader.db.models import User, utcnow
from tests.web_helpers import csrf_token


def set_assignment(app: Any, exercise: str | None = None, **changes: Any) -> None:
    """Change assignment fields (opens_at, due_at, late, max_attempts) of `exercise`, or of all of them."""
    web = app.extensions["grader"]
    assignments = [a.model_copy(update=changes) if exercise in (None, a.exercise) else a
                   for a in web.course.assignments]
    web.course = web.course.model_copy(update={"assignments": assignments})


def open_course(app: Any) -> None:
    """Every assignment opened yesterday and is due in a month, with no late period."""
    now = utcnow()
    set_assignment(app, opens_at=now - timedelta(days=1), due_at=now + timedelta(days=30), late=None)


def close_assignment(app: Any, exercise: str) -> None:
    """`exercise`'s deadline passed yesterday and late submissions are not accepted."""
    now = utcnow()
    set_assignment(app, exercise, opens_at=now - timedelta(days=10), due_at=now - timedelta(days=1), late=None)


def allow_submissions(app: Any, count: int) -> None:
    """Let each student make `count` submissions a minute (the default 5 is too few for some tests)."""
    app.extensions["grader"].rate_limit = RateLimit(count=count)


def submit_code(client: Any, exercise: str, code: str) -> Any:
    """Submit `code` from the exercise page's editor; returns the response (not followed)."""
    url = f"/exercises/{exercise}"
    return client.post(url, data={"code": code, "csrf_token": csrf_token(client, url)})


def submit_file(client: Any, exercise: str, filename: str, data: bytes) -> Any:
    """Upload `data` as `filename` from the exercise page; returns the response (not followed)."""
    url = f"/exercises/{exercise}"
    return client.post(url, data={"upload": (io.BytesIO(data), filename), "csrf_token": csrf_token(client, url)},
                       content_type="multipart/form-data")


def submission_id(response: Any) -> int:
    """The id of the submission a successful submit redirected to."""
    location = response.headers["Location"]
    assert response.status_code == 302 and "/submissions/" in location, (response.status_code, location)
    return int(location.rstrip("/").rsplit("/", 1)[-1])


def issue_token(app: Any, username: str) -> dict[str, str]:
    """Authorization headers with a new API token of `username`."""
    with app.extensions["grader"].sessions() as session:
        token = new_api_token(session, user=session.scalar(select(User).where(User.username == username)))
        session.commit()
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def real_workers(app: Any, grade: Any) -> Iterator[Any]:
    """The web's embedded workers, grading with `grade` (the real sandboxed grader's `grade_bytes`), running
    while the block runs and stopped after it (a failed assertion included)."""
    from grader.queue.embedded import EmbeddedWorkers

    web = app.extensions["grader"]
    workers = EmbeddedWorkers(web.sessions, catalog=web.catalog, grade=grade, threads=2, poll_s=0.5)
    workers.start()
    web.workers, web.notify = workers, workers.wake
    try:
        yield workers
    finally:
        workers.stop()

