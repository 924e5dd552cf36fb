"""`grader worker`: a Celery worker that grades with this machine's warm sandbox pool."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import click

from grader.cli.common import open_grader
from grader.cli.logs import configure_logging
from grader.course.course import DEFAULT_COURSE_FILE, load_course
from grader.db.runtime import Runtime
from grader.db.session import default_database_url
from grader.engine.grader import default_workers
from grader.lti.config import lti_config_from_env
from grader.lti.scores import start_outbox_loop
from grader.queue.celery import (
    QUEUE,
    CeleryDispatcher,
    WorkerContext,
    broker_url_from_env,
    make_celery,
    set_worker_context,
    start_sweeper,
)
from grader.queue.claims import STALE_AFTER


@click.command()
@click.option("--broker-url", default=broker_url_from_env, required=True,
              help="Redis URL of the broker (env GRADER_BROKER_URL), e.g. redis://127.0.0.1:6379/0.")
@click.option("--database-url", default=default_database_url, show_default="GRADER_DATABASE_URL",
              help="The shared database (PostgreSQL when there are several machines).")
@click.option("--concurrency", type=click.IntRange(min=1), default=default_workers, show_default="cores",
              help="Gradings at once on this machine (warm sandbox workers and Celery threads).")
@click.option("--sweep-every", type=float, default=10.0, show_default=True,
              help="Seconds between sweeps (re-queue dead workers' gradings, re-send lost tasks).")
@click.option("--stale-after", type=float, default=STALE_AFTER.total_seconds(), show_default=True,
              help="Seconds without a heartbeat after which a running grading is re-queued.")
@click.option("--unsafe-no-sandbox", is_flag=True, help="Run student code WITHOUT bubblewrap (trusted machines).")
def worker(broker_url: str, database_url: str, concurrency: int, sweep_every: float, stale_after: float,
           unsafe_no_sandbox: bool) -> None:
    """Grade queued submissions from the broker until stopped (SIGTERM finishes the current gradings)."""
    configure_logging()
    runtime = Runtime(database_url=database_url)
    sessions, catalog = runtime.sessions, runtime.catalog
    app = make_celery(broker_url)
    with open_grader(workers=concurrency, catalog=catalog, unsafe=unsafe_no_sandbox,
                     start=concurrency) as grader:
        set_worker_context(WorkerContext(sessions=sessions, catalog=catalog, grade=grader.grade_bytes,
                                         heartbeat=timedelta(seconds=stale_after / 5)))
        stop = start_sweeper(sessions, CeleryDispatcher(app), every_s=sweep_every, limit=concurrency,
                             stale_after=timedelta(seconds=stale_after))
        lti = lti_config_from_env()
        if lti is not None:  # the workers also send the scores waiting for the LMS (and retry failed ones)
            outbox = start_outbox_loop(sessions, config=lti, course=load_course(DEFAULT_COURSE_FILE, catalog=catalog),
                                       catalog=catalog)
        try:
            app.worker_main(["worker", "--pool", "threads", "--concurrency", str(concurrency), "--queues", QUEUE,
                             "--hostname", f"grader-{os.getpid()}@{socket.gethostname()}", "--without-gossip",
                             "--without-mingle", "--loglevel", "INFO"])
        finally:
            stop.set()
            if lti is not None:
                outbox.set()
