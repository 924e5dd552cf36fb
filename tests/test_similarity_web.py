"""The teacher's similarity page: "compare now" only queues, the job finds the copied pair, the pair page
shows the evidence (student text escaped) and the shared lines, notes are kept; students never see it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from grader.cli.main import main
from grader.course.similarity import DEADLINE, queue_after_deadlines, run_next
from grader.db.similarity_models import SimilarityFlag, SimilarityRun
from tests.student_helpers import close_assignment
from tests.test_gradebook import submit_as
from tests.web_helpers import csrf_token, login

EXAM = "exam-flatten-dense"
SET = Path(__file__).parent / "similarity" / "set" / EXAM
HOSTILE = "# <script>alert('copiado')</script> la forma sale de multiplicar alto por ancho por canales\n"


def _hand_ins(app: Any) -> None:
    """sara, and gael who copied her (with a hostile comment both share), and two independent answers."""
    sara = HOSTILE + (SET / "sara.py").read_text(encoding="utf-8")
    for student, code in (("sara", sara), ("gael", sara.replace("forma_entrda", "shape_entrda")),
                          ("quim", (SET / "quim.py").read_text(encoding="utf-8")),
                          ("wendy", (SET / "wendy.py").read_text(encoding="utf-8"))):
        submit_as(app, student, EXAM, data=code.encode())


def _count(app: Any, model: Any) -> int:
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_compare_now_queues_and_the_job_flags_the_copy_with_evidence_and_notes(app: Any, teacher: Any) -> None:
    _hand_ins(app)
    url = f"/teacher/exercises/{EXAM}/similarity"
    assert "Sin comparaciones todavía" in teacher.get(url).get_data(as_text=True)
    assert teacher.post(url, data={"csrf_token": csrf_token(teacher, url)}).status_code == 302
    assert _count(app, SimilarityRun) == 1 and _count(app, SimilarityFlag) == 0  # the request did no work
    assert 'id="run-state"' in teacher.get(url).get_data(as_text=True)

    web = app.extensions["grader"]
    run = run_next(web.sessions, catalog=web.catalog)
    assert run is not None and run.status == "done" and run.compared == 4
    assert run_next(web.sessions, catalog=web.catalog) is None  # nothing else queued
    page = teacher.get(url).get_data(as_text=True)
    assert page.count('data-flag="') == 1 and "sara" in page and "gael" in page and "quim" not in page

    with web.sessions() as session:
        flag_id = session.scalars(select(SimilarityFlag.id)).one()
    pair_url = f"{url}/{flag_id}"
    pair = teacher.get(pair_url).get_data(as_text=True)
    assert "<script>alert" not in pair and "&lt;script&gt;" in pair  # student text is data
    assert "comentario" in pair and "<mark data-line=" in pair
    # The score and the share of similar code are numbers in the page's language (issue 27).
    assert re.search(r"Puntuación \d+(,\d+)? · Código parecido \d+\s%", pair), pair
    english = teacher.get(f"{pair_url}?lang=en").get_data(as_text=True)
    assert re.search(r"Score \d+(\.\d+)? · Similar code \d+%", english)
    teacher.get(f"{pair_url}?lang=es")
    note = teacher.post(f"{pair_url}/note", data={"note": "Hablado con ambos <b>", "csrf_token": csrf_token(
        teacher, pair_url)})
    assert note.status_code == 302
    assert "Hablado con ambos &lt;b&gt;" in teacher.get(pair_url).get_data(as_text=True)
    assert "Hablado con ambos" in teacher.get(url).get_data(as_text=True)


def test_students_never_see_the_page(app: Any, client: Any, accounts: Any) -> None:
    assert login(client, "ana").status_code == 302
    assert client.get(f"/teacher/exercises/{EXAM}/similarity").status_code == 403


def test_a_closed_assignment_gets_one_run_queued_by_the_deadline(app: Any, teacher: Any) -> None:
    _hand_ins(app)
    close_assignment(app, EXAM)
    web = app.extensions["grader"]
    with web.sessions() as session:
        queued = queue_after_deadlines(session, course=web.course)
        session.commit()
        assert [(r.exercise.slug, r.requested_by) for r in queued] == [(EXAM, DEADLINE)]
        assert queue_after_deadlines(session, course=web.course) == []  # once per closing


def test_similarity_jobs_command_does_the_queued_run(app: Any, teacher: Any) -> None:
    """Where gunicorn serves the web there is no job thread: `grader similarity-jobs` (cron) does the runs."""
    _hand_ins(app)
    url = f"/teacher/exercises/{EXAM}/similarity"
    teacher.post(url, data={"csrf_token": csrf_token(teacher, url)})
    out = CliRunner().invoke(main, ["similarity-jobs", "--database-url", app.config["DATABASE_URL"]])
    assert out.exit_code == 0, out.output
    assert f"({EXAM}): done, 4 compared, 1 flagged" in out.stderr
    assert teacher.get(url).get_data(as_text=True).count('data-flag="') == 1
