"""Accounts from the browser: a user's own password, a teacher resetting a student's, adding, editing and
dropping one student, and a TA who grades and reviews but cannot change settings, release or manage accounts."""

from __future__ import annotations

import re
from typing import Any

from tests.teacher_helpers import cells
from tests.web_helpers import PASSWORD, csrf_token, login


def _password(page: str) -> str:
    found = re.search(r'id="new-password">([^<]+)<', page)
    assert found, page[:400]
    return found.group(1)


def test_a_user_changes_their_own_password(app: Any, client: Any, accounts: Any) -> None:
    assert login(client, "ana").status_code == 302
    token = csrf_token(client, "/account")
    wrong = client.post("/account", data={"current": "nope-nope", "new": "otra-clave-9", "repeated": "otra-clave-9",
                                          "csrf_token": token})
    assert wrong.status_code == 400 and "La contraseña actual no es correcta" in wrong.get_data(as_text=True)
    typo = client.post("/account", data={"current": PASSWORD, "new": "otra-clave-9", "repeated": "otra-clave-8",
                                         "csrf_token": token})
    assert typo.status_code == 400 and "no coinciden" in typo.get_data(as_text=True)
    done = client.post("/account", data={"current": PASSWORD, "new": "otra-clave-9", "repeated": "otra-clave-9",
                                         "csrf_token": token})
    assert done.status_code == 302
    other = app.test_client()
    assert login(other, "ana").status_code == 401
    assert login(other, "ana", "otra-clave-9").status_code == 302


def test_a_teacher_adds_edits_resets_and_drops_one_student(app: Any, client: Any, accounts: Any) -> None:
    assert login(client, "profe").status_code == 302
    token = csrf_token(client, "/teacher/roster")
    added = client.post("/teacher/people/students", data={"username": "carla", "name": "Carla Gil",
                                                          "email": "carla@uni.example", "csrf_token": token})
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    carla = app.test_client()
    assert login(carla, "carla", _password(added.get_data(as_text=True))).status_code == 302
    again = client.post("/teacher/people/students", data={"username": "carla", "name": "", "email": "",
                                                          "csrf_token": token})
    assert "Ya existe" in client.get(again.headers["Location"]).get_data(as_text=True)
    client.post("/teacher/people/students/carla", data={"action": "edit", "name": "Carla Gil Ruiz",
                                                        "email": "cgil@uni.example", "csrf_token": token})
    roster = client.get("/teacher/roster").get_data(as_text=True)
    assert "Carla Gil Ruiz" in roster and "cgil@uni.example" in roster
    reset = client.post("/teacher/people/students/ana", data={"action": "reset", "csrf_token": token})
    fresh = app.test_client()
    assert login(fresh, "ana").status_code == 401
    assert login(fresh, "ana", _password(reset.get_data(as_text=True))).status_code == 302
    client.post("/teacher/people/students/beto", data={"action": "drop", "csrf_token": token})
    assert "beto" not in cells(client) and login(app.test_client(), "beto").status_code == 401


def test_a_ta_grades_but_cannot_release_change_settings_or_manage_accounts(app: Any, client: Any,
                                                                           accounts: Any) -> None:
    assert login(client, "profe").status_code == 302
    made = client.post("/teacher/people/staff", data={"username": "tomas", "name": "Tomás", "role": "ta",
                                                      "csrf_token": csrf_token(client, "/teacher/roster")})
    ta = app.test_client()
    assert login(ta, "tomas", _password(made.get_data(as_text=True))).status_code == 302
    assert ta.get("/teacher/gradebook").status_code == 200
    assert ta.get("/teacher/analytics").status_code == 200
    token = csrf_token(ta, "/account")
    for url in ("/teacher/exercises/exam-serie2/release", "/teacher/exercises/exam-serie2/settings",
                "/teacher/roster"):
        assert ta.get(url).status_code == 403, url
    assert ta.post("/teacher/exercises/exam-serie2/release", data={"released": "1", "close": "1",
                                                                  "csrf_token": token}).status_code == 403
    assert ta.post("/teacher/people/staff", data={"username": "x", "role": "teacher",
                                                  "csrf_token": token}).status_code == 403
