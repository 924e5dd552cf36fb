"""The teacher's pages, served by one blueprint under /teacher.

gradebook: the gradebook, exports and the roster; review: a submission's drill-down and overrides;
analytics: per-exercise statistics and regrades; release: when students get the full feedback; byquestion:
one free-text question graded across the class; similarity: flagged pairs of hand-ins, found by a job;
source: the highlighted submitted code they show.
Every route is `teacher_required`: anonymous users are sent to log in, students get 403.
"""

from __future__ import annotations

from flask import Blueprint

from grader.web.teacher import analytics, byquestion, gradebook, release, review, similarity

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
for _module in (gradebook, analytics, review, release, byquestion, similarity):
    _module.routes.register(bp)
