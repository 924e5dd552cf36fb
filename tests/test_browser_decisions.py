"""A teacher's decision survives "regrade everyone", in a real browser (Debian's Chromium, headless, driven by
Playwright) against a live server whose workers grade in the real sandbox. A quiz grades in well under a second."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from grader.course.intake import submit
from grader.db import store
from grader.db.models import Grading
from tests.browser_support import live_site, login

pytestmark = pytest.mark.slow

QUIZ = "quiz-activations"
WRONG = Path(__file__).resolve().parent.parent / "exercises" / "solutions" / QUIZ / "wrong-tanh-sigmoid-swapped.yaml"
TIMEOUT_S = 120


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[tuple[str, Any]]:
    """The web app on a free loopback port with grading threads over the session's sandbox pool, and the app."""
    with live_site(tmp_path_factory.mktemp("live-decisions"), grade=grader_nodb.grade_bytes) as site:
        yield site.url, site.app


def _graded_submission(app: Any) -> int:
    """Ana's wrong quiz, stored and queued as the upload form would, once the workers have graded it."""
    web = app.extensions["grader"]
    with web.sessions() as session:
        ana = store.get_or_create_student(session, external_id="ana")
        accepted = submit(session, catalog=web.catalog, course=web.course, student=ana, exercise_id=QUIZ,
                          filename=WRONG.name, data=WRONG.read_bytes(), now=datetime.now(UTC))
        session.commit()
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        with web.sessions() as session:
            if session.scalar(select(Grading.status).where(Grading.id == accepted.grading_id)) == "graded":
                return accepted.submission_id
        time.sleep(0.2)
    raise AssertionError("the quiz was not graded in time")


def _number(text: str) -> float:
    """The first score of "7,5 / 10" (Spanish decimal comma) as a number."""
    return float(text.split("/")[0].strip().replace(",", "."))


def test_an_override_survives_regrade_everyone(live: tuple[str, Any], browser: Any) -> None:
    """Override a question in the drill-down, regrade everyone, wait for the job: the final score still holds in
    the drill-down, the gradebook and a Canvas CSV, and the audit trail says the decision was carried over."""
    base, app = live
    submission = _graded_submission(app)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    login(page, base, "profe")
    page.wait_for_url("**/teacher/")

    page.goto(f"{base}/teacher/submissions/{submission}")
    automatic = _number(page.locator("#automatic").inner_text())
    row = page.locator("table.checks tr.fail").first
    question = row.get_attribute("data-check")
    earned, maximum = (_number(part) for part in row.locator("td").first.inner_text().split(" / ", 1))
    row.locator("input[name=points]").fill(f"{maximum:g}")
    row.locator("input[name=reason]").fill("La respuesta está bien razonada")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#audit")
    final = _number(page.locator("#final").inner_text())
    assert final == pytest.approx(automatic + maximum - earned) and final > automatic

    page.goto(f"{base}/teacher/analytics/{QUIZ}")
    page.locator("section:has(#regrade-h) button[type=submit]").click()
    page.wait_for_url("**/teacher/regrades/*")
    # The page polls the job's counts (static regrade.js) and says when it is finished, without a reload.
    page.locator("[data-field=state]", has_text="Terminada").wait_for(timeout=TIMEOUT_S * 1000)
    with app.extensions["grader"].sessions() as session:
        newest = max(session.scalars(select(Grading.id).where(Grading.submission_id == submission)))
        assert session.get(Grading, newest).regrade_id is not None  # the page shows the regraded result

    page.goto(f"{base}/teacher/submissions/{submission}")
    assert _number(page.locator("#final").inner_text()) == pytest.approx(final)
    assert _number(page.locator("#automatic").inner_text()) == pytest.approx(automatic)
    carried = page.locator("#audit tr[data-state=carried]")
    assert carried.count() == 1 and question in carried.inner_text()
    assert "trasladada desde la calificación" in carried.inner_text()
    assert page.locator("#stale").count() == 0

    page.goto(f"{base}/teacher/gradebook")
    cell = page.locator(f"tr[data-student=ana] td[data-exercise={QUIZ}]").inner_text()
    assert _number(cell.split()[0]) == pytest.approx(final), cell

    with page.expect_download() as download_info:
        page.click("button[formaction*='/export/canvas']")
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    header, ana = rows[0], next(r for r in rows if len(r) > 2 and r[2] == "ana")
    column = next(i for i, h in enumerate(header) if h.startswith("Cuestionario: funciones de activación"))
    assert float(ana[column]) == pytest.approx(final)
    context.close()
