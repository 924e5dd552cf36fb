"""Grade by question: one free-text question, every student's answer on one page, driven by the keyboard.

Each answer shows the student's words, the rubric's ideas found and the suggested points, with a form whose
points start at the suggestion: Enter accepts it, a number then Enter adjusts it, and the page comes back on
the next answer still waiting. "Accept every remaining suggestion" decides the rest at once. Every decision
goes through grader.db.decisions.add_override, the audited path the drill-down uses.
"""

from __future__ import annotations

import math
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grader.core.i18n import round_score
from grader.course.byquestion import answers_to_question, review_questions
from grader.db.decisions import DecisionRefused, add_override
from grader.db.models import Grading
from grader.web.auth import staff_required
from grader.web.i18n import current_lang, gettext, ngettext
from grader.web.offering import course_here, offering_id
from grader.web.routes import Routes
from grader.web.services import assigned_spec
from grader.web.state import db
from grader.web.teacher.analytics import requested_policy

routes = Routes()


def _question(exercise_id: str, question_id: str) -> Any:
    """The spec and its reviewed free-text question `question_id`, or 404 (unknown, or not a reviewed one)."""
    spec = assigned_spec(exercise_id)
    if question_id not in {q.id for q in review_questions(spec)}:
        abort(404)
    return spec


@routes.get("/exercises/<exercise_id>/questions")
@staff_required
def question_index(exercise_id: str) -> Any:
    """The exercise's free-text questions, each linking to its grade-by-question page."""
    spec = assigned_spec(exercise_id)
    questions = review_questions(spec)
    if len(questions) == 1:
        return redirect(url_for("teacher.by_question", exercise_id=exercise_id, question_id=questions[0].id))
    return render_template("teacher/by_question.html", spec=spec, questions=questions, question=None,
                           answers=[], policy=requested_policy())


@routes.get("/exercises/<exercise_id>/questions/<question_id>")
@staff_required
def by_question(exercise_id: str, question_id: str) -> Any:
    """Every student's counted answer to one free-text question, with the rubric and the suggestions."""
    spec = _question(exercise_id, question_id)
    question = next(q for q in review_questions(spec) if q.id == question_id)
    answers = answers_to_question(db(), course=course_here(), spec=spec, question_id=question_id,
                                  policy=requested_policy())
    focus = next((a.grading_id for a in answers if a.pending), None)
    return render_template("teacher/by_question.html", spec=spec, questions=review_questions(spec),
                           question=question, answers=answers, focus=focus, policy=requested_policy())


def _decide(exercise_id: str, grading_id: int, question_id: str, points: float, reason: str) -> None:
    """Record one decision through the audited path (raises DecisionRefused); 404 for a grading of another
    exercise, so a stale or forged form cannot decide elsewhere."""
    grading = db().get(Grading, grading_id)
    if (grading is None or grading.submission.exercise.slug != exercise_id
            or grading.submission.offering_id != offering_id()):
        abort(404)
    add_override(db(), grading=grading, check_id=question_id, points=points, reason=reason,
                 teacher=current_user.username)


@routes.post("/exercises/<exercise_id>/questions/<question_id>/decide")
@staff_required
def decide_question(exercise_id: str, question_id: str) -> Any:
    """Accept or adjust one answer's points, then come back on the next answer still waiting."""
    _question(exercise_id, question_id)
    back = url_for("teacher.by_question", exercise_id=exercise_id, question_id=question_id, policy=requested_policy())
    try:
        grading_id = int(request.form.get("grading_id", ""))
        points = float(request.form.get("points", "").replace(",", "."))
        suggested = float(request.form.get("suggested", "nan"))
    except ValueError:
        flash(gettext("Escribe un número de puntos."), "error")
        return redirect(back)
    # The field shows the suggestion rounded (2/3 as 0,67): Enter on it accepts the exact suggestion.
    accepted = math.isclose(points, round_score(suggested), abs_tol=1e-9) or math.isclose(points, suggested)
    if accepted:
        points = suggested
    reason = request.form.get("reason", "").strip() or (
        gettext("Sugerencia aceptada (calificación por pregunta).") if accepted
        else gettext("Ajustado al calificar por pregunta."))
    try:
        _decide(exercise_id, grading_id, question_id, points, reason)
    except DecisionRefused as refused:
        db().rollback()
        flash(refused.message.get(current_lang()), "error")
        return redirect(back)
    db().commit()
    flash(gettext("Decisión guardada."), "ok")
    return redirect(back)


@routes.post("/exercises/<exercise_id>/questions/<question_id>/accept-all")
@staff_required
def accept_all(exercise_id: str, question_id: str) -> Any:
    """Accept the suggested points of every answer still waiting, in one transaction."""
    spec = _question(exercise_id, question_id)
    waiting = [a for a in answers_to_question(db(), course=course_here(), spec=spec, question_id=question_id,
                                              policy=requested_policy()) if a.pending]
    back = url_for("teacher.by_question", exercise_id=exercise_id, question_id=question_id, policy=requested_policy())
    try:
        for answer in waiting:
            _decide(exercise_id, answer.grading_id, question_id, answer.suggested,
                    gettext("Sugerencia aceptada (calificación por pregunta)."))
    except DecisionRefused as refused:
        # All or nothing: a refusal leaves every answer as it was, and says why.
        db().rollback()
        flash(refused.message.get(current_lang()), "error")
        return redirect(back)
    db().commit()
    flash(ngettext("%(num)s sugerencia aceptada.", "%(num)s sugerencias aceptadas.", len(waiting)), "ok")
    return redirect(back)
