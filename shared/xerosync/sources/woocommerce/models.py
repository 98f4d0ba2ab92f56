"""WooCommerce REST v3 payloads (what webhooks deliver), as typed models.

Money arrives as strings ("29.35") and sometimes as JSON numbers (line ``price``); both
become ``Decimal`` here, parsed from the text, never through float. Unknown fields are
ignored: plugins add their own.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _money(value: Any) -> Any:
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, float):  # only if a caller parsed JSON without parse_float=Decimal
        return Decimal(repr(value))
    return value


def _optional_datetime(value: Any) -> Any:
    return None if value in ("", None) else value


Money = Annotated[Decimal, BeforeValidator(_money)]
OptionalDatetime = Annotated[datetime | None, BeforeValidator(_optional_datetime)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Address(_Model):
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""
    email: str = ""
    phone: str = ""


class LineTax(_Model):
    id: int  # the WooCommerce tax rate id
    total: Money = Decimal("0")
    subtotal: Money = Decimal("0")


class LineItem(_Model):
    id: int
    name: str = ""
    product_id: int = 0
    variation_id: int = 0
    quantity: Decimal = Decimal("0")
    tax_class: str = ""
    subtotal: Money = Decimal("0")  # before discounts, excluding tax
    subtotal_tax: Money = Decimal("0")
    total: Money = Decimal("0")  # after discounts, excluding tax
    total_tax: Money = Decimal("0")
    taxes: list[LineTax] = Field(default_factory=list)
    sku: str | None = ""
    price: Money = Decimal("0")


class TaxLine(_Model):
    id: int
    rate_code: str = ""
    rate_id: int
    label: str = ""
    compound: bool = False
    tax_total: Money = Decimal("0")
    shipping_tax_total: Money = Decimal("0")
    rate_percent: Decimal | None = None


class ShippingLine(_Model):
    id: int
    method_title: str = ""
    method_id: str = ""
    total: Money = Decimal("0")
    total_tax: Money = Decimal("0")
    taxes: list[LineTax] = Field(default_factory=list)


class FeeLine(_Model):
    id: int
    name: str = ""
    tax_class: str = ""
    tax_status: str = "taxable"
    total: Money = Decimal("0")
    total_tax: Money = Decimal("0")
    taxes: list[LineTax] = Field(default_factory=list)


class CouponLine(_Model):
    id: int
    code: str = ""
    discount: Money = Decimal("0")
    discount_tax: Money = Decimal("0")


class RefundRef(_Model):
    id: int
    reason: str = ""
    total: Money = Decimal("0")


class Order(_Model):
    id: int
    parent_id: int = 0
    number: str = ""
    status: str
    currency: str
    prices_include_tax: bool = False
    date_created: OptionalDatetime = None  # the store's local time
    date_created_gmt: OptionalDatetime = None
    date_modified_gmt: OptionalDatetime = None
    date_paid: OptionalDatetime = None  # the store's local time
    date_paid_gmt: OptionalDatetime = None
    discount_total: Money = Decimal("0")
    discount_tax: Money = Decimal("0")
    shipping_total: Money = Decimal("0")
    shipping_tax: Money = Decimal("0")
    cart_tax: Money = Decimal("0")
    total: Money = Decimal("0")
    total_tax: Money = Decimal("0")
    customer_id: int = 0
    customer_note: str = ""
    billing: Address = Field(default_factory=Address)
    shipping: Address = Field(default_factory=Address)
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    line_items: list[LineItem] = Field(default_factory=list)
    tax_lines: list[TaxLine] = Field(default_factory=list)
    shipping_lines: list[ShippingLine] = Field(default_factory=list)
    fee_lines: list[FeeLine] = Field(default_factory=list)
    coupon_lines: list[CouponLine] = Field(default_factory=list)
    refunds: list[RefundRef] = Field(default_factory=list)


class MetaData(_Model):
    key: str = ""
    value: Any = None


class RefundLineItem(LineItem):
    """A refunded line: negative quantity and amounts, ``_refunded_item_id`` in its meta."""

    meta_data: list[MetaData] = Field(default_factory=list)

    @property
    def refunded_item_id(self) -> int | None:
        for meta in self.meta_data:
            if meta.key == "_refunded_item_id":
                return int(meta.value)
        return None


class RefundShippingLine(ShippingLine):
    meta_data: list[MetaData] = Field(default_factory=list)


class RefundFeeLine(FeeLine):
    meta_data: list[MetaData] = Field(default_factory=list)


class Refund(_Model):
    """``GET /orders/{id}/refunds/{refund_id}``."""

    id: int
    date_created: OptionalDatetime = None  # the store's local time
    date_created_gmt: OptionalDatetime = None
    amount: Money = Decimal("0")  # positive
    reason: str = ""
    refunded_payment: bool = False
    line_items: list[RefundLineItem] = Field(default_factory=list)
    shipping_lines: list[RefundShippingLine] = Field(default_factory=list)
    fee_lines: list[RefundFeeLine] = Field(default_factory=list)


class ProductAttribute(_Model):
    name: str = ""
    option: str = ""


class Link(_Model):
    href: str = ""


class Product(_Model):
    """A product or, with ``type == "variation"``, a variation (``product.*`` webhooks carry both)."""

    id: int
    name: str = ""
    type: str = "simple"
    status: str | bool = "publish"
    parent_id: int = 0
    sku: str | None = ""
    description: str = ""
    short_description: str = ""
    regular_price: Money = Decimal("0")
    price: Money = Decimal("0")
    tax_status: str = "taxable"
    tax_class: str = ""
    manage_stock: bool | str = False
    stock_quantity: int | None = None
    date_modified_gmt: OptionalDatetime = None
    attributes: list[ProductAttribute] = Field(default_factory=list)
    variations: list[int] = Field(default_factory=list)
    links: dict[str, list[Link]] = Field(default_factory=dict, alias="_links")

    @property
    def parent(self) -> int:
        """The parent product of a variation (older payloads only link to it)."""
        if self.parent_id:
            return self.parent_id
        for link in self.links.get("up", []):
            tail = link.href.rstrip("/").rsplit("/", 1)[-1]
            if tail.isdigit():
                return int(tail)
        return 0


class Customer(_Model):
    id: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    date_modified_gmt: OptionalDatetime = None
    billing: Address = Field(default_factory=Address)
    shipping: Address = Field(default_factory=Address)
