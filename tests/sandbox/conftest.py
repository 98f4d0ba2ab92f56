"""Fixtures for the sandbox's own tests: a sandbox on a fake clock, raw HTTP calls, the SDK."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.spec import find_spec
from local.xero_sandbox.state import Client, Organisation


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Box:
    """A started sandbox, its clock, one organisation and a custom connection to it."""

    sandbox: XeroSandbox
    clock: FakeClock
    org: Organisation
    client: Client

    @property
    def url(self) -> str:
        return self.sandbox.url

    def token(self, client: Client | None = None) -> str:
        client = client or self.client
        reply = self.form(
            "/connect/token",
            f"grant_type=client_credentials&client_id={client.client_id}&client_secret={client.client_secret}",
        )
        assert reply.status == 200, reply.body
        return str(reply.body["access_token"])

    def form(self, path: str, form: str, headers: dict[str, str] | None = None) -> Reply:
        return self.raw(
            "POST", path, form.encode(), {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        )

    def raw(self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return Reply(
                    response.status, dict(response.headers), json.loads(raw, parse_float=Decimal) if raw else None
                )
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                body = json.loads(raw, parse_float=Decimal) if raw else None
            except ValueError:
                body = raw.decode()
            return Reply(err.code, dict(err.headers), body)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        tenant: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """An Accounting call (``path`` below /api.xro/2.0) with this box's token and tenant."""
        sent = {"Accept": "application/json", "Authorization": f"Bearer {token or self.access}"}
        sent["xero-tenant-id"] = tenant or self.org.tenant_id
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        data = json.dumps(body, default=_number).encode() if body is not None else None
        return self.raw(method, "/api.xro/2.0" + path, data, sent)

    access: str = ""


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def make_box(**options: Any) -> Iterator[Box]:
    clock = FakeClock()
    sandbox = XeroSandbox(clock=clock, **options).start()
    org = sandbox.add_organisation("Sandbox Tests Pty Ltd")
    client = sandbox.add_client([org.tenant_id])
    box = Box(sandbox, clock, org, client)
    box.access = box.token()
    try:
        yield box
    finally:
        sandbox.stop()


@pytest.fixture
def box() -> Iterator[Box]:
    yield from make_box()


@pytest.fixture
def spec_box() -> Iterator[Box]:
    """A box whose requests and responses are validated (skips when the spec is absent)."""
    if find_spec() is None:
        pytest.skip("Xero's OpenAPI spec is absent: set $XERO_OPENAPI_SPEC or put ../shared beside the repository")
    yield from make_box(validate=True)


def contact(box: Box, name: str = "Jane Citizen", **extra: Any) -> str:
    reply = box.call("PUT", "/Contacts", {"Contacts": [{"Name": name, **extra}]})
    assert reply.status == 200, reply.body
    return str(reply.body["Contacts"][0]["ContactID"])


def line(amount: str = "100", **extra: Any) -> dict[str, Any]:
    return {
        "Description": "Widget",
        "Quantity": 1,
        "UnitAmount": Decimal(amount),
        "AccountCode": "200",
        "TaxType": "OUTPUT",
        **extra,
    }


def invoice(box: Box, contact_id: str, *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-11-20",
        "DueDate": "2026-12-20",
        "Status": "AUTHORISED",
        "LineItems": list(lines) or [line()],
        **extra,
    }
    reply = box.call("PUT", "/Invoices", {"Invoices": [body]})
    assert reply.status == 200, reply.body
    return dict(reply.body["Invoices"][0])


def pay(box: Box, invoice_id: str, amount: str, **extra: Any) -> Reply:
    body = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": "090"},
        "Date": "2026-11-21",
        "Amount": Decimal(amount),
        **extra,
    }
    return box.call("PUT", "/Payments", {"Payments": [body]})


def messages(reply: Reply) -> list[str]:
    """Every validation message of a 400 or of a summarizeErrors=false answer."""
    body = reply.body
    if reply.status == 400 and isinstance(body, dict) and "Elements" in body:
        return [m["Message"] for e in body["Elements"] for m in e.get("ValidationErrors", [])]
    found = []
    for value in body.values() if isinstance(body, dict) else []:
        if isinstance(value, list):
            found += [m["Message"] for e in value if isinstance(e, dict) for m in e.get("ValidationErrors", [])]
    if not found and isinstance(body, dict) and "Message" in body:
        found.append(body["Message"])
    return found
