"""The teacher's pages, served by one blueprint under /teacher.

overview: the landing page; gradebook: the gradebook, exports and the roster; review: a submission's
drill-down and overrides; analytics: per-exercise statistics and regrades; release: when students get the
full feedback; byquestion: one free-text question graded across the class; source: the highlighted
submitted code they show.
Every route is `teacher_required`: anonymous users are sent to log in, students get 403.
"""

from __future__ import annotations

from flask import Blueprint

from grader.web.teacher import analytics, byquestion, gradebook, overview, release, review

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
for _module in (overview, gradebook, analytics, review, release, byquestion):
    _module.routes.register(bp)
