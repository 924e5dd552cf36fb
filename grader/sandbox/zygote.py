"""A warm worker inside the sandbox: imports TensorFlow once, then forks one isolated child per job.

Run as `python -I zygote.py CONTROL_FD` inside bwrap (see grader/sandbox/warm.py). For each job the host
sends, over the control socket, four descriptors: the job's input, its private result pipe, and its
stdout/stderr pipes. The zygote forks; the child drops the control socket, enters a new user and mount
namespace with its own size-capped tmpfs as working directory (so no job sees another's files), drops
every capability, reads the job itself, and runs it with the same harness as a fresh process. The zygote
never reads a job (it holds no student's code or data that a later child could find in its memory) and
never runs a TensorFlow op (a child forked after one hangs). It reports each child's exit status.
"""

import base64
import ctypes
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from forking import fork_child

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
WORK = "/student"
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def isolate(size_mb):
    """New user+mount namespace, a private tmpfs at WORK, then no capabilities and no new privileges."""
    uid, gid = os.getuid(), os.getgid()
    # The zygote is non-dumpable; the child must not be, or its own /proc/self files belong to root.
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    options = f"size={size_mb}m,mode=0700".encode()
    _check(_libc.mount(b"tmpfs", WORK.encode(), b"tmpfs", 0, options), "mount tmpfs")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _check(_libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")


def child(fds, control):
    """The forked child: isolate, read the job from fd 0, run it, exit."""
    control.close()
    job_fd, result_fd, out_fd, err_fd = fds
    for fd, target in ((job_fd, 0), (out_fd, 1), (err_fd, 2)):
        os.dup2(fd, target)
        os.close(fd)
    isolate(256)
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
    # Children share our uid: without this, one could ptrace us (or read /proc/<pid>/mem) and tamper
    # with the next student's child. Non-dumpable, only CAP_SYS_PTRACE in our namespace could.
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
    harness.import_frameworks()
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
        pid = fork_child(lambda fds=fds: child(fds, control))
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        control.sendall(f"exit {os.waitstatus_to_exitcode(status)}".encode())


if __name__ == "__main__":
    main()
