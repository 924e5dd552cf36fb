"""The service layer: keyword-only functions that the CLI, the web and queue workers all call.

`Grader` owns the long-lived parts (the exercise catalog, the evaluator processes, the database session
factory); `grade_submission` grades and stores one submission; `grade_batch` grades many in parallel,
and one bad submission never stops a batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from grader.db import store
from grader.db.models import ExerciseVersion, Submission
from grader.db.session import make_engine, make_session_factory, upgrade
from grader.discover import Found, RefusedFile, read_submission
from grader.evaluator_pool import EvaluatorPool
from grader.i18n import Lang, Text, t
from grader.pipeline import grade_source
from grader.results import GradeResult
from grader.sandbox.isolation import UNSAFE_WARNING, make_isolation
from grader.sandbox.warm import WarmRunner
from grader.specs.loader import Catalog, load_catalog
from grader.specs.models import ExerciseSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GradedSubmission:
    """One submission's outcome, as the CLI prints it and the web shows it."""

    student: str
    exercise: str
    path: str
    result: GradeResult
    reused: bool = False
    grading_id: int | None = None

    def to_public(self, lang: Lang = "es") -> dict[str, object]:
        """The JSON-lines record: student, exercise, path, status, score, max_score, checks, error, notes
        (what the student should know beyond the checks: where their code stopped, skipped magics...) and
        duration_s."""
        return {
            "student": self.student,
            "exercise": self.exercise,
            "path": self.path,
            "status": self.result.status,
            "score": self.result.score,
            "max_score": self.result.max_score,
            "checks": [c.to_public(lang) for c in self.result.checks],
            "error": self.result.error.get(lang) if self.result.error else None,
            "notes": self.result.note_texts(lang),
            "duration_s": self.result.duration_s,
        }


@cache
def grading_fingerprint() -> str:
    """A hash of the grading code and shipped data: results stored by another grader version are not reused."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".csv"} and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def version_hash(spec: ExerciseSpec) -> str:
    """The stored 'spec version': the spec's content hash combined with the grading code's fingerprint."""
    return hashlib.sha256(f"{spec.spec_hash()}:{grading_fingerprint()}".encode()).hexdigest()


def stored_submission(session: Session, *, spec: ExerciseSpec, student: str, filename: str, data: bytes,
                      force: bool) -> GradedSubmission | tuple[ExerciseVersion, Submission]:
    """The stored result to reuse for these bytes and this spec version (unless `force`), else the version
    and the (new or existing) stored submission to grade; the caller commits."""
    version = store.get_or_create_exercise_version(
        session, slug=spec.id, title=spec.title.es, spec_hash=version_hash(spec),
        spec_json=spec.model_dump(mode="json"))
    person = store.get_or_create_student(session, external_id=student)
    previous = store.find_reusable_grading(
        session, student=person, exercise_version=version, source_hash=store.source_hash(data))
    if previous is not None and not force:
        return GradedSubmission(student=student, exercise=spec.id, path=filename,
                                result=store.grading_result(previous), reused=True, grading_id=previous.id)
    submission = previous.submission if previous is not None else store.record_submission(
        session, student=person, exercise=version.exercise, filename=filename, source=data)
    return version, submission


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


# A grader bug while grading one submission: not the student's fault, and the stored submission can be regraded.
INTERNAL_ERROR = t(
    "Error interno del calificador; tu entrega quedó guardada y tu profesor puede volver a calificarla.",
    "Internal grader error; your submission was kept and your teacher can grade it again.")


class BatchGrading:
    """`grade_batch` over a `grade_submission` that subclasses provide (in this process, or via Celery)."""

    catalog: Catalog
    workers: int

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False) -> GradedSubmission:
        """Grade and store one submission (see the subclasses)."""
        raise NotImplementedError

    def _grade_found(self, item: Found, *, exercise_id: str, data: bytes, force: bool) -> GradedSubmission | None:
        """`grade_submission` for one found file, shown under its path; None (logged) when it raised."""
        try:
            out = self.grade_submission(exercise_id=exercise_id, student=item.student, filename=item.path.name,
                                        data=data, force=force)
        except Exception:  # one submission's internal failure must not stop (and lose) the whole batch
            log.exception("internal error grading %s (student %s)", item.path, item.student)
            return None
        return GradedSubmission(student=out.student, exercise=out.exercise, path=str(item.path),
                                result=out.result, reused=out.reused, grading_id=out.grading_id)

    def grade_batch(self, *, exercise_id: str, found: Iterable[Found], force: bool = False,
                    on_done: Callable[[GradedSubmission], None] | None = None) -> list[GradedSubmission]:
        """Grade every found submission with `workers` in parallel; results come back in input order."""
        spec = self.catalog.get(exercise_id)  # unknown exercise: fail before touching any submission
        items = list(found)

        def failed(item: Found, error: Text) -> GradedSubmission:
            """An error row for `item`: recorded in the batch's results like any other."""
            return GradedSubmission(student=item.student, exercise=exercise_id, path=str(item.path),
                                    result=GradeResult.failed(error, max_score=spec.max_score))

        def one(item: Found) -> GradedSubmission:
            """Grade one found submission; a problem finding, reading or grading it becomes its error."""
            started = time.monotonic()
            if item.problem is not None:
                out = failed(item, item.problem)
            else:
                try:
                    data = read_submission(item)  # never follows a link, never opens a FIFO or a device
                except RefusedFile as exc:
                    out = failed(item, exc.problem)
                except OSError as exc:
                    out = failed(item, t(f"No se pudo leer {item.path}: {exc.strerror}.",
                                         f"Could not read {item.path}: {exc.strerror}."))
                else:
                    out = self._grade_found(item, exercise_id=exercise_id, data=data, force=force) or failed(
                        item, t(f"Error interno del calificador con {item.path} (no es culpa de la entrega; el "
                                "detalle está en el registro). Vuelve a calificar este archivo.",
                                f"Internal grader error with {item.path} (not the submission's fault; the "
                                "details are in the log). Grade this file again."))
            if out.result.duration_s == 0.0 and not out.reused:
                out.result.duration_s = round(time.monotonic() - started, 3)
            if on_done is not None:
                on_done(out)
            return out

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(one, items))


class Grader(BatchGrading):
    """Long-lived grading resources. Use as a context manager so evaluator processes are stopped."""

    def __init__(self, *, database_url: str | None, workers: int | None = None,
                 catalog: Catalog | None = None, unsafe_no_sandbox: bool = False, warm: bool = True,
                 start: int = 0, preload: tuple[str, ...] | None = None) -> None:
        """`start`: how many workers and evaluators to launch right away (their TensorFlow imports then overlap
        the database migration and the caller's own set-up); the others start on their first job.
        `preload`: what the warm workers import ahead (None: Keras as a fresh process imports it; a batch
        passes `batch_preload`'s choice, see grader/sandbox/preload.py)."""
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
        self.sessions = None
        if database_url is not None:
            try:
                upgrade(url=database_url)
            except BaseException:
                self.close()  # the processes started above must not outlive a failed start
                raise
            self.sessions = make_session_factory(make_engine(database_url))

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every evaluator and warm worker."""
        self.evaluators.close()
        if self.warm is not None:
            self.warm.close()

    def grade_bytes(self, *, spec: ExerciseSpec, filename: str, data: bytes, student: str) -> GradeResult:
        """Grade without storing (validation, previews). Never raises for bad student input."""
        try:
            if not self.isolation.sandboxed:
                log.warning(UNSAFE_WARNING)
            return grade_source(spec=spec, filename=filename, data=data, evaluators=self.evaluators,
                                isolation=self.isolation, student=student, warm=self.warm)
        except Exception:  # a grader bug must not stop a batch: record it as this submission's error
            log.exception("internal error grading %s", filename)
            return GradeResult.failed(INTERNAL_ERROR, max_score=spec.max_score)

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False) -> GradedSubmission:
        """Store the submission, grade it (or reuse the stored result for the same bytes and spec version
        unless `force`), store the result, and return it."""
        spec = self.catalog.get(exercise_id)
        if self.sessions is None:
            result = self.grade_bytes(spec=spec, filename=filename, data=data, student=student)
            return GradedSubmission(student=student, exercise=exercise_id, path=filename, result=result)
        with self.sessions() as session:
            stored = stored_submission(session, spec=spec, student=student, filename=filename, data=data,
                                       force=force)
            if isinstance(stored, GradedSubmission):
                return stored
            version, submission = stored
            session.commit()  # the submission is kept before grading starts: nothing is lost
            result = self.grade_bytes(spec=spec, filename=filename, data=data, student=student)
            grading = store.save_grading(session, submission=submission, exercise_version=version, result=result)
            session.commit()
            return GradedSubmission(student=student, exercise=exercise_id, path=filename, result=result,
                                    grading_id=grading.id)
