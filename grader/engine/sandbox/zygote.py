"""A warm worker inside the sandbox: imports TensorFlow once, then forks one isolated child per job.

Run as `python -I zygote.py CONTROL_FD [--preload=NAMES]` inside bwrap (see grader/engine/sandbox/warm.py). For
each job the host sends, over the control socket, four descriptors: the job's input, its private result
pipe, and its stdout/stderr pipes. The zygote forks each job as process 1 of a new PID namespace (when it
ends, the kernel ends everything it started); the child drops the control socket, enters new mount and
IPC namespaces with fresh size-capped tmpfs mounts as working directory, /tmp and /dev/shm (the sandbox's
root and /dev are read-only), so nothing one job writes, starts or shares can reach the next, drops every
capability, closes every descriptor but its own pipes, loads the jobs' system-call filter (no namespace, mount,
keyring, BPF, ptrace... grader/engine/sandbox/seccomp.py), reads the job itself, and runs it with the same
harness as a fresh process. The zygote never
reads a job (it holds no student's code or data that a later child could find in its memory) and never
runs a TensorFlow op (a child forked after one hangs). It reports each child's exit status.

With `--preload=NAMES` (comma-separated, possibly none), Keras' optional extras load on first use instead
of at import, and only NAMES are imported ahead; without it, Keras is imported exactly as a fresh process
does.
"""

import base64
import contextlib
import ctypes
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from forking import fork_child, frozen_imports

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWPID = 0x00020000, 0x10000000, 0x08000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x2000, 0x4000, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECCOMP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 4, 24, 22, 28, 38
SECCOMP_MODE_FILTER = 2
# Where the host mounts the jobs' system-call filter (grader/engine/sandbox/isolation.py: JOB_FILTER).
JOB_FILTER = "/sandbox/job.seccomp"
# noroot, no_setuid_fixup, keep_caps and no_cap_ambient_raise, each set where it means "no" and locked
SECURE_NOROOT_LOCKED_ALL = 0b11101111
WORK = "/student"
# Each job's writable places, in MB (grader/engine/sandbox/isolation.py: WRITABLE_MB, TMP_MB, SHM_MB).
WORK_MB, TMP_MB, SHM_MB = 256, 64, 64
# Public Keras modules that exist only for optional extras and pull in a whole library at import: the
# scikit-learn wrappers (scikit-learn) and the image-gallery plots (matplotlib). About 1 s of CPU per zygote.
KERAS_EXTRAS = ("keras.wrappers", "keras.visualization", "keras.src.visualization")
_libc = ctypes.CDLL(None, use_errno=True)


class _Deferred(importlib.abc.MetaPathFinder):
    """Finds `names` on the path as usual, but runs each module only when first used (LazyLoader): the
    module object is the same, so code that reaches it later sees what a plain import gives."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_frameworks(preload):
    """TensorFlow and Keras as `harness.import_frameworks` imports them; with `preload` (a list), Keras'
    extras are deferred to first use and only the listed modules are imported now."""
    if preload is None:
        harness.import_frameworks()
        return
    finder = _Deferred(KERAS_EXTRAS)
    sys.meta_path.insert(0, finder)
    try:
        harness.import_frameworks()
    finally:
        sys.meta_path.remove(finder)
    for name in preload:
        # Only a head start: a child that needs a module that failed here gets the real error itself.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def own_namespaces(control):
    """Become process 1 of a PID namespace owned by a user namespace of our own (in which we are root), by
    forking once before anything is imported: owning both is what lets the zygote give every job a PID
    namespace of its own with a single fork (`job_namespace`). The process that forked only waits, and ends
    as the zygote ends."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWPID), "unshare")
    _map_ids(uid, gid)
    pid = os.fork()
    if pid != 0:
        control.close()  # only the zygote holds the host's socket: its end tells the host the zygote is gone
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(128 - code if code < 0 else code)  # a signal as a shell reports it, for the host's log
    return os.open("/proc/self/ns/pid", os.O_RDONLY)


def _map_ids(uid, gid):
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)


def job_namespace(own_pid_ns):
    """The next child forked is process 1 of a new PID namespace: when it ends, the kernel ends every process
    it started, however often they re-forked or whatever session they moved to, before its exit status
    reaches us. (The last job's namespace is the default for children until we point back at our own.)"""
    _check(_libc.setns(own_pid_ns, CLONE_NEWPID), "setns pid")
    _check(_libc.unshare(CLONE_NEWPID), "unshare pid")


def isolate(sizes):
    """For one job, in its new PID namespace: new mount and IPC namespaces, a fresh size-capped tmpfs over
    each writable place (`sizes`: path -> MB), its own /proc, capped SysV shared memory; then no capability
    in any set, none to regain by running a program as root, and no new privileges. The IPC namespace and
    its segments vanish with the job's last process."""
    # The zygote is non-dumpable; the child must not be, or its own /proc/self files belong to root.
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    # Under a memory cgroup's limit the kernel kills the job, never the zygote it shares the group with.
    with open("/proc/self/oom_score_adj", "w") as fh:
        fh.write("1000")
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    for path, size_mb in sizes.items():  # WORK first: it holds what a later path must keep mounted below it
        kept = _park_mounts_below(path)
        options = f"size={size_mb}m,mode={'0700' if path == WORK else '1777'}".encode()
        _check(_libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount {path}")
        _unpark(kept)
    _check(_libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
    for name, value in (("shmmax", SHM_MB << 20), ("shmall", (SHM_MB << 20) // os.sysconf("SC_PAGE_SIZE")),
                        ("shm_rmid_forced", 1)):
        with open(f"/proc/sys/kernel/{name}", "w") as fh:  # this job's IPC namespace only
            fh.write(str(value))
    _drop_capabilities()
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _mount_points():
    """Every mount point of this mount namespace (mountinfo escapes spaces and the like in octal)."""
    with open("/proc/self/mountinfo") as fh:
        return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4]) for line in fh]


def _park_mounts_below(path):
    """Move aside (into WORK) what is mounted below `path`, so a fresh tmpfs over `path` does not hide it: a
    checkout or virtualenv under /tmp is bound read-only there (the Python installation the job imports
    from). Returns (where it was, where it waits) pairs for `_unpark`."""
    below = sorted(p for p in _mount_points() if p.startswith(path.rstrip("/") + "/"))
    top = [p for p in below if not any(p.startswith(other + "/") for other in below)]  # nested ones come along
    kept = []
    for number, point in enumerate(top):
        holder = os.path.join(WORK, f".mount-{number}")
        os.mkdir(holder)
        _check(_libc.mount(point.encode(), holder.encode(), None, MS_BIND | MS_REC, None), f"bind {point}")
        kept.append((point, holder))
    return kept


def _unpark(kept):
    """Put what `_park_mounts_below` moved aside back at its place, on top of the new tmpfs."""
    for point, holder in kept:
        os.makedirs(point, exist_ok=True)
        _check(_libc.mount(holder.encode(), point.encode(), None, MS_MOVE, None), f"move {point}")
        os.rmdir(holder)


def _drop_capabilities():
    with open("/proc/sys/kernel/cap_last_cap") as fh:
        last = int(fh.read())
    for cap in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop bounding set")
    _check(_libc.prctl(PR_SET_SECUREBITS, SECURE_NOROOT_LOCKED_ALL, 0, 0, 0), "securebits")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(_libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")


def read_job_filter():
    """The system-call filter of every job (compiled by the host, grader/engine/sandbox/seccomp.py), or None
    outside a sandbox (--unsafe-no-sandbox: there is nothing to filter for)."""
    if not os.path.exists(JOB_FILTER):
        return None
    with open(JOB_FILTER, "rb") as fh:
        program = fh.read()
    if not program or len(program) % 8:
        raise OSError(f"{JOB_FILTER} is not a BPF program")
    return program


def _close_all_but(keep):
    """Close every descriptor but `keep`: a job inherits nothing of the zygote's (its PID-namespace handle)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            with contextlib.suppress(OSError):  # the listing's own descriptor, already gone
                os.close(fd)


def _apply_filter(program):
    """Load `program` (an array of struct sock_filter) as this process's seccomp filter, for good: it is
    inherited by everything the job starts and cannot be removed (no_new_privs is already set)."""

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(Fprog(len(program) // 8, program)), 0, 0),
           "seccomp")


def child(fds, control, job_filter):
    """The forked child, process 1 of its own PID namespace: isolate, drop every descriptor and system call
    it does not need, read the job from fd 0, run it, exit."""
    control.close()
    job_fd, result_fd, out_fd, err_fd = fds
    for fd, target in ((job_fd, 0), (out_fd, 1), (err_fd, 2)):
        os.dup2(fd, target)
        os.close(fd)
    isolate({WORK: WORK_MB, "/tmp": TMP_MB, "/dev/shm": SHM_MB})
    _close_all_but({0, 1, 2, result_fd})
    if job_filter is not None:
        _apply_filter(job_filter)
    with os.fdopen(0, "rb") as stdin:
        job = json.loads(stdin.read())
    job_dir = os.path.join(WORK, ".job")
    os.makedirs(os.path.join(job_dir, "data"))
    job["data"] = {}
    for name, encoded in job.pop("data_npy").items():
        job["data"][name] = f"data/{name}.npy"
        with open(os.path.join(job_dir, job["data"][name]), "wb") as fh:
            fh.write(base64.b64decode(encoded))
    os.chdir(WORK)
    harness.run_job(job, job_dir, WORK, result_fd)


def main():
    """Import the frameworks, say ready, then serve one job at a time until the host closes the socket."""
    control = socket.socket(fileno=int(sys.argv[1]))
    options = [arg.removeprefix("--preload=") for arg in sys.argv[2:] if arg.startswith("--preload=")]
    preload = [name for name in options[0].split(",") if name] if options else None
    job_filter = read_job_filter()
    own_pid_ns = own_namespaces(control)
    # Children share our uid: without this, one could ptrace us (or read /proc/<pid>/mem) and tamper
    # with the next student's child. (They cannot name us either: each lives in a PID namespace below ours.)
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
    with frozen_imports():
        import_frameworks(preload)
    control.sendall(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 64, 4)
        except OSError:
            break
        if not message or len(fds) != 4:
            for fd in fds:
                os.close(fd)
            break
        job_namespace(own_pid_ns)
        pid = fork_child(lambda fds=fds: child(fds, control, job_filter))
        for fd in fds:
            os.close(fd)
        _, status, usage = os.wait4(pid, 0)
        # With the CPU time it used: as process 1 of its namespace the job never gets the CPU limit's SIGXCPU,
        # only the SIGKILL at the hard limit, which the host tells apart from a kill from outside by this.
        control.sendall(f"exit {os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime:.2f}".encode())


if __name__ == "__main__":
    main()
