"""Log in and out, and the role guards every other blueprint uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from grader.course.accounts import LoginThrottled, authenticate
from grader.course.people import STAFF_ROLES, PeopleRefused, change_own_password
from grader.web.i18n import gettext, tr
from grader.web.offering import apply_offering
from grader.web.state import db

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField("Usuario", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Contraseña", validators=[DataRequired(), Length(max=1024)])


def role_required(*roles: str) -> Callable[[F], F]:
    """Only logged-in users with one of `roles` in the offering they work on pass (see grader.web.offering);
    anonymous users go to the login page, others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# Settings, releases and accounts are the teacher's; grading and reviewing are the staff's (teachers and TAs).
teacher_required = role_required("teacher")
staff_required = role_required("teacher", "ta")
student_required = role_required("student")


def _safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirect through ?next=)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: Any) -> str:
    """Where a user lands after logging in, by their role in the offering they work on."""
    return url_for("teacher.overview") if user.role in STAFF_ROLES else url_for("student.assignments")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; failed attempts are counted per username and address, and throttled."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        session = db()
        try:
            user = authenticate(session, username=form.username.data or "", password=form.password.data or "",
                                remote_addr=request.remote_addr or "unknown")
        except LoginThrottled:
            session.rollback()
            flash(gettext("Demasiados intentos fallidos: espera 15 minutos antes de volver a intentarlo."), "error")
            return render_template("login.html", form=form), 429
        session.commit()
        if user is not None:
            login_user(user)
            apply_offering(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        flash(gettext("Usuario o contraseña incorrectos."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


class PasswordForm(FlaskForm):
    """The current password and the new one, typed twice."""

    current = PasswordField("Contraseña actual", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("Contraseña nueva", validators=[DataRequired(), Length(max=1024)])
    repeated = PasswordField("Repite la contraseña nueva", validators=[DataRequired(), Length(max=1024)])


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    """Any user changes their own password (current, new, repeated)."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        session = db()
        try:
            change_own_password(session, user=current_user, current=form.current.data or "",
                                new=form.new.data or "", repeated=form.repeated.data or "")
        except PeopleRefused as refused:
            session.rollback()
            flash(tr(refused.message), "error")
            status = 400
        else:
            session.commit()
            flash(gettext("Contraseña cambiada."), "ok")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return render_template("account.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Any:
    """End the session (POST with CSRF, so a link on another site cannot log anyone out)."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/")
def index() -> Any:
    """Send each user to their home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_for(current_user))
