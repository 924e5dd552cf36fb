"""The release of an exercise's full feedback: the policy in force, released or not, and the button that
publishes or withdraws it (exams default to manual release; see grader.course.release)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grader.course.closing import ReleaseRefused, release_feedback, who_can_submit
from grader.course.course import Assignment
from grader.course.release import release_state, set_release
from grader.web.auth import teacher_required
from grader.web.i18n import gettext, tr
from grader.web.offering import offering_id
from grader.web.routes import Routes
from grader.web.services import course_now
from grader.web.state import db, state

routes = Routes()


def _assignment(exercise_id: str) -> Assignment:
    """The assignment of `exercise_id`, or 404."""
    assignment = course_now().get(exercise_id)
    if assignment is None:
        abort(404)
    return assignment


@routes.get("/exercises/<exercise_id>/release")
@teacher_required
def release_page(exercise_id: str) -> Any:
    """The feedback policy of one exercise, whether it is released now, who can still submit, and the
    release/withdraw button."""
    assignment = _assignment(exercise_id)
    session = db()
    release = release_state(session, assignment=assignment, offering_id=offering_id())
    return render_template("teacher/release.html", spec=state().catalog.specs.get(exercise_id),
                           assignment=assignment, release=release,
                           still_open=who_can_submit(session, course=course_now(), assignment=assignment))


@routes.post("/exercises/<exercise_id>/release")
@teacher_required
def release_update(exercise_id: str) -> Any:
    """Publish (`released=1`, refused while anyone can still submit unless `close_submissions=1`) or withdraw
    (`released=0`) the full feedback; recorded with who did it."""
    _assignment(exercise_id)
    released = request.form.get("released") == "1"
    session = db()
    back = redirect(url_for("teacher.release_page", exercise_id=exercise_id))
    if released:
        try:
            release_feedback(session, course=course_now(), exercise_slug=exercise_id,
                             teacher=current_user.username, close_submissions=request.form.get("close") == "1")
        except ReleaseRefused as refused:
            session.rollback()
            flash(tr(refused.message), "error")
            return back
    else:
        set_release(session, exercise_slug=exercise_id, released=False, teacher=current_user.username,
                    offering_id=offering_id())
    session.commit()
    flash(gettext("Retroalimentación publicada.") if released else gettext("Retroalimentación retirada."), "ok")
    return back
