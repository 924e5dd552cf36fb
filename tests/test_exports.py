"""CSV exports: from a hand-built gradebook (blanks for no score, two decimals, Canvas and Moodle layouts), then
downloaded from the teacher pages with the values the gradebook computes."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from grader.core.i18n import Text
from grader.course.exports import canvas_csv, generic_csv, moodle_csv
from grader.course.gradebook import Attempt, Cell, Column, Gradebook, GradebookRow, StudentInfo
from grader.db.models import Submission
from tests.test_gradebook import (
    LAB,
    LATE,
    counting_statements,
    fixed_course,
    graded,
    override_total,
    people,
    seed,
)
from tests.web_helpers import login

COLUMNS = (Column("capas", Text(es="Capas, unidades", en="Layers, units"), 10.0),
           Column("quiz-a", Text(es="Cuestionario", en="Quiz"), 3.0),
           Column("quiz-b", Text(es="Cuestionario", en="Quiz"), 2.5))


def _attempt(final: float, *, late: bool = False, overridden: bool = False) -> Attempt:
    """A graded attempt worth `final`."""
    return Attempt(submission_id=1, grading_id=1, student_id=1, exercise="capas", filename="entrega.py",
                   received_at=datetime(2030, 1, 1, tzinfo=UTC), status="graded", automatic=final, final=final,
                   max_score=10.0, late=late, overridden=overridden)


def _book(policy: str = "best") -> Gradebook:
    """Two students: Lucía with every kind of cell, Pedro (no email) with nothing submitted."""
    lucia = GradebookRow(StudentInfo(1, "a001", 'Lucía "Lu" Pérez', "Lucia@Uni.example", "A"), (
        Cell(counted=_attempt(7.125, late=True), tries=3, pending=False, newest_submission_id=1),
        Cell(counted=_attempt(0.0), tries=1, pending=False, newest_submission_id=2),
        Cell(counted=None, tries=1, pending=True, newest_submission_id=3)))
    pedro = GradebookRow(StudentInfo(2, "a002", "", "", ""),
                         tuple(Cell(counted=None, tries=0, pending=False, newest_submission_id=None)
                               for _ in COLUMNS))
    return Gradebook(columns=COLUMNS, rows=(lucia, pedro), policy=policy, matched=2, page=1,  # type: ignore[arg-type]
                     pages=1)


def _rows(text: str) -> list[list[str]]:
    """Parse CSV text."""
    return list(csv.reader(io.StringIO(text)))


def test_generic_csv_writes_blank_for_no_score_and_zero_for_a_zero() -> None:
    rows = _rows(generic_csv(_book()))
    assert rows[0] == ["student_id", "name", "email", "section", "capas", "quiz-a", "quiz-b", "total"]
    assert rows[1] == ["a001", 'Lucía "Lu" Pérez', "Lucia@Uni.example", "A", "7.13", "0.00", "", "7.13"]
    assert rows[2] == ["a002", "", "", "", "", "", "", "0.00"]


def test_canvas_csv_header_points_possible_and_unique_titles() -> None:
    rows = _rows(canvas_csv(_book()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Capas, unidades",
                       "Cuestionario (quiz-a)", "Cuestionario (quiz-b)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10.00", "3.00", "2.50"]
    assert rows[2] == ['Lucía "Lu" Pérez', "", "a001", "Lucia@Uni.example", "A", "7.13", "0.00", ""]
    assert rows[3] == ["a002", "", "a002", "", "", "", "", ""]  # no name: the id stands in for it


def test_moodle_csv_pairs_each_grade_with_its_feedback() -> None:
    rows = _rows(moodle_csv(_book("last"), identity="email"))
    assert rows[0] == ["Email address", "Full name", "Capas, unidades", "Feedback: Capas, unidades",
                       "Cuestionario (quiz-a)", "Feedback: Cuestionario (quiz-a)",
                       "Cuestionario (quiz-b)", "Feedback: Cuestionario (quiz-b)"]
    assert len(rows) == 2  # Pedro has no email and is left out
    lucia = rows[1]
    assert lucia[:3] == ["Lucia@Uni.example", 'Lucía "Lu" Pérez', "7.13"]
    assert lucia[3] == "Último de 3 intento(s); entrega tardía, con penalización."
    assert lucia[4:] == ["0.00", "Último de 1 intento(s).", "", ""]
    by_id = _rows(moodle_csv(_book(), identity="idnumber"))
    assert by_id[0][0] == "ID number" and [r[0] for r in by_id[1:]] == ["a001", "a002"]
    assert by_id[1][3].startswith("Mejor de 3")


def test_scores_round_half_up_at_two_decimals() -> None:
    lucia = _book().rows[0]
    cells = (replace(lucia.cells[0], counted=_attempt(1.005)), *lucia.cells[1:])
    book = replace(_book(), rows=(replace(lucia, cells=cells),))
    assert _rows(generic_csv(book))[1][4] == "1.01"


# --- exports --------------------------------------------------------------------------------------------------

def _download(client: Any, url: str) -> list[list[str]]:
    """A CSV download parsed into rows, after checking it is sent as a CSV attachment."""
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="notas-[a-z]+-(best|last)-\d{4}-\d\d-\d\d\.csv"',
                        response.headers["Content-Disposition"])
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def teacher(app: Any, client: Any, accounts: Any) -> Any:
    """The test client logged in as teacher `profe`, course dates fixed."""
    fixed_course(app)
    assert login(client, "profe").status_code == 302
    return client


@pytest.fixture
def marks(teacher: Any, app: Any) -> Any:
    """ana: lab 8 then 5 overridden to 6, no email; beto (section B, mixed-case email): lab 10 late, dnn 7."""
    graded(app, "ana", 8)
    override_total(app, graded(app, "ana", 5), 6)
    graded(app, "beto", 10, at=LATE)
    graded(app, "beto", 7, exercise="dnn-linear-unit")
    with app.extensions["grader"].sessions() as session:
        beto = session.get(Submission, 3).student
        beto.email, beto.section = "Beto.Ruiz@Uni.example", "B"
        session.commit()
    return teacher


def test_generic_export_has_one_column_per_exercise_and_a_total(marks: Any, app: Any) -> None:
    rows = _download(marks, "/teacher/export/generic.csv")
    exercises = [a.exercise for a in app.extensions["grader"].course.assignments]
    assert rows[0] == ["student_id", "name", "email", "section", *exercises, "total"]
    table = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert table["ana"][LAB] == "8.00" and table["ana"]["total"] == "8.00" and table["ana"]["quiz-activations"] == ""
    assert (table["beto"][LAB], table["beto"]["dnn-linear-unit"], table["beto"]["total"]) == ("8.00", "7.00", "15.00")
    assert (table["beto"]["email"], table["beto"]["section"]) == ("Beto.Ruiz@Uni.example", "B")
    last = _download(marks, "/teacher/export/generic.csv?policy=last")
    assert {r[0]: r for r in last[1:]}["ana"][4 + exercises.index(LAB)] == "6.00"
    assert [r[0] for r in _download(marks, "/teacher/export/generic.csv?section=B")[1:]] == ["beto"]


def test_canvas_export_has_identity_columns_points_possible_and_titles(marks: Any, app: Any) -> None:
    rows = _download(marks, "/teacher/export/canvas.csv")
    web = app.extensions["grader"]
    titles = [web.catalog.get(a.exercise).title.es for a in web.course.assignments]
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *titles]
    assert rows[1][:5] == ["Points Possible", "", "", "", ""]
    assert rows[1][5 + [a.exercise for a in web.course.assignments].index(LAB)] == "10.00"
    beto = next(r for r in rows[2:] if r[2] == "beto")
    assert beto[:5] == ["Beto Ruiz", "", "beto", "Beto.Ruiz@Uni.example", "B"]
    lab = 5 + [a.exercise for a in web.course.assignments].index(LAB)
    assert beto[lab] == "8.00" and next(r for r in rows[2:] if r[2] == "ana")[lab + 1] == ""


def test_moodle_export_pairs_grades_with_feedback_by_email_or_id_number(marks: Any, app: Any) -> None:
    rows = _download(marks, "/teacher/export/moodle.csv?identity=email")
    web = app.extensions["grader"]
    first = web.catalog.get(web.course.assignments[0].exercise).title.es
    assert rows[0][:4] == ["Email address", "Full name", first, f"Feedback: {first}"]
    assert len(rows[0]) == 2 + 2 * len(web.course.assignments)
    assert [r[0] for r in rows[1:]] == ["Beto.Ruiz@Uni.example"]  # ana has no email: left out, not mismatched
    lab_title = web.catalog.get(LAB).title.es
    beto = dict(zip(rows[0], rows[1], strict=True))
    assert beto[lab_title] == "8.00" and "tardía" in beto[f"Feedback: {lab_title}"]
    by_id = _download(marks, "/teacher/export/moodle.csv?identity=idnumber")
    assert by_id[0][0] == "ID number" and sorted(r[0] for r in by_id[1:]) == ["ana", "beto"]
    ana = dict(zip(by_id[0], next(r for r in by_id[1:] if r[0] == "ana"), strict=True))
    assert ana[lab_title] == "8.00" and ana[f"Feedback: {lab_title}"].startswith("Mejor de 2 intento")
    assert marks.get("/teacher/export/moodle.csv?identity=username").status_code == 400


def test_exports_run_the_same_queries_for_5_and_60_students(teacher: Any, app: Any) -> None:
    engine = app.extensions["grader"].engine
    seed(app, people(5))
    with counting_statements(engine) as small:
        _download(teacher, "/teacher/export/canvas.csv")
    seed(app, people(55, start=5))
    with counting_statements(engine) as large:
        rows = _download(teacher, "/teacher/export/canvas.csv")
    assert len(large) == len(small) and len(rows) == 2 + 62
