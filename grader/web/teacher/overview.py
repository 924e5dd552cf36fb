"""The teacher's landing page: the course at a glance (grader.course.overview)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from grader.course.overview import course_overview
from grader.db.models import utcnow
from grader.web.auth import staff_required
from grader.web.routes import Routes
from grader.web.state import db, state

routes = Routes()


@routes.get("/")
@staff_required
def overview() -> Any:
    """What is open, what is due soon, what waits for review, what just arrived."""
    web = state()
    view = course_overview(db(), course=web.course, catalog=web.catalog, now=utcnow())
    return render_template("teacher/overview.html", overview=view, course=web.course)
