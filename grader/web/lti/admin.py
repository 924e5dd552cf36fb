"""The teacher's LMS page: what to enter in Moodle or Canvas, the LMS courses seen, roster sync, score outbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select

from grader.db.lti import retry_now
from grader.db.lti_models import LtiContext, LtiLink, LtiScorePost
from grader.lti.identity import give_offering
from grader.lti.roster import RosterSyncError, sync_roster
from grader.lti.scores import send_pending
from grader.web.auth import teacher_required
from grader.web.i18n import gettext
from grader.web.lti.launch import lti_config, public_urls
from grader.web.offering import offering_id
from grader.web.state import db, state

bp = Blueprint("lti_admin", __name__, url_prefix="/lti")
# Posts sent within the teacher's request (each may wait for a slow LMS); the workers send the rest.
SEND_NOW_LIMIT = 20


@bp.get("/admin")
@teacher_required
def admin() -> Any:
    """Tool URLs, platforms, this offering's LMS courses (and those waiting for approval) and its outbox (counts,
    then the newest entries with their errors)."""
    config = lti_config()
    session = db()
    mine = (select(LtiScorePost.id).join(LtiScorePost.link).join(LtiLink.context)
            .where(LtiContext.offering_id == offering_id()))
    counts = dict(session.execute(select(LtiScorePost.status, func.count()).where(LtiScorePost.id.in_(mine))
                                  .group_by(LtiScorePost.status)).all())
    posts = session.scalars(select(LtiScorePost).where(LtiScorePost.id.in_(mine))
                            .order_by(LtiScorePost.updated_at.desc()).limit(100)).all()
    contexts = session.scalars(select(LtiContext).where((LtiContext.offering_id == offering_id())
                                                        | LtiContext.offering_id.is_(None))
                               .order_by(LtiContext.created_at.desc())).all()
    urls = public_urls()
    return render_template("lti/admin.html", urls=urls, platforms=config.platforms, contexts=contexts,
                           counts=counts, posts=posts)


@bp.post("/contexts/<int:context_id>/sync")
@teacher_required
def sync(context_id: int) -> Any:
    """Pull an LMS course's members in (Names and Roles)."""
    config = lti_config()
    session = db()
    context = session.get(LtiContext, context_id) or abort(404)
    if not context.approved:
        abort(403)  # its instructors would become teachers here
    if context.offering_id != offering_id():
        abort(404)  # another offering's LMS course
    try:
        done = sync_roster(session, config=config, context=context)
    except RosterSyncError as exc:
        session.rollback()
        flash(gettext("No se pudo sincronizar: %(reason)s") % {"reason": str(exc)}, "error")
        return redirect(url_for("lti_admin.admin")), 303
    session.commit()
    flash(gettext("Lista sincronizada: %(created)s nuevos, %(updated)s actualizados.")
          % {"created": done.created, "updated": done.updated}, "ok")
    return redirect(url_for("lti_admin.admin")), 303


@bp.post("/contexts/<int:context_id>/approve")
@teacher_required
def approve(context_id: int) -> Any:
    """Accept launches from one more LMS course: it becomes a new offering of its own, whose teachers are its
    instructors (an approved one, another offering's, is left as it is)."""
    lti_config()
    session = db()
    context = session.get(LtiContext, context_id) or abort(404)
    if context.offering_id is not None and context.offering_id != offering_id():
        abort(404)
    give_offering(session, context=context)
    session.commit()
    flash(gettext("Curso del LMS aprobado: ya se puede abrir el calificador desde él."), "ok")
    return redirect(url_for("lti_admin.admin")), 303


@bp.post("/outbox/send")
@teacher_required
def send_now() -> Any:
    """Retry the failed posts at once and send what is due (the workers do this on their own every minute)."""
    config = lti_config()
    retry_now(db())
    db().commit()
    report = send_pending(state().sessions, config=config, course=state().course, catalog=state().catalog,
                          limit=SEND_NOW_LIMIT)
    flash(gettext("Enviadas: %(sent)s; fallidas: %(failed)s.") % {"sent": report.sent, "failed": report.failed},
          "ok" if not report.failed else "error")
    return redirect(url_for("lti_admin.admin")), 303
