"""A zygote or evaluator that dies at any moment changes no result: the job runs again in a fresh process,
it is never an internal error and never blamed on the student. Killed as the kernel's out-of-memory killer
or an operator's restart would (SIGKILL from outside), in the engine, through `grader grade` and in
`grader serve`; every kill waits for the state it aims at (a job's child, a reply awaited), not for time."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.core.results import GradeResult
from grader.engine.evaluator import pool
from grader.engine.grader import Grader
from grader.engine.sandbox.isolation import make_isolation
from grader.engine.sandbox.job import Job, RunLimits
from grader.engine.sandbox.warm import WarmWorker
from tests.ports import free_port
from tests.process_killers import Killer, evaluators, kill, wait_gone, zygotes

pytestmark = pytest.mark.slow

GRADER = Path(sys.executable).parent / "grader"
SAMPLES = Path(__file__).resolve().parents[1] / "exercises" / "samples" / "lab-add-hidden-16"
FILES = ["ana.py", "bruno.py", "carla.ipynb", "diego.py", "fabian.py", "hector.py"]


def _seen(result: GradeResult) -> tuple[object, ...]:
    """What a student reads of a result."""
    return (result.status, result.score, result.error, result.judged,
            [(c.id, c.passed, c.points, c.message) for c in result.checks])


@pytest.fixture(scope="module")
def grader() -> Iterator[Grader]:
    with Grader(workers=1) as engine:
        yield engine


@pytest.fixture(scope="module")
def normal(grader: Grader) -> dict[str, tuple[object, ...]]:
    """Each file's result with nothing killed."""
    spec = grader.catalog.get("lab-add-hidden-16")
    return {name: _seen(grader.grade_bytes(spec=spec, filename=name, data=(SAMPLES / name).read_bytes(),
                                           student="s")) for name in FILES}


def _grade(grader: Grader, name: str) -> tuple[object, ...]:
    spec = grader.catalog.get("lab-add-hidden-16")
    return _seen(grader.grade_bytes(spec=spec, filename=name, data=(SAMPLES / name).read_bytes(), student="s"))


def _worker_root(worker: WarmWorker) -> int:
    """The host pid of one warm worker's sandbox (other graders of this test process have their own)."""
    return worker.pid or -1


def _template_root(grader: Grader) -> int:
    """The host pid of this grader's evaluator template."""
    return grader.evaluators.template.pid or -1


def _await(condition: Any, what: str, timeout_s: float = 120) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"never saw {what}")


def test_a_zygote_killed_mid_job_changes_no_result(grader: Grader, normal: dict,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    original = WarmWorker._wait
    killed: list[int] = []

    def kill_the_zygote_under_the_job(self: WarmWorker, job: Any) -> Any:
        if not killed:  # once the job's child runs, its zygote dies
            busy = _await(lambda: [z for z in zygotes(_worker_root(self)) if _has_child(z)], "a job's child")
            killed.append(busy[0])
            kill(busy[0])
        return original(self, job)

    monkeypatch.setattr(WarmWorker, "_wait", kill_the_zygote_under_the_job)
    assert _grade(grader, "ana.py") == normal["ana.py"]
    assert killed
    monkeypatch.undo()
    assert _grade(grader, "bruno.py") == normal["bruno.py"]  # the worker came back


def test_a_zygote_killed_while_idle_or_starting_changes_no_result(grader: Grader, normal: dict) -> None:
    assert _grade(grader, "carla.ipynb") == normal["carla.ipynb"]
    (idle,) = zygotes(_worker_root(grader.warm.workers[0]))  # type: ignore[union-attr]
    kill(idle)
    wait_gone(idle)
    assert _grade(grader, "diego.py") == normal["diego.py"]

    worker = grader.warm.workers[0]  # type: ignore[union-attr]
    worker.close()
    worker.spawn()  # importing TensorFlow in the background
    (starting,) = _await(lambda: zygotes(_worker_root(worker)), "a starting zygote")
    kill(starting)
    assert _grade(grader, "fabian.py") == normal["fabian.py"]


def test_an_evaluator_killed_mid_evaluation_changes_no_result(grader: Grader, normal: dict,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    original = pool.read_line
    killed: list[int] = []

    def kill_while_it_works(stream: Any, timeout_s: float, over_budget: Any = None) -> Any:
        if not killed:  # the request is written: the evaluator is working on it when it dies
            for busy in _await(lambda: evaluators(_template_root(grader)), "the evaluator"):
                killed.append(busy)
                kill(busy)
        return original(stream, timeout_s, over_budget)

    monkeypatch.setattr(pool, "read_line", kill_while_it_works)
    assert _grade(grader, "ana.py") == normal["ana.py"]
    assert killed


def test_an_evaluator_that_dies_on_every_try_is_the_submissions_doing(grader: Grader,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    original = pool.read_line

    def always_dies(stream: Any, timeout_s: float, over_budget: Any = None) -> Any:
        for busy in _await(lambda: evaluators(_template_root(grader)), "the evaluator"):
            kill(busy)
        return original(stream, timeout_s, over_budget)

    monkeypatch.setattr(pool, "read_line", always_dies)
    spec = grader.catalog.get("lab-add-hidden-16")
    result = grader.grade_bytes(spec=spec, filename="ana.py", data=(SAMPLES / "ana.py").read_bytes(), student="s")
    assert result.status == "error" and result.judged
    assert result.error is not None and "evaluador se detuvo" in result.error.es


def _has_child(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return bool(fh.read().split())
    except OSError:
        return False


def test_grader_grade_survives_killed_zygotes_and_evaluators(tmp_path: Path, normal: dict) -> None:
    proc = subprocess.Popen([str(GRADER), "grade", "lab-add-hidden-16", *[str(SAMPLES / n) for n in FILES],
                             "--workers", "2", "--format", "json", "--db", f"sqlite:///{tmp_path / 'g.sqlite3'}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    with Killer(root=proc.pid, zygotes_busy=1, evaluators_busy=1) as killer:
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert killer.killed["zygote busy"] == 1 and killer.killed["evaluator"] == 1, killer.killed
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    by_file = {Path(r["path"]).name: r for r in results}
    assert set(by_file) == set(FILES)
    for name in FILES:
        status, score, *_ = normal[name]
        assert (by_file[name]["status"], by_file[name]["score"]) == (status, score), (name, err[-2000:])


def test_grader_serve_survives_killed_zygotes_and_evaluators(tmp_path: Path, normal: dict) -> None:
    db = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    port = free_port()
    proc = subprocess.Popen([str(GRADER), "serve", "--port", str(port), "--workers", "2", "--database-url", db],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        _await(lambda: "Sirviendo en" in (proc.stdout.readline() or "x"), "the server start")  # type: ignore[union-attr]
        tokens = {user: subprocess.run([str(GRADER), "users", "token", user, "--db", db], capture_output=True,
                                       text=True, check=True, cwd=tmp_path).stdout.strip()
                  for user in ("alumna1", "alumno2")}
        base = f"http://127.0.0.1:{port}/api/v1"
        with Killer(root=proc.pid, zygotes_busy=1, evaluators_busy=1) as killer:
            posted = {}
            for number, name in enumerate([name for name in FILES if name.endswith(".py")][:4]):
                user = ("alumna1", "alumno2")[number % 2]
                posted[name] = _post(f"{base}/submissions", tokens[user], {
                    "exercise": "lab-add-hidden-16", "filename": name,
                    "source": (SAMPLES / name).read_text(encoding="utf-8")})["status_url"], tokens[user]
            done = {name: _await(lambda url=url, token=token: _finished(f"http://127.0.0.1:{port}{url}", token),
                                 f"the result of {name}", timeout_s=300) for name, (url, token) in posted.items()}
        assert killer.killed["zygote busy"] == 1 and killer.killed["evaluator"] == 1, killer.killed
        for name, body in done.items():
            status, score, *_ = normal[name]
            assert (body["status"], body["score"]) == (status, score), (name, body)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _post(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _finished(url: str, token: str) -> dict | None:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    return body if body["finished"] else None


def test_a_job_over_its_cpu_time_is_told_apart_from_a_worker_killed(grader: Grader) -> None:
    """The CPU limit ends a job with its own signal (SIGXCPU), not a SIGKILL that reads as a lost worker."""
    job = Job(code="while True:\n    pass\n", starter_code="", grade=["value"], data={},
              limits=RunLimits(timeout_s=120, cpu_s=2))
    run = grader.warm.run(job)  # type: ignore[union-attr]
    assert not run.worker_lost
    assert run.error is not None and "límite de CPU (2 s)" in run.error.es


def test_a_worker_started_by_a_thread_that_ended_keeps_serving() -> None:
    """The cause of the zygotes that died under load: the kernel's parent-death signal follows the thread that
    started a sandbox, and a batch's pool threads end. Started from any thread, a worker serves on."""
    isolation = make_isolation()
    worker = WarmWorker(isolation=isolation, uid=isolation.take_slot())
    try:
        starter = threading.Thread(target=worker.ensure_started)
        starter.start()
        starter.join()
        run = worker.run(Job(code="value = 41 + 1\n", starter_code="", grade=["value"], data={},
                             limits=RunLimits(timeout_s=120)))
        assert run.ok and not run.worker_lost, run.error
        assert worker.starts == 1, "the zygote died with the thread that started it"
    finally:
        worker.close()


def test_a_fresh_sandbox_killed_from_outside_runs_the_job_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold run SIGKILLed by something other than our limits is run again, and the student sees its real
    result; a job that ends badly on its own is not retried."""
    from grader.engine.sandbox import cold

    isolation = make_isolation()
    assert isolation.memory.enforced, "this machine's cgroup tells an outside kill from the kernel's OOM kill"
    original, killed = cold._watch, []

    def kill_the_first_run(proc: Any, limits: RunLimits, group: Any) -> Any:
        if not killed:
            killed.append(proc.pid)
            kill(proc.pid)
        return original(proc, limits, group)

    monkeypatch.setattr(cold, "_watch", kill_the_first_run)
    job = Job(code="value = 'ok'", starter_code="", grade=["value"], data={}, limits=RunLimits(timeout_s=60))
    run = cold.run_cold(job=job, isolation=isolation)
    assert killed and run.ok and run.payload["variables"]["value"]["value"] == "ok", run.error
    killed.clear()
    killed.append(0)  # no more outside kills: a job that ends badly on its own is the student's, once
    exits = cold.run_cold(job=Job(code="import os\nos._exit(3)\n", starter_code="", grade=["value"], data={},
                                  limits=RunLimits(timeout_s=60)), isolation=isolation)
    assert not exits.ok and not exits.internal and "código 3" in exits.error.es


def test_a_sandbox_that_fails_before_the_student_s_code_runs_is_the_grader_s_failure() -> None:
    """A harness that could not even import its frameworks (here a memory limit below what NumPy needs) never
    reached the student's code: the run says the grader failed; once the code runs, its own exit is its own."""
    from grader.engine.sandbox import cold

    isolation = make_isolation()
    starved = cold.run_cold(job=Job(code="value = 1", starter_code="", grade=["value"], data={},
                                    limits=RunLimits(timeout_s=60, memory_mb=1)), isolation=isolation)
    assert starved.internal and not starved.ok and "antes de ejecutar tu código" in starved.error.es
    exits = cold.run_cold(job=Job(code="import os\nos._exit(3)\n", starter_code="", grade=["value"], data={},
                                  limits=RunLimits(timeout_s=60)), isolation=isolation)
    assert not exits.internal and "código 3" in exits.error.es
    assert "grader: the student's code starts" not in exits.stderr  # the marker is not the student's to read
