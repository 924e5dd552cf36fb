"""Scale-out for real: a private Redis server, `grader worker` processes, PostgreSQL; workers are SIGKILLed
and the broker restarted, and every submission is still graded exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from grader.db.models import Grading, Submission
from grader.db.session import make_engine, make_session_factory
from tests.conftest import _reset_postgres
from tests.ports import free_port
from tests.web_helpers import course_open_now, csrf_token, login, make_accounts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "exercises" / "solutions" / "lab-add-hidden-16"
GRADER = Path(sys.executable).parent / "grader"
WAIT_S = 240


class PrivateRedis:
    """A redis-server of this test only (nothing on disk), so it can be stopped and restarted at will."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Broker URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        """Stop the server; whatever it held is gone (no persistence)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis, stopped at the end."""
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied."""
    _reset_postgres(postgres_url)
    return postgres_url


class Workers:
    """`grader worker` processes started by a test; each in its own process group so SIGKILL takes all."""

    def __init__(self, broker_url: str, database_url: str, log_dir: Path) -> None:
        self.broker_url, self.database_url, self.log_dir = broker_url, database_url, log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        """Start one worker (one grading at a time, fast sweeps and a short heartbeat timeout)."""
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "GRADER_REDISPATCH_AFTER_S": "2"}
        proc = subprocess.Popen([str(GRADER), "worker", "--broker-url", self.broker_url, "--database-url",
                                 self.database_url, "--concurrency", "1", "--sweep-every", "1",
                                 "--stale-after", "5"], stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and everything it started."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        """Kill whatever is still running."""
        for proc in self.procs:
            if proc.poll() is None:
                self.kill(proc)


@pytest.fixture
def workers(redis_server: PrivateRedis, pg_url: str, tmp_path: Path) -> Iterator[Workers]:
    """A worker launcher bound to the private broker and PostgreSQL."""
    launcher = Workers(redis_server.url, pg_url, tmp_path)
    yield launcher
    launcher.stop_all()


@pytest.fixture
def web(redis_server: PrivateRedis, pg_url: str) -> Iterator[Any]:
    """The web app on PostgreSQL, dispatching to Celery through the private broker, with accounts."""
    from grader.web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": pg_url, "SECRET_KEY": "t", "BROKER_URL": redis_server.url})
    make_accounts(app)
    course_open_now(app)
    yield app
    app.extensions["grader"].engine.dispose()


def _submit(app: Any, student: str, code: str) -> int:
    """Submit `code` to lab-add-hidden-16 as `student` through the web form; returns the submission id."""
    client = app.test_client()
    login(client, student)
    page = "/exercises/lab-add-hidden-16"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "code": code})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _gradings(url: str, submission_id: int) -> list[Grading]:
    """Every grading row of a submission."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(Grading).join(Submission).where(Submission.id == submission_id)))
    finally:
        engine.dispose()


def _wait(url: str, submission_ids: list[int], status: str = "graded") -> None:
    """Wait until each submission's newest grading has `status`."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if all(max(_gradings(url, sid), key=lambda g: g.id).status == status for sid in submission_ids):
            return
        time.sleep(0.5)
    raise AssertionError(f"submissions {submission_ids} not {status} within {WAIT_S} s")


def test_celery_workers_give_the_same_results_as_the_embedded_pool(web: Any, workers: Workers, pg_url: str,
                                                                     grader_nodb: Any) -> None:
    """A right and a wrong answer graded by a Celery worker score and read exactly as the in-process pool."""
    workers.start()
    right, wrong = (SOLUTIONS / "solution.py").read_text(), (SOLUTIONS / "wrong-32-units.py").read_text()
    ids = [_submit(web, "ana", right), _submit(web, "beto", wrong)]
    _wait(pg_url, ids)
    health = web.test_client().get("/healthz").get_json()
    assert (health["status"], health["broker"], health["workers"]) == ("ok", "ok", "ok (1)")
    spec = web.extensions["grader"].catalog.get("lab-add-hidden-16")
    for sid, code, student in zip(ids, (right, wrong), ("ana", "beto"), strict=True):
        (grading,) = _gradings(pg_url, sid)
        embedded = grader_nodb.grade_bytes(spec=spec, filename="entrega.py", data=code.encode(), student=student)
        stored = grading.result_json
        assert (grading.score, grading.max_score) == (embedded.score, embedded.max_score)
        assert [(c["id"], c["points"], c["message"]) for c in stored["checks"]] == [
            (c.id, c.points, c.message.model_dump()) for c in embedded.checks]


def test_a_worker_killed_mid_grading_leaves_the_submission_graded_exactly_once(web: Any, workers: Workers,
                                                                              pg_url: str) -> None:
    """SIGKILL during a grading: the claim's heartbeat stops, the sweeper re-queues it, another worker
    grades it, and the gradebook holds one result (from the second claim)."""
    first = workers.start()
    slow = "import time\ntime.sleep(8)\n" + (SOLUTIONS / "solution.py").read_text()
    (sid,) = [_submit(web, "ana", slow)]
    _wait(pg_url, [sid], status="running")
    workers.kill(first)
    workers.start()
    _wait(pg_url, [sid])
    (grading,) = _gradings(pg_url, sid)
    assert grading.claims == 2
    assert grading.score == grading.max_score > 0


def test_a_broker_restart_loses_nothing(web: Any, workers: Workers, pg_url: str,
                                        redis_server: PrivateRedis) -> None:
    """Submissions accepted while the broker is down, and tasks the broker forgot when it restarted, are
    all graded once it is back: the database is the queue of record and the sweeper re-sends."""
    workers.start()
    redis_server.stop()
    ids = [_submit(web, "ana", (SOLUTIONS / "solution.py").read_text()),
           _submit(web, "beto", (SOLUTIONS / "wrong-one-layer.py").read_text())]
    assert all(_gradings(pg_url, sid)[0].status == "queued" for sid in ids)  # stored before any broker
    redis_server.start()
    _wait(pg_url, ids)
    assert [len(_gradings(pg_url, sid)) for sid in ids] == [1, 1]


def test_the_cli_enqueues_to_celery_when_a_broker_is_configured(workers: Workers, pg_url: str,
                                                                 redis_server: PrivateRedis, tmp_path: Path) -> None:
    """`grader grade` with a broker stores and queues each file, a worker grades them, and the CLI prints
    the same JSON lines as when it grades in-process."""
    folder = tmp_path / "entregas"
    folder.mkdir()
    (folder / "ana.py").write_text((SOLUTIONS / "solution.py").read_text())
    (folder / "beto.py").write_text((SOLUTIONS / "wrong-32-units.py").read_text())
    workers.start()
    via_broker = subprocess.run([str(GRADER), "grade", "lab-add-hidden-16", str(folder), "--format", "json",
                                 "--db", pg_url, "--broker-url", redis_server.url],
                                capture_output=True, text=True, timeout=WAIT_S)
    assert via_broker.returncode == 0, via_broker.stderr
    local = subprocess.run([str(GRADER), "grade", "lab-add-hidden-16", str(folder), "--format", "json",
                            "--db", f"sqlite:///{tmp_path / 'local.sqlite3'}", "--workers", "1"],
                           capture_output=True, text=True, timeout=WAIT_S, env={**os.environ, "GRADER_BROKER_URL": ""})
    assert local.returncode == 0, local.stderr

    def rows(out: str) -> dict[str, tuple[Any, ...]]:
        return {r["student"]: (r["status"], r["score"], r["max_score"], r["checks"])
                for r in map(json.loads, out.splitlines())}

    assert rows(via_broker.stdout) == rows(local.stdout)
    assert rows(via_broker.stdout)["ana"][1] == 10
