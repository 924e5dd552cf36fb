"""Questions answered in the browser: the form's submission, and drafts saved as the student types.

The form sends one field per question (`q-<id>`, see grader.course.quizform); it becomes the same answers
document the CLI reads, or for an exercise with code too, the student's code with the answers assigned after
it, and goes through the one door every submission uses (`accept_submission`). Drafts are saved on the server
(JSON, CSRF-checked like any form) so a reload or another device finds them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from grader.core.specs.models import ExerciseSpec
from grader.course.drafts import keep_draft, student_draft
from grader.course.intake import SubmissionRefused
from grader.course.quizform import (
    ANSWERS_FILENAME,
    answers_document,
    answers_from_form,
    code_with_answers,
)
from grader.db.drafts import DraftContent, DraftTooLarge
from grader.db.models import utcnow
from grader.web.auth import student_required
from grader.web.i18n import current_lang, gettext, ngettext
from grader.web.services import EDITOR_FILENAME, accept_submission, assigned_spec, editor_bytes
from grader.web.state import db

bp = Blueprint("quiz", __name__)


def _form_values(spec: ExerciseSpec) -> dict[str, Any]:
    """The form's question fields, a list where a question allows several picks."""
    values: dict[str, Any] = {}
    for key in request.form:
        if key.startswith("q-"):
            picked = request.form.getlist(key)
            values[key] = picked if len(picked) > 1 or key.removeprefix("q-") in _multiple_ids(spec) else picked[0]
    return values


def _multiple_ids(spec: ExerciseSpec) -> set[str]:
    return {q.id for q in spec.questions if getattr(q, "multiple", False)}


@bp.post("/exercises/<exercise_id>/answers")
@student_required
def submit_answers(exercise_id: str) -> Any:
    """Submit the form's answers (and code, for an exercise with both) as one submission."""
    spec = assigned_spec(exercise_id)
    answers = answers_from_form(spec, _form_values(spec))
    code = request.form.get("code") if spec.checks else None
    student = current_user.student
    # The draft keeps what was sent, so the page shows it again even if the submission is refused; code over
    # the draft's cap is still submitted (the submission has its own limit), it is just not kept as a draft.
    try:
        keep_draft(db(), spec=spec, student=student, content=DraftContent(code=code, answers=answers), now=utcnow())
        db().commit()
    except DraftTooLarge:
        db().rollback()
    back = url_for("student.exercise", exercise_id=exercise_id)
    if not answers and not (code or "").strip():
        flash(gettext("No has respondido ninguna pregunta: responde al menos una antes de enviar."), "error")
        return redirect(back)
    blank = len(spec.questions) - len(answers)
    if blank > 0 and not request.form.get("confirm_blank"):
        # A half-blank exam uses an attempt like a full one: the student confirms with a second click.
        flash(ngettext("Has dejado %(num)s pregunta sin responder. Si quieres enviar así (usa un intento), "
                       "pulsa Enviar otra vez.",
                       "Has dejado %(num)s preguntas sin responder. Si quieres enviar así (usa un intento), "
                       "pulsa Enviar otra vez.", blank), "error")
        return redirect(url_for("student.exercise", exercise_id=exercise_id, confirm_blank=blank))
    if spec.checks:
        filename, data = EDITOR_FILENAME, editor_bytes(code_with_answers(spec, code or "", answers))
    else:
        filename, data = ANSWERS_FILENAME, answers_document(answers)
    try:
        accepted = accept_submission(student, exercise_id=exercise_id, filename=filename, data=data)
    except SubmissionRefused as refused:
        flash(refused.message.get(current_lang()), "error")
        return redirect(back)
    flash(gettext("Respuestas recibidas y en cola."), "ok")
    return redirect(url_for("student.submission", submission_id=accepted.submission_id))


@bp.get("/exercises/<exercise_id>/draft")
@student_required
def get_draft(exercise_id: str) -> Any:
    """The student's draft as JSON (`{}` fields empty when there is none)."""
    draft = student_draft(db(), spec=assigned_spec(exercise_id), student=current_user.student)
    db().commit()
    if draft is None:
        return jsonify(code=None, answers={}, updated_at=None)
    return jsonify(code=draft.code, answers=draft.answers,
                   updated_at=draft.updated_at.isoformat() if draft.updated_at else None)


@bp.post("/exercises/<exercise_id>/draft")
@student_required
def save_draft(exercise_id: str) -> Any:
    """Save the page's code and answers as the draft (JSON body `{code, answers}`); 204, 413 or 400."""
    spec = assigned_spec(exercise_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object {code, answers}"), 400
    sent = body.get("answers")
    answers = sent if isinstance(sent, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    picked = {f"q-{key}": value for key, value in answers.items()}
    try:
        keep_draft(db(), spec=spec, student=current_user.student, now=utcnow(),
                   content=DraftContent(code=code, answers=answers_from_form(spec, picked)))
    except DraftTooLarge:
        db().rollback()
        return jsonify(error="draft too large"), 413
    db().commit()
    return "", 204
