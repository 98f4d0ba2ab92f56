"""Access tokens for Xero, by the kind of connection.

* A custom connection (``client_credentials``, one organisation:
  https://developer.xero.com/documentation/guides/oauth2/custom-connections) asks for a
  30-minute token and caches it per process until shortly before it expires. xero-python's
  token holder treats a token without a refresh token as never expiring, so the SDK never holds it.
* A standard app (authorization code) has a refresh token that rotates on every use
  (https://developer.xero.com/faq/oauth2); two workers refreshing at once break the connection
  (``invalid_grant``). So the
  token set lives in one place shared by every function (DynamoDB), is refreshed under a lock,
  and the rotated refresh token is saved *before* the new access token is used. A refusal
  (``invalid_grant``) marks the connection broken there, so every other worker stops at once
  with the same clear error instead of asking Xero again.
"""

import base64
import hashlib
import json
import threading
import time
import uuid
from dataclasses import field, replace
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

import urllib3

from xerosync import clock
from xerosync.frozen import frozen
from xerosync.observability import count
from xerosync.xero.errors import XeroAuthError, XeroTransientError

TOKEN_PATH = "/connect/token"  # noqa: S105 - a URL path, not a secret
EXPIRY_MARGIN = 120.0  # renew this many seconds before Xero says a token expires (clock seconds: see clock)
REFRESH_LOCK_SECONDS = 30.0
REFRESH_WAIT_SECONDS = 8.0  # a worker finding the refresh lock taken waits this long for the new token


class InvalidGrant(XeroAuthError):
    """Xero refused the refresh token or the client: the connection needs the merchant."""


def request_token(
    http: urllib3.PoolManager, identity_url: str, client_id: str, client_secret: str, form: dict[str, str]
) -> dict[str, Any]:
    """One call to Xero's token endpoint (client authenticated by HTTP Basic). A refused refresh
    is a broken connection (counted: the XeroConnectionAlarm); a refused authorization code is
    only a consent to start again."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    body = urlencode(form)
    try:
        reply = http.request(
            "POST",
            identity_url.rstrip("/") + TOKEN_PATH,
            body=body,
            headers={"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"},
        )
    except urllib3.exceptions.HTTPError as exc:
        raise XeroTransientError(f"Xero identity unreachable: {type(exc).__name__}") from None
    try:
        answer: dict[str, Any] = json.loads(reply.data or b"{}")
    except ValueError:
        answer = {}
    if reply.status >= 500 or reply.status == 429:
        raise XeroTransientError(f"Xero identity answered {reply.status}", status=reply.status)
    if reply.status != 200 or "access_token" not in answer:
        error = str(answer.get("error", reply.status))
        if form.get("grant_type") == "authorization_code" and error == "invalid_grant":
            raise InvalidGrant(
                "Xero refused the authorization code (invalid_grant: spent, expired, or not this "
                "request's PKCE verifier): connect again"
            )
        if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            count("xero_connection_refused")  # the XeroConnectionAlarm tells the merchant
            raise InvalidGrant(
                f"Xero refused the connection ({error}): connect it again (the console's Connect page, "
                "or `xerosync connect xero`)"
            )
        raise XeroAuthError(f"Xero's token endpoint answered {reply.status}: {error}")
    return answer


def exchange_code(
    http: urllib3.PoolManager,
    identity_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str = "",
    code_verifier: str = "",
) -> dict[str, Any]:
    """The merchant consented (authorization-code flow): the first token set, refresh token included.
    ``code_verifier``: the PKCE verifier whose challenge the authorization request carried
    (RFC 7636; Xero refuses a wrong or missing one with ``invalid_grant``)."""
    form = {"grant_type": "authorization_code", "code": code}
    if redirect_uri:
        form["redirect_uri"] = redirect_uri
    if code_verifier:
        form["code_verifier"] = code_verifier
    return request_token(http, identity_url, client_id, client_secret, form)


class TokenSource(Protocol):
    def access_token(self, *, stale: str | None = None) -> str:
        """A valid access token; ``stale`` is one Xero just refused (get a newer one)."""
        ...


@frozen
class _Cached:
    """An access token and when it expires (epoch seconds); printed, it hides the token."""

    access_token: str = field(repr=False)
    expires_at: float


class ClientCredentials:
    """A custom connection's tokens, cached per process."""

    _cache: dict[tuple[str, str], _Cached] = {}
    _lock = threading.Lock()

    def __init__(self, http: urllib3.PoolManager, identity_url: str, client_id: str, client_secret: str) -> None:
        self.http = http
        self.identity_url = identity_url
        self.client_id = client_id
        self.client_secret = client_secret

    def access_token(self, *, stale: str | None = None) -> str:
        key = (self.identity_url, self.client_id)
        with self._lock:
            cached = self._cache.get(key)
            if cached and cached.access_token != stale and cached.expires_at - EXPIRY_MARGIN > clock.now():
                return cached.access_token
            answer = request_token(
                self.http, self.identity_url, self.client_id, self.client_secret, {"grant_type": "client_credentials"}
            )
            token = _Cached(str(answer["access_token"]), clock.now() + float(answer.get("expires_in", 1800)))
            self._cache[key] = token
            return token.access_token

    @classmethod
    def forget(cls) -> None:
        with cls._lock:
            cls._cache.clear()


@frozen
class TokenSet:
    """Printed or logged, it shows its expiry and state, never a token."""

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str = field(repr=False)
    seed: str = ""  # a hash of the refresh token the merchant put in the secret (to notice a reconnect)
    broken: str = ""  # why Xero refused the connection (or who disconnected it), when it did
    tenant_id: str = ""  # the organisation chosen when it was connected (xerosync.connect)
    connection_id: str = ""  # Xero's id of that connection: what a disconnect deletes
    supersedes: tuple[str, ...] = ()  # the seeds of the connections this one replaced (a reconnect)


class TokenStore(Protocol):
    """Where the token set of an authorization-code connection lives, shared by every worker."""

    def load(self, key: str) -> TokenSet | None: ...

    def lock(self, key: str, owner: str, until: float) -> bool: ...

    def save(self, key: str, tokens: TokenSet, owner: str) -> bool:
        """Save only while ``owner`` holds the lock (another worker's refresh must not be overwritten)."""
        ...

    def unlock(self, key: str, owner: str) -> None: ...


def seed_of(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16]


def token_key(client_id: str) -> str:
    """The key of an app's token set in the :class:`TokenStore`."""
    return f"xero-token#{client_id}"


class AuthorizationCode:
    """A standard app's tokens: refreshed under a shared lock, rotated refresh token saved first."""

    def __init__(
        self,
        store: TokenStore,
        http: urllib3.PoolManager,
        identity_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
    ) -> None:
        self.store = store
        self.http = http
        self.identity_url = identity_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.seed = seed_of(refresh_token)
        self.initial = refresh_token
        self.key = token_key(client_id)
        self.refreshes = 0  # this worker's calls to the token endpoint
        self.tenant: str | None = None  # the stored connection's organisation ("": the secret's; None: not read)

    def _current(self) -> TokenSet:
        tokens = self.store.load(self.key)
        if tokens is not None and (tokens.seed == self.seed or self.seed in tokens.supersedes):
            # this worker's connection, or a reconnect (the console, the CLI) newer than the
            # secret this worker read: the stored set replaced the refresh token it holds
            self.tenant = tokens.tenant_id
            return tokens
        # first use, or the merchant put a new refresh token in the secret by hand
        self.tenant = ""
        return TokenSet("", 0.0, self.initial, self.seed)

    @staticmethod
    def _usable(tokens: TokenSet, stale: str | None) -> bool:
        return (
            bool(tokens.access_token)
            and tokens.access_token != stale
            and tokens.expires_at - EXPIRY_MARGIN > clock.now()
        )

    def access_token(self, *, stale: str | None = None) -> str:
        tokens = self._current()
        if tokens.broken:
            raise InvalidGrant(tokens.broken)
        if self._usable(tokens, stale):
            return tokens.access_token
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + REFRESH_WAIT_SECONDS
        while not self.store.lock(self.key, owner, time.time() + REFRESH_LOCK_SECONDS):
            # another worker is refreshing: its new token will be in the store in a moment
            time.sleep(0.2)
            tokens = self._current()
            if tokens.broken:
                raise InvalidGrant(tokens.broken)
            if self._usable(tokens, stale):
                return tokens.access_token
            if time.monotonic() > deadline:
                raise XeroTransientError("another worker is refreshing the Xero token", retry_after=5.0)
        try:
            tokens = self._current()  # refreshed by someone while we waited for the lock?
            if self._usable(tokens, stale):
                return tokens.access_token
            try:
                self.refreshes += 1
                answer = request_token(
                    self.http,
                    self.identity_url,
                    self.client_id,
                    self.client_secret,
                    {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                )
            except InvalidGrant as refused:
                self.store.save(self.key, replace(tokens, access_token="", expires_at=0.0, broken=str(refused)), owner)
                raise
            fresh = replace(
                tokens,
                access_token=str(answer["access_token"]),
                expires_at=clock.now() + float(answer.get("expires_in", 1800)),
                refresh_token=str(answer.get("refresh_token") or tokens.refresh_token),
            )
            # saved before it is used: if this worker dies now, the next one holds the new refresh token
            if not self.store.save(self.key, fresh, owner):
                raise XeroTransientError("the Xero token refresh lock was lost", retry_after=5.0)
            return fresh.access_token
        finally:
            self.store.unlock(self.key, owner)


SUPERSEDED_KEPT = 20  # the seeds of earlier connections a new one remembers (workers that read an old secret)


def _under_lock(store: TokenStore, key: str, change: Any, wait: float) -> TokenSet:
    """``change(current set or None)`` saved under the refresh lock the workers take: a worker in
    the middle of a refresh finishes first, and nothing it saves afterwards lands on the new set."""
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while not store.lock(key, owner, time.time() + REFRESH_LOCK_SECONDS):
        if time.monotonic() > deadline:
            raise XeroTransientError("a worker holds the Xero token lock: try again in a minute", retry_after=30.0)
        time.sleep(0.2)
    try:
        stored: TokenSet = change(store.load(key))
        if not store.save(key, stored, owner):
            raise XeroTransientError("the Xero token lock was lost while saving the connection", retry_after=5.0)
        return stored
    finally:
        store.unlock(key, owner)


def store_connection(
    store: TokenStore, key: str, connected: TokenSet, *, wait: float = REFRESH_LOCK_SECONDS + 5
) -> TokenSet:
    """A new consent's token set in place of the one ``key`` held (a reconnect replaces it whole).
    It remembers the seeds of the sets it replaced, so a warm worker that still holds the old
    secret uses this set instead of its spent refresh token (:meth:`AuthorizationCode._current`)."""

    def change(old: TokenSet | None) -> TokenSet:
        earlier = () if old is None else (old.seed, *old.supersedes)
        kept = tuple(dict.fromkeys(s for s in earlier if s and s != connected.seed))[:SUPERSEDED_KEPT]
        return replace(connected, supersedes=kept, broken="")

    return _under_lock(store, key, change, wait)


def store_disconnected(store: TokenStore, key: str, reason: str, *, wait: float = REFRESH_LOCK_SECONDS + 5) -> None:
    """The connection cleared: no token kept, and every worker stops with ``reason`` (who
    disconnected it, and how to connect again) instead of refreshing a token Xero still honours."""

    def change(old: TokenSet | None) -> TokenSet:
        seed = old.seed if old is not None else ""
        return TokenSet("", 0.0, "", seed, reason, supersedes=old.supersedes if old is not None else ())

    _under_lock(store, key, change, wait)


# The stored name of the access token's expiry. Not ``expires_at``: that is the name DynamoDB's
# TTL deletes items by, and this item must outlive every expiry (xerosync.aws.tokens).
ACCESS_EXPIRY = "access_expires_at"
LEGACY_EXPIRY = "expires_at"  # where versions before it kept the expiry; read, then removed on save


def as_item(tokens: TokenSet) -> dict[str, Any]:
    return {
        "access_token": tokens.access_token,
        ACCESS_EXPIRY: Decimal(str(round(tokens.expires_at, 3))),
        "refresh_token": tokens.refresh_token,
        "seed": tokens.seed,
        "broken": tokens.broken,
        "tenant_id": tokens.tenant_id,
        "connection_id": tokens.connection_id,
        "supersedes": list(tokens.supersedes),
    }


def from_item(item: dict[str, Any]) -> TokenSet:
    return TokenSet(
        str(item.get("access_token", "")),
        float(item.get(ACCESS_EXPIRY, item.get(LEGACY_EXPIRY, 0))),
        str(item.get("refresh_token", "")),
        str(item.get("seed", "")),
        str(item.get("broken", "")),
        str(item.get("tenant_id", "")),
        str(item.get("connection_id", "")),
        tuple(str(s) for s in item.get("supersedes") or ()),
    )
