"""An assignment's settings in the browser: dates, attempts, release and late policy, time limit, per-student
extensions, and the audit trail of every change (grader.course.settings_edit does the work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from grader.core.i18n import t
from grader.course.settings_edit import (
    SettingsRefused,
    extension_history,
    extensions_in_force,
    history,
    remove_extension,
    save_settings,
    set_extension,
)
from grader.db.models import Student, User
from grader.db.offerings import on_roster
from grader.web.auth import teacher_required
from grader.web.i18n import gettext, tr
from grader.web.offering import course_here, offering_id
from grader.web.routes import Routes
from grader.web.services import course_now
from grader.web.state import db, state

routes = Routes()


def parse_moment(text: str, *, field: str) -> datetime | None:
    """An ISO 8601 date from a form ("" is None); without an offset it is read in the course's zone."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SettingsRefused(t(f"{field}: «{text[:40]}» no es una fecha ISO 8601 (2027-06-30T23:59:00+02:00).",
                                f"{field}: \"{text[:40]}\" is not an ISO 8601 date (2027-06-30T23:59:00+02:00).")
                              ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=course_here().zone)


def _number(text: str, *, field: str, kind: type = int) -> Any:
    """A number from a form ("" is None); SettingsRefused naming the field otherwise."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise SettingsRefused(t(f"{field}: «{text[:20]}» no es un número.",
                                f"{field}: \"{text[:20]}\" is not a number.")) from None


def _exercise(exercise_id: str) -> None:
    """404 unless `exercise_id` is assigned."""
    if course_here().get(exercise_id) is None:
        abort(404)


@routes.get("/exercises/<exercise_id>/settings")
@teacher_required
def settings_page(exercise_id: str) -> Any:
    """The settings in force, the extensions, and the trail of changes."""
    _exercise(exercise_id)
    session = db()
    extensions = extensions_in_force(session, exercise=exercise_id, offering_id=offering_id())
    given = extension_history(session, exercise=exercise_id, offering_id=offering_id())
    ids = {row.student_id for row in given}
    names = dict(session.execute(select(Student.id, Student.external_id).where(Student.id.in_(ids))).all()
                 ) if ids else {}
    return render_template("teacher/settings.html", spec=state().catalog.specs.get(exercise_id),
                           assignment=course_now().get(exercise_id),
                           changes=history(session, exercise=exercise_id, offering_id=offering_id()),
                           extensions=[(names.get(sid, str(sid)), ext) for sid, ext in extensions.items()],
                           given=[(names.get(row.student_id, str(row.student_id)), row) for row in given])


@routes.post("/exercises/<exercise_id>/settings")
@teacher_required
def settings_update(exercise_id: str) -> Any:
    """Save the form's settings (every field is sent; an empty optional one means "none")."""
    _exercise(exercise_id)
    form, session = request.form, db()
    try:
        changes = {
            "opens_at": parse_moment(form.get("opens_at", ""), field="opens_at"),
            "due_at": parse_moment(form.get("due_at", ""), field="due_at"),
            "max_attempts": _number(form.get("max_attempts", ""), field="max_attempts"),
            "late_until": parse_moment(form.get("late_until", ""), field="late_until"),
            "late_penalty": _number(form.get("late_penalty", ""), field="late_penalty", kind=float),
            "time_limit_min": _number(form.get("time_limit_min", ""), field="time_limit_min"),
            "release": form.get("release", ""),
        }
        save_settings(session, course=course_here(), exercise=exercise_id, teacher=current_user.username,
                      changes={k: v for k, v in changes.items()
                               if v is not None or k in ("max_attempts", "late_until", "time_limit_min")})
    except SettingsRefused as refused:
        session.rollback()
        flash(tr(refused.message), "error")
    else:
        session.commit()
        flash(gettext("Ajustes guardados: se aplican a lo que cuente desde ahora."), "ok")
    return redirect(url_for("teacher.settings_page", exercise_id=exercise_id))


def student_by_username(username: str) -> Student | None:
    """The student of this offering's roster whose login (or roster id) is `username`."""
    session = db()
    user = session.scalar(select(User).where(User.username == username.strip()))
    found = user.student if user is not None and user.student is not None else session.scalar(
        select(Student).where(Student.external_id == username.strip()))
    if found is None or not on_roster(session, offering_id=offering_id(), student_id=found.id):
        return None
    return found


@routes.post("/exercises/<exercise_id>/extensions")
@teacher_required
def extension_update(exercise_id: str) -> Any:
    """Give one student their own deadline and/or attempts (`remove=1`: end it)."""
    _exercise(exercise_id)
    session, form = db(), request.form
    back = redirect(url_for("teacher.settings_page", exercise_id=exercise_id))
    student = student_by_username(form.get("username", ""))
    if student is None:
        flash(gettext("No existe ese estudiante."), "error")
        return back
    try:
        if form.get("remove") == "1":
            remove_extension(session, exercise=exercise_id, student_id=student.id, teacher=current_user.username,
                             offering_id=offering_id())
        else:
            set_extension(session, course=course_here(), exercise=exercise_id, student_id=student.id,
                          teacher=current_user.username, due_at=parse_moment(form.get("due_at", ""), field="due_at"),
                          max_attempts=_number(form.get("max_attempts", ""), field="max_attempts"))
    except SettingsRefused as refused:
        session.rollback()
        flash(tr(refused.message), "error")
        return back
    session.commit()
    flash(gettext("Prórroga quitada.") if form.get("remove") == "1" else gettext("Prórroga guardada."), "ok")
    return back
