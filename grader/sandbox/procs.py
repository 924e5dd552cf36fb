"""The process tree of a run, read from /proc: its memory, and killing all of it.

A sandboxed run lives in its own PID namespace and session, so neither its pid nor its process group
reaches everything it started; its descendants in /proc do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (read from /proc; the sandbox's PID namespace is nested in ours)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants, in MB (shared pages counted in each)."""
    total = 0
    for child in descendants(pid):
        try:
            with open(f"/proc/{child}/statm") as fh:
                total += int(fh.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill the run and everything it started, whichever session or namespace it moved to."""
    for pid in reversed(descendants(proc.pid)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def uid_tasks(uid: int) -> int:
    """How many threads the machine runs under `uid` (what RLIMIT_NPROC counts), read from /proc."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return total
