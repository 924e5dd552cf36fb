"""Operations endpoints: /healthz for load balancers and /metrics (Prometheus text) for monitoring."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_login import current_user
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


def _scraper_token_ok() -> bool:
    """True when the request carries `Authorization: Bearer <GRADER_METRICS_TOKEN>` (compared in constant time,
    so the answer's timing does not reveal how much of a guess was right). No token configured: never."""
    expected = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), str(expected).encode())


@bp.get("/metrics")
def metrics() -> Response:
    """Queue depth per status, age of the oldest queued grading, and recent reception-to-result latency.

    Aggregates only, yet queue sizes and timings still tell outsiders about the course: a scraper sends the
    metrics token, a teacher can look from the browser; anyone else gets 401 (403 for a logged-in student).
    """
    if not _scraper_token_ok():
        if current_user.is_authenticated and current_user.role not in ("teacher", "ta"):
            abort(403)
        if not current_user.is_authenticated:
            return Response("401 Unauthorized: send Authorization: Bearer <GRADER_METRICS_TOKEN>\n", status=401,
                            mimetype="text/plain", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(queue_metrics(db()).prometheus(), mimetype="text/plain; version=0.0.4")
