"""LTI 1.3 (Advantage): launches from Moodle or Canvas, grade passback, roster sync, built on pylti1p3.

A service layer like grader.course (it imports core, db and course); the web blueprint (grader/web/lti) and the
CLI (`grader lti ...`) are its thin shells. Without GRADER_LTI_CONFIG the deployment has no LMS at all.
"""
