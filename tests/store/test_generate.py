"""The seeded generator: realistic, varied, reproducible; and the command line that serves it."""

import json
import re
import subprocess
import sys
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from local.sam import ROOT
from local.woo_store import Settings, WooStore
from local.woo_store.generate import Population, populate
from xerosync.sources.woocommerce.models import Customer, Order

D = Decimal
END = datetime(2026, 11, 20, 9, tzinfo=UTC)
START = END - timedelta(days=60)


def history(seed: int, settings: Settings | None = None) -> tuple[WooStore, Population]:
    store = WooStore(settings or Settings())
    return store, populate(store, seed=seed, customers=25, orders=220, start=START, end=END)


@pytest.fixture(scope="module")
def generated() -> tuple[WooStore, Population, list[dict[str, Any]]]:
    store, made = history(11)
    return store, made, [store.order_json(i) for i in made.orders]


def test_the_same_seed_writes_the_same_shop_and_another_seed_another(
    generated: tuple[WooStore, Population, list[dict[str, Any]]],
) -> None:
    store, made, orders = generated
    again, made_again = history(11)
    assert [again.order_json(i) for i in made_again.orders] == orders
    assert [again.customer_json(i) for i in made_again.customers] == [store.customer_json(i) for i in made.customers]
    other, made_other = history(12)
    assert [other.order_json(i) for i in made_other.orders] != orders


def test_history_has_the_awkward_cases_a_sync_must_survive(
    generated: tuple[WooStore, Population, list[dict[str, Any]]],
) -> None:
    store, made, orders = generated
    customers = [store.customer_json(i) for i in made.customers]
    names = Counter((c["first_name"], c["last_name"]) for c in customers)
    assert any(n > 1 for n in names.values())  # namesakes with different e-mails
    assert len({c["email"] for c in customers}) == len(customers)
    guests = [o for o in orders if o["customer_id"] == 0]
    assert guests and all(o["billing"]["email"] for o in guests)
    assert any(not o["billing"]["first_name"] for o in guests)  # a guest who left only an e-mail
    skus = [store.product_json(p)["sku"] for p in made.products]
    assert any(len(s) > 30 for s in skus) and "" in skus
    assert {o["prices_include_tax"] for o in orders} == {True, False}
    assert any(D(f["total"]) < 0 for o in orders for f in o["fee_lines"])
    assert {c["discount_type"] for o in orders for c in o["coupon_lines"]} == {"percent", "fixed_cart", "fixed_product"}
    assert any(o["shipping_lines"] for o in orders) and any(o["line_items"][0]["variation_id"] for o in orders)
    assert len({t["rate_id"] for o in orders for t in o["tax_lines"]}) >= 3
    statuses = Counter(o["status"] for o in orders)
    assert {"processing", "completed", "cancelled", "failed", "refunded", "checkout-draft"} <= set(statuses)
    partial = [o for o in orders if o["refunds"] and o["status"] != "refunded"]
    assert partial and statuses["refunded"] > 0
    assert any(o["date_paid_gmt"] and o["date_paid_gmt"] > o["date_created_gmt"] for o in orders)  # paid later
    assert any(max(o["quantity"] for o in order["line_items"]) >= 4 for order in orders)


def test_every_generated_record_parses_and_sits_in_the_date_range(
    generated: tuple[WooStore, Population, list[dict[str, Any]]],
) -> None:
    store, made, orders = generated
    for order in orders:
        parsed = Order.model_validate(json.loads(json.dumps(order), parse_float=Decimal))
        assert parsed.date_created_gmt is not None
        assert START.replace(tzinfo=None) <= parsed.date_created_gmt <= END.replace(tzinfo=None)
        assert order["date_modified_gmt"] >= order["date_created_gmt"]
    for customer_id in made.customers:
        Customer.model_validate(store.customer_json(customer_id))


def test_a_zero_decimal_shop_generates_whole_amounts() -> None:
    store, made = history(5, Settings(currency="JPY"))
    totals = [store.order_json(i)["total"] for i in made.orders]
    assert all(re.fullmatch(r"\d+", t) for t in totals) and len(set(totals)) > 10


def test_the_command_line_serves_a_generated_store() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.woo_store", "--port", "0", "--seed", "3", "--orders", "15", "--customers", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(5)]
        api = next(line.split()[-1] for line in printed if "REST API" in line)
        key = next(line.split()[-1] for line in printed if "consumer_key" in line)
        secret = next(line.split()[-1] for line in printed if "consumer_secret" in line)
        with urllib.request.urlopen(f"{api}/orders?consumer_key={key}&consumer_secret={secret}", timeout=10) as reply:
            assert reply.headers["X-WP-Total"] == "15"
            assert len(json.loads(reply.read())) == 10
    finally:
        process.terminate()
        process.wait(timeout=10)
