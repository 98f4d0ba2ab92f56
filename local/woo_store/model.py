"""What the simulated shop holds: settings, customers, products, coupons, orders, refunds and
webhooks. Plain mutable records; ``WooStore`` owns them and guards them with one lock.

Ids are drawn as WordPress draws them: products, variations, coupons, orders and refunds
share the posts sequence (so order ids are not contiguous: a refund or a new product takes
the next id); customers are users (user 1 is the shop's admin, who owns webhooks and records
refunds); order items and webhooks have sequences of their own.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from local.woo_store.money import CURRENCY_SYMBOLS, ZERO, ZERO_DECIMAL_CURRENCIES
from local.woo_store.totals import OrderTotals

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
)
BILLING_FIELDS = (*ADDRESS_FIELDS, "email", "phone")
SHIPPING_FIELDS = (*ADDRESS_FIELDS, "phone")

# wc_get_order_statuses() plus the block checkout's draft; "draft"/"auto-draft" are WordPress
# drafts (admin orders being created), which webhooks skip.
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
DRAFT_STATUSES = ("draft", "auto-draft")
PAID_STATUSES = ("processing", "completed")  # wc_get_is_paid_statuses()
WEBHOOK_STATUSES = ("active", "paused", "disabled")
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")


def address(fields: tuple[str, ...], values: dict[str, Any] | None = None) -> dict[str, str]:
    values = values or {}
    return {name: str(values.get(name) or "") for name in fields}


@dataclass
class Settings:
    """The WooCommerce options that shape orders and payloads."""

    currency: str = "AUD"
    price_decimals: int | None = None  # woocommerce_price_num_decimals; None: 0 for JPY-like currencies, else 2
    prices_include_tax: bool = True  # woocommerce_prices_include_tax
    tax_round_at_subtotal: bool = False  # woocommerce_tax_round_at_subtotal
    calc_taxes: bool = True  # woocommerce_calc_taxes
    tax_based_on: str = "shipping"  # shipping | billing | base
    shipping_tax_class: str = "inherit"
    tax_classes: tuple[str, ...] = ("reduced-rate", "zero-rate")  # slugs of the additional classes
    base_country: str = "AU"
    base_state: str = "VIC"
    base_postcode: str = "3000"
    base_city: str = "Melbourne"
    adjust_non_base_location_prices: bool = True  # filter woocommerce_adjust_non_base_location_prices
    timezone: str = "Australia/Melbourne"  # the site's time zone (date_created is local, *_gmt is UTC)
    home_url: str = ""  # home_url('/'): X-WC-Webhook-Source and links; "" = the served URL (or a placeholder)

    @property
    def decimals(self) -> int:
        if self.price_decimals is not None:
            return self.price_decimals
        return 0 if self.currency.upper() in ZERO_DECIMAL_CURRENCIES else 2

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def currency_symbol(self) -> str:
        return CURRENCY_SYMBOLS.get(self.currency.upper(), self.currency.upper())


@dataclass
class Customer:
    id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    role: str = "customer"
    billing: dict[str, str] = field(default_factory=lambda: address(BILLING_FIELDS))
    shipping: dict[str, str] = field(default_factory=lambda: address(SHIPPING_FIELDS))
    is_paying_customer: bool = False
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    date_modified: datetime = field(default_factory=lambda: datetime.now(UTC))
    meta_data: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Variation:
    id: int
    parent_id: int
    attributes: list[dict[str, str]]  # [{"name": "Size", "option": "M"}]
    sku: str = ""
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None
    tax_status: str = "taxable"
    tax_class: str = "parent"  # "parent" = the product's class
    manage_stock: bool = False
    stock_quantity: int | None = None
    virtual: bool = False
    status: str = "publish"
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    date_modified: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def price(self) -> Decimal | None:
        return self.sale_price if self.sale_price is not None else self.regular_price


@dataclass
class Product:
    id: int
    name: str
    type: str = "simple"  # simple | variable
    sku: str = ""
    regular_price: Decimal | None = None
    sale_price: Decimal | None = None
    tax_status: str = "taxable"  # taxable | shipping | none
    tax_class: str = ""
    manage_stock: bool = False
    stock_quantity: int | None = None
    virtual: bool = False
    status: str = "publish"  # publish | draft | trash
    attributes: list[dict[str, Any]] = field(default_factory=list)
    variation_ids: list[int] = field(default_factory=list)
    total_sales: int = 0
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    date_modified: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def price(self) -> Decimal | None:
        return self.sale_price if self.sale_price is not None else self.regular_price


@dataclass
class Coupon:
    id: int
    code: str
    discount_type: str = "percent"  # percent | fixed_cart | fixed_product
    amount: Decimal = ZERO
    product_ids: tuple[int, ...] = ()
    excluded_product_ids: tuple[int, ...] = ()
    usage_count: int = 0
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    date_modified: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class LineItem:
    """An order line as added: what the shop knew of the product when it was bought."""

    id: int
    product_id: int
    variation_id: int
    name: str
    quantity: int
    unit_price: Decimal  # as entered in the shop, tax-inclusive when the order's prices include tax
    tax_class: str = ""
    taxable: bool = True
    needs_shipping: bool = True
    meta_data: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FeeLine:
    id: int
    name: str
    amount: Decimal  # ex tax; negative for a discount
    taxable: bool = True
    tax_class: str = ""


@dataclass
class ShippingLine:
    id: int
    method_id: str = "flat_rate"
    method_title: str = "Flat rate"
    cost: Decimal = ZERO  # ex tax
    taxable: bool = True
    instance_id: str = "1"


@dataclass
class CouponLine:
    id: int
    code: str
    discount_type: str
    amount: Decimal
    coupon_id: int
    product_ids: tuple[int, ...] = ()
    excluded_product_ids: tuple[int, ...] = ()


@dataclass
class Order:
    id: int
    order_key: str
    status: str
    currency: str
    prices_include_tax: bool
    date_created: datetime
    date_modified: datetime
    customer_id: int = 0
    billing: dict[str, str] = field(default_factory=lambda: address(BILLING_FIELDS))
    shipping: dict[str, str] = field(default_factory=lambda: address(SHIPPING_FIELDS))
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    customer_note: str = ""
    created_via: str = "checkout"
    customer_ip_address: str = ""
    customer_user_agent: str = ""
    date_paid: datetime | None = None
    date_completed: datetime | None = None
    lines: list[LineItem] = field(default_factory=list)
    fees: list[FeeLine] = field(default_factory=list)
    shipping_lines: list[ShippingLine] = field(default_factory=list)
    coupons: list[CouponLine] = field(default_factory=list)
    tax_line_ids: dict[int, int] = field(default_factory=dict)  # rate id -> order item id
    totals: OrderTotals = field(default_factory=OrderTotals)
    refund_ids: list[int] = field(default_factory=list)  # oldest first
    stock_reduced: bool = False
    previous_status: str = ""  # the status before trash
    meta_data: list[dict[str, Any]] = field(default_factory=list)

    @property
    def number(self) -> str:
        return str(self.id)


@dataclass
class RefundLine:
    id: int
    kind: str  # line_item | fee | shipping
    refunded_item_id: int
    name: str
    quantity: int  # refunded quantity, positive here, negative in the payload
    total: Decimal  # refunded amount ex tax, positive here
    taxes: dict[int, Decimal]  # per rate, positive here
    product_id: int = 0
    variation_id: int = 0
    tax_class: str = ""
    meta_id: int = 0


@dataclass
class Refund:
    id: int
    order_id: int
    amount: Decimal
    reason: str
    date_created: datetime
    refunded_by: int = 1
    refunded_payment: bool = False
    lines: list[RefundLine] = field(default_factory=list)


@dataclass
class Webhook:
    id: int
    name: str
    topic: str
    delivery_url: str
    secret: str
    status: str = "active"
    api_version: int = 3
    failure_count: int = 0
    pending_delivery: bool = False
    user_id: int = 1
    outage: bool = False  # the simulator's switch: deliveries fail as if the receiver were unreachable
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    date_modified: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def resource(self) -> str:
        return self.topic.partition(".")[0]

    @property
    def event(self) -> str:
        return self.topic.partition(".")[2]


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery attempt, as the simulator logged it (WooCommerce logs to ``webhooks-delivery``)."""

    webhook_id: int
    topic: str
    resource_id: int
    status: int | None  # the HTTP status, None when the receiver could not be reached
    error: str
    at: datetime  # the store clock when the attempt ended
    duration: float  # seconds
    delivery_id: str
    failure_count: int  # the webhook's count after this attempt
    webhook_status: str  # the webhook's status after this attempt

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 303

    def as_json(self) -> dict[str, Any]:
        return {
            "webhook_id": self.webhook_id,
            "topic": self.topic,
            "resource_id": self.resource_id,
            "status": self.status,
            "error": self.error,
            "at": self.at.isoformat(),
            "duration": self.duration,
            "delivery_id": self.delivery_id,
            "failure_count": self.failure_count,
            "webhook_status": self.webhook_status,
            "succeeded": self.succeeded,
        }
