"""The grading engine's long-lived parts: the exercise catalog, the evaluator processes and the warm sandbox
workers, and `grade_bytes`, which grades one submission without storing it.

The CLI's batches (grader/batch/local.py), `grader worker` and `grader serve` plug `grade_bytes` into what
stores and queues the results; nothing here touches the database.
"""

from __future__ import annotations

import logging
import os

from grader.core.i18n import t
from grader.core.results import GradeResult
from grader.core.sources import not_judged
from grader.core.specs.loader import Catalog, load_catalog
from grader.core.specs.models import ExerciseSpec
from grader.engine.evaluator.pool import EvaluatorPool
from grader.engine.pipeline import grade_source
from grader.engine.sandbox.isolation import UNSAFE_WARNING, make_isolation
from grader.engine.sandbox.warm import WarmRunner

log = logging.getLogger(__name__)

# A grader bug while grading one submission: not the student's fault, and the stored submission can be regraded.
INTERNAL_ERROR = t(
    "Error interno del calificador; tu entrega quedó guardada y tu profesor puede volver a calificarla.",
    "Internal grader error; your submission was kept and your teacher can grade it again.")


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


class Grader:
    """Long-lived grading resources. Use as a context manager so evaluator processes are stopped."""

    def __init__(self, *, workers: int | None = None, catalog: Catalog | None = None,
                 unsafe_no_sandbox: bool = False, warm: bool = True, start: int = 0,
                 preload: tuple[str, ...] | None = None) -> None:
        """`start`: how many workers and evaluators to launch right away (their TensorFlow imports then overlap
        the database migration and the caller's own set-up); the others start on their first job.
        `preload`: what the warm workers import ahead (None: Keras as a fresh process imports it; a batch
        passes `batch_preload`'s choice, see grader/engine/sandbox/preload.py)."""
        self.catalog = catalog or load_catalog()
        self.workers = workers or default_workers()
        self.isolation = make_isolation(unsafe=unsafe_no_sandbox)
        self.evaluators = EvaluatorPool(self.workers, isolation=self.isolation)
        # Warm workers need the sandbox (each job's private namespaces come from it); else fresh processes.
        self.warm = WarmRunner(self.workers, isolation=self.isolation, preload=preload) \
            if warm and self.isolation.sandboxed else None
        if self.warm is not None:
            self.warm.start(start)
        self.evaluators.start(start)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every evaluator and warm worker."""
        self.evaluators.close()
        if self.warm is not None:
            self.warm.close()

    def grade_bytes(self, *, spec: ExerciseSpec, filename: str, data: bytes, student: str,
                    beside: dict[str, bytes] | None = None) -> GradeResult:
        """Grade without storing (validation, previews, queue workers). Never raises for bad student input; a
        grader bug becomes an internal error that uses no attempt (`judged=False`). `beside`: data files of the
        student's folder (relative path -> bytes) the code may read."""
        try:
            if not self.isolation.sandboxed:
                log.warning(UNSAFE_WARNING)
            return grade_source(spec=spec, filename=filename, data=data, evaluators=self.evaluators,
                                isolation=self.isolation, student=student, warm=self.warm, beside=beside)
        except Exception:  # a grader bug must not stop a batch: record it as this submission's error
            log.exception("internal error grading %s", filename)
            return not_judged(GradeResult.failed(INTERNAL_ERROR, max_score=spec.max_score), cause="grader")
