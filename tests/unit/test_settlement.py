"""The settlement model and its booking policy (pure): both modes, to the cent, whatever the lines.

Given a settlement (a deposit and the store's lines that make it) and the sales it carries,
when it is booked, then the Xero document's lines add up to the deposit exactly, every line has
an account (unknown kinds defaulted to ``other`` and noted), per-order mode empties the clearing
account of exactly what the settlement carried, and summary mode books each sale once.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xerosync.config import StoreSettings, parse_settings
from xerosync.domain import Party, Refund, RefundSummary, Sale, SaleLine, Tender
from xerosync.settlement import Entry, Settlement, book
from xerosync.xero.lines import MappingError
from xerosync.xero.settlement_payloads import bank_transaction, document_total, settlement_payment, summary_document

D = Decimal
DAY = date(2026, 7, 14)
GATEWAY = "shopify_payments"
SETTINGS_TEXT = """
tax: {rates: {gst: OUTPUT, vat: OUTPUT2}, no_tax: NONE}
payments: {accounts: {shopify_payments: "610", paypal: "611", gift_card: "825"}}
accounts: {gift_cards: "825"}
settlements:
  enabled: true
  bank_account: "090"
  accounts: {other: "899", reserves: "615", disputes: "616"}
"""
PER_ORDER = parse_settings(SETTINGS_TEXT)
SUMMARY = parse_settings(SETTINGS_TEXT + "  mode: summary\nsync: {orders: false}\n")


def with_settlements(base: StoreSettings, **changes: Any) -> StoreSettings:
    return replace(base, settlements=replace(base.settlements, **changes))


def settlement(*entries: Entry, deposit: Decimal | None = None, currency: str = "USD", **kw: Any) -> Settlement:
    total = sum((e.amount for e in entries), D(0))
    return Settlement(
        key="payout:1",
        id="1",
        number="SP-1",
        status="paid",
        currency=currency,
        date=DAY,
        deposit=total if deposit is None else deposit,
        gateway=GATEWAY,
        payer="Shopify Payments",
        entries=entries,
        reference="TRACE1",
        label="payout 1",
        **kw,
    )


DOCS_PAYOUT = settlement(  # the docs payout 623721858 (research/shopify.md 5.2), as five lines
    Entry("charge", D("44.52"), "CHARGE", sale_key="order:1", tender="t1"),
    Entry("fee", D("-1.32"), "CHARGE"),
    Entry("refund", D("-3.54"), "REFUND", sale_key="order:2", tender="r1"),
    Entry("fee", D("0.23"), "REFUND"),
    Entry("adjustment", D("2.13"), "ADJUSTMENT"),
    Entry("fee", D("-0.12"), "ADJUSTMENT"),
)


def test_per_order_mode_empties_clearing_into_the_bank_with_the_fees_booked() -> None:
    booking = book(DOCS_PAYOUT, PER_ORDER)
    by_account: dict[str, Decimal] = {}
    for line in booking.lines:
        by_account[line.account] = by_account.get(line.account, D(0)) + line.amount
    # clearing gives up what the orders' payments put in (44.52 less 3.54 refunded); adjustments
    # have no account of their own in these settings, so they go to other (and are noted)
    assert by_account == {"610": D("40.98"), "200": D("-1.21"), "899": D("2.13")}
    assert [line.description for line in booking.lines if line.account == "610"] == [
        "Payments received",
        "Refunds paid",
    ]
    assert any("adjustments" in n for n in booking.notes)
    assert booking.problem() is None and booking.total == D("41.90")
    body = bank_transaction(booking)
    assert body["Type"] == "RECEIVE" and body["BankAccount"] == {"Code": "090"}
    assert body["Reference"] == "TRACE1" and document_total(body) == D("41.90")


def test_summary_mode_is_an_invoice_and_its_payment_of_the_deposit() -> None:
    booking = book(DOCS_PAYOUT, SUMMARY)  # no sales read: each payment is one sales line, noted
    assert booking.document == "invoice" and booking.total == D("41.90")
    assert any("order:1 was not read" in n for n in booking.notes)
    body = summary_document(booking)
    assert body["Type"] == "ACCREC" and body["InvoiceNumber"] == "SP-1" and document_total(body) == D("41.90")
    pay = settlement_payment(booking, "inv-1")
    assert pay["Amount"] == D("41.90") and pay["Invoice"] == {"InvoiceID": "inv-1"} and pay["Account"]["Code"] == "090"


def test_a_negative_deposit_is_spend_money_or_a_credit_note_with_positive_amounts() -> None:
    s = settlement(Entry("refund", D("-30.00"), sale_key="order:2", tender="r1"), Entry("fee", D("-1.00")))
    spend = bank_transaction(book(s, PER_ORDER))
    assert spend["Type"] == "SPEND" and document_total(spend) == D("31.00")
    note = summary_document(book(s, SUMMARY))
    assert note["Type"] == "ACCRECCREDIT" and note["CreditNoteNumber"] == "SP-1" and document_total(note) == D("31.00")
    assert settlement_payment(book(s, SUMMARY), "cn-1")["CreditNote"] == {"CreditNoteID": "cn-1"}


def test_a_kind_of_line_xerosync_does_not_know_goes_to_other_and_is_noted() -> None:
    booking = book(settlement(Entry("other", D("5.00"), "USDC_REBATE_CREDIT")), PER_ORDER)
    [line] = booking.lines
    assert line.account == "899" and "USDC_REBATE_CREDIT" in line.description
    assert any("USDC_REBATE_CREDIT" in n for n in booking.notes)
    mapped = parse_settings(SETTINGS_TEXT.replace("{other:", '{by_type: {USDC_REBATE_CREDIT: "480"}, other:'))
    assert [line.account for line in book(settlement(Entry("other", D("5"), "USDC_REBATE_CREDIT")), mapped).lines] == [
        "480"
    ]


def test_lines_that_do_not_add_up_to_the_deposit_are_parked_with_the_difference_named() -> None:
    booking = book(
        settlement(Entry("charge", D("10.00"), sale_key="order:1", tender="t"), deposit=D("9.99")), PER_ORDER
    )
    assert booking.problem() is not None and "0.01" in str(booking.problem())


def test_without_a_bank_account_nothing_is_booked() -> None:
    bare = with_settlements(PER_ORDER, bank_account=None)
    with pytest.raises(MappingError, match="bank_account"):
        book(DOCS_PAYOUT, bare)


# --- summary mode with the sales ------------------------------------------------------------------
def mug_sale(*payments: Tender, refunds: tuple[RefundSummary, ...] = (), currency: str = "USD") -> Sale:
    """Two mugs at 25.00 less 5.00 discount, 10 % GST on top (49.50), shipping 5.50 with GST."""
    mugs = SaleLine("product", "line:1", "Mug", D(2), D("50.00"), D("5.00"), D("45.00"), D("4.50"), ("gst",))
    ship = SaleLine("shipping", "shipping:1", "Post", D(1), D("5.00"), D("0.50"), D("5.00"), D("0.50"), ("gst",))
    return Sale(
        key="order:1", id="1", number="1001", lifecycle="paid", status_word="paid", date=DAY, currency=currency,
        prices_include_tax=False, customer=Party("guest:a@b", "A B"), lines=(mugs, ship), total=D("55.00"),
        total_tax=D("5.00"), payments=payments, refunds=refunds,
    )  # fmt: skip


def tender(tid: str, gateway: str, amount: str) -> Tender:
    return Tender(tid, gateway, D(amount), DAY, gateway_title=gateway)


def test_a_sale_is_booked_in_full_with_the_gift_card_and_paypal_parts_offset_to_their_accounts() -> None:
    sale = mug_sale(tender("g", "gift_card", "10.00"), tender("t1", GATEWAY, "40.00"), tender("p", "paypal", "5.00"))
    booking = book(settlement(Entry("charge", D("40.00"), sale_key="order:1", tender="t1")), SUMMARY, {"order:1": sale})
    lines = {(line.description, line.account): (line.amount, line.tax) for line in booking.lines}
    assert lines[("Sales (gst)", "200")] == (D("55.00"), D("5.00"))  # before the discount
    assert lines[("Discounts (gst)", "200")] == (D("-5.50"), D("-0.50"))
    assert lines[("Shipping (gst)", "200")] == (D("5.50"), D("0.50"))
    assert lines[("Paid by gift_card", "825")] == (D("-10.00"), None)
    assert lines[("Paid by paypal", "611")] == (D("-5.00"), None)
    assert booking.total == D("40.00") and booking.problem() is None


def test_a_sale_paid_in_two_settlements_is_booked_once_the_second_payment_clears_pending() -> None:
    sale = mug_sale(tender("t1", GATEWAY, "30.00"), tender("t2", GATEWAY, "25.00"))
    first = book(settlement(Entry("charge", D("30.00"), sale_key="order:1", tender="t1")), SUMMARY, {"order:1": sale})
    second = book(settlement(Entry("charge", D("25.00"), sale_key="order:1", tender="t2")), SUMMARY, {"order:1": sale})
    assert first.total == D("30.00") and [(line.account, line.amount) for line in second.lines] == [("610", D("25.00"))]
    pending_first = sum((line.amount for line in first.lines if line.category == "pending"), D(0))
    assert pending_first == D("-25.00")  # and the second settlement's +25.00 empties it


def test_a_refund_is_booked_negative_with_what_it_gave_back() -> None:
    back = SaleLine("product", "line:1", "Mug", D(1), D("22.50"), D("2.25"), D("22.50"), D("2.25"), ("gst",))
    refund = Refund("refund:1:9", "9", "order:1", DAY, D("24.75"), "", (back,), True, (tender("r9", GATEWAY, "24.75"),))
    sale = mug_sale(tender("t1", GATEWAY, "55.00"), refunds=(RefundSummary("9", D("24.75"), detail=refund),))
    booking = book(
        settlement(Entry("refund", D("-24.75"), sale_key="order:1", tender="r9")), SUMMARY, {"order:1": sale}
    )
    assert booking.total == D("-24.75") and booking.document == "credit_note"
    body = summary_document(booking)
    assert document_total(body) == D("24.75") and body["LineItems"][0]["TaxAmount"] == D("2.25")


def test_an_unmapped_tax_rate_stops_the_summary_with_the_fix() -> None:
    sale = replace(
        mug_sale(tender("t1", GATEWAY, "55.00")), lines=(replace(mug_sale().lines[0], tax_rate_ids=("hst",)),)
    )
    with pytest.raises(MappingError, match=r"tax\.rates"):
        book(settlement(Entry("charge", D("55.00"), sale_key="order:1", tender="t1")), SUMMARY, {"order:1": sale})


# --- the property ----------------------------------------------------------------------------------
money = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c) / 100)


@st.composite
def sales_and_settlement(draw: st.DrawFn) -> tuple[Settlement, dict[str, Sale]]:
    currency = draw(st.sampled_from(["USD", "EUR", "AUD", "JPY"]))
    entries: list[Entry] = []
    sales: dict[str, Sale] = {}
    for n in range(draw(st.integers(0, 4))):
        lines = []
        for i in range(draw(st.integers(1, 3))):
            sub = draw(money)
            disc = min(draw(money), sub) if draw(st.booleans()) else D(0)
            rate = draw(st.sampled_from([(), ("gst",), ("vat",)]))
            tax = (sub - disc) * D("0.1") if rate else D(0)  # store precision: more than cents
            sub_tax = sub * D("0.1") if rate else D(0)
            kind: Any = draw(st.sampled_from(["product", "product", "shipping", "gift_card", "tip"]))
            lines.append(SaleLine(kind, f"l{i}", "x", D(1), sub, sub_tax, sub - disc, tax, rate if kind != "gift_card"
                                  else (), group=draw(st.sampled_from(["", "Mugs", "Tea"]))))  # fmt: skip
        lines = [replace(x, tax=D(0), subtotal_tax=D(0)) if x.kind == "gift_card" else x for x in lines]
        total = sum((x.total + x.tax for x in lines), D(0)).quantize(D("0.01")) + draw(
            st.sampled_from([D(0), D("0.01")])
        )
        own = [tender(f"{n}t{j}", GATEWAY, "0") for j in range(draw(st.integers(1, 2)))]
        other = [tender(f"{n}o", draw(st.sampled_from(["gift_card", "paypal"])), "0")] if draw(st.booleans()) else []
        tenders = own + other
        left, paid = total, []
        for t in tenders:
            part = min(left, draw(money))
            left -= part
            paid.append(replace(t, amount=part))
        key = f"order:{n}"
        sale_currency = currency if draw(st.integers(0, 9)) else "NZD"
        sale = Sale(key=key, id=str(n), number=str(n), lifecycle="paid", status_word="paid", date=DAY,
                    currency=sale_currency, prices_include_tax=draw(st.booleans()), customer=Party("guest:x", "X"),
                    lines=tuple(lines), total=total, total_tax=sum((x.tax for x in lines), D(0)),
                    payments=tuple(paid))  # fmt: skip
        sales[key] = sale
        for t in paid:
            if t.gateway == GATEWAY and draw(st.booleans()):
                entries.append(Entry("charge", t.amount, "CHARGE", sale_key=key, tender=t.id))
                entries.append(Entry("fee", -(t.amount * D("0.029")).quantize(D("0.01")), "CHARGE"))
    for category, kind in (("adjustment", "ADJUSTMENT"), ("dispute", "DISPUTE"), ("reserve", "RESERVED_FUNDS"),
                           ("other", "ADVANCE"), ("retried", "TRANSFER_FAILURE")):  # fmt: skip
        if draw(st.booleans()):
            entries.append(Entry(category, draw(money) * draw(st.sampled_from([1, -1])), kind))  # type: ignore[arg-type]
    return settlement(*entries, currency=currency), sales


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sales_and_settlement(), st.sampled_from(["single", "tax_rate", "product_type"]))
def test_every_booking_adds_up_to_the_deposit_and_per_order_empties_clearing(
    case: tuple[Settlement, dict[str, Sale]], grouping: str
) -> None:
    s, sales = case
    summary = with_settlements(SUMMARY, grouping=grouping)
    for cfg in (PER_ORDER, summary):
        booking = book(s, cfg, sales)
        if s.deposit == 0 and cfg is PER_ORDER:
            assert booking.problem() is not None
            continue
        assert booking.problem() is None, booking.problem()
        assert booking.total == s.deposit  # to the cent
        body = bank_transaction(booking) if booking.document == "bank_transaction" else summary_document(booking)
        assert document_total(body) == abs(s.deposit)
        assert all(line["AccountCode"] for line in body["LineItems"])
    per_order = book(s, PER_ORDER, sales)
    carried = sum((e.amount for e in s.entries if e.category in ("charge", "refund")), D(0))
    assert sum((line.amount for line in per_order.lines if line.account == "610"), D(0)) == carried
