"""Login with Amazon (LWA) and the access token the SP-API checks.

* ``POST /auth/o2/token`` with ``grant_type=refresh_token&refresh_token=…&client_id=…&client_secret=…``
  (form, or JSON) → ``{"access_token": "Atza|…", "refresh_token": …, "token_type": "bearer",
  "expires_in": 3600}``; the token is valid one hour on the simulator's clock
  (developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api).
* Wrong client id or secret → 401 ``{"error": "invalid_client", "error_description": "Client
  authentication failed"}``; an unknown refresh token → 400 ``{"error": "invalid_grant",
  "error_description": "The request has an invalid grant parameter : refresh_token"}``; another
  grant type → 400 ``unsupported_grant_type``. These bodies are the OAuth 2.0 shape (RFC 6749 §5.2)
  with the words clients quote from LWA; Amazon's LWA reference does not list them: a **guess** at
  the exact text.
* Grantless operations: ``grant_type=client_credentials&scope=…&client_id&client_secret`` mints a
  token for one scope, without the seller's refresh token
  (https://developer-docs.amazon.com/sp-api/docs/grantless-operations); only the scope of
  ``rotateApplicationClientSecret``, ``sellingpartnerapi::client_credential:rotation``, is served
  here; another scope → 400 ``invalid_scope`` (the words: a **guess**). A grantless token is
  refused by the Reports and Finances APIs, and a seller's token by the rotation (403).
* The client secret expires (180 days after it was issued:
  https://developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials) and is
  replaced by :meth:`Tokens.rotate`; the previous one is still accepted for a grace period (7 days
  in Amazon's rotation sample, amzn/selling-partner-api-samples ``use-cases/lwa-credential-rotation``,
  and its notification's ``oldClientSecretExpiryTime``), then refused with ``invalid_client`` like
  any wrong secret. Access tokens already minted stay valid until their hour is up.
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
SECRET_LIFETIME = timedelta(days=180)
GRACE = timedelta(days=7)  # the old secret after a rotation
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
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
        self._scope: dict[str, str] = {}  # token -> "" (a seller's) or its grantless scope
        self.minted = 0
        self.refused_secrets = 0  # client secrets refused (wrong, expired, or rotated and past the grace)
        self.secret_expires = clock() + SECRET_LIFETIME
        self.previous: tuple[str, datetime] | None = None  # the rotated-out secret, accepted until then

    def _secret_ok(self, given: str | None) -> bool:
        now = self.clock()
        if _same(given, self.credentials.client_secret) and now < self.secret_expires:
            return True
        return self.previous is not None and _same(given, self.previous[0]) and now < self.previous[1]

    def mint(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (status, JSON body)."""
        form = _form(body, content_type)
        grant = form.get("grant_type")
        if grant not in ("refresh_token", "client_credentials"):
            return 400, {"error": "unsupported_grant_type", "error_description": UNSUPPORTED}
        creds = self.credentials
        with self._lock:
            if not (_same(form.get("client_id"), creds.client_id) and self._secret_ok(form.get("client_secret"))):
                self.refused_secrets += 1
                return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        scope = ""
        if grant == "client_credentials":
            scope = form.get("scope", "")
            if scope != ROTATION_SCOPE:
                return 400, {"error": "invalid_scope", "error_description": "The request has an invalid scope"}
        elif not _same(form.get("refresh_token"), creds.refresh_token):
            return 400, {"error": "invalid_grant", "error_description": BAD_GRANT}
        token = "Atza|" + secrets.token_urlsafe(48)
        with self._lock:
            self._expiry[token] = self.clock() + LIFETIME
            self._scope[token] = scope
            self.minted += 1
        answer: dict[str, Any] = {"access_token": token, "token_type": "bearer",
                                  "expires_in": int(LIFETIME.total_seconds())}  # fmt: skip
        if not scope:
            answer["refresh_token"] = creds.refresh_token
        return 200, answer

    def refuse(self, token: str | None, scope: str = "") -> dict[str, Any] | None:
        """Amazon's 403 body for a request with this ``x-amz-access-token``; None when it is valid
        (a seller's token for the seller's APIs, a grantless one of ``scope`` for its operation)."""
        if not token:
            return unauthorized(MISSING)
        with self._lock:
            expiry = self._expiry.get(token)
            given = self._scope.get(token, "")
        if expiry is None or given != scope:
            return unauthorized(INVALID)
        if expiry <= self.clock():
            return unauthorized(EXPIRED)
        return None

    def rotate(self) -> tuple[str, datetime, datetime]:
        """A new client secret (valid 180 days); the current one accepted for the grace period.
        Returns (new secret, its expiry, the old one's)."""
        from dataclasses import replace

        now = self.clock()
        with self._lock:
            old_until = now + GRACE
            self.previous = (self.credentials.client_secret, old_until)
            self.credentials = replace(self.credentials, client_secret="amzn1.oa2-cs.v1." + secrets.token_hex(32))
            self.secret_expires = now + SECRET_LIFETIME
            return self.credentials.client_secret, self.secret_expires, old_until


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
