"""Shopify records into the domain: the docs samples (the 414.95 vs 85.00 refund) and a GraphQL
order with every kind of line, tax included, paid by gift card and card, partly refunded."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import reference_file
from tests.shopify import orders
from tests.shopify.fake_admin import bag
from xerosync.config import parse_settings
from xerosync.sources.shopify import rest
from xerosync.sources.shopify.mapping import refund_from, sale_from_order
from xerosync.sources.shopify.parties import party_from_customer, product_of, products_from
from xerosync.sources.shopify.settings import problems, shopify_settings
from xerosync.xero import payloads

D = Decimal
SYDNEY = shopify_settings({"timezone": "Australia/Sydney"})


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(reference_file("fixtures", "shopify", name).read_text(), parse_float=Decimal)
    return data


def test_the_docs_refund_is_its_transactions_and_the_difference_an_adjustment_line() -> None:
    # Given Shopify's own samples: an order, and a refund whose lines are worth 414.95 while its
    # two successful refund transactions returned 75.00 + 10.00
    order = fixture("orders_create_sample_payload_2026-07.json")
    refund = fixture("refunds_create_sample_payload_2026-07.json")
    sale = sale_from_order(rest.order(order), shopify_settings({}), own_offsets=True)
    # When the refund is read
    credit = refund_from(rest.refund(refund), sale, "shop", None)
    # Then the money refunded is the transactions', never the lines'
    assert credit.amount == D("85.00")
    assert sum((line.total + line.tax for line in credit.lines if line.kind == "product"), D(0)) == D("414.95")
    adjustment = [line for line in credit.lines if line.kind == "adjustment"]
    assert [a.total for a in adjustment] == [D("-329.95")]
    # and the credit note's lines add up to exactly the money
    assert sum((line.total + line.tax for line in credit.lines), D(0)) == credit.amount
    assert [(p.gateway, p.amount) for p in credit.payments] == [("bogus", D("75.00")), ("bogus", D("10.00"))]
    assert credit.key == "refund:820982911946154508:890088186047892319"
    assert credit.date == date(2021, 12, 31)  # the shop's own day, from the body's offset
    assert credit.lines[0].source_id == "line:487817672276298554" and credit.lines[0].sku == "SKU2006-001"


def test_money_back_for_a_line_worth_nothing_is_an_untaxed_adjustment_not_an_amount_only_refund() -> None:
    # Given a refund of a line Shopify had discounted to 0.00 (its subtotal and tax 0.00) that gave
    # 4.00 back all the same, all of it an order adjustment
    sale = sale_from_order(orders.order(), SYDNEY)
    refund = orders.order()["refunds"][0]
    item = refund["refundLineItems"]["nodes"][0]
    zero = {**item, "subtotalSet": bag("0.00", "AUD"), "totalTaxSet": bag("0.00", "AUD")}
    worthless = {
        **refund,
        "refundLineItems": {"nodes": [zero]},
        "refundShippingLines": {"nodes": []},
        "orderAdjustments": {"nodes": [{"reason": "REFUND_DISCREPANCY", "amountSet": bag("-4.00", "AUD")}]},
        "transactions": {"nodes": [orders.transaction(7, "REFUND", "shopify_payments", "4.00")]},
    }
    # When it is read
    credit = refund_from(worthless, sale, "shop", None)
    # Then its money is one untaxed adjustment line (Shopify refunded no tax), not an amount-only
    # refund the settings would put the order's tax rate on
    assert credit.amount == D("4.00")
    assert [(line.kind, line.total, line.tax) for line in credit.lines] == [("adjustment", D("4.00"), D(0))]


def test_a_refund_with_more_than_one_page_of_anything_is_refused_not_booked_in_part() -> None:
    order = fixture("orders_create_sample_payload_2026-07.json")
    sale = sale_from_order(rest.order(order), shopify_settings({}), own_offsets=True)
    refund = rest.refund(fixture("refunds_create_sample_payload_2026-07.json"))
    assert refund_from(refund, sale, "shop", None).amount == D("85.00")
    cut = {**refund, "transactions": {**refund["transactions"], "pageInfo": {"hasNextPage": True}}}
    with pytest.raises(ValueError, match="more transactions than one query reads"):
        refund_from(cut, sale, "shop", None)


def test_the_docs_order_is_a_cancelled_test_order() -> None:
    order = rest.order(fixture("orders_create_sample_payload_2026-07.json"))
    sale = sale_from_order(order, shopify_settings({}), own_offsets=True)
    assert (sale.lifecycle, sale.number, sale.currency, sale.total) == ("cancelled", "9999", "USD", D("404.95"))
    assert sale.date == date(2021, 12, 31) and sale.payments == ()  # a webhook body has no transactions
    assert sale.customer.key == "customer:115310627314723954"
    assert [line.kind for line in sale.lines] == ["product"] * 5 + ["shipping"]
    shipping = sale.lines[-1]
    assert (shipping.subtotal, shipping.total) == (D("10.00"), D("0.00"))  # discounted to nothing
    live = {**order, "cancelledAt": None, "test": False, "displayFinancialStatus": "PENDING"}
    assert sale_from_order(live, shopify_settings({}), own_offsets=True).lifecycle == "awaiting_payment"


def test_a_tip_only_in_the_order_total_is_a_tip_line_and_a_tip_line_item_is_not_counted_twice() -> None:
    # Given the order with its 5.00 tip as Shopify's totalTipReceivedSet and not as a line item
    record = orders.order()
    record["lineItems"]["nodes"] = [i for i in record["lineItems"]["nodes"] if i["title"] != "Tip"]
    record["totalTipReceivedSet"] = bag("5.00", "AUD")
    # Then the sale has one untaxed tip line of it, and its lines still add up to Shopify's total
    sale = sale_from_order(record, SYDNEY)
    [tip] = [line for line in sale.lines if line.kind == "tip"]
    assert (tip.description, tip.total, tip.tax, tip.tax_rate_ids) == ("Tip", D("5.00"), D(0), ())
    assert sum((line.total + line.tax for line in sale.lines), D(0)) == sale.total == D("106.60")
    # And an order that has both (the line item and the total) has the line item only
    both = {**orders.order(), "totalTipReceivedSet": bag("5.00", "AUD")}
    assert [line.source_id for line in sale_from_order(both, SYDNEY).lines if line.kind == "tip"] == ["line:13"]


def test_a_graphql_order_with_every_kind_of_line() -> None:
    sale = sale_from_order(orders.order(), SYDNEY)
    assert (sale.key, sale.number, sale.currency, sale.prices_include_tax) == ("order:5001", "1001", "AUD", True)
    assert sale.date == date(2026, 7, 1)  # 23:30 UTC on 30 June is 1 July in Sydney
    kinds = {line.source_id: line for line in sale.lines}
    mug = kinds["line:11"]
    # tax included: amounts before tax, the discount allocation off the line
    assert (mug.kind, mug.quantity, mug.subtotal, mug.total, mug.tax) == (
        "product",
        2,
        D("40.40"),
        D("36.00"),
        D("3.60"),
    )
    assert mug.tax_rate_ids == ("GST 10%",) and mug.sku == "MUG-BLUE" and mug.product_key == "product:701"
    assert (kinds["duty:31"].kind, kinds["duty:31"].total) == ("duty", D("2.00"))
    assert (kinds["line:12"].kind, kinds["line:12"].total) == ("gift_card", D("50.00"))  # a liability
    assert (kinds["line:13"].kind, kinds["line:13"].total) == ("tip", D("5.00"))
    assert (kinds["shipping:21"].total, kinds["shipping:21"].tax) == (D("9.09"), D("0.91"))
    assert "shipping:22" not in kinds  # removed
    assert sum((line.total + line.tax for line in sale.lines), D(0)) == sale.total == D("106.60")
    assert sum((line.tax for line in sale.lines), D(0)) == sale.total_tax
    rate = sale.tax_rates["GST 10%"]
    assert (rate.code, rate.percent) == ("GST", D("10.0"))
    # payments: the successful sales and captures, by gateway (a gift card redeemed is one)
    assert [(p.gateway, p.amount, p.date) for p in sale.payments] == [
        ("gift_card", D("20.00"), date(2026, 7, 1)),
        ("shopify_payments", D("86.60"), date(2026, 7, 1)),
    ]
    assert (sale.lifecycle, sale.paid_date, sale.payment_method, sale.transaction_id) == (
        "paid",
        date(2026, 7, 1),
        "shopify_payments",
        "auth-4",
    )
    # a guest, known by email (the key a WooCommerce guest has too)
    assert (sale.customer.key, sale.customer.email, sale.customer.customer_number) == (
        "guest:jane@example.com",
        "jane@example.com",
        None,
    )
    # refunds: the money one in full; the restock-only one moved no money
    assert [r.id for r in sale.refunds] == ["41"]
    refund = sale.refunds[0].detail
    assert refund is not None and refund.amount == sale.refunds[0].amount == D("25.00")
    assert [(line.kind, line.total + line.tax) for line in refund.lines] == [
        ("product", D("19.80")),
        ("shipping", D("10.00")),
        ("adjustment", D("-4.80")),
    ]
    assert refund.lines[2].description == "Refund adjustment (refund discrepancy)"
    assert refund.lines[0].tax_rate_ids == ("GST 10%",) and refund.date == date(2026, 7, 2)


def test_the_invoice_equals_shopifys_totals_to_the_cent() -> None:
    # the mug alone (the core has no accounts for duties, tips and gift cards on this branch yet)
    mug = {**orders.order()["lineItems"]["nodes"][0], "duties": []}
    only_mug = {"lineItems": {"nodes": [mug]}, "shippingLines": {"nodes": []}}
    totals = {"totalPriceSet": orders.bag("39.60", "AUD"), "totalTaxSet": orders.bag("3.60", "AUD")}
    sale = sale_from_order(orders.order(**only_mug, **totals), SYDNEY)
    settings = parse_settings(json.dumps({"tax": {"rates": {"GST 10%": "OUTPUT"}}}), defaults={"invoice_prefix": "SH-"})
    body = payloads.invoice(sale, "contact", settings)
    assert body["InvoiceNumber"] == "SH-1001" and body["LineAmountTypes"] == "Inclusive"
    lines = body["LineItems"]
    # Xero's line amount: round2(Quantity x UnitAmount) - DiscountAmount
    amounts = [
        (line["Quantity"] * line["UnitAmount"]).quantize(D("0.01")) - line.get("DiscountAmount", 0) for line in lines
    ]
    assert sum(amounts, D(0)) == D("39.60")
    assert sum((D(str(line["TaxAmount"])) for line in lines), D(0)) == D("3.60")
    assert [line.get("TaxType") for line in lines] == ["OUTPUT"]


def test_presentment_money_when_the_settings_say_so() -> None:
    record = orders.order(presentmentCurrencyCode="EUR", totalPriceSet=orders.bag("106.60", "AUD", "64.00", "EUR"))
    sale = sale_from_order(record, shopify_settings({"currency": "presentment"}))
    assert (sale.currency, sale.total) == ("EUR", D("64.00"))


@pytest.mark.parametrize(
    ("status", "cancelled", "test", "lifecycle"),
    [
        ("PENDING", False, False, "awaiting_payment"),
        ("AUTHORIZED", False, False, "confirmed"),
        ("PAID", False, False, "paid"),
        ("REFUNDED", False, False, "paid"),
        ("VOIDED", False, False, "cancelled"),
        ("PAID", True, False, "cancelled"),
        ("PAID", False, True, "unconfirmed"),
        ("SOMETHING_NEW", False, False, "unconfirmed"),
    ],
)
def test_the_lifecycle_table(status: str, cancelled: bool, test: bool, lifecycle: str) -> None:
    assert shopify_settings({}).lifecycle(status, cancelled=cancelled, test=test) == lifecycle


def test_settings_problems_name_the_field() -> None:
    assert problems({}) == []
    found = problems({"currency": "buyer", "timezone": "Mars/Olympus", "api_version": "2026-08", "colour": 1})
    assert [p.split(":")[0] for p in found] == ["store.api_version", "store.currency", "store.timezone", "store.colour"]
    assert (
        shopify_settings({"financial_statuses": {"pending": "confirmed"}}).lifecycle(
            "PENDING", cancelled=False, test=False
        )
        == "confirmed"
    )


def test_a_customer_and_the_docs_product() -> None:
    party = party_from_customer(rest.customer_of(fixture("customers_create_sample_payload_2026-07.json")))
    assert (party.key, party.customer_number, party.name, party.email) == (
        "customer:706405506930370084",
        "706405506930370084",
        "Bob Biller",
        "bob@biller.com",
    )
    assert party.address.city == "Ottawa" and party.address.country == "CA"
    product = rest.product(fixture("products_update_sample_payload_2026-07.json"))
    items = products_from(product)
    assert [(p.key, p.sellable, p.name, p.price) for p in items] == [
        ("product:788032119674292922", False, "Example T-Shirt", None),
        ("product:642667041472713922", True, "Example T-Shirt - Small", D("19.99")),
        ("product:757650484644203962", True, "Example T-Shirt - Medium", D("19.99")),
    ]
    assert items[1].sku is None  # no SKU: a description-only line, no Xero item
    assert product_of(product).key == "product:757650484644203962"  # the variant updated last
