"""The teacher's landing page: the course at a glance (grader.course.overview)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from grader.course.overview import course_overview
from grader.db.models import utcnow
from grader.web.auth import staff_required
from grader.web.routes import Routes
from grader.web.services import course_now
from grader.web.state import db, state

routes = Routes()


@routes.get("/")
@staff_required
def overview() -> Any:
    """What is open, what is due soon, what waits for review, what just arrived."""
    # The dates in force: the course file overlaid by the teachers' edits on the settings page (issue 25).
    course = course_now()
    view = course_overview(db(), course=course, catalog=state().catalog, now=utcnow())
    return render_template("teacher/overview.html", overview=view, course=course)
