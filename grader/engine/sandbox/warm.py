"""Warm sandboxed workers: each one a zygote (grader/engine/sandbox/zygote.py) inside its own bwrap sandbox and
uid, with TensorFlow already imported, forking a fresh isolated child per submission.

The host hands each job its own pipes (job input, private result, stdout, stderr) over a Unix socket, so
no job can read another's channel; a time-out, a memory overrun or a dead zygote kills the whole worker,
which restarts on the next job. Workers are recycled after `recycle_after` jobs anyway.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import queue
import select
import signal
import socket
import sys
import threading
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
    SandboxRun,
    environment,
    interpret,
    out_of_memory,
    watchdog_mb,
)
from grader.engine.sandbox.procs import (
    Supervised,
    descendants,
    private_mb,
    tree_rss_mb,
    uid_tasks,
)

ZYGOTE = Path(__file__).with_name("zygote.py")
FORKING = Path(__file__).with_name("forking.py")
WORK = Path("/student")
log = logging.getLogger(__name__)


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode()


class WarmWorker:
    """One zygote, one job at a time."""

    def __init__(self, *, isolation: Isolation, uid: int, recycle_after: int = 100,
                 preload: tuple[str, ...] | None = None) -> None:
        self.isolation, self.uid, self.recycle_after = isolation, uid, recycle_after
        self.preload = preload
        self._zygote = Supervised()
        self._resident: set[int] = set()
        self._group: MemoryGroup | None = None  # the zygote's cgroup, when budgets are enforced here
        self.jobs = 0
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """Host pid of the worker's sandbox (its whole tree is the worker), when running."""
        return self._zygote.pid

    def _spawn(self) -> None:
        """Launch the zygote; it imports TensorFlow in the background until `_await_ready`."""
        mounts = [Mount(ZYGOTE, Path("/sandbox/zygote.py")), Mount(HARNESS, Path("/sandbox/harness.py")),
                  Mount(FORKING, Path("/sandbox/forking.py")), *COURSE_MOUNTS]
        env = environment(WORK)

        def command(fd: int) -> list[str]:
            argv = [sys.executable, "-I", "-B", "/sandbox/zygote.py", str(fd)]
            if self.preload is not None:
                argv.append("--preload=" + ",".join(self.preload))
            return self.isolation.command(argv, uid=self.uid, mounts=mounts, env=env, workdir=WORK,
                                          group=self._group, zygote=True)

        self._group = self.isolation.memory.create(f"warm{self.uid}")
        self._zygote.launch(command, env={"PATH": "/usr/bin:/bin"})

    def _await_ready(self) -> None:
        """Wait for the spawned zygote to say it is ready to fork jobs."""
        if not self._zygote.await_ready():
            self.close()
            raise RuntimeError("the warm worker did not start")
        assert self._zygote.control is not None and self._zygote.proc is not None
        self._zygote.control.settimeout(None)
        self.jobs = 0
        self._resident = set(descendants(self._zygote.proc.pid))  # the sandbox and the zygote, nothing else
        self.starts += 1

    def close(self) -> None:
        """Stop the worker and everything below it."""
        self._zygote.close()
        if self._group is not None:
            self._group.remove()
            self._group = None

    def spawn(self) -> None:
        """Start the zygote now (or restart it after a failure or `recycle_after` jobs) without waiting for
        it: its TensorFlow import overlaps whatever the caller does next."""
        if not self._zygote.waiting() and (not self._zygote.running() or self.jobs >= self.recycle_after):
            self.close()
            self._spawn()

    def ensure_started(self) -> None:
        """A ready zygote: started (or restarted) when needed, and waited for."""
        self.spawn()
        if self._zygote.waiting():
            self._await_ready()

    def run(self, job: Job) -> SandboxRun:
        """Run one job in a fresh child of the zygote. A zygote found dead before the job reached it is
        replaced once; one that cannot be had, or that ends during the job, gives a run marked `worker_lost`
        (the caller runs the job again in a fresh sandbox)."""
        started = time.monotonic()
        pipes = [os.pipe() for _ in range(4)]  # job input, result, stdout, stderr
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1]]
        kills_before = self._hand_over(job, theirs)
        for fd in theirs:
            os.close(fd)
        if kills_before is None:
            for fd in (pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0]):
                os.close(fd)
            return SandboxRun(payload=None, error=None, worker_lost=True, duration_s=time.monotonic() - started)
        document = job.document(sandboxed=True) | {"data_npy": {k: _npy(v) for k, v in job.data.items()}}
        writer = threading.Thread(target=_write_all, args=(pipes[0][1], json.dumps(document).encode()), daemon=True)
        writer.start()
        readers = Readers.start(os.fdopen(pipes[2][0], "rb"), os.fdopen(pipes[3][0], "rb"),
                                os.fdopen(pipes[1][0], "rb"), job.limits)
        stopped, returncode = self._wait(job)
        killed_by_kernel = stopped is None and out_of_memory(self._group, kills_before, returncode)
        lost = stopped is None and returncode in (None, -signal.SIGKILL) and not killed_by_kernel
        context = self._describe() if lost else ""  # before closing: is the zygote alive, how it ended, memory
        if stopped is not None or returncode is None:
            self.close()  # a stuck or oversized child: the whole worker goes, and restarts next time
        else:
            self._kill_leftovers()  # the kernel's out-of-memory kill took the job only: the zygote stays
        stopped = "memory" if killed_by_kernel else stopped
        readers.join()
        writer.join(timeout=5)
        run = interpret(readers, stopped=stopped, returncode=returncode if returncode is not None else -9,
                        limits=job.limits, started=started)
        if lost:
            run.worker_lost = True
            log.warning("warm worker (uid %d) lost job %d: %s; %s; child stderr ends: %r", self.uid, self.jobs,
                        "no exit status from the zygote" if returncode is None else "the child was SIGKILLed",
                        context, run.stderr[-600:])
        return run

    def _hand_over(self, job: Job, fds: list[int]) -> int | None:
        """Give the job's descriptors to a ready zygote and set the job's memory budget. Returns the memory
        group's out-of-memory kill count before the job (0 without a group), or None when no zygote could
        take the job: one that died since its last job (killed while idle, or while starting) is replaced
        once; the job has not started either way."""
        for attempt in range(2):
            step = "starting the zygote"
            try:
                self.ensure_started()
                control = self._zygote.control
                assert control is not None
                kills_before = 0
                step = "setting the job's memory budget"
                if self._group is not None:  # this job's budget, on top of what the zygote already holds
                    kills_before = self._group.oom_kills()
                    self._group.limit(self._group.usage_bytes() + (job.limits.ram_mb << 20))
                step = "handing the job to the zygote"
                socket.send_fds(control, [b"job"], fds)
            except (OSError, RuntimeError) as exc:
                # Either step failing means this worker cannot run the job as bounded: a fresh one is started
                # (its own group); the log says which step failed, so a cgroup problem is not read as a death.
                log.warning("warm worker (uid %d) could not take a job while %s (%s; %s)%s", self.uid,
                            step, exc, self._describe(),
                            ": starting another" if attempt == 0 else "")
                self.close()
                continue
            self.jobs += 1
            return kills_before
        return None

    def _describe(self) -> str:
        """The worker's state, for the log of a lost job: whether the zygote lives, how its sandbox ended
        (exit status, or the signal that killed it), the kernel's memory record of its group, its threads."""
        proc = self._zygote.proc
        status = None if proc is None else proc.poll()
        ended = "not started" if proc is None else ("alive" if status is None else _how_it_ended(status))
        memory = ""
        if self._group is not None:
            memory = (f"; group {self._group.usage_bytes() >> 20} MB of limit, peak {self._group.peak_bytes() >> 20}"
                      f" MB, {self._group.oom_kills()} out-of-memory kills")
        pid = proc.pid if proc is not None and status is None else None
        return (f"zygote {ended}, {uid_tasks(self.uid)} threads under this uid, "
                f"tree RSS {tree_rss_mb(pid) if pid is not None else 0:.0f} MB{memory}")

    def _kill_leftovers(self) -> None:
        """Kill whatever a job left running. Its PID namespace already ends every process it started when its
        first one ends; this is the host's own check that none is left to signal the next job."""
        assert self._zygote.pid is not None
        for pid in set(descendants(self._zygote.pid)) - self._resident:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def _wait(self, job: Job) -> tuple[str | None, int | None]:
        control, root = self._zygote.control, self._zygote.pid
        assert control is not None and root is not None
        deadline = time.monotonic() + job.limits.timeout_s
        cap = watchdog_mb(job.limits, self._group)
        while True:
            ready, _, _ = select.select([control], [], [], 0.25)
            if ready:
                try:
                    message = control.recv(64).decode(errors="replace")
                except OSError:  # the zygote is gone (its end was reset): the job went with it
                    return None, None
                if not message.startswith("exit "):
                    return None, None
                code, cpu_s = message.split()[1], float(message.split()[2])
                # The CPU limit's SIGKILL (the job, process 1 of its namespace, never gets its SIGXCPU).
                return None, -signal.SIGXCPU if int(code) == -signal.SIGKILL and cpu_s >= job.limits.cpu_s \
                    else int(code)
            if time.monotonic() > deadline:
                return "timeout", None
            # The job's own pages: a forked child's RSS also counts all it shares with the zygote.
            if private_mb(list(set(descendants(root)) - self._resident)) > cap:
                return "memory", None


def _how_it_ended(status: int) -> str:
    """'exited with 3', 'killed by SIGKILL' (a sandbox relays its command's end as 128 + the signal)."""
    signum = -status if status < 0 else status - 128 if status > 128 else 0
    with contextlib.suppress(ValueError):
        if signum:
            return f"killed by {signal.Signals(signum).name}"
    return f"exited with {status}"


def _write_all(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError:
        pass  # the child died before reading its job: its exit status tells the story


class WarmRunner:
    """A fixed set of warm workers shared by the grading threads, each with its own uid."""

    def __init__(self, size: int, *, isolation: Isolation, recycle_after: int = 100,
                 preload: tuple[str, ...] | None = None) -> None:
        """`preload`: None imports Keras in each zygote as a fresh process does; a tuple defers Keras'
        optional extras and imports only those modules ahead (see grader/engine/sandbox/preload.py)."""
        self._isolation = isolation
        self._uids = [isolation.take_slot() for _ in range(max(1, size))]
        self.workers = [WarmWorker(isolation=isolation, uid=uid, recycle_after=recycle_after, preload=preload)
                        for uid in self._uids]
        self._free: queue.Queue[WarmWorker] = queue.Queue()
        for worker in self.workers:
            self._free.put(worker)

    def start(self, count: int) -> None:
        """Spawn the first `count` workers now, in the background (see `WarmWorker.spawn`)."""
        for worker in self.workers[:count]:
            worker.spawn()

    def run(self, job: Job) -> SandboxRun:
        """Run `job` on the next free worker."""
        worker = self._free.get()
        try:
            return worker.run(job)
        finally:
            self._free.put(worker)

    def close(self) -> None:
        """Stop every worker and give their uids back."""
        for worker in self.workers:
            worker.close()
        for uid in self._uids:
            self._isolation.give_back(uid)
