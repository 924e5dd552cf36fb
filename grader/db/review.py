"""Teacher decisions on automatic results: manual overrides, the derived final score, pending reviews.

The gradebook keeps three things apart: the automatic result (`gradings.result_json`, `gradings.score`),
which no teacher action ever rewrites; the overrides (`overrides`, append-only, with who/when/why); and the
final score, which is derived from both whenever it is asked for and never stored.

Like grader.db.store, every function takes the caller's `Session`, flushes, and never commits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from grader.core.results import CheckResult
from grader.db.models import FINISHED_STATUSES, Exercise, Grading, Override, Student, Submission, utcnow
from grader.db.store import grading_result

# Points are floats rounded to 4 decimals by the scorer; a teacher typing the maximum must not be refused
# because of binary noise.
POINTS_TOLERANCE = 1e-9
TEACHER_MAX_LENGTH = 255


@dataclass(frozen=True)
class FinalScore:
    """The score of one grading once the teacher's decisions are applied, next to the automatic one."""

    automatic: float
    final: float
    max_score: float
    # check id -> the teacher's points in force for that check.
    overridden_checks: dict[str, float]
    total_override: float | None
    # Checks whose points are only suggested and still wait for a teacher.
    pending_review: list[str]


@dataclass(frozen=True)
class PendingReview:
    """One check of a student's newest grading whose suggested points still wait for a teacher."""

    grading_id: int
    student: str
    exercise: str
    check_id: str
    suggested_points: float
    max_points: float
    message: str


def _history(session: Session, grading_id: int) -> list[Override]:
    """Every override of a grading, oldest first."""
    query = (
        select(Override)
        .where(Override.grading_id == grading_id)
        # id breaks ties between overrides recorded within the same clock tick.
        .order_by(Override.created_at, Override.id)
    )
    return list(session.scalars(query))


def _in_force(history: list[Override]) -> dict[str | None, Override]:
    """The newest override per check id (None: the total), given a history ordered oldest first."""
    return {override.check_id: override for override in history}


def _derive(grading: Grading, history: list[Override]) -> FinalScore:
    """Apply the overrides in force to the automatic result of `grading`."""
    result = grading_result(grading)
    in_force = _in_force(history)
    total = in_force.pop(None, None)
    automatic_points = {check.id: check.points for check in result.checks}
    # Overrides only ever name checks of this result (add_override checks); the filter guards old rows
    # against a hand-edited database rather than a normal path.
    overridden = {cid: o.points for cid, o in in_force.items() if cid is not None and cid in automatic_points}
    # Adding differences to the automatic score (instead of re-summing the checks) keeps the final equal to
    # the automatic score, to the bit, when nothing is overridden.
    derived = round(grading.score + sum(p - automatic_points[cid] for cid, p in overridden.items()), 4)
    # A total override is the teacher's word on the whole grading: no suggested points can change it any
    # more, so nothing is left pending.
    pending = [] if total is not None else [
        check.id for check in result.checks if check.needs_review and check.id not in overridden
    ]
    return FinalScore(
        automatic=grading.score,
        final=total.points if total is not None else derived,
        max_score=grading.max_score,
        overridden_checks=overridden,
        total_override=total.points if total is not None else None,
        pending_review=pending,
    )


def final_score(session: Session, *, grading: Grading) -> FinalScore:
    """The final score of a finished grading: the total override if any, else the checks with overrides applied.

    Raises ValueError for a grading that has no result yet (queued or running).
    """
    return _derive(grading, _history(session, grading.id))


def override_history(session: Session, *, grading: Grading) -> list[Override]:
    """The audit trail of a grading: every override ever recorded for it, oldest first."""
    return _history(session, grading.id)


def _find_check(result_checks: list[CheckResult], check_id: str, grading_id: int) -> CheckResult:
    """The check `check_id` of a result, or a ValueError naming the ids that do exist."""
    for check in result_checks:
        if check.id == check_id:
            return check
    known = ", ".join(check.id for check in result_checks) or "(none)"
    raise ValueError(f"grading {grading_id} has no check {check_id!r}; known check ids: {known}")


def add_override(
    session: Session, *, grading: Grading, check_id: str | None, points: float, reason: str, teacher: str
) -> Override:
    """Record a teacher's points for check `check_id` of `grading` (None: for its total) and return the row.

    The automatic result is left untouched; the new row records what was in force before it. Raises
    ValueError when the grading is not finished, the check is unknown, `points` is outside 0..maximum, or
    `reason`/`teacher` is blank.
    """
    if grading.status not in FINISHED_STATUSES:
        raise ValueError(
            f"grading {grading.id} is {grading.status}, not finished: only graded or error gradings can be "
            "overridden"
        )
    reason, teacher = reason.strip(), teacher.strip()
    if not reason:
        raise ValueError("reason must not be empty: say why the points change")
    if not teacher:
        raise ValueError("teacher must not be empty: say who decides")
    if len(teacher) > TEACHER_MAX_LENGTH:
        raise ValueError(f"teacher must be at most {TEACHER_MAX_LENGTH} characters")
    # Serialise decisions on one grading (PostgreSQL; SQLite has a single writer anyway) so that two teachers
    # deciding at once each record the other's points as "before".
    session.execute(select(Grading.id).where(Grading.id == grading.id).with_for_update())
    history = _history(session, grading.id)
    if check_id is None:
        maximum = grading.max_score
        before = _derive(grading, history).final
        what = "the total"
    else:
        check = _find_check(grading_result(grading).checks, check_id, grading.id)
        maximum = check.max_points
        previous = _in_force(history).get(check_id)
        before = previous.points if previous is not None else check.points
        what = f"check {check_id!r}"
    if not (math.isfinite(points) and 0 <= points <= maximum + POINTS_TOLERANCE):
        raise ValueError(f"points for {what} must be between 0 and {maximum:g}, got {points:g}")
    override = Override(
        grading_id=grading.id,
        submission_id=grading.submission_id,
        max_points=maximum,
        check_id=check_id,
        points=float(points),
        points_before=before,
        reason=reason,
        teacher=teacher,
        created_at=utcnow(),
    )
    session.add(override)
    session.flush()
    return override


def pending_reviews(session: Session, *, exercise_slug: str | None = None) -> list[PendingReview]:
    """Checks waiting for a teacher in each student's newest finished grading per exercise.

    A check waits when it needs review and neither it nor its grading's total has an override. Runs two
    queries whatever the number of gradings; sorted by exercise, student, grading and check order.
    """
    newest_first = (Grading.graded_at.desc().nulls_last(), Grading.id.desc())
    rank = func.row_number().over(
        partition_by=(Submission.student_id, Submission.exercise_id), order_by=newest_first
    )
    candidates = (
        select(Grading.id.label("grading_id"), rank.label("rank"))
        .join(Grading.submission)
        .where(Grading.status.in_(FINISHED_STATUSES))
    )
    if exercise_slug is not None:
        candidates = candidates.join(Submission.exercise).where(Exercise.slug == exercise_slug)
    ranked = candidates.subquery()
    newest_ids = select(ranked.c.grading_id).where(ranked.c.rank == 1)

    # Only the checks are read out of result_json: the rest of it carries up to 64 KiB of logs per grading.
    rows = session.execute(
        select(Grading.id, Student.external_id, Exercise.slug, Grading.result_json["checks"])
        .join(Grading.submission)
        .join(Submission.student)
        .join(Submission.exercise)
        .where(Grading.id.in_(newest_ids))
        .order_by(Exercise.slug, Student.external_id, Grading.id)
    ).all()
    decided = {
        (grading_id, check_id)
        for grading_id, check_id in session.execute(
            select(Override.grading_id, Override.check_id).where(Override.grading_id.in_(newest_ids))
        )
    }

    pending: list[PendingReview] = []
    for grading_id, student, exercise, raw_checks in rows:
        if (grading_id, None) in decided:
            continue
        for check in _review_checks(raw_checks):
            if (grading_id, check.id) in decided:
                continue
            pending.append(PendingReview(
                grading_id=grading_id,
                student=student,
                exercise=exercise,
                check_id=check.id,
                suggested_points=check.points,
                max_points=check.max_points,
                message=check.message.es,
            ))
    return pending


def _review_checks(raw_checks: Any) -> list[CheckResult]:
    """The checks flagged for review among stored JSON checks (None or [] for error gradings)."""
    if not raw_checks:
        return []
    # Most checks are automatic; peeking at the flag first avoids validating every one of them.
    return [CheckResult.model_validate(raw) for raw in raw_checks if raw.get("needs_review")]


@dataclass(frozen=True)
class BulkFinal:
    """A grading's final score as `final_scores` computes it in bulk."""

    final: float
    overridden: bool
    total_override: bool


def final_scores(session: Session, *, scores: dict[int, float],
                 grading_ids: Select[tuple[int]]) -> dict[int, BulkFinal]:
    """Final scores of many gradings at once, from their automatic `scores` (grading id -> score, already
    read by the caller) and `grading_ids`, a select of the same ids used to find their overrides.

    Gives the same numbers as `final_score` with one query, whatever the number of gradings, by reading the
    automatic points of an overridden check from its first override's `points_before` (which `add_override`
    sets to the automatic points) instead of parsing every result's JSON. The ids travel as a subquery, not
    as parameters: a whole-course gradebook has more gradings than a statement may carry (SQLite: 32766).
    """
    history = session.scalars(
        select(Override).where(Override.grading_id.in_(grading_ids))
        .order_by(Override.grading_id, Override.created_at, Override.id)
    ).all()
    by_grading: dict[int, list[Override]] = {}
    for override in history:
        by_grading.setdefault(override.grading_id, []).append(override)
    out = {grading_id: BulkFinal(score, False, False) for grading_id, score in scores.items()}
    for grading_id, rows in by_grading.items():
        in_force = _in_force(rows)
        total = in_force.pop(None, None)
        if total is not None:
            out[grading_id] = BulkFinal(total.points, True, True)
            continue
        first_before: dict[str | None, float] = {}
        for row in rows:
            first_before.setdefault(row.check_id, row.points_before)
        delta = sum(o.points - first_before[cid] for cid, o in in_force.items())
        out[grading_id] = BulkFinal(round(scores[grading_id] + delta, 4), True, False)
    return out
