"""Launch the harness for one submission in a fresh separate process with limits, and read its JSON result.

The student process gets its own session (so the whole process group can be killed), a private
temporary directory as working directory, a minimal environment with no secrets, rlimits on memory,
CPU time, file size and open files (set by the harness before any student code runs), a wall-clock
time-out, and capped stdout/stderr. Its result travels on a dedicated pipe, never on stdout: what the
student prints is kept as logs only. Any abnormal end fails closed with a specific message.
Whether a job runs here or in a warm worker is the pipeline's choice (grader/engine/pipeline.py).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from grader.engine.sandbox.cgroup import MemoryGroup
from grader.engine.sandbox.isolation import Isolation, Mount
from grader.engine.sandbox.job import (
    COURSE_MOUNTS,
    HARNESS,
    Job,
    Readers,
    RunLimits,
    SandboxRun,
    environment,
    interpret,
    out_of_memory,
    watchdog_mb,
)
from grader.engine.sandbox.procs import kill_tree, tree_rss_mb

# What a fresh process's own interpreter, TensorFlow and Keras take, on top of a job's budget (a warm job's
# frameworks are the zygote's, already in memory).
FRAMEWORK_MB = 1024

log = logging.getLogger(__name__)


def _write_job(job_dir: Path, job: Job, *, sandboxed: bool) -> None:
    (job_dir / "data").mkdir()
    files = {}
    for name, array in job.data.items():
        rel = f"data/{name}.npy"
        np.save(job_dir / rel, np.asarray(array), allow_pickle=False)
        files[name] = rel
    document = job.document(sandboxed=sandboxed) | {"data": files}
    (job_dir / "job.json").write_text(json.dumps(document), encoding="utf-8")


def _watch(proc: subprocess.Popen[bytes], limits: RunLimits, group: MemoryGroup | None) -> str | None:
    """Wait for the run to end; 'timeout' or 'memory' when it had to be stopped."""
    deadline = time.monotonic() + limits.timeout_s
    cap = FRAMEWORK_MB + watchdog_mb(limits, group)
    while True:
        try:
            proc.wait(timeout=0.25)
            return None
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() > deadline:
            return "timeout"
        if tree_rss_mb(proc.pid) > cap:
            return "memory"


def run_cold(*, job: Job, isolation: Isolation) -> SandboxRun:
    """Run one submission's code isolated and limited in a fresh process, and return its plain-JSON result.

    A process SIGKILLed under none of our limits (no time-out, no watchdog, no out-of-memory kill in its memory
    group) was killed from outside (an operator, a node going down): the job runs once more, and only a second
    such end is reported as the submission's."""
    started = time.monotonic()
    for attempt in range(2):
        group = isolation.memory.create("run")
        if group is not None:
            group.limit((job.limits.ram_mb + FRAMEWORK_MB) << 20)
        try:
            stopped, returncode, readers = _run_fresh(job, isolation, group)
            if out_of_memory(group, 0, returncode):
                stopped = "memory"
        finally:
            if group is not None:
                group.remove()
        killed = stopped is None and group is not None and returncode in (KILLED_EXIT, -signal.SIGKILL)
        if not killed or attempt:
            break
        log.warning("the sandboxed process was killed from outside: running the job once more")
    return interpret(readers, stopped=stopped, returncode=returncode, limits=job.limits, started=started)


KILLED_EXIT = 128 + signal.SIGKILL  # how bwrap reports its child's SIGKILL


def _run_fresh(job: Job, isolation: Isolation, group: MemoryGroup | None) -> tuple[str | None, int, Readers]:
    """Run `job` in a new sandboxed process (in `group`, when given) until it ends or is stopped."""
    with tempfile.TemporaryDirectory(prefix="grader-job-") as tmp, isolation.slot() as uid:
        job_dir = Path(tmp)
        _write_job(job_dir, job, sandboxed=isolation.sandboxed)
        if isolation.sandboxed:
            inside_job, work = Path("/job"), Path("/student")
            harness = Path("/sandbox/harness.py")
            mounts = [Mount(job_dir, inside_job), Mount(HARNESS, harness), *COURSE_MOUNTS]
            if os.geteuid() == 0:  # only this slot's uid may read the job (bwrap opens it as that uid)
                for path in [job_dir, *job_dir.rglob("*")]:
                    os.chown(path, uid, uid)
        else:
            inside_job, work, harness, mounts = job_dir, job_dir / "work", HARNESS, []
            work.mkdir()
        read_fd, write_fd = os.pipe()
        argv = [sys.executable, "-I", "-B", str(harness), str(inside_job), str(work), str(write_fd)]
        env = environment(work)
        try:
            proc = subprocess.Popen(
                isolation.command(argv, uid=uid, mounts=mounts, env=env, workdir=work, group=group),
                pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, cwd=job_dir if isolation.sandboxed else work,
                env=env if not isolation.sandboxed else {"PATH": "/usr/bin:/bin"}, start_new_session=True,
            )
        finally:
            os.close(write_fd)
        readers = Readers.start(proc.stdout, proc.stderr, os.fdopen(read_fd, "rb"), job.limits)
        stopped = _watch(proc, job.limits, group)
        kill_tree(proc)  # either way: nothing the student started may outlive the run
        proc.wait()
        readers.join()
    return stopped, proc.returncode, readers

