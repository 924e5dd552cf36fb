"""The trusted evaluator: a long-lived process that imports TensorFlow once and turns sandbox payloads
into Evidence (rebuilt-model facts and the brief training).

It never runs student code and holds no database handle, no checks and no reference solutions: it gets
the graded variable names and the training settings only. It runs in its own process so that a config
that exhausts memory or hangs Keras kills an evaluator, not the CLI or the web server; the client
restarts it and the submission gets a specific error.
"""

from __future__ import annotations

import importlib.abc
import json
import os
import queue
import resource
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from grader.facts import Evidence, ModelFacts
from grader.i18n import Text, t
from grader.sandbox.isolation import EVALUATOR_UID, Isolation, Mount
from grader.specs.models import TrainingSpec

EVALUATOR_MEMORY_MB = 12 * 1024
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


def evaluate(request: EvalRequest) -> Evidence:
    """Facts for every graded variable, the recorded fit calls, and the brief training (in-process)."""
    from grader.inspect import fit_call_facts, student_error_facts, variable_facts
    from grader.training import brief_training

    raw_vars = request.payload.get("variables", {})
    variables = {name: variable_facts(raw_vars.get(name, {"kind": "missing"})) for name in request.grade}
    evidence = Evidence(
        variables=variables,
        fit_calls=[fit_call_facts(c) for c in request.payload.get("fit_calls", [])],
        student_error=student_error_facts(request.payload.get("student_error")),
    )
    spec = request.training
    if spec is not None and isinstance(variables.get(spec.variable), ModelFacts):
        raw = raw_vars[spec.variable]
        evidence.training = brief_training(config=raw["config"], compile_config=raw.get("compile_config"), spec=spec)
    return evidence


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


def serve() -> None:
    """Main loop of the evaluator process: one JSON request per stdin line, one reply per line."""
    limit = EVALUATOR_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # TensorFlow's chatter goes to stderr; only replies travel on the private copy of stdout
    with hidden_modules(OPTIONAL_IMPORTS):
        import keras  # noqa: F401  (loaded now, without its optional extras)
        import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    for line in sys.stdin:
        try:
            evidence = evaluate(EvalRequest.model_validate_json(line))
            reply: dict[str, Any] = {"ok": True, "evidence": evidence.model_dump(mode="json")}
        except Exception as exc:
            reply = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:500]}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


class EvaluatorError(Exception):
    """The evaluator could not produce evidence for a submission; `message` explains it to the student."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)
        self.message = message


class EvaluatorProcess:
    """Client side of one evaluator process, restarted after a crash, a time-out or `recycle_after` jobs."""

    def __init__(self, *, isolation: Isolation, recycle_after: int = 200) -> None:
        self.isolation = isolation
        self.recycle_after = recycle_after
        self._proc: subprocess.Popen[bytes] | None = None
        self._jobs = 0

    def _start(self) -> subprocess.Popen[bytes]:
        # Nothing secret travels in the environment: the evaluator gets a fixed, minimal one.
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
               "PYTHONWARNINGS": "ignore", "TF_ENABLE_ONEDNN_OPTS": "0"}
        env |= {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
        self._jobs = 0
        package = Path(__file__).resolve().parent  # the grader package only: not exercises/, not the database
        argv = [sys.executable, "-I", "-m", "grader.evaluator"]
        command = self.isolation.command(argv, uid=EVALUATOR_UID, mounts=[Mount(package)], env=env,
                                         workdir=Path("/evaluator"))
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, start_new_session=True)

    @property
    def pid(self) -> int | None:
        """Host pid of the evaluator's sandbox, when running."""
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        """Stop the process (it is restarted on the next request)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def ensure_started(self) -> subprocess.Popen[bytes]:
        """The running process, started (or restarted after a crash or `recycle_after` jobs) when needed."""
        if self._proc is None or self._proc.poll() is not None or self._jobs >= self.recycle_after:
            self.close()
            self._proc = self._start()
        return self._proc

    def evaluate(self, request: EvalRequest, *, timeout_s: float) -> Evidence:
        """Send one request and wait for its evidence, at most `timeout_s` seconds."""
        proc = self.ensure_started()
        assert proc.stdin is not None and proc.stdout is not None
        self._jobs += 1
        try:
            proc.stdin.write(request.model_dump_json().encode() + b"\n")
            proc.stdin.flush()
        except BrokenPipeError:
            self.close()
            raise EvaluatorError(_crashed()) from None
        line = _read_line(proc.stdout, timeout_s)
        if line is None:
            timed_out = proc.poll() is None
            self.close()
            raise EvaluatorError(t(
                f"La inspección del modelo superó el tiempo límite ({timeout_s:g} s).",
                f"Inspecting the model exceeded the time limit ({timeout_s:g} s).") if timed_out else _crashed())
        reply = json.loads(line)
        if not reply.get("ok"):
            raise EvaluatorError(t(f"El modelo no se pudo inspeccionar: {reply.get('error')}",
                                   f"The model could not be inspected: {reply.get('error')}"))
        return Evidence.model_validate(reply["evidence"])


def _crashed() -> Text:
    return t("El evaluador se detuvo al reconstruir o entrenar el modelo (¿demasiado grande para la memoria?).",
             "The evaluator stopped while rebuilding or training the model (too large for memory?).")


def _read_line(stream: Any, timeout_s: float) -> bytes | None:
    deadline = time.monotonic() + timeout_s
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while not buf.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                return None
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                return None
            buf += chunk
    return buf


class EvaluatorPool:
    """A fixed set of evaluator processes shared by the grading threads."""

    def __init__(self, size: int, *, isolation: Isolation) -> None:
        self.processes = [EvaluatorProcess(isolation=isolation) for _ in range(max(1, size))]
        self._free: queue.Queue[EvaluatorProcess] = queue.Queue()
        for ev in self.processes:
            self._free.put(ev)

    def start(self, count: int) -> None:
        """Launch the first `count` evaluators now; they import TensorFlow in the background."""
        for ev in self.processes[:count]:
            ev.ensure_started()

    @contextmanager
    def acquire(self) -> Iterator[EvaluatorProcess]:
        """Borrow one evaluator for the duration of a `with` block."""
        ev = self._free.get()
        try:
            yield ev
        finally:
            self._free.put(ev)

    def close(self) -> None:
        """Stop every evaluator process."""
        for ev in self.processes:
            ev.close()


if __name__ == "__main__":
    serve()
