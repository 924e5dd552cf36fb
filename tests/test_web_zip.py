"""A student's folder sent as a .zip through the exercise page and the API: stored with its data files, listed
for the teacher (and the student), graded and regraded with them, and refused with its reason otherwise."""

from __future__ import annotations

import time
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from grader.core.results import GradeResult
from grader.course.regrade import start_regrade
from grader.db import store
from grader.db.models import Submission
from grader.queue.claims import drain
from tests.student_helpers import allow_submissions, issue_token, open_course, real_workers, submission_id, submit_file
from tests.test_web_api import post_file
from tests.web_helpers import login
from tests.zip_helpers import NOTEBOOK, UNITS_CSV, zipped

LAB = "lab-add-hidden-16"
FOLDER = zipped({"practica/practica.ipynb": NOTEBOOK, "practica/datos/capas.csv": UNITS_CSV,
                 "practica/.git/HEAD": b"ref: refs/heads/main\n", "practica/README.md": b"# Practica\n"})


@pytest.fixture
def ana(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The test client logged in as student ana, every assignment open."""
    open_course(app)
    assert login(client, "ana").status_code == 302
    return client


def _files(app: Any, submission: int) -> dict[str, bytes]:
    with app.extensions["grader"].sessions() as session:
        return store.stored_files(session, submission_id=submission)


def _count(app: Any) -> int:
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count(Submission.id))) or 0


def test_the_page_stores_the_notebook_with_its_data_and_both_views_list_them(app: Any, ana: Any) -> None:
    new = submission_id(submit_file(ana, LAB, "practica.zip", FOLDER))
    with app.extensions["grader"].sessions() as session:
        stored = session.get(Submission, new)
        assert (stored.filename, stored.source) == ("practica.ipynb", NOTEBOOK)
    assert _files(app, new) == {"datos/capas.csv": UNITS_CSV}
    mine = ana.get(f"/submissions/{new}").get_data(as_text=True)
    assert '<section aria-labelledby="beside-h" id="beside">' in mine and "<code>datos/capas.csv</code>" in mine
    teacher = app.test_client()
    login(teacher, "profe")
    page = teacher.get(f"/teacher/submissions/{new}").get_data(as_text=True)
    assert "Archivos de datos junto al código" in page and f"<code>datos/capas.csv</code> · {len(UNITS_CSV)} B" in page


def test_a_file_name_the_student_chose_is_escaped_where_shown(app: Any, ana: Any) -> None:
    hostile = "<img src=x onerror=alert(1)>.csv"
    new = submission_id(submit_file(ana, LAB, "p.zip", zipped({"p.ipynb": NOTEBOOK, hostile: b"1\n"})))
    page = ana.get(f"/submissions/{new}").get_data(as_text=True)
    assert hostile not in page and f"<code>{escape(hostile)}</code>" in page
    refused = submit_file(ana, LAB, "p.zip", zipped({"p.ipynb": NOTEBOOK, f"../{hostile}": b"1\n"}))
    assert refused.status_code == 400 and hostile not in refused.get_data(as_text=True)
    assert str(escape(f"«../{hostile}», una ruta fuera de la carpeta")) in refused.get_data(as_text=True)


@pytest.mark.parametrize(("folder", "status", "message"), [
    (zipped({"p.ipynb": NOTEBOOK}, link="datos.csv"), 400, "«datos.csv» es un enlace simbólico"),
    (b"PK\x03\x04 no es un zip", 415, "no es una carpeta comprimida válida"),
    (zipped({"a.ipynb": NOTEBOOK, "b.ipynb": NOTEBOOK}), 400, "varios archivos de código (a.ipynb, b.ipynb)"),
])
def test_the_page_refuses_a_bad_folder_with_its_reason_and_stores_nothing(app: Any, ana: Any, folder: bytes,
                                                                          status: int, message: str) -> None:
    response = submit_file(ana, LAB, "practica.zip", folder)
    assert response.status_code == status and str(escape(message)) in response.get_data(as_text=True)
    assert _count(app) == 0


def test_the_api_refuses_a_zip_bomb_in_json_with_its_reason(app: Any, client: Any,
                                                            accounts: dict[str, tuple[str, str]]) -> None:
    open_course(app)
    bomb = zipped({"p.ipynb": NOTEBOOK, "ceros.csv": b"0" * (9 * 2**20)})
    assert len(bomb) < 20_000
    response = post_file(client, issue_token(app, "ana"), "practica.zip", bomb)
    assert response.status_code == 413
    assert "'ceros.csv' is over 8 MB uncompressed" in response.get_json()["error"]["en"]
    assert _count(app) == 0


def test_the_same_notebook_with_other_data_is_a_new_submission(app: Any, client: Any,
                                                               accounts: dict[str, tuple[str, str]]) -> None:
    """A retried upload of the same folder is the same submission; the notebook with another CSV is not."""
    open_course(app)
    headers = issue_token(app, "ana")
    first = post_file(client, headers, "practica.zip", FOLDER)
    again = post_file(client, headers, "practica.zip", FOLDER)
    assert (first.status_code, again.status_code) == (202, 200) and again.get_json()["duplicate"]
    other = zipped({"practica/practica.ipynb": NOTEBOOK, "practica/datos/capas.csv": b"capa,units\noculta,32\n"})
    changed = post_file(client, headers, "practica.zip", other)
    assert changed.status_code == 202 and changed.get_json()["id"] != first.get_json()["id"]
    assert _files(app, changed.get_json()["id"]) == {"datos/capas.csv": b"capa,units\noculta,32\n"}


def test_a_regrade_gives_the_code_the_same_data_files(app: Any, client: Any,
                                                      accounts: dict[str, tuple[str, str]]) -> None:
    open_course(app)
    new = post_file(client, issue_token(app, "ana"), "practica.zip", FOLDER).get_json()["id"]
    web = app.extensions["grader"]
    seen: list[tuple[str, dict[str, bytes]]] = []

    def grade(*, spec: Any, filename: str, data: bytes, student: str, beside: dict[str, bytes]) -> GradeResult:
        seen.append((filename, beside))
        return GradeResult(status="graded", score=1.0, max_score=spec.max_score)

    assert drain(web.sessions, catalog=web.catalog, grade=grade) == 1
    with web.sessions() as session:
        start_regrade(session, catalog=web.catalog, exercise_id=LAB, requested_by="profe")
        session.commit()
    assert drain(web.sessions, catalog=web.catalog, grade=grade) == 1
    assert seen == [("practica.ipynb", {"datos/capas.csv": UNITS_CSV})] * 2
    assert _files(app, new) == {"datos/capas.csv": UNITS_CSV}


def _wait_graded(client: Any, headers: dict[str, str], ids: list[int]) -> list[dict[str, Any]]:
    """The API's view of `ids` once every one is graded (waits on their state, up to three minutes)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        bodies = [client.get(f"/api/v1/submissions/{i}", headers=headers).get_json() for i in ids]
        if all(b["finished"] for b in bodies):
            return bodies
        time.sleep(0.5)
    pytest.fail(f"submissions {ids} were not graded")


@pytest.mark.slow
def test_a_zipped_notebook_reads_its_csv_and_gets_its_normal_score(
        app: Any, client: Any, accounts: dict[str, tuple[str, str]], grader_nodb: Any) -> None:
    """Sent from the page and from the API, the notebook whose model reads its width from the CSV beside it gets
    full marks in the real sandbox; the same notebook sent alone cannot build its model."""
    with real_workers(app, grader_nodb.grade_bytes):
        open_course(app)
        allow_submissions(app, 10)
        headers = issue_token(app, "ana")
        login(client, "ana")
        page = submission_id(submit_file(client, LAB, "practica.zip", FOLDER))
        api = post_file(client, headers, "entrega.zip", zipped({"entrega/modelo.ipynb": NOTEBOOK,
                                                                "entrega/datos/capas.csv": UNITS_CSV}))
        alone = post_file(client, headers, "practica.ipynb", NOTEBOOK)
        results = _wait_graded(client, headers, [page, api.get_json()["id"], alone.get_json()["id"]])
    maximum = grader_nodb.catalog.get(LAB).max_score
    assert [r["score"] for r in results[:2]] == [maximum, maximum], results[:2]
    assert results[2]["score"] < maximum
