"""The host side of the trusted evaluators: one sandboxed template process per pool imports TensorFlow once
and forks an evaluator per pool slot (grader/engine/evaluator/process.py). A slot's evaluator is replaced after
a crash, a time-out, a memory overrun or `recycle_after` jobs by another fork, not by another TensorFlow import.

While a request runs, a watchdog (grader/engine/evaluator/watch.py) reads the evaluator's resident memory and kills
it over its budget: that submission fails with a message about memory, and the next request gets a new
fork. The address-space limit inside the sandbox stays as the hard stop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grader.core.cost.budget import memory_message, too_slow
from grader.core.facts import Evidence
from grader.core.i18n import Text, t
from grader.engine.evaluator.process import EvalReply, EvalRequest
from grader.engine.evaluator.watch import Watch, read_line
from grader.engine.sandbox.isolation import EVALUATOR_UID, Isolation, Mount
from grader.engine.sandbox.procs import START_TIMEOUT_S, Supervised, host_pid

log = logging.getLogger(__name__)
REPLY_TIMEOUT_S = 10.0
# An evaluator takes 0.2-0.6 GB; rebuilding a model takes about 12 bytes per parameter at its peak (1.8 GB
# for the exam's 140 million, 2.9 GB for 240 million), and the 300 million that config_budget allows ~3.6 GB.
EVALUATOR_RSS_MB = 6144


class EvaluatorError(Exception):
    """The evaluator could not produce evidence for a submission; `message` explains it to the student.
    `internal` marks a failure of the grader itself rather than one the submission caused."""

    def __init__(self, message: Text, *, internal: bool = False, training: bool = False) -> None:
        super().__init__(message.es)
        self.message = message
        self.internal = internal
        self.training = training  # it ran out of time or memory while the request included the brief training


@dataclass
class Forked:
    """One evaluator forked by the template's `launch`-th incarnation: its pid inside the sandbox (numbers that
    a relaunched template hands out again) and the client's ends of its two pipes."""

    launch: int
    pid: int
    requests: IO[bytes]
    replies: IO[bytes]


class EvaluatorTemplate:
    """The sandboxed template process, launched in the background and asked for evaluators by many threads."""

    def __init__(self, *, isolation: Isolation) -> None:
        self.isolation = isolation
        self._process = Supervised()
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """Host pid of the template's sandbox, when launched."""
        return self._process.pid

    @property
    def launches(self) -> int:
        """How many times the template was launched (a launch's evaluators die with it)."""
        return self._process.launches

    def launch(self) -> None:
        """Start the template (again, if it died) without waiting for its TensorFlow import."""
        with self._lock:
            self._launch()

    def _launch(self) -> None:
        if self._process.running():
            return
        # Nothing secret travels in the environment: the evaluator gets a fixed, minimal one.
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
               "PYTHONWARNINGS": "ignore", "TF_ENABLE_ONEDNN_OPTS": "0"}
        env |= {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
        package = Path(__file__).resolve().parents[2]  # the grader package only: not exercises/, not the database

        def command(fd: int) -> list[str]:
            argv = [sys.executable, "-I", "-m", "grader.engine.evaluator.process", "--template", str(fd)]
            return self.isolation.command(argv, uid=EVALUATOR_UID, mounts=[Mount(package)], env=env,
                                          workdir=Path("/evaluator"))

        self._process.launch(command, env=env)

    def _ask(self, message: bytes, fds: list[int], timeout_s: float) -> bytes:
        """Send one message (with descriptors) and return the template's answer; b"" if it is gone."""
        control = self._process.control
        assert control is not None
        if not self._process.await_ready(timeout_s):
            return b""
        control.settimeout(timeout_s)
        try:
            socket.send_fds(control, [message], fds)
            return control.recv(64)
        except OSError:
            return b""

    def spawn(self) -> Forked:
        """A new evaluator, forked from the running template."""
        with self._lock:
            for _ in range(2):  # a dead template is relaunched once
                self._launch()
                requests, replies = os.pipe(), os.pipe()
                answer = self._ask(b"spawn", [requests[0], replies[1]], START_TIMEOUT_S)
                os.close(requests[0])
                os.close(replies[1])
                if answer.startswith(b"pid "):
                    return Forked(launch=self.launches, pid=int(answer.split()[1]),
                                  requests=os.fdopen(requests[1], "wb"), replies=os.fdopen(replies[0], "rb"))
                os.close(requests[1])
                os.close(replies[0])
                self._close()
        log.error("the evaluator template could not fork an evaluator")
        raise EvaluatorError(_internal(), internal=True)

    def kill(self, forked: Forked) -> None:
        """Kill one evaluator (a stuck one, or one being replaced). One forked by an earlier launch died with
        it, and its pid may now name a sibling of the current launch: that one is left alone."""
        with self._lock:
            if forked.launch == self.launches and self._process.running():
                self._ask(f"kill {forked.pid}".encode(), [], REPLY_TIMEOUT_S)

    def host_pid(self, forked: Forked) -> int | None:
        """The host pid of a forked evaluator (for memory readings), while its launch runs."""
        root = self._process.pid
        if root is None or forked.launch != self.launches:
            return None
        return host_pid(root, forked.pid)

    def close(self) -> None:
        """Stop the template and every evaluator it forked."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        self._process.close()


class EvaluatorProcess:
    """Client side of one forked evaluator, replaced after a crash, a time-out, a memory overrun (over
    `memory_mb` of resident memory) or `recycle_after` jobs."""

    def __init__(self, *, template: EvaluatorTemplate, recycle_after: int = 200,
                 memory_mb: float = EVALUATOR_RSS_MB) -> None:
        self.template = template
        self.recycle_after = recycle_after
        self.memory_mb = memory_mb
        self._child: Forked | None = None
        self._jobs = 0

    @property
    def pid(self) -> int | None:
        """Host pid of this evaluator, when running."""
        return self.template.host_pid(self._child) if self._child is not None else None

    def close(self) -> None:
        """Stop this evaluator (another is forked on the next request)."""
        if self._child is not None:
            child, self._child = self._child, None
            self.template.kill(child)
            for stream in (child.requests, child.replies):
                with contextlib.suppress(OSError):
                    stream.close()

    def evaluate(self, request: EvalRequest, *, timeout_s: float, memory_mb: float | None = None) -> Evidence:
        """Send one request and wait for its evidence, at most `timeout_s` seconds and while the evaluator
        stays under `memory_mb` (default: this process's budget) of resident memory.

        An evaluator that ends without a reply, under none of our limits, may have been killed by something
        else (the kernel's out-of-memory killer, an operator's restart): the request runs once more on a new
        fork, and only a second such end is the submission's doing."""
        budget = self.memory_mb if memory_mb is None else memory_mb
        for attempt in range(2):
            line, stopped = self._ask(request, timeout_s=timeout_s, budget=budget)
            if line is not None:
                return self._evidence(line)
            self.close()
            training = request.training is not None
            if stopped == "memory":
                raise EvaluatorError(memory_message(budget), training=training)
            if stopped == "timeout":
                raise EvaluatorError(too_slow(timeout_s, training=training), training=training)
            log.warning("evaluator ended without a reply (%s, try %d): %s", stopped, attempt + 1,
                        "running the request again on a new fork" if attempt == 0 else "the submission's doing")
        raise EvaluatorError(_crashed())

    def _ask(self, request: EvalRequest, *, timeout_s: float, budget: float) -> tuple[bytes | None, str | None]:
        """Hand `request` to a live evaluator (forking another once when an idle one was gone) and read its
        reply line, or None and why not (see `read_line`)."""
        for attempt in range(2):
            if self._child is None or self._jobs >= self.recycle_after:
                self.close()
                self._child, self._jobs = self.template.spawn(), 0
            try:
                self._child.requests.write(request.model_dump_json().encode() + b"\n")
                self._child.requests.flush()
                break
            except OSError:  # the pipe's reader is gone: that evaluator died before this request
                self.close()
                if attempt:
                    log.error("two evaluators in a row were gone before receiving a request")
                    raise EvaluatorError(_internal(), internal=True) from None
        assert self._child is not None
        self._jobs += 1
        watch = Watch(lambda: self.pid, budget)
        line, stopped = read_line(self._child.replies, timeout_s, over_budget=watch.over_budget)
        if line is not None and watch.rss_mb() > budget / 2:  # a big model's memory lingers: fork anew next time
            self.close()
        return line, stopped

    @staticmethod
    def _evidence(line: bytes) -> Evidence:
        reply = EvalReply.model_validate_json(line)
        if reply.ok and reply.evidence is not None:
            return reply.evidence
        if reply.internal or reply.error is None:
            log.error("internal error in the evaluator: %s", reply.detail)
            raise EvaluatorError(_internal(), internal=True)
        raise EvaluatorError(reply.error)


def _crashed() -> Text:
    return t("El evaluador se detuvo al reconstruir o entrenar tu modelo (¿demasiado grande para la memoria?).",
             "The evaluator stopped while rebuilding or training your model (too large for memory?).")


def _internal() -> Text:
    return t("Error interno del calificador al inspeccionar el modelo; tu entrega quedó guardada y tu profesor "
             "puede volver a calificarla.",
             "Internal grader error while inspecting the model; your submission was kept and your teacher can "
             "grade it again.")


class EvaluatorPool:
    """A fixed set of evaluators, forked from one template, shared by the grading threads."""

    def __init__(self, size: int, *, isolation: Isolation, memory_mb: float = EVALUATOR_RSS_MB) -> None:
        self.template = EvaluatorTemplate(isolation=isolation)
        self.processes = [EvaluatorProcess(template=self.template, memory_mb=memory_mb)
                          for _ in range(max(1, size))]
        self._free: queue.Queue[EvaluatorProcess] = queue.Queue()
        for ev in self.processes:
            self._free.put(ev)

    def start(self, count: int) -> None:
        """Launch the template now when `count` > 0: it imports TensorFlow in the background, and each
        evaluator is then a fork at its first request."""
        if count > 0:
            self.template.launch()

    @contextmanager
    def acquire(self) -> Iterator[EvaluatorProcess]:
        """Borrow one evaluator for the duration of a `with` block."""
        ev = self._free.get()
        try:
            yield ev
        finally:
            self._free.put(ev)

    def close(self) -> None:
        """Stop every evaluator and the template."""
        for ev in self.processes:
            ev.close()
        self.template.close()
