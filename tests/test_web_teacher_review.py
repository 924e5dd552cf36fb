"""Teacher review pages through the test client: submission drill-down and overrides, regrade progress and
analytics. Results are stored directly (no TensorFlow)."""


from __future__ import annotations

import json
import re
import sysconfig
from typing import Any

from sqlalchemy import select

from grader.core.i18n import t
from grader.core.results import GradeResult
from grader.db import store
from grader.db.models import Grading, Override
from tests.teacher_helpers import cells, count_rows
from tests.test_gradebook import (
    LAB,
    finish_with,
    graded,
    result,
    submit_as,
)
from tests.web_helpers import csrf_token

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
    assert "12,5 s" in page  # the page's decimal comma
    assert re.search(r'id="automatic">6 / 10<', page) and re.search(r'id="final">6 / 10<', page)


def test_drilldown_shows_the_code_cells_of_a_notebook(teacher: Any, app: Any) -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Título <i>x</i>"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["import numpy as np\n", "x = np.ones(3)  # <script>"]},
        {"cell_type": "markdown", "metadata": {}, "source": "Sigue"},
        {"cell_type": "code", "metadata": {}, "execution_count": 7, "outputs": [], "source": "y = x + 1"}]}
    sub = submit_as(app, "ana", filename="lab.ipynb", data=json.dumps(notebook).encode())
    page = teacher.get(f"/teacher/submissions/{sub}").get_data(as_text=True)
    # numbered like the grading messages: code cells only, with their In [n]
    assert re.search(r'<h3 class="cell">Celda de código 1</h3>', page)
    assert re.search(r'<h3 class="cell">Celda de código 2 \(In \[7\]\)</h3>', page)
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
    assert too_many.status_code == 400 and "No se pudo guardar el cambio" in body
    assert "Los puntos de esta comprobación deben estar entre 0 y 6; se indicó 60." in body
    teacher.get("/teacher/gradebook?lang=en")  # the language is remembered in the session
    english = _override(teacher, 1, grading_id=grading, check_id="b", points="7,5", reason="ok")
    assert "points for this check must be between 0 and 6, got 7.5" in english.get_data(as_text=True)
    teacher.get("/teacher/gradebook?lang=es")
    assert 'value="60"' in body  # the teacher's input is kept
    unknown = _override(teacher, 1, grading_id=grading, check_id="nope", points="1", reason="bien")
    assert unknown.status_code == 400
    assert _override(teacher, 1, grading_id=grading, check_id="", points="abc", reason="x").status_code == 400
    assert count_rows(app, Override) == 0


def test_override_of_a_check_and_the_total_is_audited(teacher: Any, app: Any) -> None:
    grading = graded(app, "ana", 6)
    saved = _override(teacher, 1, grading_id=grading, check_id="b", points="4,5", reason="Respuesta <b>válida</b>")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/teacher/submissions/1#checks")
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert re.search(r'id="automatic">6 / 10<', page) and re.search(r'id="final">8,5 / 10<', page)
    audit = re.search(r'<table id="audit">(.*?)</table>', page, re.S).group(1)
    assert "profe" in audit and ">b<" in audit and ">2<" in audit and ">4,5<" in audit
    assert "Respuesta &lt;b&gt;válida&lt;/b&gt;" in audit
    assert _override(teacher, 1, grading_id=grading, check_id="", points="9", reason="examen oral").status_code == 302
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert re.search(r'id="final">9 / 10<', page) and page.count('data-state="in-force"') == 2
    assert cells(teacher)["ana"][LAB] == "9 R"


def _regraded(app: Any, checks: list[tuple[str, bool, float, float]]) -> int:
    """Queue a new grading of submission 1 (as "regrade everyone" does) and finish it with `checks`."""
    with app.extensions["grader"].sessions() as session:
        first = session.get(Grading, 1)
        store.queue_grading(session, submission=first.submission, exercise_version=first.exercise_version)
        session.commit()
    return finish_with(app, result(sum(c[2] for c in checks), checks))


def test_drilldown_says_a_decision_was_carried_over_or_is_stale(teacher: Any, app: Any) -> None:
    grading = graded(app, "ana", 6)
    assert _override(teacher, 1, grading_id=grading, check_id="b", points="5", reason="bien").status_code == 302
    second = _regraded(app, [("a", True, 4, 4), ("b", False, 2, 6)])
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert re.search(r'id="automatic">6 / 10<', page) and re.search(r'id="final">9 / 10<', page)
    audit = re.search(r'<table id="audit">(.*?)</table>', page, re.S).group(1)
    assert 'data-state="carried"' in audit and f"trasladada desde la calificación #{grading}" in audit
    assert "Sin cambios manuales" not in page and 'id="stale"' not in page
    english = teacher.get("/teacher/submissions/1?lang=en").get_data(as_text=True)
    assert f"carried over from grading #{grading}" in english
    teacher.get("/teacher/gradebook?lang=es")

    _regraded(app, [("a", True, 4, 4), ("b", False, 2, 5)])  # b is now worth 5: the decision no longer fits
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert re.search(r'id="final">6 / 9<', page) and re.search(r'id="pending">b<', page)
    stale = re.search(r'<section[^>]*id="stale"[^>]*>(.*?)</section>', page, re.S).group(1)
    assert "el máximo de «b» pasó de 6 a 5" in stale
    assert 'data-state="stale"' in page and second  # shown on the newest grading, flagged
    assert cells(teacher)["ana"][LAB].startswith("6")


def test_drilldown_log_shows_no_server_paths(teacher: Any, app: Any) -> None:
    """Rows stored before paths were scrubbed are cleaned when shown."""
    grading = graded(app, "ana", 6)
    where = f"{sysconfig.get_path('purelib')}/keras/src/models/model.py"
    with app.extensions["grader"].sessions() as session:
        session.get(Grading, grading).logs = f'File "{where}", line 1'  # as an old row holds it
        session.commit()
    page = teacher.get("/teacher/submissions/1").get_data(as_text=True)
    assert where not in page and "&lt;site-packages&gt;/keras/src/models/model.py" in page


def test_override_refuses_a_grading_of_another_submission(teacher: Any, app: Any) -> None:
    graded(app, "ana", 6)
    other = graded(app, "beto", 3)
    assert _override(teacher, 1, grading_id=other, check_id="", points="1", reason="x").status_code == 404
    assert count_rows(app, Override) == 0


# --- regrade --------------------------------------------------------------------------------------------------

def test_regrade_queues_every_submission_under_best_and_reports_progress(teacher: Any, app: Any) -> None:
    """The course counts the best attempt, so every submission of the lab is regraded (older ones included)."""
    graded(app, "ana", 3)
    submit_as(app, "ana", code="from tensorflow import keras\nmodel = keras.Sequential()  # v2\n")
    finish_with(app, result(4, [("a", True, 4, 4), ("b", False, 0, 6)]))
    graded(app, "beto", 5)
    graded(app, "beto", 6, exercise="dnn-linear-unit")
    url = f"/teacher/analytics/{LAB}"
    started = teacher.post(f"{url}/regrade", data={"csrf_token": csrf_token(teacher, url)})
    assert started.status_code == 302
    page_url = started.headers["Location"]
    status_url = f"{page_url}/status"
    assert teacher.get(status_url).get_json() == {"total": 3, "done": 0, "failed": 0, "queued": 3, "running": 0,
                                                 "percent": 0, "finished": False}
    with app.extensions["grader"].sessions() as session:
        regraded = sorted(session.scalars(select(Grading.submission_id).where(Grading.regrade_id.is_not(None))))
    assert regraded == [1, 2, 3]  # both of ana's submissions and beto's only one of the lab
    page = teacher.get(page_url).get_data(as_text=True)
    assert "data-progress=" in page and '<progress id="bar" max="3" value="0">' in page

    finish_with(app, GradeResult(status="error", error=t("Sin modelo.", "No model."), max_score=10))
    finish_with(app, result(9, [("a", True, 4, 4), ("b", True, 5, 6)]))
    finish_with(app, result(7, [("a", True, 4, 4), ("b", True, 3, 6)]))
    progress = teacher.get(status_url).get_json()
    assert (progress["done"], progress["failed"], progress["finished"], progress["percent"]) == (2, 1, True, 100)
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
    failed = re.findall(r'<tr data-check="([^"]+)" data-failed="(\d+)" data-partial="(\d+)" data-graded="(\d+)"',
                        page)
    # dora's 1 of 6 on b, carla's 1 of 4 on a and 0.5 of 6 on libre: partial credit, not failures.
    assert failed == [("b", "1", "1", "3"), ("a", "0", "1", "4"), ("libre", "0", "1", "1")]
    assert re.search(r'id="mean-attempts">1.25<', page) and re.search(r'id="students">4<', page)
    pending = re.search(r'<table id="pending">(.*?)</table>', page, re.S).group(1)
    assert "carla" in pending and "libre" in pending and "/teacher/gradings/" in pending


