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
from grader.course.exports import ExportOptions, canvas_csv, filename, generic_csv, moodle_csv, points, unmatched
from grader.course.gradebook import Attempt, Cell, Column, Gradebook, GradebookRow, StudentInfo
from grader.db.models import Submission
from tests.test_gradebook import (
    CODE,
    LAB,
    LATE,
    counting_statements,
    finish_with,
    fixed_course,
    graded,
    override_total,
    people,
    result,
    seed,
    submit_as,
)
from tests.web_helpers import login

COLUMNS = (Column("capas", Text(es="Capas, unidades", en="Layers, units"), 10.0),
           Column("quiz-a", Text(es="Cuestionario", en="Quiz"), 3.0),
           Column("quiz-b", Text(es="Cuestionario", en="Quiz"), 2.5))


def _attempt(final: float, *, late: bool = False, overridden: bool = False, pending: int = 0) -> Attempt:
    """A graded attempt worth `final`, with `pending` checks waiting for review."""
    return Attempt(submission_id=1, grading_id=1, student_id=1, exercise="capas", filename="entrega.py",
                   received_at=datetime(2030, 1, 1, tzinfo=UTC), status="graded", automatic=final, final=final,
                   max_score=10.0, late=late, overridden=overridden, pending_review=pending)


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
    assert rows[0] == ["student_id", "name", "email", "section", "capas", "quiz-a", "quiz-b", "total",
                       "pending_review"]
    assert rows[1] == ["a001", 'Lucía "Lu" Pérez', "Lucia@Uni.example", "A", "7.13", "0.00", "", "7.13", ""]
    assert rows[2] == ["a002", "", "", "", "", "", "", "0.00", ""]


def test_canvas_csv_header_points_possible_and_unique_titles() -> None:
    rows = _rows(canvas_csv(_book()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Capas, unidades",
                       "Cuestionario (quiz-a)", "Cuestionario (quiz-b)", "Pendiente de revisión (read only)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10.00", "3.00", "2.50", ""]
    assert rows[2] == ['Lucía "Lu" Pérez', "", "a001", "Lucia@Uni.example", "A", "7.13", "0.00", "", ""]
    assert rows[3] == ["a002", "", "a002", "", "", "", "", "", ""]  # no name: the id stands in for it


def test_moodle_csv_pairs_each_grade_with_its_feedback() -> None:
    rows = _rows(moodle_csv(_book("last"), identity="email"))
    assert rows[0] == ["Email address", "Full name", "Capas, unidades", "Feedback: Capas, unidades",
                       "Cuestionario (quiz-a)", "Feedback: Cuestionario (quiz-a)",
                       "Cuestionario (quiz-b)", "Feedback: Cuestionario (quiz-b)"]
    assert len(rows) == 2  # Pedro has no email and is left out
    lucia = rows[1]
    assert lucia[:3] == ["Lucia@Uni.example", 'Lucía "Lu" Pérez', "7.13"]
    assert lucia[3] == "Último de 3 intentos; entrega tardía, con penalización."
    assert lucia[4:] == ["0.00", "Último de 1 intento.", "", ""]
    by_id = _rows(moodle_csv(_book(), identity="idnumber"))
    assert by_id[0][0] == "ID number" and [r[0] for r in by_id[1:]] == ["a001", "a002"]
    assert by_id[1][3].startswith("Mejor de 3")


def test_cells_round_to_two_decimals_and_the_total_is_the_rounded_sum() -> None:
    """3 x 3.3333 exports cells of 3.33 and a total of 10.00 (the sum rounded once, not 9.99); 11.6666 -> 11.67."""
    third = Cell(counted=_attempt(3.3333), tries=1, pending=False, newest_submission_id=1)
    lucia = replace(_book().rows[0], cells=(third, third, third))
    rows = _rows(generic_csv(replace(_book(), rows=(lucia,))))
    assert rows[1][4:8] == ["3.33", "3.33", "3.33", "10.00"]
    many = Cell(counted=_attempt(11.6666), tries=1, pending=False, newest_submission_id=1)
    lucia = replace(lucia, cells=(many, *lucia.cells[1:]))
    assert _rows(canvas_csv(replace(_book(), rows=(lucia,))))[2][5] == "11.67"
    assert [points(v) for v in (1.005, 7.125, 10.3333, 0.0)] == ["1.01", "7.13", "10.33", "0.00"]  # halves up


def _pending_book() -> Gradebook:
    """Lucía's first cell (7.125) waits for the review of 2 checks; her 0 on quiz-a is final."""
    lucia = _book().rows[0]
    cells = (replace(lucia.cells[0], counted=_attempt(7.125, late=True, pending=2)), *lucia.cells[1:])
    return replace(_book(), rows=(replace(lucia, cells=cells), _book().rows[1]))


def test_pending_scores_are_left_empty_by_default_in_every_format() -> None:
    """Excluded (the default): the cell is blank, not 0, the total leaves it out, a column says why, and no
    feedback calls it final."""
    book, exclude = _pending_book(), ExportOptions(pending="exclude")
    for options in (ExportOptions(), exclude):
        generic = _rows(generic_csv(book, options))  # pending_review says why the cell is empty
        assert generic[1][4:] == ["", "0.00", "", "0.00", "capas"] and generic[2][-1] == ""
        assert _rows(canvas_csv(book, options))[2][5:] == ["", "0.00", "", "capas"]
        moodle = _rows(moodle_csv(book, identity="idnumber", options=options))
        assert moodle[1][2:6] == ["", "", "0.00", "Mejor de 1 intento."]


def test_included_pending_scores_are_marked_provisional_in_every_format() -> None:
    """Included: the score is exported and the file says which scores are provisional, in each LMS's way."""
    book, include = _pending_book(), ExportOptions(pending="include")
    generic = _rows(generic_csv(book, include))
    assert generic[1][4:] == ["7.13", "0.00", "", "7.13", "capas"] and generic[2][-1] == ""
    canvas = _rows(canvas_csv(book, include))  # the "(read only)" column is one Canvas ignores on import
    assert (canvas[0][-1], canvas[1][-1]) == ("Pendiente de revisión (read only)", "")
    assert canvas[2][5:] == ["7.13", "0.00", "", "capas"]
    moodle = _rows(moodle_csv(book, identity="idnumber", options=include))
    assert moodle[1][2] == "7.13"
    assert moodle[1][3] == ("Mejor de 3 intentos; entrega tardía, con penalización. "
                            "Provisional: pendiente de revisión del profesor.")
    assert "Provisional" not in moodle[1][5]


def test_moodle_names_the_students_it_cannot_match() -> None:
    """Pedro has no email: the email export leaves him out and `unmatched` names him; by id nobody is missing."""
    assert [s.external_id for s in unmatched(_book(), identity="email")] == ["a002"]
    assert unmatched(_book(), identity="idnumber") == ()


def test_each_export_kind_and_identity_has_its_own_file_name() -> None:
    kinds = [("generic", "email"), ("canvas", "email"), ("moodle", "email"), ("moodle", "idnumber")]
    names = [filename(kind=k, identity=i, policy="best", options=ExportOptions(), day="2030-01-10") for k, i in kinds]
    assert names == ["notas-generico-best-2030-01-10.csv", "notas-canvas-best-2030-01-10.csv",
                     "notas-moodle-email-best-2030-01-10.csv", "notas-moodle-idnumber-best-2030-01-10.csv"]
    assert filename(kind="canvas", identity="email", policy="last", options=ExportOptions(pending="include"),
                    day="2030-01-10") == "notas-canvas-last-provisionales-2030-01-10.csv"


# --- exports --------------------------------------------------------------------------------------------------

def _download(client: Any, url: str) -> list[list[str]]:
    """A CSV download parsed into rows, after checking it is sent as a CSV attachment."""
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="notas-(generico|canvas|moodle-email|moodle-idnumber)-(best|last)'
                        r'(-provisionales)?-\d{4}-\d\d-\d\d\.csv"',
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
    assert rows[0] == ["student_id", "name", "email", "section", *exercises, "total", "pending_review"]
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
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *titles,
                       "Pendiente de revisión (read only)"]
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
    assert ana[lab_title] == "8.00" and ana[f"Feedback: {lab_title}"].startswith("Mejor de 2 intentos")
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


# --- pending reviews, unmatched students and file names, downloaded --------------------------------------------

def _reviewed(app: Any, student: str, score: float, *, review: str | None) -> int:
    """A graded lab submission of `student` (a unique file each time); check `review` waits for the teacher."""
    submit_as(app, student, code=f"{CODE}# {student} {score} {review}\n")
    first = min(score, 4.0)
    return finish_with(app, result(score, [("a", first == 4.0, first, 4.0), ("b", False, score - first, 6.0)],
                                   review=review))


@pytest.fixture
def waiting(teacher: Any, app: Any) -> Any:
    """ana: lab 7 with check b waiting for review (no email); beto: lab 5, final."""
    _reviewed(app, "ana", 7, review="b")
    _reviewed(app, "beto", 5, review=None)
    with app.extensions["grader"].sessions() as session:
        session.get(Submission, 2).student.email = "beto@uni.example"
        session.commit()
    return teacher


def test_downloads_leave_pending_scores_empty_unless_asked_and_then_mark_them(waiting: Any, app: Any) -> None:
    web = app.extensions["grader"]
    lab = [a.exercise for a in web.course.assignments].index(LAB)
    for url in ("/teacher/export/generic.csv", "/teacher/export/generic.csv?pending=exclude"):
        rows = {r[0]: r for r in _download(waiting, url)[1:]}
        assert (rows["ana"][4 + lab], rows["ana"][-2:]) == ("", ["0.00", LAB])  # empty (not 0), and why
        assert (rows["beto"][4 + lab], rows["beto"][-1]) == ("5.00", "")
    rows = {r[0]: r for r in _download(waiting, "/teacher/export/generic.csv?pending=include")[1:]}
    assert (rows["ana"][4 + lab], rows["ana"][-2:]) == ("7.00", ["7.00", LAB])
    canvas = _download(waiting, "/teacher/export/canvas.csv?pending=include")
    ana = next(r for r in canvas[2:] if r[2] == "ana")
    assert (ana[5 + lab], canvas[0][-1], ana[-1]) == ("7.00", "Pendiente de revisión (read only)", LAB)
    assert next(r for r in _download(waiting, "/teacher/export/canvas.csv")[2:] if r[2] == "ana")[5 + lab] == ""
    title = web.catalog.get(LAB).title.es
    moodle = _download(waiting, "/teacher/export/moodle.csv?identity=idnumber&pending=include")
    ana_m = dict(zip(moodle[0], next(r for r in moodle[1:] if r[0] == "ana"), strict=True))
    assert ana_m[title] == "7.00" and "Provisional: pendiente de revisión" in ana_m[f"Feedback: {title}"]
    excluded = _download(waiting, "/teacher/export/moodle.csv?identity=idnumber")
    assert dict(zip(excluded[0], next(r for r in excluded[1:] if r[0] == "ana"), strict=True))[title] == ""
    assert waiting.get("/teacher/export/generic.csv?pending=maybe").status_code == 400


def test_moodle_by_email_names_who_it_leaves_out_on_the_page_and_in_the_download(waiting: Any) -> None:
    for identity, left_out in (("email", "ana"), ("idnumber", "")):
        response = waiting.get(f"/teacher/export/moodle.csv?identity={identity}")
        assert response.headers["X-Grader-Left-Out"] == left_out
        assert f'filename="notas-moodle-{identity}-best-' in response.headers["Content-Disposition"]
    page = waiting.get("/teacher/gradebook").get_data(as_text=True)
    notice = re.search(r'id="no-email">(.*?)</div>', page, re.S)
    assert notice and "1 estudiante)" in notice.group(1) and "(ana)" in notice.group(1)
    assert "beto" not in notice.group(1)
