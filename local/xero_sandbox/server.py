"""The sandbox's HTTP face: Xero's URLs, authentication, envelope and batch semantics.

:class:`XeroSandbox` answers requests as Xero does (``handle`` is callable without HTTP, and
``start`` serves it on a port). One process holds many organisations (tenants).
"""

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.xero_sandbox import contacts, invoices
from local.xero_sandbox.dates import date_string, ms
from local.xero_sandbox.errors import (
    ElementInvalid,
    SandboxError,
    forbidden,
    not_found,
    post_data_invalid,
    unauthorized,
    validation_exception,
)
from local.xero_sandbox.query import where
from local.xero_sandbox.seed import seed
from local.xero_sandbox.state import Client, Clock, Organisation, SandboxState, Token, new_id, system_clock

API = "/api.xro/2.0"
TOKEN_LIFETIME = timedelta(minutes=30)
PAGE_SIZE = 100
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Request:
    def __init__(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes):
        self.method = method.upper()
        self.path = path
        self.query = {k.lower(): v for k, v in query.items()}
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.org: Organisation | None = None
        self.token: Token | None = None

    def arg(self, name: str) -> str | None:
        values = self.query.get(name.lower())
        return values[-1] if values else None

    def flag(self, name: str, default: bool) -> bool:
        value = self.arg(name)
        return default if value is None else value.strip().lower() == "true"  # the SDK sends "False"

    def json(self) -> Any:
        if not self.body:
            raise post_data_invalid("The request body is empty")
        try:
            return json.loads(self.body, parse_float=Decimal)
        except ValueError:
            raise post_data_invalid("The request body is not valid JSON") from None


Response = tuple[int, dict[str, str], bytes]
Route = tuple[str, re.Pattern[str], Callable[..., Any]]


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # 2- and 4-dp amounts print back exactly (shortest round-trip repr)
    if isinstance(value, datetime):
        return ms(value)
    if isinstance(value, date):
        return ms(value)
    raise TypeError(type(value).__name__)


def _elements(body: Any, plural: str) -> list[dict[str, Any]]:
    if isinstance(body, dict) and plural in body:
        items = body[plural]
    elif isinstance(body, dict):
        items = [body]
    else:
        items = body
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise post_data_invalid(f"Expected {plural} to be a list of objects")
    return items


class XeroSandbox:
    """A stateful stand-in for the Xero Accounting API, its identity server and connections."""

    def __init__(self, *, clock: Clock = system_clock, provider_name: str = "xerosync sandbox") -> None:
        self.state = SandboxState(clock=clock)
        self.provider_name = provider_name
        self._server: ThreadingHTTPServer | None = None
        self.url = ""
        self.routes: list[Route] = []
        self._route("POST", "/connect/token", self._token)
        self._route("GET", "/connections", self._connections)
        self._route("GET", API + "/Organisation", self._organisation)
        self._route("GET", API + "/Accounts", self._accounts)
        self._route("GET", API + "/Accounts/{id}", self._account)
        self._route("GET", API + "/TaxRates", self._tax_rates)
        self._route("GET", API + "/Currencies", self._currencies)
        self._route("GET", API + "/Contacts", self._get_contacts)
        self._route("GET", API + "/Contacts/{id}", self._get_contact)
        self._route("PUT", API + "/Contacts", self._put_contacts)
        self._route("POST", API + "/Contacts", self._post_contacts)
        self._route("POST", API + "/Contacts/{id}", self._post_contact)
        self._route("GET", API + "/Invoices", self._get_invoices)
        self._route("GET", API + "/Invoices/{id}", self._get_invoice)
        self._route("PUT", API + "/Invoices", self._put_invoices)
        self._route("POST", API + "/Invoices", self._post_invoices)
        self._route("POST", API + "/Invoices/{id}", self._post_invoice)

    def _route(self, method: str, template: str, handler: Callable[..., Any]) -> None:
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$", re.IGNORECASE)
        self.routes.append((method, pattern, handler))

    # --- set-up -----------------------------------------------------------------------------
    def add_organisation(
        self, name: str = "Demo Store Pty Ltd", *, tenant_id: str | None = None, **fields: Any
    ) -> Organisation:
        org = seed(Organisation(tenant_id=tenant_id or new_id(), name=name, created=self.state.clock(), **fields))
        with self.state.lock:
            self.state.organisations[org.tenant_id] = org
        return org

    def add_client(
        self, tenant_ids: list[str], *, client_id: str | None = None, client_secret: str | None = None
    ) -> Client:
        """A custom connection (client_credentials) to one organisation."""
        client = Client(
            client_id=client_id or uuid.uuid4().hex.upper(),
            client_secret=client_secret or uuid.uuid4().hex,
            tenant_ids=list(tenant_ids),
        )
        with self.state.lock:
            self.state.clients[client.client_id] = client
        return client

    def organisation(self, tenant_id: str) -> Organisation:
        return self.state.organisations[tenant_id]

    # --- request handling ---------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        url = urlsplit(target)
        request = Request(method, url.path, parse_qs(url.query, keep_blank_values=True), headers, body)
        try:
            status, payload, extra = self._dispatch(request)
        except SandboxError as err:
            status, payload, extra = err.status, err.body, err.headers
        out_headers = {"Content-Type": "application/json; charset=utf-8", **extra}
        if payload is None:
            return status, out_headers, b""
        data = payload if isinstance(payload, bytes) else json.dumps(payload, default=_encode).encode()
        return status, out_headers, data

    def _dispatch(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                if request.path.lower().startswith(API.lower()):
                    self._authorise(request)
                    assert request.org is not None
                    resource = request.path[len(API) :].split("/")[1]
                    with self.state.lock:
                        self.state.calls[(request.org.tenant_id, f"{request.method} /{resource}")] += 1
                    with request.org.lock:
                        status, payload = handler(request, **match.groupdict())
                    return status, self._envelope(payload), {}
                status, payload = handler(request, **match.groupdict())
                return status, payload, {}
        if any(p.match(request.path) for _, p, _ in self.routes):
            raise SandboxError(405, {"Title": "Method Not Allowed", "Status": 405})
        raise not_found()

    def _envelope(self, payload: Any) -> Any:
        if not isinstance(payload, dict):
            return payload
        return {
            "Id": new_id(),
            "Status": "OK",
            "ProviderName": self.provider_name,
            "DateTimeUTC": ms(self.state.clock()),
            **payload,
        }

    def _bearer(self, request: Request) -> Token:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise unauthorized()
        token = self.state.tokens.get(header[7:].strip())
        if token is None:
            raise unauthorized()
        if token.expires_at <= self.state.clock():
            raise unauthorized("TokenExpired: token expired at " + token.expires_at.strftime("%m/%d/%Y %H:%M:%S"))
        return token

    def _authorise(self, request: Request) -> None:
        token = self._bearer(request)
        tenant = request.headers.get("xero-tenant-id", "").strip().lower()
        if not tenant:
            if not (token.custom_connection and len(token.tenant_ids) == 1):
                raise forbidden("AuthorizationUnsuccessful: the xero-tenant-id header is missing")
            tenant = token.tenant_ids[0]
        if tenant not in token.tenant_ids or tenant not in self.state.organisations:
            raise forbidden("AuthorizationUnsuccessful")
        request.token = token
        request.org = self.state.organisations[tenant]

    # --- identity -----------------------------------------------------------------------------
    def _token(self, request: Request) -> tuple[int, Any]:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return 400, {"error": "invalid_client"}
        client = self.state.clients.get(client_id or "")
        if client is None or client.client_secret != client_secret:
            return 400, {"error": "invalid_client"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        token = Token(
            access_token=base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("="),
            client_id=client.client_id,
            tenant_ids=list(client.tenant_ids),
            expires_at=self.state.clock() + TOKEN_LIFETIME,
            custom_connection=client.custom_connection,
        )
        with self.state.lock:
            self.state.tokens[token.access_token] = token
        scope = "accounting.invoices accounting.payments accounting.contacts accounting.settings"
        return 200, {
            "access_token": token.access_token,
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
            "token_type": "Bearer",
            "scope": scope,
        }

    def _connections(self, request: Request) -> tuple[int, Any]:
        token = self._bearer(request)
        return 200, [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, token.client_id + tenant)),
                "authEventId": new_id(),
                "tenantId": tenant,
                "tenantType": "ORGANISATION",
                "tenantName": self.state.organisations[tenant].name,
                "createdDateUtc": self.state.organisations[tenant].created.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
                "updatedDateUtc": self.state.clock().strftime("%Y-%m-%dT%H:%M:%S.%f0"),
            }
            for tenant in token.tenant_ids
            if tenant in self.state.organisations
        ]

    # --- reference data -----------------------------------------------------------------------
    @staticmethod
    def _org(request: Request) -> Organisation:
        assert request.org is not None
        return request.org

    def _organisation(self, request: Request) -> tuple[int, Any]:
        org = self._org(request)
        body: dict[str, Any] = {
            "OrganisationID": org.tenant_id,
            "Name": org.name,
            "LegalName": org.name,
            "PaysTax": True,
            "Version": org.country,
            "OrganisationType": "COMPANY",
            "BaseCurrency": org.base_currency,
            "CountryCode": org.country,
            "IsDemoCompany": False,
            "OrganisationStatus": "ACTIVE",
            "ShortCode": org.short_code,
            "Class": "STANDARD",
            "Edition": "BUSINESS",
            "LineOfBusiness": "Retail",
            "Timezone": "AUSEASTERNSTANDARDTIME",
            "SalesTaxBasis": "ACCRUALS",
            "SalesTaxPeriod": "QUARTERLY1",
            "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Exclusive",
            "FinancialYearEndDay": 30,
            "FinancialYearEndMonth": 6,
            "CreatedDateUTC": org.created,
            "OrganisationEntityType": "COMPANY",
            "Addresses": [],
            "Phones": [],
            "ExternalLinks": [],
            "PaymentTerms": {},
        }
        if org.period_lock_date:
            body["PeriodLockDate"] = org.period_lock_date
        if org.end_of_year_lock_date:
            body["EndOfYearLockDate"] = org.end_of_year_lock_date
        return 200, {"Organisations": [body]}

    def _accounts(self, request: Request) -> tuple[int, Any]:
        test = where(request.arg("where"))
        return 200, {"Accounts": [a for a in self._org(request).accounts.values() if test(a)]}

    def _account(self, request: Request, id: str) -> tuple[int, Any]:
        account = self._org(request).accounts.get(id.lower())
        if account is None:
            raise not_found()
        return 200, {"Accounts": [account]}

    def _tax_rates(self, request: Request) -> tuple[int, Any]:
        test = where(request.arg("where"))
        return 200, {"TaxRates": [t for t in self._org(request).tax_rates.values() if test(t)]}

    def _currencies(self, request: Request) -> tuple[int, Any]:
        return 200, {"Currencies": list(self._org(request).currencies.values())}

    # --- listing ------------------------------------------------------------------------------
    @staticmethod
    def _ids(request: Request, name: str) -> set[str] | None:
        raw = request.arg(name)
        return None if not raw else {v.strip().lower() for v in raw.split(",") if v.strip()}

    def _page(self, request: Request, records: list[dict[str, Any]], plural: str) -> dict[str, Any]:
        page = request.arg("page")
        if page is None:
            return {plural: records}
        size = min(max(int(request.arg("pageSize") or PAGE_SIZE), 1), 1000)
        number = max(int(page), 1)
        chunk = records[(number - 1) * size : number * size]
        count = len(records)
        return {
            "pagination": {"page": number, "pageSize": size, "pageCount": -(-count // size), "itemCount": count},
            plural: chunk,
        }

    def _modified_since(self, request: Request) -> datetime | None:
        raw = request.headers.get("if-modified-since")
        if not raw:
            return None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            from email.utils import parsedate_to_datetime

            parsed = parsedate_to_datetime(raw)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    # --- contacts -----------------------------------------------------------------------------
    def _render_contact(self, record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "HasValidationErrors": False}

    def _get_contacts(self, request: Request) -> tuple[int, Any]:
        org = self._org(request)
        test = where(request.arg("where"))
        ids = self._ids(request, "IDs")
        search = (request.arg("searchTerm") or "").casefold()
        archived = request.flag("includeArchived", False)
        since = self._modified_since(request)
        found = [
            c
            for c in org.contacts.values()
            if (archived or c.get("ContactStatus") == "ACTIVE")
            and (ids is None or c["ContactID"] in ids)
            and (
                not search
                or any(
                    search in str(c.get(f, "")).casefold()
                    for f in ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")
                )
            )
            and (since is None or c["UpdatedDateUTC"] >= since)
            and test(c)
        ]
        found.sort(key=lambda c: str(c.get("Name", "")).casefold())
        return 200, self._page(request, [self._render_contact(c) for c in found], "Contacts")

    def _get_contact(self, request: Request, id: str) -> tuple[int, Any]:
        org = self._org(request)
        record = org.contacts.get(id.lower()) if GUID.match(id) else contacts.find(org, {"ContactNumber": id})
        if record is None:
            raise not_found()
        return 200, {"Contacts": [self._render_contact(record)]}

    def _write(
        self,
        request: Request,
        plural: str,
        elements: list[dict[str, Any]],
        write: Callable[[dict[str, Any]], dict[str, Any]],
        render: Callable[[dict[str, Any]], dict[str, Any]],
        error_flag: str,
        summarize_default: bool = True,
    ) -> tuple[int, Any]:
        """Xero's batch semantics: each element on its own (not transactional); with
        ``summarizeErrors=false`` a 200 with a status per element, otherwise a 400 listing only
        the failed elements (the valid ones are still saved)."""
        summarize = request.flag("summarizeErrors", summarize_default)
        results: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for element in elements:
            try:
                record = render(write(element))
                results.append({**record, "StatusAttributeString": "OK"} if not summarize else record)
            except ElementInvalid as exc:
                echo = {
                    **element,
                    error_flag: True,
                    "StatusAttributeString": "ERROR",
                    "ValidationErrors": [{"Message": m} for m in exc.messages],
                }
                results.append(echo)
                failed.append(echo)
        if summarize and failed:
            raise validation_exception(failed)
        return 200, {plural: results}

    def _put_contacts(self, request: Request) -> tuple[int, Any]:
        org, now = self._org(request), self.state.clock()
        return self._write(
            request,
            "Contacts",
            _elements(request.json(), "Contacts"),
            lambda e: contacts.create(org, e, now),
            self._render_contact,
            "HasValidationErrors",
        )

    def _post_contacts(self, request: Request) -> tuple[int, Any]:
        org, now = self._org(request), self.state.clock()

        def upsert(element: dict[str, Any]) -> dict[str, Any]:
            existing = contacts.find(org, element)
            if existing is None and element.get("ContactID"):
                raise ElementInvalid("The contact with the specified ContactID could not be found.")
            return contacts.update(org, existing, element, now) if existing else contacts.create(org, element, now)

        return self._write(
            request,
            "Contacts",
            _elements(request.json(), "Contacts"),
            upsert,
            self._render_contact,
            "HasValidationErrors",
        )

    def _post_contact(self, request: Request, id: str) -> tuple[int, Any]:
        org, now = self._org(request), self.state.clock()
        record = org.contacts.get(id.lower())
        if record is None:
            raise not_found()
        elements = _elements(request.json(), "Contacts")[:1]
        return self._write(
            request,
            "Contacts",
            elements,
            lambda e: contacts.update(org, record, e, now),
            self._render_contact,
            "HasValidationErrors",
        )

    # --- invoices -----------------------------------------------------------------------------
    def _render_invoice(self, org: Organisation, record: dict[str, Any], *, lines: bool = True) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if k != "ContactID"}
        contact = org.contacts.get(record["ContactID"])
        out["Contact"] = contacts.summary(contact) if contact else {"ContactID": record["ContactID"]}
        out["DateString"] = date_string(record["Date"])
        if record.get("DueDate"):
            out["DueDateString"] = date_string(record["DueDate"])
        out["HasErrors"] = False
        if not lines:
            out.pop("LineItems", None)
        return out

    def _unitdp(self, request: Request) -> int:
        return 4 if request.arg("unitdp") == "4" else 2

    def _get_invoices(self, request: Request) -> tuple[int, Any]:
        org = self._org(request)
        test = where(request.arg("where"))
        ids = self._ids(request, "IDs")
        numbers = self._ids(request, "InvoiceNumbers")
        contact_ids = self._ids(request, "ContactIDs")
        statuses = {s.upper() for s in self._ids(request, "Statuses") or set()}
        since = self._modified_since(request)
        archived = request.flag("includeArchived", False)
        found = [
            i
            for i in org.invoices.values()
            if (ids is None or i["InvoiceID"] in ids)
            and (numbers is None or str(i.get("InvoiceNumber", "")).lower() in numbers)
            and (contact_ids is None or i["ContactID"] in contact_ids)
            and (not statuses or i["Status"] in statuses)
            and (archived or statuses or i["Status"] != "DELETED")
            and (since is None or i["UpdatedDateUTC"] >= since)
            and test(self._render_invoice(org, i))
        ]
        found.sort(key=lambda i: (i["Date"], i["UpdatedDateUTC"]))
        # Xero leaves line items out of unpaged multi-invoice lists unless asked by id or number
        lines = request.arg("page") is not None or ids is not None or numbers is not None
        return 200, self._page(request, [self._render_invoice(org, i, lines=lines) for i in found], "Invoices")

    def _get_invoice(self, request: Request, id: str) -> tuple[int, Any]:
        org = self._org(request)
        record = org.invoices.get(id.lower()) if GUID.match(id) else invoices.find(org, {"InvoiceNumber": id})
        if record is None:
            raise not_found()
        return 200, {"Invoices": [self._render_invoice(org, record)]}

    def _put_invoices(self, request: Request) -> tuple[int, Any]:
        org, now, unitdp = self._org(request), self.state.clock(), self._unitdp(request)
        return self._write(
            request,
            "Invoices",
            _elements(request.json(), "Invoices"),
            lambda e: invoices.create(org, e, unitdp, now),
            lambda r: self._render_invoice(org, r),
            "HasErrors",
        )

    def _post_invoices(self, request: Request) -> tuple[int, Any]:
        org, now, unitdp = self._org(request), self.state.clock(), self._unitdp(request)

        def upsert(element: dict[str, Any]) -> dict[str, Any]:
            existing = invoices.find(org, element)
            if existing is None and element.get("InvoiceID"):
                raise ElementInvalid("An existing Invoice with the specified InvoiceID could not be found.")
            if existing:
                return invoices.update(org, existing, element, unitdp, now)
            return invoices.create(org, element, unitdp, now)

        return self._write(
            request,
            "Invoices",
            _elements(request.json(), "Invoices"),
            upsert,
            lambda r: self._render_invoice(org, r),
            "HasErrors",
        )

    def _post_invoice(self, request: Request, id: str) -> tuple[int, Any]:
        org, now, unitdp = self._org(request), self.state.clock(), self._unitdp(request)
        record = org.invoices.get(id.lower()) if GUID.match(id) else invoices.find(org, {"InvoiceNumber": id})
        if record is None:
            raise not_found()
        elements = _elements(request.json(), "Invoices")[:1]
        return self._write(
            request,
            "Invoices",
            elements,
            lambda e: invoices.update(org, record, e, unitdp, now),
            lambda r: self._render_invoice(org, r),
            "HasErrors",
        )

    # --- serving ------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> "XeroSandbox":
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = sandbox.handle(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True, name="xero-sandbox").start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
