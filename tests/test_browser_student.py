"""Real-browser journeys of a student's feedback (Chromium, as in tests/test_browser.py): an exam's model answer
stays hidden until the teacher presses release; a student reads their own code, loads it into the editor, and
reads the teacher's adjustment with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from grader.db.models import Grading, Submission
from grader.db.review import add_override
from tests.browser_support import GRADING_TIMEOUT_MS, Live, live_site, login

pytestmark = pytest.mark.slow

SOLUTIONS = Path(__file__).resolve().parent.parent / "exercises" / "solutions"
EXAM = "exam-serie2"
LAB = "lab-add-hidden-16"
# The start of input-shape's explanation (its model answer) in exam-serie2.yaml.
MODEL_ANSWER = "image_size + (3,) = (150, 150) + (3,)"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[Live]:
    """The web app on a free loopback port with grading threads over the session's real sandbox pool."""
    with live_site(tmp_path_factory.mktemp("live-student"), grade=grader_nodb.grade_bytes) as site:
        yield site


def _wait_for_feedback(page: Any) -> None:
    """Wait on a submission page until the polled feedback replaced the queued status."""
    page.wait_for_url("**/submissions/*")
    page.wait_for_selector("#feedback .total", timeout=GRADING_TIMEOUT_MS)


def test_exam_model_answer_appears_only_after_the_teacher_releases(live: Live, browser: Any) -> None:
    student = browser.new_context()
    ana = student.new_page()
    login(ana, live.url, "ana")
    ana.goto(f"{live.url}/exercises/{EXAM}")
    ana.click("#answers-file summary")  # the exam is a form; an answers file is sent from the folded box below
    ana.set_input_files("#upload", str(SOLUTIONS / EXAM / "wrong-flattened-size.yaml"))
    ana.click("#submit-form button[type=submit]")
    _wait_for_feedback(ana)
    row = ana.locator("#feedback tr[data-check=input-shape]")
    # Before release an exam says only right or wrong and the points: no message that gives the answer away.
    assert "Incorrecto" in row.inner_text() and "67500" not in ana.locator("#feedback").inner_text()
    assert MODEL_ANSWER not in ana.locator("#feedback").inner_text()
    assert ana.locator("#feedback .hint").count() == 0 and ana.locator("#withheld").count() == 1

    teacher = browser.new_context()
    profe = teacher.new_page()
    login(profe, live.url, "profe")
    profe.wait_for_url("**/teacher/")
    profe.goto(f"{live.url}/teacher/exercises/{EXAM}/release")
    profe.check("#close-submissions")  # students can still submit: releasing closes the exam for them
    profe.click("#release-form button[type=submit]")
    profe.wait_for_selector("#release-form button:has-text('Retirar')")
    teacher.close()

    ana.reload()
    assert "67500 es el tamaño aplanado" in ana.locator("#feedback tr[data-check=input-shape]").inner_text()
    assert MODEL_ANSWER in ana.locator("#feedback tr[data-check=input-shape]").inner_text()
    assert ana.locator("#feedback .hint").count() > 0
    student.close()


def test_student_reads_and_reloads_their_code_and_the_teachers_adjustment(live: Live, page: Any) -> None:
    code = (SOLUTIONS / LAB / "wrong-one-layer.py").read_text()
    login(page, live.url, "beto")
    page.goto(f"{live.url}/exercises/{LAB}")
    page.fill("#code", code)
    page.click("#submit-form button[type=submit]")
    _wait_for_feedback(page)
    assert page.title().startswith("Entrega 1")
    first_line = next(line for line in code.splitlines() if line.strip())
    assert first_line.strip() in page.locator("#source").inner_text()

    page.click("#load-in-editor")
    page.wait_for_url(f"**/exercises/{LAB}?from=*")
    assert page.input_value("#code") == code.replace("\r\n", "\n")
    page.click("#back-to-starter")
    assert page.input_value("#code") != code

    with live.app.extensions["grader"].sessions() as session:
        grading = session.scalars(select(Grading).join(Submission).order_by(Grading.id.desc())).first()
        add_override(session, grading=grading, check_id=None, points=7.5, teacher="profe",
                     reason="La arquitectura es casi correcta")
        session.commit()
        submission_id = grading.submission_id
    page.goto(f"{live.url}/submissions/{submission_id}")
    line = page.locator("#feedback [data-adjustment]").inner_text()
    assert "Ajuste del profesor de la nota total" in line and "7,5" in line
    assert "Motivo: La arquitectura es casi correcta" in line
    assert page.locator("#feedback .total").inner_text().startswith("Nota: 7,5 / ")
