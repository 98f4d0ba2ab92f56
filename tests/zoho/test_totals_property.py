"""Property: any invoice the CRM's arithmetic computes lands in Xero at its ``Grand_Total``, to the cent.

Invoices hypothesis makes up (prices with tax included and not; lines with discounts as amounts and
as percentages, none, one or two taxes; a record discount as an amount or a percentage; taxes at
total level; a positive or negative adjustment) are written to the Zoho CRM simulator's records,
which computes their totals (local/zoho_crm/arithmetic.py), and read back as its API answers them
(JSON, money as numbers). The source reads each into a sale, the core's payload builder makes the
Xero invoice, and Xero's own per-line arithmetic (round2(Quantity x UnitAmount) - DiscountAmount,
each line's TaxAmount) gives its Total: equal to the CRM's Grand_Total, its tax the sale's, and no
line needed to explain a difference (the CRM's own parts add up to its total)."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import plain
from tests.zoho.test_mapping import EVERY_STATUS, xero_totals
from tests.zoho.test_mapping import settings as store_settings
from xerosync.domain import Sale
from xerosync.sources import source
from xerosync.xero import payloads

D = Decimal
TAXES = (
    {"name": "GST", "percentage": 10},
    {"name": "VAT", "percentage": 20},
    {"name": "Sales Tax", "percentage": 8.25},
)
ZOHO = source("zoho")
CRM = Simulator(base_clock=lambda: datetime(2026, 9, 20, 12, 0, tzinfo=UTC))
ACCOUNT = CRM.store.put("Accounts", {"Account_Name": "Property Traders"}, CRM.user)
PRODUCTS = [
    CRM.store.put(
        "Products", {"Product_Name": f"Product {n}", "Product_Code": f"P-{n}", "Unit_Price": D("9.99")}, CRM.user
    )
    for n in range(3)
]
CHOSEN = store_settings(invoice_statuses=EVERY_STATUS)

money = st.integers(min_value=1, max_value=999_999).map(lambda n: D(n) / 100)
percent = st.sampled_from(["5%", "10%", "12.5%", "33%", "100%"])


@st.composite
def invoices(draw: st.DrawFn) -> dict[str, Any]:
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        quantity = draw(st.integers(1, 40))
        price = draw(money)
        row: dict[str, Any] = {
            "Product_Name": {"id": draw(st.sampled_from(PRODUCTS))["id"]},
            "Quantity": quantity,
            "List_Price": price,
            "Line_Tax": [dict(t) for t in draw(st.lists(st.sampled_from(TAXES), max_size=2, unique_by=str))],
        }
        off = draw(st.one_of(st.none(), percent, st.integers(0, 100).map(lambda p: D(p) / 100)))
        if off is not None:
            row["Discount"] = off if isinstance(off, str) else (quantity * price * off).quantize(D("0.01"))
        rows.append(row)
    data: dict[str, Any] = {
        "Subject": "Property",
        "Account_Name": {"id": ACCOUNT["id"]},
        "Status": "Approved",
        "Invoice_Date": "2026-09-20",
        "Invoiced_Items": rows,
    }
    if draw(st.booleans()):
        data["Tax_Inclusive"] = True
    discount = draw(
        st.one_of(st.none(), st.sampled_from(["2%", "10%"]), st.integers(0, 3_000).map(lambda n: D(n) / 100))
    )
    if discount is not None:
        data["Discount"] = discount
    level = draw(st.lists(st.sampled_from(TAXES), max_size=1))
    if level:
        data["$line_tax"] = [dict(t) for t in level]
    adjustment = draw(st.integers(-5_000, 5_000))
    if adjustment:
        data["Adjustment"] = D(adjustment) / 100
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_xero_total_equals_the_crms_grand_total(data: dict[str, Any]) -> None:
    record = CRM.store.put("Invoices", data, CRM.user)
    answered = json.loads(json.dumps({**plain(record), "$module": "Invoices"}), parse_float=Decimal)
    sale = ZOHO.read("order", answered, CHOSEN)
    assert isinstance(sale, Sale)
    body = payloads.invoice(sale, "contact-id", CHOSEN)
    total, tax = xero_totals(body)
    assert total == answered["Grand_Total"] == sale.total
    assert tax == sale.total_tax
    assert body["LineAmountTypes"] == ("Inclusive" if data.get("Tax_Inclusive") else "Exclusive")
    assert not [li for li in body["LineItems"] if li["Description"].startswith("Difference")], body
