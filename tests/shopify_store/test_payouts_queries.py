"""The contract of the adapter's payout documents (xerosync.sources.shopify.payouts) with the
simulator's schema (a faithful subset of Shopify's): each validates, runs over HTTP within
Shopify's single-query cost cap, and reads a payout as its transactions add up to it."""

from decimal import Decimal

from graphql import parse, validate

from local.shopify_store import ShopifyStore
from local.shopify_store.graphql_api import schema
from local.shopify_store.model import gid
from tests.shopify_store.conftest import Admin, simple_order
from xerosync.sources.shopify import payouts
from xerosync.sources.shopify.store import ShopifyStore as Adapter

DOCUMENTS = {"PAYOUTS": payouts.PAYOUTS, "PAYOUT": payouts.PAYOUT, "TRANSACTIONS": payouts.TRANSACTIONS}


def test_every_payout_document_validates_against_the_schema() -> None:
    for name, document in DOCUMENTS.items():
        problems = validate(schema(), parse(document))
        assert not problems, f"payouts.{name}: {[p.message for p in problems]}"


def test_every_payout_document_runs_within_the_cost_cap(store: ShopifyStore, admin: Admin) -> None:
    simple_order(store)
    [made] = store.payments.pay_out()
    store.payments.settle(made.id, "PAID")
    variables = {
        "PAYOUTS": {"first": payouts.PAGE, "query": "issued_at:>='2020-01-01T00:00:00Z'"},
        "PAYOUT": {"id": gid("ShopifyPaymentsPayout", made.id)},
        "TRANSACTIONS": {"first": payouts.PAGE, "query": f"payments_transfer_id:{made.id}"},
    }
    for name, document in DOCUMENTS.items():
        store.clock.advance(30)
        reply = admin.call(document, variables[name])
        assert reply.status == 200 and "errors" not in reply.body, f"payouts.{name}: {reply.body}"
    rows = admin.data(payouts.TRANSACTIONS, variables["TRANSACTIONS"])["shopifyPaymentsAccount"]["balanceTransactions"]
    assert "TRANSFER" not in {r["type"] for r in rows["nodes"]}  # hideTransfers: the payout itself left out
    assert sum(Decimal(r["net"]["amount"]) for r in rows["nodes"]) == made.net


def test_the_adapter_reads_a_payout_as_a_settlement_of_its_lines(store: ShopifyStore) -> None:
    order = simple_order(store)
    [made] = store.payments.pay_out()
    store.payments.settle(made.id, "PAID")
    from xerosync.sources.shopify.adapter import SOURCE

    client = SOURCE.client(
        {"shop": store.url, "client_id": store.app.client_id, "client_secret": store.app.client_secret}
    )
    assert isinstance(client, Adapter)
    [found] = list(client.settlements(made.issued_at.replace(year=2000)))
    assert (found.key, found.status, found.deposit) == (f"payout:{made.id}", "paid", made.net)
    settlement = client.settlement(found.id)
    assert settlement.lines_total == settlement.deposit == made.net and settlement.reference == made.trace
    [charge] = [e for e in settlement.entries if e.category == "charge"]
    assert charge.sale_key == f"order:{order.id}" and charge.tender == str(order.transactions[-1].id)
