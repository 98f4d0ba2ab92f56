"""The sandbox's HTTP face: Xero's URLs, authentication, limits, idempotency, validation and faults.

:class:`XeroSandbox` answers requests as Xero does (``handle`` is callable without HTTP, and
``start`` serves it on a port, one thread per connection). One process holds many
organisations (tenants). An Accounting request goes through, in order: authentication
(401/403), the rate limiter (429), injected faults, the ``Idempotency-Key`` replay, request
validation against the spec (400), the endpoint (under the organisation's lock), response
validation against the spec, and Xero's envelope.
"""

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.http import QuietHTTPServer
from local.xero_sandbox import conformance
from local.xero_sandbox import spec as spec_module
from local.xero_sandbox.api import Request
from local.xero_sandbox.consent import Consent
from local.xero_sandbox.dates import ms
from local.xero_sandbox.errors import SandboxError, forbidden, not_found, server_error
from local.xero_sandbox.faults import ConnectionDropped, Faults
from local.xero_sandbox.idempotency import IdempotencyStore, fingerprint
from local.xero_sandbox.identity import Identity, connection_id
from local.xero_sandbox.limits import APP_MINUTE, RateLimiter
from local.xero_sandbox.seed import seed
from local.xero_sandbox.state import (
    Client,
    Clock,
    Limits,
    Organisation,
    SandboxClock,
    SandboxState,
    new_id,
    system_clock,
)
from local.xero_sandbox.webhooks import Subscription, Webhooks

API = "/api.xro/2.0"
# https://developer.xero.com/documentation/api/http-response-codes: 10 MB reported (3.5 MB historically)
MAX_BODY = 10 * 1024 * 1024

Response = tuple[int, dict[str, str], bytes]
Handler = Callable[..., Any]


def encode(value: Any) -> Any:
    """JSON for what the sandbox stores: Decimals as numbers, dates as ``/Date(ms+0000)/``."""
    if isinstance(value, Decimal):
        return float(value)  # 2- and 4-dp amounts print back exactly (shortest round-trip repr)
    if isinstance(value, datetime | date):
        return ms(value)
    if isinstance(value, frozenset | set | tuple):
        return list(value)
    raise TypeError(type(value).__name__)


_encode = encode


class Route:
    def __init__(self, method: str, template: str, handler: Handler, kind: str) -> None:
        self.method = method
        self.template = template
        self.handler = handler
        self.kind = kind  # "api", "identity" or "admin"
        body = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.pattern = re.compile("^" + body + "/?$", re.IGNORECASE)


class XeroSandbox:
    """A stateful stand-in for the Xero Accounting API, its identity server and connections."""

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        provider_name: str = "xerosync sandbox",
        validate: bool | None = None,
        spec_path: Path | str | None = None,
        seed: int | None = None,
        app_minute_limit: int = APP_MINUTE,
    ) -> None:
        self.time = SandboxClock(clock)
        self.state = SandboxState(clock=self.time)
        self.provider_name = provider_name
        self.identity = Identity(self.state)
        self.consent = Consent(self.identity)
        self.limits = RateLimiter(self.time, app_minute_limit)
        self.idempotency = IdempotencyStore(self.time)
        self.faults = Faults(seed)
        self.webhooks = Webhooks(self.time, seed)
        self.spec: spec_module.Spec | None = None
        self.identity_spec: spec_module.Spec | None = None
        self.spec_violations: list[str] = []
        found = Path(spec_path) if spec_path else spec_module.find_spec()
        if validate is False:
            self.validation = "off (XeroSandbox(validate=False))"
        elif found is None or not found.is_file():
            if validate:
                raise FileNotFoundError(
                    f"validation was asked for but Xero's OpenAPI spec was not found "
                    f"(set ${spec_module.SPEC_ENV} or put ../shared/xero/xero_accounting.yaml beside the repository)"
                )
            self.validation = (
                f"off: Xero's OpenAPI spec was not found (set ${spec_module.SPEC_ENV} "
                "or put ../shared/xero/xero_accounting.yaml beside the repository)"
            )
        else:
            self.spec = spec_module.load(found)
            self.validation = f"on: requests and responses checked against {found} ({self.spec.version})"
            identity_spec = found.parent / spec_module.IDENTITY_SPEC
            if identity_spec.is_file():  # the identity answers too (token, connections)
                self.identity_spec = spec_module.load(identity_spec)
                self.validation += f"; identity answers against {identity_spec.name}"
        self._server: QuietHTTPServer | None = None
        self.url = ""
        self.routes: list[Route] = []
        from local.xero_sandbox import (
            admin,
            routes_banktransactions,
            routes_contacts,
            routes_documents,
            routes_payments,
            routes_quotes,
            routes_settings,
        )

        self.identity_route("POST", "/connect/token", self.identity.token_endpoint)
        self.identity_route("POST", "/connect/revocation", self.identity.revoke_endpoint)
        self.identity_route("GET", "/identity/connect/authorize", self.consent.authorize_endpoint)
        self.identity_route("GET", "/connect/authorize", self.consent.authorize_endpoint)
        self.identity_route("POST", "/identity/connect/consent", self.consent.decide_endpoint)
        self.identity_route("GET", "/connections", self.identity.connections_endpoint)
        self.identity_route("DELETE", "/connections/{id}", self.identity.delete_connection)
        for module in (
            routes_settings,
            routes_contacts,
            routes_documents,
            routes_payments,
            routes_banktransactions,
            routes_quotes,
            admin,
        ):
            module.register(self)

    @property
    def validate(self) -> bool:
        return self.spec is not None

    # --- routes -------------------------------------------------------------------------------
    def api(self, method: str, template: str, handler: Handler) -> None:
        """An Accounting endpoint at the spec's path ``template`` (e.g. ``/Invoices/{InvoiceID}``)."""
        self.routes.append(Route(method, API + template, handler, "api"))

    def identity_route(self, method: str, template: str, handler: Handler) -> None:
        self.routes.append(Route(method, template, handler, "identity"))

    def admin_route(self, method: str, template: str, handler: Handler) -> None:
        self.routes.append(Route(method, template, handler, "admin"))

    # --- set-up -------------------------------------------------------------------------------
    def add_organisation(
        self, name: str = "Demo Store Pty Ltd", *, tenant_id: str | None = None, **fields: Any
    ) -> Organisation:
        limits = fields.pop("limits", None)
        if isinstance(limits, dict):
            limits = Limits(**limits)
        org = seed(
            Organisation(
                tenant_id=(tenant_id or new_id()).lower(),
                name=name,
                created=self.time(),
                limits=limits or Limits(),
                **fields,
            )
        )
        with self.state.lock:
            self.state.organisations[org.tenant_id] = org
        return org

    def add_client(
        self,
        tenant_ids: list[str],
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        custom_connection: bool = True,
        redirect_uris: list[str] | None = None,
    ) -> Client:
        """An app. By default a custom connection (client_credentials) to one organisation;
        with ``custom_connection=False`` a standard app whose user may authorise ``tenant_ids``
        (see :meth:`authorize`)."""
        if custom_connection and len(tenant_ids) != 1:
            raise ValueError("a custom connection is connected to exactly one organisation")
        client = Client(
            client_id=client_id or uuid.uuid4().hex.upper(),
            client_secret=client_secret or uuid.uuid4().hex,
            tenant_ids=[] if custom_connection else [t.lower() for t in tenant_ids],
            custom_connection=custom_connection,
            redirect_uris=list(redirect_uris or []),
        )
        with self.state.lock:
            self.state.clients[client.client_id] = client
        if custom_connection:
            self.identity.connect(client, [t.lower() for t in tenant_ids])
        return client

    def authorize(
        self,
        client_id: str,
        tenant_ids: list[str],
        *,
        scope: str | None = None,
        redirect_uri: str = "",
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> str:
        """A user of a standard app consents for ``tenant_ids`` (no consent screen): the
        authorization code to exchange, bound to ``code_challenge`` when one is given (PKCE)."""
        options: dict[str, Any] = {
            "redirect_uri": redirect_uri,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method,
        }
        if scope is not None:
            options["scope"] = scope
        return self.identity.authorize(client_id, [t.lower() for t in tenant_ids], **options)

    def organisation(self, tenant_id: str) -> Organisation:
        return self.state.organisations[tenant_id.lower()]

    def subscribe_webhooks(self, url: str, key: str, **options: Any) -> Subscription:
        """Send Xero webhooks to ``url`` signed with ``key`` (after the intent-to-receive handshake)."""
        if self.url:
            self.webhooks.base_url = self.url
        return self.webhooks.subscribe(url, key, **options)

    def deliver_webhooks(self) -> list[Any]:
        return self.webhooks.deliver()

    def advance(self, seconds: float) -> datetime:
        """Move the sandbox's clock forward (rate windows, token and key expiry)."""
        return self.time.advance(seconds)

    def reset(self) -> None:
        """Every organisation back to its seed state; calls, limits, keys, faults and webhook queues cleared.
        Organisations, apps, connections and tokens are kept, so clients stay connected."""
        with self.state.lock:
            for tenant, org in list(self.state.organisations.items()):
                self.state.organisations[tenant] = seed(
                    Organisation(
                        tenant_id=org.tenant_id,
                        name=org.name,
                        country=org.country,
                        base_currency=org.base_currency,
                        short_code=org.short_code,
                        period_lock_date=org.period_lock_date,
                        end_of_year_lock_date=org.end_of_year_lock_date,
                        limits=org.limits,
                        created=org.created,
                    )
                )
            self.state.calls.clear()
        self.limits.reset()
        self.idempotency.reset()
        self.faults.clear()
        for sub in self.webhooks.subscriptions:
            sub.queue.clear()
        self.spec_violations.clear()

    def event(self, org: Organisation, plural: str, record: dict[str, Any], created: bool) -> None:
        """A contact, invoice or credit note was saved: queue its webhook event."""
        self.webhooks.record(org.tenant_id, plural, record, created)

    # --- request handling ---------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        """One request, as Xero would answer it. Raises :class:`ConnectionDropped` when a fault
        says the connection closes without an answer."""
        url = urlsplit(target)
        request = Request(method, url.path, parse_qs(url.query, keep_blank_values=True), headers, body)
        extra: dict[str, str] = {}
        try:
            route, params = self._route_for(request)
            if route.kind == "api":
                return self._accounting(request, route, params)
            result = route.handler(request, **params)
            status, payload = result[0], result[1]
            if len(result) > 2:
                extra = result[2]
            if route.kind == "identity":
                conformance.check_identity(self.identity_spec, route.template, status, payload, self.spec_violations)
        except SandboxError as err:
            status, payload, extra = err.status, err.body, err.headers
        return status, {"Content-Type": "application/json; charset=utf-8", **extra}, self._bytes(payload)

    @staticmethod
    def _bytes(payload: Any) -> bytes:
        if payload is None:
            return b""
        return payload if isinstance(payload, bytes) else json.dumps(payload, default=encode).encode()

    def _route_for(self, request: Request) -> tuple[Route, dict[str, str]]:
        allowed = False
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match:
                if route.method == request.method:
                    return route, match.groupdict()
                allowed = True
        if allowed:
            raise SandboxError(405, {"Title": "Method Not Allowed", "Status": 405})
        raise not_found()

    def _authorise(self, request: Request) -> Organisation:
        token = self.identity.bearer(request)
        tenant = request.headers.get("xero-tenant-id", "").strip().lower()
        if not tenant:
            if not (token.custom_connection and len(token.tenant_ids) == 1):
                raise forbidden("AuthorizationUnsuccessful: the xero-tenant-id header is missing")
            tenant = token.tenant_ids[0]
        if (
            tenant not in token.tenant_ids
            or tenant not in self.state.organisations
            or connection_id(token.client_id, tenant) not in self.state.connections
        ):
            raise forbidden("AuthorizationUnsuccessful")
        request.token = token
        request.org = self.state.organisations[tenant]
        return request.org

    def _accounting(self, request: Request, route: Route, params: dict[str, str]) -> Response:
        org = self._authorise(request)
        assert request.token is not None
        template = route.template[len(API) :]
        request.template = template
        request.endpoint = f"{request.method} /{template.split('/')[1]}"
        tenant = org.tenant_id
        rate = self.limits.acquire(tenant, request.token.client_id, org.limits)  # raises the 429
        try:
            with self.state.lock:
                self.state.calls[(tenant, request.endpoint)] += 1
            fault = self.faults.draw(tenant, request.endpoint)
            if fault is not None:
                if fault.kind == "error":
                    raise server_error(fault.status)
                if fault.kind == "drop":
                    raise ConnectionDropped(committed=False)
                if fault.kind in ("slow", "hang"):
                    time.sleep(fault.delay)
                if fault.kind == "hang":
                    raise ConnectionDropped(committed=False)
            status, headers, data = self._answer(request, route, params, org)
            if fault is not None and fault.kind == "lost_response":
                raise ConnectionDropped(committed=True)
            return status, {"Content-Type": "application/json; charset=utf-8", **headers, **rate}, data
        except SandboxError as err:
            headers = {"Content-Type": "application/json; charset=utf-8", **err.headers, **rate}
            return err.status, headers, self._bytes(err.body)
        finally:
            self.limits.release(tenant)

    def _answer(self, request: Request, route: Route, params: dict[str, str], org: Organisation) -> Response:
        """The endpoint's answer (or the stored one for a repeated Idempotency-Key)."""
        assert request.token is not None
        key = self.idempotency.key_of(request.method, request.headers)
        scope = (request.token.client_id, org.tenant_id)
        target = request.path + ("?" + "&".join(f"{k}={v}" for k, v in sorted(request.query.items())))
        print_ = fingerprint(request.method, target, request.body)
        with org.lock:
            if key is not None:
                stored = self.idempotency.replay(scope, key, print_)
                if stored is not None:
                    return stored.status, dict(stored.headers), stored.body
            try:
                self._read_body(request)
                self._check_request(request)
                status, payload = route.handler(request, **params)
                headers: dict[str, str] = {}
                data = self._bytes(self._envelope(payload))
            except SandboxError as err:
                status, headers, data = err.status, dict(err.headers), self._bytes(err.body)
            self._check_response(request, status, data)
            if key is not None:
                self.idempotency.remember(scope, key, print_, status, headers, data)
            return status, headers, data

    def _envelope(self, payload: Any) -> Any:
        if not isinstance(payload, dict):
            return payload
        return {
            "Id": new_id(),
            "Status": "OK",
            "ProviderName": self.provider_name,
            "DateTimeUTC": ms(self.time()),
            **payload,
        }

    # --- spec conformance (see conformance.py) -----------------------------------------------
    def _read_body(self, request: Request) -> None:
        conformance.read_body(self.spec, request)

    def _check_request(self, request: Request) -> None:
        conformance.check_request(self.spec, request)

    def _check_response(self, request: Request, status: int, data: bytes) -> None:
        conformance.check_response(self.spec, request, status, data, self.spec_violations)

    # --- serving ------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> "XeroSandbox":
        sandbox = self

        class HTTPHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._send(413, {"Content-Type": "application/json"}, b'{"Title":"Request Entity Too Large"}')
                    self.close_connection = True
                    return
                body = self.rfile.read(length) if length else b""
                try:
                    status, headers, payload = sandbox.handle(self.command, self.path, dict(self.headers), body)
                except ConnectionDropped:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send(status, headers, payload)

            def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._server = QuietHTTPServer((host, port), HTTPHandler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self.webhooks.base_url = self.url
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True, name="xero-sandbox").start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
