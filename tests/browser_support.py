"""What every real-browser test needs: the app served on a loopback port (with real grading workers when
asked), Debian's Chromium driven by Playwright, and logging in through the form.

The `browser` (per module) and `page` (per test) fixtures live in tests/conftest.py and use `chromium()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from tests.web_helpers import PASSWORD, course_open_now, make_accounts

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking switches Chromium keeps dialling Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
GRADING_TIMEOUT_MS = 180_000


@dataclass(frozen=True)
class Live:
    """A running server's base URL and its app (tests reach its database directly to arrange or check)."""

    url: str
    app: Any


@contextmanager
def live_site(folder: Path, *, grade: Callable[..., Any] | None,
              prepare: Callable[[Any], None] | None = None) -> Iterator[Live]:
    """The web app on SQLite in `folder`, the demo accounts made and every assignment open, served on a free
    loopback port; with `grade`, two grading threads over it. `prepare(app)` runs before serving."""
    from grader.web import create_app
    from grader.web.workers import attach_workers

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'grader.sqlite3'}", "SECRET_KEY": folder.name})
    make_accounts(app)
    course_open_now(app)
    if prepare is not None:
        prepare(app)
    workers = attach_workers(app, grade=grade, threads=2, poll_s=0.5) if grade is not None else None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Live(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        if workers is not None:
            workers.stop()
        app.extensions["grader"].engine.dispose()


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium; a missing binary fails loudly (the test command installs it)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(page: Any, base: str, username: str) -> None:
    """Log in through the form."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def submit_in_editor(page: Any, base: str, exercise: str, code: str) -> str:
    """Type `code` into the exercise's editor, send it, and wait until the live feedback replaces the status
    (the page polls; no reload); the submission page's URL."""
    page.goto(f"{base}/exercises/{exercise}")
    page.fill("#code", code)
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/submissions/*")
    page.wait_for_selector("#feedback .total", timeout=GRADING_TIMEOUT_MS)
    return str(page.url)
