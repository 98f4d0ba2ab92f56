"""WooCommerce payloads -> the domain (pure)."""

import html
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from xerosync.domain import Party, PostalAddress, Product, Refund, RefundSummary, Sale, SaleLine, TaxRate
from xerosync.sources.woocommerce.models import Address, Customer, FeeLine, LineItem, Order, ShippingLine
from xerosync.sources.woocommerce.models import Product as WooProduct
from xerosync.sources.woocommerce.models import Refund as WooRefund
from xerosync.sources.woocommerce.settings import WooSettings


def parse_order(payload: str | bytes | dict[str, Any]) -> Order:
    return Order.model_validate(_load(payload))


def parse_customer(payload: str | bytes | dict[str, Any]) -> Customer:
    return Customer.model_validate(_load(payload))


def parse_product(payload: str | bytes | dict[str, Any]) -> WooProduct:
    return WooProduct.model_validate(_load(payload))


def parse_refund(payload: str | bytes | dict[str, Any]) -> WooRefund:
    return WooRefund.model_validate(_load(payload))


def _load(payload: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(payload, dict):
        return payload
    data = json.loads(payload, parse_float=Decimal)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def text(value: str) -> str:
    """Store text as people read it: HTML entities decoded (WooCommerce sends &ndash; and &#8482;)."""
    return " ".join(html.unescape(value).split())


def _address(a: Address) -> PostalAddress:
    return PostalAddress(
        lines=tuple(text(x) for x in (a.address_1, a.address_2) if x.strip()),
        city=text(a.city),
        region=text(a.state),
        postcode=a.postcode.strip(),
        country=a.country.strip().upper(),
    )


def _display_name(first: str, last: str, company: str, email: str) -> str:
    return text(company) or text(f"{first} {last}") or email.strip().lower() or "Unknown customer"


def party_from_customer(customer: Customer) -> Party:
    billing = customer.billing
    first = customer.first_name or billing.first_name
    last = customer.last_name or billing.last_name
    email = (customer.email or billing.email).strip().lower()
    return Party(
        key=f"customer:{customer.id}",
        name=_display_name(first, last, billing.company, email),
        customer_number=str(customer.id),
        first_name=text(first),
        last_name=text(last),
        email=email,
        company=text(billing.company),
        phone=billing.phone.strip(),
        address=_address(billing),
    )


def party_from_order(order: Order) -> Party:
    """The order's customer: the registered customer, or a guest known by email."""
    billing = order.billing
    email = billing.email.strip().lower()
    registered = order.customer_id > 0
    if registered:
        key = f"customer:{order.customer_id}"
    elif email:
        key = f"guest:{email}"
    else:
        key = f"guest-order:{order.id}"  # no account and no email: the order is all we know
    return Party(
        key=key,
        name=_display_name(billing.first_name, billing.last_name, billing.company, email),
        customer_number=str(order.customer_id) if registered else None,
        first_name=text(billing.first_name),
        last_name=text(billing.last_name),
        email=email,
        company=text(billing.company),
        phone=billing.phone.strip(),
        address=_address(billing),
    )


def _rate_ids(taxes: list[Any]) -> tuple[str, ...]:
    return tuple(str(i) for i in sorted(t.id for t in taxes if t.total != 0 or t.subtotal != 0))


def _product_line(item: LineItem) -> SaleLine:
    return SaleLine(
        kind="product",
        source_id=f"line:{item.id}",
        description=text(item.name) or f"Product {item.product_id}",
        quantity=item.quantity,
        subtotal=item.subtotal,
        subtotal_tax=item.subtotal_tax,
        total=item.total,
        tax=sum((t.total for t in item.taxes), Decimal("0")) if item.taxes else item.total_tax,
        tax_rate_ids=_rate_ids(item.taxes),
        sku=(item.sku or "").strip() or None,
        product_key=f"product:{item.variation_id or item.product_id}"
        if (item.variation_id or item.product_id)
        else None,
    )


def _shipping_line(line: ShippingLine) -> SaleLine:
    return SaleLine(
        kind="shipping",
        source_id=f"shipping:{line.id}",
        description=text(line.method_title) or "Shipping",
        quantity=Decimal("1"),
        subtotal=line.total,
        subtotal_tax=line.total_tax,
        total=line.total,
        tax=sum((t.total for t in line.taxes), Decimal("0")) if line.taxes else line.total_tax,
        tax_rate_ids=_rate_ids(line.taxes),
    )


def _fee_line(line: FeeLine) -> SaleLine:
    return SaleLine(
        kind="fee",
        source_id=f"fee:{line.id}",
        description=text(line.name) or "Fee",
        quantity=Decimal("1"),
        subtotal=line.total,
        subtotal_tax=line.total_tax,
        total=line.total,
        tax=sum((t.total for t in line.taxes), Decimal("0")) if line.taxes else line.total_tax,
        tax_rate_ids=_rate_ids(line.taxes),
    )


def sale_from_order(order: Order, settings: WooSettings | None = None) -> Sale:
    created = order.date_created or order.date_created_gmt
    if created is None:
        raise ValueError(f"order {order.id} has no date_created")
    lines = (
        *(_product_line(i) for i in order.line_items),
        *(_shipping_line(s) for s in order.shipping_lines),
        *(_fee_line(f) for f in order.fee_lines),
    )
    paid_date = _paid_date(order)
    return Sale(
        key=f"order:{order.id}",
        id=str(order.id),
        number=(order.number or str(order.id)).lstrip("#"),
        lifecycle=(settings or WooSettings()).lifecycle(order.status, paid_date is not None),
        status_word=order.status,
        date=created.date(),
        currency=order.currency.upper(),
        prices_include_tax=order.prices_include_tax,
        customer=party_from_order(order),
        lines=lines,
        total=order.total,
        total_tax=order.total_tax,
        modified_at=order.date_modified_gmt,
        created_at=_utc(order.date_created_gmt),
        paid_at=order.date_paid_gmt,
        payment_method=order.payment_method,
        payment_method_title=text(order.payment_method_title),
        transaction_id=order.transaction_id,
        tax_rates={
            str(t.rate_id): TaxRate(str(t.rate_id), t.rate_code, text(t.label), t.rate_percent) for t in order.tax_lines
        },
        refunds=tuple(RefundSummary(str(r.id), abs(r.total), text(r.reason)) for r in order.refunds),
        paid_date=paid_date,
    )


def _utc(moment: datetime | None) -> datetime | None:
    """A ``*_gmt`` date (WooCommerce sends them without a zone) as an aware UTC datetime."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _paid_date(order: Order) -> date | None:
    paid = order.date_paid or order.date_paid_gmt
    return paid.date() if paid else None


def product_from_payload(product: WooProduct, *, prices_include_tax: bool = False) -> Product:
    """A product or variation. Variable products themselves are not sold: their variations are."""
    is_variation = product.type == "variation"
    name = text(product.name)
    if is_variation and product.attributes and not any(a.option in name for a in product.attributes):
        name = f"{name} - {', '.join(text(a.option) for a in product.attributes)}".strip(" -")
    description = text(product.short_description or product.description)
    return Product(
        key=f"product:{product.id}",
        sku=(product.sku or "").strip() or None,
        name=name or (product.sku or f"Product {product.id}"),
        description=_strip_tags(description) or name,
        price=product.regular_price or product.price or None,
        prices_include_tax=prices_include_tax,
        is_variation=is_variation,
        deleted=product.status == "trash",
        sellable=product.type != "variable",
    )


def _strip_tags(value: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", value).split())


def refund_from_payload(sale: Sale, refund: WooRefund) -> Refund:
    """A refund of ``sale``: its lines as positive amounts (WooCommerce sends them negative)."""
    order_id = sale.id
    created = refund.date_created or refund.date_created_gmt
    if created is None:
        raise ValueError(f"refund {refund.id} has no date_created")
    lines: list[SaleLine] = []
    for item in refund.line_items:
        lines.append(
            SaleLine(
                kind="product",
                source_id=f"line:{item.refunded_item_id or item.id}",
                description=text(item.name) or f"Product {item.product_id}",
                quantity=abs(item.quantity),
                subtotal=-item.subtotal,
                subtotal_tax=-item.subtotal_tax,
                total=-item.total,
                tax=-(sum((t.total for t in item.taxes), Decimal("0")) if item.taxes else item.total_tax),
                tax_rate_ids=_rate_ids(item.taxes),
                sku=(item.sku or "").strip() or None,
                product_key=f"product:{item.variation_id or item.product_id}"
                if (item.variation_id or item.product_id)
                else None,
            )
        )
    for shipping in refund.shipping_lines:
        lines.append(_negated(_shipping_line(shipping)))
    for fee in refund.fee_lines:
        lines.append(_negated(_fee_line(fee)))
    return Refund(
        key=f"refund:{order_id}:{refund.id}",
        id=str(refund.id),
        order_key=f"order:{order_id}",
        date=created.date(),
        amount=abs(refund.amount),
        reason=text(refund.reason),
        lines=tuple(line for line in lines if line.total or line.tax),
        refunded_payment=refund.refunded_payment,
    )


def _negated(line: SaleLine) -> SaleLine:
    return SaleLine(
        kind=line.kind,
        source_id=line.source_id,
        description=line.description,
        quantity=Decimal("1"),
        subtotal=-line.subtotal,
        subtotal_tax=-line.subtotal_tax,
        total=-line.total,
        tax=-line.tax,
        tax_rate_ids=line.tax_rate_ids,
    )
