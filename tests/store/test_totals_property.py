"""Property: any order the simulated shop computes is internally consistent the way WooCommerce's
are, and parses with xerosync's models.

The identities (money as the REST API prints it, at the price decimals):

* total == sum(line totals) + shipping total + fee totals + total_tax, exactly, except with
  tax-inclusive prices *and* rounding at subtotal, where WooCommerce prints line totals
  rounded from six stored decimals: there the identity holds on the stored values and the
  printed lines may be off by at most half a cent per line (WC #54525);
* with rounding at subtotal, total_tax == round(sum of every per-rate tax of every line, fee
  and shipping line, as stored); without it, total_tax == sum of the lines' rounded taxes;
* total >= 0, every line total <= its subtotal and >= 0 (except the over-discounted price
  abroad, see ``totals.py``), discounts are the lines' subtotals less their totals (to the
  stored precision); a total clamped at 0 is exempt from the first identity.
"""

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from local.woo_store import Settings, WooStore
from local.woo_store.money import php_round
from tests.store.conftest import ADDRESS
from xerosync.sources.woocommerce.models import Order

D = Decimal
PERCENTS = ["0", "5", "7.25", "10", "15", "20", "9.975", "2.5"]
CLASSES = ["", "", "reduced-rate", "zero-rate"]


@st.composite
def shops(draw: st.DrawFn) -> dict[str, Any]:
    decimals = draw(st.sampled_from([0, 2]))
    unit = D(1).scaleb(-decimals)
    amount = st.integers(min_value=0, max_value=50_000).map(lambda n: D(n) * unit)
    rates = []
    for tax_class in ("", "reduced-rate", "zero-rate"):
        for priority in range(1, draw(st.integers(0 if tax_class else 1, 3)) + 1):
            rates.append((tax_class, priority, draw(st.sampled_from(PERCENTS)), priority > 1 and draw(st.booleans())))
    items = draw(
        st.lists(
            st.tuples(amount, st.integers(1, 12), st.sampled_from(CLASSES), st.booleans() | st.just(True)),
            min_size=1,
            max_size=6,
        )
    )
    coupons = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("percent"), st.integers(1, 100).map(D)),
                st.tuples(st.just("fixed_cart"), amount),
                st.tuples(st.just("fixed_product"), st.integers(0, 2_000).map(lambda n: D(n) * unit)),
            ),
            max_size=3,
        )
    )
    fees = draw(
        st.lists(
            st.tuples(st.integers(-20_000, 20_000).map(lambda n: D(n) * unit), st.booleans(), st.sampled_from(CLASSES)),
            max_size=2,
        )
    )
    return {
        "decimals": decimals,
        "inclusive": draw(st.booleans()),
        "subtotal": draw(st.booleans()),
        "abroad": draw(st.integers(0, 5)) == 0,
        "rates": rates,
        "items": items,
        "coupons": coupons,
        "fees": fees,
        "shipping": draw(st.lists(amount, max_size=2)),
    }


def build(shop: dict[str, Any]) -> tuple[WooStore, dict[str, Any]]:
    store = WooStore(
        Settings(
            currency="JPY" if shop["decimals"] == 0 else "AUD",
            price_decimals=shop["decimals"],
            prices_include_tax=shop["inclusive"],
            tax_round_at_subtotal=shop["subtotal"],
        )
    )
    for tax_class, priority, percent, compound in shop["rates"]:
        store.add_tax_rate(
            percent, f"T{priority}", country="AU", priority=priority, compound=compound, tax_class=tax_class
        )
    lines = []
    for n, (price, quantity, tax_class, taxable) in enumerate(shop["items"]):
        status = "taxable" if taxable else "none"
        product = store.add_product(f"P{n}", price, tax_class=tax_class, tax_status=status)
        lines.append((product.id, quantity))
    codes = []
    for n, (kind, value) in enumerate(shop["coupons"]):
        codes.append(store.add_coupon(f"c{n}", kind, value).code)
    billing = {**ADDRESS, "country": "NZ"} if shop["abroad"] else ADDRESS
    order = store.place_order(
        lines,
        billing=billing,
        coupons=codes,
        shipping_lines=[str(s) for s in shop["shipping"]],
        fees=[
            {"name": f"F{n}", "amount": str(a), "taxable": t, "tax_class": c}
            for n, (a, t, c) in enumerate(shop["fees"])
        ],
    )
    return store, store.order_json(order.id)


def dec(values: list[dict[str, Any]], key: str) -> Decimal:
    return sum((D(v[key]) for v in values), D(0))


@settings(max_examples=400, deadline=None)
@given(shops())
def test_every_order_adds_up_the_way_woocommerce_adds_it_up(shop: dict[str, Any]) -> None:
    store, order = build(shop)
    parsed = Order.model_validate(order)
    dp = shop["decimals"]
    totals = store.order(order["id"]).totals
    lines, ships, fees = order["line_items"], order["shipping_lines"], order["fee_lines"]
    printed = dec(lines, "total") + dec(ships, "total") + dec(fees, "total") + D(order["total_tax"])
    stored_taxes = [
        t for group in (totals.items, totals.fees, totals.shipping) for x in group for t in x.taxes.values()
    ]
    assert D(order["total"]) >= 0 and parsed.total == D(order["total"])
    if shop["inclusive"] and shop["subtotal"]:
        stored = sum((i.total for i in totals.items), D(0)) + sum((f.total for f in totals.fees), D(0))
        stored += sum((s.total for s in totals.shipping), D(0))
        if totals.total > 0:  # a total clamped at zero keeps no identity (totals.py)
            assert totals.total == php_round(stored + sum(stored_taxes, D(0)), dp)
            assert abs(printed - D(order["total"])) <= D(len(lines)) * D(1).scaleb(-dp) / 2 + D(1).scaleb(-dp)
    elif totals.total > 0:
        assert printed == D(order["total"])
    if shop["subtotal"]:
        assert totals.total_tax == php_round(sum(stored_taxes, D(0)), dp)
    else:
        line_taxes = dec(lines, "total_tax") + dec(fees, "total_tax") + D(order["shipping_tax"])
        assert D(order["total_tax"]) == line_taxes == D(order["cart_tax"]) + D(order["shipping_tax"])
    # below zero only where WooCommerce discounts an unrounded price abroad past itself (totals.py)
    overdiscounted = shop["inclusive"] and shop["abroad"] and bool(shop["coupons"])
    for line in lines:
        assert D(line["total"]) <= D(line["subtotal"]) and (D(line["total"]) >= 0 or overdiscounted)
    discounts = sum((i.subtotal - i.total for i in totals.items), D(0))
    assert abs(totals.discount_total - discounts) <= D("0.00001") * len(lines)
    assert [c["code"] for c in order["coupon_lines"]] == [f"c{n}" for n in range(len(shop["coupons"]))]
