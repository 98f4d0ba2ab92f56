"""Our Xero client (over xero-python) against the sandbox over HTTP."""

import socket
from decimal import Decimal
from typing import Any

import pytest

from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.errors import XeroAuthError, XeroRejected, XeroTransientError
from xerosync.xero.tokens import ClientCredentials


def test_finds_its_tenant_through_connections(xero: XeroClient, sandbox: Any) -> None:
    assert xero.tenant_id() == sandbox.org.tenant_id


def test_one_token_serves_many_calls(xero: XeroClient, sandbox: Any) -> None:
    ClientCredentials.forget()
    for _ in range(3):
        xero.organisation()
    assert len(sandbox.state.tokens) == 1


def test_creates_and_finds_contacts_with_decimal_money(xero: XeroClient) -> None:
    [created] = xero.create_contacts(
        [{"Name": "Jane Citizen", "ContactNumber": "12", "EmailAddress": "j@x.au"}], idempotency_key="t1"
    )
    assert created.ok
    assert xero.contacts_by_number(["12"])[0]["ContactID"] == created.record["ContactID"]
    assert xero.contacts_by_email("J@X.AU")[0]["Name"] == "Jane Citizen"
    # what the sync asks: by number or by email, in one call
    assert [c["Name"] for c in xero.contacts_matching("nobody", "J@X.AU")] == ["Jane Citizen"]
    assert [c["Name"] for c in xero.contacts_matching("12", "")] == ["Jane Citizen"]
    assert xero.contacts_matching(None, "") == [] and xero.contacts_matching("13", "k@x.au") == []
    [contact] = xero.contacts_by_number(["12"])
    [invoice] = xero.create_invoices(
        [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "InvoiceNumber": "T-1",
                "Date": "2026-11-20",
                "Status": "AUTHORISED",
                "LineItems": [
                    {
                        "Description": "x",
                        "Quantity": Decimal("3"),
                        "UnitAmount": Decimal("19.9950"),
                        "AccountCode": "200",
                        "TaxType": "OUTPUT",
                    }
                ],
            }
        ],
        idempotency_key="t2",
    )
    assert invoice.ok
    found = xero.invoices_by_number(["T-1"])[0]
    assert isinstance(found["Total"], Decimal)
    assert found["LineItems"][0]["UnitAmount"] == Decimal("19.995")  # unitdp=4 kept the fourth decimal


def test_a_bad_element_fails_alone(xero: XeroClient, sandbox: Any) -> None:
    results = xero.create_contacts([{"Name": "Same"}, {"Name": "Other"}, {"Name": "same"}], idempotency_key="t3")
    assert [r.ok for r in results] == [True, True, False]
    assert "already assigned to another contact" in results[2].errors[0]
    assert len(sandbox.org.contacts) == 2


def test_a_rejected_single_update_raises_with_xeros_message(xero: XeroClient) -> None:
    [contact] = xero.create_contacts([{"Name": "C"}], idempotency_key="t4")
    [invoice] = xero.create_invoices(
        [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact.record["ContactID"]},
                "Status": "AUTHORISED",
                "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"}],
            }
        ],
        idempotency_key="t5",
    )
    with pytest.raises(XeroRejected) as caught:
        xero.update_invoice(invoice.record["InvoiceID"], {"Status": "DELETED"}, idempotency_key="t6")
    assert caught.value.messages == ["Invoice not of valid status for modification"]


def test_wrong_credentials_are_an_auth_error_not_a_retry(sandbox: Any) -> None:
    ClientCredentials.forget()
    bad = XeroClient(
        XeroCredentials(sandbox.connection.client_id, "wrong"), api_url=sandbox.url, identity_url=sandbox.url
    )
    with pytest.raises(XeroAuthError):
        bad.organisation()


def test_a_token_revoked_early_is_replaced_once(xero: XeroClient, sandbox: Any) -> None:
    xero.organisation()
    sandbox.state.tokens.clear()  # Xero forgot the token before it expired
    assert xero.organisation()["Name"] == "Test Store Pty Ltd"


def test_unreachable_xero_is_transient(sandbox: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ClientCredentials.forget()
    down = XeroClient(
        XeroCredentials("a", "b"), api_url=f"http://127.0.0.1:{port}", identity_url=f"http://127.0.0.1:{port}"
    )
    with pytest.raises(XeroTransientError):
        down.organisation()


def test_credentials_never_print_the_secret() -> None:
    assert "s3cret" not in repr(XeroCredentials("id", "s3cret"))
