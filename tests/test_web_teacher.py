"""Teacher pages through the test client: permissions, gradebook, drill-down and overrides, roster import,
regrade progress, analytics and exports. Results are stored directly (no TensorFlow)."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from grader.db.models import Grading, Override, Regrade, Submission
from grader.i18n import t
from grader.results import GradeResult
from grader.web.i18n import EN
from tests.test_gradebook import (
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
from tests.web_helpers import PASSWORD, csrf_token, login

WEB = Path(__file__).resolve().parent.parent / "grader" / "web"


@pytest.fixture
def teacher(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The test client logged in as teacher `profe`, course dates fixed."""
    fixed_course(app)
    assert login(client, "profe").status_code == 302
    return client


class _Cells(HTMLParser):
    """The gradebook table: student id -> {exercise id or "total": cell text}, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._student: str | None = None
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a student row, or a score/total cell of one."""
        found = dict(attrs)
        if tag == "tr" and found.get("data-student"):
            self._student = found["data-student"]
            self.rows[self._student] = {}
        elif tag == "td" and self._student is not None:
            self._key = found.get("data-exercise") or ("total" if found.get("class") == "total" else None)
            if self._key:
                self.rows[self._student][self._key] = ""

    def handle_endtag(self, tag: str) -> None:
        """Leave the cell or row."""
        if tag == "td":
            self._key = None
        elif tag == "tr":
            self._student = None

    def handle_data(self, data: str) -> None:
        """Text inside a tracked cell."""
        if self._student is not None and self._key is not None:
            self.rows[self._student][self._key] += data


def cells(client: Any, url: str = "/teacher/gradebook") -> dict[str, dict[str, str]]:
    """The gradebook page's cells, whitespace collapsed."""
    page = client.get(url)
    assert page.status_code == 200
    parser = _Cells()
    parser.feed(page.get_data(as_text=True))
    return {s: {k: " ".join(v.split()) for k, v in row.items()} for s, row in parser.rows.items()}


def _count(app: Any, model: Any) -> int:
    """Rows of `model` stored."""
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


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
    assert (_count(client.application, Override), _count(client.application, Regrade)) == (0, 1)


def test_students_are_refused(client: Any, ids: dict[str, int]) -> None:
    login(client, "ana")
    for route in GET_ROUTES:
        assert client.get(route.format(**ids)).status_code == 403, route
    for route in POST_ROUTES:
        assert _post(client, route.format(**ids), "/assignments").status_code == 403, route
    assert (_count(client.application, Override), _count(client.application, Regrade)) == (0, 1)


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
    assert response.status_code == 400 and _count(app, Override) == 0


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


# --- drill-down and overrides ---------------------------------------------------------------------------------

HOSTILE = "# <script>alert(1)</script>\nfrom tensorflow import keras\nmodel = keras.Sequential()\n"


def test_drilldown_shows_escaped_source_checks_logs_and_timing(teacher: Any, app: Any) -> None:
    sub = submit_as(app, "ana", code=HOSTILE)
    finish_with(app, result(6, [("capas", True, 6, 6), ("activacion", False, 0, 4)]).model_copy(
        update={"duration_s": 12.5}), logs="--- stdout ---\n<b>época 1</b>\n")
    page = teacher.get(f"/teacher/submissions/{sub}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'class="highlight"' in page  # highlighted by Pygments
    assert "<b>época 1</b>" not in page and "&lt;b&gt;época 1&lt;/b&gt;" in page
    assert 'data-check="capas"' in page and 'data-check="activacion"' in page
    assert "12.5 s" in page
    assert re.search(r'id="automatic">6 / 10<', page) and re.search(r'id="final">6 / 10<', page)


def test_drilldown_shows_the_code_cells_of_a_notebook(teacher: Any, app: Any) -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Título <i>x</i>"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["import numpy as np\n", "x = np.ones(3)  # <script>"]}]}
    sub = submit_as(app, "ana", filename="lab.ipynb", data=json.dumps(notebook).encode())
    page = teacher.get(f"/teacher/submissions/{sub}").get_data(as_text=True)
    assert re.search(r'<h3 class="cell">Celda 2</h3>', page)  # numbered like the grading messages
    assert "Título" not in page and "# &lt;script&gt;" in page
    assert "Todavía no hay resultado" in page  # still queued: no override form
    assert 'name="reason"' not in page


def _override(client: Any, sub: int, **form: Any) -> Any:
    """POST the override form of submission `sub`."""
    url = f"/teacher/submissions/{sub}"
    return client.post(f"{url}/override", data={"csrf_token": csrf_token(client, url), **form})


def test_override_needs_a_reason_and_valid_points(teacher: Any, app: Any) -> None:
    grading = graded(app, "ana", 6)
    missing = _override(teacher, 1, grading_id=grading, check_id="b", points="4", reason="  ")
    assert missing.status_code == 400 and "Indica el motivo del cambio." in missing.get_data(as_text=True)
    too_many = _override(teacher, 1, grading_id=grading, check_id="b", points="60", reason="bien")
    body = too_many.get_data(as_text=True)
    assert too_many.status_code == 400 and "No se pudo guardar el cambio" in body and "between 0 and 6" in body
    assert 'value="60"' in body  # the teacher's input is kept
    unknown = _override(teacher, 1, grading_id=grading, check_id="nope", points="1", reason="bien")
    assert unknown.status_code == 400
    assert _override(teacher, 1, grading_id=grading, check_id="", points="abc", reason="x").status_code == 400
    assert _count(app, Override) == 0


def test_override_of_a_check_and_the_total_is_audited(teacher: Any, app: Any) -> None:
    grading = graded(app, "ana", 6)
    saved = _override(teacher, 1, grading_id=grading, check_id="b", points="4,5", reason="Respuesta <b>válida</b>")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/teacher/submissions/1#checks")
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert re.search(r'id="automatic">6 / 10<', page) and re.search(r'id="final">8.5 / 10<', page)
    audit = re.search(r'<table id="audit">(.*?)</table>', page, re.S).group(1)
    assert "profe" in audit and ">b<" in audit and ">2<" in audit and ">4.5<" in audit
    assert "Respuesta &lt;b&gt;válida&lt;/b&gt;" in audit
    assert _override(teacher, 1, grading_id=grading, check_id="", points="9", reason="examen oral").status_code == 302
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert re.search(r'id="final">9 / 10<', page) and page.count("<tr><td>") == 2
    assert cells(teacher)["ana"][LAB] == "9 R"


def test_override_refuses_a_grading_of_another_submission(teacher: Any, app: Any) -> None:
    graded(app, "ana", 6)
    other = graded(app, "beto", 3)
    assert _override(teacher, 1, grading_id=other, check_id="", points="1", reason="x").status_code == 404
    assert _count(app, Override) == 0


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


# --- regrade --------------------------------------------------------------------------------------------------

def test_regrade_queues_everyones_newest_submission_and_reports_progress(teacher: Any, app: Any) -> None:
    graded(app, "ana", 3)
    graded(app, "ana", 4)
    graded(app, "beto", 5)
    graded(app, "beto", 6, exercise="dnn-linear-unit")
    url = f"/teacher/analytics/{LAB}"
    started = teacher.post(f"{url}/regrade", data={"csrf_token": csrf_token(teacher, url)})
    assert started.status_code == 302
    page_url = started.headers["Location"]
    status_url = f"{page_url}/status"
    assert teacher.get(status_url).get_json() == {"total": 2, "done": 0, "failed": 0, "queued": 2, "running": 0,
                                                 "percent": 0, "finished": False}
    with app.extensions["grader"].sessions() as session:
        regraded = sorted(session.scalars(select(Grading.submission_id).where(Grading.regrade_id.is_not(None))))
    assert regraded == [2, 3]  # ana's second submission and beto's only one of the lab
    page = teacher.get(page_url).get_data(as_text=True)
    assert "data-progress=" in page and '<progress id="bar" max="2" value="0">' in page

    finish_with(app, result(9, [("a", True, 4, 4), ("b", True, 5, 6)]))
    finish_with(app, GradeResult(status="error", error=t("Sin modelo.", "No model."), max_score=10))
    progress = teacher.get(status_url).get_json()
    assert (progress["done"], progress["failed"], progress["finished"], progress["percent"]) == (1, 1, True, 100)
    assert "data-progress=" not in teacher.get(page_url).get_data(as_text=True)
    assert cells(teacher, "/teacher/gradebook?policy=last")["ana"][LAB] == "9"
    assert "100%" in teacher.get(url).get_data(as_text=True)  # listed among recent regrades


def test_regrade_of_an_exercise_outside_the_course_is_404(teacher: Any) -> None:
    url = f"/teacher/analytics/{LAB}"
    token = csrf_token(teacher, url)
    assert teacher.post("/teacher/analytics/nope/regrade", data={"csrf_token": token}).status_code == 404
    assert teacher.get("/teacher/regrades/999").status_code == 404
    assert teacher.get("/teacher/regrades/999/status").status_code == 404


# --- analytics ------------------------------------------------------------------------------------------------

def test_analytics_pages_show_counts_histogram_failures_and_reviews(teacher: Any, app: Any) -> None:
    graded(app, "ana", 10)
    graded(app, "ana", 2)
    graded(app, "beto", 4)
    graded(app, "dora", 5)
    submit_as(app, "carla")
    finish_with(app, result(1.5, [("a", False, 1, 4), ("libre", False, 0.5, 6)], review="libre"))
    index = teacher.get("/teacher/analytics").get_data(as_text=True)
    row = re.search(rf'<tr data-exercise="{LAB}">(.*?)</tr>', index, re.S).group(1)
    assert re.search(r'class="submissions">5<', row) and re.search(r'class="students">4<', row)
    assert re.search(r'class="pending"><span class="badge queued">1<', row)

    def histogram(policy: str) -> tuple[str, list[int]]:
        """The analytics page under `policy` and its histogram's bar counts."""
        page = teacher.get(f"/teacher/analytics/{LAB}?policy={policy}").get_data(as_text=True)
        svg = re.search(r"<svg class=\"histogram\".*?</svg>", page, re.S).group(0)
        return page, [int(n) for n in re.findall(r'data-count="(\d+)"', svg)]

    page, best = histogram("best")
    assert best == [0, 1, 0, 0, 1, 1, 0, 0, 0, 1]
    assert histogram("last")[1] == [0, 1, 1, 0, 1, 1, 0, 0, 0, 0]  # ana's last attempt counts: 2
    svg = re.search(r"<svg class=\"histogram\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "9–10: 1" in svg  # the text alternative names every bin
    failed = re.findall(r'<tr data-check="([^"]+)" data-failed="(\d+)" data-graded="(\d+)"', page)
    assert failed == [("b", "2", "3"), ("a", "1", "4"), ("libre", "1", "1")]
    assert re.search(r'id="mean-attempts">1.25<', page) and re.search(r'id="students">4<', page)
    pending = re.search(r'<table id="pending">(.*?)</table>', page, re.S).group(1)
    assert "carla" in pending and "libre" in pending and "/teacher/gradings/" in pending


# --- language -------------------------------------------------------------------------------------------------

CALLS = re.compile(r"""\b(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def test_every_teacher_string_has_english_and_pages_switch(teacher: Any) -> None:
    files = [*(WEB / "templates" / "teacher").glob("*.html"), *WEB.glob("teacher*.py")]
    strings = {a or b for path in files for a, b in CALLS.findall(path.read_text(encoding="utf-8"))}
    assert len(strings) > 100
    assert sorted(s for s in strings if s not in EN) == []
    english = teacher.get("/teacher/gradebook?lang=en").get_data(as_text=True)
    assert "Attempt that counts" in english and "Intento que cuenta" not in english
