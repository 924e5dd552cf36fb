"""Running an exam for real: releasing is refused while anyone can still submit (unless submissions close at
that moment), nothing submitted after a release counts, a try that does not count is empty everywhere, a
teacher's decision reaches the student's check row, and a half-blank exam asks before it uses an attempt."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.course.analytics import check_failures
from grader.course.closing import ReleaseRefused, release_feedback, who_can_submit
from grader.course.gradebook import attempts
from grader.db import store
from grader.db.decisions import add_override
from grader.db.models import Grading, Student, utcnow
from grader.queue.claims import claim_next
from tests.student_helpers import open_course, submission_id, submit_code
from tests.teacher_helpers import cells
from tests.test_release import EXAM, LAB, finish_with_answer, release
from tests.web_helpers import csrf_token, login


def _teacher(app: Any) -> Any:
    other = app.test_client()
    assert login(other, "profe").status_code == 302
    return other


def test_release_waits_for_everyone_or_closes_submissions(app: Any, client: Any, accounts: Any) -> None:
    open_course(app)
    assert login(client, "ana").status_code == 302
    sub = submission_id(submit_code(client, EXAM, "output_neurons = 2\n"))
    finish_with_answer(app)
    profe = _teacher(app)
    page = profe.get(f"/teacher/exercises/{EXAM}/release").get_data(as_text=True)
    assert 'data-field="still-open">2' in page  # ana (1 of 3 attempts used) and beto
    refused = release(profe, EXAM, True, close=False)
    assert refused.status_code == 302
    followed = profe.get(refused.headers["Location"]).get_data(as_text=True)
    assert "2 estudiantes aún pueden entregar" in followed and "No publicada" in followed
    assert "Incorrecto" in client.get(f"/submissions/{sub}").get_data(as_text=True)  # still exam mode
    url = f"/teacher/exercises/{EXAM}/release"
    assert 'name="close"' in profe.get(url).get_data(as_text=True)
    assert release(profe, EXAM, True).status_code == 302
    assert 'data-field="still-open">0' in profe.get(url).get_data(as_text=True)
    again = submit_code(client, EXAM, "output_neurons = 1\n")
    assert again.status_code == 403
    assert "ya publicó las respuestas" in again.get_data(as_text=True)
    # A withdrawal does not reopen: the answers have been out.
    release(profe, EXAM, False)
    assert submit_code(client, EXAM, "output_neurons = 1\n").status_code == 403
    # Exercises released at once are not affected.
    assert submit_code(client, LAB, "x = 1\n").status_code == 302


def test_an_attempt_stored_after_the_release_never_counts(app: Any, accounts: Any) -> None:
    open_course(app)
    web = app.extensions["grader"]
    with web.sessions() as session:
        ana = session.scalar(select(Student).where(Student.external_id == "ana"))
        assert ana is not None
        assert who_can_submit(session, course=web.course, assignment=web.course.get(EXAM)) == ["ana", "beto"]
        try:
            release_feedback(session, course=web.course, exercise_slug=EXAM, teacher="profe",
                             close_submissions=False)
        except ReleaseRefused as refused:
            assert refused.still_open == 2
        else:
            raise AssertionError("a release with students still able to submit must be refused")
        release_feedback(session, course=web.course, exercise_slug=EXAM, teacher="profe", close_submissions=True)
        spec = web.catalog.get(EXAM)
        version = store.get_or_create_exercise_version(session, slug=EXAM, title="x", spec_hash="h",
                                                       spec_json=spec.model_dump(mode="json"))
        late = store.record_submission(session, student=ana, exercise=version.exercise, filename="a.json",
                                       source=b"{}", received_at=utcnow() + timedelta(seconds=5))
        store.queue_grading(session, submission=late, exercise_version=version)
        session.commit()
    finish_with_answer(app)
    with web.sessions() as session:
        [tried] = attempts(session, course=web.course, exercises=[EXAM])
        assert tried.finished and tried.judged and tried.void == "released" and not tried.counts


def test_a_try_that_does_not_count_is_empty_everywhere(app: Any, client: Any, accounts: Any) -> None:
    open_course(app)
    assert login(client, "ana").status_code == 302
    submission_id(submit_code(client, LAB, "def f(:\n"))  # refused at once: it cannot run as written
    listing = client.get("/assignments").get_data(as_text=True)
    row = listing[listing.index(f'data-exercise="{LAB}"'):]
    row = row[:row.index("</tr>")]
    assert "No cuenta" in row and "<td class=\"score\">–</td>" in row
    profe = _teacher(app)
    assert cells(profe)["ana"][LAB] == "–"
    export = profe.get("/teacher/export/generic.csv")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    header, ana = rows[0], next(r for r in rows if r[0] == "ana")
    assert ana[header.index(LAB)] == ""
    analytics = profe.get(f"/teacher/analytics/{LAB}").get_data(as_text=True)
    assert "by-question" not in analytics  # a code exercise has no question to grade by hand


def test_a_teacher_decision_reaches_the_students_check_row(app: Any, client: Any, accounts: Any) -> None:
    open_course(app)
    assert login(client, "ana").status_code == 302
    sub = submission_id(submit_code(client, LAB, "x = 1\n"))
    with app.extensions["grader"].sessions() as session:
        claim = claim_next(session)
        assert claim is not None
        grading = session.get(Grading, claim.grading_id)
        store.finish_grading(session, grading=grading, result=GradeResult(status="graded", score=1.33, max_score=2,
            checks=[CheckResult(id="why", passed=False, points=1.33, max_points=2, needs_review=True,
                                message=t("2 de 3 ideas", "2 of 3 ideas"))]))
        add_override(session, grading=grading, check_id="why", points=2, reason="Completa", teacher="profe")
        session.commit()
    page = client.get(f"/submissions/{sub}").get_data(as_text=True)
    row = page[page.index('data-check="why"'):]
    row = row[:row.index("</tr>")]
    assert "2 / 2" in row and "1,33" not in row and "Pendiente de revisión" not in row


def test_partial_credit_is_not_a_failure() -> None:
    stored = [[{"id": "q", "passed": False, "points": 0.5}], [{"id": "q", "passed": False, "points": 0}],
              [{"id": "q", "passed": True, "points": 1}]]
    [q] = check_failures(stored)
    assert (q.failed, q.partial, q.graded) == (1, 1, 3)


def test_a_half_blank_exam_asks_before_using_an_attempt(app: Any, client: Any, accounts: Any) -> None:
    open_course(app)
    assert login(client, "ana").status_code == 302
    url = f"/exercises/{EXAM}"
    answer = {"q-input-shape": "150,150,3", "csrf_token": csrf_token(client, url)}
    first = client.post(f"{url}/answers", data=answer)
    assert first.status_code == 302 and "confirm_blank=" in first.headers["Location"]
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "sin responder" in page and 'name="confirm_blank"' in page
    blank = first.headers["Location"].rsplit("=", 1)[-1]
    sent = client.post(f"{url}/answers", data={**answer, "confirm_blank": blank})
    assert "/submissions/" in sent.headers["Location"]
