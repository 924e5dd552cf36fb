"""The CLI's way to grade through Celery workers: store and queue each submission, then wait for its result.

`grader grade` uses this instead of the in-process pool when a broker URL is configured, so a folder of
200 exams is spread over every worker machine, and the results land in the same database as the web's.
"""

from __future__ import annotations

import logging
import time

from grader.batch.grading import GradedSubmission, stored_submission
from grader.core.specs.loader import Catalog
from grader.db import store
from grader.db.models import FINISHED_STATUSES, Grading
from grader.db.runtime import Runtime
from grader.queue.celery import CeleryDispatcher, make_celery

log = logging.getLogger(__name__)

# Submissions waited on at once: they are only database rows and polls here, the workers do the grading.
DEFAULT_WAITING = 32
WARN_EVERY_S = 60.0


class BrokerGrader:
    """A `SubmissionGrading` that enqueues to Celery and waits; a context manager like `LocalGrader`."""

    def __init__(self, *, database_url: str, broker_url: str, catalog: Catalog | None = None,
                 waiting: int = DEFAULT_WAITING, poll_s: float = 0.5) -> None:
        self.runtime = Runtime(database_url=database_url, catalog=catalog)
        self.catalog: Catalog = self.runtime.catalog
        self.workers = waiting
        self.poll_s = poll_s
        self.sessions = self.runtime.sessions
        self.dispatcher = CeleryDispatcher(make_celery(broker_url))
        # The course offering submissions are stored in (None: the default one); `grader grade --offering`.
        self.offering_id: int | None = None

    def __enter__(self) -> BrokerGrader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.runtime.close()

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False, beside: dict[str, bytes] | None = None) -> GradedSubmission:
        """Store and queue the submission with the data files `beside` it (or reuse a stored result), wake a
        worker, wait for the result; the worker reads the files stored with the submission."""
        spec = self.catalog.get(exercise_id)
        with self.sessions() as session:
            stored = stored_submission(session, spec=spec, student=student, filename=filename, data=data,
                                       force=force, beside=beside,
                                       offering_id=self.offering_id)
            if stored.reused is not None:
                return stored.reused
            grading_id = store.queue_grading(session, submission=stored.submission,
                                             exercise_version=stored.version).id
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
