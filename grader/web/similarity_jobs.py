"""The similarity job of `grader serve`: one background thread that queues a run when an assignment's
submissions close and does queued runs (a teacher's "run now" only queues). Never inside a request."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from grader.course.similarity import queue_after_deadlines, run_next
from grader.db.offerings import offering_ids

log = logging.getLogger(__name__)


class SimilarityJobs:
    """A daemon thread doing similarity runs for the app's course, looking again every `poll_s` seconds."""

    def __init__(self, app: Flask, *, poll_s: float = 30.0) -> None:
        self.web = app.extensions["grader"]
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="similarity", daemon=True)

    def start(self) -> SimilarityJobs:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the run in progress."""
        self._stop.set()
        self._thread.join(timeout=120)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self.web.sessions() as session:
                    for offering in offering_ids(session):  # each offering's deadlines, its own hand-ins
                        queue_after_deadlines(session, course=self.web.course.in_offering(offering))
                    session.commit()
                while not self._stop.is_set() and run_next(self.web.sessions, catalog=self.web.catalog):
                    pass
            except Exception:  # a database hiccup must not end the job for the life of the server
                log.exception("similarity job error")
            self._stop.wait(self.poll_s)
