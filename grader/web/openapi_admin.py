"""The teacher's part of the API contract: assignment settings, extensions, releases, and adding a student.

Bodies are pydantic models like the rest of the API (see grader.web.openapi, which adds these to its
document). Times are ISO 8601 with an offset; `release` is `immediate` (feedback on grading) or
`after_release` (held until a teacher releases it; exams' default).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from grader.core.i18n import Text

ApiRelease = Literal["immediate", "after_release", "after_deadline"]


class AssignmentPatch(BaseModel):
    """Settings to change; a field left out stays as it is, `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    opens_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    max_attempts: int | None = Field(default=None, ge=1, description="Null: unlimited.")
    release: Literal["immediate", "after_release"] | None = None
    time_limit_min: int | None = Field(default=None, ge=1, le=1440, description="Null: not a timed exam.")


class AssignmentSettings(BaseModel):
    """An assignment's settings in force."""

    exercise: str
    opens_at: datetime
    due_at: datetime
    closes_at: datetime = Field(description="Last moment a submission is accepted, late ones included.")
    max_attempts: int | None
    release: ApiRelease
    time_limit_min: int | None
    late_until: datetime | None
    late_penalty: float | None


class ExtensionIn(BaseModel):
    """One student's own deadline and/or attempts on an assignment."""

    model_config = ConfigDict(extra="forbid")

    due_at: AwareDatetime | None = None
    max_attempts: int | None = Field(default=None, ge=1)


class ExtensionOut(BaseModel):
    """The extension in force."""

    exercise: str
    username: str
    due_at: datetime | None
    max_attempts: int | None


class ReleaseIn(BaseModel):
    """Release the full feedback; `close_submissions` closes them for everyone at this moment."""

    model_config = ConfigDict(extra="forbid")

    close_submissions: bool = False


class ReleaseOut(BaseModel):
    """The release was recorded."""

    exercise: str
    released: bool
    submissions_closed: bool


class ReleaseRefusedOut(BaseModel):
    """Refused: `still_open` students can still submit a counted attempt (send close_submissions: true)."""

    error: Text
    still_open: int


class StudentIn(BaseModel):
    """A student to add, with a login whose username is their roster id."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=255)
    name: str = Field(default="", max_length=255)
    email: str = Field(default="", max_length=320)


class StudentCreated(BaseModel):
    """The new student's login; the password is shown this once."""

    username: str
    password: str


ADMIN_MODELS: tuple[tuple[type[BaseModel], Literal["validation", "serialization"]], ...] = (
    (AssignmentPatch, "validation"), (AssignmentSettings, "serialization"), (ExtensionIn, "validation"),
    (ExtensionOut, "serialization"), (ReleaseIn, "validation"), (ReleaseOut, "serialization"),
    (ReleaseRefusedOut, "serialization"), (StudentIn, "validation"), (StudentCreated, "serialization"))

Ref = Callable[[str], dict[str, Any]]


def admin_paths(ref: Ref, errors: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The teacher routes of the API (teacher tokens only: others get 403)."""
    exercise = {"name": "exercise", "in": "path", "required": True, "schema": {"type": "string"}}
    username = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/v1/assignments/{exercise}": {"patch": {
            "operationId": "patchAssignment", "summary": "Change an assignment's settings (teachers).",
            "parameters": [exercise], "requestBody": {"required": True, "content": ref("AssignmentPatch")},
            "responses": {"200": {"description": "The settings in force", "content": ref("AssignmentSettings")},
                          **errors(400, 401, 403, 404)}}},
        "/api/v1/assignments/{exercise}/extensions/{username}": {
            "put": {"operationId": "putExtension", "summary": "Give one student their own deadline/attempts.",
                    "parameters": [exercise, username], "requestBody": {"required": True,
                                                                        "content": ref("ExtensionIn")},
                    "responses": {"200": {"description": "The extension", "content": ref("ExtensionOut")},
                                  **errors(400, 401, 403, 404)}},
            "delete": {"operationId": "deleteExtension", "summary": "End one student's extension.",
                       "parameters": [exercise, username],
                       "responses": {"204": {"description": "Removed"}, **errors(401, 403, 404)}}},
        "/api/v1/assignments/{exercise}/release": {"post": {
            "operationId": "releaseAssignment", "summary": "Release the full feedback (teachers).",
            "parameters": [exercise], "requestBody": {"required": False, "content": ref("ReleaseIn")},
            "responses": {"200": {"description": "Released", "content": ref("ReleaseOut")},
                          "409": {"description": "Students can still submit a counted attempt",
                                  "content": ref("ReleaseRefusedOut")},
                          **errors(400, 401, 403, 404)}}},
        "/api/v1/students": {"post": {
            "operationId": "createStudent", "summary": "Add one student with a login (teachers).",
            "requestBody": {"required": True, "content": ref("StudentIn")},
            "responses": {"201": {"description": "Created; the password is shown once",
                                  "content": ref("StudentCreated")}, **errors(400, 401, 403)}}},
    }
