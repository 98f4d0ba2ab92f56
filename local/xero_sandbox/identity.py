"""Xero's identity server and connections (xero-identity.yaml).
https://developer.xero.com/documentation/guides/oauth2/auth-flow/

* ``POST /connect/token``: ``client_credentials`` (custom connections), ``authorization_code``
  and ``refresh_token``; client authentication by HTTP Basic or form fields.
* Access tokens live 30 minutes. Authorization codes are single use and live 5 minutes.
* Refresh tokens rotate on every use; the replaced one still works for 30 minutes (a retry
  whose answer was lost gets the same successor), then ``invalid_grant``; an unused refresh
  token expires after 60 days.
* ``GET /connections`` lists the organisations the token's app is connected to (optionally
  ``?authEventId=``); ``DELETE /connections/{id}`` disconnects one (204), after which the
  app's tokens get 403 for that organisation.
* ``GET /identity/connect/authorize`` shows the consent screen (:mod:`consent`): the app's
  name, the scopes, the user's organisations; Allow redirects with ``code`` and ``state``,
  Cancel with ``error=access_denied``. :meth:`Identity.authorize` (and ``POST
  /_sandbox/authorize``) consents without it, for tests and the demo.
* PKCE (https://developer.xero.com/documentation/guides/oauth2/pkce-flow/, RFC 7636): a
  ``code_challenge`` given with the authorization request must be met by the
  ``code_verifier`` at the token endpoint, else ``invalid_grant`` (and the code is spent).
* Access tokens are JWTs, as Xero's are, carrying the ``authentication_event_id`` claim that
  ``GET /connections?authEventId=`` filters on (unsigned here: nothing may trust them but the sandbox).
"""

import base64
import hashlib
import json
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from local.xero_sandbox.api import Request
from local.xero_sandbox.errors import SandboxError, not_found, unauthorized
from local.xero_sandbox.state import AuthCode, Client, Connection, RefreshToken, SandboxState, Token, new_id

ACCESS_LIFETIME = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=5)
REFRESH_GRACE = timedelta(minutes=30)
REFRESH_UNUSED = timedelta(days=60)
CUSTOM_SCOPE = "accounting.invoices accounting.payments accounting.contacts accounting.settings"
DEFAULT_SCOPE = "openid profile email offline_access " + CUSTOM_SCOPE


def _oauth_error(error: str, description: str | None = None) -> SandboxError:
    body = {"error": error} if description is None else {"error": error, "error_description": description}
    return SandboxError(400, body)


def _secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 section 4.1


def pkce_met(code: AuthCode, verifier: str) -> bool:
    """Whether ``verifier`` is the one whose challenge the authorization request carried."""
    if not VERIFIER.match(verifier):
        return False
    if code.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        derived = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    else:
        derived = verifier
    return secrets.compare_digest(derived, code.code_challenge)


def connection_id(client_id: str, tenant_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, client_id + tenant_id))


class Identity:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # --- set-up and consent -------------------------------------------------------------------
    def connect(self, client: Client, tenant_ids: list[str], auth_event_id: str | None = None) -> str:
        """Connect ``client`` to organisations (what a user's consent does); returns the auth event id."""
        event = auth_event_id or new_id()
        now = self.state.clock()
        with self.state.lock:
            for tenant in tenant_ids:
                cid = connection_id(client.client_id, tenant)
                existing = self.state.connections.get(cid)
                if existing:
                    existing.updated, existing.auth_event_id = now, event
                else:
                    self.state.connections[cid] = Connection(cid, client.client_id, tenant, event, now, now)
                if tenant not in client.tenant_ids:
                    client.tenant_ids.append(tenant)
        return event

    def authorize(
        self,
        client_id: str,
        tenant_ids: list[str],
        *,
        scope: str = DEFAULT_SCOPE,
        redirect_uri: str = "",
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> str:
        """A user consents for ``tenant_ids``: returns the authorization code the redirect would carry."""
        client = self.state.clients.get(client_id)
        if client is None:
            raise ValueError(f"no app with client_id {client_id}")
        if client.custom_connection:
            raise ValueError("a custom connection uses client_credentials, not the authorization-code flow")
        unknown = [t for t in tenant_ids if t not in self.state.organisations]
        if unknown:
            raise ValueError(f"no organisation {unknown[0]}")
        event = self.connect(client, tenant_ids)
        code = AuthCode(
            _secret(),
            client_id,
            list(tenant_ids),
            scope,
            redirect_uri,
            self.state.clock() + CODE_LIFETIME,
            event,
            code_challenge=code_challenge,
            code_challenge_method=(code_challenge_method or "plain") if code_challenge else "",
        )
        with self.state.lock:
            self.state.auth_codes[code.code] = code
        return code.code

    # --- tokens -------------------------------------------------------------------------------
    def _client(self, request: Request, form: dict[str, str]) -> Client:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                raise _oauth_error("invalid_client") from None
        client = self.state.clients.get(client_id or "")
        if client is None or not secrets.compare_digest(client.client_secret, client_secret or ""):
            raise _oauth_error("invalid_client")
        return client

    def _access(self, client: Client, tenant_ids: list[str], event: str) -> Token:
        token = Token(
            access_token=self._jwt(client, event),
            client_id=client.client_id,
            tenant_ids=list(tenant_ids),
            expires_at=self.state.clock() + ACCESS_LIFETIME,
            custom_connection=client.custom_connection,
            auth_event_id=event,
        )
        with self.state.lock:
            self.state.tokens[token.access_token] = token
        return token

    def _jwt(self, client: Client, event: str) -> str:
        """An access token shaped as Xero's: a JWT whose claims name the client and the consent."""
        now = int(self.state.clock().timestamp())
        claims = {
            "nbf": now,
            "exp": now + int(ACCESS_LIFETIME.total_seconds()),
            "iss": "https://identity.xero.com",
            "aud": "https://identity.xero.com/resources",
            "client_id": client.client_id,
            "jti": uuid.uuid4().hex,
            "authentication_event_id": event,
        }
        header = {"alg": "RS256", "kid": "sandbox", "typ": "JWT"}
        parts = [json.dumps(header).encode(), json.dumps(claims).encode(), secrets.token_bytes(32)]
        return ".".join(base64.urlsafe_b64encode(p).decode().rstrip("=") for p in parts)

    def _refresh(self, client: Client, scope: str, event: str) -> RefreshToken:
        refresh = RefreshToken(_secret(), client.client_id, scope, self.state.clock(), event)
        with self.state.lock:
            self.state.refresh_tokens[refresh.token] = refresh
        return refresh

    def _answer(self, token: Token, scope: str, refresh: RefreshToken | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": token.access_token,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "token_type": "Bearer",
            "scope": scope,
        }
        if refresh is not None:
            body["refresh_token"] = refresh.token
        return body

    def token_endpoint(self, request: Request) -> tuple[int, Any]:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client = self._client(request, form)
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if not client.custom_connection:
                raise _oauth_error("unauthorized_client")
            if not client.tenant_ids:
                raise _oauth_error("invalid_client", "the custom connection is not connected to an organisation")
            event = self.state.connections.get(connection_id(client.client_id, client.tenant_ids[0]))
            token = self._access(client, client.tenant_ids, event.auth_event_id if event else "")
            return 200, self._answer(token, CUSTOM_SCOPE, None)
        if grant == "authorization_code":
            return 200, self._exchange_code(client, form)
        if grant == "refresh_token":
            return 200, self._use_refresh(client, form.get("refresh_token") or "")
        raise _oauth_error("unsupported_grant_type")

    def _exchange_code(self, client: Client, form: dict[str, str]) -> dict[str, Any]:
        now = self.state.clock()
        with self.state.lock:
            code = self.state.auth_codes.get(form.get("code") or "")
            if code is None or code.client_id != client.client_id or code.used or now >= code.expires_at:
                raise _oauth_error("invalid_grant")
            if code.redirect_uri and form.get("redirect_uri") != code.redirect_uri:
                raise _oauth_error("invalid_grant", "redirect_uri does not match the authorization request")
            code.used = True  # a wrong verifier spends it too: a stolen code gets one guess
            if code.code_challenge and not pkce_met(code, form.get("code_verifier") or ""):
                raise _oauth_error("invalid_grant")
        token = self._access(client, code.tenant_ids, code.auth_event_id)
        refresh = self._refresh(client, code.scope, code.auth_event_id) if "offline_access" in code.scope else None
        return self._answer(token, code.scope, refresh)

    def _use_refresh(self, client: Client, presented: str) -> dict[str, Any]:
        now = self.state.clock()
        with self.state.lock:
            old = self.state.refresh_tokens.get(presented)
            if old is None or old.client_id != client.client_id or old.revoked:
                raise _oauth_error("invalid_grant")
            if old.replaced_at is None and now >= old.issued_at + REFRESH_UNUSED:
                raise _oauth_error("invalid_grant")
            if old.replaced_at is not None:
                if now >= old.replaced_at + REFRESH_GRACE or old.successor is None:
                    raise _oauth_error("invalid_grant")
                successor = self.state.refresh_tokens[old.successor]  # a retry within the grace period
            else:
                successor = self._refresh(client, old.scope, old.auth_event_id)
                old.replaced_at, old.successor = now, successor.token
            tenants = [
                c.tenant_id
                for c in self.state.connections.values()
                if c.client_id == client.client_id and c.auth_event_id == old.auth_event_id
            ] or self.state.connected_tenants(client.client_id)
        token = self._access(client, tenants, old.auth_event_id)
        return self._answer(token, old.scope, successor)

    def revoke_endpoint(self, request: Request) -> tuple[int, Any]:
        """``POST /connect/revocation`` with ``token=<refresh token>``: revokes it and its successors."""
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client = self._client(request, form)
        with self.state.lock:
            current = self.state.refresh_tokens.get(form.get("token") or "")
            while current is not None and current.client_id == client.client_id:
                current.revoked = True
                current = self.state.refresh_tokens.get(current.successor or "")
        return 200, None

    # --- bearer tokens and connections ----------------------------------------------------------
    def bearer(self, request: Request) -> Token:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise unauthorized()
        token = self.state.tokens.get(header[7:].strip())
        if token is None:
            raise unauthorized()
        if token.expires_at <= self.state.clock():
            raise unauthorized("TokenExpired: token expired at " + token.expires_at.strftime("%m/%d/%Y %H:%M:%S"))
        return token

    def connections_endpoint(self, request: Request) -> tuple[int, Any]:
        token = self.bearer(request)
        event = request.arg("authEventId")
        with self.state.lock:
            found = [
                c
                for c in self.state.connections.values()
                if c.client_id == token.client_id
                and c.tenant_id in self.state.organisations
                and (event is None or c.auth_event_id == event)
            ]
            return 200, [
                {
                    "id": c.id,
                    "authEventId": c.auth_event_id,
                    "tenantId": c.tenant_id,
                    "tenantType": "ORGANISATION",
                    "tenantName": self.state.organisations[c.tenant_id].name,
                    "createdDateUtc": c.created.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
                    "updatedDateUtc": c.updated.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
                }
                for c in found
            ]

    def delete_connection(self, request: Request, id: str) -> tuple[int, Any]:
        token = self.bearer(request)
        with self.state.lock:
            connection = self.state.connections.get(id.lower())
            if connection is None or connection.client_id != token.client_id:
                raise not_found()
            del self.state.connections[connection.id]
            client = self.state.clients.get(connection.client_id)
            if client and connection.tenant_id in client.tenant_ids:
                client.tenant_ids.remove(connection.tenant_id)
        return 204, None
