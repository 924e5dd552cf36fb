"""Real-browser journeys of issue #18 (Chromium driven by Playwright, live server, real grading workers): a
student answers the exam through the form with drafts, a teacher grades one free-text question by keyboard,
and the code editor's keys."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from grader.course.accounts import create_user
from tests.browser_support import GRADING_TIMEOUT_MS, Live, live_site, login
from tests.student_helpers import allow_submissions, issue_token
from tests.web_helpers import PASSWORD

pytestmark = pytest.mark.slow

GRADER_CLI = Path(sys.executable).with_name("grader")
EXAM = "exam-serie2"
TEXT = "Es binaria: una neurona sigmoid da la probabilidad de una clase; con 4 no coincide con las etiquetas."
# Three students for the teacher's journey, named so that they come in this order on the page and before
# ana and beto (whose answers, from another test of this module, may be listed after them).
GRADED = {"cami": "Abel Arce", "dora": "Abril Bravo", "eva": "Adela Cano"}


def _students(app: Any) -> None:
    """The three students of the teacher's journey, and room for every try of this module."""
    with app.extensions["grader"].sessions() as session:
        for username, name in GRADED.items():
            create_user(session, username=username, password=PASSWORD, role="student", display_name=name)
        session.commit()
    allow_submissions(app, 20)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[Live]:
    """The web app on a free loopback port with grading threads over the session's real sandbox pool."""
    with live_site(tmp_path_factory.mktemp("live-quiz"), grade=grader_nodb.grade_bytes, prepare=_students) as site:
        yield site


def _login(page: Any, base: str, username: str) -> None:
    login(page, base, username)
    page.wait_for_load_state()


def _api_checks(live: Live, submission: int) -> dict[str, float]:
    """Points by check id of a submission, read through the API as the teacher."""
    request = urllib.request.Request(f"{live.url}/api/v1/submissions/{submission}",
                                     headers=issue_token(live.app, "profe"))
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    return {c["id"]: c["points"] for c in body["checks"]}


def _cli_checks(folder: Path) -> dict[str, float]:
    """Points by check id from `grader grade exam-serie2 <folder> --format json`, as a subprocess."""
    done = subprocess.run([str(GRADER_CLI), "grade", EXAM, str(folder), "--format", "json", "--workers", "1",
                           "--db", f"sqlite:///{folder.parent / 'cli.sqlite3'}"],
                          capture_output=True, text=True, timeout=300, check=True)
    [line] = [raw for raw in done.stdout.splitlines() if raw.startswith("{")]
    return {c["id"]: c["points"] for c in json.loads(line)["checks"]}


def test_teacher_grades_one_question_for_three_students_by_keyboard(live: Live, browser: Any) -> None:
    """Three students answer a free-text question; the teacher accepts, adjusts and moves with the keyboard
    only, and the decisions show in the drill-down."""
    for username in GRADED:
        context = browser.new_context()
        student = context.new_page()
        _login(student, live.url, username)
        student.goto(f"{live.url}/exercises/{EXAM}")
        student.fill("textarea[name=q-output-neurons]", f"{TEXT} ({username})")
        student.click("#quiz-form button[type=submit]")
        student.wait_for_url("**confirm_blank=*")  # the other questions are blank: a second click confirms
        student.click("#quiz-form button[type=submit]")
        student.wait_for_url("**/submissions/*")
        context.close()

    context = browser.new_context()
    page = context.new_page()
    _login(page, live.url, "profe")
    url = f"{live.url}/teacher/exercises/{EXAM}/questions/output-neurons"
    page.goto(url)
    names = list(GRADED.values())
    for _ in range(120):  # the workers grade in the background: wait until the three answers are there
        if page.locator("li.answer h3 a").all_inner_texts()[:3] == names:
            break
        page.wait_for_timeout(1000)
        page.goto(url)
    assert page.locator("li.answer h3 a").all_inner_texts()[:3] == names
    assert page.locator("li.answer.pending h3 a").all_inner_texts()[:3] == names

    def focused_answer() -> str:
        return page.evaluate("document.activeElement.closest('li.answer').querySelector('h3 a').textContent")

    assert focused_answer() == names[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")  # accept the suggestion
    assert focused_answer() == names[1]
    page.keyboard.type("1,5")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # adjust
    assert focused_answer() == names[2]
    page.keyboard.press("k")
    assert focused_answer() == names[1]
    page.keyboard.press("j")
    assert focused_answer() == names[2]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not set(page.locator("li.answer.pending h3 a").all_inner_texts()) & set(names)
    assert page.locator("li.answer", has_text=names[1]).locator(".badge").inner_text() == "Decidido: 1,5"

    page.locator("li.answer", has_text=names[1]).locator("h3 a").click()
    page.wait_for_url("**/teacher/submissions/*")
    assert "Ajustado al calificar por pregunta." in page.locator("#audit").inner_text()
    context.close()


def _assert_filled_in(page: Any, letter: str | None) -> None:
    """The exam page shows the answers typed in the student journey."""
    assert page.locator(f"#question-flatten-role input[value={letter}]").is_checked()
    assert page.input_value("input[name=q-input-shape]") == "(150, 150, 3)"
    assert page.input_value("input[name=q-validation-count]") == "18 000"
    assert page.input_value("textarea[name=q-output-neurons]") == TEXT


def test_student_answers_the_exam_in_the_form_with_a_draft_and_matches_the_cli(live: Live, browser: Any, page: Any,
                                                                               tmp_path: Path) -> None:
    """Answer a choice, a shape, a number and a free text; the draft survives a reload; Enviar twice quickly
    makes one submission; the per-question points equal the CLI's on the equivalent answers file."""
    _login(page, live.url, "ana")
    page.goto(f"{live.url}/exercises/{EXAM}")
    option = page.locator("#question-flatten-role label.option", has_text="Convierte cada imagen").locator("input")
    option.check()
    letter = option.get_attribute("value")
    page.fill("input[name=q-input-shape]", "(150, 150, 3)")
    page.fill("input[name=q-validation-count]", "18 000")
    page.press("input[name=q-validation-count]", "Enter")  # does not send the exam half answered
    assert page.url.endswith(f"/exercises/{EXAM}")
    page.fill("textarea[name=q-output-neurons]", TEXT)
    # A function polled in the page would be eval, which the app's CSP forbids: Playwright's own waiting.
    expect(page.locator("[data-draft-status]")).to_have_text("Borrador guardado")

    page.reload()
    _assert_filled_in(page, letter)
    # Another device (a fresh browser, no form state to restore): the draft comes from the server.
    other = browser.new_context()
    device = other.new_page()
    _login(device, live.url, "ana")
    device.goto(f"{live.url}/exercises/{EXAM}")
    _assert_filled_in(device, letter)
    other.close()

    button = page.locator("#quiz-form button[type=submit]")
    button.evaluate("b => { b.click(); b.click(); }")
    page.wait_for_url("**confirm_blank=*")  # some questions are blank: asked once, nothing sent yet
    assert page.locator(".flash.error", has_text="sin responder").count() == 1
    button.evaluate("b => { b.click(); b.click(); }")
    page.wait_for_url("**/submissions/*")
    page.wait_for_selector("#feedback tr[data-check]", timeout=GRADING_TIMEOUT_MS)
    submission = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    page.goto(f"{live.url}/exercises/{EXAM}")
    assert page.locator("#history tbody tr").count() == 1

    answers = {"flatten-role": letter, "input-shape": "(150, 150, 3)", "validation-count": "18 000",
               "output-neurons": TEXT}
    folder = tmp_path / "entregas"
    folder.mkdir()
    (folder / "ana.json").write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    web = _api_checks(live, submission)
    assert web == _cli_checks(folder)
    assert web["flatten-role"] == 1 and web["input-shape"] == 1 and web["validation-count"] == 1


def test_editor_keys(live: Live, page: Any) -> None:
    """Tab inserts 4 spaces, Shift+Tab removes them, Enter after `def f():` indents, Esc then Tab leaves."""
    _login(page, live.url, "beto")
    page.goto(f"{live.url}/exercises/lab-add-hidden-16")
    area = page.locator("#code")
    area.fill("")
    area.focus()
    page.keyboard.press("Tab")
    assert area.input_value() == "    "
    page.keyboard.press("Shift+Tab")
    assert area.input_value() == ""
    page.keyboard.type("def f():")
    page.keyboard.press("Enter")
    assert area.input_value() == "def f():\n    "
    page.keyboard.press("Tab")
    assert area.input_value() == "def f():\n        "
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "code"
    assert area.input_value() == "def f():\n        "
