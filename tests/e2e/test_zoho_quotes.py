"""CRM Quotes and Purchase Orders end to end: the Zoho CRM simulator -> its notification channel ->
the local stack (StoreSource=zoho, local/zoho-settings.yaml) -> the Xero sandbox.

A CRM quote becomes one Xero quote at the CRM's Grand_Total and follows its stage; a CRM purchase
order becomes one Xero purchase order from its vendor's contact, or, with ``purchasing.as_bills``,
one ACCPAY bill; a notification of a change the books do not see writes nothing, nothing is ever
made twice, and a purchase order deleted in the CRM is deleted in Xero (its approved bill voided)."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from local.zoho import SETTINGS, ZohoStack, start
from tests.e2e.test_zoho_sync import ROOMY, one, writes

pytestmark = pytest.mark.e2e


def _stack(name: str, settings: str) -> Iterator[ZohoStack]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("CRM Traders Pty Ltd", limits=ROOMY)
    running = start(name, sandbox, org, sandbox.add_client([org.tenant_id]), settings=settings)
    try:
        yield running
    finally:
        running.stop()
        sandbox.stop()


@pytest.fixture(scope="module")
def zoho() -> Iterator[ZohoStack]:
    yield from _stack("e2e-zoho-quotes", SETTINGS.read_text())


@pytest.fixture(scope="module")
def zoho_bills() -> Iterator[ZohoStack]:
    text = SETTINGS.read_text()
    assert "as_bills: false" in text
    yield from _stack("e2e-zoho-bills", text.replace("as_bills: false", "as_bills: true"))


def rows(crm: Any) -> list[dict[str, Any]]:
    product = one(crm.user_edit("Products", [{"Product_Name": "Widget", "Unit_Price": Decimal("3.3333")}]))
    return [
        {"Product_Name": {"id": product}, "Quantity": 7, "Discount": "12.5%",
         "Line_Tax": [{"name": "GST", "percentage": 10}]},
        {"Product_Name": {"id": product}, "Quantity": 3, "List_Price": Decimal("0.99"), "Discount": Decimal("0.13")},
    ]  # fmt: skip


def grand_total(crm: Any, module: str, rid: str) -> Decimal:
    return Decimal(str(crm.store.get(module, rid)["Grand_Total"]))


def test_a_crm_quote_becomes_one_xero_quote_and_follows_its_stage(zoho: ZohoStack) -> None:
    crm = zoho.crm
    account = one(crm.user_edit("Accounts", [{"Account_Name": "Quoted Co", "Email": "buy@quoted.example"}]))
    lines = rows(crm)
    assert zoho.settle()
    quote = one(crm.user_edit("Quotes", [{"Subject": "Spring offer", "Quote_Number": "Q-1001", "Quote_Stage":
                                          "Delivered", "Valid_Till": "2026-12-31", "Account_Name": {"id": account},
                                          "Discount": "3%", "Adjustment": Decimal("-0.07"),
                                          "Quoted_Items": lines}]))  # fmt: skip
    assert zoho.settle(), "the stack did not settle"
    (made,) = [q for q in zoho.org.quotes.values() if q["QuoteNumber"] == "Q-1001"]
    assert made["Status"] == "SENT" and made["Title"] == "Spring offer"
    assert str(made["ExpiryDate"]).startswith("2026-12-31")
    assert Decimal(str(made["Total"])) == grand_total(crm, "Quotes", quote)
    assert zoho.org.contacts[made["ContactID"]]["ContactNumber"] == f"Accounts:{account}"

    crm.user_edit("Quotes", [{"id": quote, "Quote_Stage": "Closed Won"}])
    assert zoho.settle()
    assert [q["Status"] for q in zoho.org.quotes.values() if q["QuoteNumber"] == "Q-1001"] == ["ACCEPTED"]

    # notified again of a change the books do not see: nothing written, still one quote
    before = writes(zoho)
    crm.user_edit("Quotes", [{"id": quote, "Subject": "Spring offer"}])
    assert zoho.settle()
    assert writes(zoho) == before
    assert len([q for q in zoho.org.quotes.values() if q["QuoteNumber"] == "Q-1001"]) == 1
    assert all(depth == 0 for name, depth in zoho.stack.queue_depths().items() if name.endswith("DLQ"))


def _purchase_order(zoho: ZohoStack, number: str) -> tuple[str, str]:
    crm = zoho.crm
    vendor = one(crm.user_edit("Vendors", [{"Vendor_Name": f"Parts Ltd {number}", "Email": f"{number}@parts.example"}]))
    lines = rows(crm)
    assert zoho.settle()
    order = one(crm.user_edit("Purchase_Orders", [{"Subject": "Restock", "PO_Number": number, "Status": "Approved",
                                                   "PO_Date": "2026-09-10", "Due_Date": "2026-09-30",
                                                   "Vendor_Name": {"id": vendor}, "Tax_Inclusive": True,
                                                   "Purchase_Items": lines}]))  # fmt: skip
    assert zoho.settle(), "the stack did not settle"
    return vendor, order


def _notified_again_writes_nothing(zoho: ZohoStack, order: str) -> None:
    before = writes(zoho)
    zoho.crm.user_edit("Purchase_Orders", [{"id": order, "Subject": "Restock"}])
    assert zoho.settle()
    assert writes(zoho) == before


def _deleted_in_the_crm(zoho: ZohoStack, order: str) -> None:
    _, change = zoho.crm.store.delete("Purchase_Orders", [order], zoho.crm.user)
    zoho.crm.changed(change)  # the channel tells the stack, as for a deletion in the CRM's screens
    assert zoho.settle()


def test_a_crm_purchase_order_becomes_one_xero_purchase_order_from_its_vendor(zoho: ZohoStack) -> None:
    vendor, order = _purchase_order(zoho, "PO-2001")
    (made,) = [o for o in zoho.org.purchase_orders.values() if o["PurchaseOrderNumber"] == "PO-2001"]
    assert made["Status"] == "AUTHORISED" and made["LineAmountTypes"] == "Inclusive"
    assert Decimal(str(made["Total"])) == grand_total(zoho.crm, "Purchase_Orders", order)
    assert zoho.org.contacts[made["ContactID"]]["ContactNumber"] == f"Vendors:{vendor}"
    assert {line["AccountCode"] for line in made["LineItems"]} <= {"310", "860"}
    _notified_again_writes_nothing(zoho, order)
    assert len([o for o in zoho.org.purchase_orders.values() if o["PurchaseOrderNumber"] == "PO-2001"]) == 1
    assert not [i for i in zoho.org.invoices.values() if i["Type"] == "ACCPAY"]
    _deleted_in_the_crm(zoho, order)
    assert made["Status"] == "DELETED"


def test_with_the_setting_a_crm_purchase_order_becomes_one_accpay_bill(zoho_bills: ZohoStack) -> None:
    vendor, order = _purchase_order(zoho_bills, "PO-3001")
    (bill,) = [i for i in zoho_bills.org.invoices.values() if i["InvoiceNumber"] == "PO-3001"]
    assert (bill["Type"], bill["Status"]) == ("ACCPAY", "AUTHORISED")
    assert str(bill["DueDate"]).startswith("2026-09-30")
    assert Decimal(str(bill["Total"])) == grand_total(zoho_bills.crm, "Purchase_Orders", order)
    assert zoho_bills.org.contacts[bill["ContactID"]]["ContactNumber"] == f"Vendors:{vendor}"
    _notified_again_writes_nothing(zoho_bills, order)
    assert len([i for i in zoho_bills.org.invoices.values() if i["InvoiceNumber"] == "PO-3001"]) == 1
    assert not zoho_bills.org.purchase_orders
    _deleted_in_the_crm(zoho_bills, order)
    assert bill["Status"] == "VOIDED"  # an approved bill is voided, not deleted


def test_a_bill_paid_in_xero_is_written_back_to_its_crm_purchase_order(zoho_bills: ZohoStack) -> None:
    """Xero → CRM for purchases: the accountant pays the bill in Xero; the scheduled pull (Xero's
    documents modified since its watermark) writes what Xero holds to the purchase order once."""
    from tests.e2e.test_zoho_both_ways import accountant, crm_writes

    _, order = _purchase_order(zoho_bills, "PO-3002")
    (bill,) = [i for i in zoho_bills.org.invoices.values() if i["InvoiceNumber"] == "PO-3002"]
    payment = {"Invoice": {"InvoiceID": bill["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-10-01",
               "Amount": Decimal(str(bill["AmountDue"]))}  # fmt: skip
    assert accountant(zoho_bills).create_payments([payment], idempotency_key="bill-paid-po-3002")[0].ok
    before = {"xero": writes(zoho_bills), "crm": len(crm_writes(zoho_bills))}
    result = zoho_bills.stack.run_schedule("PullFunction")
    assert result.ok, result.error
    assert zoho_bills.settle()
    mine = [w for w in crm_writes(zoho_bills)[before["crm"] :] if w.module == "Purchase_Orders"]
    assert [(w.id, w.operation) for w in mine] == [(order, "update")], mine
    record = zoho_bills.crm.store.get("Purchase_Orders", order)
    assert record is not None
    assert bill["Status"] == "PAID"
    assert Decimal(str(record["Xero_Amount_Paid"])) == Decimal(str(bill["Total"]))
    assert Decimal(str(record["Xero_Amount_Due"])) == 0
    assert record["Xero_Paid_On"] == "2026-10-01"
    assert record["Xero_Number"] == "PO-3002" and bill["InvoiceID"] in record["Xero_Link"]
    assert writes(zoho_bills) == before["xero"]  # the CRM's notification of that write goes no further
    again = zoho_bills.stack.run_schedule("PullFunction")
    assert again.ok and len(crm_writes(zoho_bills)) == before["crm"] + len(mine)
