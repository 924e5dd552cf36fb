"""The API's contract: the typed bodies it reads and writes, and the OpenAPI 3.1 document built from them.

The component schemas are generated from the same pydantic models the views fill in, so the document cannot
describe a field the API does not send. A test compares the documented paths with the registered routes.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

import grader
from grader.core.i18n import Text
from grader.core.results import CheckResult
from grader.core.summaries import ModelSummary, TrainingCurve
from grader.web.openapi_admin import ADMIN_MODELS, admin_paths
from grader.web.services import EDITOR_FILENAME

GradingStatus = Literal["queued", "running", "graded", "error"]


class ApiError(BaseModel):
    """Every refusal: why, in both languages."""

    error: Text


class SubmissionIn(BaseModel):
    """A submission sent as JSON text instead of a multipart file."""

    model_config = ConfigDict(extra="forbid")

    exercise: str = Field(min_length=1, max_length=200, description="Exercise id, as in GET /api/v1/exercises.")
    filename: str = Field(default=EDITOR_FILENAME, min_length=1, max_length=500,
                          description="Its extension decides how it is read: .py, .ipynb, .json or .yaml.")
    source: str = Field(description="The file's text (UTF-8).")


class SubmissionAccepted(BaseModel):
    """A stored submission whose grading is queued, or (`duplicate`) the one already made with the same file
    moments before: a retried request never makes a second submission."""

    id: int
    status: Literal["queued", "running", "graded", "error"]
    status_url: str = Field(description="Poll this URL for the result.")
    duplicate: bool = Field(default=False, description="True when this is the same file sent again within 2 "
                            "minutes: nothing new was stored (HTTP 200 instead of 202).")


class SubmissionOut(BaseModel):
    """A submission and, once its grading finished, the result; result fields are null until then.

    A student sees what the exercise's feedback policy releases: before an exam's feedback is released, each
    check is only `passed` and its points (empty `message`, no `hint`, no `answer`, no notes), and `withheld`
    names what is held back.
    """

    id: int
    exercise: str
    student: str
    filename: str
    received_at: datetime
    status: GradingStatus
    finished: bool
    late: bool
    score: float | None = Field(default=None, description="Automatic points.")
    max_score: float | None = None
    final: float | None = Field(default=None, description="After teacher overrides and the late penalty.")
    checks: list[CheckResult] | None = None
    error: Text | None = Field(default=None, description="Why the submission could not be graded at all.")
    notes: list[Text] | None = None
    models: list[ModelSummary] | None = Field(default=None, description="Each graded model layer by layer (class, "
                                              "units, activation, output shape, parameters): what the feedback draws.")
    training: TrainingCurve | None = Field(default=None, description="The grader's own brief training, epoch by "
                                           "epoch (loss, val_loss, metric, val_metric), with the baseline.")
    diagnosis: Text | None = Field(default=None, description="What the curves say: learns or not, over- or "
                                   "underfitting, where the student's EarlyStopping would stop.")
    released: bool = Field(default=True, description="False while the teacher has not released the full feedback.")
    withheld: list[Literal["score", "messages", "hints", "answers"]] = Field(
        default_factory=list, description="Parts not shown yet: score (score and final are null, check points "
        "0), messages (empty), hints and answers (null).")


class ExerciseOut(BaseModel):
    """One assignment of the course; the last four fields are the token holder's own (null for teachers)."""

    id: str
    title: Text
    max_score: float
    opens_at: datetime
    due_at: datetime
    closes_at: datetime = Field(description="Last moment a submission is accepted, late ones included.")
    late_penalty: float | None = Field(description="Score factor lost by late submissions; null: none accepted.")
    max_attempts: int | None = Field(description="Null: unlimited.")
    open: bool
    status: Literal["not_started", "pending", "graded", "not_counted", "error"] | None = Field(
        default=None, description="not_counted: only tries that cannot count (refused before running, or void).")
    attempts_used: int | None = None
    attempts_left: int | None = None
    score: float | None = Field(default=None, description="Final score of the attempt that counts; null "
                                "while the feedback policy withholds scores.")


class ExerciseList(BaseModel):
    """The course and its assignments in the order students see them."""

    course: Text
    exercises: list[ExerciseOut]


_MODELS: tuple[tuple[type[BaseModel], Literal["validation", "serialization"]], ...] = (
    (ApiError, "serialization"), (SubmissionIn, "validation"), (SubmissionAccepted, "serialization"),
    (SubmissionOut, "serialization"), (ExerciseList, "serialization"), *ADMIN_MODELS)


def _ref(name: str) -> dict[str, Any]:
    """A JSON body described by component schema `name`."""
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    """Responses carrying an ApiError, one per status code."""
    reasons = {400: "Malformed request", 401: "Missing or invalid token", 403: "Refused by the course rules",
               404: "Unknown, or not yours", 409: "Conflicts with the current state", 413: "Too large",
               415: "Not an accepted file type", 429: "Too many submissions in a row"}
    return {str(code): {"description": reasons[code], "content": _ref("ApiError")} for code in codes}


def _paths() -> dict[str, Any]:
    """Every route of the API blueprint."""
    multipart = {"type": "object", "required": ["exercise", "file"], "properties": {
        "exercise": {"type": "string"}, "file": {
            "type": "string", "contentMediaType": "application/octet-stream",
            "description": "A .py, .ipynb, .json or .yaml file, or a .zip of the student's folder: its one notebook "
                           "or script (or the one named after the exercise) and the data files its code reads."}}}
    return {
        "/api/v1/submissions": {"post": {
            "operationId": "createSubmission", "summary": "Submit a file for grading (student tokens).",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": multipart},
                                                          **_ref("SubmissionIn")}},
            "responses": {"202": {"description": "Stored and queued", "content": _ref("SubmissionAccepted"),
                                  "headers": {"Location": {"schema": {"type": "string"}}}},
                          **_errors(400, 401, 403, 404, 413, 415, 429)}}},
        "/api/v1/submissions/{submission_id}": {"get": {
            "operationId": "getSubmission", "summary": "A submission's status and, when finished, its result.",
            "parameters": [{"name": "submission_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "The submission", "content": _ref("SubmissionOut")},
                          **_errors(401, 404)}}},
        "/api/v1/exercises": {"get": {
            "operationId": "listExercises", "summary": "The course's assignments with their deadlines.",
            "responses": {"200": {"description": "The assignments", "content": _ref("ExerciseList")},
                          **_errors(401)}}},
        **admin_paths(_ref, _errors),
        "/api/v1/openapi.json": {"get": {
            "operationId": "getOpenApi", "summary": "This document.", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }


# Every call with a token works on one course offering (grader.web.api's before_request reads it).
OFFERING = {"name": "offering", "in": "query", "required": False, "schema": {"type": "integer"},
            "description": "The course offering the call works on (an id from `grader offerings list`), among "
                           "the token holder's; without it, their first. Another offering's id answers 404."}


def _with_offering(paths: dict[str, Any]) -> dict[str, Any]:
    """`paths` with the offering query parameter on every operation that takes a token."""
    for operations in paths.values():
        for operation in operations.values():
            if operation.get("security") != []:
                operation["parameters"] = [*operation.get("parameters", []),
                                           {"$ref": "#/components/parameters/offering"}]
    return paths


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/v1 (built once: it depends on nothing but the code)."""
    _, schemas = models_json_schema(_MODELS, ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Grader API", "version": grader.__version__,
                 "description": "Submit Keras exercises and read their automatic feedback. Every message comes "
                                "in Spanish (`es`) and English (`en`)."},
        "security": [{"bearerAuth": []}],
        "paths": _with_offering(_paths()),
        "components": {
            "parameters": {"offering": OFFERING},
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `grader users token USERNAME`; a new one replaces the old."}},
            "schemas": schemas["$defs"],
        },
    }
