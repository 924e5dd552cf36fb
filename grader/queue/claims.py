"""The grading queue kept in the database: queued gradings are claimed by workers, graded, and finished.

The database is the queue so that nothing acknowledged is ever lost: a submission and its `queued` grading
are committed together, a worker claims one with a conditional UPDATE (two workers can never both win),
and a grading left `running` by a worker that died is put back by `requeue_stale`.
A poison submission cannot loop forever: a grading claimed MAX_CLAIMS times without a result (its worker
died every time) is stored as failed, an internal error the teacher can regrade, instead of being queued
or claimed again; and a grading function that raises stores a failed result at once. Both are the grader's
failures, not the student's: such a result is not judged and uses no attempt (grader.core.sources.not_judged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.core.i18n import t
from grader.core.results import GradeResult
from grader.core.sources import not_judged
from grader.core.specs.loader import Catalog
from grader.core.specs.models import ExerciseSpec
from grader.db import store
from grader.db.lti import score_changed
from grader.db.models import ExerciseVersion, Grading, utcnow
from grader.db.session import rows_changed

log = logging.getLogger(__name__)

# A worker renews its claim's heartbeat this often while it grades...
HEARTBEAT_EVERY = timedelta(seconds=10)
# ...and a claim whose heartbeat is older than this belongs to a dead worker.
STALE_AFTER = timedelta(seconds=60)
# A grading is claimed at most this many times: then it is stored as failed rather than tried again.
MAX_CLAIMS = 3

INTERNAL_ERROR = t(
    "Error interno del calificador (no de tu entrega); tu entrega quedó guardada y tu profesor puede volver a "
    "calificarla.",
    "Internal grader error (not your submission's fault); your submission was kept and your teacher can grade "
    "it again.")


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one grading: its id and the claim number its result must be stored under."""

    grading_id: int
    number: int


def _max_score(spec_json: dict[str, object] | None) -> float:
    """The total points of a stored spec version, or 0 when it cannot be read back."""
    try:
        return ExerciseSpec.model_validate(spec_json).max_score
    except (ValueError, TypeError):
        return 0.0


def _give_up(session: Session, *, grading_id: int, claims: int, still: ColumnElement[bool]) -> bool:
    """Store grading `grading_id` as failed after `claims` claims, if it still has them and `still` holds
    (one conditional UPDATE, so a concurrent claimer or sweeper cannot interleave); the caller commits."""
    spec_json = session.scalar(select(ExerciseVersion.spec_json).join(Grading.exercise_version)
                               .where(Grading.id == grading_id))
    result = not_judged(GradeResult.failed(t(
        f"La calificación se interrumpió {claims} veces por un error interno del calificador (no de tu "
        "entrega); tu entrega quedó guardada y tu profesor puede volver a calificarla.",
        f"Grading was interrupted {claims} times by an internal grader error (not your submission's fault); "
        "your submission was kept and your teacher can grade it again."), max_score=_max_score(spec_json)),
        cause="grader")
    done = rows_changed(session, update(Grading).where(Grading.id == grading_id, Grading.claims == claims, still)
                        .values(**store.result_columns(result))) == 1
    if done:
        submission_id = session.scalar(select(Grading.submission_id).where(Grading.id == grading_id))
        score_changed(session, submission_id=submission_id)
        log.error("grading=%d given up after %d claims without a result (its worker died each time); stored as "
                  "an internal error", grading_id, claims, extra={"grading_id": grading_id, "claim": claims})
    return done


def claim_next(session: Session, *, now: datetime | None = None) -> Claim | None:
    """Mark the oldest queued grading as running and return the claim, or None when the queue is empty.

    A queued grading that already used its MAX_CLAIMS claims is stored as failed instead, and the next one
    is taken.
    """
    lost = 0
    while lost < 10:  # another worker may win the race for the same row; try the next one
        row = session.execute(
            select(Grading.id, Grading.claims).where(Grading.status == "queued").order_by(Grading.id).limit(1)
        ).first()
        if row is None:
            session.rollback()
            return None
        grading_id, claims = row
        if claims >= MAX_CLAIMS:
            gave_up = _give_up(session, grading_id=grading_id, claims=claims, still=Grading.status == "queued")
            session.commit()
            lost += not gave_up
            continue
        at = now or utcnow()
        claimed = rows_changed(session, update(Grading)
                               .where(Grading.id == grading_id, Grading.status == "queued", Grading.claims == claims)
                               .values(status="running", started_at=at, heartbeat_at=at, claims=claims + 1))
        session.commit()
        if claimed == 1:
            return Claim(grading_id=grading_id, number=claims + 1)
        lost += 1
    return None


def requeue_stale(session: Session, *, older_than: timedelta = STALE_AFTER, now: datetime | None = None) -> int:
    """Put back in the queue gradings whose worker stopped renewing its claim `older_than` ago, or store them
    as failed once they have had MAX_CLAIMS claims; returns how many left `running` either way."""
    cutoff = (now or utcnow()) - older_than
    stale = (Grading.status == "running") & (func.coalesce(Grading.heartbeat_at, Grading.started_at) <= cutoff)
    moved = rows_changed(session, update(Grading).where(stale, Grading.claims < MAX_CLAIMS)
                         .values(status="queued", started_at=None, heartbeat_at=None))
    spent = session.execute(select(Grading.id, Grading.claims).where(stale, Grading.claims >= MAX_CLAIMS)).all()
    given_up = sum(_give_up(session, grading_id=grading_id, claims=claims, still=stale)
                   for grading_id, claims in spent)
    session.commit()
    if moved:
        log.warning("re-queued %d grading(s) left running since before %s", moved, cutoff)
    return moved + given_up


GradeFn = Callable[..., GradeResult]


def _holds(claim: Claim) -> ColumnElement[bool]:
    """SQL condition: the grading is still running under `claim`."""
    return (Grading.id == claim.grading_id) & (Grading.status == "running") & (Grading.claims == claim.number)


@contextmanager
def _heartbeat(sessions: sessionmaker[Session], claim: Claim, every: timedelta) -> Iterator[None]:
    """Renew the claim's heartbeat in a background thread while the body runs."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every.total_seconds()):
            try:
                with sessions() as session:
                    session.execute(update(Grading).where(_holds(claim)).values(heartbeat_at=utcnow()))
                    session.commit()
            except Exception:  # a missed beat only risks a duplicate run, which the claim number discards
                log.warning("heartbeat failed for grading=%d", claim.grading_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{claim.grading_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_claimed(sessions: sessionmaker[Session], *, catalog: Catalog, claim: Claim, grade: GradeFn,
                heartbeat: timedelta = HEARTBEAT_EVERY) -> bool:
    """Grade a claimed grading with `grade(spec=, filename=, data=, student=, beside=)` and store its result
    (`beside`: the data files stored with the submission, so a regrade reads what the student sent).

    The database is not held open while the sandbox runs: the inputs are read, the session closed, and a
    new one records the result, only if the claim still holds. Returns True when this call stored it.
    """
    with sessions() as session:
        grading = session.scalar(select(Grading).where(_holds(claim)))
        if grading is None:
            return False
        submission = grading.submission
        slug, filename, data = submission.exercise.slug, submission.filename, submission.source
        student, submission_id = submission.student.external_id, submission.id
        beside = store.stored_files(session, submission_id=submission_id)
    spec = catalog.specs.get(slug)
    if spec is None:
        result = not_judged(GradeResult.failed(t(
            f"El ejercicio `{slug}` ya no existe en el catálogo; avisa a tu profesor.",
            f"Exercise `{slug}` no longer exists in the catalog; tell your teacher."), max_score=0.0), cause="grader")
    else:
        with _heartbeat(sessions, claim, heartbeat):
            try:
                result = grade(spec=spec, filename=filename, data=data, student=student, beside=beside)
            except Exception:  # a crash of the trusted side: this grading fails, the worker and the queue go on
                log.exception("grading=%d submission=%d: the grading function raised; stored as an internal "
                              "error", claim.grading_id, submission_id,
                              extra={"grading_id": claim.grading_id, "submission_id": submission_id})
                result = not_judged(GradeResult.failed(INTERNAL_ERROR, max_score=spec.max_score), cause="grader")
        result.max_score = result.max_score or spec.max_score
    with sessions() as session:
        # Locks the row on PostgreSQL so the check and the write are one step against a concurrent sweeper.
        grading = session.scalar(select(Grading).where(_holds(claim)).with_for_update())
        if grading is None:
            session.rollback()
            log.warning("grading=%d claim %d was taken over; result discarded", claim.grading_id, claim.number,
                        extra={"grading_id": claim.grading_id, "submission_id": submission_id, "claim": claim.number})
            return False
        store.finish_grading(session, grading=grading, result=result)
        session.commit()
    log.info("graded grading=%d submission=%d exercise=%s student=%s status=%s score=%s", claim.grading_id,
             submission_id, slug, student, result.status, result.score,
             extra={"grading_id": claim.grading_id, "submission_id": submission_id, "exercise": slug,
                    "student": student, "status": result.status, "score": result.score, "claim": claim.number})
    return True


def drain(sessions: sessionmaker[Session], *, catalog: Catalog, grade: GradeFn) -> int:
    """Grade queued gradings one after another until none is left; returns how many were graded."""
    done = 0
    while True:
        with sessions() as session:
            claim = claim_next(session)
        if claim is None:
            return done
        run_claimed(sessions, catalog=catalog, claim=claim, grade=grade)
        done += 1
