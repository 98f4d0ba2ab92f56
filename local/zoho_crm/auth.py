"""Zoho Accounts, per data centre: ``POST {accounts-server}/oauth/v2/token`` and the access
tokens the CRM API checks.

Sources:
* https://www.zoho.com/accounts/protocol/oauth/multi-dc.html: one accounts server and one API
  domain per DC; the token response's ``api_domain`` names the one to call;
* https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html: refresh at
  ``{accounts-server-url}/oauth/v2/token`` with ``grant_type=refresh_token``; the access token
  "is valid for 1 hour"; "Using a refresh token, your app can create up to ten access tokens in a
  span of ten minutes. If the limit is reached, the access token creation will be blocked for the
  rest of the ten minutes";
* Zoho's product OAuth pages, e.g. https://www.zoho.com/pdfeditor/help/api/oauth-step4.html and
  https://www.zoho.com/workerly/developer-guide/refresh.html: the response
  ``{"access_token","expires_in":3600,"api_domain","token_type":"Bearer"}``; "A 'User' in an
  organization can have a maximum of 20 refresh tokens. And each refresh token can have a maximum
  of 30 active access tokens (non expired). When a user creates a 31st access token, the system
  deletes the first created access token. Similarly, when the user creates the 21st refresh token,
  the system deletes the first created refresh token"; "You can only generate a maximum of five
  refresh tokens in a minute";
* https://www.zoho.com/crm/developer/docs/api/v8/oauth-overview.html: ``Authorization:
  Zoho-oauthtoken <access_token>`` on every call.

Here each DC is a path prefix of one process: ``{url}/accounts/{dc}`` stands for the DC's accounts
server and ``{url}/api/{dc}`` for its API domain (``www.zohoapis.{dc}``). The organisation lives in
one DC: its client is known only to that DC's accounts server (``invalid_client`` elsewhere, as
for a client without Multi-DC), and a token is honoured only on that DC's API domain.

Errors: the token endpoint answers HTTP 200 with ``{"error": "invalid_code"}`` for a used,
unknown or deleted grant or refresh token and ``{"error": "invalid_client"}`` for a wrong client
(the shape client code in the wild handles; the status 200 is observed behaviour, not
documented). **Guess**: past the ten-tokens or five-refresh-tokens limit, HTTP 400
``{"error": "Access Denied", "error_description": "You have made too many requests
continuously. Please try again after some time."}`` (words from user reports, no official page).
The API answers 401 ``AUTHENTICATION_FAILURE`` without a ``Zoho-oauthtoken`` header and 401
``INVALID_TOKEN`` "invalid oauth token" for an unknown, expired or deleted token (the codes the
API's error pages list; the message words are as client code reports them).
"""

import secrets
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# DC key → (accounts server, API domain) of the real service. The simulator serves each under
# a path prefix; these names are reported in `state` so a client's DC table can be checked.
DATA_CENTRES: dict[str, tuple[str, str]] = {
    "com": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "com.au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "com.cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "uk": ("https://accounts.zoho.uk", "https://www.zohoapis.uk"),  # a guess: the docs' line is truncated
}

ACCESS_SECONDS = 3600
MAX_REFRESH_TOKENS = 20
MAX_ACCESS_TOKENS = 30  # active (unexpired) ones a refresh token holds
REFRESH_TOKENS_PER_MINUTE = 5
MINTS_PER_WINDOW = 10
MINT_WINDOW = timedelta(minutes=10)
TOO_MANY = {
    "error": "Access Denied",
    "error_description": "You have made too many requests continuously. Please try again after some time.",
}
AUTHENTICATION_FAILURE = {
    "code": "AUTHENTICATION_FAILURE",
    "details": {},
    "message": "Authentication failed",
    "status": "error",
}
INVALID_TOKEN = {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}


@dataclass
class Client:
    client_id: str = field(default_factory=lambda: "1000." + secrets.token_hex(15).upper())
    client_secret: str = field(default_factory=lambda: secrets.token_hex(21))
    redirect_uri: str = "https://xerosync.local/zoho/callback"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str


@dataclass
class Access:
    token: str
    user: User
    dc: str
    expires: datetime
    refresh: str


class Accounts:
    """The grants, refresh tokens (≤ 20 a user, oldest deleted first) and access tokens."""

    def __init__(self, dc: str, client: Client) -> None:
        if dc not in DATA_CENTRES:
            raise ValueError(f"unknown data centre {dc!r}: one of {sorted(DATA_CENTRES)}")
        self.dc = dc
        self.client = client
        self.lock = threading.Lock()
        self.grants: dict[str, User] = {}
        self.refresh: dict[str, OrderedDict[str, datetime]] = {}  # user id → refresh tokens, oldest first
        self.owner: dict[str, User] = {}  # refresh token → user
        self.access: dict[str, Access] = {}
        self.mints: dict[str, deque[datetime]] = {}
        self.rate_limited = True
        self.minted = 0
        self.deleted_refresh_tokens: list[str] = []
        self.refresh_issued: deque[datetime] = deque()

    def grant(self, user: User) -> str:
        """A grant code as the API console's Self Client makes one (valid once)."""
        code = "1000." + secrets.token_hex(16)
        with self.lock:
            self.grants[code] = user
        return code

    def issue_refresh_token(self, user: User, now: datetime) -> str:
        """A new refresh token for ``user``; the 21st silently deletes the user's oldest."""
        token = "1000." + secrets.token_hex(24)
        with self.lock:
            self.refresh_issued.append(now)
            tokens = self.refresh.setdefault(user.id, OrderedDict())
            tokens[token] = now
            self.owner[token] = user
            while len(tokens) > MAX_REFRESH_TOKENS:
                oldest, _ = tokens.popitem(last=False)
                self.owner.pop(oldest, None)
                self.deleted_refresh_tokens.append(oldest)
                for key in [k for k, a in self.access.items() if a.refresh == oldest]:
                    del self.access[key]
        return token

    def token(self, dc: str, form: dict[str, str], api_domain: str, now: datetime) -> tuple[int, dict[str, Any]]:
        """``POST /oauth/v2/token`` at the accounts server of ``dc``."""
        if dc not in DATA_CENTRES:
            return 404, {"error": "not found"}
        client_ok = (
            dc == self.dc
            and secrets.compare_digest(form.get("client_id", ""), self.client.client_id)
            and secrets.compare_digest(form.get("client_secret", ""), self.client.client_secret)
        )
        if not client_ok:
            return 200, {"error": "invalid_client"}
        kind = form.get("grant_type", "")
        if kind == "authorization_code":
            with self.lock:
                user = self.grants.pop(form.get("code", ""), None)
                while self.refresh_issued and now - self.refresh_issued[0] >= timedelta(minutes=1):
                    self.refresh_issued.popleft()
                if user is not None and self.rate_limited and len(self.refresh_issued) >= REFRESH_TOKENS_PER_MINUTE:
                    self.grants[form.get("code", "")] = user  # refused before use: the code stays good
                    return 400, dict(TOO_MANY)
            if user is None:
                return 200, {"error": "invalid_code"}
            refresh = self.issue_refresh_token(user, now)
            access = self._mint(refresh, user, now)
            return 200, {
                "access_token": access.token,
                "refresh_token": refresh,
                "api_domain": api_domain,
                "token_type": "Bearer",
                "expires_in": ACCESS_SECONDS,
            }
        if kind == "refresh_token":
            refresh = form.get("refresh_token", "")
            with self.lock:
                owner = self.owner.get(refresh)
                if owner is None:
                    return 200, {"error": "invalid_code"}
                window = self.mints.setdefault(refresh, deque())
                while window and now - window[0] >= MINT_WINDOW:
                    window.popleft()
                if self.rate_limited and len(window) >= MINTS_PER_WINDOW:
                    return 400, dict(TOO_MANY)
            access = self._mint(refresh, owner, now)
            return 200, {
                "access_token": access.token,
                "expires_in": ACCESS_SECONDS,
                "api_domain": api_domain,
                "token_type": "Bearer",
            }
        return 200, {"error": "unsupported_grant_type"}

    def _mint(self, refresh: str, user: User, now: datetime) -> Access:
        access = Access(
            "1000." + secrets.token_hex(32), user, self.dc, now + timedelta(seconds=ACCESS_SECONDS), refresh
        )
        with self.lock:
            self.access[access.token] = access
            active = [a for a in self.access.values() if a.refresh == refresh and a.expires > now]
            for oldest in active[: max(0, len(active) - MAX_ACCESS_TOKENS)]:  # insertion order: oldest first
                del self.access[oldest.token]
            self.mints.setdefault(refresh, deque()).append(now)
            self.minted += 1
        return access

    def check(self, header: str | None, dc: str, now: datetime) -> tuple[User | None, dict[str, Any] | None]:
        """The user behind ``Authorization: Zoho-oauthtoken …`` on ``dc``'s API domain, or the 401
        body: no or malformed header → AUTHENTICATION_FAILURE; unknown, expired, revoked or
        another DC's token → INVALID_TOKEN."""
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Zoho-oauthtoken" or not token.strip():
            return None, AUTHENTICATION_FAILURE
        with self.lock:
            access = self.access.get(token.strip())
        if access is None or access.dc != dc or now >= access.expires:
            return None, INVALID_TOKEN
        return access.user, None
