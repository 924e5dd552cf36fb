"""Teacher pages through the test client: permissions, gradebook, drill-down and overrides, roster import,
regrade progress, analytics and exports. Results are stored directly (no TensorFlow)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from grader.db.models import Grading, Override, Regrade, Submission
from grader.web.teacher.roster import OneTimeFiles
from tests.teacher_helpers import cells, count_rows
from tests.test_gradebook import (
    CODE,
    LAB,
    LATE,
    PENALTY,
    counting_statements,
    finish_with,
    fixed_course,
    graded,
    override_total,
    people,
    result,
    seed,
    submit_as,
)
from tests.test_web_i18n import english_catalog
from tests.web_helpers import PASSWORD, csrf_token, login

WEB = Path(__file__).resolve().parent.parent / "grader" / "web"


# --- permissions ----------------------------------------------------------------------------------------------

GET_ROUTES = ["/teacher/", "/teacher/gradebook", "/teacher/analytics", f"/teacher/analytics/{LAB}", "/teacher/roster",
              "/teacher/export/generic.csv", "/teacher/export/canvas.csv", "/teacher/export/moodle.csv",
              "/teacher/submissions/{sub}", "/teacher/gradings/{grading}", "/teacher/regrades/{regrade}",
              "/teacher/regrades/{regrade}/status", "/teacher/highlight.css", f"/teacher/exercises/{LAB}/similarity"]
POST_ROUTES = ["/teacher/roster", "/teacher/submissions/{sub}/override", f"/teacher/analytics/{LAB}/regrade",
               f"/teacher/exercises/{LAB}/similarity"]


@pytest.fixture
def ids(app: Any, accounts: Any) -> dict[str, int]:
    """A graded submission of ana and a finished regrade, to fill the routes' ids."""
    fixed_course(app)
    grading = graded(app, "ana", 6)
    with app.extensions["grader"].sessions() as session:
        sub = session.get(Grading, grading).submission_id
        found = session.get(Submission, sub)
        regrade = Regrade(exercise_id=found.exercise_id, offering_id=found.offering_id, requested_by="profe", total=0)
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


def _pending_lab(app: Any, student: str, score: float) -> int:
    """A lab submission of `student` graded `score` whose check b waits for review; returns the submission id."""
    sub = submit_as(app, student, code=f"{CODE}# {student} {score}\n")
    finish_with(app, result(score, [("a", True, 4.0, 4.0), ("b", False, score - 4.0, 6.0)], review="b"))
    return sub


def test_pending_reviews_are_marked_in_the_cell_with_a_count_and_summed_up(teacher: Any, app: Any) -> None:
    sub = _pending_lab(app, "ana", 7.3333)
    graded(app, "beto", 10)
    page = teacher.get("/teacher/gradebook").get_data(as_text=True)
    table = cells(teacher)
    assert (table["ana"][LAB], table["ana"]["total"], table["beto"][LAB]) == (
        "7,33 pendiente de revisión: 1", "7,33", "10")
    assert f'href="/teacher/submissions/{sub}#checks">pendiente de revisión: 1</a>' in page
    assert re.search(r'id="waiting">En esta página: 1 nota espera revisión', page)
    assert cells(teacher, "/teacher/gradebook?lang=en")["ana"][LAB] == "7.33 pending review: 1"
    assert "1 score waits for review" in teacher.get("/teacher/gradebook").get_data(as_text=True)


@pytest.mark.parametrize(("query", "shown"), [("q=ana", "1 estudiante"), ("", "2 estudiantes"),
                                             ("q=ana&lang=en", "1 student"), ("lang=en", "2 students")])
def test_counts_are_singular_or_plural_in_both_languages(teacher: Any, query: str, shown: str) -> None:
    assert f'id="matched">{shown} ·' in teacher.get(f"/teacher/gradebook?{query}").get_data(as_text=True)


def test_column_headers_link_to_the_release_page_when_it_exists(teacher: Any, monkeypatch: Any) -> None:
    link = f'href="/teacher/exercises/{LAB}/release"'
    assert ("teacher.release_page" in teacher.application.view_functions) == (
        link in teacher.get("/teacher/gradebook").get_data(as_text=True))
    monkeypatch.delitem(teacher.application.view_functions, "teacher.release_page", raising=False)
    page = teacher.get("/teacher/gradebook")
    assert page.status_code == 200 and link not in page.get_data(as_text=True)


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
    assert "línea 3: falta el <code>student_id</code>" in page and "línea 5:" in page
    assert "Mario &lt;b&gt;Gil&lt;/b&gt;" in page  # the roster list escapes names
    # The first password works, and is not shown again.
    student = app.test_client()
    assert login(student, "a001", created["a001"]).headers["Location"].endswith("/assignments")
    again = teacher.get("/teacher/roster").get_data(as_text=True)
    assert created["a001"] not in again and "lucia@uni.example" in again
    updated = _upload(teacher, b"student_id,name,email\na001,Luc\xc3\xada P\xc3\xa9rez,lucia@uni.example\n", "text")
    assert re.search(r'id="updated">a001<', updated.get_data(as_text=True))
    assert login(app.test_client(), "a001", PASSWORD).status_code == 401


def test_roster_refuses_an_empty_form_and_text_that_is_not_a_roster_in_the_teachers_language(teacher: Any) -> None:
    empty = teacher.post("/teacher/roster", data={"csrf_token": csrf_token(teacher, "/teacher/roster")})
    assert empty.status_code == 400 and "Elige un archivo CSV" in empty.get_data(as_text=True)
    prose = _upload(teacher, b"hola", "text")
    missing = "línea 1: faltan las columnas <code>student_id</code>, <code>name</code>"  # code marks as code
    assert prose.status_code == 400 and missing in prose.get_data(True)
    teacher.get("/teacher/roster?lang=en")
    english = _upload(teacher, b"student_id;name\nz1;Zoe\n", "text").get_data(as_text=True)
    assert "line 1: missing column <code>email</code>" in english and "línea" not in english
    bad_row = _upload(teacher, b"student_id;name;email\nz1;Zoe;no-mail\n", "text").get_data(as_text=True)
    assert "line 2: 'no-mail' is not an email address" in bad_row


def test_roster_reads_excel_files_semicolons_a_bom_and_windows_1252(teacher: Any, app: Any) -> None:
    """Spanish Excel's `;` with a BOM imports silently; an old Windows-1252 file imports with a warning."""
    modern = _upload(teacher, "student_id;name;email\r\nz1;Díaz, Zoe;z@uni.example\r\n".encode("utf-8-sig"))
    assert modern.status_code == 200 and 'id="note"' not in (page := modern.get_data(as_text=True))
    assert "Díaz, Zoe" in page
    old = _upload(teacher, "student_id;name;email\r\nz2;Íñigo Muñoz;i@uni.example\r\n".encode("cp1252"))
    assert old.status_code == 200 and re.search(r'id="note">[^<]*Windows-1252', page := old.get_data(as_text=True))
    assert "Íñigo Muñoz" in page and re.search(r'<tr><th scope="row">z2</th><td><code>', page)


def test_first_passwords_download_once_as_csv_and_the_warning_is_not_green(teacher: Any, app: Any) -> None:
    page = _upload(teacher, ROSTER.encode()).get_data(as_text=True)
    shown = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td><code>([^<]+)</code>', page))
    assert '<div class="flash warning hint" role="alert" id="once">' in page  # the warning colour, not "ok" green
    assert 'id="passwords-download"' in page and "passwords.csv?" not in page  # no token in any URL
    token = csrf_token(teacher, "/teacher/gradebook")
    download = teacher.post("/teacher/roster/passwords.csv", data={"csrf_token": token})
    assert (download.status_code, download.mimetype, download.headers["Cache-Control"]) == (200, "text/csv", "no-store")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["username", "password"] and dict(rows[1:]) == shown
    again = teacher.post("/teacher/roster/passwords.csv", data={"csrf_token": token})
    assert again.status_code == 410 and shown["a001"] not in again.get_data(as_text=True)
    # Leaving the page ends the offer too: the next import's download is gone once the roster page is opened.
    _upload(teacher, b"student_id,name,email\na009,Nueva,n@uni.example\n")
    teacher.get("/teacher/roster")
    assert teacher.post("/teacher/roster/passwords.csv", data={"csrf_token": token}).status_code == 410


def test_a_one_time_file_goes_only_to_its_teacher_once() -> None:
    files = OneTimeFiles()
    token = files.put(teacher_id=1, text="x")
    assert files.take(token=token, teacher_id=2) is None and files.take(token=token, teacher_id=1) is None
    token = files.put(teacher_id=1, text="x")
    assert files.take(token=token, teacher_id=1) == "x" and files.take(token=token, teacher_id=1) is None


# --- language -------------------------------------------------------------------------------------------------

CALLS = re.compile(r"""\b(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def test_every_teacher_string_has_english_and_pages_switch(teacher: Any) -> None:
    files = [*(WEB / "templates" / "teacher").glob("*.html"), *WEB.glob("teacher*.py")]
    strings = {a or b for path in files for a, b in CALLS.findall(path.read_text(encoding="utf-8"))}
    assert len(strings) > 100
    assert sorted(s for s in strings if s not in english_catalog()) == []
    english = teacher.get("/teacher/gradebook?lang=en").get_data(as_text=True)
    assert "Attempt that counts" in english and "Intento que cuenta" not in english


def test_gradebook_markers_follow_the_language(teacher: Any, app: Any) -> None:
    """The late/overridden letters are translated with their legend (T/R in Spanish, L/O in English)."""
    spanish = teacher.get("/teacher/gradebook").get_data(as_text=True)
    english = teacher.get("/teacher/gradebook?lang=en").get_data(as_text=True)
    assert "T = entrega tardía" in spanish and "R = nota modificada" in spanish
    assert "L = late submission" in english and "O = score overridden by the teacher" in english


def test_the_teacher_lands_on_the_course_overview(app: Any, teacher: Any) -> None:
    """Logging in leads to the course at a glance: what is open, due within a week, waiting, just arrived."""
    from datetime import UTC, datetime, timedelta

    from tests.student_helpers import set_assignment

    now = datetime.now(UTC)
    set_assignment(app, opens_at=now - timedelta(days=1), due_at=now + timedelta(days=30), late=None)
    set_assignment(app, LAB, due_at=now + timedelta(days=2))
    set_assignment(app, "exam-serie2", opens_at=now + timedelta(days=3), due_at=now + timedelta(days=9))
    graded(app, "ana", 6, at=now)
    page = teacher.get("/teacher/").get_data(as_text=True)
    due, rest = page.split('id="due-soon"')[1].split('id="open-now"')
    assert "Laboratorio 2" in due and due.count('scope="row"') == 1  # the lab alone is due within 7 days
    open_now, recent = rest.split('id="recent"')
    assert "Laboratorio 2" in open_now and "Examen, Serie 2:" not in open_now
    assert "Ana Díaz" in recent and 'href="/teacher/submissions/' in recent
    assert "Examen, Serie 2:" in page.split('id="upcoming"')[1]
    english = teacher.get("/teacher/?lang=en").get_data(as_text=True)
    assert "Due in the next 7 days" in english and "Recent activity" in english


def test_the_course_overview_follows_the_settings_a_teacher_saved(app: Any, teacher: Any) -> None:
    """A deadline moved on the settings page (stored in the database, not the course file) is the one the
    overview sorts by: the lab, due in a month in the file, is due in two days after the edit."""
    from datetime import UTC, datetime, timedelta

    from grader.course.settings_edit import save_settings
    from tests.student_helpers import set_assignment

    now = datetime.now(UTC)
    set_assignment(app, opens_at=now - timedelta(days=1), due_at=now + timedelta(days=30), late=None)
    due = teacher.get("/teacher/").get_data(as_text=True).split('id="due-soon"')[1].split('id="open-now"')[0]
    assert "Laboratorio 2" not in due
    web = app.extensions["grader"]
    with web.sessions() as session:
        save_settings(session, course=web.course, exercise=LAB, teacher="profe",
                      changes={"due_at": now + timedelta(days=2)})
        session.commit()
    due = teacher.get("/teacher/").get_data(as_text=True).split('id="due-soon"')[1].split('id="open-now"')[0]
    assert "Laboratorio 2" in due and due.count('scope="row"') == 1
