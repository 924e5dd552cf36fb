"""What bench/load_test.py reads back from the database once every accepted submission is graded: latency
per kind, throughput, the gradebook's latency, and the checks of its last line (nothing lost or duplicated,
every hostile submission contained).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.load_submissions import Planned
from grader.db.models import Grading, Submission


def percentiles(values: list[float]) -> str:
    """p50 and p95 (nearest rank) of `values` in seconds, as printed."""
    if not values:
        return "p50 -  p95 -"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return f"p50 {statistics.median(ordered):6.2f} s  p95 {p95:6.2f} s"


@dataclass(frozen=True)
class Outcome:
    """What the load test checks at the end."""

    accepted: int
    graded: int
    lost: int
    duplicated: int
    distinct: int
    hostile: int
    contained: int

    def line(self) -> str:
        """The last line the script prints."""
        return " ".join(f"{name}={getattr(self, name)}" for name in self.__dataclass_fields__)

    def clean(self) -> bool:
        """Nothing lost or duplicated, every submission distinct and graded, every hostile one contained."""
        return (self.lost == self.duplicated == 0 and self.graded == self.distinct == self.accepted
                and self.contained == self.hostile)


def report(session: Session, accepted: dict[int, Planned], *, elapsed: float, page_times: list[float]) -> Outcome:
    """Print the figures read back from the database and return what is checked."""
    rows = session.execute(select(Grading.submission_id, Grading.status, Grading.score, Grading.max_score,
                                  Grading.graded_at, Grading.duration_s, Submission.received_at,
                                  Submission.source_hash)
                           .join(Submission, Submission.id == Grading.submission_id)).all()
    submissions = session.scalar(select(func.count(Submission.id))) or 0
    by_submission: dict[int, list[Any]] = {}
    for row in rows:
        by_submission.setdefault(row.submission_id, []).append(row)
    finished = {sid: [r for r in found if r.status in ("graded", "error")] for sid, found in by_submission.items()}
    graded = sum(1 for sid in accepted if finished.get(sid))
    lost = len(accepted) - graded + max(len(accepted) - submissions, 0)
    duplicated = sum(1 for sid in accepted if len(finished.get(sid, [])) > 1)
    distinct = len({found[0].source_hash for sid, found in by_submission.items() if sid in accepted})
    latency: dict[str, list[float]] = {}
    working: dict[str, list[float]] = {}
    hostile = contained = right = right_full = errors = 0
    for sid, item in accepted.items():
        done = finished.get(sid)
        if not done:
            continue
        result = done[0]
        errors += result.status == "error"
        kind = item.kind.split(":")[0]
        latency.setdefault(kind, []).append((result.graded_at - result.received_at).total_seconds())
        working.setdefault(kind, []).append(result.duration_s)
        below_full = result.status == "error" or result.score < result.max_score
        if item.hostile:
            hostile += 1
            contained += below_full
            if not below_full:
                print(f"NOT CONTAINED: submission {sid} ({item.kind}) scored {result.score}/{result.max_score}")
        elif item.kind.startswith("right"):
            right += 1
            right_full += not below_full
    hostile += sum(1 for sid, item in accepted.items() if item.hostile and not finished.get(sid))
    print(f"gradings ending in a submission error: {errors}; honest right answers at full marks: {right_full}/{right}")
    print("submit-to-result latency (received -> graded, from the database; queueing included), and the "
          "grading's own time, per kind:")
    for kind in sorted(latency):
        print(f"  {kind:<16} n={len(latency[kind]):<4} {percentiles(latency[kind])}   grading "
              f"{percentiles(working[kind])}")
    print(f"  {'all':<16} n={sum(map(len, latency.values())):<4} "
          f"{percentiles([v for values in latency.values() for v in values])}")
    ordered = sorted(page_times)
    print(f"gradebook page under load: {len(ordered)} loads, {percentiles(ordered)}")
    print(f"throughput: {graded / elapsed * 60:.1f} gradings/min ({graded / elapsed:.2f}/s)")
    if right_full < right:
        contained = 0  # an honest answer lost marks: some attack reached beyond its own grading
    return Outcome(accepted=len(accepted), graded=graded, lost=lost, duplicated=duplicated, distinct=distinct,
                   hostile=hostile, contained=contained)
