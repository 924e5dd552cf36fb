"""Real-browser journeys of a student's feedback (Chromium, as in tests/test_browser.py): an exam's model answer
stays hidden until the teacher presses release; a student reads their own code, loads it into the editor, and
reads the teacher's adjustment with its reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from grader.db.models import Grading, Submission
from grader.db.review import add_override
from tests.test_browser import GRADING_TIMEOUT_MS, _login, browser, page  # noqa: F401 (fixtures)
from tests.web_helpers import course_open_now, make_accounts

pytestmark = pytest.mark.slow

SOLUTIONS = Path(__file__).resolve().parent.parent / "exercises" / "solutions"
EXAM = "exam-serie2"
LAB = "lab-add-hidden-16"
# The start of input-shape's explanation (its model answer) in exam-serie2.yaml.
MODEL_ANSWER = "image_size + (3,) = (150, 150) + (3,)"


@dataclass(frozen=True)
class Live:
    """A running server and its app (the test reaches its database directly for the teacher's decision)."""

    url: str
    app: Any


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[Live]:
    """The web app on a free loopback port with grading threads over the session's real sandbox pool."""
    from grader.web import create_app
    from grader.web.workers import attach_workers

    folder = tmp_path_factory.mktemp("live-student")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'grader.sqlite3'}", "SECRET_KEY": "browser-student"})
    make_accounts(app)
    course_open_now(app)
    workers = attach_workers(app, grade=grader_nodb.grade_bytes, threads=2, poll_s=0.5)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Live(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        workers.stop()
        app.extensions["grader"].engine.dispose()


def _wait_for_feedback(page: Any) -> None:  # noqa: F811 (the fixture named page is imported above)
    """Wait on a submission page until the polled feedback replaced the queued status."""
    page.wait_for_url("**/submissions/*")
    page.wait_for_selector("#feedback .total", timeout=GRADING_TIMEOUT_MS)


def test_exam_model_answer_appears_only_after_the_teacher_releases(live: Live, browser: Any) -> None:  # noqa: F811
    student = browser.new_context()
    ana = student.new_page()
    _login(ana, live.url, "ana")
    ana.goto(f"{live.url}/exercises/{EXAM}")
    ana.click("#answers-file summary")  # the exam is a form; an answers file is sent from the folded box below
    ana.set_input_files("#upload", str(SOLUTIONS / EXAM / "wrong-flattened-size.yaml"))
    ana.click("#submit-form button[type=submit]")
    _wait_for_feedback(ana)
    row = ana.locator("#feedback tr[data-check=input-shape]")
    assert "67500 es el tamaño aplanado" in row.inner_text()  # what was wrong is said
    assert MODEL_ANSWER not in ana.locator("#feedback").inner_text()
    assert ana.locator("#feedback .hint").count() == 0 and ana.locator("#withheld").count() == 1

    teacher = browser.new_context()
    profe = teacher.new_page()
    _login(profe, live.url, "profe")
    profe.wait_for_url("**/teacher/gradebook")
    profe.goto(f"{live.url}/teacher/exercises/{EXAM}/release")
    profe.click("#release-form button[type=submit]")
    profe.wait_for_selector("#release-form button:has-text('Retirar')")
    teacher.close()

    ana.reload()
    assert MODEL_ANSWER in ana.locator("#feedback tr[data-check=input-shape]").inner_text()
    assert ana.locator("#feedback .hint").count() > 0
    student.close()


def test_student_reads_and_reloads_their_code_and_the_teachers_adjustment(live: Live, page: Any) -> None:  # noqa: F811
    code = (SOLUTIONS / LAB / "wrong-one-layer.py").read_text()
    _login(page, live.url, "beto")
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
