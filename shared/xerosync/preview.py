"""``xerosync preview``: the exact Xero requests a store payload would cause, without calling anything.

This is also how a merchant sees what a change of setting will do. Ids Xero would assign
(ContactID, InvoiceID, ...) appear as ``<ContactID of customer:12>`` placeholders, and the
notes say when a request is conditional (a contact is only created when none is found).
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerosync.config import StoreSettings
from xerosync.domain import Party, Product, Purchase, Quote, Refund, Sale
from xerosync.frozen import frozen
from xerosync.sources.port import StoreSource
from xerosync.sources.quotes_port import read_document
from xerosync.sync import tenders
from xerosync.sync.policy import plan_sale
from xerosync.xero import payloads, quote_payloads

if TYPE_CHECKING:
    from xerosync.settlement import Booking

BATCH = "?summarizeErrors=false"


@frozen
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


def preview(
    payload: dict[str, Any], settings: StoreSettings, source: StoreSource, *, order: dict[str, Any] | None = None
) -> Preview:
    """What ``payload`` (a record as ``source``'s store represents it) would cause in Xero."""
    document = read_document(source, payload, settings)
    if document is not None:
        return _document(document, settings)
    kind = source.kind_of(payload)
    if kind == "refund":
        if order is None:
            raise ValueError("a refund is previewed with its order: --order ORDER.json")
        sale = source.read("order", order, settings)
        assert isinstance(sale, Sale)
        return _refund(source.read_refund(payload, sale), sale, settings)
    record = source.read(kind, payload, settings)
    if isinstance(record, Party):
        return Preview(
            kind,
            [
                Request(
                    "PUT",
                    "/Contacts" + BATCH,
                    {"Contacts": [payloads.contact(record)]},
                    "sent only if no contact has ContactNumber or email; else POST to update it",
                )
            ],
        )
    if isinstance(record, Product):
        code = payloads.item_code(record.sku, settings)
        if not record.sellable:
            return Preview(kind, [], ["a product sold as its variants has no item: its variants do"])
        if code.code is None:
            return Preview(kind, [], [code.decision])
        return Preview(
            kind,
            [Request("PUT", "/Items" + BATCH + "&unitdp=4", {"Items": [payloads.item(record, code.code, settings)]})],
            [code.decision] if code.decision else [],
        )
    return _order(record, settings)


def _order(sale: Sale, settings: StoreSettings) -> Preview:
    result = Preview("order")
    plan = plan_sale(sale, settings)
    if plan.action == "cancel":
        result.notes.append(
            f"{plan.reason}: its invoice is voided (AUTHORISED, unpaid), deleted (DRAFT) or "
            "credited in full (paid); nothing is created"
        )
        return result
    if plan.action == "skip" or plan.status is None:
        result.notes.append(plan.reason)
        return result
    status = plan.status
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
    if plan.pay:  # one payment per tender (a store that records one per order: one)
        dues = tenders.sale_payments(sale, settings, tenders.received(sale), sale.total)
        result.requests.append(
            Request(
                "PUT",
                "/Payments" + BATCH,
                {
                    "Payments": [
                        payloads.payment(
                            invoice_id=invoice,
                            account=due.account,
                            when=due.tender.date,
                            amount=due.amount,
                            reference=due.reference,
                        )
                        for due in dues
                        if due.amount > 0
                    ]
                },
                "the amount is capped at the invoice's amount due",
            )
        )
    for summary in sale.refunds if plan.credit_refunds else ():
        result.notes.append(
            f"refund {summary.id} ({summary.amount}) becomes a credit note; preview it with its "
            "refund payload for its lines: xerosync preview REFUND.json --order ORDER.json"
        )
    return result


def _document(document: Quote | Purchase, settings: StoreSettings) -> Preview:
    """A quote, purchase order or ACCPAY bill (``purchasing.as_bills``), after its contact."""
    sale = document.body
    contact = f"<ContactID of {sale.customer.key}>"
    found = "sent only if no contact is found by ContactNumber or email"
    first = Request("PUT", "/Contacts" + BATCH, {"Contacts": [payloads.contact(sale.customer)]}, found)
    moved = "created in the first status Xero lets a new one have on the way to this one, then moved"
    if isinstance(document, Quote):
        body = quote_payloads.quote(document, contact, settings)
        return Preview("quote", [first, Request("PUT", "/Quotes" + BATCH, {"Quotes": [body]}, moved)])
    purchasing = settings.purchasing
    if purchasing.as_bills:
        body = quote_payloads.bill(document, contact, settings, purchasing)
        request = Request("PUT", "/Invoices" + BATCH + "&unitdp=4", {"Invoices": [body]}, moved)
        return Preview("purchase", [first, request], ["an ACCPAY bill: purchasing.as_bills"])
    body = quote_payloads.purchase_order(document, contact, settings, purchasing)
    request = Request("PUT", "/PurchaseOrders" + BATCH, {"PurchaseOrders": [body]}, moved)
    return Preview("purchase", [first, request])


def _refund(refund: Refund, sale: Sale, settings: StoreSettings) -> Preview:
    contact = f"<ContactID of {sale.customer.key}>"
    body = payloads.credit_note(refund, sale, contact, settings)
    result = Preview("refund", [Request("PUT", "/CreditNotes" + BATCH + "&unitdp=4", {"CreditNotes": [body]})])
    result.notes.append(
        "then allocated to the invoice while it has an amount due; for a paid order, the money "
        "going back is a payment on the credit note"
        + ("" if settings.refunds.record_refund_payments else " (switched off: refunds.record_refund_payments)")
    )
    return result


def settlement_preview(booking: "Booking") -> Preview:
    """What posting a settlement would send Xero: its document and, in summary mode, its payment."""
    from xerosync.xero.settlement_payloads import bank_transaction, settlement_payment, summary_document

    s = booking.settlement
    result = Preview("settlement", notes=list(booking.notes))
    problem = booking.problem()
    if problem:
        result.notes.insert(0, problem)
        return result
    if booking.document == "bank_transaction":
        body = bank_transaction(booking)
        result.requests.append(Request("PUT", "/BankTransactions" + BATCH + "&unitdp=4", {"BankTransactions": [body]}))
        return result
    plural = "CreditNotes" if booking.document == "credit_note" else "Invoices"
    for part in booking.earlier:  # split by month: the earlier months' documents, carried forward
        early = summary_document(booking, part)
        result.requests.append(
            Request("PUT", f"/{plural}" + BATCH + "&unitdp=4", {plural: [early]}, f"{part.period}: carried forward")
        )
    body = summary_document(booking)
    result.requests.append(Request("PUT", f"/{plural}" + BATCH + "&unitdp=4", {plural: [body]}))
    if booking.status == "AUTHORISED" and s.deposit != 0:
        document = f"<{plural[:-1]}ID of {booking.number}>"
        payment = settlement_payment(booking, document)
        result.requests.append(Request("PUT", "/Payments" + BATCH, {"Payments": [payment]}, "the deposit"))
    elif booking.status == "DRAFT":
        result.notes.append("a draft: no payment; approve it in Xero and match the deposit to it")
    return result


@frozen
class Comparison:
    """One record previewed under the current settings and under proposed ones."""

    current: str  # the preview as JSON, or why there is none (the settings cannot map the record)
    proposed: str
    diff: tuple[str, ...]  # the unified diff of the two; empty: the change does nothing to this record

    @property
    def differs(self) -> bool:
        return bool(self.diff)


def compare(
    payload: dict[str, Any], current: StoreSettings, proposed: StoreSettings, source: StoreSource
) -> Comparison:
    """What a change of settings would do to ``payload``'s requests (the console's Map, before saving)."""
    import difflib

    def shown(settings: StoreSettings) -> str:
        try:
            return preview(payload, settings, source).to_json()
        except ValueError as exc:  # a MappingError too: the reason the record cannot be sent
            return f"not sent: {exc}"

    before, after = shown(current), shown(proposed)
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "current", "proposed", lineterm="", n=2)
    return Comparison(before, after, tuple(lines))
