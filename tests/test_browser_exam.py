"""Running an exam in a real browser (headless Chromium): a timed exam with an extension, exam-mode feedback,
a refused then a closing release, the answers after it and a refused resubmission, a TA who cannot release;
then accounts (password change and reset) and a try that does not count, empty in the gradebook and export.

Results are stored directly (as a worker would) instead of graded: what is under test is what each person sees
and can do, not the grader, and the journeys stay a few seconds long.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.course.accounts import create_user
from grader.db import store
from grader.db.models import Grading
from grader.queue.claims import claim_next
from tests.browser_support import Live, live_site, login
from tests.web_helpers import PASSWORD

pytestmark = pytest.mark.slow

EXAM = "exam-serie2"
LAB = "lab-add-hidden-16"
EXPECTED = "se esperaba (None, 150, 150, 3)"
MODEL_ANSWER = "La forma de entrada es (150, 150, 3)"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The site without grading workers (tests store results), with a TA account `tomas`."""
    def prepare(app: Any) -> None:
        with app.extensions["grader"].sessions() as session:
            create_user(session, username="tomas", password=PASSWORD, role="ta", display_name="Tomás")
            session.commit()

    with live_site(tmp_path_factory.mktemp("exam"), grade=None, prepare=prepare) as site:
        yield site


def _store(app: Any, result: GradeResult) -> None:
    """Finish the oldest queued grading with `result`, as a worker would."""
    with app.extensions["grader"].sessions() as session:
        claim = claim_next(session)
        assert claim is not None, "nothing queued"
        store.finish_grading(session, grading=session.get(Grading, claim.grading_id), result=result)
        session.commit()


def _exam_result() -> GradeResult:
    return GradeResult(status="graded", score=1, max_score=2, checks=[
        CheckResult(id="input-shape", passed=False, points=0, max_points=1, message=t(EXPECTED, EXPECTED),
                    answer=t(MODEL_ANSWER, MODEL_ANSWER)),
        CheckResult(id="flatten-role", passed=True, points=1, max_points=1, message=t("Correcto: a)", "Right"))])


def _as(browser: Any, live: Live, username: str) -> Any:
    page = browser.new_context(accept_downloads=True).new_page()
    login(page, live.url, username)
    page.wait_for_url("**/assignments" if username in ("ana", "beto") else "**/teacher/**")
    return page


def test_a_timed_exam_from_settings_to_a_safe_release(live: Live, browser: Any) -> None:
    teacher = _as(browser, live, "profe")
    teacher.goto(f"{live.url}/teacher/exercises/{EXAM}/settings")
    teacher.fill("#settings-form input[name=time_limit_min]", "45")
    teacher.click("#settings-form button[type=submit]")
    expect(teacher.locator("#trail tr[data-field=time_limit_min]")).to_have_count(1)
    teacher.fill("#extension-form input[name=username]", "beto")
    teacher.fill("#extension-form input[name=max_attempts]", "5")
    teacher.click("#extension-form button[type=submit]")
    expect(teacher.locator("#extensions tr[data-student=beto]")).to_have_count(1)

    ana = _as(browser, live, "ana")
    ana.goto(f"{live.url}/exercises/{EXAM}")
    expect(ana.locator("#quiz-form")).to_have_count(0)  # the questions come with the clock
    ana.click("#start-exam")
    expect(ana.locator("#ends-at")).to_be_visible()
    ana.fill("input[name=q-input-shape]", "(150, 150)")
    ana.click("#quiz-form button[type=submit]")
    ana.wait_for_url("**confirm_blank=*")  # half blank: asked once, nothing sent yet
    ana.click("#quiz-form button[type=submit]")
    ana.wait_for_url("**/submissions/*")
    _store(live.app, _exam_result())
    row = ana.locator("tr[data-check=input-shape]")
    expect(row).to_contain_text("Incorrecto")
    expect(row).to_contain_text("0 / 1")
    assert EXPECTED not in ana.content() and MODEL_ANSWER not in ana.content()
    submission = ana.url

    beto = _as(browser, live, "beto")
    beto.goto(f"{live.url}/exercises/{EXAM}")
    expect(beto.locator("#attempts-left")).to_have_text("5")  # his extension

    tomas = _as(browser, live, "tomas")
    response = tomas.goto(f"{live.url}/teacher/exercises/{EXAM}/release")
    assert response is not None and response.status == 403  # a TA grades, but does not release

    teacher.goto(f"{live.url}/teacher/exercises/{EXAM}/release")
    expect(teacher.locator("[data-field=still-open]")).to_have_text("2")
    teacher.click("#release-form button[type=submit]")
    expect(teacher.locator(".flash.error")).to_contain_text("2 estudiantes aún pueden entregar")
    teacher.check("#close-submissions")
    teacher.click("#release-form button[type=submit]")
    expect(teacher.locator("[data-field=released]")).to_contain_text("Publicada")

    ana.goto(submission)
    expect(ana.locator("tr[data-check=input-shape]")).to_contain_text(EXPECTED)
    expect(ana.locator("tr[data-check=input-shape] .answer")).to_contain_text(MODEL_ANSWER)
    ana.goto(f"{live.url}/exercises/{EXAM}")
    expect(ana.locator("#quiz-form button[type=submit]")).to_be_disabled()
    # Even a request made by hand (the form is disabled) is refused: nothing counts after the release.
    refused = ana.request.post(f"{live.url}/exercises/{EXAM}/answers", form={
        "q-input-shape": "(150, 150, 3)", "confirm_blank": "1",
        "csrf_token": ana.locator("#quiz-form input[name=csrf_token]").input_value()})
    assert refused.ok and "ya publicó las respuestas" in refused.text()


def test_accounts_and_a_try_that_does_not_count(live: Live, browser: Any) -> None:
    beto = _as(browser, live, "beto")
    beto.goto(f"{live.url}/exercises/{LAB}")
    beto.fill("#code", "def f(:\n")
    beto.click("#submit-form button[type=submit]")
    beto.wait_for_url("**/submissions/*")
    # Refused as it was received (it cannot run as written): nothing was queued, and the try does not count.
    expect(beto.locator("#feedback")).to_contain_text("Este intento no cuenta")
    beto.goto(f"{live.url}/account")
    beto.fill("#current", "correct-horse-1")
    beto.fill("#new", "caballo-nuevo-2")
    beto.fill("#repeated", "caballo-nuevo-2")
    beto.click("#password-form button[type=submit]")
    expect(beto.locator(".flash.ok")).to_contain_text("Contraseña cambiada")

    teacher = _as(browser, live, "profe")
    teacher.goto(f"{live.url}/teacher/gradebook")
    expect(teacher.locator(f"tr[data-student=beto] td[data-exercise={LAB}]")).to_have_text("–")
    with teacher.expect_download() as download:
        teacher.click("#exports button[formaction$='/export/generic.csv']")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[next(i for i, r in enumerate(rows) if r[0] == "beto")][rows[0].index(LAB)] == ""

    teacher.goto(f"{live.url}/teacher/roster")
    teacher.locator("tr[data-student=beto] form[data-action=reset] button").click()
    password = teacher.locator("#new-password").inner_text()
    again = browser.new_context().new_page()
    again.goto(f"{live.url}/login")
    again.fill("#username", "beto")
    again.fill("#password", password)
    again.click("button[type=submit]")
    again.wait_for_url("**/assignments")
