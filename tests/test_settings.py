"""Assignment settings in the database: a change applies to what counts from then on (with its trail), a
student's extension moves only their deadline and attempts, and a timed exam runs each student's own clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from grader.course.gradebook import attempts
from grader.course.settings_edit import history, save_settings
from grader.db.models import Student, Submission, utcnow
from grader.db.settings_models import ExamStart
from tests.student_helpers import close_assignment, open_course, submission_id, submit_code
from tests.test_release import EXAM, LAB
from tests.web_helpers import csrf_token, finish_queued, login


def _teacher(app: Any) -> Any:
    other = app.test_client()
    assert login(other, "profe").status_code == 302
    return other


def _settings(profe: Any, exercise: str, **fields: str) -> Any:
    """Post the settings form of `exercise` with its current values changed by `fields`."""
    url = f"/teacher/exercises/{exercise}/settings"
    page = profe.get(url).get_data(as_text=True)
    current = {name: _value(page, name) for name in ("opens_at", "due_at", "max_attempts", "late_until",
                                                      "late_penalty", "time_limit_min")}
    release = "manual" if 'value="manual" selected' in page else "immediate"
    return profe.post(url, data={**current, "release": release, **fields, "csrf_token": csrf_token(profe, url)})


def _value(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    rest = page[start:]
    return rest[rest.index('value="') + 7:rest.index('"', rest.index('value="') + 7)]


def test_a_change_counts_from_then_on_and_leaves_a_trail(app: Any, accounts: Any) -> None:
    open_course(app)
    web = app.extensions["grader"]
    client = app.test_client()
    assert login(client, "ana").status_code == 302
    submission_id(submit_code(client, LAB, "x = 1\n"))
    finish_queued(app, score=8)
    with web.sessions() as session:
        # The deadline moves to before that submission: it was on time when it arrived, and stays so.
        save_settings(session, course=web.course, exercise=LAB, teacher="profe",
                      changes={"opens_at": utcnow() - timedelta(days=3), "due_at": utcnow() - timedelta(days=1),
                               "late_until": utcnow() + timedelta(days=5), "late_penalty": 0.5,
                               "max_attempts": 2})
        session.commit()
        [before] = attempts(session, course=web.course, exercises=[LAB])
        assert not before.late and before.final == 8
        trail = {c.field: (c.before, c.after, c.teacher) for c in history(session, exercise=LAB)}
        assert trail["max_attempts"][1:] == (2, "profe") and trail["late_penalty"][1] == 0.5
    submission_id(submit_code(client, LAB, "x = 2\n"))  # now late: halved
    finish_queued(app, score=8)
    with web.sessions() as session:
        after = attempts(session, course=web.course, exercises=[LAB])[1]
        assert after.late and after.final == 4
    refused = submit_code(client, LAB, "x = 3\n")  # 2 attempts used of the 2 now allowed
    assert refused.status_code == 403 and "intentos" in refused.get_data(as_text=True)
    profe = _teacher(app)
    page = profe.get(f"/teacher/exercises/{LAB}/settings").get_data(as_text=True)
    assert 'data-field="max_attempts"' in page and 'data-field="due_at"' in page
    bad = _settings(profe, LAB, due_at="2020-01-01T00:00:00+00:00")
    assert "due_at must be after opens_at" in profe.get(bad.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/teacher/exercises/{LAB}/settings").status_code == 403  # students cannot


def test_an_extension_moves_one_students_deadline_and_attempts(app: Any, accounts: Any) -> None:
    close_assignment(app, LAB)
    profe = _teacher(app)
    url = f"/teacher/exercises/{LAB}/extensions"
    due = (utcnow() + timedelta(days=2)).isoformat()
    sent = profe.post(url, data={"username": "ana", "due_at": due, "max_attempts": "1",
                                 "csrf_token": csrf_token(profe, f"/teacher/exercises/{LAB}/settings")})
    assert sent.status_code == 302
    assert 'data-student="ana"' in profe.get(f"/teacher/exercises/{LAB}/settings").get_data(as_text=True)
    ana, beto = app.test_client(), app.test_client()
    assert login(ana, "ana").status_code == 302 and login(beto, "beto").status_code == 302
    assert submit_code(beto, LAB, "x = 1\n").status_code == 403  # the deadline passed for beto
    submission_id(submit_code(ana, LAB, "x = 1\n"))
    assert submit_code(ana, LAB, "x = 2\n").status_code == 403  # her one attempt is used
    profe.post(url, data={"username": "ana", "remove": "1",
                          "csrf_token": csrf_token(profe, f"/teacher/exercises/{LAB}/settings")})
    page = profe.get(f"/teacher/exercises/{LAB}/settings").get_data(as_text=True)
    assert 'data-student="ana"' not in page
    trail = page[page.index('id="extension-trail"'):]
    assert trail.count("<tr><td>") == 2 and "quitada" in trail  # given, then removed, each with who and when


def test_a_timed_exam_runs_each_students_clock(app: Any, accounts: Any) -> None:
    open_course(app)
    profe = _teacher(app)
    assert _settings(profe, EXAM, time_limit_min="30").status_code == 302
    ana = app.test_client()
    assert login(ana, "ana").status_code == 302
    page = ana.get(f"/exercises/{EXAM}").get_data(as_text=True)
    assert 'id="start-exam"' in page and 'id="quiz-form"' not in page  # questions only after the start
    assert submit_code(ana, EXAM, "input_shape = 1\n").status_code == 403
    url = f"/exercises/{EXAM}"
    assert ana.post(f"{url}/start", data={"csrf_token": csrf_token(ana, url)}).status_code == 302
    page = ana.get(url).get_data(as_text=True)
    assert 'id="ends-at"' in page and 'id="quiz-form"' in page
    first = submission_id(submit_code(ana, EXAM, "input_shape = 1\n"))
    web = app.extensions["grader"]
    with web.sessions() as session:
        # 31 minutes later, seen from the student's start: the first answer arrived a minute into her time.
        session.execute(update(ExamStart).values(started_at=utcnow() - timedelta(minutes=31)))
        session.execute(update(Submission).where(Submission.id == first)
                        .values(received_at=utcnow() - timedelta(minutes=30)))
        session.commit()
    late = submit_code(ana, EXAM, "input_shape = 2\n")
    assert late.status_code == 403 and "Se acabó tu tiempo" in late.get_data(as_text=True)
    assert 'id="time-over"' in ana.get(url).get_data(as_text=True)
    finish_queued(app, score=3)
    with web.sessions() as session:
        ana_id = session.scalar(select(Student.id).where(Student.external_id == "ana"))
        [tried] = attempts(session, course=web.course, student_ids=[ana_id], exercises=[EXAM])
        assert tried.submission_id == first and tried.counts  # sent within her 30 minutes
        session.execute(update(Submission).where(Submission.id == first).values(received_at=utcnow()))
        session.commit()
        [outside] = attempts(session, course=web.course, student_ids=[ana_id], exercises=[EXAM])
        assert outside.void == "time_limit" and not outside.counts  # one that slipped in after the time
