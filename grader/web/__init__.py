"""The web service: students submit and read feedback, teachers review, override, regrade, analyse, export.

`create_app` is the only entry point (tests, `grader serve`, `wsgi.py` all use it). Grading never runs in a
request: submissions are stored with a queued grading, and grading workers (threads over the warm sandbox
pool in `grader serve`, or separate processes) pick them up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from grader.core.specs.loader import Catalog
from grader.course.course import DEFAULT_COURSE_FILE, load_course
from grader.course.intake import MAX_UPLOAD_BYTES, parse_rate_limit
from grader.db.models import User
from grader.db.runtime import Runtime
from grader.db.session import default_database_url
from grader.queue.celery import CeleryDispatcher, broker_url_from_env, make_celery
from grader.web.i18n import current_lang, gettext, score, tr, when
from grader.web.state import WebState, close_db, db

csrf = CSRFProtect()
login_manager = LoginManager()


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
    app.extensions["grader"] = web_state
    app.teardown_appcontext(close_db)

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    app.jinja_env.globals.update(_=gettext, tr=tr, current_lang=current_lang)
    app.jinja_env.filters.update(tr=tr, score=score, when=when)
    _register(app)
    return app


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The logged-in user of this request."""
    return db().get(User, int(user_id)) if user_id.isdigit() else None


def _register(app: Flask) -> None:
    """Blueprints, error pages and the health probe."""
    from grader.web import api, auth, ops, student, teacher

    app.register_blueprint(auth.bp)
    app.register_blueprint(student.bp)
    app.register_blueprint(teacher.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies: CSRF cannot apply

    def error_page(exc: HTTPException) -> Any:
        """HTML error pages, except under the API prefix: routing errors (unknown URL, wrong method) never
        reach the API blueprint's own handlers, and an API client must get JSON whatever went wrong."""
        code = exc.code or 500
        if request.path.startswith(api.bp.url_prefix or "/api/"):
            return api.error_response(code)
        return render_template("error.html", code=code, error=exc), code

    for code in (403, 404, 405, 413, 429):
        app.register_error_handler(code, error_page)
