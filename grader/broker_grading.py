"""The CLI's way to grade through Celery workers: store and queue each submission, then wait for its result.

`grader grade` uses this instead of the in-process pool when a broker URL is configured, so a folder of
200 exams is spread over every worker machine, and the results land in the same database as the web's.
"""

from __future__ import annotations

import logging
import time

from grader.db import store
from grader.db.models import FINISHED_STATUSES, Grading
from grader.db.session import make_engine, make_session_factory, upgrade
from grader.service import BatchGrading, GradedSubmission, stored_submission
from grader.specs.loader import Catalog, load_catalog
from grader.tasks import CeleryDispatcher, make_celery

log = logging.getLogger(__name__)

# Submissions waited on at once: they are only database rows and polls here, the workers do the grading.
DEFAULT_WAITING = 32
WARN_EVERY_S = 60.0


class BrokerGrader(BatchGrading):
    """Grades by enqueueing to Celery; a context manager like `Grader`."""

    def __init__(self, *, database_url: str, broker_url: str, catalog: Catalog | None = None,
                 waiting: int = DEFAULT_WAITING, poll_s: float = 0.5) -> None:
        self.catalog = catalog or load_catalog()
        self.workers = waiting
        self.poll_s = poll_s
        upgrade(url=database_url)
        self.engine = make_engine(database_url)
        self.sessions = make_session_factory(self.engine)
        self.dispatcher = CeleryDispatcher(make_celery(broker_url))

    def __enter__(self) -> BrokerGrader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False) -> GradedSubmission:
        """Store and queue the submission (or reuse a stored result), wake a worker, wait for the result."""
        spec = self.catalog.get(exercise_id)
        with self.sessions() as session:
            stored = stored_submission(session, spec=spec, student=student, filename=filename, data=data,
                                       force=force)
            if isinstance(stored, GradedSubmission):
                return stored
            version, submission = stored
            grading_id = store.queue_grading(session, submission=submission, exercise_version=version).id
            session.commit()
        self.dispatcher.notify()
        started = last_warning = time.monotonic()
        while True:
            with self.sessions() as session:
                grading = session.get(Grading, grading_id)
                if grading is not None and grading.status in FINISHED_STATUSES:
                    return GradedSubmission(student=student, exercise=exercise_id, path=filename,
                                            result=store.grading_result(grading), grading_id=grading_id)
            if time.monotonic() - last_warning > WARN_EVERY_S:
                last_warning = time.monotonic()
                log.warning("grading %d still waiting after %.0f s: is a `grader worker` running?",
                            grading_id, last_warning - started)
            time.sleep(self.poll_s)
