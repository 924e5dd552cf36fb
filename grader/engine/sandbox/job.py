"""One submission's run, whichever process runs it: the job (code, data, limits), the capped readers of
its output and result pipe, and `interpret`, which turns how a run ended into its payload or a specific,
fail-closed error. The cold runner (cold.py) and the warm workers (warm.py) both build on it.
"""

from __future__ import annotations

import base64
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.core.i18n import Text, t
from grader.core.safetext import clean
from grader.engine.sandbox.cgroup import MemoryGroup
from grader.engine.sandbox.isolation import SHM_MB, TMP_MB, WRITABLE_MB, Mount
from grader.engine.sandbox.report import MAX_REPORT_BYTES, ReportRefused, read_report, too_large

log = logging.getLogger(__name__)


HARNESS = Path(__file__).with_name("harness.py")


# The course environment the harness installs and its recorders (beside it at /sandbox), and the course's public
# data files.
COURSE_MOUNTS = (
    Mount(Path(__file__).with_name("coursefiles.py"), Path("/sandbox/coursefiles.py")),
    Mount(Path(__file__).with_name("coursedatasets.py"), Path("/sandbox/coursedatasets.py")),
    Mount(Path(__file__).with_name("courseenv.py"), Path("/sandbox/courseenv.py")),
    Mount(Path(__file__).with_name("courseapi.py"), Path("/sandbox/courseapi.py")),
    Mount(Path(__file__).with_name("coursestubs.py"), Path("/sandbox/coursestubs.py")),
    Mount(Path(__file__).with_name("coursecompat.py"), Path("/sandbox/coursecompat.py")),
    Mount(Path(__file__).with_name("courseimports.py"), Path("/sandbox/courseimports.py")),
    Mount(Path(__file__).with_name("coursetypos.py"), Path("/sandbox/coursetypos.py")),
    Mount(Path(__file__).with_name("coursemodels.py"), Path("/sandbox/coursemodels.py")),
    Mount(Path(__file__).with_name("recorders.py"), Path("/sandbox/recorders.py")),
    Mount(Path(__file__).parent.parent / "data", Path("/sandbox/data")),
)


_PASSTHROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# Every writable place of a job is a tmpfs of this many MB at most (memory, not disk).
TMPFS_MB = WRITABLE_MB + TMP_MB + SHM_MB


@dataclass(frozen=True)
class RunLimits:
    """Per-submission limits."""

    timeout_s: float = 90.0
    cpu_s: int = 120
    memory_mb: int = 6144  # address space (RLIMIT_AS): TensorFlow reserves far more than it uses
    # Real memory the job may take beyond the frameworks: its processes' own pages plus whatever it writes to
    # tmpfs or shared memory. The host loses at most this (and a fresh process's FRAMEWORK_MB) to one job.
    ram_mb: int = 2048
    max_output_bytes: int = 1024 * 1024
    file_mb: int = 64
    nproc: int = 64


@dataclass
class SandboxRun:
    """What came back from one run: the payload when it ended cleanly, else a specific error."""

    payload: dict[str, Any] | None
    error: Text | None
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    duration_s: float = 0.0
    notes: list[Text] = field(default_factory=list)
    # The warm worker failed the job, not one of our limits: no exit status came back from its zygote, or the
    # child died by a SIGKILL that neither the time-out nor the memory watchdog sent.
    worker_lost: bool = False
    # The run ended badly before the student's code began (the harness's STARTED line never came): the grader
    # failed, not the submission.
    internal: bool = False

    @property
    def ok(self) -> bool:
        """True when the harness delivered a complete result."""
        return self.payload is not None and self.error is None


class _CappedReader(threading.Thread):
    """Drain a pipe fully (so the child never blocks) while keeping only the first `cap` bytes."""

    def __init__(self, stream: Any, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.dropped = 0

    def run(self) -> None:
        """Read until EOF, keeping the first `cap` bytes."""
        while chunk := self.stream.read(65536):
            room = self.cap - self.kept
            if room > 0:
                self.chunks.append(chunk[:room])
                self.kept += min(room, len(chunk))
            self.dropped += max(0, len(chunk) - max(room, 0))
        self.stream.close()

    def text(self) -> str:
        """What was kept, decoded, with a note when output was dropped."""
        out = b"".join(self.chunks).decode("utf-8", errors="replace")
        if self.dropped:
            out += f"\n[salida truncada: {self.dropped} bytes omitidos / output truncated]"
        return out


def environment(work: Path) -> dict[str, str]:
    """The whole environment of a student process: fixed values, nothing from the grader's own."""
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
        "MPLCONFIGDIR": str(work / ".matplotlib"),
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "KERAS_HOME": str(work / ".keras"),
        "PYTHONWARNINGS": "ignore",
    }
    env.update({k: os.environ[k] for k in _PASSTHROUGH_ENV if k in os.environ})
    return env


@dataclass(frozen=True)
class Job:
    """One submission to run: what the harness needs, nothing secret (no checks, no reference)."""

    code: str
    starter_code: str
    grade: list[str]
    data: dict[str, np.ndarray]
    limits: RunLimits
    fit_max_rows: int = 256
    # A notebook's code cells as (first_line, last_line) of `code`, 1-based: the harness runs them one by one
    # and goes on after a cell that raised, as Jupyter's "run all" with errors allowed. None for a script.
    cells: list[tuple[int, int]] | None = None
    # Data files of the student's folder (relative path -> bytes): the harness writes them into the job's
    # working folder, read-only, so the code reads them as in the student's folder (grader/batch/discover.py).
    beside: dict[str, bytes] = field(default_factory=dict)

    def document(self, *, sandboxed: bool) -> dict[str, Any]:
        """The JSON job the harness reads (data files are added by whoever delivers the arrays)."""
        limits = self.limits
        return {
            "code": self.code, "starter_code": self.starter_code, "grade": self.grade,
            "cells": [list(span) for span in self.cells] if self.cells else None,
            "beside": {path: base64.b64encode(content).decode("ascii") for path, content in self.beside.items()},
            "fit": {"max_rows": self.fit_max_rows, "max_epochs": 1},
            "limits": {"memory_mb": limits.memory_mb, "cpu_s": limits.cpu_s, "file_mb": limits.file_mb,
                       "nproc": limits.nproc if sandboxed else None},
        }


# The harness's line on stderr just before the student's code runs (harness.py STARTED).
STARTED = "grader: the student's code starts\n"


def _abnormal_end(returncode: int, stderr: str, limits: RunLimits) -> Text:
    if returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return t(f"Tu código superó el límite de CPU ({limits.cpu_s} s) y fue detenido.",
                     f"Your code exceeded the CPU limit ({limits.cpu_s} s) and was stopped.")
        if sig == signal.SIGSEGV:
            return t("El proceso de tu código falló (segmentation fault) antes de entregar el modelo.",
                     "Your code's process crashed (segmentation fault) before delivering the model.")
        if sig == signal.SIGKILL:
            return t(f"El proceso de tu código fue terminado (¿superó el límite de memoria de {limits.ram_mb} MB?).",
                     f"Your code's process was killed (did it exceed the {limits.ram_mb} MB memory limit?).")
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return t(f"El proceso de tu código terminó por la señal {name} antes de entregar el modelo.",
                 f"Your code's process ended with signal {name} before delivering the model.")
    if any(marker in stderr for marker in ("MemoryError", "std::bad_alloc", "pthread_create", "Resource exhausted")):
        return t(f"Tu código superó el límite de memoria ({limits.ram_mb} MB).",
                 f"Your code exceeded the memory limit ({limits.ram_mb} MB).")
    return t(f"El proceso de tu código terminó (código {returncode}) antes de entregar el modelo "
             "(¿sys.exit/os._exit o un error al importar?).",
             f"Your code's process ended (exit code {returncode}) before delivering the model "
             "(sys.exit/os._exit, or an import error?).")


def watchdog_mb(limits: RunLimits, group: MemoryGroup | None) -> float:
    """How far the watchdog lets a job's own resident memory grow. With a cgroup the kernel counts tmpfs and
    shared memory in the same budget; without one, their size caps are set aside from it, so that the parts
    still add up to `ram_mb`."""
    return limits.ram_mb if group is not None else limits.ram_mb - TMPFS_MB


def out_of_memory(group: MemoryGroup | None, kills_before: int, returncode: int | None) -> bool:
    """True when a run that did not end cleanly had a process killed by the kernel for going over its
    cgroup's budget (bwrap reports its child's SIGKILL as exit code 137, a warm worker as -9)."""
    return group is not None and returncode != 0 and group.oom_kills() > kills_before


@dataclass
class Readers:
    """The three capped readers of one run: stdout, stderr and the private result pipe."""

    out: _CappedReader
    err: _CappedReader
    result: _CappedReader

    @classmethod
    def start(cls, out: Any, err: Any, result: Any, limits: RunLimits) -> Readers:
        """Start draining the three streams."""
        readers = cls(_CappedReader(out, limits.max_output_bytes), _CappedReader(err, limits.max_output_bytes),
                      _CappedReader(result, MAX_REPORT_BYTES + 1))
        for reader in (readers.out, readers.err, readers.result):
            reader.start()
        return readers

    def join(self) -> None:
        """Wait (boundedly) for the streams to close."""
        for reader in (self.out, self.err, self.result):
            reader.join(timeout=10)


def interpret(readers: Readers, *, stopped: str | None, returncode: int | None, limits: RunLimits,
              started: float) -> SandboxRun:
    """Turn how a run ended into its payload or a specific, fail-closed error."""
    stderr = clean(readers.err.text())
    began = STARTED in stderr
    run = SandboxRun(payload=None, error=None, stdout=clean(readers.out.text()), stderr=stderr.replace(STARTED, "", 1),
                     returncode=returncode, duration_s=time.monotonic() - started)
    if not began and (stopped is not None or returncode != 0):
        run.internal = True
        run.error = t("El calificador falló antes de ejecutar tu código; tu entrega quedó guardada y tu profesor "
                      "puede volver a calificarla.", "The grader failed before running your code; your submission "
                      "was kept and your teacher can grade it again.")
        return run
    if stopped == "timeout":
        run.error = t(f"Tu código superó el tiempo límite de {limits.timeout_s:g} s y fue detenido "
                      "(¿un bucle infinito o un entrenamiento demasiado largo?).",
                      f"Your code exceeded the {limits.timeout_s:g} s time limit and was stopped "
                      "(an infinite loop, or training that is too long?).")
        return run
    if stopped == "memory":
        run.error = t(f"Tu código superó el límite de memoria ({limits.ram_mb} MB, contando los archivos que "
                      "escribe y la memoria compartida) y fue detenido: usa menos datos o un modelo más pequeño.",
                      f"Your code exceeded the memory limit ({limits.ram_mb} MB, counting the files it writes and "
                      "shared memory) and was stopped: use less data or a smaller model.")
        return run
    raw = b"".join(readers.result.chunks)
    if readers.result.dropped or len(raw) > MAX_REPORT_BYTES:  # refused before a byte of it is parsed
        run.error = too_large()
        return run
    payload, unreadable = None, None
    try:
        payload = read_report(raw) if raw else None
    except ReportRefused as exc:
        unreadable = exc.message
    if returncode == 0 and unreadable is not None:  # a crash mid-write is reported as the crash, below
        run.error = unreadable
        return run
    if returncode != 0 or not isinstance(payload, dict) or payload.get("complete") is not True:
        run.error = _abnormal_end(returncode or 0, run.stderr, limits)
        return run
    run.payload = payload
    return run

