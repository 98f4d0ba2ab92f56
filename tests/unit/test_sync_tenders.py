"""A sale's money by tender, with the in-memory fakes: a payment per tender (a card and a gift card),
each to its gateway's account, capped at what is due, created once whatever the deliveries do,
in one request; the money going back for a refund by the refund's tenders."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.fakes import FakeXero, InMemoryMappings
from xerosync.config import Accounts, Payments, StoreSettings, TaxSettings
from xerosync.domain import Party, Refund, RefundSummary, Sale, SaleChanged, SaleLine, Tender
from xerosync.sync.base import Outcome
from xerosync.sync.orders import sync_sale
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected, XeroTransientError
from xerosync.xero.payloads import MappingError

D = Decimal
DAY = date(2026, 11, 20)
SETTINGS = StoreSettings(
    invoice_prefix="SH-",
    tax=TaxSettings(rates={"gst": "OUTPUT"}, no_tax="EXEMPTOUTPUT"),
    payments=Payments(accounts={"shopify_payments": "092", "paypal": "093", "gift_card": "825"}),
)
CARD = Tender("7001", "shopify_payments", D("30.00"), date(2026, 11, 21), "ch_7001", "Shopify Payments")
GIFT = Tender("7000", "gift_card", D("20.00"), DAY, "", "Gift card")


def sale(*payments: Tender, modified: int = 10, refunds: tuple[RefundSummary, ...] = (), **changes: Any) -> Sale:
    """A 50.00 sale (45.45 + 4.55 GST), paid by ``payments``."""
    line = SaleLine("product", "line:1", "Mug", D(1), D("45.45"), D("4.55"), D("45.45"), D("4.55"), ("gst",))
    base = Sale(
        key="order:9001",
        id="9001",
        number="#1001",
        lifecycle="paid",
        status_word="paid",
        date=DAY,
        currency="AUD",
        prices_include_tax=False,
        customer=Party("guest:a@b.example", "A B", email="a@b.example"),
        lines=(line,),
        total=D("50.00"),
        total_tax=D("4.55"),
        modified_at=datetime(2026, 11, 21, modified, tzinfo=UTC),
        paid_date=DAY,
        payments=payments,
        refunds=refunds,
    )
    return replace(base, **changes)


def run(s: Sale, xero: FakeXero, mappings: InMemoryMappings, settings: StoreSettings = SETTINGS) -> Outcome:
    return sync_sale(SaleChanged(s), settings=settings, xero=xero, mappings=mappings)


def payments(xero: FakeXero) -> list[dict[str, Any]]:
    [invoice] = xero.invoices.values()
    return list(invoice.get("Payments", []))


def due(xero: FakeXero) -> Decimal:
    [invoice_id] = xero.invoices
    return Decimal(xero._invoice(invoice_id)["AmountDue"])


def test_a_card_and_a_gift_card_are_two_payments_each_to_its_account_in_one_request() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    outcome = run(sale(GIFT, CARD), xero, mappings)
    assert xero.calls.count("create_payments") == 1
    assert [(p["Account"]["Code"], p["Amount"], p["Date"], p["Reference"]) for p in payments(xero)] == [
        ("825", D("20.00"), "2026-11-20", "Order #1001 Gift card 7000"),  # no gateway reference: the order's
        ("092", D("30.00"), "2026-11-21", "ch_7001"),
    ]
    assert due(xero) == 0
    assert mappings.items["payment:9001:7000"].xero_id == payments(xero)[0]["PaymentID"]
    assert mappings.items["payment:9001:7001"].xero_id == payments(xero)[1]["PaymentID"]
    assert "payment:9001" not in mappings.items
    assert "payment 20.00 created (Gift card)" in outcome.also
    assert mappings.items["order:9001"].invoice.locked


def test_tenders_over_the_amount_due_are_capped_in_order_the_last_absorbing_the_difference() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    over = replace(CARD, amount=D("30.05"))
    extra = Tender("7002", "paypal", D("5.00"), DAY, "PP-1", "PayPal")
    outcome = run(sale(GIFT, over, extra), xero, mappings)
    assert [p["Amount"] for p in payments(xero)] == [D("20.00"), D("30.00")]  # never more than due
    assert due(xero) == 0
    assert "Shopify Payments 30.05 capped at the 30.00 left due" in outcome.also
    assert "no payment for PayPal 5.00: the invoice has nothing due" in outcome.also
    assert "payment:9001:7002" not in mappings.items  # a later event may still pay it, if anything is due


def test_a_tender_added_by_a_later_event_pays_only_itself() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    run(sale(GIFT, modified=10), xero, mappings)
    assert [p["Amount"] for p in payments(xero)] == [D("20.00")] and due(xero) == D("30.00")
    xero.calls.clear()
    outcome = run(sale(GIFT, CARD, modified=11), xero, mappings)
    assert [p["Amount"] for p in payments(xero)] == [D("20.00"), D("30.00")]
    assert due(xero) == 0
    assert xero.calls.count("create_payments") == 1 and outcome.also == ("payment 30.00 created (Shopify Payments)",)


def test_the_same_event_again_creates_nothing_and_asks_xero_nothing() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    paid = sale(GIFT, CARD)
    run(paid, xero, mappings)
    calls = list(xero.calls)
    again = run(paid, xero, mappings)
    assert again.action == "unchanged" and xero.calls == calls
    assert len(payments(xero)) == 2


class LosesPaymentAnswers(FakeXero):
    """Xero commits the next payments request, and the answer never arrives."""

    lose = 1

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        results = super().create_payments(payments, idempotency_key=idempotency_key)
        if self.lose:
            self.lose -= 1
            raise XeroTransientError("connection dropped")
        return results


def test_payments_whose_answer_was_lost_are_found_by_reference_not_paid_twice() -> None:
    xero, mappings = LosesPaymentAnswers(), InMemoryMappings()
    paid = sale(GIFT, CARD)
    with pytest.raises(XeroTransientError):
        run(paid, xero, mappings)
    assert not mappings.claims  # released: the retry may claim them again
    xero.calls.clear()
    run(paid, xero, mappings)
    assert "create_payments" not in xero.calls  # both found on the invoice, adopted
    assert len(payments(xero)) == 2 and due(xero) == 0
    assert {mappings.items[f"payment:9001:{t}"].xero_id for t in ("7000", "7001")} == {
        p["PaymentID"] for p in payments(xero)
    }


def test_a_tender_xero_refuses_fails_alone_and_the_retry_pays_only_it() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    xero.refuse_accounts = frozenset({"825"})  # payments not enabled on the gift-card account yet
    with pytest.raises(XeroRejected, match="not a bank account"):
        run(sale(GIFT, CARD), xero, mappings)
    assert [p["Amount"] for p in payments(xero)] == [D("30.00")]
    assert "payment:9001:7001" in mappings.items and "payment:9001:7000" not in mappings.items
    assert mappings.items["order:9001"].invoice.locked  # a payment is on it: Xero refuses edits
    xero.refuse_accounts = frozenset()  # the merchant enables payments to the account
    xero.calls.clear()
    run(sale(GIFT, CARD, modified=11), xero, mappings)
    assert [p["Amount"] for p in payments(xero)] == [D("30.00"), D("20.00")]
    assert xero.calls.count("create_payments") == 1 and due(xero) == 0


def test_an_unmapped_gateway_fails_before_any_payment_naming_the_setting() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    unknown = Tender("7003", "afterpay", D("30.00"), DAY, "", "Afterpay")
    with pytest.raises(MappingError, match=r"'afterpay' \(Afterpay\).*payments.accounts"):
        run(sale(GIFT, unknown), xero, mappings)
    assert "create_payments" not in xero.calls


def test_tenders_without_distinct_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct store id"):
        run(sale(GIFT, replace(CARD, id="7000")), FakeXero(), InMemoryMappings())


def test_a_sale_without_tenders_keeps_its_one_payment_under_the_old_key() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    run(sale(payment_method="paypal", transaction_id="PP-9"), xero, mappings)
    [payment] = payments(xero)
    assert (payment["Account"]["Code"], payment["Amount"], payment["Reference"]) == ("093", D("50.00"), "PP-9")
    assert set(mappings.items) >= {"payment:9001"}


def test_a_sale_with_tenders_and_no_paid_date_is_paid() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    run(sale(GIFT, CARD, paid_date=None), xero, mappings)
    assert due(xero) == 0


# --- refunds: the money going back by the refund's tenders ----------------------------------


def refund(amount: str, *back: Tender, refund_id: str = "55") -> RefundSummary:
    line = SaleLine("product", "line:1", "Mug", D(1), D("9.09"), D("0.91"), D("9.09"), D("0.91"), ("gst",))
    detail = Refund(f"refund:9001:{refund_id}", refund_id, "order:9001", DAY, D(amount), "broken", (line,), True, back)
    return RefundSummary(refund_id, D(amount), "broken", detail)


def credit_note_payments(xero: FakeXero) -> list[tuple[str, Decimal, str]]:
    [note] = xero.credit_notes.values()
    return [(p["Account"]["Code"], p["Amount"], p["Reference"]) for p in note.get("Payments", [])]


def test_a_refund_goes_back_by_its_tenders_in_the_same_request_as_the_payments() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    back = Tender("8001", "shopify_payments", D("10.00"), date(2026, 11, 22), "re_8001", "Shopify Payments")
    run(sale(GIFT, CARD, refunds=(refund("10.00", back),)), xero, mappings)
    assert xero.calls.count("create_payments") == 1  # the order's two and the refund's one
    assert credit_note_payments(xero) == [("092", D("10.00"), "re_8001")]
    assert mappings.items["refund:9001:55"].credit.settled == "paid"


def test_a_refund_split_between_gift_card_and_card_pays_back_each() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    run(sale(GIFT, CARD, modified=10), xero, mappings)
    back = (
        Tender("8002", "gift_card", D("4.00"), DAY, "", "Gift card"),
        Tender("8003", "shopify_payments", D("6.00"), DAY, "re_8003", "Shopify Payments"),
    )
    run(sale(GIFT, CARD, modified=11, refunds=(refund("10.00", *back),)), xero, mappings)
    assert credit_note_payments(xero) == [
        ("825", D("4.00"), "Refund of order #1001 Gift card 8002"),
        ("092", D("6.00"), "re_8003"),
    ]


def test_a_refund_without_tenders_goes_back_to_the_sales_gateway() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    # the store names no gateway of its own for the sale: its first tender's
    run(sale(CARD, GIFT, refunds=(refund("10.00"),)), xero, mappings)
    assert credit_note_payments(xero) == [("092", D("10.00"), "Refund of order #1001")]
    xero2, mappings2 = FakeXero(), InMemoryMappings()
    run(sale(payment_method="paypal", refunds=(refund("10.00"),)), xero2, mappings2)
    assert credit_note_payments(xero2) == [("093", D("10.00"), "Refund of order #1001")]


def test_a_refund_payment_refused_in_part_pays_only_the_rest_when_retried() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    run(sale(GIFT, CARD, modified=10), xero, mappings)
    back = (
        Tender("8002", "gift_card", D("4.00"), DAY, "", "Gift card"),
        Tender("8003", "shopify_payments", D("6.00"), DAY, "re_8003", "Shopify Payments"),
    )
    xero.refuse_accounts = frozenset({"825"})
    with pytest.raises(XeroRejected):
        run(sale(GIFT, CARD, modified=11, refunds=(refund("10.00", *back),)), xero, mappings)
    assert credit_note_payments(xero) == [("092", D("6.00"), "re_8003")]
    assert not mappings.items["refund:9001:55"].credit.settled
    xero.refuse_accounts = frozenset()
    run(sale(GIFT, CARD, modified=12, refunds=(refund("10.00", *back),)), xero, mappings)
    assert credit_note_payments(xero) == [
        ("092", D("6.00"), "re_8003"),
        ("825", D("4.00"), "Refund of order #1001 Gift card 8002"),
    ]
    assert mappings.items["refund:9001:55"].credit.settled == "paid"


# --- line kinds -----------------------------------------------------------------------------


def test_a_gift_card_sold_needs_its_liability_account_before_anything_is_written() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    card = SaleLine("gift_card", "line:2", "Gift card $25", D(1), D(25), D(0), D(25), D(0))
    gift = sale(GIFT, CARD, lines=(*sale().lines, card), total=D("75.00"))
    with pytest.raises(MappingError, match=r"gift card.*liability.*accounts\.gift_cards"):
        run(gift, xero, mappings)
    assert xero.invoices == {}
    settings = replace(
        SETTINGS, accounts=Accounts(gift_cards="825"), tax=replace(SETTINGS.tax, gift_cards="BASEXCLUDED")
    )
    run(replace(gift, payments=(GIFT, replace(CARD, amount=D("55.00")))), xero, mappings, settings)
    [invoice] = xero.invoices.values()
    assert [(ln["AccountCode"], ln["TaxType"], ln["TaxAmount"]) for ln in invoice["LineItems"]] == [
        ("200", "OUTPUT", D("4.55")),
        ("825", "BASEXCLUDED", D("0.00")),
    ]
    assert due(xero) == 0


def test_the_preview_shows_a_payment_per_tender() -> None:
    from xerosync.preview import _order

    [*_, pay] = _order(sale(GIFT, replace(CARD, amount=D("31.00"))), SETTINGS).requests
    assert [(p["Account"]["Code"], p["Amount"]) for p in pay.body["Payments"]] == [
        ("825", D("20.00")),
        ("092", D("30.00")),  # capped at the total
    ]


def test_settings_check_looks_at_the_new_accounts_once_set() -> None:
    from xerosync.settings_check import check

    class Org:
        def accounts(self) -> list[dict[str, Any]]:
            return [{"Code": c, "Name": c, "Type": "REVENUE"} for c in ("200", "860", "092", "093")] + [
                {"Code": "825", "Name": "Gift cards", "Type": "CURRLIAB", "EnablePaymentsToAccount": False}
            ]

        def tax_rates(self) -> list[dict[str, Any]]:
            return [{"TaxType": t, "Name": t} for t in ("OUTPUT", "EXEMPTOUTPUT", "NONE")]

        def tracking_categories(self) -> list[dict[str, Any]]:
            return []

    plain = {f.setting for f in check(SETTINGS, Org())}
    assert not plain & {"accounts.duties", "accounts.tips", "accounts.gift_cards", "accounts.adjustments"}
    settings = replace(
        SETTINGS, accounts=Accounts(gift_cards="825", duties="201"), tax=replace(SETTINGS.tax, gift_cards="BASEXCLUDED")
    )
    findings = {f.setting: f for f in check(settings, Org())}
    assert findings["accounts.gift_cards"].ok and not findings["accounts.duties"].ok
    assert not findings["tax.gift_cards"].ok
    # redeeming a gift card is a payment from its liability account: Xero needs payments enabled on it
    assert not findings["payments.accounts.gift_card"].ok
    assert "enable payments" in findings["payments.accounts.gift_card"].detail


def test_an_invoice_no_tender_could_pay_is_not_taken_as_locked() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    xero.refuse_accounts = frozenset({"825", "092"})
    with pytest.raises(XeroRejected):
        run(sale(GIFT, CARD), xero, mappings)
    assert payments(xero) == [] and not mappings.items["order:9001"].invoice.locked
    assert not {"payment:9001:7000", "payment:9001:7001"} & set(mappings.items) and not mappings.claims
