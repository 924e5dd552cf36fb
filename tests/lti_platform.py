"""A small LTI 1.3 platform written for the tests from the IMS specifications (LTI Core 1.3, Security
Framework 1.0, AGS 2.0, NRPS 2.0, Deep Linking 2.0) with PyJWT and cryptography: nothing of the tool's code.

It signs id_tokens with its own RSA key, serves its JWKS, an OAuth 2 token endpoint that checks the tool's
client assertion against the JWKS the tool publishes, a score endpoint that records what it receives, and a
membership endpoint, from a tiny HTTP server on 127.0.0.1 (a random port, one thread).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"


@dataclass
class Received:
    """One request the platform's services answered."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Platform:
    """The platform's keys, registration of the tool, and what its services received."""

    client_id: str = "grader-tool-1"
    deployment_id: str = "deployment-1"
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                   key_size=2048))
    kid: str = "platform-key-1"
    tool_jwks: dict[str, Any] = field(default_factory=dict)
    scores: list[Received] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    fail_scores: int = 0  # answer this many score posts with 503 first
    tokens: dict[str, str] = field(default_factory=dict)
    seen_jti: set[str] = field(default_factory=set)
    url: str = ""

    # --- server -------------------------------------------------------------------------------------------------

    def start(self) -> Platform:
        """Serve on 127.0.0.1 at a free port."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def lineitem(self) -> str:
        """A line item URL the way Moodle writes them: a query string after the path."""
        return f"{self.url}/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1"

    def registration(self, *, private_key_file: str, public_key_file: str) -> dict[str, Any]:
        """The tool configuration file's content for this platform (pylti1p3's ToolConfJsonFile format)."""
        return {self.issuer: [{
            "default": True, "client_id": self.client_id, "auth_login_url": f"{self.url}/auth",
            "auth_token_url": f"{self.url}/token", "key_set_url": f"{self.url}/jwks",
            "private_key_file": private_key_file, "public_key_file": public_key_file,
            "deployment_ids": [self.deployment_id]}]}

    def jwks(self) -> dict[str, Any]:
        """The platform's public key set."""
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    # --- the token endpoint (client credentials with a JWT assertion) -------------------------------------------

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Check the tool's signed assertion (iss = sub = client id, aud = this URL, unexpired, fresh jti)."""
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        assertion = form.get("client_assertion", "")
        kid = jwt.get_unverified_header(assertion).get("kid")
        keys = [k for k in self.tool_jwks.get("keys", []) if k.get("kid") == kid] or self.tool_jwks.get("keys", [])
        for key in keys:
            try:
                claims = jwt.decode(assertion, RSAAlgorithm.from_jwk(key), algorithms=["RS256"],  # type: ignore[arg-type]
                                    audience=f"{self.url}/token")
            except jwt.InvalidTokenError:
                continue
            if claims["iss"] != self.client_id or claims["sub"] != self.client_id or claims["jti"] in self.seen_jti:
                return 401, {"error": "invalid_client"}
            self.seen_jti.add(claims["jti"])
            token = secrets.token_hex(16)
            self.tokens[token] = form.get("scope", "")
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": self.tokens[token]}
        return 401, {"error": "invalid_client"}

    def scope_of(self, headers: Any) -> str:
        """The scopes granted to the request's bearer token ('' when none)."""
        auth = headers.get("Authorization", "")
        return self.tokens.get(auth.removeprefix("Bearer "), "") if auth.startswith("Bearer ") else ""

    # --- the browser side: OIDC login and launches ----------------------------------------------------------------

    def authorize(self, location: str, *, launch_url: str) -> dict[str, str]:
        """Check the tool's authentication request (the redirect of /lti/login) and return its parameters."""
        parts = urlsplit(location)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{self.url}/auth", location
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert params["scope"] == "openid" and params["response_type"] == "id_token"
        assert params["response_mode"] == "form_post" and params["prompt"] == "none"
        assert params["client_id"] == self.client_id and params["redirect_uri"] == launch_url
        assert params["state"] and params["nonce"]
        return params

    def id_token(self, *, nonce: str, sub: str, roles: list[str], exercise: str | None = None,
                 deep_link: bool = False, key: rsa.RSAPrivateKey | None = None, **override: Any) -> str:
        """A signed launch message for user `sub`; `override` replaces or adds claims (forgeries)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.client_id, "sub": sub, "iat": now, "exp": now + 300, "nonce": nonce,
            "name": f"Nombre {sub}", "email": f"{sub}@uni.example",
            LTI + "version": "1.3.0", LTI + "deployment_id": self.deployment_id, LTI + "roles": roles,
            LTI + "context": {"id": "course-77", "title": "Deep Learning 2026"},
            LTI + "target_link_uri": "http://localhost/lti/launch",
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/nrps/course-77/memberships", "service_versions": ["2.0"]},
        }
        if deep_link:
            claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.url}/deep-link-return", "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"], "data": "opaque-77"}
        else:
            claims[LTI + "message_type"] = "LtiResourceLinkRequest"
            claims[LTI + "resource_link"] = {"id": "link-" + (exercise or "none")}
            claims[LTI + "custom"] = {"exercise": exercise} if exercise else {}
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": [SCORE_SCOPE], "lineitem": self.lineitem,
                "lineitems": f"{self.url}/mod/lti/services.php/2/lineitems?type_id=1"}
        claims.update(override)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})


def _handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    """The request handler bound to `platform`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def _answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/jwks":
                return self._answer(200, platform.jwks())
            if path.startswith("/nrps/"):
                if NRPS_SCOPE not in platform.scope_of(self.headers).split():
                    return self._answer(401, {"error": "invalid_token"})
                return self._answer(200, {"id": self.path, "context": {"id": "course-77"},
                                          "members": platform.members},
                                    "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
            return self._answer(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.path == "/token":
                status, body = platform.issue_token({k: v[0] for k, v in parse_qs(raw).items()})
                return self._answer(status, body)
            if urlsplit(self.path).path.endswith("/scores"):
                if SCORE_SCOPE not in platform.scope_of(self.headers).split():
                    return self._answer(401, {"error": "invalid_token"})
                if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                    return self._answer(415, {})
                if platform.fail_scores > 0:
                    platform.fail_scores -= 1
                    return self._answer(503, {"error": "maintenance"})
                platform.scores.append(Received(self.path, dict(self.headers), json.loads(raw)))
                return self._answer(200, {})
            return self._answer(404, {})

    return Handler
