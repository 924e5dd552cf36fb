"""Threads in this process that claim and grade queued gradings (the one-machine mode of `grader serve`)."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from grader.core.specs.loader import Catalog
from grader.queue.claims import GradeFn, claim_next, requeue_stale, run_claimed

log = logging.getLogger(__name__)


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
        # Sweeping is a write: done once per poll interval for the whole process, not before every claim.
        self._next_sweep = 0.0
        self._threads = [threading.Thread(target=self._loop, name=f"grading-{i}", daemon=True)
                         for i in range(threads)]

    def start(self) -> None:
        """Start the threads (gradings a dead process left running come back once their heartbeat is stale)."""
        for thread in self._threads:
            thread.start()

    def wake(self, count: int = 1) -> None:
        """Tell idle threads that `count` new gradings are queued (they drain the queue, whatever the count)."""
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
                    if time.monotonic() >= self._next_sweep:
                        self._next_sweep = time.monotonic() + self.poll_s
                        requeue_stale(session)
                    claim = claim_next(session)
                if claim is None:
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                run_claimed(self.sessions, catalog=self.catalog, claim=claim, grade=self.grade)
            except Exception:  # a database hiccup must not kill the worker thread
                log.exception("grading worker error")
                self._stop.wait(self.poll_s)
