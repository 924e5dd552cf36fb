"""Student pages through the test client: assignments, the exercise page, submitting, refusals, live status."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import func, select

import grader.course.intake
from grader.course.public import public_view
from grader.db.models import Grading, Submission, utcnow
from grader.db.review import add_override
from grader.queue.claims import claim_next
from tests.student_helpers import (
    allow_submissions,
    close_assignment,
    open_course,
    set_assignment,
    submission_id,
    submit_code,
    submit_file,
)
from tests.web_helpers import csrf_token, finish_queued, login

LAB = "lab-add-hidden-16"
CODE = "from tensorflow import keras\nmodel = keras.Sequential()\n"


@pytest.fixture
def ana(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The test client logged in as student ana, every assignment open."""
    open_course(app)
    assert login(client, "ana").status_code == 302
    return client


def _stored(app: Any) -> list[Submission]:
    """Every stored submission, oldest first."""
    with app.extensions["grader"].sessions() as session:
        return list(session.scalars(select(Submission).order_by(Submission.id)))


def _count(app: Any) -> int:
    """How many submissions are stored."""
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count(Submission.id))) or 0


def _assignment_row(page: str, exercise: str) -> str:
    """The HTML of one exercise's row on the assignments page."""
    found = re.search(rf'<tr data-exercise="{exercise}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {exercise}"
    return found.group(1)


def test_assignments_show_not_started_pending_graded_and_error(app: Any, ana: Any) -> None:
    """Each assignment row shows its status, and the score once an attempt counts."""
    submission_id(submit_code(ana, LAB, CODE))
    finish_queued(app, score=7, checks=[("layers", False, 2, 5), ("trains", True, 5, 5)])
    submission_id(submit_code(ana, "dnn-binary-mlp", CODE))
    finish_queued(app, score=0, error="No se encontró la variable `model`.")
    submission_id(submit_code(ana, "dnn-linear-unit", CODE))  # left queued

    page = ana.get("/assignments").get_data(as_text=True)
    graded = _assignment_row(page, LAB)
    assert "Calificado" in graded and "7 / 10" in graded
    assert "Error" in _assignment_row(page, "dnn-binary-mlp")
    pending = _assignment_row(page, "dnn-linear-unit")
    assert "Pendiente" in pending and "–" in pending
    assert "Sin empezar" in _assignment_row(page, "quiz-metrics")


def test_exercise_page_shows_this_students_variant_and_the_starter_code(app: Any, ana: Any) -> None:
    """The statement is this student's variant (not another's) and the editor starts with the starter code."""
    spec = app.extensions["grader"].catalog.get("quiz-learning-rate")
    mine = public_view(spec, "es", "ana")["questions"][0]["prompt"]
    theirs = public_view(spec, "es", "beto")["questions"][0]["prompt"]
    assert mine != theirs, "the quiz must have per-student variants for this test to mean anything"
    page = ana.get("/exercises/quiz-learning-rate").get_data(as_text=True)
    assert str(escape(mine)) in page and str(escape(theirs)) not in page

    lab = ana.get(f"/exercises/{LAB}").get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>from tensorflow import keras", lab)
    assert 'id="attempts-left">10<' in lab


def test_unknown_exercise_is_404(ana: Any) -> None:
    """An exercise outside the course is 404."""
    assert ana.get("/exercises/no-such-exercise").status_code == 404


def test_editor_code_is_stored_with_unix_line_ends_and_queued(app: Any, ana: Any) -> None:
    """Typed code is stored as entrega.py with LF line ends, and the page polls its status."""
    response = submit_code(ana, LAB, CODE.replace("\n", "\r\n"))
    new_id = submission_id(response)
    [stored] = _stored(app)
    assert (stored.id, stored.filename, stored.source) == (new_id, "entrega.py", CODE.encode())
    page = ana.get(response.headers["Location"]).get_data(as_text=True)
    assert "Entrega recibida y en cola." in page
    assert f'data-poll="/submissions/{new_id}/status"' in page


@pytest.mark.parametrize("filename", ["lab2.py", "lab2.ipynb"])
def test_uploaded_file_is_stored_byte_for_byte(app: Any, ana: Any, filename: str) -> None:
    """.py and .ipynb uploads keep their name and exact bytes."""
    data = b'{"cells": [], "nbformat": 4}\n' if filename.endswith(".ipynb") else b"\xef\xbb\xbfx = 1\n"
    submission_id(submit_file(ana, LAB, filename, data))
    [stored] = _stored(app)
    assert (stored.filename, stored.source) == (filename, data)


def _too_large(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Upload a file over a lowered service limit."""
    monkeypatch.setattr(grader.course.intake, "MAX_UPLOAD_BYTES", 100)
    return submit_file(client, LAB, "grande.py", b"x = 1\n" * 100)


def _attempts_used_up(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Submit once when one attempt is allowed, then again."""
    set_assignment(app, LAB, max_attempts=1)
    submission_id(submit_code(client, LAB, CODE))
    # Other code: the same file again within moments is the same submission (a double click), not a new one.
    return submit_code(client, LAB, CODE + "# 2\n")


def _rate_limited(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Submit three times when two a minute are allowed."""
    allow_submissions(app, 2)
    for i in range(2):
        submission_id(submit_code(client, LAB, f"{CODE}# {i}\n"))
    return submit_code(client, LAB, CODE + "# 2\n")


def _not_open_yet(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Submit before the assignment opens."""
    now = utcnow()
    set_assignment(app, LAB, opens_at=now + timedelta(days=1), due_at=now + timedelta(days=2))
    return submit_code(client, LAB, CODE)


def _closed(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Submit after the deadline."""
    close_assignment(app, LAB)
    return submit_code(client, LAB, CODE)


REFUSALS: dict[str, tuple[Callable[..., Any], int, str]] = {
    "wrong-extension": (lambda app, c, mp: submit_file(c, LAB, "notas.txt", b"x = 1\n"), 415,
                        "<code>notas.txt</code> no es un archivo admitido"),
    "empty-file": (lambda app, c, mp: submit_file(c, LAB, "vacio.py", b" \n\n"), 400,
                   "<code>vacio.py</code> está vacío"),
    "nothing-sent": (lambda app, c, mp: submit_code(c, LAB, "   "), 400, "Escribe código o elige un archivo."),
    "too-large": (_too_large, 413, "El archivo pesa"),
    "attempts-used-up": (_attempts_used_up, 403, "Ya usaste tu único intento."),
    "rate-limit": (_rate_limited, 429, "Demasiadas entregas seguidas: como máximo 2 cada 60 s."),
    "not-open-yet": (_not_open_yet, 403, "Este ejercicio abre el"),
    "deadline-closed": (_closed, 403, "ya no se aceptan entregas"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_submission_shows_why_and_stores_nothing(app: Any, ana: Any, monkeypatch: pytest.MonkeyPatch,
                                                         case: str) -> None:
    """Each refusal answers with its status code and specific message, and stores nothing."""
    action, status, message = REFUSALS[case]
    before = _count(app)
    response = action(app, ana, monkeypatch)
    assert response.status_code == status
    assert (message if "<code>" in message else str(escape(message))) in response.get_data(as_text=True)
    # The setup of some cases submits on purpose; the refused one adds nothing.
    assert _count(app) == before + {"attempts-used-up": 1, "rate-limit": 2}.get(case, 0)


def test_refusal_is_shown_in_english_when_asked(ana: Any) -> None:
    """A student who chose English reads the refusal in English."""
    ana.get("/assignments?lang=en")
    response = submit_file(ana, LAB, "notes.txt", b"x = 1\n")
    assert response.status_code == 415
    assert "<code>notes.txt</code> is not an accepted file" in response.get_data(as_text=True)


def test_closed_or_used_up_exercise_disables_the_submit_button(app: Any, ana: Any) -> None:
    """A closed exercise says so on both pages and cannot be submitted from the form."""
    close_assignment(app, LAB)
    page = ana.get(f"/exercises/{LAB}").get_data(as_text=True)
    assert re.search(r'<button type="submit"\s+disabled>', page)
    assert "Cerrado" in _assignment_row(ana.get("/assignments").get_data(as_text=True), LAB)


def test_history_lists_attempts_newest_first_with_attempts_left(app: Any, ana: Any) -> None:
    """The history lists every attempt, newest first, with scores once graded and the attempts left."""
    first = submission_id(submit_code(ana, LAB, CODE))
    second = submission_id(submit_file(ana, LAB, "otra.py", b"x = 2\n"))
    finish_queued(app, score=4)
    page = ana.get(f"/exercises/{LAB}").get_data(as_text=True)
    assert 'id="attempts-left">8<' in page
    history = page[page.index('id="history"'):]
    newest, oldest = history.index(f"/submissions/{second}"), history.index(f"/submissions/{first}")
    assert newest < oldest
    assert "Entrega 2" in history[newest:oldest] and "4 / 10" in history[oldest:]


def test_polling_reports_queued_then_the_feedback(app: Any, ana: Any) -> None:
    """The status endpoint says queued, then returns the feedback HTML; the page then shows it directly."""
    new_id = submission_id(submit_code(ana, LAB, CODE))
    url = f"/submissions/{new_id}/status"
    assert ana.get(url).get_json() == {"status": "queued", "label": "En cola", "finished": False, "html": None}
    finish_queued(app, score=6, checks=[("layers", False, 1, 5), ("trains", True, 5, 5)])
    status = ana.get(url).get_json()
    assert (status["status"], status["label"], status["finished"]) == ("graded", "Calificado", True)
    assert 'data-check="layers"' in status["html"] and "6 / 10" in status["html"]
    page = ana.get(f"/submissions/{new_id}").get_data(as_text=True)
    assert "data-poll" not in page and '<tr class="fail" data-check="layers">' in page


def test_polling_reports_a_claimed_grading_as_running(app: Any, ana: Any) -> None:
    """A grading a worker claimed is reported as running."""
    new_id = submission_id(submit_code(ana, LAB, CODE))
    with app.extensions["grader"].sessions() as session:
        assert claim_next(session) is not None
    status = ana.get(f"/submissions/{new_id}/status").get_json()
    assert (status["status"], status["label"], status["finished"]) == ("running", "Calificando", False)


def test_notes_read_as_the_teacher_page_reads_them(app: Any, ana: Any) -> None:
    """A note's code marks are code on the student's page too, never literal backticks, and stay escaped."""
    new_id = submission_id(submit_code(ana, LAB, CODE))
    finish_queued(app, score=10, notes=["`Dence` no existe en Keras: se leyó como `Dense`.", "`<b>x</b>` y <i>"])
    html = ana.get(f"/submissions/{new_id}/status").get_json()["html"]
    assert "<code>Dence</code> no existe en Keras: se leyó como <code>Dense</code>." in html
    assert "`" not in html.split("Notas y observaciones")[1] and "<b>x</b>" not in html and "<i>" not in html


def test_a_grading_error_is_shown_with_its_message(app: Any, ana: Any) -> None:
    """A submission that could not be graded shows why."""
    new_id = submission_id(submit_code(ana, LAB, CODE))
    finish_queued(app, score=0, error="Tu archivo tiene un error de sintaxis en la línea 3.")
    status = ana.get(f"/submissions/{new_id}/status").get_json()
    assert status["status"] == "error" and status["finished"]
    assert "Tu archivo tiene un error de sintaxis en la línea 3." in status["html"]


def test_teacher_previews_the_student_page_without_submitting(app: Any, client: Any,
                                                               accounts: dict[str, tuple[str, str]]) -> None:
    """A teacher sees the exercise as a student would (sample variant, starter code), submitting disabled."""
    assert login(client, "profe").status_code == 302
    page = client.get(f"/exercises/{LAB}").get_data(as_text=True)
    assert "Vista previa del profesor" in page and str(escape(app.extensions["grader"].catalog.get(LAB)
                                                                .starter.code)) in page
    assert re.search(r'<button type="submit"\s+disabled', page)
    assert client.post(f"/exercises/{LAB}", data={"code": CODE}).status_code in (400, 403)
    assert _count(app) == 0
    assert client.get("/exercises/no-such-exercise").status_code == 404


def test_submission_page_shows_the_code_and_loads_it_into_the_editor(app: Any, ana: Any) -> None:
    """The student's own code is on the submission page; ?from= puts it in the editor, the newest typed
    submission is the editor's default, and ?from=starter goes back to the starter code."""
    first = submission_id(submit_code(ana, LAB, "primera = 1\n"))
    second = submission_id(submit_code(ana, LAB, "segunda = 2\n"))
    page = ana.get(f"/submissions/{first}").get_data(as_text=True)
    assert "<title>Entrega 1" in page and "primera" in page and f"/exercises/{LAB}?from={first}" in page
    assert "<title>Entrega 2" in ana.get(f"/submissions/{second}").get_data(as_text=True)
    editor = re.compile(r'<textarea id="code"[^>]*>(.*?)</textarea>', re.S)
    assert editor.search(ana.get(f"/exercises/{LAB}?from={first}").get_data(as_text=True)).group(1) == "primera = 1\n"
    default = ana.get(f"/exercises/{LAB}").get_data(as_text=True)
    assert editor.search(default).group(1) == "segunda = 2\n" and "?from=starter" in default
    starter = editor.search(ana.get(f"/exercises/{LAB}?from=starter").get_data(as_text=True)).group(1)
    assert "segunda" not in starter
    assert ana.get(f"/exercises/lab-fashion-quiz?from={first}").status_code == 404  # another exercise's


def test_notebook_and_bad_bytes_are_shown_readably(app: Any, ana: Any) -> None:
    """A notebook shows its numbered code cells; bytes that are not UTF-8 are replaced and said so."""
    notebook = ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ['
                '{"cell_type": "code", "metadata": {}, "source": "capa = 1", "outputs": [], "execution_count": 3}]}')
    nb = submission_id(submit_file(ana, LAB, "tarea.ipynb", notebook.encode()))
    page = ana.get(f"/submissions/{nb}").get_data(as_text=True)
    assert "Celda de código 1" in page and "(In [3])" in page and "capa" in page
    editor = ana.get(f"/exercises/{LAB}?from={nb}").get_data(as_text=True)
    assert "# %% [1]\ncapa = 1</textarea>" in editor
    bad = submission_id(submit_file(ana, LAB, "raro.py", b"x = '\xff'\n"))
    assert "no es UTF-8" in ana.get(f"/submissions/{bad}").get_data(as_text=True)


def test_someone_elses_submission_cannot_be_loaded(app: Any, client: Any, ana: Any) -> None:
    """?from= with another student's submission is 404, like the submission page itself."""
    mine = submission_id(submit_code(ana, LAB, CODE))
    ana.post("/logout", data={"csrf_token": csrf_token(ana, "/assignments")})
    assert login(client, "beto").status_code == 302
    assert client.get(f"/exercises/{LAB}?from={mine}").status_code == 404
    assert client.get(f"/submissions/{mine}").status_code == 404


def test_the_teachers_adjustment_is_shown_with_its_reason(app: Any, ana: Any) -> None:
    """A teacher's decision on a check reads as a line with the points before and after and the reason."""
    new_id = submission_id(submit_code(ana, LAB, CODE))
    grading_id = finish_queued(app, score=3, checks=[("layers", False, 0, 1), ("trains", True, 3, 9)])
    with app.extensions["grader"].sessions() as session:
        add_override(session, grading=session.get(Grading, grading_id), check_id="layers", points=1,
                     reason="La capa está bien, el nombre no importa", teacher="profe")
        session.commit()
    page = ana.get(f"/submissions/{new_id}").get_data(as_text=True)
    line = re.search(r'<li data-adjustment="layers">(.*?)</li>', page, re.S)
    assert line is not None, page
    text = " ".join(line.group(1).split())
    assert "Ajuste del profesor en «Capas del modelo ampliado»: 0 → 1 punto. Motivo: La capa está bien" in text
    assert "4 / 10" in page


def test_a_try_refused_before_running_uses_no_attempt_on_the_pages(app: Any, ana: Any) -> None:
    """A file refused before running it (not judged: here a syntax error, refused as it is received, with no
    grading queued) is in the history but leaves the attempts."""
    set_assignment(app, LAB, max_attempts=3)
    new_id = submission_id(submit_code(ana, LAB, "x = (\n"))
    with app.extensions["grader"].sessions() as session:
        assert claim_next(session) is None
    status = ana.get(f"/submissions/{new_id}/status").get_json()
    assert status["finished"] and "Error de sintaxis" in status["html"] and "Este intento no cuenta" in status["html"]
    page = ana.get(f"/exercises/{LAB}").get_data(as_text=True)
    assert '<strong id="attempts-left">3</strong>' in page and "Entrega 1" in page
    assert ">0 / 3<" in _assignment_row(ana.get("/assignments").get_data(as_text=True), LAB)
