"""The system-call filters under every sandbox, compiled by libseccomp (Debian's libseccomp2, through ctypes).

bwrap already drops every capability and gives each run its own namespaces, but inside them a process may
still create a user namespace of its own (and be root in it: mount a tmpfs, regain capabilities there) or
reach kernel interfaces a grader never needs. The filters refuse, with EPERM, what Docker's default profile
refuses, for x86-64 only (any other architecture's calls, such as 32-bit `int 0x80`, kill the process):
- JOB: everything below, applied to cold jobs and the trusted evaluator by bwrap (`--seccomp FD`), and to
  each warm job by its zygote once the job's own namespaces and mounts are made;
- ZYGOTE: the same without the namespace and mount calls the zygote makes for each job (grader/engine/
  sandbox/zygote.py), which then applies JOB to every child before it reads the job.
`clone` is refused only with a namespace flag; `clone3` answers ENOSYS, so the C library falls back to
`clone` (its flags live in memory a filter cannot read), as Docker does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

# Namespace and mount calls: refused to jobs, needed by the zygote to give each job its own.
NAMESPACE_CALLS = ("unshare", "setns", "mount", "umount", "umount2")
# Docker's default profile refuses these (most need a capability no job has; refusing them also removes
# the kernel's attack surface behind them): keyrings, BPF, tracing, perf, userfaultfd, modules, kexec,
# file handles, swap, reboot, accounting, clocks, quotas, NUMA policy, the new mount API and io_uring.
DENIED_CALLS = (
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
    "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy",
    "init_module", "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount_setattr", "move_mount",
    "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open",
    "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl",
    "quotactl_fd", "reboot", "request_key", "set_mempolicy", "settimeofday", "stime", "swapoff", "swapon",
    "sysfs", "_sysctl", "syslog", "uselib", "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
    "sethostname", "setdomainname", "fanotify_init", "open_tree_attr", "lsm_set_self_attr",
)
CLONE_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
                         0x00000080)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME

_ACT_ALLOW = 0x7FFF0000
_ACT_ERRNO = 0x00050000
_CMP_MASKED_EQ = 7


class SeccompUnavailable(RuntimeError):
    """libseccomp cannot be loaded or refused to compile a filter."""


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


@cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        raise SeccompUnavailable(f"libseccomp is not installed (Debian package 'libseccomp2'): {exc}") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def _compile(*, allow_namespaces: bool) -> bytes:
    """The filter as a BPF program (an array of `struct sock_filter`, as bwrap and prctl read it)."""
    lib = _library()
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        def deny(name: str, code: int = errno.EPERM, *conditions: _ArgCmp) -> None:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                return  # no such call on this architecture (vm86, stime...)
            array = (_ArgCmp * len(conditions))(*conditions) if conditions else None
            result = lib.seccomp_rule_add_array(ctx, _ACT_ERRNO | code, number, len(conditions), array)
            if result != 0:
                raise SeccompUnavailable(f"seccomp_rule_add({name}) failed: {os.strerror(-result)}")

        for name in DENIED_CALLS + (() if allow_namespaces else NAMESPACE_CALLS):
            deny(name)
        for flag in CLONE_NAMESPACE_FLAGS:
            deny("clone", errno.EPERM, _ArgCmp(0, _CMP_MASKED_EQ, flag, flag))
        deny("clone3", errno.ENOSYS)
        read_fd, write_fd = os.pipe()
        try:
            result = lib.seccomp_export_bpf(ctx, write_fd)
            os.close(write_fd)
            write_fd = -1
            program = b"".join(iter(lambda: os.read(read_fd, 65536), b""))
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        if result != 0 or not program or len(program) % 8:
            raise SeccompUnavailable(f"seccomp_export_bpf failed ({result})")
        return program
    finally:
        lib.seccomp_release(ctx)


@cache
def filter_file(kind: str) -> Path:
    """The compiled filter `kind` ('job' or 'zygote') in a file only this user can write, made once per
    process (named by its content, so concurrent graders share it safely)."""
    program = _compile(allow_namespaces=kind == "zygote")
    folder = Path(tempfile.gettempdir()) / f"grader-seccomp-{os.geteuid()}"
    folder.mkdir(mode=0o711, exist_ok=True)  # others may open a file by name (bwrap binds the job filter as
    folder.chmod(0o711)  # the slot's uid) but never list or write
    if folder.stat().st_uid != os.geteuid():
        raise SeccompUnavailable(f"{folder} is not this user's directory")
    path = folder / f"{kind}-{hashlib.sha256(program).hexdigest()[:16]}.bpf"
    if not path.exists() or path.read_bytes() != program:
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(program)
        partial.chmod(0o644)  # the zygote reads the job filter as the slot's uid
        os.replace(partial, path)
    return path
