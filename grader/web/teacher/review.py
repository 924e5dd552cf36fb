"""A submission as the teacher sees it: highlighted source, checks, logs, timing, and manual overrides.

An override never edits the automatic result: `review.add_override` appends a row (who, when, before,
after, why) and the final score is derived again from the result and the decisions in force. A decision
belongs to the submission and its check, so a regrade carries it over while the check keeps its maximum;
the audit trail says which grading it was taken on, and a decision that no longer fits ("stale") is shown
with the reason it is not applied. The form names the grading the page showed (its id travels in the
form), so "before" in the audit trail is what the teacher saw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from grader.core.i18n import Text, format_score, t
from grader.core.paths import scrub_paths
from grader.core.results import GradeResult
from grader.course.analytics import check_titles
from grader.course.figures.feedback import feedback_figures
from grader.course.gradebook import attempts, pick
from grader.db.models import FINISHED_STATUSES, Grading, Override, Submission
from grader.db.review import DecisionRefused, FinalScore, add_override, final_score, override_history
from grader.db.store import file_listing, grading_result
from grader.web.auth import staff_required
from grader.web.i18n import current_lang, gettext, tr
from grader.web.offering import course_here, offering_id
from grader.web.routes import Routes
from grader.web.state import db, state
from grader.web.teacher.source import highlight_css, render_source

routes = Routes()

# Strings the base dictionary (grader.web.i18n) or teacher.py already translate are not repeated.


@dataclass(frozen=True)
class OverrideInput:
    """A parsed override form: which grading and check (None: the total), the points and the reason."""

    grading_id: int
    check_id: str | None
    points: float
    reason: str


@dataclass(frozen=True)
class AuditRow:
    """One decision of the submission's audit trail and how it stands on the grading shown."""

    override: Override
    in_force: bool
    # Set when the decision is in force but was taken on another grading of the submission.
    carried_from: int | None
    # Why a decision in force is not applied to the grading shown; None when it applies (or is replaced).
    stale: Text | None


def _stale_reason(override: Override, result: GradeResult) -> Text:
    """Why a decision in force does not apply to `result`: its check vanished or a maximum changed."""
    if override.check_id is None:
        return t(f"No se aplica: la nota máxima pasó de {format_score(override.max_points or 0, 'es')} a "
                 f"{format_score(result.max_score, 'es')} al recalificar. Decide la nota total de nuevo.",
                 f"Not applied: the maximum score changed from {format_score(override.max_points or 0, 'en')} "
                 f"to {format_score(result.max_score, 'en')} in the regrade. Decide the total again.")
    check = next((c for c in result.checks if c.id == override.check_id), None)
    if check is None:
        return t(f"No se aplica: la comprobación «{override.check_id}» ya no existe en esta calificación (el "
                 "enunciado cambió). Revisa la nota de nuevo.",
                 f"Not applied: this grading no longer has check '{override.check_id}' (the spec changed). "
                 "Review the score again.")
    return t(f"No se aplica: el máximo de «{check.id}» pasó de {format_score(override.max_points or 0, 'es')} a "
             f"{format_score(check.max_points, 'es')} al recalificar. Revisa la nota de nuevo.",
             f"Not applied: the maximum of '{check.id}' changed from {format_score(override.max_points or 0, 'en')}"
             f" to {format_score(check.max_points, 'en')} in the regrade. Review the score again.")


def audit_rows(history: list[Override], score: FinalScore, result: GradeResult, grading_id: int) -> list[AuditRow]:
    """The audit trail (oldest first) with, for each decision in force, whether it was carried or is stale."""
    newest = {o.check_id: o.id for o in history}
    stale = {d.check_id for d in score.stale}
    return [AuditRow(override=o, in_force=newest[o.check_id] == o.id,
                     carried_from=o.grading_id if newest[o.check_id] == o.id and o.grading_id != grading_id
                     else None,
                     stale=_stale_reason(o, result) if newest[o.check_id] == o.id and o.check_id in stale
                     else None)
            for o in history]


class OverrideFormError(ValueError):
    """The override form cannot be accepted; the message is for the teacher."""


def parse_override(form: MultiDict[str, str]) -> OverrideInput:
    """Read the override form; a comma decimal ("7,5") is accepted. Raises OverrideFormError."""
    reason = form.get("reason", "").strip()
    if not reason:
        raise OverrideFormError(gettext("Indica el motivo del cambio."))
    try:
        points = float(form.get("points", "").strip().replace(",", "."))
        grading_id = int(form.get("grading_id", ""))
    except ValueError:
        raise OverrideFormError(gettext("Los puntos deben ser un número.")) from None
    if not math.isfinite(points):
        raise OverrideFormError(gettext("Los puntos deben ser un número."))
    return OverrideInput(grading_id=grading_id, check_id=form.get("check_id") or None, points=points,
                         reason=reason)


def _submission(submission_id: int) -> Submission:
    """Any student's submission of this offering (its staff see all of them), or 404."""
    found = db().get(Submission, submission_id)
    if found is None or found.offering_id != offering_id():
        abort(404)
    return found


def _context(sub: Submission) -> dict[str, Any]:
    """Everything the drill-down shows (server paths scrubbed from the log and error of older rows)."""
    web, session = state(), db()
    gradings = sorted(sub.gradings, key=lambda g: g.id, reverse=True)
    shown = next((g for g in gradings if g.status in FINISHED_STATUSES), None)
    tries = attempts(session, course=course_here(), student_ids=[sub.student_id], exercises=[sub.exercise.slug])
    spec = web.catalog.specs.get(sub.exercise.slug)
    result = grading_result(shown) if shown is not None else None
    score = final_score(session, grading=shown) if shown is not None else None
    history = override_history(session, grading=shown) if shown is not None else []
    return {
        "submission": sub, "spec": spec, "gradings": gradings, "grading": shown,
        "newer_pending": bool(gradings) and gradings[0] is not shown,
        "result": result, "score": score,
        "error": scrub_paths(tr(result.error)) if result is not None and result.error is not None else "",
        "logs": scrub_paths(shown.logs) if shown is not None else "",
        "history": history,
        "audit": audit_rows(history, score, result, shown.id) if score and result and shown else [],
        "attempt": next((a for a in tries if a.submission_id == sub.id), None), "tries": tries,
        "counted": pick(tries, course_here().grading_policy),  # type: ignore[arg-type]
        "check_titles": check_titles(web.catalog, sub.exercise.slug),
        "source": render_source(sub.filename, sub.source),
        "beside": file_listing(session, submission_id=sub.id),
        # Teachers see the expected architecture beside a failed layers check, whatever the release policy.
        "figures": feedback_figures(result, spec, lang=current_lang(), show_answers=True) if result else None,
        "form_error": None, "form_check": None, "form": {},
    }


@routes.get("/submissions/<int:submission_id>")
@staff_required
def submission(submission_id: int) -> Any:
    """One submission of any student, with everything needed to decide on it."""
    return render_template("teacher/submission.html", **_context(_submission(submission_id)))


@routes.post("/submissions/<int:submission_id>/override")
@staff_required
def override(submission_id: int) -> Any:
    """Record a teacher's points for one check or the total; a refused form comes back with its error (400)."""
    sub = _submission(submission_id)
    session = db()
    try:
        asked = parse_override(request.form)
        grading = session.get(Grading, asked.grading_id)
        if grading is None or grading.submission_id != sub.id:
            abort(404)
        add_override(session, grading=grading, check_id=asked.check_id, points=asked.points,
                     reason=asked.reason, teacher=current_user.username)
    except ValueError as exc:  # OverrideFormError, or add_override refusing the points, check or grading
        session.rollback()
        if isinstance(exc, DecisionRefused):
            message = f"{gettext('No se pudo guardar el cambio')}: {exc.message.get(current_lang())}"
        else:
            message = str(exc) if isinstance(exc, OverrideFormError) else gettext("No se pudo guardar el cambio")
        context = _context(sub) | {"form_error": message, "form_check": request.form.get("check_id", ""),
                                   "form": request.form}
        return render_template("teacher/submission.html", **context), 400
    session.commit()
    flash(gettext("Cambio guardado."), "ok")
    return redirect(url_for("teacher.submission", submission_id=sub.id, _anchor="checks"))


@routes.get("/highlight.css")
@staff_required
def highlight_stylesheet() -> Any:
    """Colours of the highlighted source (generated by Pygments)."""
    return highlight_css(), 200, {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"}


@routes.get("/gradings/<int:grading_id>")
@staff_required
def grading_redirect(grading_id: int) -> Any:
    """The drill-down of the submission a grading belongs to (pending reviews name gradings, not submissions)."""
    grading = db().get(Grading, grading_id)
    if grading is None or grading.submission.offering_id != offering_id():
        abort(404)
    return redirect(url_for("teacher.submission", submission_id=grading.submission_id, _anchor="checks"))
