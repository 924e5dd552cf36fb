"""Questions answered in the browser, through the test client: the form, drafts, submitting, the teacher preview."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import func, select

from grader.course.quizform import quiz_fields
from grader.db.drafts import MAX_DRAFT_BYTES
from grader.db.models import Draft, Submission
from tests.student_helpers import allow_submissions, open_course, submission_id, submit_file
from tests.web_helpers import csrf_token, login

EXAM = "exam-serie2"
PAGE = f"/exercises/{EXAM}"
ANSWERS = {"input-shape": "(150, 150, 3)", "validation-count": "18 000",
           "output-neurons": "Es binaria: una neurona sigmoid da la probabilidad."}


@pytest.fixture
def ana(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The test client logged in as student ana, every assignment open."""
    open_course(app)
    allow_submissions(app, 50)
    assert login(client, "ana").status_code == 302
    return client


class _Visible(HTMLParser):
    """The page's visible text outside code, pre, script and style."""

    SKIP = frozenset({"code", "pre", "script", "style", "textarea"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a skipped element."""
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        """Leave a skipped element."""
        if tag in self.SKIP:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        """Keep text outside skipped elements."""
        if self.depth == 0:
            self.text.append(data)


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.text)


def _ana_fields(app: Any) -> list[Any]:
    """The exam's fields as ana (external id `ana`) sees them."""
    return quiz_fields(app.extensions["grader"].catalog.get(EXAM), student="ana")


def _count(app: Any, model: Any) -> int:
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _draft(client: Any, body: Any, *, token: str | None) -> Any:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(f"{PAGE}/draft", data=json.dumps(body), content_type="application/json", headers=headers)


def _first_letter(field: Any, option_text: str) -> str:
    """The letter the student sees for the option whose Spanish text starts with `option_text`."""
    return next(c.letter for c in field.options if c.text.es.startswith(option_text))


def test_exam_page_is_a_form_in_the_students_order_with_format_help(app: Any, ana: Any) -> None:
    """Radio buttons in ana's shuffled order and letters, inputs with their format help, textareas."""
    html = ana.get(PAGE).get_data(as_text=True)
    assert 'id="quiz-form"' in html and 'name="code"' not in html
    for field in _ana_fields(app):
        block = re.search(rf'id="question-{field.id}"(.*?)</fieldset>\s*'
                          r'(?=<fieldset class="question"|<p class="muted" data-)', html, re.S)
        assert block, field.id
        body = block.group(1)
        if field.kind == "choice":
            letters = re.findall(rf'type="radio" name="q-{field.id}" value="([a-z])"', body)
            assert letters == [c.letter for c in field.options]
            texts = [re.sub(r"\s+", " ", t) for t in re.findall(r'class="letter">[a-z]\)</span> <span>(.*?)</span>',
                                                               body, re.S)]
            assert [re.sub(r"<[^>]+>", "", t).strip() for t in texts] == [c.text.es for c in field.options]
        elif field.kind == "text":
            assert f'<textarea name="q-{field.id}"' in body
        else:
            assert f'<input type="text" name="q-{field.id}"' in body
            assert field.help.es in body.replace("&#39;", "'")
    assert "Una forma: las dimensiones separadas por comas" in html
    assert "Un número: 0,025" in html


def test_no_raw_markdown_on_any_exercise_page(app: Any, ana: Any) -> None:
    """Every exercise's page, as a student sees it, has its statement rendered: no `**` outside code."""
    for assignment in app.extensions["grader"].course.assignments:
        page = ana.get(f"/exercises/{assignment.exercise}")
        assert page.status_code == 200, assignment.exercise
        text = _visible(page.get_data(as_text=True))
        assert "**" not in text, (assignment.exercise, text[text.index("**") - 80:text.index("**") + 80])
    assert "<strong>Problema 1</strong>" in ana.get(PAGE).get_data(as_text=True)


def test_draft_saved_returned_and_shown_after_a_reload(app: Any, ana: Any, client: Any) -> None:
    """A JSON draft with the CSRF header is stored, read back, and fills the page in on reload."""
    fields = {f.id: f for f in _ana_fields(app)}
    pick = _first_letter(fields["flatten-role"], "Convierte")
    token = csrf_token(ana, PAGE)
    saved = _draft(ana, {"code": None, "answers": {**ANSWERS, "flatten-role": pick, "unknown": "x"}}, token=token)
    assert saved.status_code == 204
    got = ana.get(f"{PAGE}/draft").get_json()
    assert got["answers"] == {**ANSWERS, "flatten-role": pick}
    html = ana.get(PAGE).get_data(as_text=True)
    assert re.search(rf'name="q-flatten-role" value="{pick}" checked', html)
    assert 'value="(150, 150, 3)"' in html
    assert ">Es binaria: una neurona sigmoid da la probabilidad.</textarea>" in html

    # Another student's draft is their own.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/assignments")})
    assert login(client, "beto").status_code == 302
    assert client.get(f"{PAGE}/draft").get_json()["answers"] == {}
    assert _draft(client, {"answers": {"input-shape": "(1, 2)"}}, token=csrf_token(client, PAGE)).status_code == 204
    assert _count(app, Draft) == 2


def test_draft_refused_without_csrf_or_when_too_large(app: Any, ana: Any) -> None:
    """No CSRF header: refused (400) and nothing stored; over the cap: 413 and nothing stored."""
    assert _draft(ana, {"answers": ANSWERS}, token=None).status_code == 400
    token = csrf_token(ana, PAGE)
    assert _draft(ana, {"code": "x" * (MAX_DRAFT_BYTES + 10), "answers": {}}, token=token).status_code == 413
    assert _draft(ana, ["not", "an", "object"], token=token).status_code == 400
    assert _count(app, Draft) == 0


def test_empty_form_is_refused_without_a_submission(app: Any, ana: Any) -> None:
    """Nothing answered: an error and no submission stored."""
    answered = ana.post(f"{PAGE}/answers", data={"csrf_token": csrf_token(ana, PAGE), "q-input-shape": "  "},
                        follow_redirects=True)
    assert "No has respondido ninguna pregunta" in answered.get_data(as_text=True)
    assert _count(app, Submission) == 0


def test_form_submission_stores_the_answers_document(app: Any, ana: Any) -> None:
    """The form becomes `respuestas.json` holding the answers by question id (letters for choices)."""
    fields = {f.id: f for f in _ana_fields(app)}
    pick = _first_letter(fields["dropout-rate"], "Durante el entrenamiento apaga")
    form = {"csrf_token": csrf_token(ana, PAGE), "q-dropout-rate": pick, **{f"q-{k}": v for k, v in ANSWERS.items()},
            "confirm_blank": "1"}
    sent = ana.post(f"{PAGE}/answers", data=form)
    number = submission_id(sent)
    with app.extensions["grader"].sessions() as session:
        stored = session.get(Submission, number)
        assert stored.filename == "respuestas.json"
        assert json.loads(stored.source) == {**ANSWERS, "dropout-rate": pick}


def test_answers_file_upload_still_works_on_the_quiz_page(app: Any, ana: Any) -> None:
    """The page's second form still takes an answers file."""
    html = ana.get(PAGE).get_data(as_text=True)
    assert 'id="submit-form"' in html and 'name="upload"' in html
    sent = submit_file(ana, EXAM, "respuestas.yaml", b"input-shape: [150, 150, 3]\n")
    with app.extensions["grader"].sessions() as session:
        assert session.get(Submission, submission_id(sent)).filename == "respuestas.yaml"


def test_teacher_preview_shows_the_form_disabled_and_cannot_post(app: Any, client: Any,
                                                                 accounts: dict[str, tuple[str, str]]) -> None:
    """The teacher sees the form with Enviar disabled and no draft saving; posting answers is refused."""
    open_course(app)
    assert login(client, "profe").status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert 'id="quiz-form"' in html and "data-draft-url" not in html
    form = html[html.index('id="quiz-form"'):html.index("</form>", html.index('id="quiz-form"'))]
    assert re.search(r'<button type="submit"\s+disabled>', form)
    token = csrf_token(client, PAGE)
    assert client.post(f"{PAGE}/answers", data={"csrf_token": token, "q-input-shape": "(1, 2)"}).status_code == 403
    assert _count(app, Submission) == 0
