"""The seeded history: reproducible, varied, with the awkward cases a sync must survive; and its
Shopify Payments payouts, which add up as the docs payout does (https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsPayout)."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.shopify_store import ShopifyStore
from local.shopify_store.arithmetic import financial_status
from local.shopify_store.generate import Population, populate
from local.shopify_store.rest import order as rest_order
from tests.shopify_store.conftest import Admin

D = Decimal
END = datetime(2026, 7, 20, 9, tzinfo=UTC)


def history(seed: int) -> tuple[ShopifyStore, Population]:
    store = ShopifyStore()
    return store, populate(store, seed=seed, customers=25, orders=160, start=END - timedelta(days=40), end=END)


@pytest.fixture(scope="module")
def generated() -> tuple[ShopifyStore, Population]:
    return history(11)


def test_the_same_seed_writes_the_same_shop_and_another_seed_another(
    generated: tuple[ShopifyStore, Population],
) -> None:
    store, made = generated
    again, made_again = history(11)
    assert [rest_order(again.orders[i], again) for i in made_again.orders] == [
        rest_order(store.orders[i], store) for i in made.orders]  # fmt: skip
    other, made_other = history(12)
    assert [rest_order(other.orders[i], other)["total_price"] for i in made_other.orders] != [
        rest_order(store.orders[i], store)["total_price"] for i in made.orders]  # fmt: skip


def test_history_has_the_cases_a_sync_must_survive(generated: tuple[ShopifyStore, Population]) -> None:
    store, made = generated
    orders = [store.orders[i] for i in made.orders]
    assert {o.taxes_included for o in orders} == {True, False}
    assert len({o.currencies.presentment for o in orders}) >= 4
    assert any(len(li.tax_lines) >= 3 for o in orders for li in o.line_items)  # several rates a line
    assert any(li.gift_card for o in orders for li in o.line_items)
    assert any(li.duties for o in orders for li in o.line_items)
    assert any(not o.tip.is_zero for o in orders)
    kinds = Counter(d.allocation_method for o in orders for d in o.discount_applications)
    assert kinds["ACROSS"] and kinds["EACH"]
    assert any(d.target_type == "SHIPPING_LINE" for o in orders for d in o.discount_applications)
    gateways = Counter(t.gateway for o in orders for t in o.transactions)
    assert {"shopify_payments", "gift_card", "paypal", "manual"} <= set(gateways)
    assert {t.kind for o in orders for t in o.transactions} >= {"SALE", "AUTHORIZATION", "CAPTURE"}
    assert any(t.status == "FAILURE" for o in orders for t in o.transactions)
    refunds = [r for o in orders for r in o.refunds]
    assert any(r.adjustments for r in refunds) and any(r.shipping_lines for r in refunds)
    assert any(not r.line_items for r in refunds)  # amount only
    statuses = Counter(financial_status(o) for o in orders)
    assert {"PAID", "PARTIALLY_REFUNDED", "REFUNDED", "PENDING"} <= set(statuses)
    assert any(o.customer_id is None for o in orders)
    skus = [v.sku for p in store.products.values() for v in p.variants]
    assert None in skus and any(s and len(s) > 30 for s in skus)


def test_every_payout_is_its_transactions_gross_less_fees(generated: tuple[ShopifyStore, Population]) -> None:
    store, made = generated
    pay = store.payments
    assert len(made.payouts) >= 10
    types = Counter(r.type for r in pay.rows)
    assert {"CHARGE", "REFUND", "TRANSFER"} <= set(types)
    for payout in pay.payouts.values():
        rows = [r for r in pay.rows if r.payout_id == payout.id and r.type != "TRANSFER"]
        assert payout.net == sum((r.amount for r in rows), D(0)) - sum((r.fee for r in rows), D(0))
        summary = pay.summary(payout.id)
        assert payout.net == sum((g - f for g, f in summary.values()), D(0))
        (transfer,) = [r for r in pay.rows if r.payout_id == payout.id and r.type == "TRANSFER"]
        assert transfer.amount == -payout.net
    assert all(r.fee <= 0 for r in pay.rows if r.type == "REFUND")  # fees returned


def test_payouts_and_balance_transactions_read_as_the_docs_show(store: ShopifyStore, admin: Admin) -> None:
    populate(store, seed=5, customers=8, orders=30, start=END - timedelta(days=10), end=END)
    pay = store.payments
    pay.record("ADJUSTMENT", D("2.13"), D("0.12"), reason="Fee correction")
    (scheduled,) = pay.pay_out()
    failed = pay.settle(scheduled.id, "FAILED")
    retried = pay.pay_out()
    assert [r.type for r in pay.rows if r.payout_id == retried[0].id] == ["TRANSFER_FAILURE", "TRANSFER"]
    assert retried[0].net == failed.net and pay.summary(retried[0].id)["retriedPayouts"][0] == failed.net
    query = """query($q: String) { shopifyPaymentsAccount {
      payouts(first: 10, query: "status:failed") { nodes { id legacyResourceId net { amount currencyCode } status
        transactionType summary { chargesGross { amount } chargesFee { amount } adjustmentsGross { amount } } } }
      balanceTransactions(first: 100, query: $q, hideTransfers: true) { nodes { type amount { amount } fee { amount }
        net { amount } associatedPayout { id status } associatedOrder { name } } } } }"""
    got: dict[str, Any] = admin.data(query, {"q": f"payments_transfer_id:{failed.id}"})["shopifyPaymentsAccount"]
    (payout,) = got["payouts"]["nodes"]
    assert payout["status"] == "FAILED" and D(payout["net"]["amount"]) == failed.net
    rows = got["balanceTransactions"]["nodes"]
    assert rows and all(r["type"] != "TRANSFER" for r in rows)
    assert sum(D(r["net"]["amount"]) for r in rows) == failed.net
    assert all(r["associatedPayout"]["status"] == "FAILED" for r in rows)
    assert D(payout["summary"]["adjustmentsGross"]["amount"]) == D("2.13")
