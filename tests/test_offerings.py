"""Several course offerings in one deployment: each user works on one offering at a time, sees and acts on its
data only (another offering's ids answer 404, its pages 403), and has the role of their membership there."""

from __future__ import annotations

from typing import Any

import pytest

from grader.course.gradebook import attempts, students
from grader.db.models import Submission
from tests.offering_helpers import TwoOfferings, two_offerings
from tests.student_helpers import issue_token
from tests.test_gradebook import LAB
from tests.web_helpers import csrf_token, login


@pytest.fixture
def both(app: Any) -> TwoOfferings:
    return two_offerings(app)


def _switch(client: Any, offering: int) -> Any:
    return client.post("/offering", data={"csrf_token": csrf_token(client, "/account"), "offering": str(offering)})


def _gradebook(client: Any) -> str:
    page = client.get("/teacher/gradebook")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_services_read_one_offering_only(app: Any, both: TwoOfferings) -> None:
    web = app.extensions["grader"]
    with web.sessions() as session:
        in_a = attempts(session, course=web.course.in_offering(both.a))
        in_b = attempts(session, course=web.course.in_offering(both.b))
        assert [a.submission_id for a in in_a] == [both.ana_submission]
        assert [a.submission_id for a in in_b] == [both.beto_submission]
        assert {s.external_id for s in students(session, offering_id=both.a)} == {"ana", "tere"}
        assert {s.external_id for s in students(session, offering_id=both.b)} == {"beto"}
        assert session.get(Submission, both.beto_submission).offering_id == both.b


def test_a_teacher_sees_only_the_offering_at_hand_and_switches_to_another_they_teach(app: Any,
                                                                                   both: TwoOfferings) -> None:
    client = app.test_client()
    login(client, "profe")
    page = _gradebook(client)
    assert "Ana Díaz" in page and "Beto Ruiz" not in page
    assert client.get(f"/teacher/submissions/{both.beto_submission}").status_code == 404
    assert client.get(f"/teacher/submissions/{both.ana_submission}").status_code == 200
    assert _switch(client, both.b).status_code == 302
    page = _gradebook(client)
    assert "Beto Ruiz" in page and "Ana Díaz" not in page
    assert client.get(f"/teacher/submissions/{both.ana_submission}").status_code == 404
    assert "beto" in client.get("/teacher/export/generic.csv").get_data(as_text=True)
    assert "ana" not in client.get("/teacher/export/generic.csv").get_data(as_text=True)


def test_a_teacher_of_one_offering_cannot_switch_to_or_act_on_another(app: Any, both: TwoOfferings) -> None:
    client = app.test_client()
    login(client, "profeb")
    assert "Beto Ruiz" in _gradebook(client)
    assert _switch(client, both.a).status_code == 404
    assert "Ana Díaz" not in _gradebook(client)
    token = csrf_token(client, "/teacher/gradebook")
    override = client.post(f"/teacher/submissions/{both.ana_submission}/override",
                           data={"csrf_token": token, "points": "10", "reason": "x", "grading_id": "1"})
    assert override.status_code == 404
    refused = client.post(f"/teacher/exercises/{LAB}/extensions",
                          data={"csrf_token": token, "username": "ana", "due_at": "2030-03-01T00:00:00+00:00"})
    assert refused.status_code == 302  # back to the form saying "no such student": ana is not on B's roster
    with app.extensions["grader"].sessions() as session:
        from grader.db.settings_models import Extension

        assert session.query(Extension).count() == 0


def test_a_student_cannot_reach_another_offerings_submissions(app: Any, both: TwoOfferings) -> None:
    client = app.test_client()
    login(client, "ana")
    assert client.get(f"/submissions/{both.ana_submission}").status_code == 200
    assert client.get(f"/submissions/{both.beto_submission}").status_code == 404
    assert _switch(client, both.b).status_code == 404
    headers = issue_token(app, "ana")
    assert app.test_client().get(f"/api/exercises?offering={both.b}", headers=headers).status_code == 404
    assert app.test_client().get(f"/api/submissions/{both.beto_submission}", headers=headers).status_code == 404


def test_the_role_is_the_membership_of_the_offering_at_hand(app: Any, both: TwoOfferings) -> None:
    client = app.test_client()
    login(client, "tere")  # a student in A, a TA in B
    assert client.get("/assignments").status_code == 200
    assert client.get("/teacher/gradebook").status_code == 403
    _switch(client, both.b)
    assert "Beto Ruiz" in _gradebook(client)
    assert client.get(f"/teacher/exercises/{LAB}/settings").status_code == 403  # a TA changes no settings
    assert client.get("/assignments").status_code == 403
