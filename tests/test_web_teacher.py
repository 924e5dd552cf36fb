"""Teacher pages through the test client: permissions, gradebook, drill-down and overrides, roster import,
regrade progress, analytics and exports. Results are stored directly (no TensorFlow)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from grader.db.models import Grading, Override, Regrade, Submission
from grader.web.i18n import EN
from tests.teacher_helpers import cells, count_rows
from tests.test_gradebook import (
    LAB,
    LATE,
    PENALTY,
    counting_statements,
    fixed_course,
    graded,
    override_total,
    people,
    seed,
)
from tests.web_helpers import PASSWORD, csrf_token, login

WEB = Path(__file__).resolve().parent.parent / "grader" / "web"


# --- permissions ----------------------------------------------------------------------------------------------

GET_ROUTES = ["/teacher/gradebook", "/teacher/analytics", f"/teacher/analytics/{LAB}", "/teacher/roster",
              "/teacher/export/generic.csv", "/teacher/export/canvas.csv", "/teacher/export/moodle.csv",
              "/teacher/submissions/{sub}", "/teacher/gradings/{grading}", "/teacher/regrades/{regrade}",
              "/teacher/regrades/{regrade}/status", "/teacher/highlight.css"]
POST_ROUTES = ["/teacher/roster", "/teacher/submissions/{sub}/override", f"/teacher/analytics/{LAB}/regrade"]


@pytest.fixture
def ids(app: Any, accounts: Any) -> dict[str, int]:
    """A graded submission of ana and a finished regrade, to fill the routes' ids."""
    fixed_course(app)
    grading = graded(app, "ana", 6)
    with app.extensions["grader"].sessions() as session:
        sub = session.get(Grading, grading).submission_id
        regrade = Regrade(exercise_id=session.get(Submission, sub).exercise_id, requested_by="profe", total=0)
        session.add(regrade)
        session.commit()
        return {"sub": sub, "grading": grading, "regrade": regrade.id}


def _post(client: Any, url: str, token_page: str) -> Any:
    """POST a plausible form to `url` with a valid CSRF token taken from `token_page`."""
    return client.post(url, data={"csrf_token": csrf_token(client, token_page), "points": "0", "reason": "x",
                                  "grading_id": "1", "check_id": "", "text": "student_id,name,email\nz,Z,z@x.es\n"})


def test_anonymous_users_are_sent_to_log_in(client: Any, ids: dict[str, int]) -> None:
    for route in GET_ROUTES:
        response = client.get(route.format(**ids))
        assert response.status_code == 302 and "/login" in response.headers["Location"], route
    for route in POST_ROUTES:
        response = _post(client, route.format(**ids), "/login")
        assert response.status_code == 302 and "/login" in response.headers["Location"], route
    assert (count_rows(client.application, Override), count_rows(client.application, Regrade)) == (0, 1)


def test_students_are_refused(client: Any, ids: dict[str, int]) -> None:
    login(client, "ana")
    for route in GET_ROUTES:
        assert client.get(route.format(**ids)).status_code == 403, route
    for route in POST_ROUTES:
        assert _post(client, route.format(**ids), "/assignments").status_code == 403, route
    assert (count_rows(client.application, Override), count_rows(client.application, Regrade)) == (0, 1)


def test_teachers_see_every_page(client: Any, ids: dict[str, int]) -> None:
    login(client, "profe")
    for route in GET_ROUTES:
        response = client.get(route.format(**ids))
        if route.startswith("/teacher/gradings/"):
            assert response.headers["Location"].endswith(f"/teacher/submissions/{ids['sub']}#checks")
        else:
            assert response.status_code == 200, route
    assert client.get("/teacher/submissions/99999").status_code == 404
    assert client.get("/teacher/analytics/not-an-exercise").status_code == 404
    assert client.get("/teacher/export/excel.csv").status_code == 404


def test_forms_without_a_csrf_token_are_refused(teacher: Any, app: Any) -> None:
    grading = graded(app, "ana", 6)
    response = teacher.post("/teacher/submissions/1/override",
                            data={"grading_id": grading, "check_id": "", "points": "1", "reason": "x"})
    assert response.status_code == 400 and count_rows(app, Override) == 0


# --- gradebook ------------------------------------------------------------------------------------------------

def test_gradebook_cells_follow_the_policy_with_overrides_and_late_penalty(teacher: Any, app: Any) -> None:
    graded(app, "ana", 8)
    override_total(app, graded(app, "ana", 5), 6)
    graded(app, "beto", 10, at=LATE)

    best, last = cells(teacher), cells(teacher, "/teacher/gradebook?policy=last")
    assert best["ana"][LAB] == "8" and best["ana"]["total"] == "8"
    assert last["ana"][LAB] == "6 R"  # R: overridden by the teacher
    assert best["beto"][LAB] == f"{10 * (1 - PENALTY):g} T"  # T: late, penalised
    assert best["ana"]["quiz-activations"] == "–"
    page = teacher.get("/teacher/gradebook").get_data(as_text=True)
    first = re.search(r'data-student="ana".*?href="/teacher/submissions/(\d+)"', page, re.S)
    assert first and int(first.group(1)) == 1  # the best attempt, ana's first submission


def test_the_course_policy_is_the_default(teacher: Any, app: Any) -> None:
    graded(app, "ana", 9)
    graded(app, "ana", 2)
    web = app.extensions["grader"]
    web.course = web.course.model_copy(update={"grading_policy": "last"})
    assert cells(teacher)["ana"][LAB] == "2"
    assert cells(teacher, "/teacher/gradebook?policy=best")["ana"][LAB] == "9"
    assert cells(teacher, "/teacher/gradebook?policy=nonsense")["ana"][LAB] == "2"


def test_gradebook_filters_sorts_and_pages(teacher: Any, app: Any) -> None:
    seed(app, people(60), score=lambda i: float(i % 11))  # with ana and beto, 62 students
    first, second = cells(teacher), cells(teacher, "/teacher/gradebook?page=2")
    assert len(first) == 50 and len(second) == 12 and not set(first) & set(second)
    assert 'rel="next"' in teacher.get("/teacher/gradebook").get_data(as_text=True)
    assert len(cells(teacher, "/teacher/gradebook?page=2&section=A")) == 30  # one page only: clamped to it
    assert list(cells(teacher, "/teacher/gradebook?q=alumno+007")) == ["s007"]
    assert set(cells(teacher, "/teacher/gradebook?section=B")) == {f"s{i:03d}" for i in range(1, 60, 2)}
    by_total = cells(teacher, "/teacher/gradebook?sort=total&dir=desc")
    totals = [float(row["total"]) for row in by_total.values()]
    assert totals == sorted(totals, reverse=True) and totals[0] == 10
    assert next(iter(cells(teacher, "/teacher/gradebook?sort=id&dir=desc"))) == "s059"
    section_a = cells(teacher, "/teacher/gradebook?sort=total&section=A")
    assert set(section_a) == {f"s{i:03d}" for i in range(0, 60, 2)}
    assert [float(r["total"]) for r in section_a.values()] == sorted(float(r["total"]) for r in section_a.values())
    assert "Ningún estudiante coincide" in teacher.get("/teacher/gradebook?q=zzz").get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "?sort=total&dir=desc", "?q=alumno&section=A"])
def test_gradebook_page_runs_the_same_queries_for_5_and_60_students(teacher: Any, app: Any, query: str) -> None:
    engine = app.extensions["grader"].engine
    seed(app, people(5), exercises=(LAB, "quiz-activations", "dnn-linear-unit"))
    with counting_statements(engine) as small:
        assert teacher.get(f"/teacher/gradebook{query}").status_code == 200
    seed(app, people(55, start=5), exercises=(LAB, "quiz-activations", "dnn-linear-unit"))
    override_total(app, 3, 1.0)
    with counting_statements(engine) as large:
        page = teacher.get(f"/teacher/gradebook{query}")
    assert page.status_code == 200 and len(large) == len(small), [s for s, _ in large]
    assert len(cells(teacher, f"/teacher/gradebook{query}")) == (30 if "section" in query else 50)


# --- roster ---------------------------------------------------------------------------------------------------

ROSTER = ("student_id,name,email,section\n"
          "a001,Lucía Pérez,lucia@uni.example,A\n"
          ",Sin Id,nadie@uni.example,A\n"
          "a002,Mario <b>Gil</b>,mario@uni.example,B\n"
          "a003,Mal Correo,no-es-correo,B\n")


def _upload(client: Any, data: bytes, field: str = "roster") -> Any:
    """Send the roster form with `data` as the uploaded file (or as pasted text)."""
    form: dict[str, Any] = {"csrf_token": csrf_token(client, "/teacher/roster")}
    form[field] = (io.BytesIO(data), "lista.csv") if field == "roster" else data.decode()
    return client.post("/teacher/roster", data=form, content_type="multipart/form-data")


def test_roster_import_shows_first_passwords_once_and_errors_per_line(teacher: Any, app: Any) -> None:
    response = _upload(teacher, ROSTER.encode("utf-8-sig"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    created = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td><code>([^<]+)</code>', page))
    assert set(created) == {"a001", "a002"}
    assert "line 3: empty student_id" in page and "line 5:" in page
    assert "Mario &lt;b&gt;Gil&lt;/b&gt;" in page  # the roster list escapes names
    # The first password works, and is not shown again.
    student = app.test_client()
    assert login(student, "a001", created["a001"]).headers["Location"].endswith("/assignments")
    again = teacher.get("/teacher/roster").get_data(as_text=True)
    assert created["a001"] not in again and "lucia@uni.example" in again
    updated = _upload(teacher, b"student_id,name,email\na001,Luc\xc3\xada P\xc3\xa9rez,lucia@uni.example\n", "text")
    assert re.search(r'id="updated">a001<', updated.get_data(as_text=True))
    assert login(app.test_client(), "a001", PASSWORD).status_code == 401


def test_roster_refuses_an_empty_form_non_utf8_files_and_text_that_is_not_csv(teacher: Any) -> None:
    empty = teacher.post("/teacher/roster", data={"csrf_token": csrf_token(teacher, "/teacher/roster")})
    assert empty.status_code == 400 and "Elige un archivo CSV" in empty.get_data(as_text=True)
    latin1 = _upload(teacher, "student_id,name,email\nz1,Íñigo,i@uni.example\n".encode("latin-1"))
    assert latin1.status_code == 400 and "CSV UTF-8" in latin1.get_data(as_text=True)
    prose = _upload(teacher, b"hola", "text")
    assert prose.status_code == 400 and "No se reconoce como CSV" in prose.get_data(as_text=True)


# --- language -------------------------------------------------------------------------------------------------

CALLS = re.compile(r"""\b(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def test_every_teacher_string_has_english_and_pages_switch(teacher: Any) -> None:
    files = [*(WEB / "templates" / "teacher").glob("*.html"), *WEB.glob("teacher*.py")]
    strings = {a or b for path in files for a, b in CALLS.findall(path.read_text(encoding="utf-8"))}
    assert len(strings) > 100
    assert sorted(s for s in strings if s not in EN) == []
    english = teacher.get("/teacher/gradebook?lang=en").get_data(as_text=True)
    assert "Attempt that counts" in english and "Intento que cuenta" not in english


def test_gradebook_markers_follow_the_language(teacher: Any, app: Any) -> None:
    """The late/overridden letters are translated with their legend (T/R in Spanish, L/O in English)."""
    spanish = teacher.get("/teacher/gradebook").get_data(as_text=True)
    english = teacher.get("/teacher/gradebook?lang=en").get_data(as_text=True)
    assert "T = entrega tardía" in spanish and "R = nota modificada" in spanish
    assert "L = late submission" in english and "O = score overridden by the teacher" in english
