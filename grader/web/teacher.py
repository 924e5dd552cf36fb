"""Teacher pages: gradebook, submission drill-down with overrides, roster, regrade, analytics, exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from grader.web.auth import teacher_required

bp = Blueprint("teacher", __name__, url_prefix="/teacher")


@bp.get("/gradebook")
@teacher_required
def gradebook() -> Any:
    """Students x exercises."""
    return render_template("base.html")


@bp.get("/analytics")
@teacher_required
def analytics_index() -> Any:
    """Per-exercise analytics."""
    return render_template("base.html")


@bp.get("/roster")
@teacher_required
def roster() -> Any:
    """Roster."""
    return render_template("base.html")
