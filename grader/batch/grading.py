"""Grading a batch of found submissions, whoever grades each one (this process, or workers via the broker).

`grade_batch` runs any `SubmissionGrading` over the found files with its `workers` in parallel, and one bad
submission never stops a batch. `stored_submission` is the step both graders share: the stored result to
reuse, or the stored submission to grade.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from grader.batch.discover import Found, RefusedFile, read_beside, read_submission
from grader.core.i18n import Lang, Text, t
from grader.core.results import GradeResult
from grader.core.sources import not_judged
from grader.core.specs.loader import Catalog
from grader.core.specs.models import ExerciseSpec
from grader.db import store
from grader.db.models import ExerciseVersion, Submission
from grader.db.version import version_hash

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


@dataclass(frozen=True)
class Stored:
    """A submission as stored before grading: its exercise version, the stored submission, and the stored
    result to reuse instead of grading (None: grade it)."""

    version: ExerciseVersion
    submission: Submission
    reused: GradedSubmission | None = None


def stored_submission(session: Session, *, spec: ExerciseSpec, student: str, filename: str, data: bytes,
                      force: bool, beside: dict[str, bytes] | None = None, offering_id: int | None = None) -> Stored:
    """The version and the (new or existing) stored submission for these bytes in `offering_id` (None: the
    default offering) and the data files `beside` them (stored with it, so a regrade or a queue worker reads
    them too), with the stored result to reuse for this spec version unless `force`; the caller commits."""
    version = store.get_or_create_exercise_version(
        session, slug=spec.id, title=spec.title.es, spec_hash=version_hash(spec),
        spec_json=spec.model_dump(mode="json"))
    person = store.get_or_create_student(session, external_id=student)
    previous = store.find_reusable_grading(
        session, student=person, exercise_version=version, source_hash=store.source_hash(data),
        offering_id=offering_id)
    files = beside or {}
    if previous is not None and not store.has_same_files(session, submission_id=previous.submission_id,
                                                         files=files):
        previous = None  # the same code with other data files: its result may differ
    if previous is not None and not force:
        reused = GradedSubmission(student=student, exercise=spec.id, path=filename,
                                  result=store.grading_result(previous), reused=True, grading_id=previous.id)
        return Stored(version=version, submission=previous.submission, reused=reused)
    submission = previous.submission if previous is not None else store.record_submission(
        session, student=person, exercise=version.exercise, filename=filename, source=data, files=files,
        offering_id=offering_id)
    return Stored(version=version, submission=submission)


class SubmissionGrading(Protocol):
    """What grades and stores one submission: `LocalGrader` (this process) or `BrokerGrader` (Celery)."""

    catalog: Catalog
    workers: int

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False, beside: dict[str, bytes] | None = None) -> GradedSubmission:
        """Grade and store one submission (or return the stored result to reuse); `beside`: the data files of
        the student's folder its code may read."""
        ...


def _grade_found(grading: SubmissionGrading, item: Found, *, exercise_id: str, data: bytes,
                 force: bool) -> GradedSubmission | None:
    """`grade_submission` for one found file (with the data files beside it), shown under its path; None
    (logged) when it raised."""
    try:
        beside = read_beside(item) if item.beside else None
        out = grading.grade_submission(exercise_id=exercise_id, student=item.student, filename=item.path.name,
                                       data=data, force=force, beside=beside)
    except Exception:  # one submission's internal failure must not stop (and lose) the whole batch
        log.exception("internal error grading %s (student %s)", item.path, item.student)
        return None
    return GradedSubmission(student=out.student, exercise=out.exercise, path=str(item.path),
                            result=out.result, reused=out.reused, grading_id=out.grading_id)


def grade_batch(grading: SubmissionGrading, *, exercise_id: str, found: Iterable[Found], force: bool = False,
                on_done: Callable[[GradedSubmission], None] | None = None) -> list[GradedSubmission]:
    """Grade every found submission with `grading.workers` in parallel; results come back in input order."""
    spec = grading.catalog.get(exercise_id)  # unknown exercise: fail before touching any submission
    items = list(found)

    def failed(item: Found, error: Text, cause: Literal["refused", "grader"]) -> GradedSubmission:
        """An error row for `item`, recorded in the batch's results like any other: never run, so not judged
        (refused: a file the batch cannot take; grader: one it could not read or grade)."""
        result = not_judged(GradeResult.failed(error, max_score=spec.max_score), cause=cause)
        return GradedSubmission(student=item.student, exercise=exercise_id, path=str(item.path), result=result)

    def one(item: Found) -> GradedSubmission:
        """Grade one found submission; a problem finding, reading or grading it becomes its error."""
        started = time.monotonic()
        if item.problem is not None:
            out = failed(item, item.problem, "refused")
        else:
            try:
                data = read_submission(item)  # never follows a link, never opens a FIFO or a device
            except RefusedFile as exc:
                out = failed(item, exc.problem, "refused")
            except OSError as exc:
                out = failed(item, t(f"No se pudo leer {item.path}: {exc.strerror}.",
                                     f"Could not read {item.path}: {exc.strerror}."), "grader")
            else:
                out = _grade_found(grading, item, exercise_id=exercise_id, data=data, force=force) or failed(
                    item, t(f"Error interno del calificador con {item.path} (no es culpa de la entrega; el "
                            "detalle está en el registro). Vuelve a calificar este archivo.",
                            f"Internal grader error with {item.path} (not the submission's fault; the "
                            "details are in the log). Grade this file again."), "grader")
        if out.result.duration_s == 0.0 and not out.reused:
            out.result.duration_s = round(time.monotonic() - started, 3)
        if on_done is not None:
            on_done(out)
        return out

    with ThreadPoolExecutor(max_workers=grading.workers) as pool:
        return list(pool.map(one, items))
