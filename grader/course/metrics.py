"""Operational figures read from the database: queue depth and grading latency, for /metrics and logs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.db.models import GRADING_STATUSES, Grading, Submission, utcnow

# Latency is summarised over the gradings finished within this window.
LATENCY_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class QueueMetrics:
    """Gradings per status, and how long submissions waited from reception to result recently."""

    by_status: dict[str, int]
    oldest_queued_s: float
    finished_recently: int
    latency_p50_s: float
    latency_p95_s: float

    def prometheus(self) -> str:
        """The Prometheus text exposition of these figures."""
        lines = ["# HELP grader_gradings Gradings by status.", "# TYPE grader_gradings gauge"]
        lines += [f'grader_gradings{{status="{status}"}} {count}' for status, count in self.by_status.items()]
        lines += [
            "# HELP grader_oldest_queued_seconds Age of the oldest queued grading.",
            "# TYPE grader_oldest_queued_seconds gauge", f"grader_oldest_queued_seconds {self.oldest_queued_s:.3f}",
            "# HELP grader_latency_seconds Reception to result, gradings finished in the last 15 minutes.",
            "# TYPE grader_latency_seconds summary",
            f'grader_latency_seconds{{quantile="0.5"}} {self.latency_p50_s:.3f}',
            f'grader_latency_seconds{{quantile="0.95"}} {self.latency_p95_s:.3f}',
            f"grader_latency_seconds_count {self.finished_recently}",
        ]
        return "\n".join(lines) + "\n"


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile of `values` (0 when empty)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def queue_metrics(session: Session) -> QueueMetrics:
    """Read the queue's figures (three small aggregate queries)."""
    now = utcnow()
    counts = dict(session.execute(select(Grading.status, func.count(Grading.id)).group_by(Grading.status)).all())
    oldest = session.scalar(select(func.min(Grading.created_at)).where(Grading.status == "queued"))
    recent = session.execute(
        select(Grading.graded_at, Submission.received_at).join(Grading.submission)
        .where(Grading.graded_at >= now - LATENCY_WINDOW)).all()
    # SQLite hands back naive timestamps from aggregates; both columns are stored in UTC.
    # graded_at is never None here (the >= filter leaves no NULL); the check only tells the type checker so.
    waits = sorted(max((g.replace(tzinfo=None) - r.replace(tzinfo=None)).total_seconds(), 0.0) for g, r in recent
                   if g is not None)
    oldest_s = (now.replace(tzinfo=None) - oldest.replace(tzinfo=None)).total_seconds() if oldest else 0.0
    return QueueMetrics(by_status={s: int(counts.get(s, 0)) for s in GRADING_STATUSES}, oldest_queued_s=oldest_s,
                        finished_recently=len(waits), latency_p50_s=_quantile(waits, 0.5),
                        latency_p95_s=_quantile(waits, 0.95))
