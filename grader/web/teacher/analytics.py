"""Teacher analytics per exercise, and "regrade everyone" jobs with a progress page that polls a JSON endpoint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from grader.core.specs.loader import SpecError
from grader.course.analytics import check_titles, exercise_stats, summaries
from grader.course.byquestion import review_questions
from grader.course.gradebook import POLICIES
from grader.course.regrade import RegradeProgress, recent_regrades, regrade_progress, start_regrade
from grader.web.auth import staff_required
from grader.web.i18n import gettext
from grader.web.offering import course_here, offering_id
from grader.web.routes import Routes
from grader.web.state import db, state

routes = Routes()


def requested_policy() -> Any:
    """?policy=best|last (in the query or a form), else the course's."""
    asked = request.values.get("policy", "")
    return asked if asked in POLICIES else course_here().grading_policy


@routes.get("/analytics")
@staff_required
def analytics_index() -> Any:
    """Every assigned exercise with its submissions, students and pending reviews."""
    web = state()
    return render_template("teacher/analytics_index.html",
                           rows=summaries(db(), course=course_here(), catalog=web.catalog))


@routes.get("/analytics/<exercise_id>")
@staff_required
def analytics_exercise(exercise_id: str) -> Any:
    """One exercise: score histogram, most failed checks, attempts per student, pending reviews, regrades."""
    web = state()
    try:
        stats = exercise_stats(db(), course=course_here(), catalog=web.catalog, exercise_id=exercise_id,
                               policy=requested_policy())
    except KeyError:
        abort(404)
    spec = web.catalog.specs.get(exercise_id)
    # Grading by question is for free-text questions only: a code exercise has nothing to grade that way.
    return render_template("teacher/analytics.html", stats=stats,
                           by_question=bool(spec and review_questions(spec)),
                           titles=check_titles(web.catalog, exercise_id),
                           regrades=recent_regrades(db(), exercise_id=exercise_id, offering_id=offering_id()))


@routes.post("/analytics/<exercise_id>/regrade")
@staff_required
def regrade(exercise_id: str) -> Any:
    """Queue a regrade of every submission that can count under the course's policy and show its progress."""
    web, session = state(), db()
    if course_here().get(exercise_id) is None:
        abort(404)
    try:
        job = start_regrade(session, catalog=web.catalog, exercise_id=exercise_id, offering_id=offering_id(),
                            requested_by=current_user.username,
                            policy=course_here().grading_policy)
    except (KeyError, SpecError):  # assigned, but its spec is missing or invalid in the catalog
        abort(404)
    session.commit()
    web.notify(job.total)  # after the commit, so woken workers find the gradings
    flash(gettext("Recalificación en cola."), "ok")
    return redirect(url_for("teacher.regrade_page", regrade_id=job.id))


def _progress(regrade_id: int) -> RegradeProgress:
    """The progress of a regrade, or 404."""
    found = regrade_progress(db(), regrade_id, offering_id=offering_id())
    if found is None:
        abort(404)
    return found


@routes.get("/regrades/<int:regrade_id>")
@staff_required
def regrade_page(regrade_id: int) -> Any:
    """A regrade's progress; the page polls `regrade_status` until every grading is done."""
    progress = _progress(regrade_id)
    spec = state().catalog.specs.get(progress.exercise)
    return render_template("teacher/regrade.html", progress=progress, title=spec.title if spec else None)


@routes.get("/regrades/<int:regrade_id>/status")
@staff_required
def regrade_status(regrade_id: int) -> Any:
    """JSON for the progress page: total, done, failed, queued, running, percent, finished."""
    progress = _progress(regrade_id)
    return jsonify(total=progress.total, done=progress.done, failed=progress.failed, queued=progress.queued,
                   running=progress.running, percent=progress.percent, finished=progress.finished)
