"""The platforms this tool trusts: pylti1p3's `ToolConfJsonFile`, read from the file named by GRADER_LTI_CONFIG.

The file maps each platform's issuer to its registrations (client id, its login, token and key set URLs, the
deployment ids, and the tool's own key pair files). Nothing here talks to a platform.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfJsonFile

CONFIG_ENV = "GRADER_LTI_CONFIG"
# The tool's public address as the LMS reaches it (behind a proxy the request's own host may differ).
PUBLIC_URL_ENV = "GRADER_PUBLIC_URL"
# Seconds a call to a platform (key set, token, scores, roster) may take before it counts as failed.
TIMEOUT_S = 20.0


class _TimeoutSession(requests.Session):
    """A requests session whose calls time out (pylti1p3 passes none, and a hung LMS must not hang a worker)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    """The HTTP session every call to a platform goes through."""
    session = _TimeoutSession()
    session.headers["User-Agent"] = "grader-lti"
    return session


class LtiConfigError(ValueError):
    """The platform file is missing, not JSON, or lacks what pylti1p3 needs; the message says what."""


@dataclass(frozen=True)
class PlatformEntry:
    """One registration as written in the file, for the admin pages (no keys)."""

    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    deployment_ids: tuple[str, ...]


@dataclass(frozen=True)
class LtiConfig:
    """The loaded tool configuration: pylti1p3's object plus what the pages and headers need from it."""

    path: Path
    tool_conf: ToolConfJsonFile
    platforms: tuple[PlatformEntry, ...]

    @property
    def frame_origins(self) -> tuple[str, ...]:
        """The origins (scheme://host[:port]) of every registered platform: only they may frame launched pages."""
        origins: list[str] = []
        for entry in self.platforms:
            for url in (entry.issuer, entry.auth_login_url):
                parts = urlsplit(url)
                origin = f"{parts.scheme}://{parts.netloc}"
                if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
                    origins.append(origin)
        return tuple(origins)

    def registration(self, *, issuer: str, client_id: str) -> Registration:
        """The registration of (issuer, client id); LtiConfigError when it is not in the file."""
        try:
            found = self.tool_conf.find_registration_by_params(issuer, client_id)
        except Exception as exc:  # pylti1p3 raises a bare Exception for an unknown client id
            raise LtiConfigError(f"no registration for issuer {issuer!r} and client id {client_id!r}") from exc
        if found is None:
            raise LtiConfigError(f"no registration for issuer {issuer!r} and client id {client_id!r}")
        return found

    def jwks(self) -> dict[str, Any]:
        """The tool's public keys as a JSON Web Key Set (what platforms check our signatures with)."""
        return dict(self.tool_conf.get_jwks())


def _entries(raw: Any, path: Path) -> tuple[PlatformEntry, ...]:
    """The registrations of the file, checked for the fields the flows use."""
    if not isinstance(raw, dict) or not raw:
        raise LtiConfigError(f"{path}: expected an object mapping each platform issuer to its registrations")
    entries = []
    for issuer, items in raw.items():
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, dict):
                raise LtiConfigError(f"{path}: {issuer}: each registration must be an object")
            missing = [k for k in ("client_id", "auth_login_url", "auth_token_url", "private_key_file",
                                   "deployment_ids") if not item.get(k)]
            if missing or not (item.get("key_set_url") or item.get("key_set")):
                missing += [] if item.get("key_set_url") or item.get("key_set") else ["key_set_url"]
                raise LtiConfigError(f"{path}: {issuer}: missing {', '.join(missing)}")
            entries.append(PlatformEntry(issuer=issuer, client_id=str(item["client_id"]),
                                         auth_login_url=item["auth_login_url"], auth_token_url=item["auth_token_url"],
                                         deployment_ids=tuple(map(str, item["deployment_ids"]))))
    return tuple(entries)


def load_lti_config(path: Path | str) -> LtiConfig:
    """Read and check the platform file at `path` (relative key files are found next to it)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LtiConfigError(f"{path}: cannot read the LTI platform file ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise LtiConfigError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    platforms = _entries(raw, path)
    try:
        tool_conf = ToolConfJsonFile(str(path.resolve()))
    except Exception as exc:  # a key file missing or unreadable: pylti1p3 raises OSError or a bare Exception
        raise LtiConfigError(f"{path}: {exc}") from exc
    return LtiConfig(path=path, tool_conf=tool_conf, platforms=platforms)


def lti_config_from_env() -> LtiConfig | None:
    """The configuration named by GRADER_LTI_CONFIG, or None when it is unset (no LMS: the default)."""
    value = os.environ.get(CONFIG_ENV)
    return load_lti_config(value) if value else None


@dataclass(frozen=True)
class ToolUrls:
    """What an LMS administrator enters when registering this tool."""

    tool_url: str
    login_url: str
    redirect_uri: str
    jwks_url: str
    deep_linking_url: str


def tool_urls(base_url: str) -> ToolUrls:
    """The tool's endpoints under `base_url` (its public address, e.g. https://grader.example.edu)."""
    base = base_url.rstrip("/")
    return ToolUrls(tool_url=f"{base}/lti/launch", login_url=f"{base}/lti/login", redirect_uri=f"{base}/lti/launch",
                    jwks_url=f"{base}/lti/jwks", deep_linking_url=f"{base}/lti/launch")
