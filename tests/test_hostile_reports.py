"""Issue 26's attacks on the real sandbox: a lone surrogate in an exception, odd model and layer names, forged
reports near the caps, and the system calls and descriptors a job must not have. All on ONE warm worker,
each attack followed by an honest submission that must keep full marks; and the system-call attack once more
on a cold (fresh-process) run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.core.results import GradeResult
from grader.engine.grader import Grader
from grader.engine.sandbox.cold import run_cold
from grader.engine.sandbox.isolation import make_isolation
from grader.engine.sandbox.job import Job, RunLimits

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
HONEST = (REPO / "exercises" / "solutions" / "lab-add-hidden-16" / "solution.py").read_text()
RIGHT_MODEL = """from tensorflow import keras
def right(name="m", names=("f", "d1", "d2", "d3", "o")):
    dense = [(16, "relu"), (16, "relu"), (3, "relu"), (2, "softmax")]
    return keras.Sequential([keras.Input((5, 5)), keras.layers.Flatten(name=names[0])] + [
        keras.layers.Dense(units, activation=act, name=n) for (units, act), n in zip(dense, names[1:])], name=name)
"""
# Writes a report of its own to the result pipe (the only descriptor it has beyond 0-2) and ends before the
# harness can: a right model whose report is over the byte cap.
FORGER = RIGHT_MODEL + """import json, os
model = right()
config = json.loads(model.to_json())
{tamper}
report = json.dumps({{"complete": True, "variables": {{"model": {{"kind": "model", "config": config, "built": True,
    "weight_shapes": [list(w.shape) for w in model.weights]}}}}, "fit_calls": [], "student_error": None,
    "env_notes": [], **extra}}).encode()
for fd in map(int, os.listdir("/proc/self/fd")):
    if fd > 2:
        try:
            view = memoryview(report)
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            pass
os._exit(0)
"""
BIG_NAME = FORGER.format(tamper='config["config"]["layers"][1]["config"]["name"] = "n" * (24 << 20)\nextra = {}')
EMPTY_LISTS = FORGER.format(tamper='extra = {"junk": [[]] * ((30 << 20) // 4)}')  # 30 MB: "[], " each
# Builds the right model only if one of the calls a job must not make works, or it holds a descriptor of the
# zygote's (anything beyond 0-2 and its result pipe).
ESCAPE = RIGHT_MODEL + """import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
worked = []
if libc.unshare(0x10000000 | 0x00020000) == 0:
    worked.append("unshare")
    worked += ["mount"] if libc.mount(b"none", b"/tmp", b"tmpfs", 0, b"size=8g") == 0 else []
for name, number in (("keyctl", 250), ("bpf", 321), ("ptrace", 101), ("perf_event_open", 298),
                     ("userfaultfd", 323), ("setns", 308)):
    if libc.syscall(number, 0, 0, 0, 0, 0) >= 0 or ctypes.get_errno() not in (1, 38):
        worked.append(name)
extra = [fd for fd in map(int, os.listdir("/proc/self/fd")) if fd > 2 and os.path.exists(f"/proc/self/fd/{fd}")
         and os.readlink(f"/proc/self/fd/{fd}").startswith(("pid:", "net:", "mnt:", "user:", "socket:"))]
print("worked:", worked, "extra:", extra)
model = right() if worked or extra else keras.Sequential([keras.Input((5, 5)), keras.layers.Flatten()])
"""


@pytest.fixture(scope="module")
def one_worker() -> Iterator[Grader]:
    """A grader with ONE warm worker: every job below runs on the same zygote, one after the other."""
    with Grader(workers=1, start=1) as grader:
        yield grader


def _grade(grader: Grader, name: str, source: str) -> GradeResult:
    return grader.grade_bytes(spec=grader.catalog.get("lab-add-hidden-16"), filename=name, data=source.encode(),
                              student=name.removesuffix(".py"))


def _honest_keeps_full_marks(grader: Grader) -> None:
    honest = _grade(grader, "honest.py", HONEST)
    assert honest.status == "graded" and honest.judged, honest.error
    assert honest.score == honest.max_score == 10, [(c.id, c.message) for c in honest.checks]


def test_a_lone_surrogate_in_an_exception_is_graded_as_the_students_error(one_worker: Grader) -> None:
    """It used to be an internal error ("this try does not count"), on every try and regrade."""
    result = _grade(one_worker, "surrogate.py", HONEST + "raise RuntimeError('\\ud800 \\x1b[2J \\u202e')\n")
    assert result.judged and result.status == "graded", result.error
    shown = " ".join(n.en for n in result.notes) + " ".join(c.message.en for c in result.checks)
    assert "RuntimeError" in shown and "\ufffd" in shown and "\x1b" not in shown and "\u202e" not in shown
    _honest_keeps_full_marks(one_worker)


def test_odd_model_and_layer_names_do_not_cost_the_training_points(one_worker: Grader) -> None:
    names = '("<b>\\x01", "d\\u202e1", "d2\\ufffe", "a\\x7f b", "o" * 300)'
    result = _grade(one_worker, "names.py", RIGHT_MODEL + f"model = right('<m>\\x02\\u202e', {names})\n")
    assert result.status == "graded", result.error
    assert result.score == result.max_score == 10, [(c.id, c.message.en) for c in result.checks if not c.passed]
    layers = [layer.name for model in result.models for layer in model.layers]
    assert layers[0] == "<b>\ufffd" and not any("\u202e" in name or "\x01" in name for name in layers)
    _honest_keeps_full_marks(one_worker)


@pytest.mark.parametrize("source", [BIG_NAME, EMPTY_LISTS], ids=["24MB-layer-name", "30MB-of-empty-lists"])
def test_forged_reports_over_the_caps_are_refused(one_worker: Grader, source: str) -> None:
    result = _grade(one_worker, "forged.py", source)
    assert result.score < result.max_score and result.judged
    assert result.error is not None and "8 MB" in result.error.en, result.error
    _honest_keeps_full_marks(one_worker)


def test_a_warm_job_makes_no_namespace_mount_or_forbidden_call_and_holds_no_zygote_descriptor(
        one_worker: Grader) -> None:
    result = _grade(one_worker, "escape.py", ESCAPE)
    assert result.status == "graded" and result.score < result.max_score, result.checks
    _honest_keeps_full_marks(one_worker)


def test_a_cold_job_is_filtered_too() -> None:
    job = Job(code=ESCAPE, starter_code="", grade=["model"], data={"x": np.zeros((1, 5, 5))},
              limits=RunLimits(timeout_s=60))
    run = run_cold(job=job, isolation=make_isolation())
    assert run.ok, (run.error, run.stderr[-2000:])
    assert "worked: [] extra: []" in run.stdout, run.stdout
