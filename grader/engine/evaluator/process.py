"""The trusted evaluator, inside its sandbox: turns sandbox payloads into Evidence (rebuilt-model facts and
the brief training).

It never runs student code and holds no database handle, no checks and no reference solutions: it gets
the graded variable names and the training settings only. One template process per pool imports
TensorFlow once and forks an evaluator per client (`python -m grader.engine.evaluator.process --template FD`): a config
that exhausts memory or hangs Keras kills one evaluator, not the CLI or the web server, and a new one is
a fork away. The host side is grader/engine/evaluator/pool.py.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import os
import resource
import select
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from grader.core.cost.budget import memory_message
from grader.core.facts import CallbackFacts, Evidence, ModelFacts
from grader.core.i18n import Text, t
from grader.core.specs.models import TrainingSpec
from grader.engine.sandbox.forking import fork_child, frozen_imports

T = TypeVar("T")
EVALUATOR_MEMORY_MB = 12 * 1024  # address space; the host's watchdog holds resident memory far lower
# Keras imports these when they are installed, for wrappers and plotting the evaluator never uses: hiding
# them while TensorFlow and Keras load halves the evaluator's start-up. The sklearn-backed data sets still
# import scikit-learn later, on first use.
OPTIONAL_IMPORTS = ("sklearn", "scipy", "matplotlib", "pandas")


class EvalRequest(BaseModel):
    """What the evaluator needs for one submission."""

    model_config = ConfigDict(extra="forbid")

    grade: list[str]
    payload: dict[str, Any]
    training: TrainingSpec | None = None
    # Compile settings other checks judge -> the canonical names they accept (core's judged_settings).
    judged: dict[str, list[str]] = {}


class EvalReply(BaseModel):
    """The evaluator's answer to one request: the evidence, or why there is none. `error` is for the student
    when the submission caused it; `internal` marks the evaluator's own failures (`detail` is for the log)."""

    ok: bool
    evidence: Evidence | None = None
    error: Text | None = None
    internal: bool = False
    detail: str | None = None


class SubmissionFault(Exception):
    """The submission, not the evaluator, is why there is no evidence; `message` tells the student why."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)
        self.message = message


def _from_report(what: str, read: Callable[[], T]) -> T:
    """`read()` a part of the sandbox's report, which the student's process wrote: if it does not have the
    harness's format, the submission tampered with it."""
    try:
        return read()
    except MemoryError:
        raise
    except Exception as exc:
        detail = f"{what}: {type(exc).__name__}"
        raise SubmissionFault(t(
            f"El informe que dejó tu código no tiene el formato esperado ({detail}): ¿modificó tu código el "
            "corrector o Keras? No se puede calificar.",
            f"The report your code left does not have the expected format ({detail}): did your code modify "
            "the grader or Keras? It cannot be graded.")) from exc


def evaluate(request: EvalRequest) -> Evidence:
    """Facts for every graded variable, the recorded fit calls, and the brief training (in-process). Raises
    SubmissionFault when the sandbox's report is malformed; any other exception is the evaluator's own."""
    from grader.engine.evaluator.inspect import fit_call_facts, student_error_facts, variable_facts
    from grader.engine.evaluator.training import brief_training

    payload = request.payload
    raw_vars: dict[str, Any] = _from_report("variables", lambda: dict(payload.get("variables") or {}))
    variables = {name: _from_report(name, partial(variable_facts, raw_vars.get(name, {"kind": "missing"})))
                 for name in request.grade}
    evidence = Evidence(
        variables=variables,
        fit_calls=_from_report("fit_calls", lambda: [fit_call_facts(c) for c in payload.get("fit_calls") or []]),
        student_error=_from_report("student_error", lambda: student_error_facts(payload.get("student_error"))),
        callbacks_made=_from_report("callbacks", lambda: [CallbackFacts.model_validate(c)
                                                          for c in (payload.get("callbacks") or [])[:20]]),
    )
    spec = request.training
    model = variables.get(spec.variable) if spec is not None else None
    if spec is not None and isinstance(model, ModelFacts):
        raw = raw_vars[spec.variable]
        compile_config, replaced = _in_place_of_judged(raw.get("compile_config"), model, request.judged, spec)
        evidence.training = brief_training(config=raw["config"], compile_config=compile_config, spec=spec)
        if replaced and not evidence.training.passed:
            # The statement's choice does not suit this network (a loss for one sigmoid unit on two softmax
            # units): the student's own settings decide, when they do better.
            own = brief_training(config=raw["config"], compile_config=raw.get("compile_config"), spec=spec)
            if own.passed or (evidence.training.error is not None and own.error is None):
                evidence.training, replaced = own, {}
        if replaced:
            evidence.training = evidence.training.model_copy(update={"replaced": {**replaced,
                                                                                  **evidence.training.replaced}})
    return evidence


def _in_place_of_judged(compile_config: Any, model: ModelFacts, judged: dict[str, list[str]],
                        spec: TrainingSpec) -> tuple[Any, dict[str, tuple[str, str]]]:
    """The student's compile settings with the statement's choice in place of each judged one that its own
    check refuses (a wrong optimizer costs the optimizer check, not the training too), and what was replaced."""
    compiled = model.compile
    if compiled is None or not isinstance(compile_config, dict):
        return compile_config, {}
    replaced: dict[str, tuple[str, str]] = {}
    config = dict(compile_config)
    for setting, accepted in judged.items():
        have = compiled.loss if setting == "loss" else compiled.optimizer
        if have is None or have in accepted:
            continue
        statement = (spec.compile or {}).get(setting)
        config[setting] = statement if statement is not None else accepted[0]
        replaced[setting] = (have, accepted[0])
    return config, replaced


class _Hidden(importlib.abc.MetaPathFinder):
    """Makes the named top-level packages look absent to `import`."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        """Refuse the hidden packages; leave every other import to the normal finders."""
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


@contextmanager
def hidden_modules(names: Sequence[str]) -> Iterator[None]:
    """Within the block, importing any of `names` (or their submodules) raises ModuleNotFoundError."""
    finder = _Hidden(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def load_frameworks() -> None:
    """Limits, then TensorFlow and Keras (single-threaded pools) and the trusted modules. No TensorFlow op
    runs here, so the template may fork evaluators afterwards (TF hangs in a child forked after one)."""
    limit = EVALUATOR_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with frozen_imports():
        with hidden_modules(OPTIONAL_IMPORTS):
            import keras  # noqa: F401  (loaded now, without its optional extras)
            import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        # Grappler's graph rewrites pay off on long trainings; a brief training on a few hundred rows spends
        # more optimizing each new architecture's graph than it saves running it (bench: about 0.1 s CPU per
        # first training of the lab, and a reused loop runs faster too; docs/speed.md).
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
        # Pure Python, shared by every forked evaluator.
        for module in ("grader.engine.evaluator.inspect", "grader.engine.evaluator.training"):
            importlib.import_module(module)


def serve(requests_fd: int, replies_fd: int) -> None:
    """One evaluator: a JSON request per line on `requests_fd`, a JSON reply per line on `replies_fd`, until
    the client closes its end."""
    replies = os.fdopen(replies_fd, "w", encoding="utf-8")
    with os.fdopen(requests_fd, encoding="utf-8") as requests:
        for line in requests:
            try:
                reply = EvalReply(ok=True, evidence=evaluate(EvalRequest.model_validate_json(line)))
            except SubmissionFault as exc:
                reply = EvalReply(ok=False, error=exc.message, detail=repr(exc.__cause__)[:500])
            except MemoryError:  # the address-space limit, reached outside the model's own rebuild or training
                reply = EvalReply(ok=False, error=memory_message(), detail="MemoryError")
            except Exception as exc:
                reply = EvalReply(ok=False, internal=True, detail=f"{type(exc).__name__}: {str(exc)[:500]}")
            replies.write(reply.model_dump_json() + "\n")
            replies.flush()


def _evaluator(control: socket.socket, siblings: dict[int, int], fds: list[int]) -> None:
    """In a forked child: drop the template's descriptors, then serve the client's two pipes."""
    control.close()
    for pidfd in siblings.values():
        os.close(pidfd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    serve(*fds)


def template(control: socket.socket) -> None:
    """The template process: load once, say ready, then per message on `control`:
    `spawn` with two descriptors (requests, replies): fork an evaluator serving them, answer `pid N`;
    `kill N`: kill that evaluator (through its pidfd, never a recycled pid), answer `ok`.
    Ends when the host closes the socket."""
    load_frameworks()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # evaluators are reaped by the kernel
    children: dict[int, int] = {}  # pid -> pidfd
    control.sendall(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 64, 2)
        except OSError:
            return
        if not message:
            return
        for pid, pidfd in list(children.items()):  # forget the evaluators that ended
            if select.select([pidfd], [], [], 0)[0]:
                os.close(pidfd)
                del children[pid]
        if message == b"spawn" and len(fds) == 2:
            pid = fork_child(lambda fds=fds: _evaluator(control, children, fds))
            for fd in fds:
                os.close(fd)
            children[pid] = os.pidfd_open(pid)
            control.sendall(f"pid {pid}".encode())
        elif message.startswith(b"kill ") and not fds:
            victim = int(message.split()[1])
            killed = children.pop(victim) if victim in children else None
            if killed is not None:
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(killed, signal.SIGKILL)
                os.close(killed)
            control.sendall(b"ok")
        else:
            for fd in fds:
                os.close(fd)
            control.sendall(b"?")


if __name__ == "__main__":
    if sys.argv[1:2] != ["--template"] or len(sys.argv) != 3:
        sys.exit("usage: python -m grader.engine.evaluator.process --template CONTROL_FD")
    template(socket.socket(fileno=int(sys.argv[2])))
