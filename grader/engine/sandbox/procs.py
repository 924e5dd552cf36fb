"""Sandboxed processes seen from the host: launching one with a control socket, and its process tree read
from /proc (its memory, its threads, killing all of it).

A sandboxed run lives in its own PID namespace and session, so neither its pid nor its process group
reaches everything it started; its descendants in /proc do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

START_TIMEOUT_S = 120.0  # importing TensorFlow on a loaded machine


# The thread every long-lived sandbox is started from. The kernel sends a sandbox's parent-death signal
# (bwrap's --die-with-parent, SIGKILL) when the *thread* that started it ends, not the process: a zygote
# started by a grading thread of a batch's pool died with that thread, killing whatever job it ran then.
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-launcher")


def launch_with_control(command_for: Callable[[int], list[str]], *,
                        env: dict[str, str]) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Start a process in its own session whose only channel is one end of a SOCK_SEQPACKET pair:
    `command_for(fd)` builds its command line from the descriptor it inherits. Its output is discarded.
    Returns the process and our end of the pair. It is started from one thread that lives as long as this
    process (`_LAUNCHER`), so it lives until it is closed or this process ends, whichever thread asked."""
    return _LAUNCHER.submit(_launch, command_for, env).result()


def _launch(command_for: Callable[[int], list[str]],
            env: dict[str, str]) -> tuple[subprocess.Popen[bytes], socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        proc = subprocess.Popen(command_for(theirs.fileno()), pass_fds=(theirs.fileno(),),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    return proc, ours


def said_ready(control: socket.socket, timeout_s: float = START_TIMEOUT_S) -> bool:
    """True when the launched process sends `ready` on its control socket within `timeout_s`."""
    control.settimeout(timeout_s)
    try:
        return control.recv(16) == b"ready"
    except OSError:
        return False


class Supervised:
    """One sandboxed server process that imports TensorFlow once and forks children on request (the students'
    warm zygote, the evaluators' template), seen from the host: launched without waiting, waited for once
    until it says `ready`, and killed with its whole tree. Relaunching counts `launches`."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.ready = False
        self.launches = 0

    @property
    def pid(self) -> int | None:
        """Host pid of the process's sandbox (its whole tree is the server), while launched."""
        return self.proc.pid if self.proc is not None else None

    def running(self) -> bool:
        """True while the launched process has not ended."""
        return self.proc is not None and self.proc.poll() is None

    def waiting(self) -> bool:
        """True between a launch and the process's `ready` (or the failure to get it)."""
        return self.control is not None and not self.ready

    def launch(self, command_for: Callable[[int], list[str]], *, env: dict[str, str]) -> None:
        """Stop any previous process, then start one (see `launch_with_control`) without waiting for it."""
        self.close()
        self.proc, self.control = launch_with_control(command_for, env=env)
        self.launches += 1

    def await_ready(self, timeout_s: float = START_TIMEOUT_S) -> bool:
        """Wait (once per launch) for the process to say `ready`; False when it did not in time."""
        if not self.ready and self.control is not None:
            self.ready = said_ready(self.control, timeout_s)
        return self.ready

    def close(self) -> None:
        """Close the control socket and kill the process with everything it started."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is not None:
            kill_tree(self.proc)
            self.proc.wait()
            self.proc = None
        self.ready = False


def _status(pid: int) -> dict[str, str]:
    """The fields of /proc/PID/status (raises OSError when the process is gone)."""
    with open(f"/proc/{pid}/status") as fh:
        return {key: value.strip() for key, _, value in (line.partition(":") for line in fh)}


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


def private_mb(pids: list[int]) -> float:
    """Memory that only these processes hold, in MB: their private pages (a forked child's RSS also counts
    every page it still shares with its parent; these do not), including shared memory only they map, plus
    the memfds they hold open, whose pages no RSS figure shows."""
    kb = 0
    memfds: dict[tuple[int, int], int] = {}  # one file open in several processes counts once
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    key, _, value = line.partition(":")
                    if key in ("Private_Clean", "Private_Dirty", "Private_Hugetlb", "Swap"):
                        kb += int(value.split()[0])
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("/memfd:"):
                        info = os.stat(f"/proc/{pid}/fd/{fd}")
                        memfds[(info.st_dev, info.st_ino)] = info.st_blocks * 512
        except (OSError, ValueError, IndexError):
            continue
    return kb / 1024 + sum(memfds.values()) / (1024 * 1024)


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
            fields = _status(int(entry))
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return total


def host_pid(root: int, inner_pid: int) -> int | None:
    """The host pid of the process below `root` that its own (innermost) PID namespace calls `inner_pid`."""
    for candidate in descendants(root):
        if candidate == root:
            continue
        with contextlib.suppress(OSError, KeyError, ValueError, IndexError):
            if int(_status(candidate)["NSpid"].split()[-1]) == inner_pid:
                return candidate
    return None
