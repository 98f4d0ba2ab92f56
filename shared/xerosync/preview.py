"""``xerosync preview``: the exact Xero requests a store payload would cause, without calling anything.

This is also how a merchant sees what a change of setting will do. Ids Xero would assign
(ContactID, InvoiceID, ...) appear as ``<ContactID of customer:12>`` placeholders, and the
notes say when a request is conditional (a contact is only created when none is found).
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xerosync.config import CANCELLED_STATUSES, StoreSettings
from xerosync.sources.woocommerce.mapping import (
    parse_customer,
    parse_order,
    parse_product,
    parse_refund,
    party_from_customer,
    product_from_payload,
    refund_from_payload,
    sale_from_order,
)
from xerosync.xero import payloads

BATCH = "?summarizeErrors=false"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None
    note: str = ""


@dataclass
class Preview:
    kind: str
    requests: list[Request] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return dumps(
            {
                "kind": self.kind,
                "notes": self.notes,
                "requests": [
                    {"method": r.method, "path": r.path, "note": r.note, "body": r.body} for r in self.requests
                ],
            }
        )


def dumps(value: Any) -> str:
    """JSON with money printed exactly as it is sent (numbers, never strings)."""

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return int(obj) if obj == obj.to_integral_value() else float(obj)  # 2- and 4-dp amounts print exactly
        raise TypeError(type(obj).__name__)

    return json.dumps(value, indent=2, default=default, ensure_ascii=False)


def kind_of(payload: dict[str, Any]) -> str:
    if "line_items" in payload and ("billing" in payload or "total" in payload) and "refunded_payment" not in payload:
        return "order"
    if "refunded_payment" in payload or ("amount" in payload and "refunded_by" in payload):
        return "refund"
    if "sku" in payload or "regular_price" in payload:
        return "product"
    if "email" in payload and ("username" in payload or "role" in payload):
        return "customer"
    raise ValueError("not a WooCommerce order, refund, product or customer payload")


def preview(payload: dict[str, Any], settings: StoreSettings, *, order: dict[str, Any] | None = None) -> Preview:
    kind = kind_of(payload)
    if kind == "customer":
        party = party_from_customer(parse_customer(payload))
        return Preview(
            kind,
            [
                Request(
                    "PUT",
                    "/Contacts" + BATCH,
                    {"Contacts": [payloads.contact(party)]},
                    "sent only if no contact has ContactNumber or email; else POST to update it",
                )
            ],
        )
    if kind == "product":
        product = product_from_payload(parse_product(payload))
        code = payloads.item_code(product.sku, settings)
        if code.code is None:
            return Preview(kind, [], [code.decision])
        return Preview(
            kind,
            [Request("PUT", "/Items" + BATCH + "&unitdp=4", {"Items": [payloads.item(product, code.code, settings)]})],
            [code.decision] if code.decision else [],
        )
    if kind == "refund":
        if order is None:
            raise ValueError("a refund is previewed with its order: --order ORDER.json")
        return _refund(payload, order, settings)
    return _order(payload, settings)


def _order(payload: dict[str, Any], settings: StoreSettings) -> Preview:
    order = parse_order(payload)
    sale = sale_from_order(order)
    result = Preview("order")
    if order.status in CANCELLED_STATUSES:
        result.notes.append(
            f"order {order.status}: its invoice is voided (AUTHORISED, unpaid), deleted (DRAFT) or "
            "credited in full (paid); nothing is created"
        )
        return result
    status = settings.order_statuses.get(order.status, "skip")
    if status == "skip":
        result.notes.append(f"orders in status {order.status!r} are not synced (settings: order_statuses)")
        return result
    if sale.total == 0 and not settings.zero_total_orders:
        result.notes.append("zero-total orders are not invoiced (settings: zero_total_orders)")
        return result
    contact = f"<ContactID of {sale.customer.key}>"
    result.requests.append(
        Request(
            "PUT",
            "/Contacts" + BATCH,
            {"Contacts": [payloads.contact(sale.customer)]},
            "sent only if no contact is found by ContactNumber or email",
        )
    )
    codes = {}
    if settings.items.unknown_sku == "item":
        codes = {
            line.product_key: c
            for line in sale.lines
            if line.product_key and (c := payloads.item_code(line.sku, settings).code)
        }
    body = payloads.invoice(sale, contact, settings, status=status, item_codes=codes)
    result.requests.append(Request("PUT", "/Invoices" + BATCH + "&unitdp=4", {"Invoices": [body]}))
    invoice = f"<InvoiceID of {body['InvoiceNumber']}>"
    paid = order.status in settings.payments.paid_statuses and sale.paid_date is not None
    if paid and status == "AUTHORISED" and settings.sync.payments:
        account = payloads.payment_account(sale, settings)
        result.requests.append(
            Request(
                "PUT",
                "/Payments" + BATCH,
                {
                    "Payments": [
                        payloads.payment(
                            invoice_id=invoice,
                            account=account,
                            when=sale.paid_date or sale.date,
                            amount=sale.total,
                            reference=payloads.payment_reference(sale),
                        )
                    ]
                },
                "the amount is capped at the invoice's amount due",
            )
        )
    for summary in sale.refunds if settings.sync.refunds else ():
        result.notes.append(
            f"refund {summary.id} ({summary.amount}) becomes a credit note; preview it with its "
            "refund payload for its lines: xerosync preview REFUND.json --order ORDER.json"
        )
    return result


def _refund(payload: dict[str, Any], order_payload: dict[str, Any], settings: StoreSettings) -> Preview:
    sale = sale_from_order(parse_order(order_payload))
    refund = refund_from_payload(sale, parse_refund(payload))
    contact = f"<ContactID of {sale.customer.key}>"
    body = payloads.credit_note(refund, sale, contact, settings)
    result = Preview("refund", [Request("PUT", "/CreditNotes" + BATCH + "&unitdp=4", {"CreditNotes": [body]})])
    result.notes.append(
        "then allocated to the invoice while it has an amount due; for a paid order, the money "
        "going back is a payment on the credit note"
        + ("" if settings.refunds.record_refund_payments else " (switched off: refunds.record_refund_payments)")
    )
    return result
