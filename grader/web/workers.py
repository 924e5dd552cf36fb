"""Attach grading workers to a web app: threads in this process over a sandboxed grading pool."""

from __future__ import annotations

from flask import Flask

from grader.queue.claims import GradeFn
from grader.queue.embedded import EmbeddedWorkers


def attach_workers(app: Flask, *, grade: GradeFn, threads: int, poll_s: float = 2.0) -> EmbeddedWorkers:
    """Start `threads` grading threads for `app`, woken by every new submission; /healthz reports them."""
    web = app.extensions["grader"]
    workers = EmbeddedWorkers(web.sessions, catalog=web.catalog, grade=grade, threads=threads, poll_s=poll_s)
    web.workers = workers
    web.notify = workers.wake
    workers.start()
    return workers
