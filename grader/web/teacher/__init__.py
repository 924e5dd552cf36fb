"""The teacher's pages, served by one blueprint under /teacher.

gradebook: the gradebook, exports and the roster; review: a submission's drill-down and overrides;
analytics: per-exercise statistics and regrades; source: the highlighted submitted code they show.
Every route is `teacher_required`: anonymous users are sent to log in, students get 403.
"""

from __future__ import annotations

from flask import Blueprint

from grader.web.teacher import analytics, gradebook, review

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
for _module in (gradebook, analytics, review):
    _module.routes.register(bp)
