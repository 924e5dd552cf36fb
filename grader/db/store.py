"""Store functions shared by the CLI, the web app and queue workers.

Every function takes the caller's `Session`, flushes so that ids exist, and never commits: the caller owns
the transaction and decides when a batch of writes becomes visible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.paths import scrub_paths
from grader.core.results import GradeResult
from grader.db.files_models import SubmissionFile
from grader.db.lti import score_changed
from grader.db.models import (
    FINISHED_STATUSES,
    Base,
    Exercise,
    ExerciseVersion,
    Grading,
    Student,
    Submission,
    utcnow,
)
from grader.db.offerings import enroll, scope

LOGS_CAP_BYTES = 64 * 1024
TRUNCATED_MARKER = "\n[truncated]\n"


def source_hash(data: bytes) -> str:
    """SHA-256 hex digest of submitted bytes; identical files hash identically whatever their name."""
    return hashlib.sha256(data).hexdigest()


def cap_logs(logs: str, limit: int = LOGS_CAP_BYTES) -> str:
    """Cap `logs` to `limit` UTF-8 bytes, keeping the head and the tail around a "[truncated]" marker.

    Both ends are kept because the start shows what ran and the end holds the traceback that matters.
    """
    data = logs.encode("utf-8")
    if len(data) <= limit:
        return logs
    marker = TRUNCATED_MARKER.encode("utf-8")
    keep = max(limit - len(marker), 0)
    head, tail = data[: keep // 2], data[len(data) - (keep - keep // 2) :]
    # errors="ignore" drops a multi-byte character cut in half, so the result only gets shorter.
    return head.decode("utf-8", errors="ignore") + TRUNCATED_MARKER + tail.decode("utf-8", errors="ignore")


def _insert_ignoring_duplicates(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """INSERT a row unless a unique constraint already holds one like it.

    Concurrent workers get-or-create the same student or spec version; ON CONFLICT DO NOTHING lets the
    loser carry on without a savepoint (which pysqlite handles badly) or a poisoned transaction.
    """
    dialect = session.get_bind().dialect.name
    stmt: Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:
        session.add(model(**values))
        session.flush()
        return
    session.execute(stmt)


def get_or_create_student(
    session: Session, *, external_id: str, name: str | None = None, email: str | None = None
) -> Student:
    """The student with `external_id`, created if new; a given `name`/`email` updates the stored one."""
    student = session.scalars(select(Student).where(Student.external_id == external_id)).one_or_none()
    if student is None:
        _insert_ignoring_duplicates(
            session, Student, {"external_id": external_id, "name": name, "email": email}
        )
        student = session.scalars(select(Student).where(Student.external_id == external_id)).one()
    # None means "not known here", not "erase": a file-stem import must not wipe roster details.
    if name is not None and student.name != name:
        student.name = name
    if email is not None and student.email != email:
        student.email = email
    session.flush()
    return student


def _get_or_create_exercise(session: Session, *, slug: str, title: str) -> Exercise:
    """The exercise with `slug`, created if new; its title follows the newest spec."""
    exercise = session.scalars(select(Exercise).where(Exercise.slug == slug)).one_or_none()
    if exercise is None:
        _insert_ignoring_duplicates(session, Exercise, {"slug": slug, "title": title})
        exercise = session.scalars(select(Exercise).where(Exercise.slug == slug)).one()
    if exercise.title != title:
        exercise.title = title
    return exercise


def get_or_create_exercise_version(
    session: Session, *, slug: str, title: str, spec_hash: str, spec_json: dict[str, Any]
) -> ExerciseVersion:
    """The version of exercise `slug` whose spec hashes to `spec_hash`, created (with the exercise) if new.

    An existing version keeps its stored `spec_json`: the hash says it is the same spec.
    """
    exercise = _get_or_create_exercise(session, slug=slug, title=title)
    session.flush()
    query = select(ExerciseVersion).where(
        ExerciseVersion.exercise_id == exercise.id, ExerciseVersion.spec_hash == spec_hash
    )
    version = session.scalars(query).one_or_none()
    if version is None:
        _insert_ignoring_duplicates(
            session,
            ExerciseVersion,
            {"exercise_id": exercise.id, "spec_hash": spec_hash, "spec_json": spec_json},
        )
        version = session.scalars(query).one()
    session.flush()
    return version


def record_submission(
    session: Session,
    *,
    student: Student,
    exercise: Exercise,
    filename: str,
    source: bytes,
    received_at: datetime | None = None,
    files: Mapping[str, bytes] | None = None,
    offering_id: int | None = None,
) -> Submission:
    """Store a received file exactly as given (any bytes) with its hash; `received_at` defaults to now.
    `files`: the data files handed in beside it (relative path -> bytes), stored with it for every grading.

    `received_at` must be timezone-aware: deadlines are compared against it. The submission belongs to
    `offering_id` (None: the default offering), whose roster the student joins if not on it yet (a graded folder
    names its students by their files).
    """
    if received_at is not None and received_at.tzinfo is None:
        # Checked here rather than at flush so the caller gets a plain ValueError at the call site.
        raise ValueError("received_at must be timezone-aware (e.g. datetime.now(UTC))")
    offering = scope(session, offering_id)
    session.flush()  # the student's id, for the roster
    enroll(session, offering_id=offering, student_id=student.id)
    submission = Submission(
        offering_id=offering,
        student=student,
        exercise=exercise,
        filename=filename,
        source=bytes(source),
        source_hash=source_hash(source),
        received_at=received_at if received_at is not None else utcnow(),
    )
    session.add(submission)
    session.flush()
    session.add_all(SubmissionFile(submission_id=submission.id, path=path, size=len(content),
                                   sha256=source_hash(content), content=bytes(content))
                    for path, content in sorted((files or {}).items()))
    session.flush()
    return submission


def stored_files(session: Session, *, submission_id: int) -> dict[str, bytes]:
    """The data files stored beside submission `submission_id` (relative path -> bytes), as the code reads them."""
    rows = session.execute(select(SubmissionFile.path, SubmissionFile.content)
                           .where(SubmissionFile.submission_id == submission_id).order_by(SubmissionFile.path))
    return {path: content for path, content in rows}


def file_listing(session: Session, *, submission_id: int) -> list[tuple[str, int, str]]:
    """(path, size, SHA-256) of each data file beside submission `submission_id`, without their bytes."""
    rows = session.execute(select(SubmissionFile.path, SubmissionFile.size, SubmissionFile.sha256)
                           .where(SubmissionFile.submission_id == submission_id).order_by(SubmissionFile.path))
    return [(path, size, digest) for path, size, digest in rows]


def has_same_files(session: Session, *, submission_id: int, files: Mapping[str, bytes]) -> bool:
    """Whether submission `submission_id` was handed in with exactly these data files (same paths and bytes):
    the same code beside other data is another submission, whose result may differ."""
    sent = sorted((path, source_hash(content)) for path, content in files.items())
    return sent == [(path, digest) for path, _, digest in file_listing(session, submission_id=submission_id)]


def find_reusable_grading(
    session: Session, *, student: Student, exercise_version: ExerciseVersion, source_hash: str,
    offering_id: int | None = None,
) -> Grading | None:
    """The newest finished grading of this student's submission of these bytes against this exact spec, in
    `offering_id` (None: the default offering)."""
    query = (
        select(Grading)
        .join(Grading.submission)
        .where(
            Submission.student_id == student.id,
            Submission.offering_id == scope(session, offering_id),
            Submission.source_hash == source_hash,
            Grading.exercise_version_id == exercise_version.id,
            Grading.status.in_(FINISHED_STATUSES),
        )
        # graded_at is when the verdict was reached; id breaks ties between equal timestamps.
        .order_by(Grading.graded_at.desc().nulls_last(), Grading.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _scrub_text(text: Text | None) -> Text | None:
    """A bilingual message without server paths (see grader.core.paths)."""
    if text is None:
        return None
    return Text(es=scrub_paths(text.es), en=scrub_paths(text.en))


def scrubbed(result: GradeResult) -> GradeResult:
    """`result` with server paths taken out of what people read: the logs, the error and the check messages."""
    checks = [check.model_copy(update={"message": _scrub_text(check.message)}) for check in result.checks]
    return result.model_copy(update={"logs": scrub_paths(result.logs), "error": _scrub_text(result.error),
                                     "checks": checks})


def result_columns(result: GradeResult) -> dict[str, Any]:
    """The grading columns that record a finished `result`: queryable columns plus the full result as JSON.

    Server paths are scrubbed from the logs, the error and the check messages (they reach teachers and
    students). Logs are then capped (see `cap_logs`) both in the column and inside `result_json`, so the JSON
    cannot smuggle the uncapped text back in. Used as is by conditional UPDATEs (the queue giving up on a
    grading).
    """
    clean = scrubbed(result)
    logs = cap_logs(clean.logs)
    stored = clean if logs == clean.logs else clean.model_copy(update={"logs": logs})
    return {
        "status": stored.status,
        "score": stored.score,
        "max_score": stored.max_score,
        "result_json": stored.model_dump(mode="json"),
        "error": stored.error.es if stored.error is not None else None,
        "duration_s": stored.duration_s,
        "judged": stored.judged,
        "logs": logs,
        "graded_at": utcnow(),
    }


def _fill_grading(grading: Grading, result: GradeResult) -> None:
    """Copy a finished `result` into `grading` (see `result_columns`)."""
    for column, value in result_columns(result).items():
        setattr(grading, column, value)


def save_grading(
    session: Session, *, submission: Submission, exercise_version: ExerciseVersion, result: GradeResult
) -> Grading:
    """Store a finished grading of `submission` as a new row."""
    grading = Grading(submission=submission, exercise_version=exercise_version, created_at=utcnow())
    _fill_grading(grading, result)
    session.add(grading)
    session.flush()
    score_changed(session, submission_id=submission.id)
    return grading


def queue_grading(
    session: Session, *, submission: Submission, exercise_version: ExerciseVersion, regrade_id: int | None = None
) -> Grading:
    """Add a `queued` grading of `submission` for a worker to claim; it has no result yet."""
    grading = Grading(submission=submission, exercise_version=exercise_version, status="queued",
                      result_json=None, created_at=utcnow(), regrade_id=regrade_id)
    session.add(grading)
    session.flush()
    return grading


def finish_grading(session: Session, *, grading: Grading, result: GradeResult) -> Grading:
    """Record `result` in a claimed (running) grading (and queue its score for the LMS, see grader.db.lti)."""
    _fill_grading(grading, result)
    session.flush()
    score_changed(session, submission_id=grading.submission_id)
    return grading


def grading_result(grading: Grading) -> GradeResult:
    """Rebuild the typed result of a finished grading from its stored JSON."""
    if grading.result_json is None:
        raise ValueError(f"grading {grading.id} has no result yet (status {grading.status!r})")
    return GradeResult.model_validate(grading.result_json)
