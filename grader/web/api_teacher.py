"""The teacher's JSON API, for courses run from scripts: assignment settings, extensions, releases, students.

Routes live on the API blueprint (grader.web.api: bearer tokens, JSON errors) and are described in
grader.web.openapi_admin. Teacher tokens only; they call the same functions as the teacher's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ValidationError

from grader.core.i18n import t
from grader.course.closing import ReleaseRefused, release_feedback
from grader.course.course import Assignment
from grader.course.people import PeopleRefused, add_student, student_login
from grader.course.release import release_state
from grader.course.settings_edit import (
    SettingsRefused,
    extensions_in_force,
    remove_extension,
    save_settings,
    set_extension,
)
from grader.web.api import api_user, bp, error_response
from grader.web.offering import course_here, offering_id
from grader.web.openapi_admin import (
    AssignmentPatch,
    AssignmentSettings,
    ExtensionIn,
    ExtensionOut,
    ReleaseIn,
    ReleaseOut,
    ReleaseRefusedOut,
    StudentCreated,
    StudentIn,
)
from grader.web.services import course_now
from grader.web.state import db

M = TypeVar("M", bound=BaseModel)
API_RELEASE = {"immediate": "immediate", "after_release": "manual"}


class BadBody(Exception):
    """The JSON body does not match its model; `response` says which fields."""

    def __init__(self, response: Response) -> None:
        super().__init__("bad body")
        self.response = response


def _body(model: type[M], *, optional: bool = False) -> M:
    """The request's JSON as `model`; BadBody (400 naming the fields) otherwise."""
    raw = request.get_json(silent=True)
    if raw is None and optional:
        raw = {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in exc.errors())
        raise BadBody(error_response(400, t(f"JSON no válido; revisa: {fields}.",
                                            f"Invalid JSON; check: {fields}."))) from None


bp.register_error_handler(BadBody, lambda bad: bad.response)

V = TypeVar("V", bound=Callable[..., Any])


def teacher_only(view: V) -> V:
    """403 unless the token is a teacher's (a TA's is not: settings, releases and accounts are the teacher's);
    with an `exercise` argument, 404 unless it is assigned."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if api_user().role != "teacher":
            return error_response(403, t("Solo los profesores pueden hacer esto.", "Only teachers can do this."))
        if "exercise" in kwargs and course_here().get(kwargs["exercise"]) is None:
            return error_response(404)
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]


def settings_out(assignment: Assignment) -> AssignmentSettings:
    """An assignment's settings as the API answers them."""
    release = assignment.feedback_policy.release
    return AssignmentSettings(
        exercise=assignment.exercise, opens_at=assignment.opens_at, due_at=assignment.due_at,
        closes_at=assignment.closes_at(), max_attempts=assignment.max_attempts,
        release="after_release" if release == "manual" else release,
        time_limit_min=assignment.time_limit_min,
        late_until=assignment.late.until if assignment.late else None,
        late_penalty=assignment.late.penalty if assignment.late else None)


@bp.patch("/assignments/<exercise>")
@teacher_only
def patch_assignment(exercise: str) -> Any:
    """Change any of opens_at, due_at, max_attempts, release, time_limit_min; answers the settings in force."""
    patch = _body(AssignmentPatch)
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}
    if "release" in changes:
        if changes["release"] is None:
            return error_response(400, t("`release` no puede ser null.", "`release` cannot be null."))
        changes["release"] = API_RELEASE[changes["release"]]
    for required in ("opens_at", "due_at"):
        if required in changes and changes[required] is None:
            return error_response(400, t(f"`{required}` no puede ser null.", f"`{required}` cannot be null."))
    session = db()
    try:
        saved = save_settings(session, course=course_here(), exercise=exercise, teacher=api_user().username,
                              changes=changes)
    except SettingsRefused as refused_settings:
        session.rollback()
        return error_response(400, refused_settings.message)
    session.commit()
    return jsonify(settings_out(saved).model_dump(mode="json"))


def _student_id(username: str) -> int | None:
    """The id of student `username`, or None."""
    try:
        student = student_login(db(), username=username, offering_id=offering_id()).student
    except PeopleRefused:
        return None
    return student.id if student is not None else None


@bp.put("/assignments/<exercise>/extensions/<username>")
@teacher_only
def put_extension(exercise: str, username: str) -> Any:
    """Give `username` their own due_at and/or max_attempts on `exercise` (replacing any earlier one)."""
    student_id = _student_id(username)
    if student_id is None:
        return error_response(404)
    body = _body(ExtensionIn)
    session = db()
    try:
        row = set_extension(session, course=course_here(), exercise=exercise, student_id=student_id,
                            teacher=api_user().username, due_at=body.due_at, max_attempts=body.max_attempts)
    except SettingsRefused as refused_ext:
        session.rollback()
        return error_response(400, refused_ext.message)
    session.commit()
    return jsonify(ExtensionOut(exercise=exercise, username=username, due_at=row.due_at,
                                max_attempts=row.max_attempts).model_dump(mode="json"))


@bp.delete("/assignments/<exercise>/extensions/<username>")
@teacher_only
def delete_extension(exercise: str, username: str) -> Any:
    """End `username`'s extension on `exercise`; 404 when there is none."""
    student_id = _student_id(username)
    session = db()
    if student_id is None or student_id not in extensions_in_force(session, exercise=exercise,
                                                                   offering_id=offering_id()):
        return error_response(404)
    remove_extension(session, exercise=exercise, student_id=student_id, teacher=api_user().username,
                     offering_id=offering_id())
    session.commit()
    return "", 204


@bp.post("/assignments/<exercise>/release")
@teacher_only
def release_assignment(exercise: str) -> Any:
    """Release the full feedback; 409 with how many can still submit unless `close_submissions` is true."""
    body = _body(ReleaseIn, optional=True)
    session = db()
    try:
        release_feedback(session, course=course_now(), exercise_slug=exercise, teacher=api_user().username,
                         close_submissions=body.close_submissions)
    except ReleaseRefused as refused_release:
        session.rollback()
        answer = jsonify(ReleaseRefusedOut(error=refused_release.message,
                                           still_open=refused_release.still_open).model_dump(mode="json"))
        answer.status_code = 409
        return answer
    session.commit()
    assignment = course_now().get(exercise)
    assert assignment is not None
    closed = release_state(session, assignment=assignment, offering_id=offering_id()).closes_submissions
    return jsonify(ReleaseOut(exercise=exercise, released=True, submissions_closed=closed).model_dump(mode="json"))


@bp.post("/students")
@teacher_only
def create_student() -> Any:
    """Add one student with a login: 201 with the username and the password (shown this once)."""
    body = _body(StudentIn)
    session = db()
    try:
        account = add_student(session, username=body.username, name=body.name, email=body.email,
                              offering_id=offering_id())
    except PeopleRefused as refused_student:
        session.rollback()
        return error_response(400, refused_student.message)
    session.commit()
    out = StudentCreated(username=account.username, password=account.password)
    return jsonify(out.model_dump(mode="json")), 201, {"Cache-Control": "no-store"}
