"""Grading a batch in this process: the engine's `grade_bytes`, with each submission and its result stored.

A stored result for the same bytes and spec version is reused unless `force`; the submission is committed
before grading starts, so nothing is lost when the grader stops halfway.
"""

from __future__ import annotations

from grader.batch.grading import GradedSubmission, stored_submission
from grader.core.specs.loader import Catalog
from grader.db import store
from grader.db.runtime import Runtime
from grader.engine.grader import Grader


class LocalGrader:
    """A `SubmissionGrading` over this process's engine; without a runtime (no database) nothing is stored.
    A context manager: closing it stops the engine's processes and the database connections."""

    def __init__(self, engine: Grader, runtime: Runtime | None = None) -> None:
        self.engine = engine
        self.runtime = runtime
        self.catalog: Catalog = engine.catalog
        self.workers: int = engine.workers
        # The course offering submissions are stored in (None: the default one); `grader grade --offering`.
        self.offering_id: int | None = None

    def __enter__(self) -> LocalGrader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the engine's processes and close the database."""
        self.engine.close()
        if self.runtime is not None:
            self.runtime.close()

    def grade_submission(self, *, exercise_id: str, student: str, filename: str, data: bytes,
                         force: bool = False, beside: dict[str, bytes] | None = None) -> GradedSubmission:
        """Store the submission, grade it (or reuse the stored result for the same bytes and spec version
        unless `force`), store the result, and return it. `beside`: the data files of the student's folder,
        readable by the code (stored with the submission when there is a database)."""
        spec = self.catalog.get(exercise_id)
        if self.runtime is None:
            result = self.engine.grade_bytes(spec=spec, filename=filename, data=data, student=student,
                                             beside=beside)
            return GradedSubmission(student=student, exercise=exercise_id, path=filename, result=result)
        with self.runtime.sessions() as session:
            stored = stored_submission(session, spec=spec, student=student, filename=filename, data=data,
                                       force=force, beside=beside,
                                       offering_id=self.offering_id)
            if stored.reused is not None:
                return stored.reused
            session.commit()  # the submission is kept before grading starts: nothing is lost
            result = self.engine.grade_bytes(spec=spec, filename=filename, data=data, student=student,
                                             beside=beside)
            grading = store.save_grading(session, submission=stored.submission, exercise_version=stored.version,
                                         result=result)
            session.commit()
            return GradedSubmission(student=student, exercise=exercise_id, path=filename, result=result,
                                    grading_id=grading.id)
