"""A Zoho CRM organisation end to end: the Zoho CRM simulator (OAuth in its data centre, the v8
records API with its inventory arithmetic, notification channels POSTing ids only) -> the local
stack deployed with StoreSource=zoho (local/zoho.py) -> the Xero sandbox.

The stack enables its own notification channel (its reconciliation); a CRM invoice's notification,
delivered by that channel to ``/webhooks/zoho``, becomes exactly one Xero invoice at the CRM's
Grand_Total; a delivery with another token is refused (401) and enqueues nothing; a contact without
an email, changed twice, is still one Xero contact; a Quote makes no invoice and fails nothing (its
Xero quote: test_zoho_quotes.py)."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.state import Limits
from local.zoho import ZohoStack, start
from tests.e2e.conftest import operator
from xerosync import sources
from xerosync.cli import app
from xerosync.webhooks import by_reference

ROOMY = Limits(concurrent=5, minute=100_000, day=1_000_000)


@pytest.fixture(scope="module")
def zoho() -> Iterator[ZohoStack]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("CRM Traders Pty Ltd", limits=ROOMY)
    connection = sandbox.add_client([org.tenant_id])
    running = start("e2e-zoho", sandbox, org, connection)
    try:
        yield running
    finally:
        running.stop()
        sandbox.stop()


def one(answers: list[dict[str, Any]]) -> str:
    (answer,) = answers
    assert answer["status"] == "success", answer
    return str(answer["details"]["id"])


def test_the_stack_enables_its_own_channel(zoho: ZohoStack) -> None:
    assert zoho.subscribed and all(": create" in line or ": ok" in line for line in zoho.subscribed), zoho.subscribed
    assert zoho.crm.channels is not None
    (channel,) = zoho.crm.channels.live(zoho.crm.now())
    assert channel.notify_url == zoho.webhook_url


def test_a_crm_invoice_becomes_one_xero_invoice_at_its_grand_total(zoho: ZohoStack) -> None:
    crm = zoho.crm
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Bentley Systems", "Billing_Country": "Australia"}]))
    product = one(crm.user_edit("Products", [{"Product_Name": "CRM Suite", "Product_Code": "CRM-SUITE",
                                              "Unit_Price": Decimal("999")}]))  # fmt: skip
    assert zoho.settle(), "the stack did not settle"
    invoice = one(
        crm.user_edit(
            "Invoices",
            [
                {
                    "Subject": "Renewal",
                    "Invoice_Number": "INV-3021",
                    "Invoice_Date": "2026-09-01",
                    "Status": "Approved",
                    "Account_Name": {"id": account},
                    "Discount": Decimal("10"),
                    "Adjustment": Decimal("-0.35"),
                    "Invoiced_Items": [
                        {
                            "Product_Name": {"id": product},
                            "Quantity": 3,
                            "Discount": "5%",
                            "Line_Tax": [{"name": "GST", "percentage": 10}],
                        },
                        {"Product_Name": {"id": product}, "Quantity": 1, "List_Price": Decimal("19.99")},
                    ],
                }
            ],
        )
    )
    assert zoho.settle(), "the stack did not settle"
    assert crm.channels is not None  # every notification answered 200 (Zoho does not deliver one again)
    assert {d.status for d in crm.channels.deliveries if not d.dropped} == {200}
    grand = Decimal(str(crm.store.get("Invoices", invoice)["Grand_Total"]))  # type: ignore[index]
    found = [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-3021"]
    assert len(found) == 1, found
    assert Decimal(str(found[0]["Total"])) == grand
    contact = zoho.org.contacts[found[0]["ContactID"]]
    assert contact["ContactNumber"] == f"Accounts:{account}" and contact["Name"] == "Bentley Systems"
    items = [i for i in zoho.org.items.values() if i["Code"] == "CRM-SUITE"]
    assert len(items) == 1

    # the same notification delivered again (Zoho retrying, or a second channel) writes nothing
    before = writes(zoho)
    crm.user_edit("Invoices", [{"id": invoice, "Subject": "Renewal"}])  # nothing the books see changes
    assert zoho.settle()
    assert writes(zoho) == before
    assert len([i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-3021"]) == 1


def writes(zoho: ZohoStack) -> int:
    calls = zoho.sandbox.state.calls.items()
    return sum(n for (_, endpoint), n in calls if not endpoint.startswith("GET"))


def post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_a_wrong_channel_token_is_refused_and_nothing_is_enqueued(zoho: ZohoStack) -> None:
    assert zoho.settle()
    sent_before = sum(stats.records for stats in zoho.stack.poller_stats.values())
    body = {"server_time": 1790000000000, "module": "Invoices", "ids": ["5725767000011400011"],
            "operation": "update", "channel_id": "1", "token": "not-the-channel-token"}  # fmt: skip
    assert post(zoho.webhook_url, body) == 401
    assert post(zoho.webhook_url, {**body, "token": None}) == 401
    assert zoho.settle()
    assert all(depth == 0 for depth in zoho.stack.queue_depths().values())
    assert sum(stats.records for stats in zoho.stack.poller_stats.values()) == sent_before


def test_a_contact_without_email_changed_twice_is_one_xero_contact(zoho: ZohoStack) -> None:
    crm = zoho.crm
    contact = one(crm.user_edit("Contacts", [{"First_Name": "Omar", "Last_Name": "Haddad", "Phone": "555-1"}]))
    assert zoho.settle()
    crm.user_edit("Contacts", [{"id": contact, "Phone": "555-2"}])
    assert zoho.settle()
    crm.user_edit("Contacts", [{"id": contact, "Mailing_City": "Brisbane"}])
    assert zoho.settle()
    same = [c for c in zoho.org.contacts.values() if c.get("ContactNumber") == f"Contacts:{contact}"]
    assert len(same) == 1, same
    assert [c for c in zoho.org.contacts.values() if c.get("Name", "").startswith("Omar Haddad")] == same
    phones = [p.get("PhoneNumber") for p in same[0].get("Phones", [])]
    assert "555-2" in phones and same[0]["Addresses"][0]["City"] == "Brisbane"


def test_a_quote_makes_no_invoice_and_fails_nothing(zoho: ZohoStack) -> None:
    crm = zoho.crm
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Quoted Co"}]))
    product = one(crm.user_edit("Products", [{"Product_Name": "Quoted thing", "Product_Code": "Q-1",
                                              "Unit_Price": Decimal("5")}]))  # fmt: skip
    assert zoho.settle()
    before = len(zoho.org.invoices)
    failed = sum(stats.failed_records for stats in zoho.stack.poller_stats.values())
    one(crm.user_edit("Quotes", [{"Subject": "A quote", "Account_Name": {"id": account},
                                  "Quoted_Items": [{"Product_Name": {"id": product}, "Quantity": 2}]}]))  # fmt: skip
    assert zoho.settle()
    assert len(zoho.org.invoices) == before
    assert sum(stats.failed_records for stats in zoho.stack.poller_stats.values()) == failed
    assert all(depth == 0 for name, depth in zoho.stack.queue_depths().items() if name.endswith("DLQ"))


def test_a_tax_inclusive_invoice_with_tax_at_total_level_lands_at_its_grand_total(zoho: ZohoStack) -> None:
    crm = zoho.crm
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Inclusive Traders"}]))
    product = one(crm.user_edit("Products", [{"Product_Name": "Gadget", "Product_Code": "GADGET-1",
                                              "Unit_Price": Decimal("33.33")}]))  # fmt: skip
    rows = [
        {"Product_Name": {"id": product}, "Quantity": 7, "Discount": Decimal("4.44")},
        {"Product_Name": {"id": product}, "Quantity": 2, "List_Price": Decimal("0.99"), "Discount": "12.5%"},
    ]
    invoice = one(
        crm.user_edit(
            "Invoices",
            [
                {
                    "Subject": "Inclusive",
                    "Invoice_Number": "INV-INCL-1",
                    "Invoice_Date": "2026-09-02",
                    "Status": "Delivered",
                    "Account_Name": {"id": account},
                    "Tax_Inclusive": True,
                    "$line_tax": [{"name": "GST", "percentage": 10}],
                    "Discount": "3%",
                    "Adjustment": Decimal("0.07"),
                    "Invoiced_Items": rows,
                }
            ],
        )
    )
    assert zoho.settle(), "the stack did not settle"
    record = crm.store.get("Invoices", invoice)
    assert record is not None
    (found,) = [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-INCL-1"]
    assert found["LineAmountTypes"] == "Inclusive"
    assert Decimal(str(found["Total"])) == Decimal(str(record["Grand_Total"]))
    assert Decimal(str(found["TotalTax"])) == Decimal(str(record["Tax"]))  # the GST inside, to the cent


def test_a_lost_notification_is_made_good_by_the_reconciliation(zoho: ZohoStack) -> None:
    crm = zoho.crm
    assert crm.channels is not None
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Missed Co"}]))
    product = one(crm.user_edit("Products", [{"Product_Name": "Missed thing", "Product_Code": "MISSED-1",
                                              "Unit_Price": Decimal("12.50")}]))  # fmt: skip
    assert zoho.settle()
    crm.channels.faults.drop = 1  # Zoho documents no retries: a notification lost is lost
    missed = {
        "Subject": "Missed",
        "Invoice_Number": "INV-MISSED",
        "Status": "Approved",
        "Account_Name": {"id": account},
        "Invoice_Date": "2026-09-03",
        "Invoiced_Items": [{"Product_Name": {"id": product}, "Quantity": 4}],
    }
    invoice = one(crm.user_edit("Invoices", [missed]))
    assert zoho.settle()
    assert not [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-MISSED"]
    result = zoho.stack.run_schedule("ReconcileFunction")  # lists records by Modified_Time since its watermark
    assert result.ok, result.error
    assert zoho.settle()
    (found,) = [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-MISSED"]
    assert Decimal(str(found["Total"])) == Decimal(str(crm.store.get("Invoices", invoice)["Grand_Total"]))  # type: ignore[index]
    # and a second run finds everything in step: nothing more is written
    before = writes(zoho)
    assert zoho.stack.run_schedule("ReconcileFunction").ok
    assert zoho.settle()
    assert writes(zoho) == before


def test_a_dead_lettered_invoice_is_brought_in_once_by_xerosync_retry(zoho: ZohoStack) -> None:
    """A record its queue gave up on (MaxReceiveCount receives, bench/README.md "Zoho CRM") is on
    the dead-letter queue as it was first sent: ``xerosync retry`` sends it back and it becomes
    exactly one Xero invoice; the same record dead-lettered and sent back again writes nothing.
    (The reconciliation brings in only records changed since its watermark: a record of a
    history pushed before install is healed by ``xerosync retry``.)"""
    crm = zoho.crm
    assert crm.channels is not None
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Dead Letter Pty Ltd"}]))
    product = one(crm.user_edit("Products", [{"Product_Name": "Retried thing", "Product_Code": "RETRIED-1",
                                              "Unit_Price": Decimal("40")}]))  # fmt: skip
    assert zoho.settle()
    crm.channels.faults.drop = 1  # its notification goes to the dead-letter queue below instead
    invoice = {
        "Subject": "Dead-lettered",
        "Invoice_Number": "INV-DLQ-1",
        "Status": "Approved",
        "Account_Name": {"id": account},
        "Invoice_Date": "2026-09-04",
        "Invoiced_Items": [{"Product_Name": {"id": product}, "Quantity": 3}],
    }
    invoice_id = one(crm.user_edit("Invoices", [invoice]))
    assert zoho.settle()
    (notified,) = [d for d in crm.channels.deliveries if d.dropped and str(invoice_id) in json.dumps(d.body)]
    # what the ingress enqueued for that notification, where SQS's redrive policy leaves it
    decision = sources.decider("zoho")({}, json.dumps(notified.body).encode(), lambda: zoho.token, None)
    (message,) = decision.messages
    sqs = zoho.stack.client("sqs")
    dead = zoho.stack.queue_url("OrdersDLQ")

    def dead_letter() -> None:
        sqs.send_message(
            QueueUrl=dead,
            MessageBody=by_reference(message.body),
            MessageAttributes={"record": {"DataType": "String", "StringValue": message.group}},
        )

    def retry() -> str:
        with operator(zoho.stack):
            result = CliRunner().invoke(app, ["retry", "--queue", "orders"], env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        return result.output

    dead_letter()
    assert not [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-DLQ-1"]
    assert "orders: 1 sent back" in retry()
    assert zoho.settle()
    (found,) = [i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-DLQ-1"]
    assert Decimal(str(found["Total"])) == Decimal(str(crm.store.get("Invoices", invoice_id)["Grand_Total"]))  # type: ignore[index]
    assert zoho.stack.queue_depths()["OrdersDLQ"] == 0
    before = writes(zoho)
    dead_letter()  # a second copy of the record (a duplicate notification) given up on as well
    assert "orders: 1 sent back" in retry()
    assert zoho.settle()
    assert writes(zoho) == before
    assert len([i for i in zoho.org.invoices.values() if i["InvoiceNumber"] == "ZC-INV-DLQ-1"]) == 1
