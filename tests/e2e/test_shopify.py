"""A Shopify shop end to end: the Shopify simulator (Shopify's arithmetic, signed webhooks with
its headers, the Admin GraphQL API the adapter re-reads each order from, client-credentials
tokens) -> the local stack deployed with StoreSource=shopify (local/shopify.py) -> the Xero sandbox.

The property: for orders hypothesis makes up (prices with taxes included and not, one to three
rates a line, discounts across the order and per unit, free and taxed shipping, duties, tips,
buyers paying in AUD, NZD or USD in an AUD shop, card, PayPal, captured authorisations, manual
payments and split gift-card tenders, partial refunds of lines and shipping whose money differs
from their lines, goodwill refunds), delivered duplicated and shuffled, Xero ends with exactly
one invoice per order whose Total and TotalTax are Shopify's (shop money) to the cent and
nothing due, one credit note per refund carrying the refund's money (its transactions: the
truth), one contact per buyer; delivering every webhook once more writes nothing.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from graphql import parse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from local.shopify import CA_TAXES, GST, NZ_GST, US_TAXES, ShopifyStack, shop, start
from local.shopify_store import LineSpec, ShippingSpec, sign
from local.shopify_store.arithmetic import Rate
from local.shopify_store.auth import Grant
from local.shopify_store.cost import Limits as CostLimits
from local.shopify_store.graphql_api import run
from local.shopify_store.model import DiscountApplication
from local.shopify_store.orders import OrderError
from local.shopify_store.views import Ctx
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.invoices import outstanding
from local.xero_sandbox.state import Limits
from tests.conftest import reference_file

D = Decimal
ORDERS_PER_EXAMPLE = 7
EXAMPLES = 3  # 21 orders a run
ROOMY = Limits(concurrent=5, minute=100_000, day=1_000_000)


@dataclass(frozen=True)
class Market:
    included: bool
    rates: tuple[Rate, ...]
    shipping_rates: tuple[Rate, ...]
    currency: str | None  # the buyer's, when not the shop's (AUD)
    rate: Decimal  # AUD per unit of it
    duties: bool = False


MARKETS = {
    "AU": Market(True, GST, GST, None, D(1)),
    "AU business": Market(False, GST, GST, None, D(1)),  # prices shown before GST
    "NZ": Market(True, NZ_GST, NZ_GST, "NZD", D("0.9137"), duties=True),
    "US": Market(False, US_TAXES, (), "USD", D("1.5234"), duties=True),
    "CA": Market(False, CA_TAXES, (("GST", D("0.05")),), None, D(1)),
}
CATALOGUE = [
    ("Merino Beanie", "SHP-BEANIE"),
    ("Enamel Camp Mug", "SHP-MUG"),
    ("Trail Socks", None),  # a variant without a SKU
    ("Waterproof Trail Running Jacket - Women's Medium", "SHP-WATERPROOF-TRAIL-RUNNING-JACKET-W-M"),  # > 30
]
BUYERS = ["olivia@example.com", "sam@example.net", "wei@example.org", "guest.one@example.com", "guest.two@example.com"]
CUSTOMERS = BUYERS[:3]  # Shopify customers; the other two buy as guests (an e-mail only)


@dataclass(repr=False)
class Shop:
    running: ShopifyStack
    customers: dict[str, int]  # email -> Shopify customer id
    products: list[tuple[int, int, str | None]]  # (product id, variant id, sku)

    @property
    def store(self) -> Any:
        return self.running.store

    @property
    def org(self) -> Any:
        return self.running.org

    def settle(self) -> None:
        assert self.running.settle(180), "the shop or the stack did not settle"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"<the shop and stack {self.running.stack.stack_name}>")  # not the whole organisation

    def writes(self) -> int:
        calls = self.running.sandbox.state.calls.items()
        return sum(n for (_, endpoint), n in calls if not endpoint.startswith("GET"))


@pytest.fixture(scope="module")
def shopify() -> Iterator[Shop]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Shopify Outfitters Pty Ltd", limits=ROOMY)
    connection = sandbox.add_client([org.tenant_id])
    # a Shopify Plus shop (restore 1,000 points a second): the property is about the books; a
    # Standard shop's bucket under a batch is tests/shopify_store/test_client_turns.py's
    plus = CostLimits(maximum=20_000.0, restore_rate=1_000.0)
    running = start("e2e-shopify", sandbox, org, connection, store=shop(seed=15, limits=plus))
    try:
        store = running.store
        customers = {email: store.add_customer(email, email.split("@")[0].title(), "Buyer").id for email in CUSTOMERS}
        products = []
        for title, sku in CATALOGUE:
            product = store.add_product(title, [("Default Title", "20.00", sku)])
            products.append((product.id, product.variants[0].id, sku))
        assert running.settle(120)
        yield Shop(running, customers, products)
    finally:
        running.stop()
        sandbox.stop()


# --- what Shopify says (its Admin GraphQL API, in process) -----------------------------------------
M = "shopMoney { amount }"
TRUTH = parse(f"""query Truth {{ orders(first: 250) {{ nodes {{
  legacyResourceId name email totalPriceSet {{ {M} }} totalTaxSet {{ {M} }} totalOutstandingSet {{ {M} }}
  transactions {{ kind status gateway amountSet {{ {M} }} }}
  refunds {{ legacyResourceId
    refundLineItems(first: 50) {{ nodes {{ totalTaxSet {{ {M} }} }} }}
    refundShippingLines(first: 10) {{ nodes {{ taxAmountSet {{ {M} }} }} }}
    transactions(first: 20) {{ nodes {{ kind status amountSet {{ {M} }} }} }} }}
}} }} }}""")


def amount(bag: dict[str, Any] | None) -> Decimal:
    return D(str(bag["shopMoney"]["amount"])) if bag else D(0)


def shopify_orders(shop_: Shop, ids: list[int]) -> list[dict[str, Any]]:
    store = shop_.store
    answer = run(Ctx(store, Grant("shpat_e2e", store.app, None)), TRUTH, {}, "Truth")
    assert "errors" not in answer, answer.get("errors")
    found = [o for o in answer["data"]["orders"]["nodes"] if int(o["legacyResourceId"]) in ids]
    assert sorted(int(o["legacyResourceId"]) for o in found) == sorted(ids)
    return found


def money_in(transactions: list[dict[str, Any]], kinds: tuple[str, ...]) -> list[Decimal]:
    return [amount(t["amountSet"]) for t in transactions if t["kind"] in kinds and t["status"] == "SUCCESS"]


# --- orders hypothesis makes up -----------------------------------------------------------------------
prices = st.decimals(min_value=D("1.00"), max_value=D("240.00"), places=2)


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    market = draw(st.sampled_from(sorted(MARKETS)))
    m = MARKETS[market]
    lines = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "product": st.integers(0, len(CATALOGUE) - 1),
                    "price": prices,
                    "quantity": st.integers(1, 3),
                    "untaxed": st.sampled_from([False, False, False, True]),  # about one line in four
                    "duty": st.sampled_from([D(0), D(0), D("3.40"), D("12.75")]) if m.duties else st.just(D(0)),
                }
            ),
            min_size=1,
            max_size=3,
        )
    )
    return {
        "market": market,
        "lines": lines,
        "shipping": draw(st.sampled_from([None, D("9.00"), D("15.50")])),
        "discount": draw(
            st.sampled_from(
                [None, None, ("code", D(10)), ("fixed", D("7.50")), ("each", D("1.25")), ("freeship", D(100))]
            )
        ),
        "tip": draw(st.sampled_from([D(0), D(0), D(0), D("2.00")])),
        "buyer": draw(st.sampled_from(BUYERS)),
        "payment": draw(st.sampled_from(["shopify_payments", "paypal", "capture", "manual", "split"])),
        "refunds": draw(
            st.lists(
                st.one_of(
                    st.fixed_dictionaries(
                        {
                            "kind": st.just("lines"),
                            "line": st.integers(0, 2),
                            "shipping": st.booleans(),
                            # the money given back when it is not what the lines say (an adjustment)
                            "money": st.sampled_from([None, None, D("4.00"), D("11.11")]),
                        }
                    ),
                    st.fixed_dictionaries(
                        {"kind": st.just("goodwill"), "money": st.sampled_from([D("2.00"), D("5.00")])}
                    ),
                ),
                max_size=2,
            )
        ),
    }


def discounts(spec: dict[str, Any], count: int) -> list[tuple[DiscountApplication, list[int]]]:
    every = list(range(count))
    match spec["discount"]:
        case ("code", value):
            app = DiscountApplication(
                0, "DiscountCodeApplication", "SPRING10", "percentage", value, "ACROSS", "ALL", "LINE_ITEM"
            )
            return [(app, every)]
        case ("fixed", value):
            app = DiscountApplication(
                0, "DiscountCodeApplication", "TAKE7", "fixed_amount", value, "ACROSS", "ALL", "LINE_ITEM"
            )
            return [(app, every)]
        case ("each", value):
            app = DiscountApplication(
                0, "ManualDiscountApplication", "Loyalty", "fixed_amount", value, "EACH", "EXPLICIT", "LINE_ITEM"
            )
            return [(app, [0])]
        case ("freeship", value):
            app = DiscountApplication(
                0, "DiscountCodeApplication", "FREESHIP", "percentage", value, "ACROSS", "ALL", "SHIPPING_LINE"
            )
            return [(app, [])]
    return []


def place(shop_: Shop, spec: dict[str, Any]) -> int:
    """Checkout and payment, as the buyer and Shopify make them."""
    store, m = shop_.store, MARKETS[spec["market"]]
    lines = []
    for line in spec["lines"]:
        product_id, variant_id, sku = shop_.products[line["product"]]
        title = CATALOGUE[line["product"]][0]
        rates = () if line["untaxed"] else m.rates
        lines.append(
            LineSpec(title, line["price"], line["quantity"], rates, sku, variant_id, product_id, duty=line["duty"])
        )
    buyer = spec["buyer"]
    order = store.place_order(
        lines,
        customer_id=shop_.customers.get(buyer),
        email=buyer,
        shipping=[ShippingSpec("Standard", spec["shipping"], m.shipping_rates)] if spec["shipping"] else [],
        discounts=discounts(spec, len(lines)),
        taxes_included=m.included,
        presentment=m.currency,
        rate=m.rate,
        tip=spec["tip"],
    )
    owed = store.orders[order.id]
    if totals_outstanding(owed) <= 0:
        return int(order.id)
    match spec["payment"]:
        case "capture":
            store.pay(order.id, kind="AUTHORIZATION")
            store.capture(order.id)
        case "manual":
            store.mark_as_paid(order.id)
        case "split":
            part = min(D("10.00"), totals_outstanding(owed) - D("0.01"))
            if part > 0:
                store.pay(order.id, "gift_card", amount=part)
            store.pay(order.id)
        case gateway:
            store.pay(order.id, gateway)
    return int(order.id)


def totals_outstanding(order: Any) -> Decimal:
    from local.shopify_store.orders import outstanding as owed

    return D(owed(order).presentment)


def refund(shop_: Shop, order_id: int, spec: dict[str, Any]) -> None:
    store = shop_.store
    order = store.orders[order_id]
    try:
        if spec["kind"] == "goodwill":
            store.refund(order_id, amount=spec["money"], note="Goodwill")
        else:
            line = order.line_items[spec["line"] % len(order.line_items)]
            store.refund(
                order_id, lines=[(line.id, 1)], shipping=spec["shipping"], amount=spec["money"], note="Returned"
            )
    except OrderError:
        pass  # Shopify would refuse it (nothing left of that line, or more money than came in)


def deliver_shuffled(shop_: Shop, rng: random.Random, duplicate_share: float) -> None:
    """Release what the shop held: some deliveries twice (their retry: the same X-Shopify-Webhook-Id),
    all in a shuffled order."""
    hooks = shop_.store.hooks
    for delivery in hooks.pending():
        if rng.random() < duplicate_share:
            hooks.duplicate(delivery.webhook_id)
    hooks.rng.seed(rng.random())
    hooks.reorder("shuffle")
    hooks.hold(False)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # a shrink would replay minutes of the stack
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(specs=st.lists(orders(), min_size=ORDERS_PER_EXAMPLE, max_size=ORDERS_PER_EXAMPLE), seed=st.integers(0, 2**32))
def test_generated_orders_land_in_xero_to_the_cent_once_whatever_the_deliveries(
    shopify: Shop, specs: list[dict[str, Any]], seed: int
) -> None:
    rng, store = random.Random(seed), shopify.store
    first = len(store.delivery_log())
    # Given orders placed and paid, their webhooks held, then delivered duplicated and shuffled
    store.hooks.hold(True)
    ids = [place(shopify, spec) for spec in specs]
    deliver_shuffled(shopify, rng, 0.3)
    shopify.settle()
    # and refunds later, delivered the same way
    store.hooks.hold(True)
    for order_id, spec in zip(ids, specs, strict=True):
        for wanted in spec["refunds"]:
            refund(shopify, order_id, wanted)
    deliver_shuffled(shopify, rng, 0.3)
    shopify.settle()

    # Then Xero holds Shopify's orders to the cent, once each
    org = shopify.org
    truth = shopify_orders(shopify, ids)
    invoices = {i["InvoiceNumber"]: i for i in org.invoices.values()}
    assert len(invoices) == len(org.invoices), "two invoices share a number"
    for order in truth:
        number = "SH-" + order["name"].lstrip("#")
        invoice = [i for i in org.invoices.values() if i["InvoiceNumber"] == number]
        if amount(order["totalPriceSet"]) == 0:  # discounted to nothing: not invoiced (zero_total_orders off)
            assert invoice == [], f"{number}: a zero-total order was invoiced; {story(shopify, order)}"
            continue
        assert len(invoice) == 1, f"{number}: {len(invoice)} invoices; {story(shopify, order)}"
        [inv] = invoice
        assert (inv["Total"], inv["TotalTax"]) == (amount(order["totalPriceSet"]), amount(order["totalTaxSet"])), number
        assert inv["CurrencyCode"] == "AUD"
        # every line is one of Shopify's: nothing but cents is left to the rounding account
        rounding = sum((x["LineAmount"] for x in inv["LineItems"] if x.get("AccountCode") == "860"), D(0))
        assert abs(rounding) <= D("0.05"), f"{number}: {rounding} booked as rounding"
        # a tender worth nothing in the shop's currency (the last 0.01 NZD of a split payment, once the
        # gift card's share took the whole AUD total) leaves nothing due: Xero gets no payment for it
        paid = [money for money in money_in(order["transactions"], ("SALE", "CAPTURE")) if money != 0]
        payments = [
            p for p in org.payments.values() if p["Document"][1] == inv["InvoiceID"] and p["Status"] != "DELETED"
        ]
        assert sorted(p["Amount"] for p in payments) == sorted(paid), f"{number}: one payment per tender, once"
        if amount(order["totalOutstandingSet"]) == 0 and inv["Total"] > 0:
            assert inv["AmountDue"] == D("0.00") and inv["Status"] == "PAID", number
        for r in order["refunds"]:
            money = sum(money_in(r["transactions"]["nodes"], ("REFUND",)), D(0))
            notes = [
                c for c in org.credit_notes.values() if c["CreditNoteNumber"] == f"{number}-R{r['legacyResourceId']}"
            ]
            if money == 0:
                assert notes == [], f"{number}: a refund that moved no money is not a credit note"
                continue
            assert len(notes) == 1, f"{number} refund {r['legacyResourceId']}: {len(notes)} credit notes"
            [note] = notes
            assert note["Total"] == money, f"{number}: the credit note carries the refund's money"
            lines = r["refundLineItems"]["nodes"] + r["refundShippingLines"]["nodes"]
            if lines:  # an amount-only refund's tax is the settings' choice (refunds.amount_only_tax)
                tax = sum((amount(x.get("totalTaxSet") or x.get("taxAmountSet")) for x in lines), D(0))
                assert note["TotalTax"] == tax, f"{number}: the credit note's tax is the refunded lines'"
            assert outstanding(note) == 0, f"{number}: the refund's money went back (a payment on the credit note)"
    # one contact per buyer
    for email in BUYERS:
        same = [c for c in org.contacts.values() if str(c.get("EmailAddress", "")).lower() == email]
        assert len(same) <= 1, f"{email}: {len(same)} contacts"
    assert not [e for e in sync_log(shopify) if e["outcome"] == "failed"]

    # And every webhook delivered once more (Shopify's retries, a day late) writes nothing
    writes = shopify.writes()
    for record in store.delivery_log()[first:]:
        if record.ok and not record.duplicate:
            store.hooks.duplicate(record.webhook_id)
    shopify.settle()
    assert shopify.writes() == writes


def story(shop_: Shop, order: dict[str, Any]) -> list[str]:
    """What the sync log says of an order (for a failure's message)."""
    key = f"order:{order['legacyResourceId']}"
    entries = sorted((e for e in sync_log(shop_) if e["key"] == key), key=lambda e: e["at"])
    return [f"{e['outcome']} {e.get('action', '')} {e.get('reason', '')}" for e in entries]


def sync_log(shop_: Shop) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer()
    stack = shop_.running.stack
    items = stack.client("dynamodb").scan(TableName=stack.resources["SyncLogTable"])["Items"]
    return [{k: plain.deserialize(v) for k, v in i.items()} for i in items]


# --- Shopify's own samples through the ingress ------------------------------------------------------
def vector(name: str) -> tuple[dict[str, str], bytes, str]:
    headers = json.loads(reference_file("fixtures", "shopify", f"{name}_headers.json").read_text())
    body = reference_file("fixtures", "shopify", headers["test_vector"]["body_file"]).read_bytes()
    return headers["headers"], body, headers["test_vector"]["client_secret"]


@pytest.mark.parametrize("name", ["orders_create", "refunds_create"])
def test_the_docs_signature_vector_verifies_and_a_changed_byte_is_401_with_nothing_enqueued(
    shopify: Shop, name: str
) -> None:
    headers, body, secret = vector(name)
    stack = shopify.running.stack
    assert secret == shopify.store.app.client_secret  # the simulator's app is the docs' test app
    shopify.settle()
    polled = sum(s.records for s in stack.poller_stats.values())
    changed = bytearray(body)
    changed[len(body) // 2] ^= 0x01
    status, _, _ = stack.http_request("POST", "/webhooks/shopify", headers, bytes(changed))
    assert status == 401
    status, _, _ = stack.http_request("POST", "/webhooks/shopify", {**headers, "X-Shopify-Hmac-Sha256": ""}, body)
    assert status == 401
    shopify.settle()
    assert sum(s.records for s in stack.poller_stats.values()) == polled  # nothing reached a queue
    done = sum(s.records - s.failed_records for s in stack.poller_stats.values())
    # the vector itself verifies and is enqueued (its order is not in this shop: nothing lands in Xero);
    # counted once done: after a large example the minute's budget may be scarce, and a batch of one is
    # then held back on its queue to meet others (xerosync.xero.pacing) and delivered twice
    status, _, _ = stack.http_request("POST", "/webhooks/shopify", headers, body)
    assert status == 200
    shopify.settle()
    assert sum(s.records - s.failed_records for s in stack.poller_stats.values()) == done + 1
    order = json.loads(body)["order_id" if name == "refunds_create" else "id"]
    logged = [e for e in sync_log(shopify) if e["key"] == f"order:{order}"]
    assert logged and all(e["outcome"] != "failed" for e in logged), logged
    assert not [i for i in shopify.org.invoices.values() if i["InvoiceNumber"] == "SH-9999"]


def signed(topic: str, body: bytes, secret: str, webhook_id: str) -> dict[str, str]:
    """Shopify's headers for a delivery of ``body`` (signed by the simulator's own signer)."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": "jsmith.myshopify.com",
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": webhook_id,
    }


def test_the_docs_customer_and_product_samples_through_the_ingress(shopify: Shop) -> None:
    # Given Shopify's own customers/create and products/update samples, signed with the app's secret
    stack, secret = shopify.running.stack, shopify.store.app.client_secret
    customer = reference_file("fixtures", "shopify", "customers_create_sample_payload_2026-07.json").read_bytes()
    product = reference_file("fixtures", "shopify", "products_update_sample_payload_2026-07.json").read_bytes()
    for topic, body in (("customers/create", customer), ("products/update", product)):
        status, _, _ = stack.http_request("POST", "/webhooks/shopify", signed(topic, body, secret, topic), body)
        assert status == 200
    shopify.settle()
    # Then the customer is a contact (read from the body: it carries the whole record), and the
    # product, sold as two variants without a SKU, makes no Xero item and says why in the sync log
    [bob] = [c for c in shopify.org.contacts.values() if c.get("ContactNumber") == "706405506930370084"]
    assert (bob["Name"], bob["EmailAddress"]) == ("Bob Biller", "bob@biller.com")
    [product] = [e for e in sync_log(shopify) if e["key"] == "product:788032119674292922"]
    assert product["outcome"] == "skipped" and product["reason"], product
    assert not [i for i in shopify.org.items.values() if "T-Shirt" in str(i.get("Name"))]


def test_the_shops_privacy_requests_and_its_uninstall_reach_the_stack(shopify: Shop) -> None:
    """Last in this module: the uninstall stops the stack's sync."""
    from typer.testing import CliRunner

    from tests.e2e.conftest import operator
    from xerosync.cli import app

    stack, store = shopify.running.stack, shopify.store
    sam = shopify.customers["sam@example.net"]

    def cli(*args: str) -> Any:
        with operator(stack):
            return CliRunner().invoke(app, [*args, "--stack", stack.stack_name])

    # When Shopify passes on Sam's request for their data (to the app's compliance URL: the stack)
    store.request_customer_data(sam)
    shopify.settle()
    # Then the merchant can export what the stack holds on Sam
    exported = cli("privacy", "export", "--customer", str(sam))
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["customer"] == f"customer:{sam}"

    # When Shopify passes on Sam's request to be forgotten
    store.redact_customer(sam)
    shopify.settle()
    # Then neither the mappings nor the sync log name Sam any more
    for table in ("MappingsTable", "SyncLogTable"):
        items = stack.client("dynamodb").scan(TableName=stack.resources[table])["Items"]
        assert "sam@example.net" not in json.dumps(items).casefold(), table
    assert f"customer:{sam}" not in {i["pk"]["S"] for i in stack.client("dynamodb").scan(
        TableName=stack.resources["MappingsTable"])["Items"]}  # fmt: skip

    # When the merchant uninstalls the app in Shopify
    store.uninstall()
    shopify.settle()
    # Then the stack stops, and says so
    status = cli("status")
    assert "STOPPED" in status.output and "uninstalled" in status.output, status.output
