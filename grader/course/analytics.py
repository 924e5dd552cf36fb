"""Per-exercise analytics for teachers: how scores spread, which checks fail most, attempts, pending reviews.

Everything is read in bulk (a fixed number of queries per page) from the same counted attempts as the
gradebook, so a histogram bar and a gradebook cell can never disagree. The pure functions (`histogram`,
`check_failures`) take plain values and are tested without a database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.course.gradebook import Attempt, Column, Policy, attempts, columns, pick
from grader.db.models import Exercise, Grading, Submission
from grader.db.offerings import scope
from grader.db.review import PendingReview, pending_reviews

BINS = 10


@dataclass(frozen=True)
class Bin:
    """Counted scores in [low, high) (the last bin also holds the maximum)."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class CheckFailures:
    """How often one check failed among the counted gradings that ran it."""

    check_id: str
    title: Text | None
    failed: int  # no credit at all
    graded: int
    # Not passed but with some credit (a half-right multiple choice, a partly found rubric): not a failure.
    partial: int = 0

    @property
    def rate(self) -> float:
        """Failed share, 0..1."""
        return self.failed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class ExerciseStats:
    """Everything the analytics page of one exercise shows."""

    column: Column
    policy: Policy
    students: int  # who submitted at least once
    submissions: int
    mean_attempts: float
    mean_score: float | None  # of the counted attempts
    histogram: tuple[Bin, ...]
    failed_checks: tuple[CheckFailures, ...]
    pending: tuple[PendingReview, ...]

    @property
    def counted(self) -> int:
        """Students with an attempt that counts (the histogram's total)."""
        return sum(b.count for b in self.histogram)


@dataclass(frozen=True)
class ExerciseSummary:
    """One line of the analytics index."""

    column: Column
    students: int
    submissions: int
    pending: int


def histogram(scores: Iterable[float], max_score: float, bins: int = BINS) -> list[Bin]:
    """`scores` counted into `bins` equal ranges of 0..`max_score`; out-of-range scores go to the end bins."""
    width = max_score / bins if max_score > 0 else 1.0
    counts = [0] * bins
    for score in scores:
        counts[min(max(int(score / width + 1e-9), 0), bins - 1)] += 1
    return [Bin(low=round(i * width, 4), high=round((i + 1) * width, 4), count=n) for i, n in enumerate(counts)]


def check_failures(results: Iterable[list[dict[str, Any]] | None],
                   titles: dict[str, Text] | None = None) -> list[CheckFailures]:
    """Per check id, how many of `results` (stored JSON check lists) failed it (no credit) or got partial
    credit; most failures first."""
    failed: Counter[str] = Counter()
    partial: Counter[str] = Counter()
    graded: Counter[str] = Counter()
    order: dict[str, int] = {}
    for checks in results:
        for check in checks or []:  # an error grading stored no checks
            order.setdefault(check["id"], len(order))
            graded[check["id"]] += 1
            if not check.get("passed"):
                credited = float(check.get("points") or 0) > 0
                (partial if credited else failed)[check["id"]] += 1
    titles = titles or {}
    # Spec order breaks ties, so checks that fail equally often read in the order students meet them.
    ranked = sorted(order, key=lambda cid: (-failed[cid], order[cid]))
    return [CheckFailures(check_id=cid, title=titles.get(cid), failed=failed[cid], graded=graded[cid],
                          partial=partial[cid]) for cid in ranked]


def check_titles(catalog: Catalog, exercise_id: str) -> dict[str, Text]:
    """Readable names of an exercise's checks and questions, by check id."""
    spec = catalog.specs.get(exercise_id)
    if spec is None:
        return {}
    return {item.id: spec.item_title(item.id) for item in [*spec.checks, *spec.questions]}


def exercise_stats(session: Session, *, course: Course, catalog: Catalog, exercise_id: str,
                   policy: Policy) -> ExerciseStats:
    """Analytics of one assigned exercise under `policy` (eleven queries). KeyError when it is not assigned."""
    column = next((c for c in columns(course, catalog) if c.exercise == exercise_id), None)
    if column is None:
        raise KeyError(f"exercise {exercise_id!r} is not part of the course")
    tries = attempts(session, course=course, exercises=[exercise_id])
    by_student: dict[int, list[Attempt]] = {}
    for attempt in tries:
        by_student.setdefault(attempt.student_id, []).append(attempt)
    counted = [a for a in (pick(t, policy) for t in by_student.values()) if a is not None]
    grading_ids = [a.grading_id for a in counted if a.grading_id is not None]
    stored = session.execute(select(Grading.result_json["checks"]).where(Grading.id.in_(grading_ids))
                             ).scalars().all() if grading_ids else []
    return ExerciseStats(
        column=column, policy=policy, students=len(by_student), submissions=len(tries),
        mean_attempts=round(len(tries) / len(by_student), 2) if by_student else 0.0,
        mean_score=round(sum(a.final for a in counted) / len(counted), 2) if counted else None,
        histogram=tuple(histogram((a.final for a in counted), column.max_score)),
        failed_checks=tuple(check_failures(stored, check_titles(catalog, exercise_id))),
        pending=tuple(pending_reviews(session, exercise_slug=exercise_id, offering_id=course.offering_id)))


def summaries(session: Session, *, course: Course, catalog: Catalog) -> list[ExerciseSummary]:
    """Submissions, students and pending reviews of every assigned exercise, in course order (three queries)."""
    counts = {slug: (subs, people) for slug, subs, people in session.execute(
        select(Exercise.slug, func.count(Submission.id), func.count(Submission.student_id.distinct()))
        .join(Submission.exercise).where(Submission.offering_id == scope(session, course.offering_id))
        .group_by(Exercise.slug))}
    waiting = Counter(p.exercise for p in pending_reviews(session, offering_id=course.offering_id))
    return [ExerciseSummary(column=c, submissions=counts.get(c.exercise, (0, 0))[0],
                            students=counts.get(c.exercise, (0, 0))[1], pending=waiting[c.exercise])
            for c in columns(course, catalog)]
