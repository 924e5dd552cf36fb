"""Student pages: assignments, an exercise with its editor and upload, a submission's live feedback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from grader.core.i18n import t
from grader.course.intake import SubmissionRefused
from grader.course.public import public_view
from grader.db.models import Submission, utcnow
from grader.web.auth import student_required
from grader.web.i18n import current_lang, gettext, tr
from grader.web.services import (
    EDITOR_FILENAME,
    AssignmentRow,
    accept_submission,
    assignment_rows,
    editor_bytes,
    feedback,
    visible_submission,
)
from grader.web.state import state

bp = Blueprint("student", __name__)


class SubmitForm(FlaskForm):
    """Code typed in the editor, or a file; the file wins when both are given."""

    code = TextAreaField()
    upload = FileField()


def _rows() -> list[AssignmentRow]:
    """Every assignment of the course with the current student's attempts."""
    return assignment_rows(current_user.student_id)


def _row(exercise_id: str) -> AssignmentRow:
    """The row of one exercise, or 404 when it is not part of the course."""
    if state().course.get(exercise_id) is None:
        abort(404)
    return next(r for r in _rows() if r.spec.id == exercise_id)


@bp.get("/assignments")
@student_required
def assignments() -> Any:
    """Every assignment with its status, score, attempts and deadline."""
    return render_template("student/assignments.html", rows=_rows(), now=utcnow())


@bp.route("/exercises/<exercise_id>", methods=["GET", "POST"])
@student_required
def exercise(exercise_id: str) -> Any:
    """The statement (this student's variant), starter code, editor/upload, and the attempt history."""
    row = _row(exercise_id)
    form = SubmitForm()
    status = 200
    if form.validate_on_submit():
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
                flash(gettext("Entrega recibida y en cola."), "ok")
                return redirect(url_for("student.submission", submission_id=accepted))
    elif request.method == "POST":
        status = 400
    view = public_view(row.spec, current_lang(), current_user.student.external_id)
    return render_template("student/exercise.html", row=row, view=view, form=form, now=utcnow()), status


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
    """What the feedback partial shows: status, the result, and the attempt's final score."""
    return feedback(submission).context()


@bp.get("/submissions/<int:submission_id>")
@student_required
def submission(submission_id: int) -> Any:
    """One attempt: its feedback, updated live while it is queued or running."""
    sub = own_submission(submission_id)
    spec = state().catalog.specs.get(sub.exercise.slug)
    return render_template("student/submission.html", spec=spec, **feedback_context(sub))


@bp.get("/submissions/<int:submission_id>/status")
@student_required
def submission_status(submission_id: int) -> Any:
    """JSON for the page's polling: the status and, once finished, the feedback as HTML."""
    result = feedback(own_submission(submission_id))
    labels = {"queued": t("En cola", "Queued"), "running": t("Calificando", "Grading"),
              "graded": t("Calificado", "Graded"), "error": t("Error", "Error")}
    return jsonify(status=result.status, label=tr(labels[result.status]), finished=result.finished,
                   html=render_template("student/_feedback.html", **result.context()) if result.finished else None)
