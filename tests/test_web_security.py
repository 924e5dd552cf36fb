"""Security properties of the web service, one test each: roles, ownership, CSRF, cookies, throttling, limits,
escaping of student-provided text and redirects. Teacher routes are found in `app.url_map`, so routes added
later are covered without editing this file."""

from __future__ import annotations

import html as html_text
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.routing import Rule

from grader.course.accounts import MAX_FAILURES_PER_USER
from grader.db.models import Submission
from grader.web import SECURITY_HEADERS
from tests.student_helpers import (
    allow_submissions,
    issue_token,
    open_course,
    submission_id,
    submit_code,
    submit_file,
)
from tests.web_helpers import PASSWORD, csrf_token, finish_queued, login

LAB = "lab-add-hidden-16"
CODE = "from tensorflow import keras\nmodel = keras.Sequential()\n"
TEMPLATES = Path(__file__).resolve().parent.parent / "grader" / "web" / "templates"
# What the CSP (script-src/style-src 'self', no 'unsafe-inline') would block in a template.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


@pytest.fixture
def site(app: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The app with its accounts and every assignment open."""
    open_course(app)
    return app


def _teacher_routes(app: Any, method: str) -> Iterator[Rule]:
    """Every teacher route answering `method`."""
    return (r for r in app.url_map.iter_rules() if r.endpoint.startswith("teacher.") and method in r.methods)


def _url(rule: Rule, record_id: int) -> str:
    """`rule` with its parameters filled: ids with `record_id`, any other value with an assigned exercise."""
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>",
                  lambda m: str(record_id) if m.group(1) == "int" else LAB, rule.rule)


def _count(app: Any) -> int:
    """How many submissions are stored."""
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count(Submission.id))) or 0


def test_teacher_routes_refuse_anonymous_users_and_students(site: Any) -> None:
    """Every teacher route sends anonymous users to the login page and refuses students (403)."""
    student = site.test_client()
    login(student, "ana")
    record = submission_id(submit_code(student, LAB, CODE))  # every teacher page gets an id that exists
    teacher = site.test_client()
    login(teacher, "profe")
    assert teacher.get("/teacher/gradebook").status_code == 200, "the teacher must get in, or this proves nothing"

    anonymous = site.test_client()
    anonymous_token, student_token = csrf_token(anonymous, "/login"), csrf_token(student, "/assignments")
    checked = 0
    for method in ("GET", "POST"):
        for rule in _teacher_routes(site, method):
            url = _url(rule, record)
            away = anonymous.open(url, method=method, data={"csrf_token": anonymous_token})
            assert away.status_code == 302 and away.headers["Location"].startswith("/login"), (method, url)
            assert student.open(url, method=method, data={"csrf_token": student_token}).status_code == 403, url
            checked += 1
    assert checked >= 3


def test_a_student_cannot_reach_another_students_submission(site: Any) -> None:
    """Changing the id in the page, status or API URL shows nothing of another student's work."""
    beto = site.test_client()
    login(beto, "beto")
    theirs = submission_id(submit_code(beto, LAB, CODE))
    ana = site.test_client()
    login(ana, "ana")
    for url in (f"/submissions/{theirs}", f"/submissions/{theirs}/status"):
        assert beto.get(url).status_code == 200
        assert ana.get(url).status_code == 404, url
    assert ana.get(f"/api/v1/submissions/{theirs}", headers=issue_token(site, "ana")).status_code == 404


def test_posts_without_a_csrf_token_are_refused(site: Any) -> None:
    """Login, submit, logout and every teacher POST need the CSRF token."""
    client = site.test_client()
    assert client.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 400
    assert client.get("/assignments").status_code == 302, "a refused login must not log in"

    login(client, "ana")
    assert client.post(f"/exercises/{LAB}", data={"code": CODE}).status_code == 400
    assert client.post(f"/exercises/{LAB}", data={"code": CODE, "csrf_token": "forged"}).status_code == 400
    assert _count(site) == 0
    assert client.post("/logout").status_code == 400
    assert client.get("/assignments").status_code == 200, "a refused logout must not log out"

    teacher = site.test_client()
    login(teacher, "profe")
    for rule in _teacher_routes(site, "POST"):
        assert teacher.post(_url(rule, 1), data={}).status_code == 400, rule.rule


def _session_cookie(response: Any) -> str:
    """The Set-Cookie header of the session cookie."""
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_is_httponly_lax_and_secure_when_asked(site: Any, sqlite_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The session cookie is HttpOnly and SameSite=Lax, and Secure with GRADER_SECURE_COOKIES=1."""
    cookie = _session_cookie(login(site.test_client(), "ana"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    from grader.web import create_app

    monkeypatch.setenv("GRADER_SECURE_COOKIES", "1")
    secure = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "test-secret"})
    try:
        cookie = _session_cookie(login(secure.test_client(), "ana"))
    finally:
        secure.extensions["grader"].engine.dispose()
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_is_throttled_after_repeated_failures(site: Any) -> None:
    """After too many failures even the right password is refused (429), for that username only."""
    client = site.test_client()
    for _ in range(MAX_FAILURES_PER_USER):
        assert login(client, "ana", "wrong-password").status_code == 401
    throttled = login(client, "ana", PASSWORD)
    assert throttled.status_code == 429 and "Demasiados intentos fallidos" in throttled.get_data(as_text=True)
    assert client.get("/assignments").status_code == 302
    assert login(site.test_client(), "beto").status_code == 302, "only the attacked username is throttled"


def test_submissions_are_rate_limited_per_student(site: Any) -> None:
    """One student hitting the limit does not stop another (each code differs: the same file sent twice in a
    row is one submission, not two)."""
    allow_submissions(site, 2)
    ana, beto = site.test_client(), site.test_client()
    login(ana, "ana")
    login(beto, "beto")
    for n in range(2):
        submission_id(submit_code(ana, LAB, f"{CODE}# {n}\n"))
    assert submit_code(ana, LAB, f"{CODE}# 2\n").status_code == 429
    submission_id(submit_code(beto, LAB, CODE))


def test_uploads_are_capped_in_size_and_type_and_keep_only_the_base_name(site: Any) -> None:
    """Wrong types are 415, oversized bodies 413 (saying the limit), and a path in the file name is dropped."""
    client = site.test_client()
    login(client, "ana")
    for name in ("tarea.exe", "tarea.py.sh", "sin-extension"):
        assert submit_file(client, LAB, name, b"x = 1\n").status_code == 415, name
    site.config["MAX_CONTENT_LENGTH"] = 4096
    too_big = submit_file(client, LAB, "grande.py", b"x = 1\n" * 2000).get_data(as_text=True)
    assert "El archivo es demasiado grande." in too_big and "El límite es de 4 KB" in too_big
    assert "Borrar todas las salidas" in too_big
    client.get("/assignments?lang=en")
    too_big = submit_file(client, LAB, "grande.ipynb", b"x" * 8000)
    assert too_big.status_code == 413 and "The limit is 4 KB" in too_big.get_data(as_text=True)
    assert _count(site) == 0
    submission_id(submit_file(client, LAB, "../../etc/tarea.py", b"x = 1\n"))
    with site.extensions["grader"].sessions() as session:
        assert session.scalar(select(Submission.filename)) == "tarea.py"


def test_student_text_is_escaped_on_student_and_teacher_pages(site: Any) -> None:
    """A hostile file name, code and an error echoing it are escaped on every page that shows them."""
    filename = "<img src=x onerror=alert(1)>.py"
    code = 'x = \'<script>alert("code")</script>\'\n'  # runs as written: it is queued, then finished below
    error = 'NameError en la línea 1: <script>alert("error")</script>'
    ana = site.test_client()
    login(ana, "ana")
    record = submission_id(submit_file(ana, LAB, filename, code.encode()))
    finish_queued(site, score=0, error=error)
    teacher = site.test_client()
    login(teacher, "profe")

    pages = {url: ana.get(url).get_data(as_text=True)
             for url in ("/assignments", f"/exercises/{LAB}", f"/submissions/{record}")}
    pages["status"] = ana.get(f"/submissions/{record}/status").get_json()["html"]
    pages.update({rule.rule: teacher.get(_url(rule, record)).get_data(as_text=True)
                  for rule in _teacher_routes(site, "GET")})
    for where, html in pages.items():
        assert "<script>alert(" not in html and "<img src=x" not in html, where
    # A message is element content: its quotes may stay as written (issue 27), its angle brackets never.
    escaped = (str(escape(error)), html_text.escape(error, quote=False), str(escape(filename)))
    shown = [where for where, html in pages.items() if any(text in html for text in escaped)]
    assert f"/submissions/{record}" in shown and "status" in shown
    assert any(where.startswith("/teacher/") for where in shown), "no teacher page shows the submission"


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com/", "http:/evil.com", "/\\evil.com",
                                    "\\\\evil.com", "/\t/evil.com", "javascript:alert(1)"])
def test_login_never_redirects_off_site(site: Any, target: str) -> None:
    """?next= pointing at another site (in any spelling browsers accept) is ignored."""
    client = site.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target},
                           data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert response.status_code == 302 and not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location


def test_login_follows_a_local_next(site: Any) -> None:
    """?next= on this site is followed after logging in."""
    client = site.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": f"/exercises/{LAB}"},
                           data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == f"/exercises/{LAB}"


def _assert_security_headers(response: Any, where: str) -> None:
    """Every security header is present with the app's value."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (where, name)


def test_security_headers_on_pages_api_static_files_and_errors(site: Any) -> None:
    """HTML pages, JSON API answers (success and error), static files, redirects, error pages and the health
    probe all carry the security headers; the CSP forbids inline code and framing."""
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in csp
    client = site.test_client()
    token = issue_token(site, "ana")
    answers = {"login": client.get("/login"), "static": client.get("/static/style.css"),
               "redirect": client.get("/assignments"), "404": client.get("/no-such-page"),
               "healthz": client.get("/healthz"), "api": client.get("/api/v1/exercises", headers=token),
               "api 401": client.get("/api/v1/exercises"), "api 404": client.get("/api/v1/no-such-thing")}
    assert [r.status_code for r in answers.values()] == [200, 200, 302, 404, 200, 200, 401, 404]
    assert answers["api 404"].is_json and answers["api"].is_json
    login(client, "ana")
    answers["student page"] = client.get("/assignments")
    for where, response in answers.items():
        _assert_security_headers(response, where)


def test_templates_have_no_inline_code_the_csp_would_block() -> None:
    """No inline <script>, <style>, style= attribute, on...= handler or javascript: link in the templates."""
    offenders = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if INLINE.search(p.read_text())}
    assert offenders == set()
    assert INLINE.search('<p style="x">') and INLINE.search("<script>") and not INLINE.search('<script src="a">')


def test_a_missing_csrf_token_gets_a_styled_page_in_the_users_language(site: Any) -> None:
    """The CSRF refusal is the site's own 400 page (navigation included), in Spanish or English."""
    client = site.test_client()
    spanish = client.post("/login", data={"username": "ana", "password": PASSWORD})
    body = spanish.get_data(as_text=True)
    assert spanish.status_code == 400 and "error-page" in body and 'class="brand"' in body
    assert "La sesión del formulario caducó: recarga la página e inténtalo de nuevo." in body
    assert "CSRF" not in body and "Bad Request" not in body
    client.get("/login?lang=en")
    english = client.post("/login", data={"username": "ana", "password": PASSWORD}).get_data(as_text=True)
    assert "The form&#39;s session expired: reload the page and try again." in english and 'lang="en"' in english
    _assert_security_headers(spanish, "csrf page")


def test_an_unexpected_error_shows_a_reference_and_logs_it_without_a_traceback_on_the_page(
        site: Any, caplog: pytest.LogCaptureFixture) -> None:
    """500: a styled page with a reference id (JSON under the API), the traceback only in the log."""
    def explode() -> Any:
        raise RuntimeError("a secret detail")

    site.add_url_rule("/explode", "explode", explode)
    site.add_url_rule("/api/v1/explode", "api_explode", explode)
    site.config["PROPAGATE_EXCEPTIONS"] = False  # TESTING re-raises; production renders the page
    client = site.test_client()
    with caplog.at_level(logging.ERROR, logger="grader.web"):
        page = client.get("/explode")
        api = client.get("/api/v1/explode")
    body = page.get_data(as_text=True)
    reference = re.search(r'<code id="reference">([0-9a-f]{8})</code>', body)
    assert page.status_code == 500 and reference and "a secret detail" not in body and "Traceback" not in body
    _assert_security_headers(page, "500 page")
    assert api.status_code == 500 and "a secret detail" not in api.get_data(as_text=True)
    api_reference = re.search(r"referencia ([0-9a-f]{8})", api.get_json()["error"]["es"])
    assert api_reference and api_reference.group(1) in api.get_json()["error"]["en"]
    for ref in (reference.group(1), api_reference.group(1)):  # each reference leads to its traceback
        logged = [r for r in caplog.records if ref in r.getMessage()]
        assert logged and logged[0].exc_info and "a secret detail" in str(logged[0].exc_info[1]), ref
