"""Accepting submissions from the web and the API: the course's rules, then stored and queued, never graded here.

`submit` is the one door: it checks the assignment's dates, attempts, the per-student rate limit and the
upload's size and type, stores the bytes, and adds a `queued` grading in the same transaction, so a
submission that was acknowledged is in the database before any worker sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.core.i18n import Text, t
from grader.core.sources import EXTENSIONS, MAX_NOTEBOOK_BYTES
from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.db import store
from grader.db.models import Exercise, Student, Submission
from grader.db.version import version_hash

# Uploads larger than a notebook with its outputs are refused before they are read into memory.
MAX_UPLOAD_BYTES = MAX_NOTEBOOK_BYTES


@dataclass(frozen=True)
class RateLimit:
    """At most `count` submissions per student within `window`."""

    count: int = 5
    window: timedelta = timedelta(minutes=1)


def parse_rate_limit(text: str) -> RateLimit:
    """`"COUNT/SECONDS"` (e.g. GRADER_RATE_LIMIT=5/60) as a RateLimit; a clear ValueError otherwise."""
    count, _, seconds = text.partition("/")
    try:
        limit = RateLimit(count=int(count), window=timedelta(seconds=float(seconds)))
    except ValueError:
        raise ValueError(f"rate limit {text!r}: write COUNT/SECONDS, e.g. 5/60") from None
    if limit.count < 1 or limit.window.total_seconds() <= 0:
        raise ValueError(f"rate limit {text!r}: COUNT and SECONDS must be positive")
    return limit


class SubmissionRefused(Exception):
    """The submission was not accepted; `message` says why and what to do, in both languages."""

    def __init__(self, message: Text, *, status_code: int = 400) -> None:
        super().__init__(message.en)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class Accepted:
    """A stored submission and the queued grading a worker will pick up."""

    submission_id: int
    grading_id: int


def attempts_used(session: Session, *, student: Student, exercise_slug: str) -> int:
    """How many submissions `student` has made to `exercise_slug`."""
    query = (select(func.count(Submission.id)).join(Submission.exercise)
             .where(Submission.student_id == student.id, Exercise.slug == exercise_slug))
    return session.scalar(query) or 0


def check_upload(*, filename: str, size: int) -> None:
    """Refuse a file whose name or size cannot be a submission, before reading it."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name or not name.lower().endswith(EXTENSIONS):
        raise SubmissionRefused(t(
            f"`{name or '(sin nombre)'}` no es un archivo admitido: envía un .py, un cuaderno .ipynb o, en los "
            "cuestionarios, un .json/.yaml de respuestas.",
            f"`{name or '(no name)'}` is not an accepted file: send a .py, an .ipynb notebook or, for quizzes, "
            "a .json/.yaml answers file."), status_code=415)
    if size > MAX_UPLOAD_BYTES:
        raise SubmissionRefused(t(
            f"El archivo pesa {size / 1e6:.1f} MB y el máximo es {MAX_UPLOAD_BYTES / 1e6:.0f} MB: borra las "
            "salidas del cuaderno (Editar > Borrar todas las salidas) y vuelve a enviarlo.",
            f"The file is {size / 1e6:.1f} MB and the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB: clear the "
            "notebook's outputs (Edit > Clear all outputs) and send it again."), status_code=413)


def submit(session: Session, *, catalog: Catalog, course: Course, student: Student, exercise_id: str,
           filename: str, data: bytes, now: datetime, rate_limit: RateLimit = RateLimit()) -> Accepted:
    """Check the course's rules, store the submission and queue its grading; the caller commits.

    Raises SubmissionRefused with a specific message for every refusal.
    """
    assignment = course.get(exercise_id)
    if assignment is None or exercise_id not in catalog.specs:
        raise SubmissionRefused(t(f"El ejercicio `{exercise_id}` no forma parte del curso.",
                                  f"Exercise `{exercise_id}` is not part of the course."), status_code=404)
    check_upload(filename=filename, size=len(data))
    if not data.strip():
        raise SubmissionRefused(t(f"`{filename}` está vacío: escribe tu código o respuestas y vuelve a enviarlo.",
                                  f"`{filename}` is empty: write your code or answers and send it again."))
    refusal = assignment.refusal(now=now, attempts_used=attempts_used(
        session, student=student, exercise_slug=exercise_id))
    if refusal is not None:
        raise SubmissionRefused(refusal, status_code=403)
    recent = session.scalar(select(func.count(Submission.id)).where(
        Submission.student_id == student.id, Submission.received_at > now - rate_limit.window)) or 0
    if recent >= rate_limit.count:
        seconds = int(rate_limit.window.total_seconds())
        raise SubmissionRefused(t(
            f"Demasiadas entregas seguidas: como máximo {rate_limit.count} cada {seconds} s. Espera un momento.",
            f"Too many submissions in a row: at most {rate_limit.count} every {seconds} s. Wait a moment."),
            status_code=429)
    spec = catalog.get(exercise_id)
    version = store.get_or_create_exercise_version(
        session, slug=spec.id, title=spec.title.es, spec_hash=version_hash(spec),
        spec_json=spec.model_dump(mode="json"))
    submission = store.record_submission(session, student=student, exercise=version.exercise,
                                         filename=filename.rsplit("/", 1)[-1], source=data, received_at=now)
    grading = store.queue_grading(session, submission=submission, exercise_version=version)
    return Accepted(submission_id=submission.id, grading_id=grading.id)
