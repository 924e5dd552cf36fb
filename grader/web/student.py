"""Student pages: assignments, an exercise with its editor and upload, a submission's live feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from grader.course import Assignment
from grader.db.models import Grading, Submission, utcnow
from grader.gradebook import Attempt, attempts, pick
from grader.i18n import t
from grader.public import public_view
from grader.results import GradeResult
from grader.specs.models import ExerciseSpec
from grader.submissions import SubmissionRefused, submit
from grader.web.auth import student_required
from grader.web.i18n import current_lang, gettext, tr
from grader.web.state import db, state

bp = Blueprint("student", __name__)


class SubmitForm(FlaskForm):
    """Code typed in the editor, or a file; the file wins when both are given."""

    code = TextAreaField()
    upload = FileField()


@dataclass(frozen=True)
class AssignmentRow:
    """One line of the student's assignments list."""

    spec: ExerciseSpec
    assignment: Assignment
    tries: list[Attempt]
    counted: Attempt | None

    @property
    def pending(self) -> bool:
        """True while an attempt waits for or is in grading."""
        return any(not a.finished for a in self.tries)

    def attempts_left(self) -> int | None:
        """Attempts still allowed; None when unlimited."""
        if self.assignment.max_attempts is None:
            return None
        return max(self.assignment.max_attempts - len(self.tries), 0)

    def is_open(self, now: datetime) -> bool:
        """True while submissions are accepted by date."""
        return self.assignment.opens_at <= now <= self.assignment.closes_at()


def _rows() -> list[AssignmentRow]:
    """Every assignment of the course with this student's attempts (one query for all of them)."""
    web = state()
    mine = attempts(db(), course=web.course, student_ids=[current_user.student_id])
    rows = []
    for assignment in web.course.assignments:
        tries = [a for a in mine if a.exercise == assignment.exercise]
        rows.append(AssignmentRow(spec=web.catalog.get(assignment.exercise), assignment=assignment, tries=tries,
                                  counted=pick(tries, web.course.grading_policy)))  # type: ignore[arg-type]
    return rows


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
            filename, data = "entrega.py", (form.code.data or "").replace("\r\n", "\n").encode("utf-8")
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
    web, session = state(), db()
    accepted = submit(session, catalog=web.catalog, course=web.course, student=current_user.student,
                      exercise_id=exercise_id, filename=filename, data=data, now=utcnow(),
                      rate_limit=web.rate_limit)
    session.commit()
    web.notify()
    return accepted.submission_id


def own_submission(submission_id: int) -> Submission:
    """The current student's submission `submission_id`; 404 for anyone else's (ids reveal nothing)."""
    submission = db().get(Submission, submission_id)
    if submission is None or submission.student_id != current_user.student_id:
        abort(404)
    return submission


def newest_grading(submission: Submission) -> Grading | None:
    """The submission's newest grading (regrades add rows)."""
    return max(submission.gradings, key=lambda g: g.id, default=None)


def feedback_context(submission: Submission) -> dict[str, Any]:
    """What the feedback partial shows: status, the result, and the attempt's final score."""
    grading = newest_grading(submission)
    result = GradeResult.model_validate(grading.result_json) if grading and grading.result_json else None
    attempt = next((a for a in attempts(db(), course=state().course, student_ids=[submission.student_id],
                                        exercises=[submission.exercise.slug])
                    if a.submission_id == submission.id), None)
    return {"submission": submission, "grading": grading, "result": result, "attempt": attempt,
            "status": grading.status if grading else "queued"}


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
    context = feedback_context(own_submission(submission_id))
    finished = context["status"] in ("graded", "error")
    labels = {"queued": t("En cola", "Queued"), "running": t("Calificando", "Grading"),
              "graded": t("Calificado", "Graded"), "error": t("Error", "Error")}
    return jsonify(status=context["status"], label=tr(labels[context["status"]]), finished=finished,
                   html=render_template("student/_feedback.html", **context) if finished else None)
