"""One person at a time, from the students page: add, edit (name, email), reset the password of, or drop a
student; add another teacher or a TA. Passwords made here are shown once, on a page kept out of caches.
Teachers only: a TA cannot manage accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from grader.course.people import (
    NewAccount,
    PeopleRefused,
    add_staff,
    add_student,
    drop_student,
    edit_student,
    reset_password,
)
from grader.web.auth import teacher_required
from grader.web.i18n import gettext, tr
from grader.web.offering import offering_id
from grader.web.routes import Routes
from grader.web.state import db

routes = Routes()

def _shown_once(account: NewAccount) -> Response:
    """The page with a new password, never cached."""
    response = Response(render_template("teacher/new_password.html", account=account))
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(refused: PeopleRefused) -> Any:
    """Back to the students page with why."""
    db().rollback()
    flash(tr(refused.message), "error")
    return redirect(url_for("teacher.roster"))


def _made(make: Callable[[], NewAccount]) -> Any:
    """Run `make` and show the new password once, or go back saying why it was refused."""
    try:
        account = make()
    except PeopleRefused as refused:
        return _refused(refused)
    db().commit()
    if not account.password:  # an existing login joined this offering: it keeps its password
        flash(gettext("Añadido a este curso con su cuenta de siempre."), "ok")
        return redirect(url_for("teacher.roster"))
    return _shown_once(account)


@routes.post("/people/students")
@teacher_required
def student_add() -> Any:
    """Add one student (username, name, email) with a login; the password is shown once."""
    form = request.form
    return _made(lambda: add_student(db(), offering_id=offering_id(), username=form.get("username", ""),
                                     name=form.get("name", ""), email=form.get("email", "")))


@routes.post("/people/students/<username>")
@teacher_required
def student_change(username: str) -> Any:
    """`action=edit` (name, email), `action=reset` (a new password, shown once) or `action=drop`."""
    action, form, session = request.form.get("action", ""), request.form, db()
    try:
        if action == "reset":
            account = reset_password(session, username=username, offering_id=offering_id())
            session.commit()
            return _shown_once(account)
        if action == "drop":
            drop_student(session, username=username, offering_id=offering_id())
            message = gettext("Estudiante dado de baja: su trabajo se conserva, pero deja de aparecer en las listas.")
        else:
            edit_student(session, username=username, name=form.get("name", ""), email=form.get("email", ""),
                         offering_id=offering_id())
            message = gettext("Estudiante actualizado.")
    except PeopleRefused as refused:
        return _refused(refused)
    session.commit()
    flash(message, "ok")
    return redirect(url_for("teacher.roster"))


@routes.post("/people/staff")
@teacher_required
def staff_add() -> Any:
    """Add another teacher or a TA; the password is shown once."""
    form = request.form
    return _made(lambda: add_staff(db(), offering_id=offering_id(), username=form.get("username", ""),
                                   name=form.get("name", ""), role=form.get("role", "")))
