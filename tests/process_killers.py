"""Finding the grader's sandboxed processes from outside, as the kernel's out-of-memory killer or an operator
would, to kill them while they work (tests of worker death, tests/test_worker_death.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field

from grader.engine.sandbox.procs import descendants


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _children(pid: int) -> list[int]:
    return [p for p in descendants(pid) if _parent(p) == pid]


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return -1


def zygotes(root: int) -> list[int]:
    """The serving zygotes below `root`: zygote.py processes whose parent is the one that made its namespaces
    (and not the jobs they fork, one level further down)."""
    found = [p for p in descendants(root) if "/sandbox/zygote.py" in _cmdline(p)]
    return [p for p in found if _parent(p) in found and _parent(_parent(p)) not in found]


def evaluators(root: int) -> list[int]:
    """The forked evaluators below `root` (children of the evaluator template)."""
    found = [p for p in descendants(root) if "grader.engine.evaluator.process" in _cmdline(p)]
    return [p for p in found if _parent(p) in found]


def kill(pid: int) -> bool:
    """SIGKILL `pid`; False when it was already gone."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pid: int, timeout_s: float = 30) -> None:
    """Wait until `pid` no longer exists (or is a zombie)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still runs")


@dataclass
class Killer:
    """Kills, below `root`, `zygotes_busy` zygotes while they run a job, `zygotes_idle` while they wait for
    one, and `evaluators_busy` evaluators while they compute; records what it killed."""

    root: int
    zygotes_busy: int = 1
    zygotes_idle: int = 0
    evaluators_busy: int = 1
    killed: dict[str, int] = field(default_factory=lambda: {"zygote busy": 0, "zygote idle": 0, "evaluator": 0})
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Killer:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)

    def _run(self) -> None:
        ticks: dict[int, int] = {}
        idle_since: dict[int, float] = {}
        while not self._stop.wait(0.02):
            for zygote in zygotes(self.root):
                busy = bool(_children(zygote))
                if busy and self.killed["zygote busy"] < self.zygotes_busy:
                    self.killed["zygote busy"] += kill(zygote)
                elif not busy and self.killed["zygote idle"] < self.zygotes_idle and self.killed["zygote busy"]:
                    # idle for a while after some job: between jobs, not while starting
                    since = idle_since.setdefault(zygote, time.monotonic())
                    if time.monotonic() - since > 0.3:
                        self.killed["zygote idle"] += kill(zygote)
                if busy:
                    idle_since.pop(zygote, None)
            for evaluator in evaluators(self.root):
                now = _cpu_ticks(evaluator)
                computing = evaluator in ticks and now - ticks[evaluator] >= 2
                ticks[evaluator] = now
                if computing and self.killed["evaluator"] < self.evaluators_busy:
                    with contextlib.suppress(Exception):
                        self.killed["evaluator"] += kill(evaluator)
