"""Regrade an exercise for everyone after its spec changed: a background job whose progress anyone can watch.

`start_regrade` only queues: every submission of the exercise that can count under the course's grading
policy gets a new `queued` grading against the current spec version, tagged with the regrade's id: under
"best" every submission (any of them may be the best once regraded), under "last" each student's newest.
The grading workers do the work, and the progress is counted from those tagged rows, so it is right whichever
process (or how many) graded them.
Like grader.db.store, functions take the caller's Session, flush, and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from grader.core.specs.loader import Catalog
from grader.course.gradebook import POLICIES, Policy
from grader.db import store
from grader.db.models import Exercise, Grading, Regrade, Submission, utcnow
from grader.db.offerings import scope
from grader.db.version import version_hash


@dataclass(frozen=True)
class RegradeProgress:
    """How far a regrade has got: gradings finished (graded or failed), waiting, and being graded."""

    regrade_id: int
    exercise: str
    total: int
    done: int
    failed: int
    queued: int
    running: int

    @property
    def finished(self) -> bool:
        """True once every grading of the job has a result."""
        return self.done + self.failed >= self.total

    @property
    def percent(self) -> int:
        """Share of gradings with a result, 0-100 (100 for a job with nothing to do)."""
        return 100 if self.total == 0 else int(100 * (self.done + self.failed) / self.total)


def start_regrade(session: Session, *, catalog: Catalog, exercise_id: str, requested_by: str,
                  policy: Policy | str = "best", offering_id: int | None = None) -> Regrade:
    """Queue a grading of every submission of `exercise_id` in `offering_id` (None: the default offering) that
    can count under `policy`, against its current spec: all of them under "best", each student's newest under
    "last".

    Pass the course's `grading_policy`; the default ("best") regrades everything, which is right under any
    policy, only slower. Raises KeyError (or the spec's SpecError) for an exercise the catalog cannot give,
    ValueError for an unknown policy.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown grading policy {policy!r}; expected one of {', '.join(POLICIES)}")
    spec = catalog.get(exercise_id)
    version = store.get_or_create_exercise_version(
        session, slug=spec.id, title=spec.title.es, spec_hash=version_hash(spec),
        spec_json=spec.model_dump(mode="json"))
    offering = scope(session, offering_id)
    rank = func.row_number().over(partition_by=Submission.student_id,
                                  order_by=(Submission.received_at.desc(), Submission.id.desc()))
    ranked = (select(Submission.id.label("sid"), rank.label("rank"))
              .where(Submission.exercise_id == version.exercise_id, Submission.offering_id == offering).subquery())
    query = select(Submission).join(ranked, ranked.c.sid == Submission.id).order_by(Submission.id)
    if policy == "last":
        query = query.where(ranked.c.rank == 1)
    newest = session.scalars(query).all()
    regrade = Regrade(offering_id=offering, exercise_id=version.exercise_id, requested_by=requested_by,
                      total=len(newest), created_at=utcnow())
    session.add(regrade)
    session.flush()
    for submission in newest:
        store.queue_grading(session, submission=submission, exercise_version=version, regrade_id=regrade.id)
    return regrade


def _with_progress(session: Session, jobs: Select[int, int, str]) -> list[RegradeProgress]:
    """Progress of the regrades `jobs` selects as (id, total, exercise slug): two queries for any number."""
    found = session.execute(jobs).all()
    counts: dict[int, dict[str, int]] = {rid: {} for rid, _, _ in found}
    if counts:
        for rid, status, count in session.execute(
                select(Grading.regrade_id, Grading.status, func.count(Grading.id))
                .where(Grading.regrade_id.in_(list(counts))).group_by(Grading.regrade_id, Grading.status)):
            assert rid is not None, "IN (...) matches no NULL regrade_id"
            counts[rid][status] = count
    return [RegradeProgress(regrade_id=rid, exercise=slug, total=total, done=counts[rid].get("graded", 0),
                            failed=counts[rid].get("error", 0), queued=counts[rid].get("queued", 0),
                            running=counts[rid].get("running", 0)) for rid, total, slug in found]


def _jobs() -> Select[int, int, str]:
    """Regrades as (id, total, exercise slug)."""
    return select(Regrade.id, Regrade.total, Exercise.slug).join(Regrade.exercise)


def regrade_progress(session: Session, regrade_id: int, *, offering_id: int | None = None
                     ) -> RegradeProgress | None:
    """The progress of regrade `regrade_id` of `offering_id` (None: the default one), or None when there is no
    such regrade there."""
    found = _with_progress(session, _jobs().where(Regrade.id == regrade_id,
                                                  Regrade.offering_id == scope(session, offering_id)))
    return found[0] if found else None


def recent_regrades(session: Session, *, exercise_id: str, limit: int = 5, offering_id: int | None = None
                    ) -> list[RegradeProgress]:
    """The newest regrades of `exercise_id` in `offering_id` with their progress, newest first."""
    return _with_progress(session, _jobs().where(Exercise.slug == exercise_id,
                                                 Regrade.offering_id == scope(session, offering_id))
                          .order_by(Regrade.id.desc())
                          .limit(limit))
