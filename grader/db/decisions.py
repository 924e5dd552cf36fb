"""Teacher decisions belong to a submission and a check, not to one grading run.

A decision (an `Override` row) is made while looking at one grading, but a regrade of the same submission
must not lose it: the final score of ANY grading of a submission applies the decisions in force for that
submission (the newest row per check id, None meaning the total). A decision only applies while it still
fits the grading: its check exists there with the maximum the teacher saw (`Override.max_points`; NULL on
rows older than that column is taken as unchanged), or, for the total, the grading's maximum is the same.
A decision that no longer fits is "stale": it is not applied, and the check waits for the teacher again.

Like grader.db.store, every function takes the caller's `Session`, flushes, and never commits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.core.i18n import Refused, format_score, t
from grader.db.lti import score_changed
from grader.db.models import FINISHED_STATUSES, Grading, Override, Submission, utcnow
from grader.db.store import grading_result

# Points are floats rounded to 4 decimals by the scorer; a teacher typing the maximum must not be refused
# because of binary noise, and a maximum read back from JSON must still match the one recorded.
POINTS_TOLERANCE = 1e-9
TEACHER_MAX_LENGTH = 255


class DecisionRefused(Refused):
    """A teacher decision that cannot be recorded; `message` says why in both languages."""


@dataclass(frozen=True)
class CheckPoints:
    """What a decision needs of one automatic check: its id, points, maximum and whether it waits for review."""

    id: str
    points: float
    max_points: float
    needs_review: bool

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CheckPoints:
        """Read the few fields needed from a stored check, without validating the whole CheckResult."""
        return cls(id=str(raw["id"]), points=float(raw["points"]), max_points=float(raw["max_points"]),
                   needs_review=bool(raw.get("needs_review", False)))


@dataclass(frozen=True)
class Decision:
    """A teacher decision in force for a submission, as it stands against one grading of it."""

    check_id: str | None  # None: the total
    points: float
    # The automatic points it replaces in this grading; None when stale (nothing of this grading it replaces).
    automatic: float | None
    reason: str
    teacher: str
    decided_at: datetime
    grading_id: int  # the grading the teacher was looking at
    carried: bool  # made on another grading of the submission and applied to this one
    stale: bool  # its check disappeared or its maximum changed: not applied, waits for the teacher


@dataclass(frozen=True)
class Resolution:
    """The decisions in force matched against one grading's checks, and what follows for its score."""

    decisions: tuple[Decision, ...]
    final: float
    # check id -> the teacher's points applied to that check.
    applied_checks: dict[str, float]
    total_override: float | None
    # Checks waiting for a teacher: suggested points without a decision, plus stale decisions.
    pending_review: tuple[str, ...]


def _same_max(recorded: float | None, current: float) -> bool:
    """True when a decision's recorded maximum still matches (NULL: recorded before the column existed)."""
    return recorded is None or math.isclose(recorded, current, rel_tol=0, abs_tol=1e-6)


def _decision(row: Override, *, grading_id: int, automatic: float | None, stale: bool) -> Decision:
    """A `Decision` from its row, as seen from grading `grading_id`."""
    return Decision(check_id=row.check_id, points=row.points, automatic=automatic, reason=row.reason,
                    teacher=row.teacher, decided_at=row.created_at, grading_id=row.grading_id,
                    carried=row.grading_id != grading_id, stale=stale)


def resolve(*, grading_id: int, score: float, max_score: float, checks: Iterable[CheckPoints],
            in_force: Mapping[str | None, Override]) -> Resolution:
    """Apply the decisions `in_force` (newest per check id, None: total) to one grading's automatic result."""
    checks = list(checks)
    by_id = {check.id: check for check in checks}
    found: list[Decision] = []
    applied: dict[str, float] = {}
    stale_ids: list[str] = []
    order = {check.id: i for i, check in enumerate(checks)}
    # Check order first, then decisions on checks this grading no longer has, by id for a stable listing.
    for check_id in sorted((c for c in in_force if c is not None), key=lambda c: (order.get(c, len(order)), c)):
        row, check = in_force[check_id], by_id.get(check_id)
        fits = check is not None and _same_max(row.max_points, check.max_points)
        found.append(_decision(row, grading_id=grading_id, automatic=check.points if fits and check else None,
                               stale=not fits))
        if fits and check is not None:
            applied[check_id] = row.points
        else:
            stale_ids.append(check_id)
    total_row = in_force.get(None)
    total: float | None = None
    if total_row is not None:
        fits = _same_max(total_row.max_points, max_score)
        found.append(_decision(total_row, grading_id=grading_id, automatic=score if fits else None, stale=not fits))
        total = total_row.points if fits else None
    # Adding differences to the automatic score (instead of re-summing the checks) keeps the final equal to
    # the automatic score, to the bit, when nothing applies.
    derived = round(score + sum(p - by_id[cid].points for cid, p in applied.items()), 4)
    if total is not None:
        # The teacher's word on the whole grading: nothing is left waiting.
        pending: tuple[str, ...] = ()
    else:
        waiting = [c.id for c in checks if c.needs_review and c.id not in applied and c.id not in stale_ids]
        pending = (*waiting, *stale_ids, *(["total"] if total_row is not None else []))
    return Resolution(decisions=tuple(found), final=total if total is not None else derived,
                      applied_checks=applied, total_override=total, pending_review=pending)


def in_force(rows: Iterable[Override]) -> dict[str | None, Override]:
    """The newest decision per check id (None: the total), given rows ordered oldest first."""
    return {row.check_id: row for row in rows}


def submission_history(session: Session, submission_id: int) -> list[Override]:
    """Every decision ever recorded on a submission, whichever grading it was made on, oldest first."""
    # id breaks ties between decisions recorded within the same clock tick.
    query = (select(Override).where(Override.submission_id == submission_id)
             .order_by(Override.created_at, Override.id))
    return list(session.scalars(query))


def resolve_grading(session: Session, grading: Grading) -> Resolution:
    """The decisions in force for `grading`'s submission applied to it. ValueError if it has no result."""
    result = grading_result(grading)
    checks = [CheckPoints(id=c.id, points=c.points, max_points=c.max_points, needs_review=c.needs_review)
              for c in result.checks]
    return resolve(grading_id=grading.id, score=grading.score, max_score=grading.max_score, checks=checks,
                   in_force=in_force(submission_history(session, grading.submission_id)))


def decisions(session: Session, *, grading: Grading) -> list[Decision]:
    """The teacher decisions in force for `grading`'s submission, as they stand on `grading`.

    In check order, then decisions on checks the grading no longer has, then the total. A decision made on
    another grading is `carried`; one whose check vanished or whose maximum changed is `stale` (not applied).
    """
    return list(resolve_grading(session, grading).decisions)


def _refuse_blank(reason: str, teacher: str) -> None:
    """Refuse a decision without a reason or a teacher."""
    if not reason:
        raise DecisionRefused(t("El motivo no puede estar vacío: indica por qué cambian los puntos.",
                                "reason must not be empty: say why the points change"))
    if not teacher:
        raise DecisionRefused(t("El profesor no puede estar vacío: indica quién decide.",
                                "teacher must not be empty: say who decides"))
    if len(teacher) > TEACHER_MAX_LENGTH:
        raise DecisionRefused(t(f"El profesor debe tener como mucho {TEACHER_MAX_LENGTH} caracteres.",
                                f"teacher must be at most {TEACHER_MAX_LENGTH} characters"))


def add_override(
    session: Session, *, grading: Grading, check_id: str | None, points: float, reason: str, teacher: str
) -> Override:
    """Record a teacher's points for check `check_id` of `grading`'s submission (None: its total).

    The automatic result is left untouched; the new row records what was in force on `grading` before it
    and the maximum the teacher saw. Raises DecisionRefused (a ValueError) when the grading is not finished,
    the check is unknown, `points` is outside 0..maximum, or `reason`/`teacher` is blank.
    """
    if grading.status not in FINISHED_STATUSES:
        raise DecisionRefused(t(
            f"La calificación {grading.id} está «{grading.status}», no terminada: solo se pueden cambiar "
            "calificaciones terminadas.",
            f"grading {grading.id} is {grading.status}, not finished: only graded or error gradings can be "
            "overridden"))
    reason, teacher = reason.strip(), teacher.strip()
    _refuse_blank(reason, teacher)
    # Serialise decisions on one submission (PostgreSQL; SQLite has a single writer anyway) so that two
    # teachers deciding at once each record the other's points as "before".
    session.execute(select(Submission.id).where(Submission.id == grading.submission_id).with_for_update())
    resolution = resolve_grading(session, grading)
    if check_id is None:
        maximum, before = grading.max_score, resolution.final
        what = t("la nota total", "the total")
    else:
        checks = grading_result(grading).checks
        check = next((c for c in checks if c.id == check_id), None)
        if check is None:
            known = ", ".join(c.id for c in checks) or "(none)"
            raise DecisionRefused(t(
                f"La calificación {grading.id} no tiene la comprobación {check_id!r}; existen: {known}",
                f"grading {grading.id} has no check {check_id!r}; known check ids: {known}"))
        maximum = check.max_points
        before = resolution.applied_checks.get(check_id, check.points)
        # Said beside the check's own form (or after the command that named it): no id to decode.
        what = t("esta comprobación", "this check")
    if not (math.isfinite(points) and 0 <= points <= maximum + POINTS_TOLERANCE):
        raise DecisionRefused(t(
            f"Los puntos de {what.es} deben estar entre 0 y {format_score(maximum, 'es')}; se indicó "
            f"{format_score(points, 'es') if math.isfinite(points) else points}.",
            f"points for {what.en} must be between 0 and {format_score(maximum, 'en')}, got {points:g}"))
    override = Override(grading_id=grading.id, submission_id=grading.submission_id, max_points=maximum,
                        check_id=check_id, points=float(points), points_before=before, reason=reason,
                        teacher=teacher, created_at=utcnow())
    session.add(override)
    session.flush()
    score_changed(session, submission_id=grading.submission_id)
    return override
