"""The teacher's pages, served by one blueprint under /teacher.

overview: the landing page; gradebook: the gradebook, exports and the roster; review: a submission's
drill-down and overrides; analytics: per-exercise statistics and regrades; release: when students get the
full feedback; byquestion: one free-text question graded across the class; similarity: flagged pairs of
hand-ins, found by a job; settings: dates, attempts, extensions and their trail; people: one student,
teacher or TA at a time; source: the highlighted submitted code they show.
The overview, grading and reviewing routes are `staff_required` (teachers and TAs); settings, releases and
accounts are `teacher_required`. Anonymous users are sent to log in, students get 403.
"""

from __future__ import annotations

from flask import Blueprint

from grader.web.teacher import analytics, byquestion, gradebook, overview, people, release, review, settings, similarity

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
for _module in (overview, gradebook, analytics, review, release, byquestion, settings, people, similarity):
    _module.routes.register(bp)
