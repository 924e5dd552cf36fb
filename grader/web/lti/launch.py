"""The tool's LTI 1.3 endpoints: OIDC login, launch, its public keys, and the deep-linking picker.

Every refusal (no registration, bad signature, wrong audience or deployment, reused nonce, expired token,
unknown exercise) is a 4xx page and a log line: pylti1p3 raises plain `Exception` for some of them, so the
launch boundary catches everything the library raises.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_login import login_user
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from pylti1p3.message_launch import MessageLaunch

from grader.lti.config import PUBLIC_URL_ENV, LtiConfig, ToolUrls, http_session, tool_urls
from grader.lti.identity import CLAIM, Person, approve_first, claim_dict, context_for, record_link, user_for
from grader.lti.storage import DatabaseLaunchStorage
from grader.web.auth import home_for, teacher_required
from grader.web.lti.framing import SESSION_FLAG, frame_ancestors
from grader.web.offering import apply_offering, remember
from grader.web.state import db, state

bp = Blueprint("lti", __name__, url_prefix="/lti")
log = logging.getLogger(__name__)
DEEP_LINK_KEY = "lti_deep_link_launch"


class LaunchRefused(Exception):
    """A launch this tool does not accept; `status` is the HTTP code of the page."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def lti_config() -> LtiConfig:
    """The platform configuration; 404 when this deployment has no LMS."""
    config = state().lti
    if config is None:
        abort(404)
    return config


def public_urls() -> ToolUrls:
    """The tool's URLs as registered in the LMS: under GRADER_PUBLIC_URL when set (behind a proxy), else under
    this request's host."""
    return tool_urls(os.environ.get(PUBLIC_URL_ENV) or request.host_url)


def _storage() -> DatabaseLaunchStorage:
    """Launch data in the database (shared by every web process)."""
    return DatabaseLaunchStorage(state().sessions)


def _refused(reason: str, status: int) -> Any:
    """The page of a refused login or launch, logged with what the library said."""
    log.warning("LTI request refused: %s %s: %s", request.method, request.path, reason,
                extra={"lti_refused": reason, "remote_addr": request.remote_addr})
    return render_template("lti/refused.html", reason=reason[:300]), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """OIDC third-party initiated login: check the platform, then send the browser to its auth endpoint."""
    config = lti_config()
    try:
        oidc = FlaskOIDCLogin(FlaskRequest(), config.tool_conf, launch_data_storage=_storage())
        # The redirect URI is always this tool's launch URL (registered in the LMS), never target_link_uri.
        return oidc.redirect(public_urls().redirect_uri)
    except Exception as exc:  # OIDCException, or a bare Exception for an unknown client id
        return _refused(str(exc) or type(exc).__name__, 400)


def _validated(storage: DatabaseLaunchStorage) -> FlaskMessageLaunch:
    """The launch message once pylti1p3 validated it and its nonce was consumed (a replay is refused)."""
    message = FlaskMessageLaunch(FlaskRequest(), lti_config().tool_conf, launch_data_storage=storage,
                                 requests_session=http_session())
    try:
        claims = message.get_launch_data()
    except Exception as exc:  # LtiException, jwt errors, and pylti1p3's bare Exception for unknown clients
        raise LaunchRefused(str(exc) or type(exc).__name__) from exc
    if not storage.take_nonce(str(claims.get("nonce"))):
        raise LaunchRefused("nonce already used: this launch was replayed")
    return message


@bp.post("/launch")
def launch() -> Any:
    """A resource-link launch (opens the exercise of custom parameter `exercise`, logged in) or a deep-linking
    request (an instructor picks exercises to place in the LMS course)."""
    storage = _storage()
    try:
        message = _validated(storage)
        claims = message.get_launch_data()
        person = Person.from_claims(claims)
        if message.is_deep_link_launch() and person.role == "student":
            raise LaunchRefused("only instructors can add exercises to the LMS course", 403)
        target = _open(message, claims, person)
    except LaunchRefused as refused:
        db().rollback()
        return _refused(str(refused), refused.status)
    return redirect(target)


def _open(message: FlaskMessageLaunch, claims: Mapping[str, Any], person: Person) -> str:
    """Log the person in (created on first launch), record the launch, and say where to go."""
    exercise = str(claim_dict(claims, CLAIM + "custom").get("exercise") or "").strip()
    spec = state().catalog.specs.get(exercise) if exercise else None
    if exercise and (spec is None or state().course.get(exercise) is None):
        raise LaunchRefused(f"exercise {exercise[:100]!r} is not part of this course", 404)
    session_db = db()
    context = context_for(session_db, issuer=person.issuer, client_id=message.get_client_id(),
                          deployment_id=str(claims.get(CLAIM + "deployment_id")), claims=claims)
    if not approve_first(session_db, context=context, role=person.role):
        session_db.commit()  # kept, so a teacher sees it on the LMS page and can approve it
        raise LaunchRefused("this LMS course is not linked to the grader yet: a teacher of the grader approves it "
                            "on the LMS page (the first course is linked by its instructor's first launch)", 403)
    user = user_for(session_db, person, offering_id=context.offering_id)
    if spec is not None and message.is_resource_launch():
        record_link(session_db, user=user, exercise_slug=exercise, exercise_title=spec.title.es, context=context,
                    claims=claims)
    session_db.commit()
    login_user(user)
    offering = context.offering_id
    assert offering is not None, "an approved LMS course has its offering"
    remember(offering)  # the LMS course's offering is the one this session works on
    apply_offering(user, offering)
    session[SESSION_FLAG] = True
    session["lti_context"] = context.id
    log.info("LTI launch: %s of %s as %s (%s) exercise=%s", person.subject, person.issuer, user.username,
             person.role, exercise or "-")
    if message.is_deep_link_launch():
        session[DEEP_LINK_KEY] = message.get_launch_id()
        return url_for("lti.deep_link")
    if spec is not None:
        return url_for("student.exercise", exercise_id=exercise)
    return home_for(user)


@bp.get("/jwks")
def jwks() -> Any:
    """The tool's public keys (platforms verify its client assertions and deep-linking responses with them)."""
    return jsonify(lti_config().jwks())


def _deep_link_message() -> MessageLaunch:
    """The deep-linking launch this teacher came in with (restored from the database), else 400."""
    launch_id = session.get(DEEP_LINK_KEY)
    if not launch_id:
        abort(400)
    try:
        return FlaskMessageLaunch.from_cache(launch_id, FlaskRequest(), lti_config().tool_conf,
                                             launch_data_storage=_storage())
    except Exception:  # expired or unknown launch id
        abort(400)


@bp.route("/deep-link", methods=["GET", "POST"])
@teacher_required
def deep_link() -> Any:
    """The exercises of the course to tick; the answer is a signed deep-linking response posted to the LMS."""
    message = _deep_link_message()
    course, catalog = state().course, state().catalog
    choices = [(a.exercise, catalog.specs[a.exercise]) for a in course.assignments if a.exercise in catalog.specs]
    if request.method == "GET":
        return render_template("lti/deep_link.html", choices=choices)
    picked = set(request.form.getlist("exercise"))
    resources = [DeepLinkResource().set_url(public_urls().tool_url).set_title(spec.title.es)
                 .set_custom_params({"exercise": slug})
                 .set_lineitem(LineItem().set_score_maximum(spec.max_score or 1).set_label(spec.title.es)
                               .set_resource_id(slug))
                 for slug, spec in choices if slug in picked]
    deep_link = message.get_deep_link()
    return_url = message.get_launch_data()["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
        "deep_link_return_url"]
    session.pop(DEEP_LINK_KEY, None)
    response = render_template("lti/deep_link_return.html", return_url=return_url,
                               jwt=deep_link.get_response_jwt(resources), count=len(resources))
    return response, 200, {"Content-Security-Policy": _form_to(return_url)}


def _form_to(url: str) -> str:
    """This site's CSP, with the LMS's deep-linking return URL allowed as a form target."""
    from grader.web import SECURITY_HEADERS

    parts = urlsplit(url)
    csp = SECURITY_HEADERS["Content-Security-Policy"].replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")
    return csp.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors()}")
