"""Acme records -> the domain (pure), and Acme's own section of the settings (``store:``).

Acme's shapes: amounts are integer cents (``unitCents``, ``taxCents``...); an order names its tax
rates by code in ``taxes`` and each line its own (``tax: {"code": "GST", "cents": 3800}``, or
none); the customer is nested (``name: {"given", "family"}``, no ``id`` for a guest); refunds,
with their lines, live inside the order; times are ISO 8601 with the shop's offset, so a date is
the shop's own day.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from xerosync import documents
from xerosync.domain import (
    LIFECYCLES,
    Lifecycle,
    Party,
    PostalAddress,
    Product,
    Refund,
    RefundSummary,
    Sale,
    SaleLine,
    TaxRate,
)
from xerosync.timestamps import store_time

DEFAULT_STATUSES: dict[str, Lifecycle] = {
    "cart": "unconfirmed",
    "open": "confirmed",
    "awaiting_transfer": "awaiting_payment",
    "settled": "paid",  # paid once the payment has a settledAt
    "voided": "cancelled",
}


@dataclass(frozen=True)
class AcmeSettings:
    """``store: {statuses: {<Acme state>: <lifecycle>}}``: the merchant's own words added to
    Acme's (an unknown state is unconfirmed: nothing is booked)."""

    statuses: dict[str, Lifecycle] = field(default_factory=lambda: dict(DEFAULT_STATUSES))

    def lifecycle(self, state: str, settled: bool) -> Lifecycle:
        stage = self.statuses.get(state, "unconfirmed")
        return "confirmed" if stage == "paid" and not settled else stage


def problems(section: Mapping[str, Any]) -> list[str]:
    found = [f"store.{key}: unknown setting; Acme's section has only statuses" for key in section if key != "statuses"]
    statuses = section.get("statuses", {})
    if not isinstance(statuses, dict):
        return [*found, "store.statuses: a mapping of Acme order state -> lifecycle"]
    for state, stage in statuses.items():
        if stage not in LIFECYCLES:
            found.append(f"store.statuses.{state}: {stage!r} is not one of {', '.join(LIFECYCLES)}")
    return found


def acme_settings(section: Mapping[str, Any]) -> AcmeSettings:
    if problems(section):
        raise ValueError("; ".join(problems(section)))
    return AcmeSettings({**DEFAULT_STATUSES, **cast(dict[str, Lifecycle], section.get("statuses", {}))})


def money(cents: Any, what: str) -> Decimal:
    """Integer cents as a Decimal amount (Acme never sends fractions of a cent)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValueError(f"Acme {what} must be integer cents, got {cents!r}")
    return Decimal(cents).scaleb(-2)


def _day(value: Any, what: str) -> date:
    """The shop's own day of an ISO time with the shop's offset."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"Acme {what} is missing")
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def party(customer: Mapping[str, Any], order_id: str | None = None) -> Party:
    name = customer.get("name") or {}
    given, family = str(name.get("given") or "").strip(), str(name.get("family") or "").strip()
    email = str(customer.get("email") or "").strip().lower()
    company = str(customer.get("company") or "").strip()
    customer_id = customer.get("id")
    # a guest (no id) is known by email, else only by the order
    guest = f"guest:{email}" if email else f"guest-order:{order_id}"
    key = f"customer:{customer_id}" if customer_id else guest
    address = customer.get("address") or {}
    return Party(
        key=key,
        name=company or f"{given} {family}".strip() or email or "Unknown customer",
        customer_number=str(customer_id) if customer_id else None,
        first_name=given,
        last_name=family,
        email=email,
        company=company,
        phone=str(customer.get("phone") or "").strip(),
        address=PostalAddress(
            lines=tuple(str(x).strip() for x in address.get("lines") or () if str(x).strip()),
            city=str(address.get("city") or ""),
            region=str(address.get("region") or ""),
            postcode=str(address.get("postcode") or ""),
            country=str(address.get("country") or "").upper(),
        ),
    )


def _tax(line: Mapping[str, Any]) -> tuple[Decimal, tuple[str, ...]]:
    tax = line.get("tax") or {}
    code = str(tax.get("code") or "")
    return money(tax.get("cents", 0), "tax"), ((code,) if code else ())


def _item(item: Mapping[str, Any]) -> SaleLine:
    quantity = Decimal(int(item["qty"]))
    gross = money(item["unitCents"], "unitCents") * quantity
    tax, rates = _tax(item)
    product = item.get("productId")
    return SaleLine(
        kind="product",
        source_id=f"item:{item['lineId']}",
        description=str(item.get("title") or item.get("sku") or "Item"),
        quantity=quantity,
        subtotal=gross,
        subtotal_tax=tax,
        total=gross - money(item.get("discountCents", 0), "discountCents"),
        tax=tax,
        tax_rate_ids=rates,
        sku=str(item.get("sku") or "").strip() or None,
        product_key=f"product:{product}" if product else None,
    )


def _shipping(shipping: Mapping[str, Any]) -> SaleLine:
    amount = money(shipping["cents"], "shipping cents")
    tax, rates = _tax(shipping)
    method = str(shipping.get("method") or "Shipping")
    return SaleLine("shipping", "shipping", method, Decimal(1), amount, tax, amount, tax, rates)


def sale(order: Mapping[str, Any], settings: AcmeSettings) -> Sale:
    order_id = str(order["id"])
    payment = order.get("payment") or {}
    settled_at = payment.get("settledAt")
    totals = order["totals"]
    lines = [_item(i) for i in order.get("items") or ()]
    if order.get("shipping"):
        lines.append(_shipping(order["shipping"]))
    return Sale(
        key=f"order:{order_id}",
        id=order_id,
        number=str(order.get("reference") or order_id),
        lifecycle=settings.lifecycle(str(order.get("state") or ""), bool(settled_at)),
        status_word=str(order.get("state") or ""),
        date=_day(order.get("placedAt"), "placedAt"),
        currency=str(order["currency"]).upper(),
        prices_include_tax=order.get("taxMode") == "inclusive",
        customer=party(order.get("customer") or {}, order_id),
        lines=tuple(lines),
        total=money(totals["cents"], "totals.cents"),
        total_tax=money(totals["taxCents"], "totals.taxCents"),
        modified_at=store_time(order.get("updatedAt")),
        created_at=store_time(order.get("placedAt")),
        paid_at=store_time(settled_at),
        payment_method=str(payment.get("gateway") or ""),
        payment_method_title=str(payment.get("label") or ""),
        transaction_id=str(payment.get("transactionRef") or ""),
        tax_rates={
            str(t["code"]): TaxRate(str(t["code"]), str(t["code"]), str(t.get("label") or ""), Decimal(t["percent"]))
            for t in order.get("taxes") or ()
        },
        refunds=tuple(
            RefundSummary(str(r["id"]), money(r["amountCents"], "amountCents"), str(r.get("note") or ""))
            for r in order.get("refunds") or ()
        ),
        paid_date=_day(settled_at, "settledAt") if settled_at else None,
    )


def refund(raw: Mapping[str, Any], of: Sale) -> Refund:
    """A refund as the order carries it: ``{"id", "createdAt", "amountCents", "note", "sentToCard",
    "lines": [{"lineId", "qty", "cents", "taxCents"}]}`` (``lineId`` "shipping" for the shipping)."""
    sold = {line.source_id: line for line in of.lines}
    lines = []
    for line in raw.get("lines") or ():
        source = "shipping" if line["lineId"] == "shipping" else f"item:{line['lineId']}"
        original = sold.get(source)
        if original is None:
            raise ValueError(f"Acme refund {raw['id']} refunds line {line['lineId']!r}, which order {of.id} lacks")
        amount, tax = money(line["cents"], "refund cents"), money(line.get("taxCents", 0), "refund taxCents")
        lines.append(
            SaleLine(
                kind=original.kind,
                source_id=source,
                description=original.description,
                quantity=Decimal(int(line.get("qty", 1))),
                subtotal=amount,
                subtotal_tax=tax,
                total=amount,
                tax=tax,
                tax_rate_ids=original.tax_rate_ids,
                sku=original.sku,
                product_key=original.product_key,
            )
        )
    return Refund(
        key=documents.refund_key(of.key, str(raw["id"])),
        id=str(raw["id"]),
        order_key=of.key,
        date=_day(raw.get("createdAt"), "refund createdAt"),
        amount=money(raw["amountCents"], "amountCents"),
        reason=str(raw.get("note") or ""),
        lines=tuple(lines),
        refunded_payment=raw.get("sentToCard") is True,
    )


def product(raw: Mapping[str, Any]) -> Product:
    price = raw.get("priceCents")
    return Product(
        key=f"product:{raw['id']}",
        sku=str(raw.get("sku") or "").strip() or None,
        name=str(raw.get("title") or raw.get("sku") or raw["id"]),
        description=str(raw.get("blurb") or raw.get("title") or ""),
        price=money(price, "priceCents") if price is not None else None,
        is_variation=bool(raw.get("variantOf")),
        deleted=raw.get("archived") is True,
    )
