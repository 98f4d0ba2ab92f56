"""The shop's records, as the simulator keeps them (Shopify's own objects, trimmed to what a
sync reads). Ids are Shopify's numeric ``legacyResourceId``; :func:`gid` makes the GraphQL id."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from local.shopify_store.money import NOTHING, Bag, Currencies

TransactionKind = Literal["AUTHORIZATION", "CAPTURE", "SALE", "VOID", "REFUND", "CHANGE", "EMV_AUTHORIZATION"]
TransactionStatus = Literal["SUCCESS", "FAILURE", "PENDING", "ERROR", "AWAITING_RESPONSE", "UNKNOWN"]


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str, kind: str | None = None) -> int | None:
    """The number of ``gid://shopify/<kind>/<n>`` (None when it is not one, or of another kind)."""
    prefix, _, rest = value.rpartition("/")
    if not value.startswith("gid://shopify/") or not rest.split("?")[0].isdigit():
        return None
    if kind is not None and prefix != f"gid://shopify/{kind}":
        return None
    return int(rest.split("?")[0])


@dataclass
class Address:
    first_name: str = ""
    last_name: str = ""
    address1: str = ""
    city: str = ""
    province: str = ""
    province_code: str = ""
    country: str = ""
    country_code: str = ""
    zip: str = ""
    phone: str | None = None
    company: str | None = None


@dataclass
class Customer:
    id: int
    email: str | None
    first_name: str
    last_name: str
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    note: str | None = None
    tax_exempt: bool = False
    state: str = "ENABLED"  # CustomerState: DISABLED | INVITED | ENABLED | DECLINED
    address: Address | None = None
    redacted: bool = False


@dataclass
class Variant:
    id: int
    product_id: int
    title: str
    price: Decimal
    sku: str | None
    position: int
    inventory_item_id: int
    created_at: datetime
    updated_at: datetime
    inventory_quantity: int = 0
    tracked: bool = False
    taxable: bool = True
    compare_at_price: Decimal | None = None
    barcode: str | None = None


@dataclass
class Product:
    id: int
    title: str
    handle: str
    created_at: datetime
    updated_at: datetime
    product_type: str = ""
    vendor: str = ""
    status: str = "ACTIVE"  # ProductStatus
    gift_card: bool = False
    variants: list[Variant] = field(default_factory=list)


@dataclass(frozen=True)
class TaxLine:
    title: str
    rate: Decimal  # 0.05 for 5 %
    price: Bag
    channel_liable: bool = False


@dataclass(frozen=True)
class DiscountApplication:
    """An order's discount: a code, a manual or an automatic discount (DiscountApplication)."""

    index: int
    kind: Literal["DiscountCodeApplication", "ManualDiscountApplication", "AutomaticDiscountApplication"]
    label: str  # the code, or the title
    value_type: Literal["percentage", "fixed_amount"]
    value: Decimal  # percent (10 = 10 %) or an amount in the presentment currency
    allocation_method: Literal["ACROSS", "EACH", "ONE"]
    target_selection: Literal["ALL", "ENTITLED", "EXPLICIT"]
    target_type: Literal["LINE_ITEM", "SHIPPING_LINE"]


@dataclass(frozen=True)
class DiscountAllocation:
    amount: Bag
    application_index: int


@dataclass(frozen=True)
class Duty:
    id: int
    price: Bag
    harmonized_system_code: str
    country_code_of_origin: str


@dataclass
class LineItem:
    id: int
    title: str
    quantity: int
    unit_price: Bag  # originalUnitPriceSet
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    variant_title: str | None = None
    vendor: str | None = None
    taxable: bool = True
    gift_card: bool = False
    requires_shipping: bool = True
    tax_lines: list[TaxLine] = field(default_factory=list)
    discount_allocations: list[DiscountAllocation] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)


@dataclass
class ShippingLine:
    id: int
    title: str
    code: str
    price: Bag  # originalPriceSet
    tax_lines: list[TaxLine] = field(default_factory=list)
    discount_allocations: list[DiscountAllocation] = field(default_factory=list)


@dataclass(frozen=True)
class Fee:
    """TransactionFee: what Shopify Payments charged on a transaction, in the shop's currency."""

    id: int
    amount: Decimal
    flat_fee: Decimal
    rate: Decimal
    tax_amount: Decimal = Decimal(0)
    type: str = "payment_fee"


@dataclass
class Transaction:
    id: int
    kind: TransactionKind
    status: TransactionStatus
    gateway: str
    amount: Bag
    processed_at: datetime
    parent_id: int | None = None
    fees: list[Fee] = field(default_factory=list)
    error_code: str | None = None
    test: bool = False

    @property
    def formatted_gateway(self) -> str:
        return {"shopify_payments": "Shopify Payments", "gift_card": "Gift card", "manual": "Manual"}.get(
            self.gateway, self.gateway.replace("_", " ").title()
        )


@dataclass(frozen=True)
class RefundLineItem:
    id: int
    line_item_id: int
    quantity: int
    subtotal: Bag  # on the line's price basis: tax included when the order's taxes are included
    total_tax: Bag
    restock_type: str = "NO_RESTOCK"  # RefundLineItemRestockType


@dataclass(frozen=True)
class EditRemoval:
    """Units an order edit took off a line (``LineItem.quantity`` keeps counting them,
    ``currentQuantity`` does not), with their share of the line's money as a refund's line has it."""

    line_item_id: int
    quantity: int
    subtotal: Bag  # on the line's price basis, like RefundLineItem.subtotal
    total_tax: Bag


@dataclass(frozen=True)
class OrderEdit:
    """A committed order edit (``orderEditBegin`` ... ``orderEditCommit``): here, removals only."""

    id: int
    committed_at: datetime
    removals: tuple[EditRemoval, ...]
    staff_note: str = ""


@dataclass(frozen=True)
class RefundShippingLine:
    id: int
    shipping_line_id: int
    subtotal: Bag
    tax: Bag


@dataclass(frozen=True)
class OrderAdjustment:
    """The difference between a refund's calculated and actual money: positive when less money went
    back than the lines say, negative when more (REST ``order_adjustments[].amount``)."""

    id: int
    amount: Bag
    tax_amount: Bag
    reason: str = "REFUND_DISCREPANCY"  # OrderAdjustmentDiscrepancyReason


@dataclass
class Refund:
    id: int
    order_id: int
    created_at: datetime
    note: str | None
    line_items: list[RefundLineItem] = field(default_factory=list)
    shipping_lines: list[RefundShippingLine] = field(default_factory=list)
    adjustments: list[OrderAdjustment] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    restock: bool = False


@dataclass
class Order:
    id: int
    number: int
    currencies: Currencies
    taxes_included: bool
    created_at: datetime
    updated_at: datetime
    email: str | None = None
    customer_id: int | None = None
    line_items: list[LineItem] = field(default_factory=list)
    shipping_lines: list[ShippingLine] = field(default_factory=list)
    discount_applications: list[DiscountApplication] = field(default_factory=list)
    tip: Bag = NOTHING
    duties_included: bool = False
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    billing_address: Address | None = None
    shipping_address: Address | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None  # OrderCancelReason
    closed_at: datetime | None = None
    processed_at: datetime | None = None
    tax_exempt: bool = False
    test: bool = False
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    source_name: str = "web"
    deleted: bool = False
    edits: list[OrderEdit] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"#{self.number}"


@dataclass
class Subscription:
    """A shop-scoped webhook subscription an app created through the API."""

    id: int
    topic: str  # the enum value: ORDERS_CREATE
    uri: str
    app: str  # the client id of the app that created it
    api_version: str
    created_at: datetime
    updated_at: datetime
    format: str = "JSON"
    include_fields: list[str] = field(default_factory=list)
    name: str | None = None
