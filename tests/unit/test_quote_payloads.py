"""Quote, purchase order and bill bodies (pure): Xero's precision for each, the purchase side's
accounts and taxes, and what a status move sends."""

from decimal import Decimal

from tests.quotes import PURCHASING, SETTINGS, body_of, item
from xerosync.domain import Purchase, Quote
from xerosync.xero import quote_payloads
from xerosync.xero.lines import ROUNDING_LINE

D = Decimal


def test_a_quote_line_whose_price_needs_four_places_keeps_its_amount_through_a_discount() -> None:
    body = quote_payloads.quote(Quote(body_of("Q-1", item(1, "3", "3.3333")), "sent"), "c", SETTINGS)
    [line] = body["LineItems"]  # 3 x 3.3333 = 9.9999, 10.00 to the cent; 3 x 3.34 = 10.02 less 0.02
    assert (line["UnitAmount"], line["DiscountAmount"], line["Quantity"]) == (D("3.34"), D("0.02"), D(3))
    assert body["LineAmountTypes"] == "EXCLUSIVE" and body["Status"] == "SENT"


def test_a_quote_carries_its_stage_expiry_and_texts() -> None:
    offer = Quote(body_of("Q-2", item(1, "1", "5")), "withdrawn", title="T" * 120, terms="Net 30")
    body = quote_payloads.quote(offer, "c", SETTINGS, status="DRAFT")
    assert body["Status"] == "DRAFT" and len(body["Title"]) == 100 and body["Terms"] == "Net 30"
    assert "ExpiryDate" not in body and "Summary" not in body
    assert quote_payloads.QUOTE_STATUS["withdrawn"] == "DELETED"


def test_a_purchase_goes_to_the_purchase_account_and_taxes_without_a_discount() -> None:
    purchase = Purchase(body_of("PO-1", item(1, "3", "10.3333", "1.25"), key="purchase"), "approved")
    body = quote_payloads.purchase_order(purchase, "c", SETTINGS, PURCHASING, line_ids={ROUNDING_LINE: "r-1"})
    lines = body["LineItems"]
    assert [(line["AccountCode"], line["TaxType"]) for line in lines] == [("500", "INPUT"), ("860", "BASEXCLUDED")]
    assert "DiscountAmount" not in lines[0] and lines[0]["UnitAmount"] == D("9.92")  # 29.75 / 3, to the cent
    rounding = lines[1]  # 3 x 9.92 = 29.76: a cent too many, taken back on the rounding line
    assert (rounding["UnitAmount"], rounding["LineItemID"]) == (D("-0.01"), "r-1")
    assert body["Status"] == "AUTHORISED" and body["LineAmountTypes"] == "Exclusive"


def test_a_bill_keeps_four_places_and_a_billed_purchase_is_an_approved_bill() -> None:
    purchase = Purchase(body_of("PO-2", item(1, "3", "10.3333"), key="purchase"), "billed")
    body = quote_payloads.bill(purchase, "c", SETTINGS, PURCHASING)
    assert (body["Type"], body["Status"]) == ("ACCPAY", "AUTHORISED")
    assert body["LineItems"][0]["UnitAmount"] == D("10.3333") and len(body["LineItems"]) == 1


def test_a_status_move_sends_the_descriptive_fields_not_the_money() -> None:
    body = quote_payloads.quote(Quote(body_of("Q-3", item(1, "1", "5")), "sent", title="Kept"), "c", SETTINGS)
    moved = quote_payloads.status_move(body, "ACCEPTED")
    assert moved["Status"] == "ACCEPTED" and moved["Title"] == "Kept" and moved["QuoteNumber"] == "Q-3"
    assert not {"Contact", "LineItems", "LineAmountTypes", "CurrencyCode"} & set(moved)
