"""Operations: /healthz tells which part is down, /metrics counts the queue, logs carry submission ids."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from grader.cli.logs import JsonFormatter
from grader.core.results import GradeResult
from grader.db.session import make_engine
from grader.web import create_app
from grader.web.workers import attach_workers
from tests.web_helpers import csrf_token, finish_queued, login

METRICS_TOKEN = "scrape-me-7f3a"


def _nothing(**_: Any) -> GradeResult:
    """A grading function for tests that only need the threads to exist."""
    return GradeResult(status="graded")


def test_healthz_without_workers_in_this_process(client: Any) -> None:
    """A web-only process (workers elsewhere) is healthy when its database answers."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "workers": "external"}


def test_healthz_reports_embedded_workers_and_their_death(app: Any) -> None:
    """Alive grading threads: 200; once stopped: 503 with workers 'down'."""
    workers = attach_workers(app, grade=_nothing, threads=2, poll_s=0.05)
    client = app.test_client()
    assert client.get("/healthz").get_json()["workers"] == "ok"
    workers.stop()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["workers"] == "down"


def test_healthz_reports_an_unreachable_database(app: Any) -> None:
    """A database that refuses connections gives 503 and says so."""
    app.extensions["grader"].sessions = sessionmaker(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("down: ")


def test_healthz_reports_a_broker_that_is_down(sqlite_url: str) -> None:
    """With Celery configured and no broker listening: 503, broker and workers down."""
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "t",
                      "BROKER_URL": "redis://127.0.0.1:1/0"})
    body = app.test_client().get("/healthz")
    assert body.status_code == 503
    assert body.get_json() | {"database": "ok"} == {"status": "unavailable", "database": "ok", "broker": "down",
                                                    "workers": "down"}


def test_healthz_with_a_broker_but_no_worker_is_unavailable(sqlite_url: str) -> None:
    """A reachable broker (the machine's Redis) with no Celery worker answering is not healthy either."""
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "t",
                      "BROKER_URL": "redis://127.0.0.1:6379/15"})
    body = app.test_client().get("/healthz").get_json()
    assert (body["broker"], body["workers"]) == ("ok", "down")


def test_metrics_count_the_queue_and_the_latency(app: Any, accounts: Any) -> None:
    """Two submissions, one graded: one queued, one graded, one latency sample."""
    client = app.test_client()
    login(client, "ana")
    page = "/exercises/lab-add-hidden-16"
    for code in ("print(1)\n", "print(2)\n"):
        assert client.post(page, data={"csrf_token": csrf_token(client, page), "code": code}).status_code == 302
    finish_queued(app, score=5, checks=[("layers", True, 5, 10)])
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    text = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(
        as_text=True)
    assert 'grader_gradings{status="queued"} 1' in text
    assert 'grader_gradings{status="graded"} 1' in text
    assert "grader_latency_seconds_count 1" in text


def test_metrics_refuse_anonymous_requests_and_wrong_tokens(app: Any, accounts: Any) -> None:
    """Without the token or a teacher's session: 401 asking for a bearer token (403 for a student), and no
    numbers leak; /healthz stays public."""
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {METRICS_TOKEN}"},
                    {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "grader_gradings" not in refused.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    login(client, "ana")
    assert client.get("/metrics").status_code == 403


def test_metrics_are_served_to_the_token_and_to_a_teacher(app: Any, accounts: Any) -> None:
    """The configured bearer token or a logged-in teacher gets the Prometheus text."""
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    scraper = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraper.status_code == 200 and "grader_gradings" in scraper.get_data(as_text=True)
    teacher = app.test_client()
    login(teacher, "profe")
    assert "grader_gradings" in teacher.get("/metrics").get_data(as_text=True)


def test_metrics_token_comes_from_the_environment_and_none_means_teachers_only(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GRADER_METRICS_TOKEN configures the token; unset, no bearer token is accepted, not even an empty one."""
    monkeypatch.setenv("GRADER_METRICS_TOKEN", METRICS_TOKEN)
    configured = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "t"})
    monkeypatch.delenv("GRADER_METRICS_TOKEN")
    unset = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "t"})
    try:
        assert configured.test_client().get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
        for header in (f"Bearer {METRICS_TOKEN}", "Bearer ", "Bearer"):
            assert unset.test_client().get("/metrics", headers={"Authorization": header}).status_code == 401
    finally:
        configured.extensions["grader"].engine.dispose()
        unset.extensions["grader"].engine.dispose()


def test_json_logs_carry_the_submission_context() -> None:
    """A grading log line rendered as JSON keeps its submission and grading ids as fields."""
    record = logging.LogRecord("grader.queue.claims", logging.INFO, __file__, 1, "graded grading=%d", (7,), None)
    record.submission_id, record.grading_id = 3, 7
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["submission_id"], line["grading_id"], line["level"]) == (
        "graded grading=7", 3, 7, "INFO")
