"""Similarity runs in the course: queued by a teacher or by a deadline passing, run by a background job over
each student's newest submission, their flags and the teachers' notes kept for the teacher's page.

Nothing here is shown to students or changes a score. Like grader.db.store, functions take the caller's
Session and never commit, except `run_next`, the job itself, which commits its claim and its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.core.similarity import find_similar, read_document
from grader.core.sources import SubmissionError
from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.db.models import Exercise, Submission, utcnow
from grader.db.offerings import scope
from grader.db.session import rows_changed
from grader.db.similarity_models import SimilarityFlag, SimilarityNote, SimilarityRun

DEADLINE = "deadline"  # requested_by of a run queued because the submissions closed


def _exercise(session: Session, slug: str) -> Exercise | None:
    return session.scalars(select(Exercise).where(Exercise.slug == slug)).one_or_none()


def request_run(session: Session, *, exercise_slug: str, requested_by: str, offering_id: int | None = None
                ) -> SimilarityRun | None:
    """Queue a run of exercise `exercise_slug` over the hand-ins of `offering_id` (None: the default offering);
    None when nobody submitted it yet: nothing to compare. A run already queued is returned instead."""
    exercise = _exercise(session, exercise_slug)
    if exercise is None:
        return None
    offering = scope(session, offering_id)
    queued = session.scalars(select(SimilarityRun).where(SimilarityRun.exercise_id == exercise.id,
                                                         SimilarityRun.offering_id == offering,
                                                         SimilarityRun.status == "queued")).first()
    if queued is not None:
        return queued
    run = SimilarityRun(offering_id=offering, exercise=exercise, status="queued", requested_by=requested_by)
    session.add(run)
    session.flush()
    return run


def queue_after_deadlines(session: Session, *, course: Course, now: datetime | None = None) -> list[SimilarityRun]:
    """Queue a run for every assignment of the course's offering whose submissions closed and that has no run
    there since they closed."""
    now = now or utcnow()
    offering = scope(session, course.offering_id)
    queued: list[SimilarityRun] = []
    for assignment in course.assignments:
        closed = assignment.closes_at()
        exercise = _exercise(session, assignment.exercise)
        if closed > now or exercise is None:
            continue
        since = session.scalar(select(func.count()).select_from(SimilarityRun).where(
            SimilarityRun.exercise_id == exercise.id, SimilarityRun.offering_id == offering,
            SimilarityRun.created_at >= closed))
        if not since and (run := request_run(session, exercise_slug=assignment.exercise, requested_by=DEADLINE,
                                             offering_id=offering)):
            queued.append(run)
    return queued


def newest_submissions(session: Session, exercise_id: int, offering_id: int) -> list[Submission]:
    """Each student's newest submission of an exercise in one offering (offerings are never compared)."""
    newest = select(Submission.student_id, func.max(Submission.id).label("last")) \
        .where(Submission.exercise_id == exercise_id, Submission.offering_id == offering_id) \
        .group_by(Submission.student_id).subquery()
    return list(session.scalars(select(Submission).join(newest, Submission.id == newest.c.last)
                                .order_by(Submission.id)))


def _claim(session: Session) -> SimilarityRun | None:
    """The oldest queued run, marked running; None when another process took it first or none is queued."""
    run = session.scalars(select(SimilarityRun).where(SimilarityRun.status == "queued")
                          .order_by(SimilarityRun.id)).first()
    if run is None:
        return None
    taken = rows_changed(session, update(SimilarityRun)
                         .where(SimilarityRun.id == run.id, SimilarityRun.status == "queued").values(status="running"))
    session.commit()
    return session.get(SimilarityRun, run.id) if taken == 1 else None


@dataclass(frozen=True)
class RunDone:
    """What became of a run: `status` done or failed, hand-ins compared, pairs flagged, the error if any."""

    run_id: int
    exercise: str
    status: str
    compared: int
    flagged: int
    error: str | None


def run_next(sessions: sessionmaker[Session], *, catalog: Catalog) -> RunDone | None:
    """Claim the oldest queued run and do it: compare each student's newest submission, store the flags.
    Returns what became of it, or None when nothing was queued. A run that cannot finish is marked failed."""
    with sessions() as session:
        run = _claim(session)
        if run is None:
            return None
        try:
            spec = catalog.get(run.exercise.slug)
            submissions = {str(sub.id): sub for sub in newest_submissions(session, run.exercise_id, run.offering_id)}
            documents = []
            for key, sub in submissions.items():
                try:
                    documents.append(read_document(name=key, filename=sub.filename, data=sub.source, spec=spec))
                except SubmissionError:
                    continue  # an unreadable file is compared with nothing; its grading says what is wrong
            flags = find_similar(documents=documents, spec=spec, exercises_dir=catalog.directory)
            for flag in flags:
                session.add(SimilarityFlag(
                    run=run, submission_a_id=int(flag.a), submission_b_id=int(flag.b), score=flag.score,
                    code_similarity=flag.code_similarity,
                    evidence=[{"kind": item.kind, "detail": item.detail} for item in flag.evidence],
                    shared={"a": [[s.cell, s.first, s.last] for s in flag.shared_a],
                            "b": [[s.cell, s.first, s.last] for s in flag.shared_b]}))
            run.status, run.compared, flagged = "done", len(documents), len(flags)
        except Exception as exc:  # the job must end, and say why, whatever went wrong
            session.rollback()
            run = session.get(SimilarityRun, run.id) or run
            run.status, run.error, flagged = "failed", f"{type(exc).__name__}: {exc}"[:2000], 0
        run.finished_at = utcnow()
        done = RunDone(run_id=run.id, exercise=run.exercise.slug, status=run.status, compared=run.compared,
                       flagged=flagged, error=run.error)
        session.commit()
        return done


def latest_run(session: Session, exercise_slug: str, offering_id: int | None = None) -> SimilarityRun | None:
    """The newest run of an exercise in `offering_id` (None: the default one), whatever its status."""
    exercise = _exercise(session, exercise_slug)
    if exercise is None:
        return None
    return session.scalars(select(SimilarityRun).where(SimilarityRun.exercise_id == exercise.id,
                                                       SimilarityRun.offering_id == scope(session, offering_id))
                           .order_by(SimilarityRun.id.desc())).first()


def latest_done(session: Session, exercise_slug: str, offering_id: int | None = None) -> SimilarityRun | None:
    """The newest finished run of an exercise in `offering_id`: the flags shown while a new run is queued."""
    exercise = _exercise(session, exercise_slug)
    if exercise is None:
        return None
    return session.scalars(select(SimilarityRun).where(SimilarityRun.exercise_id == exercise.id,
                                                       SimilarityRun.offering_id == scope(session, offering_id),
                                                       SimilarityRun.status == "done")
                           .order_by(SimilarityRun.id.desc())).first()


@dataclass(frozen=True)
class PairKey:
    """A pair of students of an exercise in an offering, in a fixed order (a note follows the pair across runs)."""

    offering_id: int
    exercise_id: int
    first: int
    second: int

    @classmethod
    def of(cls, flag: SimilarityFlag) -> PairKey:
        """The key of a flagged pair."""
        ids = sorted((flag.submission_a.student_id, flag.submission_b.student_id))
        return cls(flag.run.offering_id, flag.run.exercise_id, ids[0], ids[1])


def note_for(session: Session, key: PairKey) -> SimilarityNote | None:
    """The teacher's note on a pair, if any."""
    return session.scalars(select(SimilarityNote).where(
        SimilarityNote.offering_id == key.offering_id, SimilarityNote.exercise_id == key.exercise_id,
        SimilarityNote.student_a_id == key.first,
        SimilarityNote.student_b_id == key.second)).one_or_none()


def set_note(session: Session, *, key: PairKey, note: str, teacher: str) -> SimilarityNote:
    """Write (or overwrite) the teacher's note on a pair."""
    found = note_for(session, key)
    if found is None:
        found = SimilarityNote(offering_id=key.offering_id, exercise_id=key.exercise_id, student_a_id=key.first,
                               student_b_id=key.second,
                               note=note, teacher=teacher)
        session.add(found)
    else:
        found.note, found.teacher, found.updated_at = note, teacher, utcnow()
    session.flush()
    return found
