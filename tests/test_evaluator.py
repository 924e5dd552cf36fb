"""The trusted evaluators: optional packages hidden while Keras loads; one template forks every evaluator,
and replaces a dead or stuck one with a new fork."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.evaluator import EvalRequest, hidden_modules
from grader.evaluator_pool import EvaluatorError, EvaluatorPool, EvaluatorProcess
from grader.facts import Evidence
from grader.sandbox.isolation import make_isolation
from grader.sandbox.procs import descendants


def test_hidden_modules_are_absent_inside_the_block_and_back_after_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "optional_extra"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 42\n")
    (package / "sub" / "__init__.py").write_text("")
    (tmp_path / "other_module.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with hidden_modules(["optional_extra"]):
        with pytest.raises(ModuleNotFoundError, match="optional_extra"):
            importlib.import_module("optional_extra")
        with pytest.raises(ModuleNotFoundError, match="optional_extra"):
            importlib.import_module("optional_extra.sub")
        assert importlib.import_module("other_module").VALUE == 7  # everything else imports as usual
    assert "optional_extra" not in sys.modules  # the refusal left nothing half-imported behind
    assert importlib.import_module("optional_extra").VALUE == 42
    assert importlib.import_module("optional_extra.sub") is not None
    assert not any(type(finder).__name__ == "_Hidden" for finder in sys.meta_path)
    for name in ("optional_extra.sub", "optional_extra", "other_module"):
        sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def pool() -> Iterator[EvaluatorPool]:
    evaluators = EvaluatorPool(2, isolation=make_isolation())
    yield evaluators
    evaluators.close()


def request(name: str = "model") -> EvalRequest:
    return EvalRequest(grade=[name], payload={"variables": {name: {"kind": "missing"}}})


def ask(evaluator: EvaluatorProcess, *, timeout_s: float = 120) -> Evidence:
    return evaluator.evaluate(request(), timeout_s=timeout_s)


def gone(*pids: int) -> None:
    """Wait until the killed processes have left /proc (a SIGKILL is delivered asynchronously)."""
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_evaluators_are_forks_of_one_template(pool: EvaluatorPool) -> None:
    first, second = pool.processes
    assert ask(first).variables["model"].kind == "missing"
    assert ask(second).variables["model"].kind == "missing"
    assert pool.template.launches == 1  # one TensorFlow import for both
    assert first.pid is not None and second.pid is not None and first.pid != second.pid
    assert first.pid in descendants(pool.template.pid)


def test_a_dead_or_stuck_evaluator_is_replaced_by_a_new_fork(pool: EvaluatorPool) -> None:
    first = pool.processes[0]
    ask(first)
    dead = first.pid
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    gone(dead)
    assert ask(first).variables["model"].kind == "missing"  # forked again: the request was not lost
    assert first.pid not in (None, dead)
    with pytest.raises(EvaluatorError, match="tiempo límite"):
        ask(first, timeout_s=0)
    assert first.pid is None  # the stuck one was killed
    assert ask(first).variables["model"].kind == "missing"
    assert pool.template.launches == 1


def test_a_dead_template_is_launched_again(pool: EvaluatorPool) -> None:
    ask(pool.processes[0])
    launches = pool.template.launches
    assert pool.template.pid is not None
    tree = descendants(pool.template.pid)
    os.killpg(pool.template.pid, signal.SIGKILL)
    gone(*tree)
    for evaluator in pool.processes:  # their evaluators died with it: each slot gets a fork of the new one
        assert ask(evaluator).variables["model"].kind == "missing"
    assert pool.template.launches == launches + 1


def test_a_stale_evaluator_never_kills_the_new_one_that_reuses_its_pid() -> None:
    own = EvaluatorPool(1, isolation=make_isolation())  # a fresh template: its first fork gets the first pid
    template = own.template
    stale = template.spawn()
    tree = descendants(template.pid)
    os.killpg(template.pid, signal.SIGKILL)
    gone(*tree)
    fresh = template.spawn()  # relaunched: the new sandbox numbers its processes from the start again
    assert fresh.launch == stale.launch + 1 and fresh.pid == stale.pid
    template.kill(stale)  # what a slot does when it finds its evaluator died with the old template
    fresh.requests.write(request().model_dump_json().encode() + b"\n")
    fresh.requests.flush()
    assert b'"ok":true' in fresh.replies.readline()  # still alive, and answering
    template.kill(fresh)
    for stream in (stale.requests, stale.replies, fresh.requests, fresh.replies):
        stream.close()
    own.close()
