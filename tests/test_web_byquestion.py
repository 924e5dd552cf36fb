"""Grade by question through the test client: one free-text question, three students' answers on one page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.course.accounts import create_user
from grader.db import store
from grader.db.models import Grading, Override
from grader.queue.claims import claim_next
from tests.student_helpers import allow_submissions, open_course, submission_id
from tests.teacher_helpers import cells
from tests.web_helpers import PASSWORD, csrf_token, login

EXAM = "exam-serie2"
QUESTION = "output-neurons"
PAGE = f"/teacher/exercises/{EXAM}/questions/{QUESTION}"
# username -> (their words, suggested points of 2)
WORDS = {"ana": ("Es binaria: una sigmoid da la probabilidad.", 2 / 3),
         "beto": ("Con 4 neuronas no coincide con las etiquetas.", 2 / 3),
         "cami": ("No lo sé.", 0.0)}


def _grade_stored(app: Any, words: str, suggested: float) -> int:
    """Store a finished grading of the oldest queued submission: the text question waits for review."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        claim = claim_next(session)
        assert claim is not None
        grading = session.get(Grading, claim.grading_id)
        checks = [
            CheckResult(id="input-shape", passed=True, points=1, max_points=1, message=t("bien", "right")),
            CheckResult(id=QUESTION, passed=False, points=suggested, max_points=2, needs_review=True,
                        response=words, message=t("Ideas encontradas: binaria", "Ideas found: binary")),
        ]
        store.finish_grading(session, grading=grading, result=GradeResult(
            status="graded", score=1 + suggested, max_score=3, checks=checks))
        session.commit()
        return claim.grading_id


@pytest.fixture
def graded(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Three students (ana, beto, cami) each with one graded exam submission; username -> grading id."""
    open_course(app)
    allow_submissions(app, 20)
    with app.extensions["grader"].sessions() as session:
        create_user(session, username="cami", password=PASSWORD, role="student", display_name="Cami Soto")
        session.commit()
    out = {}
    for username, (words, suggested) in WORDS.items():
        assert login(client, username).status_code == 302
        page = f"/exercises/{EXAM}"
        submission_id(client.post(f"{page}/answers", data={"csrf_token": csrf_token(client, page),
                                                           f"q-{QUESTION}": words, "confirm_blank": "1"}))
        out[username] = _grade_stored(app, words, suggested)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/assignments")})
    assert login(client, "profe").status_code == 302
    return out


def _overrides(app: Any) -> list[Override]:
    with app.extensions["grader"].sessions() as session:
        return list(session.scalars(select(Override).order_by(Override.id)))


def _decide(client: Any, grading_id: int, points: str, suggested: float) -> Any:
    return client.post(f"{PAGE}/decide", data={"csrf_token": csrf_token(client, PAGE), "grading_id": grading_id,
                                               "points": points, "suggested": suggested})


def test_page_lists_every_answer_with_rubric_and_suggestion(app: Any, client: Any, graded: dict[str, int]) -> None:
    """The three answers, the rubric's ideas, the suggested points, focus on the first pending answer."""
    html = client.get(PAGE).get_data(as_text=True)
    for words, _ in WORDS.values():
        assert words in html
    assert "Es un problema binario: una neurona sigmoid da la probabilidad de una clase" in html
    assert html.count('class="answer pending"') == 3
    assert re.search(r'Sugerido: 0,67 / 2', html)
    focused = re.findall(r'id="answer-(\d+)"(?:(?!id="answer-).)*?data-points autofocus', html, re.S)
    assert focused == [str(min(graded.values()))]
    # The exercise's question index goes straight to its page when there is one reviewed question... or lists.
    assert client.get(f"/teacher/exercises/{EXAM}/questions").status_code in (200, 302)


def test_deciding_records_an_audited_override_and_moves_on(app: Any, client: Any, graded: dict[str, int]) -> None:
    """Accepting one answer records an Override with the reason, seen in the drill-down; the next pending one
    gets the focus; an adjustment keeps the teacher's number."""
    first = graded["ana"]
    # The field shows 2/3 as 0,67: sending it back accepts the exact suggestion, not a rounded adjustment.
    assert _decide(client, first, "0,67", 2 / 3).status_code == 302
    [override] = _overrides(app)
    assert (override.check_id, override.points, override.teacher) == (QUESTION, 2 / 3, "profe")
    assert "Sugerencia aceptada" in override.reason
    html = client.get(PAGE).get_data(as_text=True)
    focused = re.findall(r'id="answer-(\d+)"(?:(?!id="answer-).)*?data-points autofocus', html, re.S)
    assert focused == [str(graded["beto"])]
    assert _decide(client, graded["beto"], "1.5", 2 / 3).status_code == 302
    assert _overrides(app)[-1].points == 1.5 and "Ajustado" in _overrides(app)[-1].reason
    with app.extensions["grader"].sessions() as session:
        submission = session.get(Grading, first).submission_id
    drill = client.get(f"/teacher/submissions/{submission}").get_data(as_text=True)
    assert "Sugerencia aceptada (calificación por pregunta)." in drill[drill.index('id="audit"'):]


def test_accept_all_decides_the_rest_and_clears_the_gradebook_marks(app: Any, client: Any,
                                                                     graded: dict[str, int]) -> None:
    """Accept-all decides every pending answer; the gradebook's pending-review marks disappear."""
    before = cells(client)
    assert all("pendiente de revisión" in before[s][EXAM] for s in WORDS)
    assert _decide(client, graded["cami"], "0", 0.0).status_code == 302
    client.post(f"{PAGE}/accept-all", data={"csrf_token": csrf_token(client, PAGE)})
    assert [o.points for o in _overrides(app)] == [0.0, 2 / 3, 2 / 3]
    assert 'class="answer pending"' not in client.get(PAGE).get_data(as_text=True)
    after = cells(client)
    assert not any("pendiente de revisión" in after[s][EXAM] for s in WORDS)


def test_other_question_is_404_and_students_are_refused(app: Any, client: Any, graded: dict[str, int]) -> None:
    """A question that is not a reviewed one, or another exercise's, is 404; a student gets 403."""
    assert client.get(f"/teacher/exercises/{EXAM}/questions/input-shape").status_code == 404
    assert client.get(f"/teacher/exercises/{EXAM}/questions/nope").status_code == 404
    assert client.get(f"/teacher/exercises/lab-add-hidden-16/questions/{QUESTION}").status_code == 404
    token = csrf_token(client, PAGE)
    assert client.post(f"/teacher/exercises/{EXAM}/questions/nope/accept-all",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/teacher/exercises/{EXAM}/questions/input-shape/decide",
                       data={"csrf_token": token, "grading_id": graded["ana"], "points": "1",
                             "suggested": "1"}).status_code == 404
    assert _decide(client, 999_999, "1", 1.0).status_code == 404
    assert _overrides(app) == []
    client.post("/logout", data={"csrf_token": token})
    assert login(client, "ana").status_code == 302
    assert client.get(PAGE).status_code == 403
