"""Teacher decisions on automatic results: the derived final score, pending reviews, bulk final scores.

The gradebook keeps three things apart: the automatic result (`gradings.result_json`, `gradings.score`),
which no teacher action ever rewrites; the decisions (`overrides`, append-only, with who/when/why, kept per
submission and check: see grader.db.decisions); and the final score, which is derived from both whenever it
is asked for and never stored.

Like grader.db.store, every function takes the caller's `Session`, flushes, and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.results import CheckResult
from grader.db.decisions import (
    CheckPoints,
    Decision,
    DecisionRefused,
    Resolution,
    add_override,
    decisions,
    in_force,
    resolve,
    resolve_grading,
    submission_history,
)
from grader.db.models import FINISHED_STATUSES, Exercise, Grading, Override, Student, Submission
from grader.db.offerings import scope

__all__ = ["BulkFinal", "Decision", "DecisionRefused", "FinalScore", "PendingReview", "add_override",
           "decisions", "final_score", "final_scores", "override_history", "pending_reviews"]


@dataclass(frozen=True)
class FinalScore:
    """The score of one grading once the teacher's decisions are applied, next to the automatic one."""

    automatic: float
    final: float
    max_score: float
    # check id -> the teacher's points in force (and applied) for that check.
    overridden_checks: dict[str, float]
    total_override: float | None
    # Checks still waiting for a teacher: suggested points without a decision, and stale decisions.
    pending_review: list[str]
    # Every decision in force for the submission as it stands on this grading (carried, stale...).
    decisions: tuple[Decision, ...] = ()

    @property
    def stale(self) -> list[Decision]:
        """Decisions not applied because their check vanished or its maximum changed."""
        return [d for d in self.decisions if d.stale]


@dataclass(frozen=True)
class PendingReview:
    """One check of a student's newest grading whose suggested points still wait for a teacher."""

    grading_id: int
    student: str
    exercise: str
    check_id: str
    suggested_points: float
    max_points: float
    message: Text  # both languages: the teacher's page shows the one it is in


def final_score(session: Session, *, grading: Grading) -> FinalScore:
    """The final score of a finished grading: the submission's decisions in force that still fit it applied.

    Raises ValueError for a grading that has no result yet (queued or running).
    """
    found = resolve_grading(session, grading)
    return FinalScore(automatic=grading.score, final=found.final, max_score=grading.max_score,
                      overridden_checks=found.applied_checks, total_override=found.total_override,
                      pending_review=list(found.pending_review), decisions=found.decisions)


def override_history(session: Session, *, grading: Grading) -> list[Override]:
    """The audit trail of `grading`'s submission: every decision ever recorded on it, oldest first."""
    return submission_history(session, grading.submission_id)


def _decided(session: Session, grading_ids: Select[Any]) -> dict[int, dict[str | None, Override]]:
    """Decisions in force per submission, for the submissions of the gradings `grading_ids` selects."""
    submissions = select(Grading.submission_id).where(Grading.id.in_(grading_ids))
    rows = session.scalars(select(Override).where(Override.submission_id.in_(submissions))
                           .order_by(Override.submission_id, Override.created_at, Override.id)).all()
    grouped: dict[int, list[Override]] = {}
    for row in rows:
        grouped.setdefault(row.submission_id, []).append(row)
    return {sid: in_force(found) for sid, found in grouped.items()}


def pending_reviews(session: Session, *, exercise_slug: str | None = None, offering_id: int | None = None
                    ) -> list[PendingReview]:
    """Checks waiting for a teacher in each student's newest finished grading per exercise, in `offering_id`
    (None: the default offering).

    A check waits when it needs review and no decision in force (on it or on the total) fits this grading,
    or when its decision went stale (its maximum changed). Three queries whatever the number of gradings;
    sorted by exercise, student, grading and check order.
    """
    newest_first = (Grading.graded_at.desc().nulls_last(), Grading.id.desc())
    rank = func.row_number().over(
        partition_by=(Submission.offering_id, Submission.student_id, Submission.exercise_id), order_by=newest_first
    )
    candidates = (
        select(Grading.id.label("grading_id"), rank.label("rank"))
        .join(Grading.submission)
        .where(Grading.status.in_(FINISHED_STATUSES), Submission.offering_id == scope(session, offering_id))
    )
    if exercise_slug is not None:
        candidates = candidates.join(Submission.exercise).where(Exercise.slug == exercise_slug)
    ranked = candidates.subquery()
    newest_ids = select(ranked.c.grading_id).where(ranked.c.rank == 1)

    # Only the checks are read out of result_json: the rest of it carries up to 64 KiB of logs per grading.
    rows = session.execute(
        select(Grading.id, Grading.submission_id, Grading.score, Grading.max_score, Student.external_id,
               Exercise.slug, Grading.result_json["checks"])
        .join(Grading.submission)
        .join(Submission.student)
        .join(Submission.exercise)
        .where(Grading.id.in_(newest_ids))
        .order_by(Exercise.slug, Student.external_id, Grading.id)
    ).all()
    decided = _decided(session, newest_ids)

    pending: list[PendingReview] = []
    for grading_id, submission_id, score, max_score, student, exercise, raw_checks in rows:
        waiting = set(_resolve_raw(grading_id, score, max_score, raw_checks,
                                   decided.get(submission_id, {})).pending_review)
        for check in raw_checks or []:
            if check["id"] not in waiting:
                continue
            full = CheckResult.model_validate(check)
            pending.append(PendingReview(grading_id=grading_id, student=student, exercise=exercise,
                                         check_id=full.id, suggested_points=full.points,
                                         max_points=full.max_points, message=full.message))
    return pending


def _resolve_raw(grading_id: int, score: float, max_score: float, raw_checks: Any,
                 decided: dict[str | None, Override]) -> Resolution:
    """`resolve` on checks as stored in JSON (None or [] for error gradings)."""
    return resolve(grading_id=grading_id, score=score, max_score=max_score,
                   checks=[CheckPoints.from_json(raw) for raw in raw_checks or []], in_force=decided)


@dataclass(frozen=True)
class BulkFinal:
    """A grading's final score as `final_scores` computes it in bulk."""

    final: float
    overridden: bool
    total_override: bool
    # Checks waiting for a teacher (see FinalScore.pending_review); counted for every grading only when
    # `final_scores` was asked `with_pending`, else only for gradings whose submission has decisions.
    pending_review: int = 0


def final_scores(session: Session, *, scores: dict[int, float], grading_ids: Select[tuple[int]],
                 with_pending: bool = False) -> dict[int, BulkFinal]:
    """Final scores of many gradings at once, from their automatic `scores` (grading id -> score, already
    read by the caller) and `grading_ids`, a select of the same ids.

    Gives the same numbers as `final_score` in two queries whatever the number of gradings: the decisions
    of their submissions, then the stored checks of the gradings whose submission has decisions (of every
    grading `with_pending`, to count the checks waiting for review). The ids travel as a subquery, not as
    parameters: a whole-course gradebook has more gradings than a statement may carry (SQLite: 32766).
    """
    decided = _decided(session, grading_ids)
    out = {grading_id: BulkFinal(score, False, False) for grading_id, score in scores.items()}
    if not decided and not with_pending:
        return out
    query = select(Grading.id, Grading.submission_id, Grading.max_score, Grading.result_json["checks"]) \
        .where(Grading.id.in_(grading_ids))
    if not with_pending:
        query = query.where(Grading.submission_id.in_(select(Override.submission_id)))
    for grading_id, submission_id, max_score, raw_checks in session.execute(query):
        if grading_id not in scores:
            continue
        mine = decided.get(submission_id)
        if not mine:
            waiting = sum(1 for raw in raw_checks or [] if raw.get("needs_review"))
            out[grading_id] = BulkFinal(scores[grading_id], False, False, waiting)
            continue
        found = _resolve_raw(grading_id, scores[grading_id], max_score, raw_checks, mine)
        out[grading_id] = BulkFinal(found.final, bool(found.applied_checks) or found.total_override is not None,
                                    found.total_override is not None, len(found.pending_review))
    return out
