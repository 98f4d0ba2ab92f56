"""Property: every order of a generated history is self-consistent the way Shopify's are, read
through the simulator's GraphQL API (as xerosync reads it), in both currencies:

* subtotal = sum(line original totals) - sum(line discount allocations); discounts = all allocations;
* every tax line = round(base x rate), or round(base x rate / (1 + sum of the line's rates)) when
  taxes are included, on the line's (shipping line's) total after discounts;
* total tax = sum(line and shipping tax lines) = sum(order tax lines);
* total = subtotal + shipping after discounts + (tax unless included) + duties + tip;
* received = sum(successful SALE/CAPTURE) <= total, = total when PAID; net payment = received - refunds;
* each refund: its money = sum(its successful REFUND transactions) = sum(line subtotals) (+ their
  taxes unless included) + shipping refunds - adjustments; each refund transaction's parent is a
  successful SALE/CAPTURE of the same gateway, never refunded beyond its amount; refunded quantities
  never above what was bought; all refunds <= what was received.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from graphql import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.shopify_store import ShopifyStore
from local.shopify_store.auth import Grant
from local.shopify_store.generate import populate
from local.shopify_store.graphql_api import run
from local.shopify_store.views import Ctx

D = Decimal
M = "shopMoney { amount } presentmentMoney { amount }"
TAX = f"taxLines {{ rate priceSet {{ {M} }} }}"
ALLOC = f"discountAllocations {{ allocatedAmountSet {{ {M} }} }}"
QUERY = parse(f"""{{ orders(first: 250) {{ nodes {{
  legacyResourceId taxesIncluded displayFinancialStatus
  subtotalPriceSet {{ {M} }} totalDiscountsSet {{ {M} }} totalTaxSet {{ {M} }} totalPriceSet {{ {M} }}
  totalTipReceivedSet {{ {M} }} totalReceivedSet {{ {M} }} totalRefundedSet {{ {M} }} netPaymentSet {{ {M} }}
  originalTotalDutiesSet {{ {M} }} {TAX}
  lineItems(first: 50) {{ nodes {{ id quantity originalTotalSet {{ {M} }} {ALLOC} {TAX} }} }}
  shippingLines(first: 10) {{ nodes {{ originalPriceSet {{ {M} }} {ALLOC} {TAX} }} }}
  transactions {{ id kind status gateway amountSet {{ {M} }} parentTransaction {{ id }} }}
  refunds {{ totalRefundedSet {{ {M} }}
    refundLineItems(first: 50) {{ nodes {{ quantity lineItem {{ id }} subtotalSet {{ {M} }} totalTaxSet {{ {M} }} }} }}
    refundShippingLines(first: 10) {{ nodes {{ subtotalAmountSet {{ {M} }} taxAmountSet {{ {M} }} }} }}
    orderAdjustments(first: 10) {{ nodes {{ amountSet {{ {M} }} taxAmountSet {{ {M} }} }} }}
    transactions(first: 20) {{ nodes {{ id kind status gateway amountSet {{ {M} }} }} }} }}
}} }} }}""")
CURRENCIES = ("shopMoney", "presentmentMoney")


def amt(bag: dict[str, Any] | None, cur: str) -> Decimal:
    return D(bag[cur]["amount"]) if bag else D(0)


def sum_of(items: list[Any], field: str, cur: str) -> Decimal:
    return sum((amt(i[field], cur) for i in items), D(0))


def check_taxes(taxes: list[dict[str, Any]], base: Decimal, included: bool) -> None:
    rates = sum((D(str(t["rate"])) for t in taxes), D(0))
    for t in taxes:
        divisor = 1 + rates if included else D(1)
        expected = (base * D(str(t["rate"])) / divisor).quantize(D("0.01"), ROUND_HALF_UP)
        assert amt(t["priceSet"], "presentmentMoney") == expected


def check(order: dict[str, Any]) -> None:
    lines, ships = order["lineItems"]["nodes"], order["shippingLines"]["nodes"]
    included = order["taxesIncluded"]
    for li in lines:  # taxes are computed in the buyer's currency
        after = amt(li["originalTotalSet"], "presentmentMoney") - sum_of(
            li["discountAllocations"], "allocatedAmountSet", "presentmentMoney"
        )
        assert after >= 0
        check_taxes(li["taxLines"], after, included)
    for cur in CURRENCIES:
        line_allocs = sum(sum_of(li["discountAllocations"], "allocatedAmountSet", cur) for li in lines)
        ship_allocs = sum(sum_of(s["discountAllocations"], "allocatedAmountSet", cur) for s in ships)
        subtotal = sum_of(lines, "originalTotalSet", cur) - line_allocs
        assert amt(order["subtotalPriceSet"], cur) == subtotal
        assert amt(order["totalDiscountsSet"], cur) == line_allocs + ship_allocs
        taxes = sum(sum_of(x["taxLines"], "priceSet", cur) for x in lines + ships)
        assert amt(order["totalTaxSet"], cur) == taxes == sum_of(order["taxLines"], "priceSet", cur)
        shipping = sum_of(ships, "originalPriceSet", cur) - ship_allocs
        total = (subtotal + shipping + (0 if included else taxes) + amt(order["originalTotalDutiesSet"], cur)
                 + amt(order["totalTipReceivedSet"], cur))  # fmt: skip
        assert amt(order["totalPriceSet"], cur) == total
        ok = [t for t in order["transactions"] if t["status"] == "SUCCESS"]
        received = sum(amt(t["amountSet"], cur) for t in ok if t["kind"] in ("SALE", "CAPTURE"))
        refunded = sum(amt(t["amountSet"], cur) for t in ok if t["kind"] == "REFUND")
        assert amt(order["totalReceivedSet"], cur) == received and received <= total
        if order["displayFinancialStatus"] == "PAID":
            assert received == total
        assert amt(order["netPaymentSet"], cur) == received - refunded
        assert amt(order["totalRefundedSet"], cur) == refunded <= received
        for r in order["refunds"]:
            rl, rs = r["refundLineItems"]["nodes"], r["refundShippingLines"]["nodes"]
            adj = r["orderAdjustments"]["nodes"]
            money = sum(amt(t["amountSet"], cur) for t in r["transactions"]["nodes"]
                        if t["status"] == "SUCCESS" and t["kind"] == "REFUND")  # fmt: skip
            lines_tax = 0 if included else sum_of(rl, "totalTaxSet", cur)
            ship_tax = 0 if included else sum_of(rs, "taxAmountSet", cur)
            calculated = sum_of(rl, "subtotalSet", cur) + lines_tax + sum_of(rs, "subtotalAmountSet", cur) + ship_tax
            assert amt(r["totalRefundedSet"], cur) == money == calculated - sum_of(adj, "amountSet", cur) - sum_of(
                adj, "taxAmountSet", cur)  # fmt: skip
    by_id = {t["id"]: t for t in order["transactions"]}
    back: dict[str, Decimal] = defaultdict(D)
    for t in order["transactions"]:
        if t["kind"] == "REFUND":
            parent = by_id[t["parentTransaction"]["id"]]
            assert parent["kind"] in ("SALE", "CAPTURE") and parent["status"] == "SUCCESS"
            assert parent["gateway"] == t["gateway"]
            back[parent["id"]] += amt(t["amountSet"], "presentmentMoney")
            assert back[parent["id"]] <= amt(parent["amountSet"], "presentmentMoney")
        if t["kind"] == "CAPTURE":
            assert by_id[t["parentTransaction"]["id"]]["kind"] == "AUTHORIZATION"
    bought = {li["id"]: li["quantity"] for li in lines}
    taken: dict[str, int] = defaultdict(int)
    for r in order["refunds"]:
        for x in r["refundLineItems"]["nodes"]:
            taken[x["lineItem"]["id"]] += x["quantity"]
    assert all(taken[i] <= bought[i] for i in taken)


def orders_of(store: ShopifyStore) -> list[dict[str, Any]]:
    answer = run(Ctx(store, Grant("shpat_test", store.app, None)), QUERY, {}, None)
    assert "errors" not in answer, answer.get("errors")
    return list(answer["data"]["orders"]["nodes"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), included=st.booleans())
def test_every_generated_order_is_self_consistent(seed: int, included: bool) -> None:
    store = ShopifyStore(taxes_included=included)
    end = datetime(2026, 7, 20, tzinfo=UTC)
    populate(store, seed=seed, customers=6, orders=14, start=end - timedelta(days=20), end=end)
    orders = orders_of(store)
    assert len(orders) == 14
    for order in orders:
        check(order)


def test_the_check_catches_an_order_that_does_not_add_up() -> None:
    store = ShopifyStore()
    end = datetime(2026, 7, 20, tzinfo=UTC)
    populate(store, seed=3, customers=4, orders=6, start=end - timedelta(days=5), end=end)
    order = orders_of(store)[0]
    order["totalPriceSet"]["shopMoney"]["amount"] = str(D(order["totalPriceSet"]["shopMoney"]["amount"]) + D("0.01"))
    try:
        check(order)
    except AssertionError:
        return
    raise AssertionError("a total one cent off passed the check")
