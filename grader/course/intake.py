"""Accepting submissions from the web and the API: the course's rules, then stored and queued, never graded here.

`submit` is the one door: it checks the assignment's dates, attempts, the per-student rate limit and the
upload's size and type (a .zip is a student's folder: its one notebook or script, with the data files beside
it, see grader.course.zipped), stores the bytes, and adds a `queued` grading in the same transaction, so a
submission that was acknowledged is in the database before any worker sees it. It is idempotent: the same
file sent again within DUPLICATE_WINDOW (a double click, an API client retrying) is the submission already
made, not a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased

from grader.core.i18n import Text, t
from grader.core.sources import EXTENSIONS, MAX_NOTEBOOK_BYTES, refused_before_running
from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.course.settings import load_rules, timed_refusal
from grader.course.zipped import ZipRefused, is_zip_name, unzip_submission
from grader.db import store
from grader.db.models import FINISHED_STATUSES, Exercise, Grading, Student, Submission
from grader.db.offerings import scope
from grader.db.version import version_hash

# Uploads larger than a notebook with its outputs are refused before they are read into memory.
MAX_UPLOAD_BYTES = MAX_NOTEBOOK_BYTES
# The same bytes under the same name, by the same student to the same exercise, within this time of the first:
# the same submission sent twice (a double click on Enviar, a retried API request), never a new attempt.
DUPLICATE_WINDOW = timedelta(minutes=2)


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
    """A stored submission and the queued grading a worker will pick up; `duplicate` when it is one made
    moments before with the same file (nothing new was stored)."""

    submission_id: int
    grading_id: int
    duplicate: bool = False


def attempts_used(session: Session, *, student: Student, exercise_slug: str, offering_id: int | None = None) -> int:
    """How many attempts `student` has used on `exercise_slug` in `offering_id` (None: the default one): their
    submissions except those whose newest grading finished not judged (refused before running, or a grader failure:
    grader.core.sources.not_judged). A submission still waiting counts, as `Attempt.uses_attempt` says. One query."""
    newest = aliased(Grading)
    latest_id = (select(func.max(newest.id)).where(newest.submission_id == Submission.id)
                 .correlate(Submission).scalar_subquery())
    unjudged = exists().where(Grading.id == latest_id, Grading.status.in_(FINISHED_STATUSES),
                              Grading.judged.is_(False))
    query = (select(func.count(Submission.id)).join(Submission.exercise)
             .where(Submission.student_id == student.id, Exercise.slug == exercise_slug, ~unjudged,
                    Submission.offering_id == scope(session, offering_id)))
    return session.scalar(query) or 0


def _lock_student(session: Session, *, student: Student) -> None:
    """Hold `student`'s row until the caller commits, so that two requests of one student (a double click)
    are checked and stored one after the other: a duplicate then finds the first, and the attempts and the
    rate limit count it. PostgreSQL locks the row (SELECT ... FOR UPDATE); SQLite has no row locks, so a
    write that changes nothing takes its database write lock instead."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Student).where(Student.id == student.id).values(id=Student.id)
                        .execution_options(synchronize_session=False))
    else:
        session.execute(select(Student.id).where(Student.id == student.id).with_for_update())


def _same_submission(session: Session, *, student: Student, exercise_slug: str, filename: str, data: bytes,
                     beside: dict[str, bytes], now: datetime, offering_id: int) -> Accepted | None:
    """The submission of these very bytes under this name (and these data files beside it) that `student` made
    to `exercise_slug` in `offering_id` within DUPLICATE_WINDOW before `now`, with its newest grading, as a
    duplicate; None when there is none."""
    row = session.execute(
        select(Submission.id, func.max(Grading.id)).join(Submission.exercise)
        .join(Grading, Grading.submission_id == Submission.id)
        .where(Submission.student_id == student.id, Exercise.slug == exercise_slug,
               Submission.offering_id == offering_id, Submission.filename == filename,
               Submission.source_hash == store.source_hash(data),
               Submission.received_at >= now - DUPLICATE_WINDOW, Submission.received_at <= now)
        .group_by(Submission.id).order_by(Submission.id.desc()).limit(1)).first()
    if row is None:
        return None
    if not store.has_same_files(session, submission_id=row[0], files=beside):
        return None  # the same notebook with other data: a new submission
    return Accepted(submission_id=row[0], grading_id=row[1], duplicate=True)


def check_upload(*, filename: str, size: int) -> None:
    """Refuse a file whose name or size cannot be a submission, before reading it."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name or not (name.lower().endswith(EXTENSIONS) or is_zip_name(name)):
        raise SubmissionRefused(t(
            f"`{name or '(sin nombre)'}` no es un archivo admitido: envía un .py, un cuaderno .ipynb (o un .zip con "
            "él y sus datos) o, en los cuestionarios, un .json/.yaml de respuestas.",
            f"`{name or '(no name)'}` is not an accepted file: send a .py, an .ipynb notebook (or a .zip of it with "
            "its data) or, for quizzes, a .json/.yaml answers file."), status_code=415)
    if size > MAX_UPLOAD_BYTES:
        raise SubmissionRefused(t(
            f"El archivo pesa {size / 1e6:.1f} MB y el máximo es {MAX_UPLOAD_BYTES / 1e6:.0f} MB: borra las "
            "salidas del cuaderno (Editar > Borrar todas las salidas) y vuelve a enviarlo.",
            f"The file is {size / 1e6:.1f} MB and the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB: clear the "
            "notebook's outputs (Edit > Clear all outputs) and send it again."), status_code=413)


def submit(session: Session, *, catalog: Catalog, course: Course, student: Student, exercise_id: str,
           filename: str, data: bytes, now: datetime, rate_limit: RateLimit = RateLimit()) -> Accepted:
    """Check the course's rules, store the submission and queue its grading; the caller commits.

    The same file sent again within DUPLICATE_WINDOW returns the first submission's `Accepted` with
    `duplicate=True`, storing nothing and counting against neither the attempts nor the rate limit (it is
    checked before them: the second click of a double click that used the last attempt is still that
    attempt). The student's row stays locked until the caller commits, so that holds for concurrent requests.
    Raises SubmissionRefused with a specific message for every refusal.
    """
    assignment = course.get(exercise_id)
    if assignment is None or exercise_id not in catalog.specs:
        raise SubmissionRefused(t(f"El ejercicio `{exercise_id}` no forma parte del curso.",
                                  f"Exercise `{exercise_id}` is not part of the course."), status_code=404)
    check_upload(filename=filename, size=len(data))
    beside: dict[str, bytes] = {}
    if is_zip_name(filename):
        try:
            folder = unzip_submission(data=data, exercise_id=exercise_id, max_code_bytes=MAX_UPLOAD_BYTES)
        except ZipRefused as refused:
            raise SubmissionRefused(refused.message, status_code=refused.status_code) from None
        filename, data, beside = folder.filename, folder.data, folder.beside
    if not data.strip():
        raise SubmissionRefused(t(f"`{filename}` está vacío: escribe tu código o respuestas y vuelve a enviarlo.",
                                  f"`{filename}` is empty: write your code or answers and send it again."))
    name = filename.rsplit("/", 1)[-1]
    offering = scope(session, course.offering_id)
    _lock_student(session, student=student)
    duplicate = _same_submission(session, student=student, exercise_slug=exercise_id, filename=name, data=data,
                                 beside=beside, now=now, offering_id=offering)
    if duplicate is not None:
        return duplicate
    rules = load_rules(session, course=course, exercises=[exercise_id], student_ids=[student.id], now=now)
    if rules.releases[exercise_id].closes_submissions:
        raise SubmissionRefused(t(
            "El profesor ya publicó las respuestas de este ejercicio: no se aceptan más entregas.",
            "The teacher has released this exercise's answers: no more submissions are accepted."), status_code=403)
    mine = rules.assignment(exercise_id, at=now, student_id=student.id) or assignment
    used = attempts_used(session, student=student, exercise_slug=exercise_id, offering_id=offering)
    refusal = mine.refusal(now=now, attempts_used=used)
    if refusal is None and mine.time_limit_min is not None:
        refusal = timed_refusal(rules.time_left(exercise_id, student.id, now=now))
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
                                         filename=name, source=data, received_at=now, files=beside,
                                         offering_id=offering)
    # A student who can still fix a file that cannot run as written (a syntax slip too) is told at once, and
    # the try does not count; a teacher grading hand-ins later reads past such a slip (grader.core.slips).
    not_run = refused_before_running(filename=name, data=data, max_score=spec.max_score)
    grading = store.queue_grading(session, submission=submission, exercise_version=version) if not_run is None \
        else store.save_grading(session, submission=submission, exercise_version=version, result=not_run)
    return Accepted(submission_id=submission.id, grading_id=grading.id)
