"""Connecting a standard Xero app: the authorization-code flow with PKCE and ``state``, the
organisations a consent reached, and disconnecting one. The HTTP to Xero for it is here; what
the stack keeps and who may start it is :mod:`xerosync.connect`.

* https://developer.xero.com/documentation/guides/oauth2/auth-flow/ : the user is sent to
  ``login.xero.com/identity/connect/authorize`` with ``response_type=code``, ``client_id``,
  ``redirect_uri``, ``scope`` and ``state``; Xero redirects back with ``code`` and ``state``
  (or ``error=access_denied`` when the user cancels); the code is exchanged at
  ``identity.xero.com/connect/token`` (single use, five minutes;
  :func:`xerosync.xero.tokens.exchange_code`).
* https://developer.xero.com/documentation/guides/oauth2/pkce-flow/ and RFC 7636: a
  ``code_verifier`` of 43 to 128 unreserved characters, sent hashed as ``code_challenge``
  (``S256``: BASE64URL(SHA256(verifier)), no padding) with the authorization request, then in
  clear with the code exchange, so a code intercepted on its way back is worth nothing alone.
* https://developer.xero.com/documentation/guides/oauth2/tenants/ : ``GET
  https://api.xero.com/connections`` lists the organisations the token reaches, filtered by the
  ``authentication_event_id`` claim of the new access token to those this consent connected;
  ``DELETE /connections/{id}`` disconnects one (204).
"""

import base64
import hashlib
import json
import secrets
from dataclasses import field
from decimal import Decimal
from urllib.parse import urlencode

import urllib3

from xerosync.frozen import frozen
from xerosync.xero.errors import XeroAuthError, XeroTransientError

LOGIN_URL = "https://login.xero.com"
IDENTITY_URL = "https://identity.xero.com"
AUTHORIZE_PATH = "/identity/connect/authorize"
CONNECTIONS_PATH = "/connections"
# What the stack's functions call, in Xero's granular scopes (apps created from 2 March 2026 get
# no other: https://developer.xero.com/faq/granular-scopes): invoices, credit notes, quotes,
# purchase orders and items; payments; bank transactions (settlements); contacts; accounts, tax
# rates, tracking categories and the organisation; offline_access for a refresh token.
SCOPES = (
    "offline_access",
    "accounting.invoices",
    "accounting.payments",
    "accounting.banktransactions",
    "accounting.contacts",
    "accounting.settings",
)
SCOPE = " ".join(SCOPES)


def login_url_for(identity_url: str) -> str:
    """Where the consent screen is: Xero serves it on login.xero.com beside identity.xero.com's
    token endpoint; any other identity server (the local sandbox) serves both."""
    identity = identity_url.rstrip("/")
    return LOGIN_URL if identity == IDENTITY_URL else identity


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@frozen
class Pkce:
    """A code verifier and its S256 challenge (RFC 7636 section 4.1-4.2); shown, only the challenge."""

    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def new(cls) -> "Pkce":
        verifier = _b64url(secrets.token_bytes(48))  # 64 characters of [A-Za-z0-9-_]
        return cls(verifier, challenge_of(verifier))


def challenge_of(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    """An unguessable ``state``: the one value tying Xero's redirect to the request the stack made."""
    return _b64url(secrets.token_bytes(24))


def authorize_url(
    login_url: str, client_id: str, redirect_uri: str, state: str, challenge: str, scope: str = SCOPE
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return login_url.rstrip("/") + AUTHORIZE_PATH + "?" + urlencode(query)


def auth_event_of(access_token: str) -> str | None:
    """The ``authentication_event_id`` claim of a Xero access token (a JWT), read without checking
    its signature: it only narrows the organisations listed to those this consent connected (the
    list itself comes from Xero over TLS with that token). None when the token is not a JWT."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    event = claims.get("authentication_event_id") if isinstance(claims, dict) else None
    return str(event) if event else None


@frozen
class XeroConnection:
    """One organisation an app is connected to (``GET /connections``)."""

    id: str
    tenant_id: str
    tenant_name: str
    tenant_type: str = "ORGANISATION"
    auth_event_id: str = ""


def _request(http: urllib3.PoolManager, method: str, url: str, access_token: str) -> urllib3.BaseHTTPResponse:
    try:
        return http.request(method, url, headers={"Authorization": "Bearer " + access_token})
    except urllib3.exceptions.HTTPError as exc:
        raise XeroTransientError(f"Xero did not answer {method} /connections: {type(exc).__name__}") from None


def _refused(reply: urllib3.BaseHTTPResponse, what: str) -> None:
    if reply.status in (401, 403):
        raise XeroAuthError(f"Xero refused {what} ({reply.status})")
    if reply.status == 429 or reply.status >= 500:
        raise XeroTransientError(f"Xero answered {reply.status} to {what}", status=reply.status)


def connections(
    http: urllib3.PoolManager, api_url: str, access_token: str, auth_event_id: str | None = None
) -> list[XeroConnection]:
    """The organisations (tenant type ORGANISATION: xerosync writes to no practice) the token reaches."""
    url = api_url.rstrip("/") + CONNECTIONS_PATH
    if auth_event_id:
        url += "?" + urlencode({"authEventId": auth_event_id})
    reply = _request(http, "GET", url, access_token)
    _refused(reply, "GET /connections")
    if reply.status != 200:
        raise XeroAuthError(f"Xero answered {reply.status} to GET /connections")
    listed = json.loads(reply.data or b"[]", parse_float=Decimal)
    return [
        XeroConnection(
            str(c["id"]),
            str(c["tenantId"]),
            str(c.get("tenantName") or ""),
            str(c.get("tenantType") or "ORGANISATION"),
            str(c.get("authEventId") or ""),
        )
        for c in listed
        if isinstance(c, dict) and str(c.get("tenantType") or "ORGANISATION") == "ORGANISATION"
    ]


def delete_connection(http: urllib3.PoolManager, api_url: str, access_token: str, connection_id: str) -> bool:
    """Disconnect one organisation; False when Xero has no such connection any more (gone already)."""
    reply = _request(http, "DELETE", api_url.rstrip("/") + CONNECTIONS_PATH + "/" + connection_id, access_token)
    if reply.status == 404:
        return False
    _refused(reply, "DELETE /connections")
    if reply.status not in (200, 204):
        raise XeroAuthError(f"Xero answered {reply.status} to DELETE /connections")
    return True
