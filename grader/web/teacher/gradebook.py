"""Teacher pages: the gradebook and its exports (the roster page is in roster.py). Every route is
`staff_required` (teachers and TAs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, render_template, request

from grader.course.exports import (
    DEFAULT_PENDING,
    EXPORT_KINDS,
    MOODLE_IDENTITIES,
    PENDING_CHOICES,
    ExportOptions,
    canvas_csv,
    filename,
    generic_csv,
    moodle_csv,
    unmatched,
    waiting,
)
from grader.course.gradebook import (
    POLICIES,
    SORT_KEYS,
    Gradebook,
    GradebookFilters,
    Policy,
    build_gradebook,
    sections,
    students,
)
from grader.db.models import utcnow
from grader.web.auth import staff_required
from grader.web.offering import course_here, offering_id
from grader.web.routes import Routes
from grader.web.state import db, state
from grader.web.teacher import roster as roster_views

routes = Routes()


@dataclass(frozen=True)
class GradebookParams:
    """The gradebook's query string, parsed: policy, filters and page."""

    policy: Policy
    filters: GradebookFilters
    page: int

    def args(self) -> dict[str, str]:
        """The query string that shows this view again (without the page), for links and exports."""
        args = {"policy": self.policy, "q": self.filters.search, "section": self.filters.section,
                "sort": self.filters.sort, "dir": "desc" if self.filters.descending else "asc"}
        return {k: v for k, v in args.items() if v}


def gradebook_params() -> GradebookParams:
    """The request's gradebook parameters; unknown values fall back to the defaults (course policy, name)."""
    policy = request.args.get("policy", "")
    sort = request.args.get("sort", "")
    filters = GradebookFilters(search=request.args.get("q", "")[:200], section=request.args.get("section", ""),
                               sort=sort if sort in SORT_KEYS else "name",
                               descending=request.args.get("dir") == "desc")
    return GradebookParams(policy=policy if policy in POLICIES else course_here().grading_policy,  # type: ignore[arg-type]
                           filters=filters, page=max(request.args.get("page", 1, type=int) or 1, 1))


def current_gradebook(params: GradebookParams, *, paged: bool) -> Gradebook:
    """The gradebook the page (one page of rows) and the exports (every row) both show."""
    web = state()
    return build_gradebook(db(), course=course_here(), catalog=web.catalog, policy=params.policy,
                           filters=params.filters, page=params.page if paged else None)


def release_links() -> bool:
    """True when the per-exercise release page exists (another part of the app adds it), to link the columns."""
    return "teacher.release_page" in current_app.view_functions


@routes.get("/gradebook")
@staff_required
def gradebook() -> Any:
    """Students x exercises: counted score per cell, totals, search, section filter, sorting, pages, exports."""
    params = gradebook_params()
    book = current_gradebook(params, paged=True)
    # Everyone the exports would hold (not just this page), so no student is dropped by Moodle unannounced.
    no_email = [p for p in students(db(), params.filters, offering_id=offering_id()) if not p.email]
    return render_template("teacher/gradebook.html", book=book, params=params,
                           sections=sections(db(), offering_id=offering_id()),
                           waiting=sum(waiting(c) for r in book.rows for c in r.cells), no_email=no_email,
                           release_links=release_links(), pending_choices=PENDING_CHOICES)


@routes.get("/export/<kind>.csv")
@staff_required
def export(kind: str) -> Any:
    """The gradebook as a CSV download: `generic`, `canvas`, or `moodle` (with ?identity=email|idnumber), and
    ?pending=exclude|include for scores still waiting for review (left empty, or exported as provisional)."""
    if kind not in EXPORT_KINDS:
        abort(404)
    identity, pending = request.args.get("identity", "email"), request.args.get("pending", DEFAULT_PENDING)
    if identity not in MOODLE_IDENTITIES or pending not in PENDING_CHOICES:
        abort(400)
    options = ExportOptions(pending=pending)
    book = current_gradebook(gradebook_params(), paged=False)
    headers = {"Cache-Control": "no-store"}
    if kind == "moodle":
        text = moodle_csv(book, identity=identity, options=options)
        left_out = unmatched(book, identity=identity)
        # Also said on the gradebook page, above the link; the header lets a script see it too.
        headers["X-Grader-Left-Out"] = quote(",".join(p.external_id for p in left_out), safe=",")
    else:
        text = canvas_csv(book, options) if kind == "canvas" else generic_csv(book, options)
    # A BOM lets spreadsheet programs see the accents of the plain export; LMS importers are given none.
    data = text.encode("utf-8-sig" if kind == "generic" else "utf-8")
    name = filename(kind=kind, identity=identity, policy=book.policy, options=options,
                    day=f"{utcnow():%Y-%m-%d}")
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(data, mimetype="text/csv", headers=headers)


# The roster page was split out of this module; its routes are served with these (see roster.py's docstring).
routes.rules += roster_views.routes.rules
