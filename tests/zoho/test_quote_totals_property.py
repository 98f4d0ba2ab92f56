"""Property: any quote or purchase order the CRM's arithmetic computes lands in Xero at its
``Grand_Total``, to the cent: as a Xero quote (unit amounts at 2 dp, a discount keeping each line
exact), a purchase order (2 dp, no discounts: a rounding line for what 2 dp moves) and an ACCPAY
bill (4 dp). The records are the invoice property's (tests/zoho/test_totals_property.py: inclusive
and exclusive, line and record discounts, taxes per line and at total level, adjustments) written
to the simulator as Quotes and Purchase_Orders and read back as its API answers them."""

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.zoho_crm.records import plain
from tests.zoho.test_quotes import PURCHASING, xero_totals
from tests.zoho.test_totals_property import CHOSEN, CRM, ZOHO, invoices
from xerosync.domain import Purchase, Quote
from xerosync.xero import quote_payloads

VENDOR = CRM.store.put("Vendors", {"Vendor_Name": "Property Supplies"}, CRM.user)
SETTINGS = replace(CHOSEN, purchasing=PURCHASING)


def _as(module: str, invoice: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in invoice.items() if k not in ("Invoiced_Items", "Invoice_Date", "Status")}
    if module == "Quotes":
        return {**data, "Quote_Stage": "Delivered", "Quoted_Items": invoice["Invoiced_Items"]}
    data.pop("Account_Name")
    return {**data, "Status": "Approved", "PO_Date": "2026-09-20", "Vendor_Name": {"id": VENDOR["id"]},
            "Purchase_Items": invoice["Invoiced_Items"]}  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices(), st.sampled_from(["Quotes", "Purchase_Orders"]))
def test_xero_total_equals_the_crms_grand_total(invoice: dict[str, Any], module: str) -> None:
    record = CRM.store.put(module, _as(module, invoice), CRM.user)
    answered = json.loads(json.dumps({**plain(record), "$module": module}), parse_float=Decimal)
    document = ZOHO.read_document(answered, SETTINGS)  # type: ignore[attr-defined]
    if isinstance(document, Quote):
        bodies = [quote_payloads.quote(document, "c", SETTINGS)]
    else:
        assert isinstance(document, Purchase)
        bodies = [quote_payloads.purchase_order(document, "c", SETTINGS, PURCHASING),
                  quote_payloads.bill(document, "c", SETTINGS, PURCHASING)]  # fmt: skip
    for body in bodies:
        total, tax = xero_totals(body)
        assert total == answered["Grand_Total"] == document.body.total, body
        assert tax == document.body.total_tax, body
        assert body["LineAmountTypes"].upper() == ("INCLUSIVE" if invoice.get("Tax_Inclusive") else "EXCLUSIVE")
        assert not [li for li in body["LineItems"] if li["Description"].startswith("Difference")], body
