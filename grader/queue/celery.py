"""Celery over Redis for grading on several machines; the database stays the queue of record.

A task carries no submission: `grader.grade_next` claims the oldest queued grading in the database and
grades it. So a lost message (a broker restart) loses nothing, a duplicated one finds nothing to claim,
and the sweeper in every worker re-sends tasks for gradings that wait too long and re-queues the claims
of workers that died (their heartbeat stopped), up to `grader.queue.claims.MAX_CLAIMS` claims: a submission that
kills its worker every time is then stored as failed, not re-sent forever. A grading function that raises
stores a failed result too (`run_claimed`). Tasks are acknowledged late, after the result is stored.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from grader.core.specs.loader import Catalog
from grader.db.models import Grading, utcnow
from grader.queue.claims import HEARTBEAT_EVERY, STALE_AFTER, GradeFn, claim_next, requeue_stale, run_claimed

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)

QUEUE = "grading"
TASK = "grader.grade_next"
# A queued grading with no worker on it after this long gets a new task (its message may have been lost).
REDISPATCH_AFTER = timedelta(seconds=float(os.environ.get("GRADER_REDISPATCH_AFTER_S", "20")))


def broker_url_from_env() -> str | None:
    """`GRADER_BROKER_URL` (e.g. redis://127.0.0.1:6379/0), or None for the embedded single-machine mode."""
    return os.environ.get("GRADER_BROKER_URL") or None


def make_celery(broker_url: str) -> Celery:
    """The Celery app: late acknowledgement, one task prefetched per thread, results kept in the database."""
    from celery import Celery  # imported on use: the embedded mode and most CLI commands never need it

    app = Celery("grader", broker=broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # An unacknowledged message comes back after this; the database sweeper is faster, this is a backstop.
        broker_transport_options={"visibility_timeout": 900},
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK, bind=False)(_grade_next)
    return app


@dataclass
class WorkerContext:
    """What a worker process grades with: set once by `grader worker` before Celery starts."""

    sessions: sessionmaker[Session]
    catalog: Catalog
    grade: GradeFn
    # Well under the sweeper's stale timeout, so a live worker's claim is never taken from it.
    heartbeat: timedelta = HEARTBEAT_EVERY


_context: WorkerContext | None = None


def set_worker_context(context: WorkerContext) -> None:
    """Install the worker's database, catalog and grading function."""
    global _context
    _context = context


def _grade_next() -> bool:
    """Claim and grade the oldest queued grading; False when there was nothing to claim."""
    if _context is None:
        raise RuntimeError("grader.queue.celery: worker context not set (start workers with `grader worker`)")
    with _context.sessions() as session:
        claim = claim_next(session)
    if claim is None:
        return False
    return run_claimed(_context.sessions, catalog=_context.catalog, claim=claim, grade=_context.grade,
                       heartbeat=_context.heartbeat)


class CeleryDispatcher:
    """The web's and the CLI's side: one `grade_next` task per queued grading, never failing the caller."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def notify(self, count: int = 1) -> bool:
        """Send `count` tasks; a broker that is down is logged, not raised (the sweeper re-sends later)."""
        try:
            with self.app.producer_or_acquire() as producer:
                for _ in range(count):
                    self.app.send_task(TASK, queue=QUEUE, producer=producer, retry=False)
            return True
        except Exception:  # the submission is committed already; losing the wake-up loses nothing
            log.warning("broker unavailable: %d grading task(s) not sent now; the sweeper will", count,
                        exc_info=True)
            return False

    def broker_ok(self) -> bool:
        """True when the broker accepts a connection."""
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            return True
        except Exception:  # any transport error means "down" for the health probe
            return False

    def pending_messages(self) -> int:
        """Tasks waiting in the broker's grading queue."""
        from kombu import Queue

        with self.app.connection_for_read() as connection:
            # Declaring (not passively) also answers 0 for a queue the broker has not seen yet.
            declared = Queue(QUEUE).bind(connection.default_channel).queue_declare()
            return int(declared.message_count)

    def workers(self) -> int:
        """How many workers answer a ping within a second."""
        try:
            return len(self.app.control.ping(timeout=1.0) or [])
        except Exception:  # broker down: no worker can be reached either
            return 0


def sweep(sessions: sessionmaker[Session], dispatcher: CeleryDispatcher, *, limit: int,
          stale_after: timedelta = STALE_AFTER) -> int:
    """Re-queue dead workers' claims and re-send tasks for gradings waiting too long; returns tasks sent.

    Only the shortfall is sent (queued gradings minus messages already waiting in the broker), so a long
    but healthy queue does not grow with every sweep.
    """
    with sessions() as session:
        requeue_stale(session, older_than=stale_after)
        queued, overdue = session.execute(
            select(func.count(Grading.id),
                   func.count(Grading.id).filter(Grading.created_at <= utcnow() - REDISPATCH_AFTER))
            .where(Grading.status == "queued")).one()
    if not overdue:
        return 0
    try:
        shortfall = queued - dispatcher.pending_messages()
    except Exception:  # broker down: nothing can be sent now anyway
        log.warning("sweep: broker unreachable, %d grading(s) wait", overdue, exc_info=True)
        return 0
    count = min(max(shortfall, 0), limit)
    if count and dispatcher.notify(count):
        log.info("sweeper re-sent %d task(s) for gradings waiting over %s", count, REDISPATCH_AFTER)
    return count


def start_sweeper(sessions: sessionmaker[Session], dispatcher: CeleryDispatcher, *, every_s: float, limit: int,
                  stale_after: timedelta = STALE_AFTER) -> threading.Event:
    """Run `sweep` every `every_s` seconds in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            try:
                sweep(sessions, dispatcher, limit=limit, stale_after=stale_after)
            except Exception:  # the database may be briefly away; try again next round
                log.warning("sweep failed", exc_info=True)

    threading.Thread(target=loop, name="sweeper", daemon=True).start()
    return stop
