"""The grading queue kept in the database: queued gradings are claimed by workers, graded, and finished.

The database is the queue so that nothing acknowledged is ever lost: a submission and its `queued` grading
are committed together, a worker claims one with a conditional UPDATE (two workers can never both win),
and a grading left `running` by a worker that died is put back by `requeue_stale`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.db import store
from grader.db.models import Grading, utcnow
from grader.i18n import t
from grader.results import GradeResult
from grader.specs.loader import Catalog

log = logging.getLogger(__name__)

# Longer than any exercise's sandbox time-out (600 s at most) plus the trusted training.
STALE_AFTER = timedelta(minutes=15)


def claim_next(session: Session, *, now: datetime | None = None) -> int | None:
    """Mark the oldest queued grading as running and return its id, or None when the queue is empty."""
    for _ in range(10):  # another worker may win the race for the same row; try the next one
        grading_id = session.scalar(
            select(Grading.id).where(Grading.status == "queued").order_by(Grading.id).limit(1))
        if grading_id is None:
            session.rollback()
            return None
        claimed = session.execute(
            update(Grading).where(Grading.id == grading_id, Grading.status == "queued")
            .values(status="running", started_at=now or utcnow()))
        session.commit()
        if claimed.rowcount == 1:
            return grading_id
    return None


def requeue_stale(session: Session, *, older_than: timedelta = STALE_AFTER, now: datetime | None = None) -> int:
    """Put gradings left running for longer than `older_than` back in the queue; returns how many."""
    cutoff = (now or utcnow()) - older_than
    moved = session.execute(
        update(Grading).where(Grading.status == "running", Grading.started_at <= cutoff)
        .values(status="queued", started_at=None))
    session.commit()
    if moved.rowcount:
        log.warning("re-queued %d grading(s) left running since before %s", moved.rowcount, cutoff)
    return moved.rowcount


GradeFn = Callable[..., GradeResult]


def run_claimed(sessions: sessionmaker[Session], *, catalog: Catalog, grading_id: int, grade: GradeFn) -> None:
    """Grade a claimed grading with `grade(spec=, filename=, data=, student=)` and store its result.

    The database is not held open while the sandbox runs: the inputs are read, the session closed, and a
    new one records the result.
    """
    with sessions() as session:
        grading = session.get(Grading, grading_id)
        if grading is None or grading.status != "running":
            return
        submission = grading.submission
        slug, filename, data = submission.exercise.slug, submission.filename, submission.source
        student = submission.student.external_id
    spec = catalog.specs.get(slug)
    if spec is None:
        result = GradeResult(status="error", error=t(
            f"El ejercicio `{slug}` ya no existe en el catálogo; avisa a tu profesor.",
            f"Exercise `{slug}` no longer exists in the catalog; tell your teacher."))
    else:
        result = grade(spec=spec, filename=filename, data=data, student=student)
        result.max_score = result.max_score or spec.max_score
    with sessions() as session:
        grading = session.get(Grading, grading_id)
        if grading is None or grading.status != "running":
            return  # requeued and finished by someone else meanwhile: theirs stands
        store.finish_grading(session, grading=grading, result=result)
        session.commit()
    log.info("graded grading=%d exercise=%s student=%s status=%s score=%s", grading_id, slug, student,
             result.status, result.score)


def drain(sessions: sessionmaker[Session], *, catalog: Catalog, grade: GradeFn) -> int:
    """Grade queued gradings one after another until none is left; returns how many were graded."""
    done = 0
    while True:
        with sessions() as session:
            grading_id = claim_next(session)
        if grading_id is None:
            return done
        run_claimed(sessions, catalog=catalog, grading_id=grading_id, grade=grade)
        done += 1


class EmbeddedWorkers:
    """Threads in the web process that drain the queue through the shared warm sandbox pool.

    Each thread grades one submission at a time; the sandbox pool underneath runs them in separate processes,
    so `threads` should match the pool's size. `wake()` after a commit starts work at once; otherwise a
    thread looks again every `poll_s` and sweeps stale claims.
    """

    def __init__(self, sessions: sessionmaker[Session], *, catalog: Catalog, grade: GradeFn, threads: int,
                 poll_s: float = 2.0) -> None:
        self.sessions = sessions
        self.catalog = catalog
        self.grade = grade
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"grading-{i}", daemon=True)
                         for i in range(threads)]

    def start(self) -> None:
        """Re-queue gradings a previous process left running, then start the threads."""
        with self.sessions() as session:
            requeue_stale(session, older_than=timedelta(0))
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Tell idle threads that new work is queued."""
        self._wake.set()

    def alive(self) -> bool:
        """True while every thread is running."""
        return all(thread.is_alive() for thread in self._threads)

    def stop(self) -> None:
        """Stop after the gradings in progress."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _loop(self) -> None:
        """Claim and grade until stopped; an internal error is logged and the thread goes on."""
        while not self._stop.is_set():
            try:
                with self.sessions() as session:
                    requeue_stale(session)
                    grading_id = claim_next(session)
                if grading_id is None:
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                run_claimed(self.sessions, catalog=self.catalog, grading_id=grading_id, grade=self.grade)
            except Exception:  # a database hiccup must not kill the worker thread
                log.exception("grading worker error")
                self._stop.wait(self.poll_s)
