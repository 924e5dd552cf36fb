"""pylti1p3's launch data storage kept in the database, so every web process sees the same nonces and launches.

pylti1p3 keeps the OIDC nonce, the state's id_token hash and the validated launch message through this
interface; its default (the Flask session cookie) lets the same id_token be posted twice with the same
cookies. Here the values live in `lti_states`, keyed without any browser session (the state cookie binds
the browser), and a nonce is consumed by `take_nonce` once its launch is valid.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy.orm import Session, sessionmaker

from grader.db.lti import state_get, state_put, state_take

DEFAULT_TTL = timedelta(days=1)
NONCE_PREFIX = "lti1p3-nonce-"


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    """Launch data in the `lti_states` table; every call is its own short transaction."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__()
        self._sessions = sessions

    def get_session_cookie_name(self) -> str | None:
        """No per-browser prefix: the state cookie already ties the launch to the browser that logged in."""
        return None

    def can_set_keys_expiration(self) -> bool:
        """Keys expire (launch data after a day, nonces with it)."""
        return True

    def get_value(self, key: str) -> Any:
        """The value under `key`, or None."""
        with self._sessions() as session:
            return state_get(session, self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        """Store `value` under `key` for `exp` seconds (a day when not given)."""
        ttl = timedelta(seconds=exp) if exp else DEFAULT_TTL
        with self._sessions() as session:
            state_put(session, self._prepare_key(key), value, ttl=ttl)

    def check_value(self, key: str) -> bool:
        """True when `key` holds an unexpired value."""
        return self.get_value(key) is not None

    def take_nonce(self, nonce: str) -> bool:
        """Consume the nonce the login issued; False when it was never issued, expired or already used."""
        with self._sessions() as session:
            return state_take(session, self._prepare_key(NONCE_PREFIX + nonce))
