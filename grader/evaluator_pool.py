"""The host side of the trusted evaluators: one sandboxed template process per pool imports TensorFlow once
and forks an evaluator per pool slot (grader/evaluator.py). A slot's evaluator is replaced after a crash, a
time-out or `recycle_after` jobs by another fork, not by another TensorFlow import.
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from grader.evaluator import EvalReply, EvalRequest
from grader.facts import Evidence
from grader.i18n import Text, t
from grader.sandbox.isolation import EVALUATOR_UID, Isolation, Mount
from grader.sandbox.procs import START_TIMEOUT_S, host_pid, kill_tree, launch_with_control, said_ready

REPLY_TIMEOUT_S = 10.0


class EvaluatorError(Exception):
    """The evaluator could not produce evidence for a submission; `message` explains it to the student."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.es)
        self.message = message


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
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._ready = False
        self._lock = threading.Lock()
        self.launches = 0

    @property
    def pid(self) -> int | None:
        """Host pid of the template's sandbox, when launched."""
        return self._proc.pid if self._proc is not None else None

    def launch(self) -> None:
        """Start the template (again, if it died) without waiting for its TensorFlow import."""
        with self._lock:
            self._launch()

    def _launch(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self._close()
        # Nothing secret travels in the environment: the evaluator gets a fixed, minimal one.
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
               "PYTHONWARNINGS": "ignore", "TF_ENABLE_ONEDNN_OPTS": "0"}
        env |= {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
        package = Path(__file__).resolve().parent  # the grader package only: not exercises/, not the database

        def command(fd: int) -> list[str]:
            argv = [sys.executable, "-I", "-m", "grader.evaluator", "--template", str(fd)]
            return self.isolation.command(argv, uid=EVALUATOR_UID, mounts=[Mount(package)], env=env,
                                          workdir=Path("/evaluator"))

        self._proc, self._sock = launch_with_control(command, env=env)
        self._ready = False
        self.launches += 1

    def _ask(self, message: bytes, fds: list[int], timeout_s: float) -> bytes:
        """Send one message (with descriptors) and return the template's answer; b"" if it is gone."""
        assert self._sock is not None
        if not self._ready:
            self._ready = said_ready(self._sock, timeout_s)
            if not self._ready:
                return b""
        self._sock.settimeout(timeout_s)
        try:
            socket.send_fds(self._sock, [message], fds)
            return self._sock.recv(64)
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
        raise EvaluatorError(_crashed())

    def kill(self, forked: Forked) -> None:
        """Kill one evaluator (a stuck one, or one being replaced). One forked by an earlier launch died with
        it, and its pid may now name a sibling of the current launch: that one is left alone."""
        with self._lock:
            if (forked.launch == self.launches and self._sock is not None and self._proc is not None
                    and self._proc.poll() is None):
                self._ask(f"kill {forked.pid}".encode(), [], REPLY_TIMEOUT_S)

    def host_pid(self, forked: Forked) -> int | None:
        """The host pid of a forked evaluator (for memory readings), while its launch runs."""
        if self._proc is None or forked.launch != self.launches:
            return None
        return host_pid(self._proc.pid, forked.pid)

    def close(self) -> None:
        """Stop the template and every evaluator it forked."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            kill_tree(self._proc)
            self._proc.wait()
            self._proc = None


class EvaluatorProcess:
    """Client side of one forked evaluator, replaced after a crash, a time-out or `recycle_after` jobs."""

    def __init__(self, *, template: EvaluatorTemplate, recycle_after: int = 200) -> None:
        self.template = template
        self.recycle_after = recycle_after
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

    def evaluate(self, request: EvalRequest, *, timeout_s: float) -> Evidence:
        """Send one request and wait for its evidence, at most `timeout_s` seconds."""
        for attempt in range(2):  # an idle evaluator may have died with its template: fork another once
            if self._child is None or self._jobs >= self.recycle_after:
                self.close()
                self._child, self._jobs = self.template.spawn(), 0
            requests, replies = self._child.requests, self._child.replies
            try:
                requests.write(request.model_dump_json().encode() + b"\n")
                requests.flush()
                break
            except BrokenPipeError:
                self.close()
                if attempt:
                    raise EvaluatorError(_crashed()) from None
        self._jobs += 1
        line, timed_out = _read_line(replies, timeout_s)
        if line is None:
            self.close()
            raise EvaluatorError(t(
                f"La inspección del modelo superó el tiempo límite ({timeout_s:g} s).",
                f"Inspecting the model exceeded the time limit ({timeout_s:g} s).") if timed_out else _crashed())
        reply = EvalReply.model_validate_json(line)
        if not reply.ok or reply.evidence is None:
            raise EvaluatorError(t(f"El modelo no se pudo inspeccionar: {reply.error}",
                                   f"The model could not be inspected: {reply.error}"))
        return reply.evidence


def _crashed() -> Text:
    return t("El evaluador se detuvo al reconstruir o entrenar el modelo (¿demasiado grande para la memoria?).",
             "The evaluator stopped while rebuilding or training the model (too large for memory?).")


def _read_line(stream: IO[bytes], timeout_s: float) -> tuple[bytes | None, bool]:
    """One reply line, or (None, True) after `timeout_s`, or (None, False) when the evaluator is gone."""
    deadline = time.monotonic() + timeout_s
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while not buf.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                return None, True
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                return None, False
            buf += chunk
    return buf, False


class EvaluatorPool:
    """A fixed set of evaluators, forked from one template, shared by the grading threads."""

    def __init__(self, size: int, *, isolation: Isolation) -> None:
        self.template = EvaluatorTemplate(isolation=isolation)
        self.processes = [EvaluatorProcess(template=self.template) for _ in range(max(1, size))]
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
