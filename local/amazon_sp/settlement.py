"""Settlements as Amazon reports them in ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``, and a seeded
generator of them whose lines always add up to the summary row's ``total-amount``.

The layout (developer-docs.amazon.com/sp-api/docs/settlement-reports-attributes, plus the
``promotion-id`` column real files and public parsers carry): tab-separated, the header first, then
the **summary row** (settlement-id, start, end, deposit date, total-amount, currency; every other
column blank), then one row per amount: settlement-id, blanks where the summary columns are, and
the transaction's columns. "Price columns are condensed into three general-purpose columns:
amount-type, amount-description, amount" (developer-docs.amazon.com/sp-api/docs/report-type-values-settlement).

Money is ``Decimal`` in the currency's cents throughout; ``total`` is the sum of the lines by
construction, so a generated file always adds up. :meth:`Settlement.inconsistent` makes the one
defect users report on purpose (a line missing from the raw data while the total stays).
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from local.amazon_sp.marketplaces import MARKETPLACES, Marketplace

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
HEADER = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
    "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
    "marketplace-name", "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date",
    "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
    "quantity-purchased", "promotion-id",
)  # fmt: skip
# Airbyte's tests decode settlement documents as ISO-8859-1 (research; Amazon does not say).
ENCODING = "iso-8859-1"
CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One row after the summary: one amount of one transaction."""

    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted: datetime
    order_id: str = ""
    merchant_order_id: str = ""
    adjustment_id: str = ""
    shipment_id: str = ""
    fulfillment_id: str = ""  # AFN (fulfilled by Amazon) or MFN (by the merchant)
    order_item_code: str = ""
    merchant_order_item_id: str = ""
    merchant_adjustment_item_id: str = ""
    sku: str = ""
    quantity: int | None = None
    promotion_id: str = ""


@dataclass(frozen=True)
class Settlement:
    id: str
    marketplace: Marketplace
    start: datetime
    end: datetime
    deposit: datetime
    lines: tuple[Line, ...]
    reported_total: Decimal | None = None  # only an inconsistent settlement differs from Σ lines

    @property
    def currency(self) -> str:
        return self.marketplace.currency

    @property
    def total(self) -> Decimal:
        """The summary row's ``total-amount``: Σ amount, unless deliberately made inconsistent."""
        if self.reported_total is not None:
            return self.reported_total
        return sum((line.amount for line in self.lines), ZERO)

    def spans_month_end(self) -> bool:
        return (self.start.year, self.start.month) != (self.end.year, self.end.month)

    def month_subtotals(self) -> dict[str, Decimal]:
        """Σ amount per calendar month of ``posted-date`` (what a split posting needs)."""
        months: dict[str, Decimal] = {}
        for line in self.lines:
            key = line.posted.strftime("%Y-%m")
            months[key] = months.get(key, ZERO) + line.amount
        return dict(sorted(months.items()))

    def inconsistent(self, description: str = "Current Reserve Amount") -> "Settlement":
        """The defect A2X reports: a line missing from the raw data, the total unchanged."""
        kept = tuple(line for line in self.lines if line.amount_description != description)
        if len(kept) == len(self.lines):
            raise ValueError(f"settlement {self.id} has no {description!r} line to lose")
        return replace(self, lines=kept, reported_total=self.total)

    def corrected(self, extra: Iterable[Line] = (), drop: str = "") -> "Settlement":
        """The settlement as Amazon re-issues it after a correction: the same id and period, the
        lines of ``drop`` (an amount-description) left out, ``extra`` lines added, and the total
        their sum again (an inconsistent settlement comes back consistent). A2X: Seller Central
        support can re-issue a settlement report (support.a2xaccounting.com article 2767338)."""
        kept = tuple(line for line in self.lines if not drop or line.amount_description != drop)
        return replace(self, lines=(*kept, *extra), reported_total=None)

    def rows(self) -> list[list[str]]:
        fmt = _Format(self.marketplace)
        summary = [self.id, fmt.stamp(self.start), fmt.stamp(self.end), fmt.stamp(self.deposit)]
        rows = [list(HEADER), [*summary, fmt.money(self.total), self.currency, *[""] * (len(HEADER) - 6)]]
        for line in self.lines:
            rows.append(
                [self.id, "", "", "", "", "", line.transaction_type, line.order_id, line.merchant_order_id,
                 line.adjustment_id, line.shipment_id, self.marketplace.name, line.amount_type,
                 line.amount_description, fmt.money(line.amount), line.fulfillment_id, fmt.day(line.posted),
                 fmt.stamp(line.posted), line.order_item_code, line.merchant_order_item_id,
                 line.merchant_adjustment_item_id, line.sku, "" if line.quantity is None else str(line.quantity),
                 line.promotion_id]
            )  # fmt: skip
        return rows

    def flat_file(self) -> str:
        return "".join("\t".join(row) + "\n" for row in self.rows())

    def document(self) -> bytes:
        return self.flat_file().encode(ENCODING)


@dataclass(frozen=True)
class _Format:
    marketplace: Marketplace

    def money(self, amount: Decimal) -> str:
        text = f"{cents(amount):.2f}"
        return text.replace(".", ",") if self.marketplace.decimal_comma else text

    def day(self, when: datetime) -> str:
        return when.strftime("%d.%m.%Y" if self.marketplace.decimal_comma else "%Y-%m-%d")

    def stamp(self, when: datetime) -> str:
        return f"{self.day(when)} {when:%H:%M:%S} UTC"


# --- the generator -----------------------------------------------------------------------------

# (sku, unit price, FBA fee per unit) per currency; invented, prices typical of small goods.
CATALOGUE = {
    "USD": (("WIDGET-BLU", "19.99", "3.67"), ("WIDGET-RED", "19.99", "3.67"), ("GADGET-001", "24.99", "4.75")),
    "CAD": (("WIDGET-BLU", "26.99", "4.90"), ("GADGET-001", "32.99", "5.60")),
    "GBP": (("WIDGET-BLU", "16.99", "2.95"), ("GADGET-001", "21.99", "3.40")),
    "EUR": (("TASSE-GRÜN", "18,99", "3,10"), ("WIDGET-BLU", "19,99", "3,25"), ("GADGET-001", "24,99", "3,90")),
    "AUD": (("WIDGET-BLU", "29.95", "4.80"), ("GADGET-001", "39.95", "5.95")),
}
SUBSCRIPTION = {"USD": "39.99", "CAD": "29.99", "GBP": "25.00", "EUR": "39.00", "AUD": "49.95"}  # Professional plan
REFERRAL_RATE = Decimal("0.15")  # typical category referral fee (guess: category-dependent)
REFUND_ADMIN_RATE, REFUND_ADMIN_CAP = Decimal("0.20"), Decimal("5.00")  # 20 % of the fee, at most 5.00
REIMBURSEMENT_REASONS = ("WAREHOUSE_DAMAGE", "WAREHOUSE_LOST", "CUSTOMER_RETURN")


# order ids are 3-7-7 digits; the first group by region is invented from ids seen in public examples
ORDER_PREFIXES = {"na": (111, 112, 113, 114), "eu": (302, 303, 304, 305, 306), "fe": (249, 250, 503)}
SHIPMENT_ALPHABET = "abcdefghjkmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXZ0123456789"


@dataclass(frozen=True)
class _Sold:
    """What a later refund needs to know of an order."""

    order_id: str
    sku: str
    price: Decimal
    quantity: int
    rate: Decimal
    commission: Decimal
    fulfillment_id: str


def _price(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


@dataclass
class SettlementGenerator:
    """A seller's successive settlements: consecutive periods, ids rising, and the reserve held in
    one released (``Previous Reserve Amount Balance``) in the next."""

    seed: int = 0
    marketplace: Marketplace = MARKETPLACES["Amazon.com"]
    start: datetime = datetime(2026, 7, 14, 7, 12, 4, tzinfo=UTC)
    days: int = 14
    reserve: Decimal = ZERO
    rng: random.Random = field(init=False)
    _next_id: int = field(init=False)
    _orders_seen: list["_Sold"] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._next_id = 24_000_000_000 + self.rng.randrange(1_000_000_000)

    def next(
        self, *, orders: int | None = None, negative: bool = False, month_end: bool = False, days: int | None = None
    ) -> Settlement:
        rng = self.rng
        length = timedelta(days=days or self.days)
        start = self.start
        if month_end and not _crosses_month(start, start + length):
            first = (start.replace(day=1) + timedelta(days=32)).replace(day=1)  # next month's 1st
            start = first - timedelta(days=rng.randint(1, length.days - 1), seconds=rng.randint(1, 86_399))
        end = start + length
        self.start = end
        self._next_id += rng.randint(1, 9_999)
        lines: list[Line] = []

        def when() -> datetime:
            return start + timedelta(seconds=rng.randrange(1, int(length.total_seconds()) - 1))

        if self.reserve:
            lines.append(_other("Previous Reserve Amount Balance", self.reserve, start))
        for _ in range(orders if orders is not None else rng.randint(1, 12)):
            lines += self._order(when())
        for _ in range(rng.randint(0, 2) if self._orders_seen else 0):
            lines += self._refund(when())
        lines += self._monthly_fees(start, end)
        if rng.random() < 0.5:
            amount = -cents(Decimal(rng.randint(500, 8000)) / 100)
            lines.append(Line("ServiceFee", "Cost of Advertising", "TransactionTotalAmount", amount, when()))
        if rng.random() < 0.3:
            sku = rng.choice(CATALOGUE[self.marketplace.currency])[0]
            amount = cents(Decimal(rng.randint(300, 4000)) / 100)
            reason = rng.choice(REIMBURSEMENT_REASONS)
            lines.append(Line("other-transaction", "FBA Inventory Reimbursement", reason, amount, when(), sku=sku))
        subtotal = sum((line.amount for line in lines), ZERO)
        if negative and subtotal >= 0:
            amount = -(subtotal + cents(Decimal(rng.randint(100, 5000)) / 100))
            lines.append(Line("ServiceFee", "Cost of Advertising", "TransactionTotalAmount", amount, when()))
            subtotal += amount
        # Amazon holds back part of a positive balance (account-level reserve), released next time.
        held = cents(subtotal * Decimal(rng.choice((0, 10, 25, 50))) / 100) if subtotal > 0 else ZERO
        if held:
            lines.append(_other("Current Reserve Amount", -held, end - timedelta(seconds=1)))
        self.reserve = held
        lines.sort(key=lambda line: line.posted)
        deposit = end + timedelta(days=2)
        return Settlement(str(self._next_id), self.marketplace, start, end, deposit, tuple(lines))

    def _order(self, at: datetime) -> list[Line]:
        """One order line item: price, shipping (merchant-fulfilled), the facilitator tax collected
        and withheld again (nets to zero), maybe a seller-funded promotion, the referral fee on
        what the buyer paid, and the FBA fee per unit."""
        rng, market = self.rng, self.marketplace
        sku, price, fba_fee = rng.choice(CATALOGUE[market.currency])
        quantity = rng.choice((1, 1, 1, 2, 3))
        fba = rng.random() < 0.6
        principal = _price(price) * quantity
        shipping = ZERO if fba else _price(rng.choice(("4.99", "5.99", "7.49")))
        rate = Decimal(rng.choice(("0.0625", "0.08", "0.0725", "0.1"))) if market.facilitator_tax else ZERO
        order_id = f"{rng.choice(ORDER_PREFIXES[market.region])}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"
        base = Line(
            "Order", "", "", ZERO, at, order_id=order_id,
            shipment_id="D" + "".join(rng.choice(SHIPMENT_ALPHABET) for _ in range(8)),
            fulfillment_id="AFN" if fba else "MFN", order_item_code=str(rng.randrange(10**13, 10**14)),
            sku=sku, quantity=quantity,
        )  # fmt: skip
        tax, shipping_tax = cents(principal * rate), cents(shipping * rate)
        amounts = [
            ("ItemPrice", "Principal", principal),
            ("ItemPrice", "Shipping", shipping),
            ("ItemPrice", "Tax", tax),
            ("ItemPrice", "ShippingTax", shipping_tax),
            ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -tax),
            ("ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", -shipping_tax),
        ]
        lines = [replace(base, amount_type=t, amount_description=d, amount=a) for t, d, a in amounts if a]
        promotion = ZERO
        if rng.random() < 0.2:
            if shipping:
                promotion, kind, promo = shipping, "Shipping", f"Free Shipping {at:%Y-%m}"
            else:
                promotion, kind, promo = cents(principal / 10), "Principal", f"Save 10% {at:%Y-%m}"
            lines.append(replace(base, amount_type="Promotion", amount_description=kind, amount=-promotion,
                                 promotion_id=promo))  # fmt: skip
        commission = cents((principal + shipping - promotion) * REFERRAL_RATE)
        lines.append(replace(base, amount_type="ItemFees", amount_description="Commission", amount=-commission))
        if fba:
            fee = _price(fba_fee) * quantity
            lines.append(replace(base, amount_type="ItemFees", amount_description="FBAPerUnitFulfillmentFee",
                                 amount=-fee))  # fmt: skip
        self._orders_seen.append(_Sold(order_id, sku, _price(price), quantity, rate, commission, base.fulfillment_id))
        return lines

    def _refund(self, at: datetime) -> list[Line]:
        """A refund of one unit of an earlier order: price and tax back to the buyer, the facilitator
        tax withheld given back, the commission returned less Amazon's refund administration fee."""
        rng = self.rng
        sold = rng.choice(self._orders_seen)
        base = Line(
            "Refund", "", "", ZERO, at, order_id=sold.order_id, adjustment_id=str(rng.randrange(10**13, 10**14)),
            fulfillment_id=sold.fulfillment_id, sku=sold.sku, quantity=1,
        )  # fmt: skip
        returned = cents(sold.commission / sold.quantity)
        admin_fee = min(REFUND_ADMIN_CAP, cents(returned * REFUND_ADMIN_RATE))
        tax = cents(sold.price * sold.rate)
        amounts = [
            ("ItemPrice", "Principal", -sold.price),
            ("ItemPrice", "Tax", -tax),
            ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", tax),
            ("ItemFees", "Commission", returned),
            ("ItemFees", "RefundCommission", -admin_fee),
        ]
        return [replace(base, amount_type=t, amount_description=d, amount=a) for t, d, a in amounts if a]

    def _monthly_fees(self, start: datetime, end: datetime) -> list[Line]:
        """The subscription on each 30th (the 28th in February) and last month's FBA storage on
        each 7th that fall inside the period (days: a guess; the amounts: invented)."""
        lines = []
        day = start.replace(hour=11, minute=0, second=0, microsecond=0)
        while day < end:
            if day >= start and day.day == (28 if day.month == 2 else 30):
                fee = -_price(SUBSCRIPTION[self.marketplace.currency])
                lines.append(_other("Subscription Fee", fee, day))
            if day >= start and day.day == 7:
                fee = -cents(Decimal(self.rng.randint(50, 4000)) / 100)
                lines.append(_other("Storage Fee", fee, day.replace(hour=4)))
            day += timedelta(days=1)
        return lines


def _other(description: str, amount: Decimal, at: datetime) -> Line:
    return Line("other-transaction", "other-transaction", description, amount, at)


def _crosses_month(start: datetime, end: datetime) -> bool:
    return (start.year, start.month) != (end.year, end.month)


def total_of(lines: Iterable[Line]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)
