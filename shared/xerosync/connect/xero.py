"""Connect a stack to a Xero organisation through a standard app's consent, and disconnect it.

The consent itself (the authorize URL with ``state`` and PKCE, the code exchange, the
organisations it reached) is Xero's protocol (:mod:`xerosync.xero.oauth`); who may start it,
where ``state`` and the verifier wait (the console: server-side, single use; the CLI: its own
memory) is the caller's. This module does what follows a consent, the same for both:

* **connect**: the token set is stored where the functions read it (the mapping table's
  ``xero-token#<client id>``) under the refresh lock they take, in place of the one there (a
  reconnect replaces it whole; a warm worker still holding the old secret uses the new set:
  :func:`xerosync.xero.tokens.store_connection`), then the credentials secret gets the chosen
  organisation and the new refresh token (a new version: every function's Xero client is rebuilt
  when it reads it, :func:`xerosync.wiring._xero`);
* **disconnect**: ``DELETE /connections/{id}`` at Xero, then the token set cleared with who did
  it, so every worker stops with that reason instead of refreshing;
* each written to the sync log (``key = xero:connection``) with who made it. No token is logged,
  returned in a message or rendered: the tokens exist in Xero's answer, the token set and the secret.

A custom connection (``client_credentials``, https://developer.xero.com/documentation/guides/oauth2/custom-connections/)
needs none of this: its credentials alone reach its one organisation, and connecting a standard
app here replaces it only when someone chooses to.
"""

from collections.abc import Sequence
from dataclasses import asdict, field
from typing import Any, Protocol

import urllib3

from xerosync import clock
from xerosync.frozen import frozen
from xerosync.sync.ports import Journal, LogEntry
from xerosync.xero import oauth
from xerosync.xero.errors import XeroAuthError, XeroError
from xerosync.xero.oauth import XeroConnection
from xerosync.xero.tokens import (
    AuthorizationCode,
    InvalidGrant,
    TokenSet,
    TokenStore,
    exchange_code,
    seed_of,
    store_connection,
    store_disconnected,
    token_key,
)
from xerosync.xero.wire import XeroCredentials

LOG_KEY = "xero:connection"
UNSET = "set-me"  # the client id template.yaml's XeroCredentialsSecret starts with


class NotReady(Exception):
    """The stack cannot start a consent yet (no app credentials): the message says what to do."""


class ConsentRefused(Exception):
    """The consent did not give a connection (cancelled, refused, expired): the message says why,
    for the person who tried, and never holds a token."""


class AppSecret(Protocol):
    """The stack's Xero credentials secret (client id and secret; the organisation and the
    refresh token once connected)."""

    def read(self) -> dict[str, Any]:
        """Its current value (not a cached one: a connect writes what it read plus the new parts)."""
        ...

    def write(self, value: dict[str, Any]) -> None: ...


@frozen
class Consent:
    """What one consent gave: Xero's token answer (never shown) and the organisations it reached."""

    answer: dict[str, Any] = field(repr=False)
    organisations: tuple[XeroConnection, ...] = ()

    def dump(self) -> dict[str, Any]:
        """To keep server-side while the user chooses an organisation (an item that expires)."""
        return {"answer": dict(self.answer), "organisations": [asdict(o) for o in self.organisations]}

    @classmethod
    def load(cls, value: dict[str, Any]) -> "Consent":
        return cls(dict(value["answer"]), tuple(XeroConnection(**o) for o in value["organisations"]))


@frozen
class Connected:
    tenant_id: str
    tenant_name: str
    connection_id: str


@frozen
class Status:
    """What the console shows of the connection."""

    kind: str  # "none" (no app credentials), "custom connection" (no consent stored), "connected", "broken"
    tenant_id: str = ""
    tenant_name: str = ""
    problem: str = ""  # why it is broken, or who disconnected it


def refusal(error: str, description: str = "") -> str:
    """Words for the error Xero redirected with (RFC 6749 section 4.1.2.1)."""
    if error == "access_denied":
        return "The connection to Xero was cancelled: nothing changed. Connect again when you are ready."
    if error == "unauthorized_client":
        return (
            "Xero refused this app for the authorization-code flow (unauthorized_client): are the "
            "stack's Xero credentials a custom connection's? A custom connection needs no consent."
        )
    detail = f" ({description})" if description else ""
    return f"Xero did not connect: {error}{detail}. Nothing changed; try again."


class XeroConnect:
    def __init__(
        self,
        app: AppSecret,
        tokens: TokenStore,
        journal: Journal | None,
        *,
        identity_url: str,
        api_url: str,
        http: urllib3.PoolManager | None = None,
        scope: str = oauth.SCOPE,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.journal = journal
        self.identity_url = identity_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.http = http or urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5.0, read=20.0))
        self.scope = scope

    # --- the app -------------------------------------------------------------------------------
    def credentials(self) -> XeroCredentials:
        value = self.app.read()
        if value.get("client_id") in (None, "", UNSET) or not value.get("client_secret"):
            raise NotReady(
                "the stack has no Xero app credentials yet: create a Xero app (Web app) whose redirect URI is "
                "this stack's /connect/xero/callback, and put its client_id and client_secret in XeroCredentialsSecret"
            )
        return XeroCredentials.from_dict(value)

    def authorize_url(self, redirect_uri: str, state: str, challenge: str) -> str:
        app = self.credentials()
        login = oauth.login_url_for(self.identity_url)
        return oauth.authorize_url(login, app.client_id, redirect_uri, state, challenge, self.scope)

    # --- after the consent ---------------------------------------------------------------------
    def consent(self, code: str, redirect_uri: str, verifier: str) -> Consent:
        """The code exchanged (with the PKCE verifier), and the organisations this consent connected."""
        app = self.credentials()
        try:
            answer = exchange_code(
                self.http, self.identity_url, app.client_id, app.client_secret, code, redirect_uri, verifier
            )
        except InvalidGrant as exc:
            raise ConsentRefused(str(exc)) from None
        except XeroError as exc:
            raise ConsentRefused(f"Xero did not exchange the code: {exc}") from None
        if not answer.get("refresh_token"):
            raise ConsentRefused("Xero gave no refresh token: the app must ask for offline_access")
        access = str(answer["access_token"])
        found = oauth.connections(self.http, self.api_url, access, oauth.auth_event_of(access))
        if not found:
            raise ConsentRefused("the consent connected no Xero organisation: choose one on Xero's page")
        return Consent(answer, tuple(found))

    def connect(self, consent: Consent, tenant_id: str, who: str, *, via: str) -> Connected:
        """Store the consent's tokens for the organisation ``tenant_id`` (one of those it reached)."""
        chosen = next((o for o in consent.organisations if o.tenant_id == tenant_id), None)
        if chosen is None:
            raise ConsentRefused("that organisation is not one this consent connected: connect again")
        app = self.credentials()
        answer = consent.answer
        refresh = str(answer["refresh_token"])
        fresh = TokenSet(
            str(answer["access_token"]),
            clock.now() + float(answer.get("expires_in", 1800)),
            refresh,
            seed_of(refresh),
            tenant_id=chosen.tenant_id,
            connection_id=chosen.id,
        )
        store_connection(self.tokens, token_key(app.client_id), fresh)
        secret = self.app.read()
        secret.update(refresh_token=refresh, tenant_id=chosen.tenant_id, tenant_name=chosen.tenant_name)
        self.app.write(secret)
        self._log("connected", who, f"{chosen.tenant_name} (tenant {chosen.tenant_id})", via)
        return Connected(chosen.tenant_id, chosen.tenant_name, chosen.id)

    # --- disconnect and status -----------------------------------------------------------------
    def status(self) -> Status:
        value = self.app.read()
        if value.get("client_id") in (None, "", UNSET):
            return Status("none")
        stored = self.tokens.load(token_key(str(value["client_id"])))
        if not value.get("refresh_token"):
            return Status("custom connection", str(value.get("tenant_id") or ""))
        name = str(value.get("tenant_name") or "")
        seed = seed_of(str(value["refresh_token"]))
        if stored is not None and stored.seed != seed and seed not in stored.supersedes:
            stored = None  # a refresh token put in the secret by hand: not used yet
        if stored is not None and stored.broken:
            return Status("broken", stored.tenant_id, name, stored.broken)
        tenant = (stored.tenant_id if stored else "") or str(value.get("tenant_id") or "")
        return Status("connected", tenant, name)

    def disconnect(self, who: str, *, via: str) -> str:
        """Disconnect the organisation at Xero and clear the token set; what happened, for people."""
        app = self.credentials()
        if not app.refresh_token:
            raise NotReady(
                "this stack uses a custom connection (client credentials): disconnect it in Xero's developer portal"
            )
        key = token_key(app.client_id)
        stored = self.tokens.load(key)
        tenant = (stored.tenant_id if stored else "") or (app.tenant_id or "")
        source = AuthorizationCode(
            self.tokens, self.http, self.identity_url, app.client_id, app.client_secret, app.refresh_token
        )
        try:
            access = source.access_token()
            target = stored.connection_id if stored and stored.connection_id else ""
            if not target:
                listed = oauth.connections(self.http, self.api_url, access)
                target = next((c.id for c in listed if c.tenant_id == tenant), "")
            gone = bool(target) and oauth.delete_connection(self.http, self.api_url, access, target)
            done = "disconnected at Xero" if gone else "Xero had no such connection any more"
        except (InvalidGrant, XeroAuthError) as exc:
            done = f"Xero refused the connection already ({type(exc).__name__}): cleared here"
        reason = f"Xero was disconnected by {who}: connect it again in the console or with `xerosync connect xero`"
        store_disconnected(self.tokens, key, reason)
        self._log("disconnected", who, f"tenant {tenant or '?'}: {done}", via)
        return done

    def refused(self, who: str, said: str, *, via: str) -> None:
        """A consent that gave no connection (cancelled, refused, expired): nothing changed, but the
        log says who tried and what Xero said."""
        self._log("refused", who, said, via)

    def _log(self, outcome: str, who: str, what: str, via: str) -> None:
        """``topic``: where it was done (``console``, as the console's other changes; ``cli``)."""
        if self.journal is not None:
            entry = LogEntry(
                key=LOG_KEY, outcome=outcome, action="xero", topic=via, reason=f"by {who} via {via}: {what}"
            )
            self.journal.write(entry)


def organisations_named(organisations: Sequence[XeroConnection]) -> list[tuple[str, str]]:
    """(tenant id, name) to choose from, by name."""
    return sorted(((o.tenant_id, o.tenant_name) for o in organisations), key=lambda pair: pair[1].lower())
