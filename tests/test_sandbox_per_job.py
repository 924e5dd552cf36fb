"""One sandbox per job on a warm worker: a job can plant nothing for the next one, leave no process behind,
and take no memory the budget does not see. Every attack (tests/attacks/) is followed by an honest
submission on the SAME worker (same zygote), which must keep full marks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.core.results import GradeResult
from grader.engine.grader import Grader
from grader.engine.sandbox.cgroup import MemoryGroups
from grader.engine.sandbox.isolation import Isolation
from grader.engine.sandbox.job import Job, RunLimits
from grader.engine.sandbox.procs import descendants
from grader.engine.sandbox.warm import WarmRunner, WarmWorker

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ATTACKS = Path(__file__).with_name("attacks")
# The honest student imports what the planter plants (statistics, matplotlib) before building the model.
HONEST = "import statistics\nimport matplotlib\n" + (
    REPO / "exercises" / "solutions" / "lab-add-hidden-16" / "solution.py").read_text()
# What tests/attacks/planter.py plants (as NAME.py or NAME/__init__.py).
PLANTED = ("statistics", "seaborn", "tqdm", "IPython", "keras_extra", "matplotlib", "sitecustomize", "usercustomize")
# The attacker's next submission: whatever of the previous student's it can find.
READER = """import glob
value = sorted(glob.glob('/tmp/*') + glob.glob('/dev/shm/*') + glob.glob('/student/*') + glob.glob('/sandbox/*')
               + glob.glob('/stolen*') + glob.glob('/etc/*.py'))
"""


@pytest.fixture(scope="module")
def one_worker() -> Iterator[Grader]:
    """A grader with ONE warm worker: every job below runs on the same zygote, one after the other."""
    with Grader(workers=1, start=1) as grader:
        yield grader


def _worker(grader: Grader) -> WarmWorker:
    assert grader.warm is not None
    return grader.warm.workers[0]


def _grade(grader: Grader, name: str, source: str) -> GradeResult:
    """Grade bytes directly (no database, so no stored result is ever reused)."""
    return grader.grade_bytes(spec=grader.catalog.get("lab-add-hidden-16"), filename=name, data=source.encode(),
                              student=name.removesuffix(".py"))


def _attack(grader: Grader, name: str) -> GradeResult:
    return _grade(grader, name, (ATTACKS / name).read_text())


def _left_behind(worker: WarmWorker) -> set[int]:
    """Processes under the worker's sandbox that are not the sandbox and its zygote."""
    assert worker.pid is not None
    return set(descendants(worker.pid)) - worker._resident


def _assert_honest_full_marks(grader: Grader) -> None:
    honest = _grade(grader, "honest.py", HONEST)
    assert honest.status == "graded", honest.error
    assert honest.score == honest.max_score == 10, [(c.id, c.message) for c in honest.checks]


def test_code_planted_by_one_job_never_reaches_the_next(one_worker: Grader) -> None:
    """The planter writes modules into every directory on sys.path, /sandbox, /, /etc, /tmp, /dev/shm: none of
    it exists for the next student (whose Dense(16) stays 16), nor for the attacker's own next job."""
    _assert_honest_full_marks(one_worker)
    worker = _worker(one_worker)
    starts = worker.starts
    attack = _attack(one_worker, "planter.py")
    assert attack.status == "graded" and attack.score < attack.max_score
    _assert_honest_full_marks(one_worker)
    assert one_worker.warm is not None
    found = one_worker.warm.run(Job(code=READER, starter_code="", grade=["value"], data={}, limits=RunLimits()))
    assert found.ok, found.error
    assert found.payload is not None
    left = [path for path in found.payload["variables"]["value"]["value"]
            if any(mark in path for mark in (*PLANTED, "stolen"))]
    assert left == [], "what the planter wrote or copied is gone"
    assert worker.starts == starts, "the attack and the honest jobs ran on one zygote, with no restart between"


def test_no_process_of_a_job_outlives_it(one_worker: Grader) -> None:
    """Processes that re-fork every few milliseconds and SIGSEGV whatever they see are gone the moment their
    job ends (its PID namespace ends with it); the next job is not touched."""
    worker = _worker(one_worker)
    starts = worker.starts
    attack = _attack(one_worker, "survivor.py")
    assert attack.score < attack.max_score
    assert _left_behind(worker) == set()
    time.sleep(0.5)  # a survivor would have re-forked many times by now
    assert _left_behind(worker) == set()
    _assert_honest_full_marks(one_worker)
    assert worker.starts == starts


def test_memory_of_a_job_counts_files_and_shared_memory_and_is_given_back(one_worker: Grader) -> None:
    """3 GB written to every writable place, 2 GB of SysV and POSIX shared memory, 3 GB of memfds: the job is
    stopped within its budget (the host never loses 3 GB), and once it ends its memory is all back."""
    worker = _worker(one_worker)
    group = worker._group
    assert one_worker.isolation.memory.enforced and group is not None, \
        "these machines have a writable memory cgroup: " + one_worker.isolation.memory.describe()
    before = group.usage_bytes()
    group.reset_peak()
    attack = _attack(one_worker, "memory_hog.py")
    assert attack.status == "error" and attack.error is not None
    assert "límite de memoria (2048 MB" in attack.error.es, attack.error.es
    assert group.peak_bytes() - before < 3 * 1024**3
    assert _left_behind(worker) == set()
    assert group.usage_bytes() - before < 200 * 1024**2, "tmpfs, SysV and memfd pages were all freed"
    _assert_honest_full_marks(one_worker)


def _min_available_mb(stop: threading.Event, seen: list[float]) -> None:
    while not stop.wait(0.05):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                seen.append(int(line.split()[1]) / 1024)


def test_without_a_cgroup_size_caps_and_the_watchdog_still_bound_a_job() -> None:
    """Where no memory cgroup can be made, every writable place is a capped tmpfs, SysV memory is capped per
    job, and the watchdog counts private pages and memfds: the same hog is stopped and the host keeps its
    memory; the next job on that worker is untouched."""
    isolation = Isolation(sandboxed=True, memory=MemoryGroups(None, reason="test: no cgroup"))
    warm = WarmRunner(1, isolation=isolation)
    try:
        warm.workers[0].ensure_started()
        seen: list[float] = []
        stop = threading.Event()
        watcher = threading.Thread(target=_min_available_mb, args=(stop, seen), daemon=True)
        before = float(Path("/proc/meminfo").read_text().split("MemAvailable:")[1].split()[0]) / 1024
        watcher.start()
        run = warm.run(Job(code=(ATTACKS / "memory_hog.py").read_text(), starter_code="", grade=["model"],
                           data={}, limits=RunLimits(timeout_s=120)))
        stop.set()
        watcher.join()
        assert run.error is not None and "límite de memoria" in run.error.es, (run.error, run.stderr[-500:])
        assert before - min(seen) < 3 * 1024, f"the host lost {before - min(seen):.0f} MB"
        honest = warm.run(Job(code=HONEST, starter_code="", grade=["model"], data={}, limits=RunLimits()))
        assert honest.ok, honest.error
        layers = honest.payload["variables"]["model"]["config"]["config"]["layers"]  # type: ignore[index]
        assert [layer["config"].get("units") for layer in layers if layer["class_name"] == "Dense"] == [16, 16, 3, 2]
    finally:
        warm.close()


def test_through_the_services_queue_planting_and_survivors_never_reach_the_next_student(tmp_path: Path) -> None:
    """`grader serve` with one worker, through the JSON API: the planter's and the survivor's submissions,
    then an honest one on the same worker; the honest one keeps 10/10, /healthz stays ok, and the service
    runs no more processes than it did before the attacks."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    grader_cmd = str(Path(sys.executable).parent / "grader")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    proc = subprocess.Popen([grader_cmd, "serve", "--port", str(port), "--workers", "1", "--database-url", db],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            env={**os.environ})
    base = f"http://127.0.0.1:{port}"
    try:
        lines: list[str] = []
        while not any("Sirviendo en" in line for line in lines):
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, "grader serve exited:\n" + "".join(lines)
            lines.append(line)
        assert any("memory budget: cgroup" in line for line in lines), "".join(lines)
        token = subprocess.run([grader_cmd, "users", "token", "alumna1", "--db", db], capture_output=True,
                               text=True, check=True, cwd=tmp_path).stdout.strip()

        def submit(name: str, source: str) -> dict[str, object]:
            body = json.dumps({"exercise": "lab-add-hidden-16", "filename": name, "source": source}).encode()
            request = urllib.request.Request(f"{base}/api/v1/submissions", data=body, method="POST", headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                location = response.headers["Location"]
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                poll = urllib.request.Request(location if location.startswith("http") else base + location,
                                              headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(poll, timeout=30) as response:
                    out = json.load(response)
                if out["finished"]:
                    return out
                time.sleep(0.3)
            raise AssertionError(f"{name} was not graded in time")

        first = submit("honest.py", HONEST)
        assert first["score"] == first["max_score"] == 10, first
        resident = len(descendants(proc.pid))
        for attack in ("planter.py", "survivor.py"):
            result = submit(attack, (ATTACKS / attack).read_text())
            assert result["status"] == "graded" and result["score"] < result["max_score"], result
            # Not byte-identical to the first: a resubmission of the same bytes would reuse the stored result.
            honest = submit("honest.py", HONEST + f"\n# after {attack}\n")
            assert honest["score"] == honest["max_score"] == 10, (attack, honest)
        time.sleep(0.5)
        assert len(descendants(proc.pid)) == resident, "a process of an attack is still running"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert json.load(response)["workers"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_a_checkout_under_tmp_stays_visible_to_every_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clone under /tmp (CI's, say) is bound read-only below /tmp in the sandbox; a job's fresh /tmp must not
    hide it (its virtualenv is where the job's lazy imports come from), and must still be empty and writable."""
    import tempfile

    from grader.engine.sandbox import warm as warm_module
    from grader.engine.sandbox.isolation import Mount, make_isolation

    holder = tempfile.TemporaryDirectory(dir="/tmp")  # pytest's tmp_path is mode 700: no sandbox uid reads it
    package = Path(holder.name) / "checkout"
    package.mkdir()
    for path in (Path(holder.name), package):
        path.chmod(0o755)
    (package / "course_module.py").write_text("ANSWER = 42\n")
    (package / "course_module.py").chmod(0o644)
    monkeypatch.setattr(warm_module, "COURSE_MOUNTS",
                        (*warm_module.COURSE_MOUNTS, Mount(package, Path("/tmp/checkout/lib"))))
    runner = WarmRunner(1, isolation=make_isolation())
    try:
        for job in ("first", "second"):  # the second job finds the same mount, and none of the first's files
            code = ("import os, sys\nsys.path.insert(0, '/tmp/checkout/lib')\nimport course_module\n"
                    f"open('/tmp/{job}.txt', 'w').write('x')\n"
                    "value = [course_module.ANSWER, sorted(os.listdir('/tmp')), os.listdir('/tmp/checkout/lib')]")
            run = runner.run(Job(code=code, starter_code="", grade=["value"], data={}, limits=RunLimits()))
            assert run.ok, (run.error, run.stderr[-500:])
            assert run.payload is not None
            answer, listing, lib = run.payload["variables"]["value"]["value"]
            # Besides its own file, /tmp holds only mount points (a clone under /tmp adds its own, e.g. /tmp/x).
            assert answer == 42 and lib == ["course_module.py"] and "checkout" in listing
            assert f"{job}.txt" in listing, listing
            if job == "second":
                assert "first.txt" not in listing, "the first job's /tmp went with it"
    finally:
        runner.close()
        holder.cleanup()
