"""The web service: students submit and read feedback, teachers review, override, regrade, analyse, export.

`create_app` is the only entry point (tests, `grader serve`, `wsgi.py` all use it). Grading never runs in a
request: submissions are stored with a queued grading, and grading workers (threads over the warm sandbox
pool in `grader serve`, or separate processes) pick them up.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError

from grader.core.i18n import t
from grader.core.specs.loader import Catalog
from grader.course.course import DEFAULT_COURSE_FILE, load_course
from grader.course.intake import MAX_UPLOAD_BYTES, parse_rate_limit
from grader.db.models import User
from grader.db.runtime import Runtime
from grader.db.session import default_database_url
from grader.lti.config import CONFIG_ENV, load_lti_config
from grader.queue.celery import CeleryDispatcher, broker_url_from_env, make_celery
from grader.web.i18n import (
    current_lang,
    filesize,
    gettext,
    init_locale,
    lang_url,
    ngettext,
    percent,
    points,
    score,
    seconds,
    tr,
    when,
)
from grader.web.lti.framing import framed_headers
from grader.web.markdown import render_markdown, render_message
from grader.web.offering import apply_offering, template_globals
from grader.web.state import WebState, close_db, db

csrf = CSRFProtect()
login_manager = LoginManager()
log = logging.getLogger(__name__)

# Every page, JSON answer, static file and error page carries these. The CSP allows only this site's own
# scripts and stylesheets: no inline <script>, no on...= handlers, no style= attributes (templates keep to it).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secret_key(instance: Path) -> str:
    """`GRADER_SECRET_KEY`, else a random key kept in the instance folder so sessions survive restarts."""
    if os.environ.get("GRADER_SECRET_KEY"):
        return os.environ["GRADER_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: dict[str, Any] | None = None, *, catalog: Catalog | None = None) -> Flask:
    """Build the app. `config` may set DATABASE_URL, SECRET_KEY, COURSE_FILE, RATE_LIMIT and Flask keys."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.config.update(
        DATABASE_URL=default_database_url(),
        COURSE_FILE=str(DEFAULT_COURSE_FILE),
        # Uploads beyond this are cut off by Werkzeug before they reach a view (413).
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind HTTPS set GRADER_SECURE_COOKIES=1; plain http://127.0.0.1 needs it off to log in at all.
        SESSION_COOKIE_SECURE=os.environ.get("GRADER_SECURE_COOKIES") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        # /metrics answers this bearer token (for a Prometheus scraper) or a logged-in teacher.
        METRICS_TOKEN=os.environ.get("GRADER_METRICS_TOKEN") or None,
    )
    app.config.update(config or {})
    if "SECRET_KEY" not in (config or {}):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]

    runtime = Runtime(database_url=app.config["DATABASE_URL"], catalog=catalog)
    catalog = runtime.catalog
    web_state = WebState(engine=runtime.engine, sessions=runtime.sessions, catalog=catalog,
                         course=load_course(Path(app.config["COURSE_FILE"]), catalog=catalog))
    if "RATE_LIMIT" in app.config:
        web_state.rate_limit = app.config["RATE_LIMIT"]
    elif os.environ.get("GRADER_RATE_LIMIT"):
        web_state.rate_limit = parse_rate_limit(os.environ["GRADER_RATE_LIMIT"])
    broker_url = app.config.get("BROKER_URL", broker_url_from_env())
    if broker_url:
        web_state.dispatcher = CeleryDispatcher(make_celery(broker_url))
        web_state.notify = web_state.dispatcher.notify
    lti_path = app.config.get("LTI_CONFIG", os.environ.get(CONFIG_ENV))
    if lti_path:
        web_state.lti = load_lti_config(lti_path)
        if app.config["SESSION_COOKIE_SECURE"]:
            # An LMS shows the tool in a cross-site iframe: Lax cookies would not be sent there at all.
            app.config.update(SESSION_COOKIE_SAMESITE="None", REMEMBER_COOKIE_SAMESITE="None")
    app.extensions["grader"] = web_state
    app.teardown_appcontext(close_db)

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    init_locale(app)
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, tr=tr, current_lang=current_lang,
                                 lang_url=lang_url, lti_enabled=lambda: web_state.lti is not None,
                                 course_zone=lambda: web_state.course.zone)
    app.jinja_env.filters.update(tr=tr, filesize=filesize, score=score, points=points, seconds=seconds,
                                 percent=percent, when=when, md=render_markdown, msg=render_message)
    _register(app)
    return app


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The logged-in user of this request, with their role in the offering they work on (grader.web.offering)."""
    user = db().get(User, int(user_id)) if user_id.isdigit() else None
    if user is not None:
        apply_offering(user)
    return user


def _register(app: Flask) -> None:
    """Blueprints, error pages and the health probe."""
    # api_teacher is imported for what it does: it adds the teacher's routes to api.bp before it is registered.
    from grader.web import api, api_teacher, auth, offering, ops, quiz, student, teacher  # noqa: F401
    from grader.web.lti import admin, launch

    app.register_blueprint(auth.bp)
    app.register_blueprint(offering.bp)
    app.context_processor(template_globals)
    app.register_blueprint(student.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(teacher.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies: CSRF cannot apply
    app.register_blueprint(launch.bp)
    app.register_blueprint(admin.bp)
    # Posted by the LMS (cross-site, no form of ours): the OIDC state and the signed id_token protect them.
    csrf.exempt(launch.login)
    csrf.exempt(launch.launch)

    app.after_request(_security_headers)

    def error_page(exc: HTTPException) -> Any:
        """HTML error pages, except under the API prefix: routing errors (unknown URL, wrong method) never
        reach the API blueprint's own handlers, and an API client must get JSON whatever went wrong."""
        code = exc.code or 500
        if request.path.startswith(api.bp.url_prefix or "/api/"):
            return api.error_response(code)
        return render_template("error.html", code=code, csrf_expired=isinstance(exc, CSRFError),
                               size_limit=_size(app.config.get("MAX_CONTENT_LENGTH") or MAX_UPLOAD_BYTES)), code

    def server_error(exc: InternalServerError) -> Any:
        """An unexpected failure: logged with its traceback under a short reference the page shows, so a
        student can report it and the teacher can find it; the page itself never shows the traceback."""
        reference = secrets.token_hex(4)
        log.error("unhandled error reference=%s %s %s", reference, request.method, request.path,
                  exc_info=exc.original_exception or exc)
        if request.path.startswith(api.bp.url_prefix or "/api/"):
            return api.error_response(500, t(f"Error interno del servidor (referencia {reference}).",
                                             f"Internal server error (reference {reference})."))
        try:
            return render_template("error.html", code=500, reference=reference), 500
        except Exception:  # the page itself failed (database down?): a bare answer, still with the reference
            log.exception("error page failed reference=%s", reference)
            return Response(f"500 · {reference}\n", status=500, mimetype="text/plain")

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, error_page)
    app.register_error_handler(InternalServerError, server_error)


def _security_headers(response: Response) -> Response:
    """Add the security headers to any response that does not set its own (LMS framing: see grader.web.lti)."""
    for name, value in framed_headers(SECURITY_HEADERS).items():
        response.headers.setdefault(name, value)
    return response


def _size(limit: int) -> str:
    """A byte count for people: whole megabytes (or kilobytes below one megabyte)."""
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{max(1, limit // 1024)} KB"
