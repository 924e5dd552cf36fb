"""Token-authenticated JSON API under /api/v1: submit, read a submission's result, list the assignments.

For an LMS plugin or a script: `Authorization: Bearer <token>` (from `grader users token`), never the
session cookie, which is why the blueprint is exempt from CSRF. Every route needs a token unless listed in
PUBLIC_ENDPOINTS, so a route added later is protected by default. It calls the same services as the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from grader.core.i18n import Text, t
from grader.course.accounts import user_for_token
from grader.course.figures.diagnosis import diagnose
from grader.course.intake import SubmissionRefused
from grader.db.models import Grading, GradingStatus, User, utcnow
from grader.web.offering import apply_offering, course_here
from grader.web.openapi import (
    ApiError,
    ExerciseList,
    ExerciseOut,
    SubmissionAccepted,
    SubmissionIn,
    SubmissionOut,
    openapi_document,
)
from grader.web.services import (
    AssignmentRow,
    Feedback,
    accept_submission,
    assignment_rows,
    editor_bytes,
    feedback,
    visible_submission,
)
from grader.web.state import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})

_MESSAGES: dict[int, Text] = {
    400: t("Petición no válida.", "Bad request."),
    401: t("Falta el token de la API o no es válido: envía la cabecera `Authorization: Bearer <token>`.",
           "Missing or invalid API token: send the header `Authorization: Bearer <token>`."),
    403: t("Tu cuenta no puede hacer esto.", "Your account cannot do this."),
    404: t("No encontrado.", "Not found."),
    405: t("Método no permitido.", "Method not allowed."),
    413: t("La petición es demasiado grande.", "The request is too large."),
    429: t("Demasiadas peticiones: espera un momento.", "Too many requests: wait a moment."),
}


def error_response(status: int, message: Text | None = None) -> Response:
    """A JSON refusal `{"error": {"es": ..., "en": ...}}` with `status`."""
    fallback = t(f"Error {status}.", f"Error {status}.")
    response = jsonify(ApiError(error=message or _MESSAGES.get(status, fallback)).model_dump(mode="json"))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="grader"'
    return response


def _http_error(exc: HTTPException) -> Response:
    """Errors raised inside the API (an oversized body, an abort) answer in JSON, not the HTML error page."""
    return error_response(exc.code or 500)


# Flask prefers the app's handler for a status code over a blueprint's handler for a class, so the codes the
# app renders as HTML pages are claimed one by one; the class catches the rest.
for _code in _MESSAGES:
    bp.register_error_handler(_code, _http_error)
bp.register_error_handler(HTTPException, _http_error)


def _bearer_token() -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.before_request
def _authenticate() -> Response | None:
    """Resolve the bearer token to its user for the whole request, or answer 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    user = user_for_token(db(), token=_bearer_token())
    if user is None:
        return error_response(401)
    g.api_user = user
    # The offering a call works on: `?offering=<id>` among the token holder's (another one is 404, as a
    # submission of it would be), else their first; someone who belongs to none gets 403.
    wanted = request.args.get("offering", "")
    if wanted and not wanted.isdigit():
        return error_response(404)
    found = apply_offering(user, int(wanted) if wanted else None)
    if found is None:
        return error_response(403)
    if wanted and found.offering_id != int(wanted):
        return error_response(404)
    return None


def api_user() -> User:
    """The holder of this request's token."""
    return g.api_user


@dataclass(frozen=True)
class Upload:
    """What a client sent to grade, however it was encoded."""

    exercise: str
    filename: str
    data: bytes


def _upload() -> Upload:
    """The submission in the request: multipart (exercise, file) or JSON (exercise, filename, source).

    Raises SubmissionRefused (400) naming what is missing, so the client learns how to fix the call.
    """
    if request.is_json:
        try:
            body = SubmissionIn.model_validate(request.get_json(silent=True))
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in exc.errors())
            raise SubmissionRefused(t(f"JSON no válido; revisa: {fields}.",
                                      f"Invalid JSON; check: {fields}.")) from None
        return Upload(exercise=body.exercise, filename=body.filename, data=editor_bytes(body.source))
    file = request.files.get("file")
    exercise = request.form.get("exercise", "")
    if not exercise or file is None:
        raise SubmissionRefused(t(
            "Envía `exercise` y `file` como multipart/form-data, o un JSON con `exercise` y `source`.",
            "Send `exercise` and `file` as multipart/form-data, or JSON with `exercise` and `source`."))
    return Upload(exercise=exercise, filename=file.filename or "", data=file.read())


@bp.post("/submissions")
def create_submission() -> Any:
    """Store and queue a submission of the token's student: 202 with where to poll for the result."""
    student = api_user().student
    if api_user().role != "student" or student is None:
        return error_response(403, t("Solo las cuentas de estudiante pueden entregar.",
                                     "Only student accounts can submit."))
    try:
        upload = _upload()
        accepted = accept_submission(student, exercise_id=upload.exercise, filename=upload.filename,
                                     data=upload.data)
    except SubmissionRefused as refused:
        return error_response(refused.status_code, refused.message)
    url = url_for("api.get_submission", submission_id=accepted.submission_id)
    status: GradingStatus = "queued"
    if accepted.duplicate:
        grading = db().get(Grading, accepted.grading_id)
        status = grading.status if grading is not None else "queued"
    body = SubmissionAccepted(id=accepted.submission_id, status=status, status_url=url,
                              duplicate=accepted.duplicate)
    return jsonify(body.model_dump(mode="json")), 200 if accepted.duplicate else 202, {"Location": url}


def submission_out(standing: Feedback) -> SubmissionOut:
    """The API's view of a submission's feedback: result fields only once the grading finished."""
    sub, attempt = standing.submission, standing.attempt
    out = SubmissionOut(id=sub.id, exercise=sub.exercise.slug, student=sub.student.external_id,
                        filename=sub.filename, received_at=sub.received_at, status=standing.status,
                        finished=standing.finished, late=bool(attempt and attempt.late))
    if not standing.finished or standing.result is None:
        return out
    graded, scored = standing.result, standing.score_shown
    return out.model_copy(update={
        "score": graded.score if scored else None, "max_score": graded.max_score,
        "final": (attempt.final if attempt else graded.score) if scored else None,
        "checks": graded.checks, "error": graded.error, "notes": graded.notes,
        "models": graded.models, "training": graded.training,
        "diagnosis": diagnose(graded.training).text if graded.training and graded.training.epochs else None,
        "released": not standing.withheld, "withheld": list(standing.withheld)})


@bp.get("/submissions/<int:submission_id>")
def get_submission(submission_id: int) -> Any:
    """A submission's status and, when finished, its result; only the owner or a teacher sees it."""
    submission = visible_submission(api_user(), submission_id)
    if submission is None:
        return error_response(404)
    return jsonify(submission_out(feedback(submission, viewer=api_user())).model_dump(mode="json"))


def exercise_out(row: AssignmentRow, *, now: datetime, own: bool) -> ExerciseOut:
    """One assignment as listed by the API; `own` adds the student's progress."""
    assignment = row.assignment
    out = ExerciseOut(id=row.spec.id, title=row.spec.title, max_score=row.spec.max_score,
                      opens_at=assignment.opens_at, due_at=assignment.due_at, closes_at=assignment.closes_at(),
                      late_penalty=assignment.late.penalty if assignment.late else None,
                      max_attempts=assignment.max_attempts, open=row.is_open(now))
    if not own:
        return out
    return out.model_copy(update={"status": row.status, "attempts_used": row.attempts_used,
                                  "attempts_left": row.attempts_left(),
                                  "score": row.counted.final if row.counted and row.score_shown else None})


@bp.get("/exercises")
def list_exercises() -> Any:
    """The course's assignments with deadlines; a student token also gets its own status and attempts."""
    user = api_user()
    own = user.role == "student" and user.student_id is not None
    rows = assignment_rows(user.student_id if own else None)
    now = utcnow()
    body = ExerciseList(course=course_here().title, exercises=[exercise_out(r, now=now, own=own) for r in rows])
    return jsonify(body.model_dump(mode="json"))


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document of this API (no token needed: it holds no data)."""
    return jsonify(openapi_document())
