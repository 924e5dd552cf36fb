"""How processes are isolated: bubblewrap under an unprivileged uid, or (explicitly) not at all.

bwrap gives every run its own user, PID, network, IPC, UTS and mount namespaces (no network at all; it
cannot see or signal the grader), drops every capability, clears the environment, loads a seccomp filter
(grader/engine/sandbox/seccomp.py: no new namespaces, mounts, keyrings, BPF, ptrace...), and shows it only:
/usr read-only, the Python installation and virtualenv read-only, the paths the caller binds, and a
size-capped tmpfs as the only writable place. As root, the run starts under a real unprivileged uid
(one per concurrent slot) so rlimits such as RLIMIT_NPROC bite and slots cannot signal each other.
Where bwrap cannot run, grading is refused unless the operator asked for `--unsafe-no-sandbox`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.engine.sandbox.cgroup import MemoryGroup, MemoryGroups
from grader.engine.sandbox.reach import staged
from grader.engine.sandbox.seccomp import SeccompUnavailable, filter_file

SLOT_UID_BASE = 61000
SLOT_COUNT = 256
EVALUATOR_UID = 60999
WRITABLE_MB = 256
# The other writable places of a sandbox, each its own size-capped tmpfs (a job's memory budget counts them).
TMP_MB = 64
SHM_MB = 64
# Slot uids are claimed machine-wide (one lock file each), not per process: two graders on one machine
# must never run students under the same uid (shared RLIMIT_NPROC, signals between their children).
LOCK_DIR = Path(tempfile.gettempdir()) / "grader-uid-locks"
# The descriptor bwrap reads its system-call filter from (above any a caller passes), and where a zygote
# finds the filter of its jobs (grader/engine/sandbox/zygote.py reads the same path).
FILTER_FD = 1000
JOB_FILTER = "/sandbox/job.seccomp"


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here, and unsafe mode was not requested."""


def _python_roots() -> list[Path]:
    """Directories the interpreter and its packages live in (bound read-only into every sandbox)."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(p for p in roots if not str(p).startswith("/usr"))


def _parents_to_make(targets: list[Path], *, made: list[Path]) -> list[Path]:
    """The directories bwrap must create to bind `targets` (shallowest first): every parent that is not /,
    not a directory already `made` (a tmpfs), not a bind target itself and not inside one (nor inside /usr)."""
    bound = [*targets, Path("/usr")]
    parents = {parent for target in targets for parent in Path(target).parents if parent != Path("/")}
    return sorted((p for p in parents if p not in made and not any(p == b or b in p.parents for b in bound)),
                  key=lambda p: len(p.parts))


@dataclass(frozen=True)
class Mount:
    """A host path shown read-only inside the sandbox at `inside` (the same path by default)."""

    host: Path
    inside: Path | None = None


def claim_uid() -> tuple[int, int]:
    """A slot uid no other run on this machine holds, and the locked descriptor that holds it."""
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    while True:
        for uid in range(SLOT_UID_BASE, SLOT_UID_BASE + SLOT_COUNT):
            fd = os.open(LOCK_DIR / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return uid, fd
            except BlockingIOError:
                os.close(fd)
        time.sleep(0.1)  # every slot busy: wait for one


def release_uid(fd: int) -> None:
    """Give a claimed uid back."""
    os.close(fd)  # closing the descriptor drops its lock


@dataclass
class Isolation:
    """Builds the command line that runs a process isolated (or, in unsafe mode, as it is)."""

    sandboxed: bool
    # Where each sandbox gets a kernel-enforced memory budget (none: size caps and the RSS watchdog only).
    memory: MemoryGroups = field(default_factory=lambda: MemoryGroups(None, reason="not detected"))
    _held: dict[int, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for start-up: how student code is isolated here and which memory budget is in force."""
        if not self.sandboxed:
            return "sandbox: NONE (--unsafe-no-sandbox); " + self.memory.describe()
        return ("sandbox: bubblewrap, one uid per worker; per job its own user/mount/IPC/PID namespaces, read-only "
                f"root, fresh tmpfs (/student {WRITABLE_MB} MB, /tmp {TMP_MB} MB, /dev/shm {SHM_MB} MB); "
                + self.memory.describe())

    def take_slot(self) -> int:
        """Claim a uid until `give_back` (a warm worker keeps one for its whole life)."""
        uid, fd = claim_uid()
        self._held[uid] = fd
        return uid

    def give_back(self, uid: int) -> None:
        """Release a uid claimed with `take_slot`."""
        if uid in self._held:
            release_uid(self._held.pop(uid))

    @contextmanager
    def slot(self) -> Iterator[int]:
        """Claim a uid of its own for one run (only meaningful as root)."""
        uid = self.take_slot()
        try:
            yield uid
        finally:
            self.give_back(uid)

    def command(self, argv: list[str], *, uid: int, mounts: list[Mount], env: dict[str, str], workdir: Path,
                writable_mb: int = WRITABLE_MB, group: MemoryGroup | None = None, zygote: bool = False) -> list[str]:
        """The full command line for `argv`; `workdir` is a fresh size-capped tmpfs inside the sandbox.
        With `group`, the whole sandbox runs in that memory cgroup from its first instruction. Every sandbox
        runs under the job system-call filter (grader/engine/sandbox/seccomp.py); a `zygote` under the one
        that still lets it make each job's namespaces, with the job filter at JOB_FILTER for its children."""
        if not self.sandboxed:
            return group.enter_command(argv) if group is not None else argv
        if zygote:
            mounts = [*mounts, Mount(filter_file("job"), Path(JOB_FILTER))]
        cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL",
               "--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
        for name in ("lib", "lib64", "bin", "sbin"):
            target = os.readlink(f"/{name}") if os.path.islink(f"/{name}") else None
            cmd += ["--symlink", target, f"/{name}"] if target else (
                ["--ro-bind", f"/{name}", f"/{name}"] if os.path.isdir(f"/{name}") else [])
        for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
            if os.path.exists(etc):
                cmd += ["--ro-bind", etc, etc]
        # /dev and / are made read-only below: nothing but these size-capped tmpfs mounts can be written.
        cmd += ["--proc", "/proc", "--dev", "/dev", "--size", str(SHM_MB * 1024 * 1024), "--tmpfs", "/dev/shm",
                "--remount-ro", "/dev", "--size", str(TMP_MB * 1024 * 1024), "--tmpfs", "/tmp"]
        # The writable tmpfs first: read-only binds mounted after it stay visible even below its path.
        cmd += ["--size", str(writable_mb * 1024 * 1024), "--tmpfs", str(workdir)]
        binds = [(root, root) for root in _python_roots()] + [(m.host, m.inside or m.host) for m in mounts]
        as_root = os.geteuid() == 0
        seen_from, prefix = staged([host for host, _ in binds], uid) if as_root else ({}, [])
        # bwrap gives a parent it makes the mode of the host's directory: one under a private home would stay
        # closed to the run's uid inside. Every parent it makes is opened (0755) first.
        made = [Path("/tmp"), Path("/dev"), Path("/dev/shm"), Path("/proc"), workdir]
        for parent in _parents_to_make([inside for _, inside in binds], made=made):
            cmd += ["--perms", "0755", "--dir", str(parent)]
        for host, inside in binds:
            cmd += ["--ro-bind", str(seen_from.get(host, host)), str(inside)]
        # The root is a tmpfs bwrap made (holding /sandbox, /etc, the mount points): read-only, so a job can
        # plant nothing on sys.path or anywhere a later job of the same worker would look.
        cmd += ["--remount-ro", "/", "--chdir", str(workdir)]
        for key, value in env.items():
            cmd += ["--setenv", key, value]
        cmd += ["--seccomp", str(FILTER_FD), "--", *argv]
        if as_root:
            cmd = [*prefix, "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--",
                   *cmd]
        # bash opens the filter for bwrap, which reads and closes it before the sandbox's first instruction.
        cmd = ["/bin/bash", "-c", f'exec "$@" {FILTER_FD}<"$0"', str(filter_file("zygote" if zygote else "job")),
               *cmd]
        return group.enter_command(cmd) if group is not None else cmd


NO_BWRAP = "bwrap is not installed (Debian package 'bubblewrap')"
NO_SETPRIV = "setpriv or unshare is not installed (Debian package 'util-linux')"
MISSING_PACKAGES = {NO_BWRAP: "bubblewrap", NO_SETPRIV: "util-linux"}


def probe_bwrap() -> str | None:
    """None when a bwrap sandbox starts here, else the reason it does not."""
    if shutil.which("bwrap") is None:
        return NO_BWRAP
    if os.geteuid() == 0 and (shutil.which("setpriv") is None or shutil.which("unshare") is None):
        return NO_SETPRIV
    try:
        filter_file("job"), filter_file("zygote")
    except SeccompUnavailable as exc:
        return f"no system-call filter: {exc}"
    iso = Isolation(sandboxed=True)
    # The real interpreter finding and reading numpy's package: proves the sandbox's uid can read the Python
    # installation too (without importing numpy, which would add 0.05-0.08 s to every start).
    readable = ("import importlib.util; spec = importlib.util.find_spec('numpy')\n"
                "assert spec and spec.origin, 'numpy is not readable here'; open(spec.origin, 'rb').close()")
    with iso.slot() as uid:
        cmd = iso.command([sys.executable, "-I", "-c", readable], uid=uid, mounts=[], env={},
                          workdir=Path("/sandbox-work"))
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap did not start: {exc}"
    if done.returncode != 0:
        return f"bwrap failed: {done.stderr.strip()[-300:]}"  # a traceback ends with its reason
    return None


UNSAFE_WARNING = ("WARNING: --unsafe-no-sandbox: student code runs WITHOUT bubblewrap isolation; it can read "
                  "this user's files and reach the network. Never use this for real submissions.")


def make_isolation(*, unsafe: bool = False) -> Isolation:
    """bwrap, checked to work here; no isolation only when the operator asked for it with `unsafe`."""
    if unsafe:
        warnings.warn(UNSAFE_WARNING, stacklevel=2)
        return Isolation(sandboxed=False, memory=MemoryGroups.detect())
    reason = probe_bwrap()
    if reason is not None:
        # Name a package only when it is the one missing: bwrap that is installed but fails says why instead.
        fix = (f"install it (apt-get install {MISSING_PACKAGES[reason]})" if reason in MISSING_PACKAGES
               else "fix the cause above")
        raise SandboxUnavailable(
            f"Cannot sandbox student code: {reason}. To grade, {fix}; on a trusted development machine only, "
            "--unsafe-no-sandbox runs without the sandbox.")
    return Isolation(sandboxed=True, memory=MemoryGroups.detect())
