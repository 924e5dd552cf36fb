"""Fair attempts in a real browser (headless Chromium, as in tests/test_browser.py): a double click on Enviar
is one submission, and a syntax error, refused before running, leaves the student's attempts as they were."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.browser_support import live_site, login
from tests.student_helpers import set_assignment
from tests.web_helpers import student_id

pytestmark = pytest.mark.slow

LAB = "lab-add-hidden-16"
GRADING_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[tuple[Any, str]]:
    """The app and its address: a live server on a loopback port, graded by the session's real workers."""
    with live_site(tmp_path_factory.mktemp("attempts"), grade=grader_nodb.grade_bytes) as live:
        yield live.app, live.url


def _log_in(page: Any, base: str, username: str) -> None:
    """Log in through the form and land on the assignments."""
    login(page, base, username)
    page.wait_for_url("**/assignments")


def _submissions(app: Any, username: str) -> int:
    """How many submissions `username` has stored."""
    from grader.db.models import Submission

    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count(Submission.id))
                              .where(Submission.student_id == student_id(app, username))) or 0


@dataclass
class Posts:
    """The POSTs a slowed server has received (`started`) and gone on to handle (`handled`), by path."""

    started: list[str] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)


@contextmanager
def slow_posts(app: Any, seconds: float) -> Iterator[Posts]:
    """A busy server: each POST waits `seconds` before it is handled, so a second click lands while the first
    request is still pending."""
    inner, posts = app.wsgi_app, Posts()

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == "POST":
            posts.started.append(environ["PATH_INFO"])
            time.sleep(seconds)
            posts.handled.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    try:
        yield posts
    finally:
        app.wsgi_app = inner


def _until(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    """Wait for `condition` (a loaded machine can take a while), failing with a clear message."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the server"
        time.sleep(0.05)


def test_a_double_click_on_enviar_makes_one_submission(site: tuple[Any, str], page: Any) -> None:
    """Two clicks on Enviar while the server is slow to answer the first: the browser sends both requests
    (the first is abandoned, not cancelled on the server) and one submission is stored, the one shown."""
    app, base = site
    _log_in(page, base, "ana")
    page.goto(f"{base}/exercises/{LAB}")
    page.fill("#code", "model = None  # doble clic\n")
    button = page.locator("#submit-form button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with slow_posts(app, 1.0) as posts:
        page.mouse.click(x, y)  # the mouse, not a locator: a locator would wait for the first navigation
        _until(lambda: len(posts.started) == 1)  # the second click lands while the first is being handled
        page.mouse.click(x, y)
        _until(lambda: len(posts.handled) == 2)  # the abandoned first request finishes on the server too
        # The page's URL, read without waiting on a navigation: waiting on one can see the first, abandoned
        # navigation fail (net::ERR_ABORTED) before the second lands.
        # (page.wait_for_timeout lets Playwright take in the browser's events while it waits.)
        deadline = time.monotonic() + 60
        while "/submissions/" not in page.url:
            assert time.monotonic() < deadline, f"the page never reached the submission: {page.url}"
            page.wait_for_timeout(50)
        page.wait_for_load_state()
    assert posts.handled == [f"/exercises/{LAB}"] * 2, "both clicks reached the server"
    assert _submissions(app, "ana") == 1
    page.goto(f"{base}/exercises/{LAB}")
    assert page.locator("#history tbody tr").count() == 1


def test_a_syntax_error_does_not_use_an_attempt(site: tuple[Any, str], page: Any) -> None:
    """With two attempts: a syntax error is answered in Spanish, says the try did not count, and the page
    still shows two attempts left."""
    app, base = site
    set_assignment(app, LAB, max_attempts=2)
    _log_in(page, base, "beto")
    page.goto(f"{base}/exercises/{LAB}")
    assert page.locator("#attempts-left").inner_text() == "2"
    page.fill("#code", "from tensorflow import keras\nmodel = keras.Sequential([\n")
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/submissions/*")
    feedback = page.locator("#feedback")
    feedback.get_by_text("Este intento no cuenta").wait_for(timeout=GRADING_TIMEOUT_MS)
    assert "El '[' no se cerró nunca" in feedback.inner_text()
    assert "never closed" not in feedback.inner_text()
    page.goto(f"{base}/exercises/{LAB}")
    assert page.locator("#attempts-left").inner_text() == "2"
    assert page.locator("#submit-form button[type=submit]").is_enabled()
