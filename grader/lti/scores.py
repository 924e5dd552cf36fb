"""Assignment and Grade Services: the counting score of a launched exercise, sent to the LMS from the outbox.

What is sent is computed at send time from the same attempts the gradebook reads (automatic score, teacher
decisions, late penalty, the course's best/last policy), so the LMS shows what the teacher's gradebook shows.
`gradingProgress` is `PendingManual` while a check waits for the teacher or the feedback is not released;
when the course withholds the score itself until release, no `scoreGiven` is sent before it.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.course.gradebook import attempts, pick
from grader.course.release import release_state
from grader.course.settings import effective_course
from grader.db.lti import due_posts, mark_pending, record_attempt
from grader.db.lti_models import LtiContext, LtiLink, LtiScorePost
from grader.db.models import Exercise, utcnow
from grader.db.offerings import offering_ids, scope
from grader.lti.config import LtiConfig, http_session

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def scores_url(lineitem: str) -> str:
    """`<lineitem>/scores`, keeping the line item's query string (Moodle's carry `?type_id=...`)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def score_message(session: Session, *, course: Course, catalog: Catalog, student_id: int | None, exercise: str,
                  user_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The AGS score JSON of `student_id`'s counting attempt at `exercise` in the course's offering, for LMS
    user `user_id`."""
    # The settings in force (a teacher's release policy, not only the course file's) decide what is shown.
    assignment = effective_course(session, course=course).get(exercise)
    spec = catalog.specs.get(exercise)
    tries = attempts(session, course=course, student_ids=[student_id], exercises=[exercise]) if student_id else []
    counted = pick(tries, course.grading_policy)  # type: ignore[arg-type]
    maximum = (counted.max_score if counted and counted.max_score else spec.max_score if spec else 0.0) or 1.0
    message: dict[str, Any] = {"userId": user_id, "timestamp": (now or utcnow()).isoformat(),
                               "scoreMaximum": maximum}
    if counted is None:
        message.update(activityProgress="Submitted" if tries else "Initialized",
                       gradingProgress="Pending" if tries else "NotReady")
        return message
    shown = (release_state(session, assignment=assignment, offering_id=course.offering_id)
             if assignment is not None else None)
    released = shown is None or shown.released
    message["activityProgress"] = "Completed"
    message["gradingProgress"] = "FullyGraded" if released and not counted.pending_review else "PendingManual"
    if shown is None or "score" in shown.shown:
        message["scoreGiven"] = max(0.0, min(counted.final, maximum))
    return message


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _error(exc: Exception) -> str:
    """A short, readable reason for the teacher's outbox page (status and the start of the LMS's answer)."""
    response = getattr(exc, "response", None)
    if isinstance(response, requests.Response):
        return f"HTTP {response.status_code} from {response.url}: {response.text[:300]}"
    return f"{type(exc).__name__}: {str(exc)[:500]}"


class _Connectors:
    """One pylti1p3 ServiceConnector per registration for a pass, so an access token is fetched once."""

    def __init__(self, config: LtiConfig, http: requests.Session) -> None:
        self._config, self._http = config, http
        self._made: dict[tuple[str, str], ServiceConnector] = {}

    def get(self, issuer: str, client_id: str) -> ServiceConnector:
        key = (issuer, client_id)
        if key not in self._made:
            self._made[key] = ServiceConnector(self._config.registration(issuer=issuer, client_id=client_id),
                                               requests_session=self._http)
        return self._made[key]


def _send_one(session: Session, post: LtiScorePost, *, course: Course, catalog: Catalog,
              connectors: _Connectors) -> tuple[dict[str, Any] | None, str | None]:
    """Post `post`'s current score (as its LMS course's offering counts it); returns (score sent or tried, error
    or None)."""
    link = post.link
    person, context = link.lti_user, link.context
    if context.offering_id is not None:
        course = course.in_offering(context.offering_id)
    score = score_message(session, course=course, catalog=catalog, student_id=person.user.student_id,
                          exercise=link.exercise.slug, user_id=person.subject)
    try:
        connector = connectors.get(context.issuer, context.client_id)
        connector.make_service_request([SCORE_SCOPE], scores_url(link.lineitem_url or ""), is_post=True,
                                       data=json.dumps(score), content_type=SCORE_TYPE)
    except Exception as exc:  # LtiConfigError, requests' errors, LtiServiceException, pylti1p3's bare Exception
        return score, _error(exc)
    return score, None


def requeue_released(session: Session, *, course: Course, now: datetime | None = None) -> int:
    """Queue again the scores sent as PendingManual before an `after_deadline` release came by itself (no teacher
    action marks those), in the course's offering; returns how many."""
    moment = now or utcnow()
    closed = {a.exercise: a.closes_at() for a in course.assignments
              if a.feedback_policy.release == "after_deadline" and a.closes_at() <= moment}
    if not closed:
        return 0
    query = (select(LtiScorePost).join(LtiScorePost.link).join(LtiLink.exercise).join(LtiLink.context)
             .where(LtiScorePost.status == "sent", Exercise.slug.in_(closed),
                    LtiContext.offering_id == scope(session, course.offering_id)))
    stale = [post for post in session.scalars(query)
             if (post.last_score or {}).get("gradingProgress") == "PendingManual"
             and post.updated_at < closed[post.link.exercise.slug]]
    for post in stale:
        mark_pending(session, link_id=post.link_id)
    return len(stale)


def send_pending(sessions: sessionmaker[Session], *, config: LtiConfig, course: Course, catalog: Catalog,
                 http: requests.Session | None = None, limit: int = 50) -> SendReport:
    """Send every due outbox entry once; failures stay in the outbox with their error and a later retry time.

    Called by the workers' outbox loop, `grader lti send` and the teacher's "send now" button.
    """
    report = SendReport()
    http = http or http_session()
    connectors = _Connectors(config, http)
    with sessions() as session:
        for offering in offering_ids(session):
            requeue_released(session, course=course.in_offering(offering))
        session.commit()
        due = [(p.id, p.generation) for p in due_posts(session, limit=limit)]
    for post_id, generation in due:
        with sessions() as session:
            post = session.get(LtiScorePost, post_id)
            if post is None or post.link.lineitem_url is None:
                continue
            score, error = _send_one(session, post, course=course, catalog=catalog, connectors=connectors)
            record_attempt(session, post_id=post_id, generation=generation, score=score, error=error)
            session.commit()
        if error is None:
            report.sent += 1
        else:
            report.failed += 1
            report.errors.append(error)
            log.warning("LTI score post %d failed: %s", post_id, error)
    return report


def start_outbox_loop(sessions: sessionmaker[Session], *, config: LtiConfig, course: Course, catalog: Catalog,
                      every_s: float = 60.0) -> threading.Event:
    """Send due score posts every `every_s` seconds in a daemon thread (the workers run it); set the returned
    event to stop. Several processes may run it at once: a post sent twice carries the same score."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            try:
                send_pending(sessions, config=config, course=course, catalog=catalog)
            except Exception:  # the database away for a moment: the next round tries again
                log.exception("LTI outbox round failed")

    threading.Thread(target=loop, name="lti-outbox", daemon=True).start()
    return stop
