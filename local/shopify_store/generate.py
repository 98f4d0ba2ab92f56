"""Fill a ``ShopifyStore`` with a realistic, reproducible shop history.

``populate(store, seed=7, customers=30, orders=200)`` writes, with the store's clock pinned to each
moment of the range in turn (every date, id and amount follows from the seed):

* products: simple and multi-variant, a gift card (sold as a liability: untaxed, undiscounted),
  variants without a SKU and with SKUs longer than Xero's 30 characters; some tracking stock;
* customers in five markets, each with its tax rules and the buyer's currency: the US (California
  State + County + District: three rates a line, prices before tax, shop currency), Canada (GST +
  PST, before tax, CAD), Australia (GST 10 % included, AUD), the UK (VAT 20 % included, GBP, duties
  on some orders) and New Zealand (GST 15 % included, NZD); guests who leave only an e-mail;
* orders of one to four lines: discount codes (a percentage of the order, a fixed amount across it),
  line discounts (an amount off each unit, an automatic percentage on one line), free shipping,
  shipping with its own taxes, duties, tips, gift cards sold and redeemed (a ``gift_card`` SALE);
* payments: Shopify Payments sales (with their fees), authorisations captured later, split tenders
  (gift card + card), a declined card then PayPal, manual payments marked paid days later, carts
  abandoned and cancelled, authorisations voided;
* later: partial refunds of lines (some with shipping, some giving back less or more than the lines
  say: an order adjustment), amount-only goodwill refunds, full refunds with cancellation;
  customer and price changes;
* Shopify Payments: payouts every few days (some failing and paid again with the next), an
  adjustment, disputes with a chargeback fee (some won: reversed), reserves held and released.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from local.shopify_store.arithmetic import LineSpec, Rate, ShippingSpec
from local.shopify_store.model import Address, DiscountApplication, Order, Product
from local.shopify_store.orders import OrderError, outstanding
from local.shopify_store.store import ShopifyStore

D = Decimal


@dataclass(frozen=True)
class Market:
    country: str
    province: str
    city: str
    currency: str
    rate: Decimal  # shop (USD) per unit of the buyer's currency
    taxes_included: bool
    rates: tuple[Rate, ...]
    shipping_rates: tuple[Rate, ...]
    duties: bool = False


MARKETS = [
    (Market("US", "CA", "Los Angeles", "USD", D(1), False,
            (("CA State Tax", D("0.06")), ("Los Angeles County Tax", D("0.0025")), ("District Tax", D("0.0225"))),
            ()), 35),
    (Market("CA", "BC", "Vancouver", "CAD", D("0.73"), False, (("GST", D("0.05")), ("PST", D("0.07"))),
            (("GST", D("0.05")),)), 20),
    (Market("AU", "VIC", "Melbourne", "AUD", D("0.66"), True, (("GST", D("0.10")),), (("GST", D("0.10")),)), 20),
    (Market("GB", "", "London", "GBP", D("1.27"), True, (("VAT", D("0.20")),), (("VAT", D("0.20")),), True), 15),
    (Market("NZ", "AUK", "Auckland", "NZD", D("0.60"), True, (("GST", D("0.15")),), (("GST", D("0.15")),)), 10),
]  # fmt: skip
FIRST = ["Jane", "Sam", "Olivia", "Noah", "Mia", "Liam", "Ava", "Jack", "Chloe", "Leo", "Aroha", "Wei", "Priya"]
LAST = ["Citizen", "Taylor", "Nguyen", "Smith", "Brown", "Wilson", "Lee", "O'Brien", "Kaur", "Tremblay"]
PRODUCTS: list[tuple[str, list[tuple[str, str, str | None]], int | None]] = [
    ("Merino Wool Beanie", [("Grey", "33.00", "BEANIE-MER-GRY"), ("Navy", "33.00", "BEANIE-MER-NVY")], 80),
    ("Enamel Camp Mug", [("Default Title", "19.90", "MUG-ENM-WHT")], None),
    ("Trail Socks - 3 pack", [("S", "24.95", "SOCKS-TRL-S"), ("M", "24.95", "SOCKS-TRL-M"), ("L", "26.95", None)], 200),
    ("Insulated Drink Bottle 750ml", [("Default Title", "44.95", "BTL-INS-750")], 60),
    ("Waterproof Trail Running Jacket - Women's", [("M", "249.95", "WOMENS-WATERPROOF-TRAIL-RUNNING-JACKET-M")], 15),
    ("Headlamp 400 Lumen", [("Default Title", "59.00", None)], None),
    ("Sticker", [("Mountain", "0.45", "STK-MTN"), ("River", "0.45", "STK-RIV")], None),
    ("Down Jacket", [("Black / M", "289.00", "JKT-DWN-BLK-M"), ("Forest / L", "289.00", "JKT-DWN-FOR-L")], 20),
]


@dataclass
class Population:
    customers: list[int] = field(default_factory=list)
    guests: list[str] = field(default_factory=list)
    products: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    payouts: list[int] = field(default_factory=list)


def _pick[T](rng: random.Random, choices: list[tuple[T, int]]) -> T:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _price(usd: Decimal, market: Market) -> Decimal:
    """A USD list price in the buyer's currency, rounded to .95 or .00 as a storefront would."""
    local = usd / market.rate
    return (local.quantize(D(1)) - D("0.05")).max(D("0.45")) if local > 5 else local.quantize(D("0.01"))


class Generator:
    def __init__(self, store: ShopifyStore, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.made = Population()
        self.markets: dict[int, Market] = {}
        self.gift: Product | None = None

    def at(self, when: datetime) -> None:
        self.store.clock.pin(when)

    def catalogue(self) -> None:
        for title, variants, stock in PRODUCTS:
            p = self.store.add_product(title, variants, product_type="Outdoor", stock=stock)
            self.made.products.append(p.id)
        self.gift = self.store.add_product("Gift Card", [("$25", "25.00", "GIFT-25"), ("$50", "50.00", "GIFT-50")],
                                           gift_card=True, product_type="Gift card")  # fmt: skip
        self.made.products.append(self.gift.id)

    def customer(self, i: int) -> None:
        rng = self.rng
        market = _pick(rng, MARKETS)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        address = Address(first, last, f"{rng.randint(1, 400)} Market Street", market.city, market.province,
                          market.province, market.country, market.country, f"{rng.randint(1000, 9999)}")  # fmt: skip
        c = self.store.add_customer(f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}@example.com", first,
                                    last, address=address, phone=f"+1555{rng.randint(1000000, 9999999)}")  # fmt: skip
        self.markets[c.id] = market
        self.made.customers.append(c.id)

    def lines(self, market: Market) -> list[LineSpec]:
        rng = self.rng
        chosen = rng.sample([p for p in self.made.products if self.gift is None or p != self.gift.id],
                            rng.randint(1, 3))  # fmt: skip
        out = []
        for pid in chosen:
            p = self.store.products[pid]
            v = rng.choice(p.variants)
            duty = _price(v.price * D("0.12"), market) if market.duties and rng.random() < 0.5 else D(0)
            out.append(LineSpec(p.title, _price(v.price, market), rng.choice([1, 1, 1, 2, 3]), market.rates, v.sku,
                                v.id, p.id, v.title if v.title != "Default Title" else None, duty=duty))  # fmt: skip
        if self.gift is not None and rng.random() < 0.12:
            v = rng.choice(self.gift.variants)
            out.append(LineSpec("Gift Card", _price(v.price, market), 1, (), v.sku, v.id, self.gift.id, v.title,
                                gift_card=True))  # fmt: skip
        return out

    def discounts(self, lines: list[LineSpec]) -> list[tuple[DiscountApplication, list[int]]]:
        rng = self.rng
        out: list[tuple[DiscountApplication, list[int]]] = []
        every = list(range(len(lines)))

        def add(kind: str, label: str, vtype: str, value: Decimal, method: str, selection: str, target: str,
                on: list[int]) -> None:  # fmt: skip
            out.append((DiscountApplication(len(out), kind, label, vtype, value, method, selection, target), on))  # type: ignore[arg-type]

        roll = rng.random()
        if roll < 0.15:
            add("DiscountCodeApplication", "SPRING10", "percentage", D(10), "ACROSS", "ALL", "LINE_ITEM", every)
        elif roll < 0.22:
            add("DiscountCodeApplication", "TAKE15", "fixed_amount", D(15), "ACROSS", "ALL", "LINE_ITEM", every)
        elif roll < 0.30:
            add("AutomaticDiscountApplication", "Bundle deal", "percentage", D(20), "ACROSS", "ENTITLED", "LINE_ITEM",
                [0])  # fmt: skip
        elif roll < 0.36:
            add("ManualDiscountApplication", "Loyalty", "fixed_amount", D("2.50"), "EACH", "EXPLICIT", "LINE_ITEM", [0])
        if rng.random() < 0.1:
            add("DiscountCodeApplication", "FREESHIP", "percentage", D(100), "ACROSS", "ALL", "SHIPPING_LINE", [])
        return out

    def order(self) -> Order | None:
        rng, store = self.rng, self.store
        guest = rng.random() < 0.15
        customer_id = None if guest else rng.choice(self.made.customers)
        market = _pick(rng, MARKETS) if guest else self.markets[customer_id or 0]
        email = f"guest{rng.randint(1, 10**6)}@example.org" if guest else None
        if email:
            self.made.guests.append(email)
        lines = self.lines(market)
        shipping = [] if rng.random() < 0.15 else [
            ShippingSpec(rng.choice(["Standard", "Express"]), _price(D(rng.choice(["6.00", "9.00", "15.00"])), market),
                         market.shipping_rates)]  # fmt: skip
        tip = _price(D(rng.choice([2, 5])), market) if rng.random() < 0.06 else D(0)
        o = store.place_order(lines, customer_id=customer_id, email=email, shipping=shipping,
                              discounts=self.discounts(lines), taxes_included=market.taxes_included,
                              presentment=market.currency if market.currency != store.currency else None,
                              rate=market.rate, tip=tip)  # fmt: skip
        self.made.orders.append(o.id)
        self.pay(o)
        return o

    def pay(self, o: Order) -> None:
        rng, store = self.rng, self.store
        owed = store.orders[o.id]
        if outstanding(owed).presentment <= 0:
            return  # fully discounted: nothing to pay
        flow = _pick(rng, [("sale", 55), ("auth", 12), ("split", 8), ("declined", 6), ("manual", 9),
                           ("abandoned", 5), ("voided", 3), ("paypal", 2)])  # fmt: skip
        if flow == "sale":
            store.pay(o.id)
        elif flow == "paypal":
            store.pay(o.id, "paypal")
        elif flow == "auth":
            store.pay(o.id, kind="AUTHORIZATION")
            self.later(o, timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 20)), "capture")
        elif flow == "split":
            part = (owed.line_items[0].unit_price.presentment / 2).quantize(D("0.01"))
            store.pay(o.id, "gift_card", amount=min(part, D(25), outstanding(owed).presentment - D("0.01")))
            store.pay(o.id)
        elif flow == "declined":
            store.pay(o.id, status="FAILURE")
            store.pay(o.id, "paypal")
        elif flow == "manual":
            self.later(o, timedelta(days=rng.randint(1, 6)), "mark_paid")
        elif flow == "abandoned":
            self.later(o, timedelta(days=rng.randint(2, 8)), "cancel")
        else:
            store.pay(o.id, kind="AUTHORIZATION")
            self.later(o, timedelta(hours=rng.randint(2, 48)), "cancel")
        if flow in ("sale", "split", "declined", "paypal", "auth", "manual"):
            roll = rng.random()
            if roll < 0.18:
                self.later(o, timedelta(days=rng.randint(4, 20)), "partial_refund")
            elif roll < 0.23:
                self.later(o, timedelta(days=rng.randint(4, 20)), "goodwill")
            elif roll < 0.27:
                self.later(o, timedelta(days=rng.randint(4, 20)), "cancel")

    def later(self, o: Order, after: timedelta, action: str) -> None:
        self.queue.append((self.store.now() + after, len(self.queue), o.id, action))

    def act(self, order_id: int, action: str) -> None:
        store, rng = self.store, self.rng
        o = store.orders[order_id]
        try:
            if action == "capture" and not o.cancelled_at:
                store.capture(order_id)
            elif action == "mark_paid" and not o.cancelled_at:
                store.mark_as_paid(order_id)
            elif action == "cancel" and not o.cancelled_at:
                store.cancel(order_id, rng.choice(["CUSTOMER", "INVENTORY", "DECLINED"]))
            elif action == "partial_refund" and not o.cancelled_at:
                li = rng.choice(o.line_items)
                lines = [(li.id, 1)]
                amount = None
                if rng.random() < 0.35:  # a restocking fee kept, or a little more given back
                    calc = li.unit_price.presentment - (li.discount_allocations[0].amount.presentment
                                                        if li.discount_allocations else D(0))  # fmt: skip
                    amount = (calc * D(rng.choice(["0.8", "0.9", "1.05"]))).quantize(D("0.01"))
                store.refund(order_id, lines=lines, shipping=rng.random() < 0.3, amount=amount,
                             note=rng.choice(["Damaged", "Wrong size", None]), restock=rng.random() < 0.5)  # fmt: skip
            elif action == "goodwill" and not o.cancelled_at:
                store.refund(order_id, amount=D(rng.choice(["2.00", "5.00", "7.50"])), note="Goodwill")
        except OrderError:
            pass  # Shopify would have refused it (nothing left to refund or capture): the merchant moves on

    def payments(self) -> None:
        rng, pay = self.rng, self.store.payments
        roll = rng.random()
        if roll < 0.1:
            pay.record("ADJUSTMENT", D(rng.choice(["2.13", "-1.50", "4.00"])), D("0.12"), reason="Fee correction")
        elif roll < 0.16 and self.made.orders:
            o = self.store.orders[rng.choice(self.made.orders)]
            charged = [t for t in o.transactions if t.gateway == "shopify_payments" and t.kind in ("SALE", "CAPTURE")]
            if charged:
                amount = charged[0].amount.shop
                pay.record("DISPUTE_WITHDRAWAL", -amount, D("15.00"), order_id=o.id, reason="fraudulent")
                if rng.random() < 0.4:
                    pay.record("DISPUTE_REVERSAL", amount, D(0), order_id=o.id, reason="won")
        elif roll < 0.2:
            pay.record("RESERVED_FUNDS", D("-50.00"), reason="Rolling reserve")
            pay.record("RESERVED_FUNDS_REVERSAL", D("50.00") if rng.random() < 0.5 else D("20.00"),
                       reason="Reserve released")  # fmt: skip
        for p in pay.pay_out():
            self.made.payouts.append(p.id)
            pay.settle(p.id, "FAILED" if rng.random() < 0.06 else "PAID")

    def run(
        self, customers: int, orders: int, start: datetime, end: datetime, payout_every: timedelta = timedelta(days=2)
    ) -> Population:
        self.queue: list[tuple[datetime, int, int, str]] = []
        self.at(start)
        self.catalogue()
        for i in range(customers):
            self.customer(i)
        step = (end - start) / max(orders, 1)
        last_payout = start
        for n in range(orders):
            now = start + step * n + timedelta(seconds=self.rng.randint(0, int(step.total_seconds() // 2) or 1))
            for due in sorted(q for q in self.queue if q[0] <= now):
                self.queue.remove(due)
                self.at(due[0])
                self.act(due[2], due[3])
            self.at(now)
            self.order()
            if now - last_payout >= payout_every:
                self.payments()
                last_payout = now
        for due in sorted(q for q in self.queue if q[0] <= end):
            self.at(due[0])
            self.act(due[2], due[3])
        self.at(end)
        self.payments()
        return self.made


def populate(store: ShopifyStore, *, seed: int = 1, customers: int = 20, orders: int = 100,
             start: datetime | None = None, end: datetime | None = None,
             payout_every: timedelta = timedelta(days=2)) -> Population:  # fmt: skip
    """Write a history from ``start`` to ``end`` (default: the 30 days before now), paying out
    every ``payout_every`` (Shopify Payments pays out daily, weekly or monthly, as the merchant
    chooses:
    https://help.shopify.com/en/manual/payments/shopify-payments/getting-paid-with-shopify-payments/view-payouts/schedule-payouts);
    the clock runs again afterwards."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=30)
    try:
        with store.lock:
            return Generator(store, seed).run(customers, orders, start, end, payout_every)
    finally:
        store.clock.pin(None)
