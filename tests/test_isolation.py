"""Sandbox selection: bubblewrap when it works, a refusal otherwise, no isolation only when asked for."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy
import pytest

from grader.engine.sandbox import isolation
from grader.engine.sandbox.isolation import Isolation, Mount, SandboxUnavailable, make_isolation, probe_bwrap


def test_bwrap_works_on_this_machine() -> None:
    # CI always uses the real sandbox: if this fails, install bubblewrap (make test does it as root).
    assert probe_bwrap() is None
    assert make_isolation().sandboxed


def test_the_probe_says_when_the_sandbox_cannot_read_the_python_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = Path(tempfile.mkdtemp(prefix="no-numpy-"))  # outside pytest's 0700 directory: the sandbox uid binds it
    empty.chmod(0o755)
    original = Isolation.command

    def hiding_numpy(self: Isolation, argv: list[str], **kwargs: Any) -> list[str]:
        kwargs["mounts"] = [*kwargs["mounts"], Mount(empty, Path(numpy.__file__).parent)]
        return original(self, argv, **kwargs)

    monkeypatch.setattr(Isolation, "command", hiding_numpy)
    try:
        reason = probe_bwrap()
    finally:
        empty.rmdir()
    assert reason is not None and reason.startswith("bwrap failed") and "numpy is not readable here" in reason


def test_refuses_without_bwrap_unless_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation.shutil, "which", lambda name: None)
    with pytest.raises(SandboxUnavailable, match="--unsafe-no-sandbox"):
        make_isolation()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        unsafe = make_isolation(unsafe=True)
    assert not unsafe.sandboxed
    assert any("WITHOUT bubblewrap" in str(w.message) for w in caught)


def test_command_isolates_everything_and_binds_only_what_is_given() -> None:
    job = Mount(Path("/srv/job"), Path("/job"))
    cmd = Isolation(sandboxed=True).command(["python", "x.py"], uid=61000, mounts=[job], env={"HOME": "/student"},
                                            workdir=Path("/student"))
    joined = " ".join(cmd)
    for flag in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent", "--new-session",
                 "--clearenv", "--cap-drop ALL"):
        assert flag in joined or "--unshare-all" in joined
    assert "--ro-bind /srv/job /job" in joined and "--setenv HOME /student" in joined
    assert "/exercises" not in joined and "instance" not in joined
    assert cmd[-2:] == ["python", "x.py"]
    # the writable tmpfs comes before the read-only binds, so they stay visible
    assert joined.index("--tmpfs /student") < joined.index("--ro-bind /srv/job /job")


def _run_inside(script: str, *, mounts: list[Mount]) -> subprocess.CompletedProcess[str]:
    iso = make_isolation()
    with iso.slot() as uid:
        cmd = iso.command(["/bin/sh", "-c", script], uid=uid, mounts=mounts, env={"PATH": "/usr/bin:/bin"},
                          workdir=Path("/student"))
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    done.uid = uid  # type: ignore[attr-defined]
    return done


def test_a_run_has_its_slot_uid_no_capability_and_no_network() -> None:
    done = _run_inside("id -u; grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status; "
                       "ls /sys/class/net 2>/dev/null || cat /proc/net/dev; touch /student/w /tmp/w /dev/shm/w "
                       "&& echo writable; touch /usr/x 2>&1 || true", mounts=[])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    if os.geteuid() == 0:
        assert lines[0] == str(done.uid)  # type: ignore[attr-defined]
    status = dict(line.split(":\t") for line in lines if line.startswith(("Cap", "NoNewPrivs")))
    assert status["NoNewPrivs"] == "1"
    assert {status[k] for k in ("CapEff", "CapPrm", "CapAmb")} == {"0000000000000000"}
    assert "eth" not in done.stdout and "ens" not in done.stdout  # only the loopback of its own namespace
    assert "writable" in done.stdout and "Read-only file system" in done.stdout


def test_a_checkout_in_a_private_directory_is_readable_inside() -> None:
    # An administrator's clone under root's 0700 home: the sandbox's uid cannot walk the path on the host,
    # but what is bound must still be readable inside.
    private = Path(tempfile.mkdtemp(prefix="private-home-"))
    try:
        assert private.stat().st_mode & 0o777 == 0o700
        checkout = private / "grader" / ".venv"
        checkout.mkdir(parents=True)
        (checkout / "pyvenv.cfg").write_text("home = /usr/bin\n")
        for path in (private / "grader", checkout):
            path.chmod(0o755)
        (checkout / "pyvenv.cfg").chmod(0o644)
        done = _run_inside(f"cat {checkout}/pyvenv.cfg", mounts=[Mount(checkout)])
        assert done.returncode == 0, done.stderr
        assert done.stdout == "home = /usr/bin\n"
    finally:
        shutil.rmtree(private)


def test_unsafe_isolation_runs_the_command_as_it_is() -> None:
    cmd = Isolation(sandboxed=False).command(["python", "x.py"], uid=1, mounts=[], env={}, workdir=Path("/w"))
    assert cmd == ["python", "x.py"]


def test_slot_uids_are_unique_across_graders_on_the_machine() -> None:
    first, second = Isolation(sandboxed=True), Isolation(sandboxed=True)  # as two grader processes would be
    a = first.take_slot()
    b = second.take_slot()
    assert a != b
    with first.slot() as c:
        assert c not in (a, b)
    first.give_back(a)
    assert second.take_slot() != b


def test_an_installed_bwrap_that_fails_is_not_called_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "probe_bwrap", lambda: "bwrap failed: bwrap: Can't find source path /x: Permission "
                        "denied")
    with pytest.raises(SandboxUnavailable) as refused:
        make_isolation()
    assert "Permission denied" in str(refused.value) and "apt-get install" not in str(refused.value)
    monkeypatch.setattr(isolation.shutil, "which", lambda name: None)
    monkeypatch.setattr(isolation, "probe_bwrap", probe_bwrap)
    with pytest.raises(SandboxUnavailable, match=r"apt-get install bubblewrap"):
        make_isolation()
