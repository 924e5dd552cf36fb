"""Feedback release: an exam's model answers and hints stay hidden from students (page, polling JSON, API)
until the teacher releases them; after_deadline releases by itself; immediate exercises show everything."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.course.course import Assignment, FeedbackPolicy
from grader.course.release import release_state, set_release, visible
from grader.db import store
from grader.db.models import Grading, utcnow
from grader.queue.claims import claim_next
from tests.student_helpers import issue_token, open_course, set_assignment, submission_id, submit_code
from tests.web_helpers import csrf_token, login

EXAM = "exam-serie2"
LAB = "lab-add-hidden-16"
ANSWER = "La salida tiene 1 neurona con sigmoid"
HINT = "Piensa en cuántas clases hay"
MESSAGE = "Elegiste b, que no es la respuesta correcta."


@pytest.fixture
def ana(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The test client logged in as student ana, every assignment open."""
    open_course(app)
    assert login(client, "ana").status_code == 302
    return client


@pytest.fixture
def profe(app: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """A second client, logged in as teacher profe."""
    other = app.test_client()
    assert login(other, "profe").status_code == 302
    return other


def finish_with_answer(app: Any) -> None:
    """Store, in the oldest queued grading, a failed question with a message, a hint and a model answer."""
    with app.extensions["grader"].sessions() as session:
        claim = claim_next(session)
        assert claim is not None
        result = GradeResult(status="graded", score=3, max_score=10, checks=[
            CheckResult(id="output-neurons", passed=False, points=0, max_points=1, message=t(MESSAGE, MESSAGE),
                        hint=t(HINT, HINT), answer=t(ANSWER, ANSWER)),
            CheckResult(id="input-shape", passed=True, points=3, max_points=3, message=t("Correcto", "Right"))])
        store.finish_grading(session, grading=session.get(Grading, claim.grading_id), result=result)
        session.commit()


def student_views(app: Any, client: Any, sub: int) -> dict[str, str]:
    """What the student reads of submission `sub`: the page, the polling HTML and the API JSON (as text)."""
    api = client.application.test_client().get(f"/api/v1/submissions/{sub}", headers=issue_token(app, "ana"))
    return {"page": client.get(f"/submissions/{sub}").get_data(as_text=True),
            "poll": client.get(f"/submissions/{sub}/status").get_json()["html"],
            "api": json.dumps(api.get_json(), ensure_ascii=False)}


def release(profe: Any, exercise: str, released: bool, *, close: bool = True) -> Any:
    """Press the teacher's release (or withdraw) button of `exercise`, closing submissions unless `close` is
    False (a release is refused while students can still submit)."""
    url = f"/teacher/exercises/{exercise}/release"
    return profe.post(url, data={"released": "1" if released else "0", "close": "1" if close else "0",
                                 "csrf_token": csrf_token(profe, url)})


def test_exam_hides_answers_and_hints_until_the_teacher_releases(app: Any, ana: Any, profe: Any) -> None:
    sub = submission_id(submit_code(ana, EXAM, "output_neurons = 2\n"))
    finish_with_answer(app)
    before = student_views(app, ana, sub)
    for where, text in before.items():
        # Exam mode: right/wrong and points only; the message could say what was expected.
        assert MESSAGE not in text and ANSWER not in text and HINT not in text, where
    assert "3 / 10" in before["page"] and "3 / 10" in before["poll"]
    assert "Incorrecto" in before["page"] and "Correcto" in before["poll"]
    assert '"withheld":["messages","hints","answers"]' in before["api"].replace(" ", "")
    page = profe.get(f"/teacher/exercises/{EXAM}/release").get_data(as_text=True)
    assert "No publicada" in page and "Publicar retroalimentación completa" in page
    assert f'href="/exercises/{EXAM}"' in page  # the preview link
    assert release(profe, EXAM, True).status_code == 302
    after = student_views(app, ana, sub)
    for where, text in after.items():
        assert ANSWER in text and HINT in text and MESSAGE in text, where
    assert '"released":true' in after["api"].replace(" ", "")
    assert "Retirar" in profe.get(f"/teacher/exercises/{EXAM}/release").get_data(as_text=True)
    release(profe, EXAM, False)
    assert ANSWER not in ana.get(f"/submissions/{sub}").get_data(as_text=True)


def test_teachers_always_see_everything_and_students_cannot_release(app: Any, ana: Any, profe: Any) -> None:
    sub = submission_id(submit_code(ana, EXAM, "x = 1\n"))
    finish_with_answer(app)
    api = app.test_client().get(f"/api/v1/submissions/{sub}", headers=issue_token(app, "profe"))
    checks = api.get_json()["checks"]
    assert (checks[0]["answer"]["es"], checks[0]["hint"]["es"]) == (ANSWER, HINT)
    assert ana.get(f"/teacher/exercises/{EXAM}/release").status_code == 403


def test_immediate_exercises_show_everything_at_once(app: Any, ana: Any) -> None:
    sub = submission_id(submit_code(ana, LAB, "x = 1\n"))
    finish_with_answer(app)
    for where, text in student_views(app, ana, sub).items():
        assert ANSWER in text and HINT in text and MESSAGE in text, where


def test_a_policy_without_score_hides_it_on_every_student_view(app: Any, ana: Any) -> None:
    set_assignment(app, EXAM, feedback=FeedbackPolicy(release="manual", before_release=("messages",)))
    sub = submission_id(submit_code(ana, EXAM, "x = 1\n"))
    finish_with_answer(app)
    views = student_views(app, ana, sub)
    assert "3 / 10" not in views["page"] and "Oculta hasta la publicación" in views["page"]
    assert '"score":null' in views["api"].replace(" ", "") and '"final":null' in views["api"].replace(" ", "")
    listing = ana.get("/assignments").get_data(as_text=True)
    row = listing[listing.index(f'data-exercise="{EXAM}"'):]
    assert "3 / 10" not in row[:row.index("</tr>")]
    api = app.test_client().get("/api/v1/exercises", headers=issue_token(app, "ana")).get_json()
    assert next(e for e in api["exercises"] if e["id"] == EXAM)["score"] is None


def _assignment(release: str, *, closes_in: timedelta) -> Assignment:
    now = utcnow()
    return Assignment(exercise=EXAM, opens_at=now - timedelta(days=10), due_at=now + closes_in,
                      feedback=FeedbackPolicy(release=release))  # type: ignore[arg-type]


def test_after_deadline_releases_when_submissions_close_or_the_teacher_says(sessions: Any) -> None:
    with sessions() as session:
        open_ = _assignment("after_deadline", closes_in=timedelta(days=1))
        closed = _assignment("after_deadline", closes_in=timedelta(days=-1))
        assert not release_state(session, assignment=open_).released
        assert release_state(session, assignment=closed).released
        assert release_state(session, assignment=open_, now=utcnow() + timedelta(days=2)).released
        set_release(session, exercise_slug=EXAM, released=True, teacher="profe")
        assert release_state(session, assignment=open_).released  # released early by the teacher
        set_release(session, exercise_slug=EXAM, released=False, teacher="profe")
        # Withdrawn after the deadline of `closed`: stays withdrawn; for `open_` only until its deadline.
        assert not release_state(session, assignment=closed).released
        assert not release_state(session, assignment=open_).released
        assert release_state(session, assignment=open_, now=utcnow() + timedelta(days=2)).released
        manual = _assignment("manual", closes_in=timedelta(days=-1))
        assert not release_state(session, assignment=manual).released  # a deadline never releases manual
        immediate = _assignment("immediate", closes_in=timedelta(days=1))
        assert release_state(session, assignment=immediate).shown == ("score", "messages", "hints", "answers")
        with pytest.raises(ValueError, match="teacher"):
            set_release(session, exercise_slug=EXAM, released=True, teacher=" ")


def test_visible_redacts_only_what_the_policy_withholds() -> None:
    check = CheckResult(id="q", passed=False, points=0.5, max_points=1, message=t("m", "m"), hint=t("h", "h"),
                        answer=t("a", "a"))
    result = GradeResult(status="graded", score=0.5, max_score=1, checks=[check], logs="secret",
                         notes=[t("se esperaba 3", "3 expected")])
    lab = visible(result, shown=("score", "messages"))
    assert (lab.score, lab.checks[0].message.es, lab.checks[0].hint, lab.checks[0].answer) == (0.5, "m", None, None)
    exam = visible(result, shown=("score",))
    assert (exam.checks[0].points, exam.checks[0].passed, exam.checks[0].message.es, exam.notes) == (0.5, False, "",
                                                                                                      [])
    blind = visible(result, shown=())
    assert (blind.score, blind.checks[0].points, blind.checks[0].message.es, blind.logs) == (0, 0, "", "")
    assert visible(result, shown=("score", "messages", "hints", "answers")) == result
    assert result.checks[0].answer is not None  # the stored result is never changed
