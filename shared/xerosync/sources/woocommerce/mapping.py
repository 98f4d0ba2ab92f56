"""WooCommerce payloads -> the domain (pure)."""

import html
import json
from decimal import Decimal
from typing import Any

from xerosync.domain import Party, PostalAddress, Sale, SaleLine
from xerosync.sources.woocommerce.models import Address, Customer, FeeLine, LineItem, Order, ShippingLine


def parse_order(payload: str | bytes | dict[str, Any]) -> Order:
    return Order.model_validate(_load(payload))


def parse_customer(payload: str | bytes | dict[str, Any]) -> Customer:
    return Customer.model_validate(_load(payload))


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


def _rate_ids(taxes: list[Any]) -> tuple[int, ...]:
    return tuple(sorted(t.id for t in taxes if t.total != 0 or t.subtotal != 0))


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


def sale_from_order(order: Order) -> Sale:
    created = order.date_created or order.date_created_gmt
    if created is None:
        raise ValueError(f"order {order.id} has no date_created")
    lines = (
        *(_product_line(i) for i in order.line_items),
        *(_shipping_line(s) for s in order.shipping_lines),
        *(_fee_line(f) for f in order.fee_lines),
    )
    return Sale(
        key=f"order:{order.id}",
        number=(order.number or str(order.id)).lstrip("#"),
        status=order.status,
        date=created.date(),
        currency=order.currency.upper(),
        prices_include_tax=order.prices_include_tax,
        customer=party_from_order(order),
        lines=lines,
        total=order.total,
        total_tax=order.total_tax,
        modified_at=order.date_modified_gmt,
        paid_at=order.date_paid_gmt,
        payment_method=order.payment_method,
        payment_method_title=text(order.payment_method_title),
        transaction_id=order.transaction_id,
        tax_rate_labels={t.rate_id: f"{t.rate_code} ({t.label})" for t in order.tax_lines},
    )
