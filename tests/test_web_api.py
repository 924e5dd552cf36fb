"""The JSON API under /api/v1: bearer tokens, submit and poll, who may read what, and its OpenAPI document."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from tests.student_helpers import allow_submissions, close_assignment, issue_token, open_course
from tests.web_helpers import finish_queued, login

LAB = "lab-add-hidden-16"
API_PREFIX = "/api/v1"


@pytest.fixture
def tokens(app: Any, accounts: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """Authorization headers of profe, ana and beto; every assignment open."""
    open_course(app)
    return {name: issue_token(app, name) for name in accounts}


def post_file(client: Any, headers: dict[str, str], filename: str, data: bytes, exercise: str = LAB) -> Any:
    """POST a multipart submission."""
    return client.post(f"{API_PREFIX}/submissions", headers=headers,
                       data={"exercise": exercise, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer ", "Basic YW5hOnB3"])
def test_missing_or_invalid_token_is_401_json(client: Any, tokens: dict[str, dict[str, str]],
                                              header: str | None) -> None:
    """Without a valid bearer token every route answers 401 in JSON, with a WWW-Authenticate challenge."""
    headers = {"Authorization": header} if header is not None else {}
    for response in (client.get(f"{API_PREFIX}/exercises", headers=headers),
                     client.get(f"{API_PREFIX}/submissions/1", headers=headers),
                     post_file(client, headers, "a.py", b"x = 1\n")):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert set(response.get_json()["error"]) == {"es", "en"}


def test_the_session_cookie_is_not_a_credential(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    # The API is exempt from CSRF, which is only safe because a logged-in browser gets nothing from it.
    """A logged-in browser gets nothing from the API: that is what makes its CSRF exemption safe."""
    assert login(client, "ana").status_code == 302
    assert client.get(f"{API_PREFIX}/exercises").status_code == 401


def test_a_new_token_replaces_the_old_one(app: Any, client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """Issuing a token revokes the previous one."""
    newer = issue_token(app, "ana")
    assert client.get(f"{API_PREFIX}/exercises", headers=tokens["ana"]).status_code == 401
    assert client.get(f"{API_PREFIX}/exercises", headers=newer).status_code == 200


def test_a_retried_submission_is_the_same_submission(app: Any, client: Any,
                                                    tokens: dict[str, dict[str, str]]) -> None:
    """The same file sent again moments later (a client retrying after a lost answer) returns the submission
    already made, with its current status and 200, and stores nothing new; other bytes are a new one."""
    first = post_file(client, tokens["ana"], "retry.py", b"x = 1\n")
    assert first.status_code == 202 and first.get_json()["duplicate"] is False
    finish_queued(app, score=3.0)
    again = post_file(client, tokens["ana"], "retry.py", b"x = 1\n")
    assert again.status_code == 200
    body = again.get_json()
    assert (body["id"], body["status"], body["duplicate"]) == (first.get_json()["id"], "graded", True)
    other = post_file(client, tokens["ana"], "retry.py", b"x = 2\n")
    assert other.status_code == 202 and other.get_json()["id"] != body["id"]


def test_submit_then_poll_until_graded(app: Any, client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """A multipart submission is queued (202), then its status URL shows the stored result."""
    response = post_file(client, tokens["ana"], "lab2.py", b"x = 1\n")
    assert response.status_code == 202
    accepted = response.get_json()
    assert accepted["status"] == "queued" and response.headers["Location"] == accepted["status_url"]

    queued = client.get(accepted["status_url"], headers=tokens["ana"]).get_json()
    assert (queued["id"], queued["status"], queued["finished"], queued["filename"]) == (
        accepted["id"], "queued", False, "lab2.py")
    assert queued["score"] is None and queued["checks"] is None

    finish_queued(app, score=6, checks=[("layers", False, 1, 5), ("trains", True, 5, 5)])
    graded = client.get(accepted["status_url"], headers=tokens["ana"]).get_json()
    assert (graded["status"], graded["finished"], graded["score"], graded["max_score"], graded["final"]) == (
        "graded", True, 6, 10, 6)
    assert [(c["id"], c["passed"]) for c in graded["checks"]] == [("layers", False), ("trains", True)]
    assert graded["checks"][0]["message"] == {"es": "mensaje layers", "en": "message layers"}
    assert graded["error"] is None and graded["student"] == "ana"


def test_json_submission_is_stored_like_the_editor(app: Any, client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """JSON source is stored as the editor's entrega.py, and a grading error comes back in both languages."""
    response = client.post(f"{API_PREFIX}/submissions", headers=tokens["ana"],
                           json={"exercise": LAB, "source": "x = 1\r\ny = 2\r\n"})
    assert response.status_code == 202
    finish_queued(app, score=0, error="No se encontró la variable `model`.")
    result = client.get(response.get_json()["status_url"], headers=tokens["ana"]).get_json()
    assert (result["filename"], result["status"]) == ("entrega.py", "error")
    assert result["error"]["es"] == "No se encontró la variable `model`."


@pytest.mark.parametrize(("body", "field"), [({"exercise": LAB}, "source"), ({"source": "x"}, "exercise"),
                                             ({"exercise": LAB, "source": "x", "extra": 1}, "extra")])
def test_malformed_json_names_the_field(client: Any, tokens: dict[str, dict[str, str]], body: dict[str, Any],
                                        field: str) -> None:
    """A JSON body missing or adding a field is 400 and names that field."""
    response = client.post(f"{API_PREFIX}/submissions", headers=tokens["ana"], json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["en"]


def test_multipart_without_a_file_is_400(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """A multipart body without the file says what to send."""
    response = client.post(f"{API_PREFIX}/submissions", headers=tokens["ana"], data={"exercise": LAB})
    assert response.status_code == 400
    assert "`file`" in response.get_json()["error"]["es"]


def test_refusals_carry_the_service_status_and_message(app: Any, client: Any,
                                                      tokens: dict[str, dict[str, str]]) -> None:
    """Refusals keep the status code and bilingual message of grader.course.intake."""
    wrong_type = post_file(client, tokens["ana"], "notas.txt", b"x = 1\n")
    assert wrong_type.status_code == 415
    assert "`notas.txt` is not an accepted file" in wrong_type.get_json()["error"]["en"]

    unknown = post_file(client, tokens["ana"], "a.py", b"x = 1\n", exercise="no-such-exercise")
    assert unknown.status_code == 404 and "no-such-exercise" in unknown.get_json()["error"]["es"]

    close_assignment(app, LAB)
    closed = post_file(client, tokens["ana"], "a.py", b"x = 1\n")
    assert closed.status_code == 403 and "ya no se aceptan entregas" in closed.get_json()["error"]["es"]


def test_rate_limit_is_429(app: Any, client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """The per-student rate limit applies to the API too."""
    allow_submissions(app, 1)
    assert post_file(client, tokens["ana"], "a.py", b"x = 1\n").status_code == 202
    # Other bytes: the same file again within moments is the same submission, not a new one.
    limited = post_file(client, tokens["ana"], "a.py", b"x = 2\n")
    assert limited.status_code == 429 and "Too many submissions" in limited.get_json()["error"]["en"]


def test_oversized_body_is_413_json(app: Any, client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """A body over MAX_CONTENT_LENGTH is refused in JSON, not with the HTML error page."""
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post_file(client, tokens["ana"], "a.py", b"x = 1\n" * 1000)
    assert response.status_code == 413 and set(response.get_json()["error"]) == {"es", "en"}


def test_teachers_cannot_submit(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """Only student tokens submit."""
    response = post_file(client, tokens["profe"], "a.py", b"x = 1\n")
    assert response.status_code == 403 and "student" in response.get_json()["error"]["en"]


def test_students_read_only_their_own_submissions_teachers_read_any(client: Any,
                                                                    tokens: dict[str, dict[str, str]]) -> None:
    """Another student's id is 404, exactly like a missing one; a teacher token reads any."""
    url = post_file(client, tokens["beto"], "beto.py", b"x = 1\n").get_json()["status_url"]
    assert client.get(url, headers=tokens["beto"]).status_code == 200
    other = client.get(url, headers=tokens["ana"])
    missing = client.get(f"{API_PREFIX}/submissions/999", headers=tokens["ana"])
    # Someone else's submission looks exactly like one that does not exist.
    assert (other.status_code, other.get_json()) == (missing.status_code, missing.get_json())
    assert other.status_code == 404
    seen = client.get(url, headers=tokens["profe"])
    assert seen.status_code == 200 and seen.get_json()["student"] == "beto"


def test_exercises_list_the_course_with_the_students_own_progress(app: Any, client: Any,
                                                                  tokens: dict[str, dict[str, str]]) -> None:
    """The course in order with deadlines; a student also gets status, attempts and score, a teacher nulls."""
    post_file(client, tokens["ana"], "a.py", b"x = 1\n")
    finish_queued(app, score=7)
    course = app.extensions["grader"].course
    mine = client.get(f"{API_PREFIX}/exercises", headers=tokens["ana"]).get_json()
    assert mine["course"] == course.title.model_dump()
    assert [e["id"] for e in mine["exercises"]] == [a.exercise for a in course.assignments]
    lab = next(e for e in mine["exercises"] if e["id"] == LAB)
    assert (lab["status"], lab["attempts_used"], lab["attempts_left"], lab["score"], lab["open"]) == (
        "graded", 1, lab["max_attempts"] - 1, 7, True)
    assert next(e for e in mine["exercises"] if e["id"] == "quiz-metrics")["status"] == "not_started"

    teacher = client.get(f"{API_PREFIX}/exercises", headers=tokens["profe"]).get_json()
    lab = next(e for e in teacher["exercises"] if e["id"] == LAB)
    assert lab["status"] is None and lab["attempts_used"] is None and lab["due_at"]


def _documented_route(rule: str) -> str:
    """A Flask rule as an OpenAPI path: `<int:submission_id>` becomes `{submission_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_documents_every_api_route(app: Any, client: Any) -> None:
    """The document is JSON with a bearer scheme, and documents exactly the /api/v1 routes registered."""
    response = client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.1")
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], document["security"]) == ("http", "bearer", [{"bearerAuth": []}])
    registered = {(_documented_route(rule.rule), method.lower()) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(API_PREFIX + "/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert registered == documented
    # Every $ref points at a schema that is in the document.
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs and refs <= set(document["components"]["schemas"])
    # Every call with a token names the offering it may work on (issue 28); the public document does not.
    offering = {"$ref": "#/components/parameters/offering"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert (offering in operation.get("parameters", [])) == (operation.get("security") != []), (path, method)
    assert document["components"]["parameters"]["offering"]["in"] == "query"


def test_openapi_document_is_valid_openapi(client: Any) -> None:
    """The document passes openapi-spec-validator (a dev dependency, so this never skips)."""
    from openapi_spec_validator import validate

    validate(client.get(f"{API_PREFIX}/openapi.json").get_json())


def test_routing_errors_under_the_api_answer_json(client: Any, tokens: dict[str, dict[str, str]]) -> None:
    """An unknown API URL (404) or a wrong method (405) answers JSON with both languages, not an HTML page."""
    for method, url, status in (("get", f"{API_PREFIX}/no-such-thing", 404),
                                ("delete", f"{API_PREFIX}/exercises", 405)):
        response = getattr(client, method)(url)
        assert response.status_code == status
        assert response.is_json and set(response.get_json()["error"]) == {"es", "en"}
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
