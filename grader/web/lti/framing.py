"""Which pages an LMS may frame: only the LTI pages and the pages of a session that came in by a launch, and
only by the registered platforms' origins (CSP frame-ancestors); every other page keeps DENY."""

from __future__ import annotations

from flask import current_app, request, session

SESSION_FLAG = "lti_launch"


def frame_ancestors() -> str | None:
    """The frame-ancestors source list for this response, or None when the page must not be framed at all."""
    config = current_app.extensions["grader"].lti
    if config is None or not (request.path.startswith("/lti/") or session.get(SESSION_FLAG)):
        return None
    return " ".join(("'self'", *config.frame_origins))


def framed_headers(defaults: dict[str, str]) -> dict[str, str]:
    """`defaults` with the registered platforms allowed to frame this page (X-Frame-Options cannot name several
    origins, so it is dropped; CSP frame-ancestors replaces it in every current browser)."""
    allowed = frame_ancestors()
    if allowed is None:
        return defaults
    headers = {name: value for name, value in defaults.items() if name != "X-Frame-Options"}
    csp = headers["Content-Security-Policy"].replace("frame-ancestors 'none'", f"frame-ancestors {allowed}")
    headers["Content-Security-Policy"] = csp
    return headers
