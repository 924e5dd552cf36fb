"""Phone layout and Content-Security-Policy in a real browser: Debian's Chromium (headless) at 390x844, the
width of a common phone. No page may scroll sideways (a wide table scrolls inside its own `.table-wrap`), and
no page may trigger a CSP violation (the policy allows only this site's own scripts and stylesheets).

No grading workers: the test stores a graded result with long feedback itself while the submission page
polls, which exercises the live update (poll.js) and keeps the test fast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.core.i18n import t
from grader.core.results import CheckResult, GradeResult
from grader.db import store
from grader.db.models import Grading
from grader.queue.claims import claim_next
from tests.browser_support import live_site, login
from tests.student_helpers import submission_id, submit_code
from tests.web_helpers import login as client_login

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
EXERCISE = "lab-add-hidden-16"
LONG_WORD = "sin_espacios_" * 30  # one unbroken token of 390 characters
# One long line of valid Python (a file that cannot run as written is refused as it is received).
LONG_LINE = "; ".join(["model.add(keras.layers.Dense(units=16, activation='relu', "
                       "kernel_initializer='glorot_uniform'))"] * 3)
# Collects CSP violations in every document of the context; init scripts are not subject to the page's CSP.
WATCH_CSP = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""


def _graded_long_feedback(app: Any) -> None:
    """Student beto's graded submission with long feedback, for the teacher's pages."""
    beto = app.test_client()
    client_login(beto, "beto")
    submission_id(submit_code(beto, EXERCISE, f"{LONG_LINE}\n"))
    _grade_with_long_feedback(app)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The web app on a free loopback port, without grading threads: (base URL, app)."""
    with live_site(tmp_path_factory.mktemp("layout"), grade=None, prepare=_graded_long_feedback) as site:
        yield site.url, site.app


class Watched:
    """A phone-sized page whose CSP violations, CSP console errors and script errors are recorded."""

    def __init__(self, chromium: Any) -> None:
        self.context = chromium.new_context(viewport=PHONE)
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if "Content Security Policy" in m.text
                     else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))

    def check(self, label: str) -> None:
        """This page fits the phone's width and reported no CSP violation (nor any script error)."""
        widths = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{label}: the page scrolls sideways ({widths[0]} > {widths[1]} px)"
        found = self.problems + self.page.evaluate("window.__csp")
        assert found == [], f"{label}: {found}"


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh watched phone page."""
    opened = Watched(browser)
    yield opened
    opened.context.close()


def _grade_with_long_feedback(app: Any) -> None:
    """Store a graded result for the queued submission, with long messages, a long code line and a hint."""
    web = app.extensions["grader"]
    long_message = t(f"Se esperaba otra cosa: {LONG_WORD}\n{LONG_LINE}", f"Expected something else: {LONG_WORD}")
    checks = [CheckResult(id="layers", passed=False, points=0, max_points=5, message=long_message,
                          hint=t(f"Revisa {LONG_LINE}", f"Check {LONG_LINE}")),
              CheckResult(id=f"param-count-{LONG_WORD[:60]}", passed=True, points=5, max_points=5,
                          message=t("Correcto.", "Right."))]
    with web.sessions() as session:
        claim = claim_next(session)
        assert claim is not None, "the browser's submission is not queued"
        store.finish_grading(session, grading=session.get(Grading, claim.grading_id),
                             result=GradeResult(status="graded", score=5, max_score=10, checks=checks))
        session.commit()


def test_csp_violations_are_detected(server: tuple[str, Any], watched: Watched) -> None:
    """The watch itself works: an inline script injected into a page is blocked and reported."""
    base, _ = server
    watched.page.goto(f"{base}/login")
    watched.page.evaluate("""() => { const s = document.createElement("script");
                                     s.textContent = "window.ran = 1"; document.body.appendChild(s); }""")
    watched.page.wait_for_function("window.__csp.length > 0")
    assert watched.page.evaluate("window.ran") is None
    assert "script-src" in watched.page.evaluate("window.__csp")[0]


def test_student_pages_fit_a_phone_without_csp_violations(server: tuple[str, Any], watched: Watched) -> None:
    """Login, assignments, the exercise editor with a long line, and the submission page polling until long
    feedback appears in place: no sideways scroll, no CSP violation."""
    base, app = server
    page = watched.page
    page.goto(f"{base}/login")
    watched.check("login")
    login(page, base, "ana")
    page.wait_for_url("**/assignments")
    watched.check("assignments")

    page.goto(f"{base}/exercises/{EXERCISE}")
    page.fill("#code", f"# {LONG_WORD}\n{LONG_LINE}\n")
    watched.check("exercise")
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/submissions/*")
    assert page.locator("#feedback[data-poll]").count() == 1, "the page must be polling"
    watched.check("submission (queued)")
    _grade_with_long_feedback(app)
    page.wait_for_selector("#feedback .total", timeout=30_000)
    assert LONG_WORD in page.locator("#feedback").inner_text()
    watched.check("submission (feedback arrived)")
    page.reload()
    watched.check("submission (feedback)")
    page.goto(f"{base}/exercises/{EXERCISE}?lang=en")
    watched.check("exercise with history")


def test_teacher_pages_fit_a_phone_without_csp_violations(server: tuple[str, Any], watched: Watched) -> None:
    """The gradebook (its table may scroll inside its box, the page may not) and a submission's review page."""
    base, _ = server
    page = watched.page
    login(page, base, "profe")
    page.wait_for_url("**/teacher/")
    watched.check("course overview")
    page.goto(f"{base}/teacher/gradebook")
    watched.check("gradebook")
    page.locator(f"tr[data-student=beto] td[data-exercise={EXERCISE}] a").first.click()
    page.wait_for_url("**/teacher/submissions/*")
    watched.check("teacher submission")
    page.goto(f"{base}/teacher/gradebook?lang=en")
    watched.check("gradebook in English")
