"""The sandbox over real HTTP: authentication, Xero's envelope and the foundation rules.
(The full fidelity suite is the sandbox issue's; these are the rules the orders sync leans on.)"""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def call(
    box: XeroSandbox, method: str, path: str, body: Any = None, token: str | None = None, tenant: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if tenant:
        headers["xero-tenant-id"] = tenant
    data = json.dumps(body, default=float).encode() if body is not None else None
    request = urllib.request.Request(box.url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read(), parse_float=Decimal)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null", parse_float=Decimal)


def token(box: XeroSandbox) -> str:
    connection = box.connection
    form = f"grant_type=client_credentials&client_id={connection.client_id}&client_secret={connection.client_secret}"
    request = urllib.request.Request(
        box.url + "/connect/token",
        data=form.encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request) as response:
        body = json.loads(response.read())
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    return str(body["access_token"])


@pytest.fixture
def box() -> Any:
    clock = Clock()
    sandbox = XeroSandbox(clock=clock).start()
    sandbox.clock = clock
    sandbox.org = sandbox.add_organisation("Rules Pty Ltd")
    sandbox.connection = sandbox.add_client([sandbox.org.tenant_id])
    yield sandbox
    sandbox.stop()


def test_no_token_is_401(box: Any) -> None:
    status, body = call(box, "GET", "/api.xro/2.0/Contacts", tenant=box.org.tenant_id)
    assert status == 401 and body["Title"] == "Unauthorized"


def test_expired_token_is_401(box: Any) -> None:
    access = token(box)
    box.clock.now += timedelta(minutes=31)
    status, body = call(box, "GET", "/api.xro/2.0/Contacts", token=access, tenant=box.org.tenant_id)
    assert status == 401 and "TokenExpired" in body["Detail"]


def test_wrong_client_secret_is_invalid_client(box: Any) -> None:
    request = urllib.request.Request(
        box.url + "/connect/token",
        method="POST",
        data=f"grant_type=client_credentials&client_id={box.connection.client_id}&client_secret=wrong".encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 400 and json.loads(caught.value.read())["error"] == "invalid_client"


def test_tenant_the_token_does_not_reach_is_403(box: Any) -> None:
    other = box.add_organisation("Someone Else Ltd")
    status, _ = call(box, "GET", "/api.xro/2.0/Contacts", token=token(box), tenant=other.tenant_id)
    assert status == 403


def test_connections_list_the_custom_connections_organisation(box: Any) -> None:
    status, body = call(box, "GET", "/connections", token=token(box))
    assert status == 200
    assert [(c["tenantId"], c["tenantType"]) for c in body] == [(box.org.tenant_id, "ORGANISATION")]


def test_responses_carry_xeros_envelope_and_ms_dates(box: Any) -> None:
    access = token(box)
    status, body = call(box, "GET", "/api.xro/2.0/Organisation", token=access, tenant=box.org.tenant_id)
    assert status == 200
    assert set(body) >= {"Id", "Status", "ProviderName", "DateTimeUTC", "Organisations"}
    assert body["Status"] == "OK" and body["DateTimeUTC"].startswith("/Date(")
    assert body["Organisations"][0]["BaseCurrency"] == "AUD"


def test_duplicate_contact_name_fails_the_summarised_request_but_keeps_the_valid_element(box: Any) -> None:
    access, tenant = token(box), box.org.tenant_id
    call(box, "PUT", "/api.xro/2.0/Contacts", {"Contacts": [{"Name": "Buzz Lightyear"}]}, access, tenant)
    status, body = call(
        box,
        "PUT",
        "/api.xro/2.0/Contacts",
        {"Contacts": [{"Name": "Woody"}, {"Name": "buzz lightyear"}]},
        access,
        tenant,
    )
    assert status == 400 and body["Type"] == "ValidationException" and body["ErrorNumber"] == 10
    assert [e["ValidationErrors"][0]["Message"] for e in body["Elements"]] == [
        "The contact name buzz lightyear is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    ]
    names = sorted(c["Name"] for c in box.org.contacts.values())
    assert names == ["Buzz Lightyear", "Woody"]  # not transactional, as in Xero


def test_summarize_errors_false_answers_200_with_a_status_per_element(box: Any) -> None:
    access, tenant = token(box), box.org.tenant_id
    call(box, "PUT", "/api.xro/2.0/Contacts", {"Contacts": [{"Name": "Taken"}]}, access, tenant)
    status, body = call(
        box,
        "PUT",
        "/api.xro/2.0/Contacts?summarizeErrors=False",
        {"Contacts": [{"Name": "Fresh"}, {"Name": "Taken"}]},
        access,
        tenant,
    )
    assert status == 200
    assert [c["StatusAttributeString"] for c in body["Contacts"]] == ["OK", "ERROR"]
    assert body["Contacts"][1]["HasValidationErrors"] is True


def invoice(contact_id: str, number: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "InvoiceNumber": number,
        "Date": "2026-11-20",
        "DueDate": "2026-11-20",
        "Status": "AUTHORISED",
        "LineItems": lines,
        **extra,
    }


def test_tax_is_rounded_per_line_then_summed(box: Any) -> None:
    access, tenant = token(box), box.org.tenant_id
    _, contact = call(box, "PUT", "/api.xro/2.0/Contacts", {"Contacts": [{"Name": "C"}]}, access, tenant)
    lines = [
        {"Description": f"x{n}", "Quantity": 1, "UnitAmount": 0.45, "AccountCode": "200", "TaxType": "OUTPUT"}
        for n in range(3)
    ]
    status, body = call(
        box,
        "PUT",
        "/api.xro/2.0/Invoices",
        {"Invoices": [invoice(contact["Contacts"][0]["ContactID"], "R-1", lines)]},
        access,
        tenant,
    )
    assert status == 200
    created = body["Invoices"][0]
    # 3 x round2(0.045) = 0.15, where a subtotal rounding would give round2(0.135) = 0.14
    assert (created["SubTotal"], created["TotalTax"], created["Total"]) == (
        Decimal("1.35"),
        Decimal("0.15"),
        Decimal("1.5"),
    )
    assert created["DateString"] == "2026-11-20T00:00:00"


def test_invoice_numbers_are_unique_and_omitted_lines_are_deleted(box: Any) -> None:
    access, tenant = token(box), box.org.tenant_id
    _, contact = call(box, "PUT", "/api.xro/2.0/Contacts", {"Contacts": [{"Name": "C"}]}, access, tenant)
    contact_id = contact["Contacts"][0]["ContactID"]
    lines = [
        {"Description": "a", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200", "TaxType": "OUTPUT"},
        {"Description": "b", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200", "TaxType": "OUTPUT"},
    ]
    _, body = call(
        box, "PUT", "/api.xro/2.0/Invoices", {"Invoices": [invoice(contact_id, "U-1", lines)]}, access, tenant
    )
    created = body["Invoices"][0]
    status, again = call(
        box, "PUT", "/api.xro/2.0/Invoices", {"Invoices": [invoice(contact_id, "U-1", lines)]}, access, tenant
    )
    assert status == 400 and again["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    keep = {**created["LineItems"][0]}
    status, updated = call(
        box,
        "POST",
        f"/api.xro/2.0/Invoices/{created['InvoiceID']}",
        {"Invoices": [{"LineItems": [keep]}]},
        access,
        tenant,
    )
    assert status == 200
    assert [line["LineItemID"] for line in updated["Invoices"][0]["LineItems"]] == [keep["LineItemID"]]
    assert updated["Invoices"][0]["Total"] == Decimal("11")


def test_unknown_account_and_tax_type_are_refused_with_xeros_words(box: Any) -> None:
    access, tenant = token(box), box.org.tenant_id
    _, contact = call(box, "PUT", "/api.xro/2.0/Contacts", {"Contacts": [{"Name": "C"}]}, access, tenant)
    lines = [{"Description": "a", "Quantity": 1, "UnitAmount": 1, "AccountCode": "999", "TaxType": "VAT20"}]
    status, body = call(
        box,
        "PUT",
        "/api.xro/2.0/Invoices",
        {"Invoices": [invoice(contact["Contacts"][0]["ContactID"], "E-1", lines)]},
        access,
        tenant,
    )
    messages = body["Elements"][0]["ValidationErrors"]
    assert status == 400
    assert {m["Message"] for m in messages} == {
        "Account code '999' is not a valid code for this document.",
        "The TaxType code 'VAT20' does not exist or cannot be used for this type of transaction.",
    }
