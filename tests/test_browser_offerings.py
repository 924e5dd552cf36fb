"""Two course offerings with disjoint rosters in one deployment, in a real browser (Debian's Chromium, headless,
driven by Playwright) against a live server: a teacher sees only the offering at hand and switches to the other
one they teach; a teacher of one offering and a student of the other never reach the other's data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.db.models import utcnow
from tests.browser_support import live_site, login
from tests.offering_helpers import TwoOfferings, arrange_offerings
from tests.test_gradebook import LAB


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TwoOfferings]]:
    """The live site (no grading workers: results are stored directly) with the two offerings."""
    made: list[TwoOfferings] = []
    with live_site(tmp_path_factory.mktemp("live-offerings"), grade=None,
                   prepare=lambda app: made.append(arrange_offerings(app, at=utcnow()))) as site:
        yield site.url, made[0]


def _students(page: Any, base: str) -> set[str]:
    """The roster ids in the gradebook at hand."""
    page.goto(f"{base}/teacher/gradebook")
    return set(page.locator("tr[data-student]").evaluate_all("rows => rows.map(r => r.dataset.student)"))


def test_a_teacher_sees_one_offering_and_switches_to_the_other_they_teach(live: tuple[str, TwoOfferings],
                                                                        browser: Any) -> None:
    base, ids = live
    context = browser.new_context()
    page = context.new_page()
    login(page, base, "profe")
    page.wait_for_url("**/teacher/")  # staff land on the course overview
    assert _students(page, base) == {"ana", "tere"}
    page.goto(f"{base}/teacher/roster")
    assert page.locator("tr[data-student=beto]").count() == 0
    assert page.goto(f"{base}/teacher/submissions/{ids.beto_submission}").status == 404

    page.goto(f"{base}/teacher/gradebook")
    # The default offering is named after the course file's course, not the placeholder it was created with.
    labels = page.locator("#offering-select option").all_inner_texts()
    assert labels[0] != "Curso" and labels[1] == "Curso · 2027-2", labels
    page.select_option("#offering-select", str(ids.b))
    page.click("#offering-switcher button[type=submit]")
    page.wait_for_url("**/teacher/")  # staff land on the course overview
    assert page.locator("#offering-select").input_value() == str(ids.b)  # the session keeps the pick
    assert _students(page, base) == {"beto"}
    assert page.goto(f"{base}/teacher/submissions/{ids.ana_submission}").status == 404
    assert page.goto(f"{base}/teacher/submissions/{ids.beto_submission}").status == 200
    context.close()


def test_a_teacher_of_one_offering_sees_nothing_of_the_other(live: tuple[str, TwoOfferings], browser: Any) -> None:
    base, ids = live
    context = browser.new_context()
    page = context.new_page()
    login(page, base, "profeb")
    page.wait_for_url("**/teacher/")  # staff land on the course overview: its recent hand-ins are B's only
    recent = page.locator("a[href*='/teacher/submissions/']").evaluate_all("links => links.map(a => a.href)")
    assert any(link.endswith(f"/{ids.beto_submission}") for link in recent), recent
    assert not any(link.endswith(f"/{ids.ana_submission}") for link in recent), recent
    assert _students(page, base) == {"beto"}
    assert page.locator("#offering-select").count() == 0  # one offering: its name, no switcher
    assert "2027-2" in page.locator("#offering-name").inner_text()
    assert page.goto(f"{base}/teacher/submissions/{ids.ana_submission}").status == 404
    context.close()


def test_a_student_cannot_reach_the_other_offerings_exercises_or_submissions(live: tuple[str, TwoOfferings],
                                                                           browser: Any) -> None:
    base, ids = live
    context = browser.new_context()
    page = context.new_page()
    login(page, base, "ana")
    page.wait_for_url("**/assignments")
    assert page.goto(f"{base}/submissions/{ids.ana_submission}").status == 200
    assert page.goto(f"{base}/submissions/{ids.beto_submission}").status == 404
    assert page.goto(f"{base}/exercises/{LAB}").status == 200  # her offering's exercise
    assert page.locator("#offering-select").count() == 0
    # Asking for B's offering with a valid form token is refused: she is not on its roster.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    switched = page.request.post(f"{base}/offering", form={"csrf_token": token or "", "offering": str(ids.b)})
    assert switched.status == 404
    assert page.goto(f"{base}/submissions/{ids.beto_submission}").status == 404
    assert page.goto(f"{base}/teacher/gradebook").status == 403
    context.close()
