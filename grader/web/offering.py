"""The course offering a request works on: the one the user picked (kept in the session), among those they
belong to, and their role there.

Every page reads and writes the data of this one offering only: `course_here()` is the course scoped to it
(grader.course functions given it query nothing else), `offering_id()` its id for the functions that take one.
A user who belongs to no offering has no role (""), so every role guard refuses them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, g, redirect, request, session, url_for
from flask_login import current_user, login_required

from grader.course.course import Course
from grader.db.models import User
from grader.db.offerings import DEFAULT_COURSE, Belonging, offerings_of
from grader.web.i18n import tr
from grader.web.state import db, state

bp = Blueprint("offering", __name__)
SESSION_KEY = "offering"

def apply_offering(user: User, wanted: int | None = None) -> Belonging | None:
    """Pick `user`'s offering for this request (`wanted`, else the session's, else their first) and give them
    their role there; None when they belong to none."""
    belongs = [_named(b) for b in offerings_of(db(), user=user)]
    if wanted is None:
        wanted = session.get(SESSION_KEY)
    current = next((b for b in belongs if b.offering_id == wanted), belongs[0] if belongs else None)
    g.offerings, g.offering = belongs, current
    user.offering_role = current.role if current is not None else ""
    return current


def _named(item: Belonging) -> Belonging:
    """The default offering as people know it: a database made before offerings existed, or a fresh one, names
    it only with the placeholder "Curso", so the course file's title stands in (the switcher read "Curso")."""
    if item.is_default and item.label == DEFAULT_COURSE:
        return replace(item, label=tr(state().course.title))
    return item


def current() -> Belonging | None:
    """The offering of this request, once the user is known (None: anonymous, or they belong to none)."""
    if "offering" not in g and current_user.is_authenticated:
        apply_offering(current_user)
    return g.get("offering")


def offering_id() -> int:
    """The id of this request's offering; 403 when the user belongs to none."""
    found = current()
    if found is None:
        abort(403)
    return found.offering_id


def course_here() -> Course:
    """The course as taught in this request's offering."""
    if "course_here" not in g:
        g.course_here = state().course.in_offering(offering_id())
    return g.course_here


def remember(offering: int) -> None:
    """Keep `offering` as the user's pick for the next requests (an LTI launch names its LMS course's)."""
    session[SESSION_KEY] = offering
    for name in ("offering", "offerings", "course_here", "course_now"):
        g.pop(name, None)


@bp.post("/offering")
@login_required
def switch() -> Any:
    """Work on another offering the user belongs to (the switcher in the header); 404 for any other id."""
    wanted = request.form.get("offering", "")
    belongs = offerings_of(db(), user=current_user)
    if not wanted.isdigit() or int(wanted) not in {b.offering_id for b in belongs}:
        abort(404)
    remember(int(wanted))
    return redirect(url_for("auth.index"))  # the home page of their role there


def template_globals() -> dict[str, Any]:
    """`offerings` (the user's) and `offering` (this request's) for the header's switcher."""
    if not current_user.is_authenticated:
        return {"offerings": [], "offering": None}
    found = current()
    return {"offerings": g.get("offerings", []), "offering": found}
