"""LTI 1.3 end to end against an independent platform (tests/lti_platform.py, written from the IMS specs with
PyJWT): OIDC login, launches as learner, instructor and TA, deep linking, score passback through the outbox
after a grading, an override and a failed post, roster sync, and every forged or replayed launch refused.
Results are stored directly (no TensorFlow)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from grader.cli.main import main
from grader.course.course import FeedbackPolicy
from grader.course.release import set_release
from grader.course.settings_edit import save_settings
from grader.db.lti import retry_now
from grader.db.lti_models import LtiContext, LtiScorePost, LtiUser
from grader.db.models import Grading, User
from grader.lti.scores import requeue_released, scores_url, send_pending, start_outbox_loop
from tests.conftest import migrated
from tests.lti_platform import INSTRUCTOR, LEARNER, LTI, TA, Platform
from tests.student_helpers import set_assignment
from tests.test_gradebook import LAB, LATE, finish_with, fixed_course, graded, override_total, result, submit_as
from tests.web_helpers import csrf_token

LAUNCH_URL = "http://localhost/lti/launch"


def _write_keys(directory: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / "tool-private.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (directory / "tool-public.key").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@pytest.fixture
def platform() -> Iterator[Platform]:
    """The test platform, serving on 127.0.0.1."""
    running = Platform().start()
    yield running
    running.stop()


def make_tool(platform: Platform, directory: Path, url: str, **config: Any) -> Any:
    """The tool with `platform` registered (keys generated here), course dates fixed; the platform learns the
    tool's public keys from the tool's own /lti/jwks, as an LMS does."""
    from grader.web import create_app

    _write_keys(directory)
    path = directory / "lti.json"
    path.write_text(json.dumps(platform.registration(private_key_file="tool-private.key",
                                                     public_key_file="tool-public.key")))
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "LTI_CONFIG": str(path),
                      **config})
    fixed_course(app)
    platform.tool_jwks = app.test_client().get("/lti/jwks").get_json()
    return app


@pytest.fixture(params=["sqlite"])
def lti_app(request: pytest.FixtureRequest, platform: Platform, tmp_path: Path) -> Any:
    """`make_tool` whose LMS course was linked by its instructor's first launch. SQLite unless a test asks for
    PostgreSQL (indirect parametrization)."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("postgres_url")
    app = make_tool(platform, tmp_path, migrated(request, url))
    assert launch(app.test_client(), platform, "prof-0", [INSTRUCTOR]).status_code == 302
    return app


def login_step(client: Any, platform: Platform, sub: str) -> dict[str, str]:
    """The platform starts an OIDC login at the tool; returns the authentication request's parameters."""
    response = client.post("/lti/login", data={"iss": platform.issuer, "login_hint": sub,
                                               "target_link_uri": LAUNCH_URL, "client_id": platform.client_id,
                                               "lti_message_hint": "hint-1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return platform.authorize(response.headers["Location"], launch_url=LAUNCH_URL)


def launch(client: Any, platform: Platform, sub: str, roles: list[str], **token: Any) -> Any:
    """Login then launch as `sub` with `roles`; `token` goes to Platform.id_token (exercise, forgeries)."""
    params = login_step(client, platform, sub)
    id_token = platform.id_token(nonce=params["nonce"], sub=sub, roles=roles, **token)
    return client.post("/lti/launch", data={"id_token": id_token, "state": params["state"]})


def _user(app: Any, sub: str) -> User | None:
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(User).join(LtiUser, LtiUser.user_id == User.id).where(LtiUser.subject == sub))


def _send(app: Any, platform: Platform) -> Any:
    web = app.extensions["grader"]
    return send_pending(web.sessions, config=web.lti, course=web.course, catalog=web.catalog)


def _student_external_id(app: Any, sub: str) -> str:
    user = _user(app, sub)
    assert user is not None
    return user.username  # LTI students' Student.external_id is their login name


# --- launches ----------------------------------------------------------------------------------------------------

def test_a_learner_launch_opens_the_exercise_logged_in_as_a_student_created_once(lti_app: Any,
                                                                                platform: Platform) -> None:
    client = lti_app.test_client()
    response = launch(client, platform, "stu-1", [LEARNER], exercise=LAB)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exercises/{LAB}")
    page = client.get(f"/exercises/{LAB}")
    assert page.status_code == 200
    # Framed by the registered platform only: CSP frame-ancestors names it, X-Frame-Options (DENY) is gone.
    assert f"frame-ancestors 'self' {platform.url}" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    user = _user(lti_app, "stu-1")
    assert user is not None and user.role == "student" and user.display_name == "Nombre stu-1"
    with lti_app.extensions["grader"].sessions() as session:
        student = session.get(User, user.id).student
        assert student is not None and student.email == "stu-1@uni.example"
    with lti_app.extensions["grader"].sessions() as session:
        before = session.scalar(select(func.count()).select_from(LtiUser))
    launch(lti_app.test_client(), platform, "stu-1", [LEARNER], exercise=LAB)
    with lti_app.extensions["grader"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(LtiUser)) == before


@pytest.mark.parametrize(("roles", "role"), [([INSTRUCTOR], "teacher"), ([TA], "ta"),
                                             ([LEARNER], "student")])
def test_lms_roles_map_to_the_projects_roles(lti_app: Any, platform: Platform, roles: list[str], role: str) -> None:
    client = lti_app.test_client()
    response = launch(client, platform, "person", roles)
    assert response.status_code == 302
    user = _user(lti_app, "person")
    assert user is not None and user.role == role
    # Staff land on the course overview (issue 27), students on their assignments.
    home = "/teacher/" if role in ("teacher", "ta") else "/assignments"
    assert response.headers["Location"].endswith(home)
    assert client.get(home).status_code == 200


def test_local_accounts_and_deny_framing_stay_for_pages_not_reached_by_a_launch(lti_app: Any) -> None:
    page = lti_app.test_client().get("/login")
    assert page.status_code == 200 and page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_without_a_platform_file_there_is_no_lms(client: Any) -> None:
    assert client.get("/lti/jwks").status_code == 404
    assert client.post("/lti/login", data={"iss": "x", "login_hint": "y"}).status_code == 404
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"


# --- forged and replayed launches --------------------------------------------------------------------------------

FORGERIES = {
    "bad signature": {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
    "wrong audience": {"aud": "some-other-tool"},
    "wrong deployment": {LTI + "deployment_id": "deployment-of-someone-else"},
    "expired token": {"exp": int(time.time()) - 60, "iat": int(time.time()) - 400},
    "unknown issuer": {"iss": "https://evil.example"},
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_launch_is_refused_with_a_page_and_logged(lti_app: Any, platform: Platform, forgery: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    client = lti_app.test_client()
    with caplog.at_level(logging.WARNING, logger="grader.web.lti.launch"):
        response = launch(client, platform, "mallory", [INSTRUCTOR], exercise=LAB, **FORGERIES[forgery])
    assert 400 <= response.status_code < 500
    assert "El LMS no pudo abrir el calificador" in response.get_data(as_text=True)
    assert any("LTI request refused" in r.getMessage() for r in caplog.records)
    assert _user(lti_app, "mallory") is None
    assert client.get("/teacher/gradebook").status_code == 302  # not logged in


@pytest.mark.parametrize("lti_app", ["sqlite", "postgresql"], indirect=True)
def test_a_replayed_launch_is_refused(lti_app: Any, platform: Platform) -> None:
    client = lti_app.test_client()
    params = login_step(client, platform, "stu-2")
    form = {"id_token": platform.id_token(nonce=params["nonce"], sub="stu-2", roles=[LEARNER], exercise=LAB),
            "state": params["state"]}
    assert client.post("/lti/launch", data=form).status_code == 302
    again = client.post("/lti/launch", data=form)
    assert again.status_code == 400 and "Invalid Nonce" in again.get_data(as_text=True)


@pytest.mark.parametrize("case", ["no state cookie", "nonce never issued", "not a JWT", "unknown exercise"])
def test_other_bad_launches_are_4xx_pages(lti_app: Any, platform: Platform, case: str) -> None:
    client = lti_app.test_client()
    params = login_step(client, platform, "stu-3")
    token = platform.id_token(nonce=params["nonce"], sub="stu-3", roles=[LEARNER], exercise=LAB)
    if case == "no state cookie":
        client = lti_app.test_client()
    elif case == "nonce never issued":
        token = platform.id_token(nonce="made-up", sub="stu-3", roles=[LEARNER], exercise=LAB)
    elif case == "not a JWT":
        token = "abc.def"
    else:
        token = platform.id_token(nonce=params["nonce"], sub="stu-3", roles=[LEARNER], exercise="no-such-exercise")
    response = client.post("/lti/launch", data={"id_token": token, "state": params["state"]})
    assert 400 <= response.status_code < 500
    assert "El LMS no pudo abrir el calificador" in response.get_data(as_text=True)


def test_a_login_from_an_unknown_platform_is_refused(lti_app: Any) -> None:
    response = lti_app.test_client().get("/lti/login", query_string={"iss": "https://evil.example",
                                                                      "login_hint": "x", "client_id": "nope"})
    assert response.status_code == 400


# --- grade passback ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lti_app", ["sqlite", "postgresql"], indirect=True)
def test_scores_reach_the_line_item_after_a_grading_and_after_an_override(lti_app: Any, platform: Platform) -> None:
    launch(lti_app.test_client(), platform, "stu-4", [LEARNER], exercise=LAB)
    external = _student_external_id(lti_app, "stu-4")
    grading = graded(lti_app, external, 6)
    report = _send(lti_app, platform)
    assert (report.sent, report.failed) == (1, 0), report.errors
    posted = platform.scores[-1]
    # Moodle's query string kept after /scores.
    assert posted.path == "/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
    body = posted.body
    assert body["userId"] == "stu-4" and body["scoreGiven"] == 6 and body["scoreMaximum"] == 10
    assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    override_total(lti_app, grading, 9)
    assert _send(lti_app, platform).sent == 1
    assert platform.scores[-1].body["scoreGiven"] == 9
    assert _send(lti_app, platform).sent == 0  # nothing left in the outbox
    with lti_app.extensions["grader"].sessions() as session:
        post = session.scalar(select(LtiScorePost))
        assert post is not None and post.status == "sent" and post.attempts == 2


def test_a_check_waiting_for_review_is_sent_as_pending_manual(lti_app: Any, platform: Platform) -> None:
    launch(lti_app.test_client(), platform, "stu-5", [LEARNER], exercise=LAB)
    submit_as(lti_app, _student_external_id(lti_app, "stu-5"))
    finish_with(lti_app, result(4, [("a", True, 4.0, 4.0), ("b", False, 0.0, 6.0)], review="b"))
    _send(lti_app, platform)
    assert platform.scores[-1].body["gradingProgress"] == "PendingManual"


def test_a_failed_post_stays_in_the_outbox_for_the_teacher_and_is_retried(lti_app: Any, platform: Platform) -> None:
    launch(lti_app.test_client(), platform, "stu-6", [LEARNER], exercise=LAB)
    graded(lti_app, _student_external_id(lti_app, "stu-6"), 7)
    platform.fail_scores = 1
    report = _send(lti_app, platform)
    assert report.failed == 1 and "HTTP 503" in report.errors[0]
    assert _send(lti_app, platform).sent == 0  # not due yet: retried later, not in a tight loop
    teacher = lti_app.test_client()
    launch(teacher, platform, "prof-1", [INSTRUCTOR])
    page = teacher.get("/lti/admin").get_data(as_text=True)
    assert "failed: 1" in page and "HTTP 503" in page
    response = teacher.post("/lti/outbox/send", data={"csrf_token": csrf_token(teacher, "/lti/admin")})
    assert response.status_code == 303
    assert platform.scores[-1].body["scoreGiven"] == 7
    with lti_app.extensions["grader"].sessions() as session:
        assert session.scalar(select(LtiScorePost.status)) == "sent"
        assert retry_now(session) == 0


def test_scores_url_keeps_the_query_string() -> None:
    assert scores_url("https://lms/li/7/lineitem?type_id=1") == "https://lms/li/7/lineitem/scores?type_id=1"
    assert scores_url("https://canvas/api/lti/courses/1/line_items/5/") == \
        "https://canvas/api/lti/courses/1/line_items/5/scores"


# --- deep linking and roster ---------------------------------------------------------------------------------------

def test_an_instructor_places_exercises_with_deep_linking(lti_app: Any, platform: Platform) -> None:
    client = lti_app.test_client()
    response = launch(client, platform, "prof-2", [INSTRUCTOR], deep_link=True)
    assert response.status_code == 302 and response.headers["Location"].endswith("/lti/deep-link")
    assert LAB in client.get("/lti/deep-link").get_data(as_text=True)
    answer = client.post("/lti/deep-link", data={"exercise": [LAB], "csrf_token": csrf_token(client, "/lti/deep-link")})
    assert answer.status_code == 200
    assert f"form-action 'self' {platform.url}" in answer.headers["Content-Security-Policy"]
    html = answer.get_data(as_text=True)
    assert f'action="{platform.url}/deep-link-return"' in html
    signed = html.split('name="JWT" value="')[1].split('"')[0]
    # The platform checks the response with the keys the tool publishes.
    key = RSAAlgorithm.from_jwk(json.dumps(platform.tool_jwks["keys"][0]))
    claims = jwt.decode(signed, key, algorithms=["RS256"], audience=platform.issuer)  # type: ignore[arg-type]
    assert claims["iss"] == platform.client_id and claims[LTI + "deployment_id"] == platform.deployment_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-77"
    [item] = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"exercise": LAB}
    assert item["url"] == LAUNCH_URL and item["lineItem"]["scoreMaximum"] > 0


def test_a_learner_cannot_deep_link(lti_app: Any, platform: Platform) -> None:
    response = launch(lti_app.test_client(), platform, "stu-7", [LEARNER], deep_link=True)
    assert response.status_code == 403


def test_the_teacher_syncs_the_roster_from_the_lms(lti_app: Any, platform: Platform) -> None:
    platform.members = [
        {"user_id": "m-1", "name": "Marta Gil", "email": "marta@uni.example", "roles": [LEARNER], "status": "Active"},
        {"user_id": "m-2", "name": "Pablo Ros", "roles": [INSTRUCTOR]},
        {"user_id": "m-3", "name": "Se fue", "roles": [LEARNER], "status": "Inactive"},
    ]
    teacher = lti_app.test_client()
    launch(teacher, platform, "prof-3", [INSTRUCTOR])
    with lti_app.extensions["grader"].sessions() as session:
        context_id = session.scalar(select(LtiContext.id))
    response = teacher.post(f"/lti/contexts/{context_id}/sync", data={"csrf_token": csrf_token(teacher, "/lti/admin")})
    assert response.status_code == 303
    marta, pablo = _user(lti_app, "m-1"), _user(lti_app, "m-2")
    assert marta is not None and marta.role == "student" and marta.display_name == "Marta Gil"
    assert pablo is not None and pablo.role == "teacher" and _user(lti_app, "m-3") is None
    launch(lti_app.test_client(), platform, "m-1", [LEARNER], exercise=LAB)  # the synced account is the one used
    relaunched = _user(lti_app, "m-1")
    assert relaunched is not None and relaunched.id == marta.id


def test_a_student_cannot_reach_the_lms_page(lti_app: Any, platform: Platform) -> None:
    client = lti_app.test_client()
    launch(client, platform, "stu-8", [LEARNER])
    assert client.get("/lti/admin").status_code == 403
    assert client.post("/lti/outbox/send").status_code in (400, 403)


def test_lti_info_prints_what_the_lms_admin_enters() -> None:
    out = CliRunner().invoke(main, ["lti", "info", "--base-url", "https://grader.uni.example/"], env={
        "GRADER_LTI_CONFIG": ""})
    assert out.exit_code == 0, out.output
    assert "Initiate login URL         : https://grader.uni.example/lti/login" in out.output
    assert "Public keyset URL (JWKS)   : https://grader.uni.example/lti/jwks" in out.output


def test_a_grading_of_a_student_without_launches_queues_nothing(lti_app: Any) -> None:
    graded(lti_app, "local-student", 5)
    with lti_app.extensions["grader"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(LtiScorePost)) == 0
        assert session.scalar(select(func.count()).select_from(Grading)) == 1


def test_a_withheld_score_is_sent_once_the_teacher_releases_it(lti_app: Any, platform: Platform) -> None:
    set_assignment(lti_app, LAB, feedback=FeedbackPolicy(release="manual", before_release=("messages",)))
    launch(lti_app.test_client(), platform, "stu-9", [LEARNER], exercise=LAB)
    graded(lti_app, _student_external_id(lti_app, "stu-9"), 8)
    _send(lti_app, platform)
    before = platform.scores[-1].body
    assert before["gradingProgress"] == "PendingManual" and "scoreGiven" not in before
    with lti_app.extensions["grader"].sessions() as session:
        released = set_release(session, exercise_slug=LAB, released=True, teacher="profe")
        # After the (2030) submission: an attempt received after a release never counts.
        released.created_at = datetime(2031, 1, 1, tzinfo=UTC)
        session.commit()
    assert _send(lti_app, platform).sent == 1
    after = platform.scores[-1].body
    assert after["gradingProgress"] == "FullyGraded" and after["scoreGiven"] == 8


def test_over_https_the_launch_cookies_survive_a_cross_site_frame(platform: Platform, tmp_path: Path,
                                                                  sqlite_url: str) -> None:
    app = make_tool(platform, tmp_path, sqlite_url, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    https = "https://localhost"
    started = client.post("/lti/login", base_url=https, data={"iss": platform.issuer, "login_hint": "s-1",
                                                              "client_id": platform.client_id})
    state_cookie = next(c for c in started.headers.getlist("Set-Cookie") if c.startswith("lti1p3-state-"))
    assert "Secure" in state_cookie and "SameSite=None" in state_cookie
    params = platform.authorize(started.headers["Location"], launch_url=f"{https}/lti/launch")
    token = platform.id_token(nonce=params["nonce"], sub="s-1", roles=[INSTRUCTOR], exercise=LAB)
    launched = client.post("/lti/launch", base_url=https, data={"id_token": token, "state": params["state"]})
    assert launched.status_code == 302
    session_cookie = next(c for c in launched.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in session_cookie and "SameSite=None" in session_cookie


def test_scores_held_for_an_after_deadline_release_are_queued_again_once_it_passes(lti_app: Any,
                                                                                 platform: Platform) -> None:
    set_assignment(lti_app, LAB, feedback=FeedbackPolicy(release="after_deadline", before_release=("messages",)))
    launch(lti_app.test_client(), platform, "stu-10", [LEARNER], exercise=LAB)
    graded(lti_app, _student_external_id(lti_app, "stu-10"), 5)
    _send(lti_app, platform)
    assert platform.scores[-1].body["gradingProgress"] == "PendingManual"
    course = lti_app.extensions["grader"].course
    closes = course.get(LAB).closes_at()
    with lti_app.extensions["grader"].sessions() as session:
        assert requeue_released(session, course=course, now=closes - timedelta(minutes=1)) == 0
        assert requeue_released(session, course=course, now=closes + timedelta(minutes=1)) == 1
        session.commit()
        assert session.scalar(select(LtiScorePost.status)) == "pending"


# --- which LMS courses may launch ----------------------------------------------------------------------------------

def test_on_a_new_deployment_a_learner_cannot_launch_before_an_instructor(platform: Platform, tmp_path: Path,
                                                                          sqlite_url: str) -> None:
    app = make_tool(platform, tmp_path, sqlite_url)
    refused = launch(app.test_client(), platform, "early", [LEARNER], exercise=LAB)
    assert refused.status_code == 403 and _user(app, "early") is None
    assert launch(app.test_client(), platform, "prof", [INSTRUCTOR]).status_code == 302
    assert launch(app.test_client(), platform, "early", [LEARNER], exercise=LAB).status_code == 302


def test_another_lms_course_waits_for_a_teachers_approval(lti_app: Any, platform: Platform) -> None:
    other = {LTI + "context": {"id": "course-88", "title": "Curso de otra persona"}}
    assert launch(lti_app.test_client(), platform, "intruder", [INSTRUCTOR], **other).status_code == 403
    assert launch(lti_app.test_client(), platform, "stu-88", [LEARNER], exercise=LAB, **other).status_code == 403
    assert _user(lti_app, "intruder") is None
    teacher = lti_app.test_client()
    launch(teacher, platform, "prof-0", [INSTRUCTOR])
    page = teacher.get("/lti/admin").get_data(as_text=True)
    assert "Curso de otra persona" in page and "Pendiente de aprobación" in page
    with lti_app.extensions["grader"].sessions() as session:
        pending = session.scalar(select(LtiContext.id).where(LtiContext.context_id == "course-88"))
    token = csrf_token(teacher, "/lti/admin")
    assert teacher.post(f"/lti/contexts/{pending}/sync", data={"csrf_token": token}).status_code == 403
    assert teacher.post(f"/lti/contexts/{pending}/approve", data={"csrf_token": token}).status_code == 303
    assert launch(lti_app.test_client(), platform, "stu-88", [LEARNER], exercise=LAB, **other).status_code == 302


def test_lti_keygen_writes_a_key_pair_the_platform_file_can_name_and_never_overwrites_it(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["lti", "keygen", str(tmp_path / "keys")]).exit_code == 0
    private = serialization.load_pem_private_key((tmp_path / "keys" / "private.key").read_bytes(), password=None)
    public = serialization.load_pem_public_key((tmp_path / "keys" / "public.key").read_bytes())
    assert private.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]
    again = runner.invoke(main, ["lti", "keygen", str(tmp_path / "keys")])
    assert again.exit_code != 0 and "exists" in again.output


def test_the_workers_outbox_loop_sends_scores_on_its_own(lti_app: Any, platform: Platform) -> None:
    launch(lti_app.test_client(), platform, "stu-11", [LEARNER], exercise=LAB)
    graded(lti_app, _student_external_id(lti_app, "stu-11"), 3)
    web = lti_app.extensions["grader"]
    stop = start_outbox_loop(web.sessions, config=web.lti, course=web.course, catalog=web.catalog, every_s=0.05)
    try:
        deadline = time.monotonic() + 30
        while not any(r.body.get("scoreGiven") == 3 for r in platform.scores) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    assert any(r.body.get("userId") == "stu-11" and r.body.get("scoreGiven") == 3 for r in platform.scores)


# --- every counting-score change reaches the LMS -------------------------------------------------------------------

def test_an_extension_that_makes_a_late_try_count_in_full_posts_the_new_score(lti_app: Any,
                                                                               platform: Platform) -> None:
    launch(lti_app.test_client(), platform, "stu-ext", [LEARNER], exercise=LAB)
    external = _student_external_id(lti_app, "stu-ext")
    graded(lti_app, external, 10, at=LATE)
    assert _send(lti_app, platform).sent == 1
    assert platform.scores[-1].body["scoreGiven"] == 8  # the late penalty
    teacher = lti_app.test_client()
    launch(teacher, platform, "prof-0", [INSTRUCTOR])
    page = f"/teacher/exercises/{LAB}/settings"
    response = teacher.post(f"/teacher/exercises/{LAB}/extensions", data={
        "csrf_token": csrf_token(teacher, page), "username": external, "due_at": "2030-02-05T00:00:00+00:00"})
    assert response.status_code == 302
    with lti_app.extensions["grader"].sessions() as session:
        assert session.scalar(select(LtiScorePost.status)) == "pending"  # queued in the extension's transaction
    assert _send(lti_app, platform).sent == 1
    assert platform.scores[-1].body["scoreGiven"] == 10 and platform.scores[-1].body["userId"] == "stu-ext"
    teacher.post(f"/teacher/exercises/{LAB}/extensions", data={
        "csrf_token": csrf_token(teacher, page), "username": external, "remove": "1"})
    assert _send(lti_app, platform).sent == 1 and platform.scores[-1].body["scoreGiven"] == 8


def test_a_settings_change_to_manual_release_posts_pending_manual_and_a_failure_is_retried(
        lti_app: Any, platform: Platform) -> None:
    launch(lti_app.test_client(), platform, "stu-set", [LEARNER], exercise=LAB)
    graded(lti_app, _student_external_id(lti_app, "stu-set"), 6)
    assert _send(lti_app, platform).sent == 1
    assert platform.scores[-1].body["gradingProgress"] == "FullyGraded"
    web = lti_app.extensions["grader"]
    with web.sessions() as session:
        save_settings(session, course=web.course, exercise=LAB, teacher="profe", changes={"release": "manual"})
        session.commit()
    platform.fail_scores = 1
    report = _send(lti_app, platform)
    assert (report.sent, report.failed) == (0, 1)  # the LMS is down: kept in the outbox, visible
    with web.sessions() as session:
        post = session.scalar(select(LtiScorePost))
        assert post is not None and post.status == "failed" and post.last_error
        retry_now(session)
        session.commit()
    assert _send(lti_app, platform).sent == 1
    assert platform.scores[-1].body["gradingProgress"] == "PendingManual"
