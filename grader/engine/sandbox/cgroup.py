"""A memory budget the kernel enforces on a sandboxed process tree: one cgroup per warm worker, cold run or
evaluator, where the host lets us make one.

Page counting by the kernel is what makes the budget honest: a cgroup is charged for everything its
processes allocate, including pages no RSS figure shows (files written to a tmpfs, POSIX and SysV shared
memory, memfds). cgroup v2 (`memory.max`) is used where the unified hierarchy has the memory controller;
else cgroup v1's memory hierarchy (`memory.limit_in_bytes`), as on these machines. Neither needs anything
of the sandboxed process: the host puts the sandbox's first process in the group before it execs.

Where neither can be created (not root, no memory controller), `MemoryGroups.detect()` says so and the
sandbox falls back to size caps on every writable place plus the RSS watchdog (grader/engine/sandbox/cold.py).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


def _own_path(controller: str | None) -> str | None:
    """This process's cgroup path in the v1 hierarchy of `controller`, or in the v2 one (None)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if (controller is None and controllers == "") or (controller and controller in controllers.split(",")):
            return path
    return None


@dataclass(frozen=True)
class MemoryGroups:
    """Where this process may create memory-limited cgroups: `base` (a directory of the hierarchy),
    `version` 1 or 2; `base` None when no kind is usable here (then `reason` says why)."""

    base: Path | None
    version: int = 0
    reason: str = ""

    @classmethod
    def detect(cls) -> MemoryGroups:
        """The first kind that works here: v2 with the memory controller, then v1's memory hierarchy."""
        if os.geteuid() != 0:
            return cls(None, reason="not running as root")
        v2 = _own_path(None)
        if v2 is not None and "memory" in _read(ROOT / "cgroup.controllers").split():
            base = ROOT / v2.lstrip("/")
            if "memory" in _read(base / "cgroup.subtree_control").split() and _probe(base):
                return cls(base, 2)
        v1 = _own_path("memory")
        if v1 is not None and (ROOT / "memory").is_dir():
            base = ROOT / "memory" / v1.lstrip("/")
            if _probe(base):
                return cls(base, 1)
        return cls(None, reason="no writable cgroup memory controller (v2 memory.max or v1 memory hierarchy)")

    @property
    def enforced(self) -> bool:
        """True when the kernel enforces the budgets."""
        return self.base is not None

    def describe(self) -> str:
        """One line for start-up logs: which memory limit is in force."""
        if self.base is None:
            return f"memory budget: RSS watchdog + size-capped tmpfs and shared memory ({self.reason})"
        knob = "memory.max" if self.version == 2 else "memory.limit_in_bytes"
        return f"memory budget: cgroup v{self.version} {knob} per sandbox, under {self.base}"

    def create(self, label: str) -> MemoryGroup | None:
        """A new empty group (None when budgets are not enforced here)."""
        if self.base is None:
            return None
        path = self.base / f"grader-{label}-{os.getpid()}-{next(_counter)}"
        path.mkdir()
        return MemoryGroup(path, self.version)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _probe(base: Path) -> bool:
    """Whether a child group can be made (and removed) under `base`."""
    probe = base / f"grader-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
        return True
    except OSError:
        return False


@dataclass
class MemoryGroup:
    """One sandbox's cgroup: its limit, its out-of-memory kills, and killing and removing all of it."""

    path: Path
    version: int

    def enter_command(self, argv: list[str]) -> list[str]:
        """`argv` run so that its first process is already in this group when it execs (and so is
        everything it starts): a shell writes its own pid to the group, then execs."""
        procs = self.path / "cgroup.procs"
        return ["/bin/sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "sh", *argv]

    def usage_bytes(self) -> int:
        """What the group is charged now."""
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        return int(_read(self.path / name) or 0)

    def peak_bytes(self) -> int:
        """The most the group was charged since it was made or `reset_peak` was last called."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        return int(_read(self.path / name) or 0)

    def reset_peak(self) -> None:
        """Start measuring the peak again from the present usage."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        with contextlib.suppress(OSError):
            (self.path / name).write_text("0")

    def limit(self, limit_bytes: int) -> None:
        """Cap the group at `limit_bytes` (the kernel reclaims, then kills inside the group, past it)."""
        name = "memory.max" if self.version == 2 else "memory.limit_in_bytes"
        (self.path / name).write_text(str(int(limit_bytes)))
        if self.version == 2:
            with contextlib.suppress(OSError):
                (self.path / "memory.swap.max").write_text("0")

    def oom_kills(self) -> int:
        """How many processes the kernel has killed in this group for going over its limit."""
        text = _read(self.path / ("memory.events" if self.version == 2 else "memory.oom_control"))
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def pids(self) -> list[int]:
        """Every process in the group."""
        return [int(p) for p in _read(self.path / "cgroup.procs").split()]

    def kill_all(self) -> None:
        """SIGKILL every process in the group (v2's cgroup.kill where it exists)."""
        if self.version == 2 and (self.path / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (self.path / "cgroup.kill").write_text("1")
        for _ in range(3):  # a process forking while we read is caught on the next round
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self, timeout_s: float = 5.0) -> None:
        """Kill what is left and remove the group (it can only go once its processes are gone)."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.kill_all()
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
