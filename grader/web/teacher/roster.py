"""The roster page: import students from a CSV, show the new accounts' first passwords once, and let the
teacher download them as a CSV once.

Routes are declared here and registered with the gradebook module's (grader/web/teacher/gradebook.py), of
which this page was a part. The one-time download keeps the passwords in this process's memory under a random
token, and only the token in the teacher's session (the cookie is signed, not encrypted, and a URL ends up in
logs and history): the first download, a new visit to the roster page or ten minutes end it. With several web
processes (gunicorn -w N) the download can reach another process and is then refused like a second one; the
passwords stay on the import page, which is never cached.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Response, render_template, request, session
from flask_login import current_user
from sqlalchemy import select

from grader.course.accounts import RosterImport, decode_roster, import_roster, passwords_csv
from grader.course.gradebook import students
from grader.db.models import User, utcnow
from grader.web.auth import teacher_required
from grader.web.i18n import current_lang, gettext
from grader.web.offering import offering_id
from grader.web.routes import Routes
from grader.web.state import db

routes = Routes()


TOKEN_KEY = "roster_passwords"
LIFETIME_SECONDS = 600.0


@dataclass(frozen=True)
class _Pending:
    """First passwords waiting for their one download: whose they are, the CSV, and until when."""

    teacher_id: int
    text: str
    expires: float


class OneTimeFiles:
    """Files handed out at most once, by token, to the teacher who made them, within their lifetime."""

    def __init__(self) -> None:
        self._files: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    def put(self, *, teacher_id: int, text: str) -> str:
        """Keep `text` for one download by `teacher_id`; returns its token."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            # Expired files are dropped whenever a new one arrives, so nothing lingers in memory.
            self._files = {k: v for k, v in self._files.items() if v.expires > now}
            self._files[token] = _Pending(teacher_id, text, now + LIFETIME_SECONDS)
        return token

    def take(self, *, token: str, teacher_id: int) -> str | None:
        """The file once (it is gone afterwards), or None if taken, expired, unknown or someone else's."""
        with self._lock:
            found = self._files.pop(token, None)
        if found is None or found.teacher_id != teacher_id or found.expires <= time.monotonic():
            return None
        return found.text

    def drop(self, *, token: str) -> None:
        """Forget the file of `token`, if any."""
        with self._lock:
            self._files.pop(token, None)


FILES = OneTimeFiles()


def _uploaded_roster() -> tuple[str | None, str | None]:
    """The roster text from the upload (which wins) or the text box, and a note on how the file was decoded."""
    upload = request.files.get("roster")
    if upload is not None and upload.filename:
        decoded = decode_roster(upload.read())
        return decoded.text, decoded.note.get(current_lang()) if decoded.note is not None else None
    return request.form.get("text", "").strip() or None, None


def _offer_passwords(outcome: RosterImport) -> bool:
    """Keep the new first passwords for one download (forgetting any earlier offer); True if offered."""
    _forget_offer()
    if not outcome.created:
        return False
    session[TOKEN_KEY] = FILES.put(teacher_id=current_user.id, text=passwords_csv(outcome.created))
    return True


def _forget_offer() -> None:
    """End the download offered on the previous import page: the teacher has left it."""
    token = session.pop(TOKEN_KEY, None)
    if token:
        FILES.drop(token=token)


@teacher_required
def roster() -> Any:
    """Import students from a CSV; new accounts' first passwords are shown once, in this response only."""
    outcome, error, note, status, offered = None, None, None, 200, False
    if request.method == "POST":
        text, note = _uploaded_roster()
        if text is None:
            error, status = gettext("Elige un archivo CSV o pega su contenido."), 400
        else:
            outcome = import_roster(db(), text=text, offering_id=offering_id())
            db().commit()
            status = 400 if outcome.refused else 200
            offered = _offer_passwords(outcome)
    else:
        _forget_offer()
    accounts = {sid: name for sid, name in db().execute(
        select(User.student_id, User.username).where(User.student_id.is_not(None)))}
    response = Response(render_template(
        "teacher/roster.html", outcome=outcome, error=error, note=note, offered=offered,
        people=students(db(), offering_id=offering_id()), accounts=accounts), status=status)
    # The page may carry first passwords: keep it out of every cache and the browser's history cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@teacher_required
def roster_passwords() -> Any:
    """The first passwords of the last import as a CSV, once (a POST with the session's token, never a URL)."""
    token = session.pop(TOKEN_KEY, None)
    text = FILES.take(token=token, teacher_id=current_user.id) if token else None
    if text is None:
        return Response(gettext("Esta descarga ya se hizo o ha caducado: las contraseñas no se vuelven a entregar. "
                                "Si alguien la necesita, cámbiale la contraseña con «grader users set-password»."),
                        status=410, mimetype="text/plain", headers={"Cache-Control": "no-store"})
    return Response(text.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="contrasenas-iniciales-{utcnow():%Y-%m-%d}.csv"',
        "Cache-Control": "no-store"})


routes.route("/roster", methods=["GET", "POST"])(roster)
routes.post("/roster/passwords.csv")(roster_passwords)
