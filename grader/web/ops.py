"""Operations endpoints: /healthz for load balancers and /metrics (Prometheus text) for monitoring."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from grader.course.metrics import queue_metrics
from grader.web.state import db, state

bp = Blueprint("ops", __name__)


def _healthy(value: str) -> bool:
    """True for the states that do not make the service unavailable."""
    return value in ("ok", "external") or value.startswith("ok (")


@bp.get("/healthz")
def healthz() -> Any:
    """200 when the database answers and grading can happen (embedded threads alive, or a reachable broker
    with at least one Celery worker answering); 503 otherwise. The JSON says which part is down."""
    checks: dict[str, str] = {}
    try:
        db().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "down"; the probe must answer, not raise
        checks["database"] = f"down: {type(exc).__name__}"
    web = state()
    if web.dispatcher is not None:
        checks["broker"] = "ok" if web.dispatcher.broker_ok() else "down"
        answering = web.dispatcher.workers() if checks["broker"] == "ok" else 0
        checks["workers"] = f"ok ({answering})" if answering else "down"
    elif web.workers is not None:
        checks["workers"] = "ok" if web.workers.alive() else "down"
    else:
        checks["workers"] = "external"
    healthy = all(_healthy(v) for v in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Queue depth per status, age of the oldest queued grading, and recent reception-to-result latency.

    Aggregates only (no student data), so it can be scraped without a login from the internal network.
    """
    return Response(queue_metrics(db()).prometheus(), mimetype="text/plain; version=0.0.4")
