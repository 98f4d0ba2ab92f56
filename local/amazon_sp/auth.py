"""Login with Amazon (LWA) and the access token the SP-API checks.

* ``POST /auth/o2/token`` with ``grant_type=refresh_token&refresh_token=…&client_id=…&client_secret=…``
  (form, or JSON) → ``{"access_token": "Atza|…", "refresh_token": …, "token_type": "bearer",
  "expires_in": 3600}``; the token is valid one hour on the simulator's clock
  (developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
* Wrong client id or secret → 401 ``{"error": "invalid_client", "error_description": "Client
  authentication failed"}``; an unknown refresh token → 400 ``{"error": "invalid_grant",
  "error_description": "The request has an invalid grant parameter : refresh_token"}``; another
  grant type → 400 ``unsupported_grant_type`` (the grantless ``client_credentials`` flow is not
  simulated). These bodies are the OAuth 2.0 shape (RFC 6749 §5.2) with the words clients quote
  from LWA; Amazon's LWA reference does not list them: a **guess** at the exact text.
* SP-API calls carry the token in ``x-amz-access-token``; no SigV4 since 2023-10-02
  (developer-docs.amazon.com/sp-api/changelog/sp-api-will-no-longer-require-aws-iam-or-aws-signature-version-4):
  an ``Authorization`` header is ignored. Missing, unknown or expired → 403 with the models'
  ``ErrorList`` shape (``{"errors": [{"code", "message", "details"}]}``, reports_2021-06-30.json),
  code ``Unauthorized`` and the words clients match on ("The access token you provided has
  expired."); the words are quoted by public clients, not by Amazon's reference (a **guess**).
"""

import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from local.shopify_store.clock import ShopClock

LIFETIME = timedelta(seconds=3600)
UNSUPPORTED = "The authorization grant type is not supported by the authorization server"
BAD_GRANT = "The request has an invalid grant parameter : refresh_token"
DENIED = "Access to requested resource is denied."
MISSING = "Access token is missing in the request header."
EXPIRED = "The access token you provided has expired."
INVALID = "The access token you provided is revoked, malformed or invalid."


@dataclass(frozen=True)
class Credentials:
    """The self-authorised private app: its LWA client and the seller's refresh token."""

    client_id: str = "amzn1.application-oa2-client.xerosyncsim0000000000000000000"
    client_secret: str = "amzn1.oa2-cs.v1.xerosync-simulator-client-secret"
    refresh_token: str = "Atzr|xerosync-simulator-refresh-token"


def unauthorized(details: str) -> dict[str, Any]:
    return {"errors": [{"code": "Unauthorized", "message": DENIED, "details": details}]}


class Tokens:
    def __init__(self, credentials: Credentials, clock: ShopClock) -> None:
        self.credentials = credentials
        self.clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, datetime] = {}
        self.minted = 0

    def mint(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (status, JSON body)."""
        form = _form(body, content_type)
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type", "error_description": UNSUPPORTED}
        creds = self.credentials
        if not (
            _same(form.get("client_id"), creds.client_id) and _same(form.get("client_secret"), creds.client_secret)
        ):
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        if not _same(form.get("refresh_token"), creds.refresh_token):
            return 400, {"error": "invalid_grant", "error_description": BAD_GRANT}
        token = "Atza|" + secrets.token_urlsafe(48)
        with self._lock:
            self._expiry[token] = self.clock() + LIFETIME
            self.minted += 1
        return 200, {"access_token": token, "refresh_token": creds.refresh_token, "token_type": "bearer",
                     "expires_in": int(LIFETIME.total_seconds())}  # fmt: skip

    def refuse(self, token: str | None) -> dict[str, Any] | None:
        """Amazon's 403 body for a request with this ``x-amz-access-token``; None when it is valid."""
        if not token:
            return unauthorized(MISSING)
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return unauthorized(INVALID)
        if expiry <= self.clock():
            return unauthorized(EXPIRED)
        return None


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _form(body: bytes, content_type: str) -> dict[str, str]:
    if "json" in content_type:
        try:
            loaded = json.loads(body or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
