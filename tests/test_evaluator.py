"""The trusted evaluators: optional packages hidden while Keras loads; one template forks every evaluator,
and replaces a dead or stuck one with a new fork; costly configs are refused before they are built, a memory
watchdog kills an evaluator over its budget, and every failure is blamed on the submission or on the grader."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.core.facts import Evidence, ModelFacts, RefusedFacts
from grader.core.i18n import format_number
from grader.core.specs import load_catalog
from grader.core.specs.models import TrainingSpec
from grader.engine.evaluator.pool import EvaluatorError, EvaluatorPool, EvaluatorProcess
from grader.engine.evaluator.process import EvalRequest, hidden_modules
from grader.engine.evaluator.watch import Watch
from grader.engine.sandbox.isolation import make_isolation
from grader.engine.sandbox.procs import descendants, tree_rss_mb
from tests.config_attacks import billions, inputs, layer, sequential, upsampled


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


def model_request(config: dict[str, Any], training: TrainingSpec | None = None) -> EvalRequest:
    """What the pipeline sends for a (forged) report of one model variable."""
    return EvalRequest(grade=["model"], payload={"variables": {"model": {"kind": "model", "config": config}}},
                       training=training)


SMALL = sequential(inputs(5, 5), layer("Flatten"), layer("Dense", units=2, activation="softmax"))


def test_billions_of_parameters_are_refused_before_anything_is_built(pool: EvaluatorPool) -> None:
    evaluator = pool.processes[0]
    ask(evaluator)
    assert evaluator.pid is not None
    before = tree_rss_mb(evaluator.pid)
    refused = evaluator.evaluate(model_request(billions()), timeout_s=60).variables["model"]
    assert isinstance(refused, RefusedFacts) and "~1.500.030.000 parámetros" in refused.reason.es
    assert tree_rss_mb(evaluator.pid) < before + 100  # nothing was allocated


def test_a_small_model_too_costly_to_train_is_refused_before_training(pool: EvaluatorPool) -> None:
    lab = load_catalog().get("lab-add-hidden-16").training
    evidence = pool.processes[0].evaluate(model_request(upsampled(), lab), timeout_s=60)
    model = evidence.variables["model"]
    assert isinstance(model, ModelFacts) and model.params == 50  # described: building it costs nothing
    assert evidence.training is not None and evidence.training.error is not None
    assert evidence.training.error.es.startswith("Entrenar tu modelo costaría ~")


def test_the_watchdog_kills_an_evaluator_over_its_memory_budget(pool: EvaluatorPool) -> None:
    evaluator = pool.processes[1]
    ask(evaluator)
    pid = evaluator.pid
    assert pid is not None
    budget = tree_rss_mb(pid) + 300
    big = sequential(inputs(20_000), layer("Dense", units=10_000))  # 200 million weights: under the caps, 800 MB
    with pytest.raises(EvaluatorError, match=f"más de {format_number(round(budget))} MB") as raised:
        evaluator.evaluate(model_request(big), timeout_s=120, memory_mb=budget)
    assert not raised.value.internal and "memoria" in raised.value.message.es
    gone(pid)
    assert ask(evaluator).variables["model"].kind == "missing"  # the slot forked a new evaluator
    assert evaluator.pid not in (None, pid)


def test_a_time_out_says_the_model_was_too_costly(pool: EvaluatorPool) -> None:
    lab = load_catalog().get("lab-add-hidden-16").training
    with pytest.raises(EvaluatorError, match="demasiado costoso de entrenar en el tiempo límite") as raised:
        pool.processes[0].evaluate(model_request(SMALL, lab), timeout_s=0)
    assert "too costly to train in the time allowed" in raised.value.message.en
    assert ask(pool.processes[0]).variables["model"].kind == "missing"


def test_a_malformed_report_is_blamed_on_the_submission_and_our_own_errors_are_internal(
        pool: EvaluatorPool) -> None:
    evaluator = pool.processes[0]
    forged = EvalRequest(grade=["model"], payload={"variables": {}, "fit_calls": [{"epochs": "many"}]})
    with pytest.raises(EvaluatorError, match="no tiene el formato esperado") as raised:
        evaluator.evaluate(forged, timeout_s=60)
    assert not raised.value.internal
    ours = TrainingSpec(dataset="no-such-data-set", metric="mae", baseline="mean")  # a grader bug, not the student's
    with pytest.raises(EvaluatorError, match="Error interno del calificador") as raised:
        evaluator.evaluate(model_request(SMALL, ours), timeout_s=60)
    assert raised.value.internal
    assert ask(evaluator).variables["model"].kind == "missing"  # and the evaluator goes on serving


def test_an_evaluator_left_holding_much_memory_is_replaced_after_its_reply(pool: EvaluatorPool,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    evaluator = pool.processes[0]
    ask(evaluator)
    pid = evaluator.pid
    monkeypatch.setattr(Watch, "rss_mb", lambda self: evaluator.memory_mb * 0.6)  # under budget, over half
    assert ask(evaluator).variables["model"].kind == "missing"  # its reply still counts
    monkeypatch.undo()
    gone(pid)  # type: ignore[arg-type]
    ask(evaluator)
    assert evaluator.pid not in (None, pid)
