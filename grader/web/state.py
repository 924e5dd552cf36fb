"""What the web app holds for its whole life: the database, the catalog and course, and the grading workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.course.intake import RateLimit
from grader.lti.config import LtiConfig
from grader.queue.celery import CeleryDispatcher
from grader.queue.embedded import EmbeddedWorkers


def _no_workers(count: int = 1) -> None:
    """WebState.notify of a process without workers: nothing to wake."""


@dataclass
class WebState:
    """Long-lived parts of one web process, kept in `app.extensions["grader"]`."""

    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog
    course: Course
    rate_limit: RateLimit = field(default_factory=RateLimit)
    workers: EmbeddedWorkers | None = None
    # Set when GRADER_BROKER_URL is configured: gradings go to Celery workers on any machine.
    dispatcher: CeleryDispatcher | None = None
    # Called with the number of gradings just committed, so workers start at once: one Celery task per
    # grading, or a wake-up of the embedded threads (which drain the whole queue). A no-op without workers.
    notify: Callable[[int], object] = _no_workers
    # The LMS platforms (GRADER_LTI_CONFIG); None: no LMS, the /lti/ pages answer 404.
    lti: LtiConfig | None = None


def state() -> WebState:
    """The current app's WebState."""
    return current_app.extensions["grader"]


def db() -> Session:
    """The request's database session, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = state().sessions()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's session (rolling back anything uncommitted)."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
