"""The database side of LTI: the one hook every score change calls, the score outbox, and shared short state.

`score_changed` is called wherever a student's counting score or its grading progress may change (a grading stored,
a teacher's override, a release, a settings change, a student's extension); it marks the outbox entries of the links
concerned pending in the caller's transaction, so the change and the duty to tell the LMS commit together. What is
sent is computed when sending (the counting score needs the course's policy, which lives above this layer). Like
grader.db.store, functions take the caller's Session, flush, and never commit (except the state store, which is its
own small transaction).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from grader.db.lti_models import LtiContext, LtiLink, LtiScorePost, LtiState, LtiUser
from grader.db.models import Exercise, Submission, User, utcnow
from grader.db.session import rows_changed

# Failed posts are retried after 1, 2, 4 ... minutes, at most an hour apart, and never given up.
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


def score_changed(session: Session, *, submission_id: int | None = None, exercise_id: int | None = None,
                  exercise_slug: str | None = None, offering_id: int | None = None,
                  student_id: int | None = None) -> int:
    """Mark pending the score posts of the LTI links this change touches; returns how many were marked.

    `submission_id`: that submission's student and exercise in its offering (a grading or an override).
    `exercise_id` or `exercise_slug` with `offering_id`: every launched student of the exercise in that
    offering (a release, a settings change), or only `student_id` (their extension). Only links launched from
    the offering's LMS course are touched. A deployment without LTI has no links: one indexed query.
    """
    links = select(LtiLink.id).join(LtiContext, LtiContext.id == LtiLink.context_id)
    person = (LtiUser, LtiUser.id == LtiLink.lti_user_id), (User, User.id == LtiUser.user_id)
    if submission_id is not None:
        links = (links.join(*person[0]).join(*person[1])
                 .join(Submission, (Submission.student_id == User.student_id)
                       & (Submission.exercise_id == LtiLink.exercise_id)
                       & (Submission.offering_id == LtiContext.offering_id))
                 .where(Submission.id == submission_id))
    elif (exercise_id is not None or exercise_slug is not None) and offering_id is not None:
        if exercise_id is None:
            exercise_id = session.scalar(select(Exercise.id).where(Exercise.slug == exercise_slug))
            if exercise_id is None:  # nobody submitted or launched it yet: no link can point at it
                return 0
        links = links.where(LtiLink.exercise_id == exercise_id, LtiContext.offering_id == offering_id)
        if student_id is not None:
            links = links.join(*person[0]).join(*person[1]).where(User.student_id == student_id)
    else:
        raise ValueError("score_changed needs a submission_id, or an exercise and an offering_id")
    ids = list(session.scalars(links.where(LtiLink.lineitem_url.is_not(None))))
    for link_id in ids:
        mark_pending(session, link_id=link_id)
    return len(ids)


def mark_pending(session: Session, *, link_id: int) -> None:
    """Queue the newest score of link `link_id` for sending (creating its outbox entry on first use)."""
    now = utcnow()
    post = session.scalar(select(LtiScorePost).where(LtiScorePost.link_id == link_id))
    if post is None:
        session.add(LtiScorePost(link_id=link_id, status="pending", generation=1, attempts=0, next_attempt_at=now,
                                 updated_at=now))
    else:
        session.execute(update(LtiScorePost).where(LtiScorePost.id == post.id).values(
            status="pending", generation=LtiScorePost.generation + 1, next_attempt_at=now, updated_at=now))
    session.flush()


def due_posts(session: Session, *, now: datetime | None = None, limit: int = 50) -> list[LtiScorePost]:
    """Outbox entries to send now: pending or failed ones whose retry time has come, oldest first."""
    query = (select(LtiScorePost).where(LtiScorePost.status.in_(("pending", "failed")),
                                        LtiScorePost.next_attempt_at <= (now or utcnow()))
             .order_by(LtiScorePost.next_attempt_at, LtiScorePost.id).limit(limit))
    return list(session.scalars(query))


def record_attempt(session: Session, *, post_id: int, generation: int, score: dict[str, Any] | None,
                   error: str | None) -> bool:
    """Store the outcome of sending `post_id` computed at `generation`: sent (error None) or failed with
    `error`, retried later with a growing delay. A post whose score changed meanwhile stays pending (one
    conditional UPDATE); returns True when the outcome was recorded."""
    now = utcnow()
    current = session.get(LtiScorePost, post_id)
    if current is None:
        return False
    values: dict[str, Any] = {"attempts": LtiScorePost.attempts + 1, "last_score": score, "updated_at": now}
    if error is None:
        values.update(status="sent", last_error=None, sent_at=now)
    else:
        delay = min(RETRY_MAX, RETRY_BASE * 2 ** min(current.attempts, 10))
        values.update(status="failed", last_error=error[:2000], next_attempt_at=now + delay)
    done = rows_changed(session, update(LtiScorePost).where(LtiScorePost.id == post_id,
                                                            LtiScorePost.generation == generation)
                        .values(**values)) == 1
    if not done:  # changed meanwhile: count the try, keep it pending for the new score
        session.execute(update(LtiScorePost).where(LtiScorePost.id == post_id)
                        .values(attempts=LtiScorePost.attempts + 1, updated_at=now))
    session.flush()
    session.expire(current)
    return done


def retry_now(session: Session) -> int:
    """Make every failed post due at once (the teacher's "retry now"); returns how many."""
    return rows_changed(session, update(LtiScorePost).where(LtiScorePost.status == "failed")
                        .values(next_attempt_at=utcnow()))


def ensure_exercise(session: Session, *, slug: str, title: str) -> Exercise:
    """The stored exercise with id `slug`, created (with `title`) when nobody submitted it yet."""
    exercise = session.scalar(select(Exercise).where(Exercise.slug == slug))
    if exercise is None:
        exercise = Exercise(slug=slug, title=title[:500])
        session.add(exercise)
        session.flush()
    return exercise


# Short-lived shared state (pylti1p3's launch data storage): key -> JSON value with an expiry.

def state_put(session: Session, key: str, value: Any, *, ttl: timedelta) -> None:
    """Store `value` under `key` for `ttl` (replacing what was there)."""
    session.execute(delete(LtiState).where(LtiState.key == key))
    session.add(LtiState(key=key, value=json.dumps(value), expires_at=utcnow() + ttl))
    session.commit()


def state_get(session: Session, key: str) -> Any:
    """The value under `key`, or None when absent or expired."""
    row = session.scalar(select(LtiState).where(LtiState.key == key, LtiState.expires_at > utcnow()))
    return json.loads(row.value) if row is not None else None


def state_take(session: Session, key: str) -> bool:
    """Delete `key` if present and unexpired; True only for the one caller that deleted it (a nonce is used
    once, even by two processes racing with the same id_token)."""
    taken = rows_changed(session, delete(LtiState).where(LtiState.key == key, LtiState.expires_at > utcnow()))
    session.commit()
    return taken == 1


def state_purge(session: Session) -> int:
    """Delete expired state; returns how many rows."""
    gone = rows_changed(session, delete(LtiState).where(LtiState.expires_at <= utcnow()))
    session.commit()
    return gone
