"""Xero's consent screen, as a user of a standard app meets it
(https://developer.xero.com/documentation/guides/oauth2/auth-flow/, step 2).

``GET /identity/connect/authorize`` checks the request as Xero does before showing anything: an
unknown app or a ``redirect_uri`` it did not register is an error page, never a redirect (the
user is not sent to a stranger); then the page names the app, lists the scopes it asks for and
the user's organisations (those the app was set up for, and already connected, ticked). ``POST
/identity/connect/consent``: **Allow** redirects to ``redirect_uri`` with ``code``, ``scope`` and
``state``; **Cancel** with ``error=access_denied`` and ``state`` (RFC 6749 section 4.1.2.1); Allow
with no organisation ticked shows the page again, saying so.

Stable element ids for a browser test: ``consent-app``, ``consent-scopes``,
``consent-organisations``, ``org-<tenant id>`` (a checkbox, labelled with the organisation's
name), ``consent-allow``, ``consent-cancel``, ``consent-error``.

``auto`` (``POST /_sandbox/consent {"auto": true}``, ``--auto-consent``) skips the page and
consents at once for the organisations the app was set up for: what the sandbox did before it
had this page, kept for a demo run without a browser.
"""

import html
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from local.xero_sandbox.api import Request
from local.xero_sandbox.identity import DEFAULT_SCOPE

if TYPE_CHECKING:
    from local.xero_sandbox.identity import Identity

PAGE_LIFETIME = timedelta(minutes=15)
METHODS = ("S256", "plain")
SCOPE_WORDS = {
    "offline_access": "Keep access while you are not using the app (a refresh token)",
    "openid": "Know who you are",
    "profile": "Your name",
    "email": "Your email address",
    "accounting.invoices": "Invoices, credit notes, quotes, purchase orders and items",
    "accounting.payments": "Payments, overpayments and prepayments",
    "accounting.banktransactions": "Bank transactions",
    "accounting.contacts": "Contacts",
    "accounting.settings": "Organisation settings: accounts, tax rates, tracking categories",
    "accounting.transactions": "Business transactions (invoices, payments, bank transactions...)",
}
HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}

Answer = tuple[int, Any, dict[str, str]]


@dataclass
class Pending:
    """An authorization request on screen, waiting for Allow or Cancel."""

    id: str
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str
    code_challenge_method: str
    expires: datetime
    ticked: list[str] = field(default_factory=list)


def _redirect(uri: str, query: dict[str, str]) -> Answer:
    separator = "&" if "?" in uri else "?"
    return 302, None, {"Location": uri + separator + urlencode(query)}


def _page(title: str, body: str, status: int = 200) -> Answer:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}"
        "button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}label{display:block;margin:.4rem 0}"
        "#consent-error{color:#a00}</style></head>"
        f"<body><p>Xero (sandbox)</p>{body}</body></html>"
    )
    return status, document.encode(), HTML


class Consent:
    def __init__(self, identity: "Identity") -> None:
        self.identity = identity
        self.state = identity.state
        self.auto = False
        self.pending: dict[str, Pending] = {}
        self._lock = threading.Lock()

    def authorize_endpoint(self, request: Request) -> Answer:
        client_id = request.arg("client_id") or ""
        redirect_uri = request.arg("redirect_uri") or ""
        client = self.state.clients.get(client_id)
        if client is None or client.custom_connection:
            return 400, {"error": "unauthorized_client"}, {}
        if not redirect_uri or (client.redirect_uris and redirect_uri not in client.redirect_uris):
            return 400, {"error": "invalid_request", "error_description": "redirect_uri is not registered"}, {}
        state = request.arg("state")
        echoed = {} if state is None else {"state": state}
        if request.arg("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", **echoed})
        challenge = request.arg("code_challenge") or ""
        method = request.arg("code_challenge_method") or ("plain" if challenge else "")
        if challenge and method not in METHODS:
            return _redirect(
                redirect_uri,
                {"error": "invalid_request", "error_description": "code_challenge_method is S256 or plain", **echoed},
            )
        scope = request.arg("scope") or DEFAULT_SCOPE
        if self.auto:
            return self._allow(client_id, list(client.tenant_ids), redirect_uri, scope, state, challenge, method)
        pending = Pending(
            secrets.token_urlsafe(18),
            client_id,
            redirect_uri,
            scope,
            state,
            challenge,
            method,
            self.state.clock() + PAGE_LIFETIME,
            [t for t in client.tenant_ids if t in self.state.organisations],
        )
        if not pending.ticked and len(self.state.organisations) == 1:
            pending.ticked = list(self.state.organisations)
        with self._lock:
            self.pending = {k: p for k, p in self.pending.items() if p.expires > self.state.clock()}
            self.pending[pending.id] = pending
        return self._screen(pending)

    def _screen(self, pending: Pending, error: str = "") -> Answer:
        client = self.state.clients[pending.client_id]
        scopes = "".join(
            f'<li data-scope="{html.escape(s)}">{html.escape(SCOPE_WORDS.get(s, s))} '
            f"<small>({html.escape(s)})</small></li>"
            for s in pending.scope.split()
        )
        with self.state.lock:
            organisations = sorted(self.state.organisations.values(), key=lambda o: o.name)
        boxes = "".join(
            f'<label for="org-{html.escape(o.tenant_id)}"><input type="checkbox" name="tenant" '
            f'id="org-{html.escape(o.tenant_id)}" value="{html.escape(o.tenant_id)}"'
            f"{' checked' if o.tenant_id in pending.ticked else ''}> {html.escape(o.name)}</label>"
            for o in organisations
        )
        alert = f'<p id="consent-error" role="alert">{html.escape(error)}</p>' if error else ""
        body = (
            f'<h1 id="consent-app">{html.escape(client.name)} wants to access your Xero data</h1>{alert}'
            f'<form method="post" action="/identity/connect/consent">'
            f'<input type="hidden" name="request" value="{html.escape(pending.id)}">'
            f'<h2>It will be able to</h2><ul id="consent-scopes">{scopes}</ul>'
            f'<fieldset id="consent-organisations"><legend>Organisations</legend>{boxes}</fieldset>'
            '<p><button type="submit" name="action" value="allow" id="consent-allow">Allow access</button>'
            '<button type="submit" name="action" value="cancel" id="consent-cancel">Cancel</button></p>'
            "</form>"
        )
        return _page(f"Connect {client.name} to Xero", body, 400 if error else 200)

    def decide_endpoint(self, request: Request) -> Answer:
        form = parse_qs(request.body.decode("utf-8", "replace"))
        key = (form.get("request") or [""])[-1]
        with self._lock:
            pending = self.pending.get(key)
            if pending is None or pending.expires <= self.state.clock():
                self.pending.pop(key, None)
                return _page(
                    "Xero", '<p id="consent-error" role="alert">This request has expired: start again.</p>', 400
                )
            echoed = {} if pending.state is None else {"state": pending.state}
            if (form.get("action") or [""])[-1] != "allow":
                del self.pending[key]
                return _redirect(
                    pending.redirect_uri,
                    {"error": "access_denied", "error_description": "the user cancelled", **echoed},
                )
            chosen = [t for t in form.get("tenant") or [] if t in self.state.organisations]
            if not chosen:
                return self._screen(pending, "Choose at least one organisation to connect.")
            del self.pending[key]
        return self._allow(
            pending.client_id,
            chosen,
            pending.redirect_uri,
            pending.scope,
            pending.state,
            pending.code_challenge,
            pending.code_challenge_method,
        )

    def _allow(
        self,
        client_id: str,
        tenants: list[str],
        redirect_uri: str,
        scope: str,
        state: str | None,
        challenge: str,
        method: str,
    ) -> Answer:
        code = self.identity.authorize(
            client_id,
            tenants,
            scope=scope,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            code_challenge_method=method,
        )
        return _redirect(redirect_uri, {"code": code, "scope": scope, **({} if state is None else {"state": state})})
