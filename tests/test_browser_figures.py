"""The drawings in a real browser: the student's network with its arithmetic on a graded lab, the expected
architecture beside a failed layers check, and the grader's learning curves with the early-stopping marker
on wine-early-stopping, on the student's page and in the teacher's drill-down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import live_site, login, submit_in_editor

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LAB_WRONG = ROOT / "exercises" / "solutions" / "lab-add-hidden-16" / "wrong-one-layer.py"
WINE = ROOT / "exercises" / "samples" / "wine-early-stopping" / "walter.py"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, grader_nodb: Any) -> Iterator[str]:
    """The web app on a free loopback port, grading with the session's real sandbox pool."""
    with live_site(tmp_path_factory.mktemp("figures"), grade=grader_nodb.grade_bytes) as live:
        yield live.url


def _texts(page: Any, selector: str) -> list[str]:
    # SVG elements have no innerText: their text content is what a screen reader reads.
    return [(t or "").strip() for t in page.locator(selector).all_text_contents()]


def test_the_lab_feedback_draws_the_network_its_arithmetic_and_the_expected_one(live_server: str,
                                                                                 browser: Any) -> None:
    """A lab submission missing a hidden layer: the network is drawn layer by layer with Keras' counts, the
    arithmetic adds up to the total, the expected architecture is beside it with the differences marked; the
    teacher's drill-down draws the same."""
    context = browser.new_context()
    page = context.new_page()
    login(page, live_server, "ana")
    url = submit_in_editor(page, live_server, "lab-add-hidden-16", LAB_WRONG.read_text())
    network = page.locator("#feedback svg.network")
    assert network.count() == 1 and network.get_attribute("role") == "img"
    layers = _texts(page, "#feedback svg.network text.layer")
    assert layers[0].startswith("Flatten") and any(text.startswith("Dense · 16") for text in layers)
    assert _texts(page, "#feedback svg.network text.expected")  # the expected column is drawn
    assert page.locator("#feedback svg.network text.differs").count() >= 1
    lines = _texts(page, "#feedback .param-lines li")
    assert any("25×16 + 16 = 416" in line for line in lines)
    assert page.locator("#feedback .param-total").inner_text().startswith("Total:")
    assert page.locator("#feedback svg.curves").count() == 1  # the lab trains too
    context.close()

    teacher = browser.new_context()
    page = teacher.new_page()
    login(page, live_server, "profe")
    page.goto(f"{live_server}/teacher/submissions/{url.rstrip('/').rsplit('/', 1)[-1]}")
    assert page.locator("svg.network text.layer").count() == len(layers)
    teacher.close()


def test_wine_feedback_draws_the_learning_curves_with_the_early_stopping_marker(live_server: str,
                                                                               browser: Any) -> None:
    """wine-early-stopping: the grader's own training drawn as curves with the baseline, the student's
    EarlyStopping marked on the loss, and a diagnosis in words; in English too."""
    context = browser.new_context()
    page = context.new_page()
    login(page, live_server, "beto")
    url = submit_in_editor(page, live_server, "wine-early-stopping", WINE.read_text())
    curves = page.locator("#feedback svg.curves")
    assert curves.count() == 1
    assert page.locator("#feedback svg.curves polyline").count() >= 3  # loss, val_loss, val metric
    assert _texts(page, "#feedback svg.curves text.level")[0].startswith("línea base")
    marker = page.locator("#feedback svg.curves text.best, #feedback svg.curves text.restored, "
                          "#feedback svg.curves text.stop")
    assert marker.count() >= 1
    assert "EarlyStopping" in page.locator("#feedback .diagnosis").inner_text()
    assert page.locator("#feedback svg.network").count() == 1
    page.goto(f"{url}?lang=en")
    page.wait_for_selector("#feedback svg.curves")
    assert "EarlyStopping" in page.locator("#feedback .diagnosis").inner_text()
    assert _texts(page, "#feedback svg.curves text.level")[0].startswith("baseline")
    context.close()
