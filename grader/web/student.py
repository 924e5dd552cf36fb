"""Student pages: assignments, an exercise with its editor and upload, a submission's live feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import TextAreaField

from grader.core.i18n import t
from grader.core.notebooks import notebook_code_cells
from grader.core.sources import SubmissionError
from grader.course.drafts import student_draft
from grader.course.intake import SubmissionRefused
from grader.course.people import STAFF_ROLES
from grader.course.public import public_view
from grader.course.quizform import answers_given, quiz_fields
from grader.course.settings_edit import start_exam as start_exam_clock
from grader.db.models import Exercise, Submission, utcnow
from grader.db.store import file_listing
from grader.web.auth import student_required
from grader.web.i18n import current_lang, gettext, tr
from grader.web.offering import course_here, offering_id
from grader.web.services import (
    EDITOR_FILENAME,
    AssignmentRow,
    accept_submission,
    assignment_rows,
    editor_bytes,
    feedback,
    visible_submission,
)
from grader.web.state import db
from grader.web.teacher.source import highlight_css, render_source

bp = Blueprint("student", __name__)

# A made-up student whose variant the teacher preview shows: the page looks like a student's without
# belonging to any real one.
PREVIEW_STUDENT = "vista-previa"


@dataclass(frozen=True)
class EditorStart:
    """What the editor starts with: a submission's code (`submission_id`) or the starter code (None)."""

    code: str
    submission_id: int | None = None
    number: int | None = None


def editor_code(filename: str, data: bytes) -> str:
    """A stored submission as text for the editor: a notebook's code cells one after another, marked with
    their numbers, any other file decoded (bad bytes replaced, as on the submission page)."""
    text = data.decode("utf-8-sig", errors="replace")
    if filename.lower().endswith(".ipynb"):
        try:
            cells, _counts = notebook_code_cells(filename, text)
        except SubmissionError:
            return text
        # `# %%` marks a cell in most editors; the number is the one the submission page shows.
        return "\n\n".join(f"# %% [{n}]\n{code}" for n, code in enumerate(cells, 1))
    return text


def _own_submissions(exercise_id: str) -> list[tuple[int, str]]:
    """(id, filename) of the current student's submissions of `exercise_id`, oldest first (no file bytes:
    only the one shown is read)."""
    query = (select(Submission.id, Submission.filename).join(Exercise, Exercise.id == Submission.exercise_id)
             .where(Exercise.slug == exercise_id, Submission.student_id == current_user.student_id,
                    Submission.offering_id == offering_id())
             .order_by(Submission.received_at, Submission.id))
    return [(row.id, row.filename) for row in db().execute(query)]


def editor_start(exercise_id: str, starter: str) -> EditorStart:
    """`?from=<id>` (one of the student's own submissions of this exercise), else their newest Python
    submission, else the starter code; `?from=starter` always gives the starter code."""
    wanted = request.args.get("from", "")
    if current_user.role != "student" or wanted == "starter":
        return EditorStart(code=starter)
    # Numbered as in the history: the student's n-th submission of this exercise.
    mine = [(n, sub_id, name) for n, (sub_id, name) in enumerate(_own_submissions(exercise_id), 1)]
    if wanted:
        chosen = next((m for m in mine if str(m[1]) == wanted), None)
        if chosen is None:
            abort(404)  # someone else's or another exercise's: ids reveal nothing
    else:
        typed = [m for m in mine if m[2].lower().endswith(".py")]
        if not typed:
            return EditorStart(code=starter)
        chosen = typed[-1]
    number, sub_id, name = chosen
    return EditorStart(code=editor_code(name, db().get_one(Submission, sub_id).source), submission_id=sub_id,
                       number=number)


class SubmitForm(FlaskForm):
    """Code typed in the editor, or a file; the file wins when both are given."""

    code = TextAreaField()
    upload = FileField()


def _rows() -> list[AssignmentRow]:
    """Every assignment of the course with the current student's attempts."""
    return assignment_rows(current_user.student_id)


def _row(exercise_id: str) -> AssignmentRow:
    """The row of one exercise, or 404 when it is not part of the course."""
    if course_here().get(exercise_id) is None:
        abort(404)
    return next(r for r in _rows() if r.spec.id == exercise_id)


@bp.get("/assignments")
@student_required
def assignments() -> Any:
    """Every assignment with its status, score, attempts and deadline."""
    return render_template("student/assignments.html", rows=_rows(), now=utcnow())


@bp.route("/exercises/<exercise_id>", methods=["GET", "POST"])
@login_required
def exercise(exercise_id: str) -> Any:
    """The statement (this student's variant), starter code, editor/upload, and the attempt history.

    A teacher gets the same page as a preview: a sample variant, no history, submitting disabled.
    """
    preview = current_user.role in STAFF_ROLES
    if current_user.role != "student" and not (preview and request.method == "GET"):
        abort(403)
    if preview:
        if course_here().get(exercise_id) is None:
            abort(404)
        row = next(r for r in assignment_rows(None) if r.spec.id == exercise_id)
    else:
        row = _row(exercise_id)
    form = SubmitForm()
    status = 200
    if not preview and form.validate_on_submit():
        upload = form.upload.data
        if upload is not None and upload.filename:
            filename, data = upload.filename, upload.read()
        elif (form.code.data or "").strip():
            filename, data = EDITOR_FILENAME, editor_bytes(form.code.data or "")
        else:
            filename, data = "", b""
        if not filename:
            flash(gettext("Escribe código o elige un archivo."), "error")
            status = 400
        else:
            try:
                accepted = _submit(exercise_id, filename, data)
            except SubmissionRefused as refused:
                flash(refused.message.get(current_lang()), "error")
                status = refused.status_code
            else:
                flash(gettext("Entrega recibida y en cola."), "queued")  # gone once the result shows
                return redirect(url_for("student.submission", submission_id=accepted))
    elif request.method == "POST":
        status = 400
    who = PREVIEW_STUDENT if preview else current_user.student.external_id
    view = public_view(row.spec, current_lang(), who)
    start = editor_start(exercise_id, view["starter_code"] or "")
    fields = quiz_fields(row.spec, student=who)
    draft = None if preview or not fields else student_draft(db(), spec=row.spec, student=current_user.student)
    db().commit()  # the draft lookup may have recorded the exercise's current version
    return render_template("student/exercise.html", row=row, view=view, form=form, now=utcnow(), preview=preview,
                           start=start, fields=fields, draft=draft), status


def _submit(exercise_id: str, filename: str, data: bytes) -> int:
    """Store and queue one submission of the current student; returns the submission id."""
    return accept_submission(current_user.student, exercise_id=exercise_id, filename=filename,
                             data=data).submission_id


def own_submission(submission_id: int) -> Submission:
    """The current student's submission `submission_id`; 404 for anyone else's (ids reveal nothing)."""
    submission = visible_submission(current_user, submission_id)
    if submission is None:
        abort(404)
    return submission


def feedback_context(submission: Submission) -> dict[str, Any]:
    """What the feedback partial shows: status, the result as the release policy allows, the attempt's
    final score and number, and the teacher's adjustments."""
    return feedback(submission, viewer=current_user).context()


@bp.post("/exercises/<exercise_id>/start")
@student_required
def start_exam(exercise_id: str) -> Any:
    """Start the student's clock on a timed exam (a second press keeps the first start)."""
    row = _row(exercise_id)
    if not row.timed or not row.is_open(utcnow()):
        abort(403)
    start_exam_clock(db(), exercise=exercise_id, student_id=current_user.student_id, offering_id=offering_id())
    db().commit()
    return redirect(url_for("student.exercise", exercise_id=exercise_id))


@bp.get("/submissions/<int:submission_id>")
@student_required
def submission(submission_id: int) -> Any:
    """One attempt: its feedback, updated live while it is queued or running."""
    sub = own_submission(submission_id)
    # The feedback's context carries the spec too (titles of checks and questions).
    context = feedback_context(sub)
    given = answers_given(context.get("spec"), filename=sub.filename, source=sub.source)
    return render_template("student/submission.html", source=render_source(sub.filename, sub.source),
                           beside=file_listing(db(), submission_id=sub.id), given=given, **context)


@bp.get("/submissions/highlight.css")
def highlight_stylesheet() -> Any:
    """Colours of highlighted code: submitted source, statements' code blocks (the style teachers see).

    Public: it is Pygments' stock stylesheet, and the teacher preview and statements need it too."""
    return highlight_css(), 200, {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"}


@bp.get("/submissions/<int:submission_id>/status")
@student_required
def submission_status(submission_id: int) -> Any:
    """JSON for the page's polling: the status and, once finished, the feedback as HTML."""
    result = feedback(own_submission(submission_id), viewer=current_user)
    labels = {"queued": t("En cola", "Queued"), "running": t("Calificando", "Grading"),
              "graded": t("Calificado", "Graded"), "error": t("Error", "Error")}
    return jsonify(status=result.status, label=tr(labels[result.status]), finished=result.finished,
                   html=render_template("student/_feedback.html", **result.context()) if result.finished else None)
