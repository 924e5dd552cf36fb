"""Real-browser journeys: Debian's Chromium (headless), driven by Playwright, against a live server that
grades with the real sandboxed workers. The test command installs Chromium when it is missing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import GRADING_TIMEOUT_MS, live_site, login

pytestmark = pytest.mark.slow

SOLUTIONS = Path(__file__).resolve().parent.parent / "exercises" / "solutions" / "lab-add-hidden-16"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[str]:
    """The web app on a free loopback port with grading threads over the session's real sandbox pool."""
    with live_site(tmp_path_factory.mktemp("live"), grade=grader_nodb.grade_bytes) as live:
        yield live.url


def _submit_code(page: Any, base: str, code: str) -> None:
    """Type code into the exercise's editor, submit, and wait until the live feedback replaces the status."""
    page.goto(f"{base}/exercises/lab-add-hidden-16")
    page.fill("#code", code)
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/submissions/*")
    # The page polls; the feedback table appears without a reload once the grading is stored.
    page.wait_for_selector("#feedback .total", timeout=GRADING_TIMEOUT_MS)


def test_student_submits_right_and_wrong_answers_and_reads_feedback(live_server: str, page: Any) -> None:
    """A student logs in, submits the reference and a wrong answer, and reads each one's feedback."""
    login(page, live_server, "ana")
    page.wait_for_url("**/assignments")
    assert page.locator("tr[data-exercise=lab-add-hidden-16] .status").inner_text().strip() == "Sin empezar"

    _submit_code(page, live_server, (SOLUTIONS / "solution.py").read_text())
    total = page.locator("#feedback .total").inner_text()
    assert total.replace("Nota: ", "").split(" / ")[0] == total.split(" / ")[1], total
    assert page.locator("#feedback tr.fail").count() == 0

    _submit_code(page, live_server, (SOLUTIONS / "wrong-32-units.py").read_text())
    failed = page.locator("#feedback tr.fail").evaluate_all("rows => rows.map(r => r.dataset.check)")
    assert set(failed) == {"layers", "param-count"}
    assert "se esperaban 16" in page.locator("#feedback tr[data-check=layers]").inner_text()

    page.goto(f"{live_server}/exercises/lab-add-hidden-16?lang=en")
    assert page.locator("#history tbody tr").count() == 2
    assert page.locator("#attempts-left").inner_text() == "8"
    page.goto(f"{live_server}/assignments")
    assert "Graded" in page.locator("tr[data-exercise=lab-add-hidden-16] .status").inner_text()


def test_teacher_overrides_a_score_with_a_reason_and_exports_canvas_csv(live_server: str, browser: Any) -> None:
    """A teacher opens the gradebook, overrides a graded submission's total with a reason, sees the final
    score change (automatic score kept), and downloads a Canvas CSV carrying the overridden score."""
    student = browser.new_context()
    student_page = student.new_page()
    login(student_page, live_server, "beto")
    _submit_code(student_page, live_server, (SOLUTIONS / "wrong-one-layer.py").read_text())
    automatic = student_page.locator("#feedback .total").inner_text().replace("Nota: ", "").split(" / ")[0]
    student.close()

    teacher = browser.new_context(accept_downloads=True)
    page = teacher.new_page()
    login(page, live_server, "profe")
    page.wait_for_url("**/teacher/")
    page.goto(f"{live_server}/teacher/gradebook")
    cell = page.locator("tr[data-student=beto] td[data-exercise=lab-add-hidden-16] a").first
    assert cell.inner_text() == automatic
    cell.click()
    page.wait_for_url("**/teacher/submissions/*")

    total_form = page.locator("section:has(#total-h) form")
    total_form.locator("input[name=points]").fill("7.5")
    total_form.locator("input[name=reason]").fill("La arquitectura es casi correcta: revisión manual")
    total_form.locator("button[type=submit]").click()
    page.wait_for_selector("#audit")
    assert page.locator("#final").inner_text().startswith("7,5 / ")  # the Spanish interface's decimal comma
    assert page.locator("#automatic").inner_text().startswith(f"{automatic} / ")
    assert "revisión manual" in page.locator("#audit").inner_text()
    assert "profe" in page.locator("#audit").inner_text()

    page.goto(f"{live_server}/teacher/gradebook")
    assert page.locator("tr[data-student=beto] td[data-exercise=lab-add-hidden-16] a").first.inner_text() == "7,5"
    with page.expect_download() as download_info:
        page.click("button[formaction*='/export/canvas']")
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    beto = next(r for r in rows if len(r) > 2 and r[2] == "beto")
    lab_title = next(h for h in header if h.startswith("Laboratorio 2"))
    assert beto[header.index(lab_title)] == "7.50"
    teacher.close()
