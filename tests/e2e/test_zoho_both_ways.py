"""Zoho CRM and Xero, both ways, on the local stack (local/zoho.py: the Zoho CRM simulator, the stack
with StoreSource=zoho, the Xero sandbox, whose webhooks point at the stack as a merchant points them).

Each change is measured where it lands: Xero's writes at the sandbox (its non-GET calls), xerosync's
CRM writes at the simulator (writes made through the API with ``"trigger": []``; a user's edit in the
CRM's screens runs every trigger). A CRM invoice becomes one Xero invoice (one Xero write); Xero's
event for it writes its number and link back (one CRM write); a payment in Xero shows on the CRM
invoice (one CRM write: status, amounts, dates, number, link); the notification each of those CRM
writes sends back is known as xerosync's own and writes nothing to Xero. A contact without an email
keeps its Xero ContactID on its CRM record and is not duplicated when it changes, even after the
stack lost its mapping and the contact was renumbered in Xero. A paid invoice edited in the CRM is
reported in the sync log, not rewritten in Xero. A part payment whose Xero event was lost reaches the
CRM through the scheduled pull's catch-up, once."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from local.chaos import sync_log
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.state import Limits
from local.zoho import ZohoStack, start
from xerosync.xero.client import XeroClient, XeroCredentials

ROOMY = Limits(concurrent=5, minute=100_000, day=1_000_000)
XERO_WEBHOOK_KEY = "e2e-zoho-xero-webhook-key"


@pytest.fixture(scope="module")
def zoho() -> Iterator[ZohoStack]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("CRM Both Ways Pty Ltd", limits=ROOMY)
    connection = sandbox.add_client([org.tenant_id])
    running = start("e2e-zoho-both", sandbox, org, connection)
    try:
        running.stack.put_secret("XeroWebhookKeySecret", XERO_WEBHOOK_KEY)
        subscription = sandbox.subscribe_webhooks(running.stack.api_url + "/webhooks/xero", XERO_WEBHOOK_KEY)
        assert subscription.intent is not None and subscription.intent.passed, subscription.intent
        yield running
    finally:
        running.stop()
        sandbox.stop()


def one(answers: list[dict[str, Any]]) -> str:
    (answer,) = answers
    assert answer["status"] == "success", answer
    return str(answer["details"]["id"])


def settle(zoho: ZohoStack) -> None:
    """Until the CRM's notifications and Xero's events are delivered and the stack is idle."""
    for _ in range(4):
        assert zoho.settle(), "the stack did not settle"
        if not zoho.sandbox.webhooks.pending():
            return
        assert all(d.status == 200 for d in zoho.sandbox.deliver_webhooks())
    assert zoho.settle() and not zoho.sandbox.webhooks.pending()


def xero_writes(zoho: ZohoStack) -> int:
    return sum(n for (_, endpoint), n in zoho.sandbox.state.calls.items() if not endpoint.startswith("GET"))


def crm_writes(zoho: ZohoStack) -> list[Any]:
    """xerosync's writes to the CRM: through the API, no trigger allowed."""
    return [w for w in zoho.crm.store.writes if w.triggers == ()]


def accountant(zoho: ZohoStack) -> XeroClient:
    """Someone working in Xero by hand (through the API: the sandbox has no screens)."""
    connection = next(iter(zoho.sandbox.state.clients.values()))
    credentials = XeroCredentials(connection.client_id, connection.client_secret)
    return XeroClient(credentials, api_url=zoho.sandbox.url, identity_url=zoho.sandbox.url)


def logged(zoho: ZohoStack, key: str) -> list[dict[str, Any]]:
    return sorted((e for e in sync_log(zoho.stack) if e.get("key") == key), key=lambda e: str(e.get("at", "")))


@pytest.fixture(scope="module")
def paid(zoho: ZohoStack) -> dict[str, Any]:
    """A CRM invoice made in the CRM, invoiced in Xero and paid there, measured at each step."""
    crm = zoho.crm
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Both Ways Ltd", "Billing_Country": "Australia"}]))
    product = one(crm.user_edit("Products", [{"Product_Name": "Support plan", "Product_Code": "SUP-1",
                                              "Unit_Price": Decimal("120")}]))  # fmt: skip
    settle(zoho)
    record = crm.store.get("Accounts", account)
    assert record is not None and record.get("Xero_Contact_ID") in zoho.org.contacts  # kept on the account

    made = {"xero": xero_writes(zoho), "crm": len(crm_writes(zoho))}
    invoice = one(crm.user_edit("Invoices", [{
        "Subject": "Support", "Invoice_Number": "INV-BOTH-1", "Invoice_Date": "2026-09-01", "Status": "Approved",
        "Account_Name": {"id": account},
        "Invoiced_Items": [{"Product_Name": {"id": product}, "Quantity": 2, "Line_Tax": [{"name": "GST",
                                                                                          "percentage": 10}]}],
    }]))  # fmt: skip
    settle(zoho)
    created = {"xero": xero_writes(zoho) - made["xero"], "crm": crm_writes(zoho)[made["crm"] :]}

    (found,) = [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-BOTH-1"]
    before = {"xero": xero_writes(zoho), "crm": len(crm_writes(zoho))}
    payment = {"Invoice": {"InvoiceID": found["InvoiceID"]}, "Account": {"Code": "090"},
               "Date": date(2026, 9, 10).isoformat(), "Amount": Decimal(str(found["AmountDue"]))}  # fmt: skip
    assert accountant(zoho).create_payments([payment], idempotency_key="both-ways-payment")[0].ok
    accountant_writes = xero_writes(zoho) - before["xero"]
    settle(zoho)
    after = {"xero": xero_writes(zoho) - before["xero"] - accountant_writes, "crm": crm_writes(zoho)[before["crm"] :]}
    return {"account": account, "product": product, "invoice": invoice, "xero_invoice": found, "created": created,
            "paid": after}  # fmt: skip


def test_a_crm_invoice_costs_one_xero_write_and_its_number_comes_back_in_one_crm_write(
    zoho: ZohoStack, paid: dict[str, Any]
) -> None:
    created = paid["created"]
    assert created["xero"] == 1, created  # the invoice, nothing else
    # Xero's event for that invoice writes its number, link and amount due to the CRM record: once
    assert [(w.module, w.id, w.operation) for w in created["crm"]] == [("Invoices", paid["invoice"], "update")]
    assert {"Xero_Number", "Xero_Link", "Xero_Amount_Due"} <= set(created["crm"][0].fields)
    found = paid["xero_invoice"]
    record = zoho.crm.store.get("Invoices", paid["invoice"])
    assert record is not None and Decimal(str(found["Total"])) == Decimal(str(record["Grand_Total"]))


def test_a_payment_in_xero_shows_on_the_crm_invoice_in_one_write_and_goes_no_further(
    zoho: ZohoStack, paid: dict[str, Any]
) -> None:
    assert paid["paid"]["xero"] == 0, paid["paid"]  # the notification of the CRM write wrote nothing to Xero
    [write] = paid["paid"]["crm"]
    assert (write.module, write.id, write.operation, write.triggers) == ("Invoices", paid["invoice"], "update", ())
    record = zoho.crm.store.get("Invoices", paid["invoice"])
    assert record is not None
    found = zoho.org.invoices[paid["xero_invoice"]["InvoiceID"]]
    assert found["Status"] == "PAID"
    assert record["Status"] == "Paid"
    assert Decimal(str(record["Xero_Amount_Paid"])) == Decimal(str(found["Total"]))
    assert Decimal(str(record["Xero_Amount_Due"])) == 0
    assert record["Xero_Paid_On"] == record["Xero_Last_Payment_On"] == "2026-09-10"
    assert record["Xero_Number"] == "ZC-INV-BOTH-1"
    assert found["InvoiceID"] in record["Xero_Link"]
    # and the sync says why nothing went to Xero: the notification was its own write coming back
    entries = logged(zoho, f"order:Invoices:{paid['invoice']}")
    own = [e for e in entries if "xerosync's own write" in str(e.get("reason", ""))]
    assert len(own) >= 2 and all(e["outcome"] == "skipped" for e in own), entries


def test_a_paid_invoice_edited_in_the_crm_is_reported_not_rewritten(zoho: ZohoStack, paid: dict[str, Any]) -> None:
    before = xero_writes(zoho)
    total = paid["xero_invoice"]["Total"]
    three = {"Product_Name": {"id": paid["product"]}, "Quantity": 3, "Line_Tax": [{"name": "GST", "percentage": 10}]}
    zoho.crm.user_edit("Invoices", [{"id": paid["invoice"], "Invoiced_Items": [three]}])
    settle(zoho)
    assert xero_writes(zoho) == before  # no edit, no adjustment: Xero's invoice stays as paid
    found = zoho.org.invoices[paid["xero_invoice"]["InvoiceID"]]
    assert Decimal(str(found["Total"])) == Decimal(str(total)) and found["Status"] == "PAID"
    [last] = logged(zoho, f"order:Invoices:{paid['invoice']}")[-1:]
    assert last["outcome"] == "skipped"
    assert "was paid in Xero (total 264.00 -> 396.00): not rewritten, reported" in last["reason"], last


def test_a_contact_without_email_keeps_its_xero_id_and_is_not_duplicated(zoho: ZohoStack) -> None:
    crm = zoho.crm
    contact = one(crm.user_edit("Contacts", [{"First_Name": "Wen", "Last_Name": "Zhou", "Phone": "555-10"}]))
    settle(zoho)
    record = crm.store.get("Contacts", contact)
    assert record is not None
    contact_id = str(record.get("Xero_Contact_ID"))
    assert zoho.org.contacts[contact_id]["ContactNumber"] == f"Contacts:{contact}"
    writes = xero_writes(zoho)

    # the accountant renumbers the contact in Xero, and the stack loses its mapping of it
    renumbered = {"ContactID": contact_id, "ContactNumber": "WEN-1"}
    assert accountant(zoho).update_contacts([renumbered], idempotency_key="renumber-wen")[0].ok
    zoho.stack.client("dynamodb").delete_item(
        TableName=zoho.stack.resources["MappingsTable"], Key={"pk": {"S": f"customer:Contacts:{contact}"},
                                                               "sk": {"S": "mapping"}}
    )  # fmt: skip
    settle(zoho)
    crm.user_edit("Contacts", [{"id": contact, "Phone": "555-11"}])
    settle(zoho)
    same = [c for c in zoho.org.contacts.values() if str(c.get("Name", "")).startswith("Wen Zhou")]
    assert len(same) == 1 and same[0]["ContactID"] == contact_id, same
    assert [p["PhoneNumber"] for p in same[0]["Phones"] if p.get("PhoneNumber")] == ["555-11"]
    assert xero_writes(zoho) == writes + 2  # the accountant's renumbering, then the one update


def test_a_part_payment_whose_xero_event_was_lost_is_written_back_by_the_pull(
    zoho: ZohoStack, paid: dict[str, Any]
) -> None:
    crm = zoho.crm
    two = {"Product_Name": {"id": paid["product"]}, "Quantity": 1}
    row = {"Subject": "Support, later", "Invoice_Number": "INV-BOTH-2", "Invoice_Date": "2026-09-02",
           "Status": "Approved", "Account_Name": {"id": paid["account"]}, "Invoiced_Items": [two]}  # fmt: skip
    invoice = one(crm.user_edit("Invoices", [row]))
    settle(zoho)
    (found,) = [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-BOTH-2"]
    payment = {"Invoice": {"InvoiceID": found["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-09-12",
               "Amount": Decimal("20.00")}  # fmt: skip
    assert accountant(zoho).create_payments([payment], idempotency_key="both-ways-part")[0].ok
    for subscription in zoho.sandbox.webhooks.subscriptions:  # Xero's event is lost
        subscription.queue.clear()
    before = {"xero": xero_writes(zoho), "crm": len(crm_writes(zoho))}
    result = zoho.stack.run_schedule("PullFunction")  # lists what Xero changed since its watermark
    assert result.ok, result.error
    settle(zoho)
    [write] = crm_writes(zoho)[before["crm"] :]
    assert (write.module, write.id) == ("Invoices", invoice)
    record = crm.store.get("Invoices", invoice)
    assert record is not None and record["Status"] == "Approved"  # PART_PAID is not in the default map
    assert Decimal(str(record["Xero_Amount_Paid"])) == Decimal("20.00")
    assert Decimal(str(record["Xero_Amount_Due"])) == Decimal(str(found["Total"])) - Decimal("20.00")
    assert record["Xero_Last_Payment_On"] == "2026-09-12" and not record.get("Xero_Paid_On")
    assert xero_writes(zoho) == before["xero"]  # and its notification wrote nothing to Xero
    again = zoho.stack.run_schedule("PullFunction")  # in step: nothing more to write back
    assert again.ok and len(crm_writes(zoho)) == before["crm"] + 1
