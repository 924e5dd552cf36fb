"""Sandbox selection: bubblewrap when it works, a refusal otherwise, no isolation only when asked for."""

from __future__ import annotations

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
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--cap-drop ALL"):
        assert flag in joined
    assert "--ro-bind /srv/job /job" in joined and "--setenv HOME /student" in joined
    assert "/exercises" not in joined and "instance" not in joined
    assert cmd[-2:] == ["python", "x.py"]
    # the writable tmpfs comes before the read-only binds, so they stay visible
    assert joined.index("--tmpfs /student") < joined.index("--ro-bind /srv/job /job")


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
