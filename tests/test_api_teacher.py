"""The teacher's JSON API, checked against its own OpenAPI document: settings, extensions, a safe release, and
adding a student; student and TA tokens are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jsonschema import Draft202012Validator

from grader.db.models import utcnow
from tests.student_helpers import issue_token, open_course, submit_code
from tests.test_release import EXAM, LAB
from tests.web_helpers import login

API = "/api/v1"


def conforms(client: Any, body: Any, schema: str) -> None:
    """`body` is valid against component `schema` of the served OpenAPI document."""
    document = client.get(f"{API}/openapi.json").get_json()
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema}",
                                      "components": document["components"]})
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, errors


def test_settings_and_extensions_through_the_api(app: Any, client: Any, accounts: Any) -> None:
    open_course(app)
    profe, ana = issue_token(app, "profe"), issue_token(app, "ana")
    due = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    patched = client.patch(f"{API}/assignments/{LAB}", headers=profe,
                           json={"due_at": due.isoformat(), "max_attempts": 1, "release": "after_release"})
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    conforms(client, body, "AssignmentSettings")
    assert (body["max_attempts"], body["release"]) == (1, "after_release")
    assert client.patch(f"{API}/assignments/{LAB}", headers=profe,
                        json={"due_at": "2027-01-01T00:00:00"}).status_code == 400  # no offset
    assert client.patch(f"{API}/assignments/nope", headers=profe, json={}).status_code == 404
    assert client.patch(f"{API}/assignments/{LAB}", headers=ana, json={"max_attempts": 9}).status_code == 403
    put = client.put(f"{API}/assignments/{LAB}/extensions/ana", headers=profe, json={"max_attempts": 2})
    assert put.status_code == 200
    conforms(client, put.get_json(), "ExtensionOut")
    mine = client.get(f"{API}/exercises", headers=ana).get_json()
    assert next(e for e in mine["exercises"] if e["id"] == LAB)["attempts_left"] == 2
    assert client.delete(f"{API}/assignments/{LAB}/extensions/ana", headers=profe).status_code == 204
    assert client.delete(f"{API}/assignments/{LAB}/extensions/ana", headers=profe).status_code == 404
    mine = client.get(f"{API}/exercises", headers=ana).get_json()
    assert next(e for e in mine["exercises"] if e["id"] == LAB)["attempts_left"] == 1


def test_release_through_the_api_is_refused_while_students_can_submit(app: Any, client: Any,
                                                                      accounts: Any) -> None:
    open_course(app)
    profe = issue_token(app, "profe")
    url = f"{API}/assignments/{EXAM}/release"
    refused = client.post(url, headers=profe, json={"close_submissions": False})
    assert refused.status_code == 409
    conforms(client, refused.get_json(), "ReleaseRefusedOut")
    assert refused.get_json()["still_open"] == 2
    done = client.post(url, headers=profe, json={"close_submissions": True})
    assert done.status_code == 200 and done.get_json()["submissions_closed"] is True
    conforms(client, done.get_json(), "ReleaseOut")
    student = app.test_client()
    assert login(student, "ana").status_code == 302
    assert submit_code(student, EXAM, "x = 1\n").status_code == 403


def test_a_teacher_adds_a_student_through_the_api(app: Any, client: Any, accounts: Any) -> None:
    profe = issue_token(app, "profe")
    made = client.post(f"{API}/students", headers=profe,
                       json={"username": "dani", "name": "Dani Sanz", "email": "dani@uni.example"})
    assert made.status_code == 201
    conforms(client, made.get_json(), "StudentCreated")
    assert login(app.test_client(), "dani", made.get_json()["password"]).status_code == 302
    assert client.post(f"{API}/students", headers=profe, json={"username": "dani"}).status_code == 400
    assert client.post(f"{API}/students", headers=issue_token(app, "ana"),
                       json={"username": "eva"}).status_code == 403
