"""A record's page: the store's figures beside the Xero documents written for it, with links to
them in Xero, its sync log, and a retry of it when it failed.

Store facts come through the store port (``fetch``, then the source's ``read`` into the domain);
Xero's from the mapping table and one read of each document (under the organisation's budget).
"""

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from xerosync.console import context
from xerosync.console.auth import csrf_field, signed_in
from xerosync.console.page import Html, badge, esc, join, link, page, table, tag
from xerosync.console.web import Request, Response, router

KINDS = ("order", "customer", "product")
MOST_DOCUMENTS = 12  # Xero reads a page view may cost
MOST_REISSUES = 5


@router.get("/console/record/{key}")
@signed_in
def record(request: Request) -> Response:
    key = request.params["key"]
    kind, _, record_id = key.partition(":")
    job = context.job()
    entries = sorted(context.journal().by_record(key), key=lambda e: e.at, reverse=True)
    sale, store_note = _store_side(job, kind, record_id)
    documents, xero_note = _xero_side(job, key, sale)
    failed = bool(entries) and entries[0].outcome in ("failed", "retrying")
    parts = [tag("h2", "In the store"), _store_table(sale, store_note)]
    parts += [tag("h2", "In Xero"), documents]
    if xero_note:
        parts.append(tag("p", xero_note, class_="muted"))
    if failed:
        parts.append(
            tag(
                "form",
                Html(
                    csrf_field(request.session)
                    + Html(f'<input type="hidden" name="record" value="{esc(key)}">')
                    + tag("button", "Retry this record", type="submit")
                ),
                method="post",
                action="/console/retry",
                class_="row",
            )
        )
    rows = [
        [e.at[:19].replace("T", " "), badge(e.outcome), e.action, "; ".join(filter(None, [e.reason, *e.also]))]
        for e in entries
    ]
    parts += [tag("h2", "Sync log"), table(("time", "outcome", "action", "reason"), rows)]
    return page(key, join(parts), session=request.session, flash=request.query.get("done", ""))


def _store_side(job: Any, kind: str, record_id: str) -> tuple[Any, str]:
    """The record read from the store into the domain (None, and why, when it cannot be)."""
    if kind not in KINDS or not record_id:
        return None, "not a record the store is asked about"
    try:
        found = job.store.fetch(kind, record_id)
        return job.source.read(kind, found.raw, job.settings), ""
    except Exception as exc:  # the store unreachable, the record gone: the page still helps
        return None, f"the store did not say ({type(exc).__name__}: {exc})"


def _store_table(sale: Any, note: str) -> Html:
    if sale is None:
        return tag("p", note, class_="muted")
    rows: list[list[Any]] = []
    for label, attribute in (
        ("number", "number"),
        ("date", "date"),
        ("status", "status_word"),
        ("name", "name"),
        ("email", "email"),
        ("SKU", "sku"),
        ("currency", "currency"),
        ("total", "total"),
        ("tax", "total_tax"),
    ):
        value = getattr(sale, attribute, None)
        if value not in (None, ""):
            rows.append([label, _money(value) if isinstance(value, Decimal) else value])
    refunds = getattr(sale, "refunds", ()) or ()
    if refunds:
        rows.append(["refunded", _money(sum((Decimal(str(r.amount)) for r in refunds), Decimal(0)))])
    payments = getattr(sale, "payments", ()) or ()
    if payments:
        rows.append(["paid", _money(sum((Decimal(str(t.amount)) for t in payments), Decimal(0)))])
    return table(("", "store"), rows)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def candidate_keys(key: str, sale: Any) -> list[tuple[str, str]]:
    """The mapping keys of the documents a record may have in Xero, with each one's kind."""
    from xerosync import documents

    if not documents.is_sale_key(key):
        return [(key, "contact" if key.startswith("customer:") else "item")]
    keys = [(key, "invoice")] + [(documents.reissue_key(key, n), "invoice") for n in range(2, MOST_REISSUES + 2)]
    keys.append((documents.payment_key(key), "payment"))
    keys += [(documents.payment_key(key, t.id), "payment") for t in getattr(sale, "payments", ()) or () if t.id]
    keys += [(documents.refund_key(key, r.id), "credit note") for r in getattr(sale, "refunds", ()) or ()]
    keys.append((documents.cancellation_key(key), "credit note"))
    return keys


def _xero_side(job: Any, key: str, sale: Any) -> tuple[Html, str]:
    from xerosync import documents
    from xerosync.xero.document_state import deep_link

    found = []
    reissues_over = False
    for candidate, kind in candidate_keys(key, sale):
        if kind == "invoice" and "#issue" in candidate and reissues_over:
            continue
        mapping = job.mappings.get(candidate)
        if mapping is not None and mapping.xero_id:
            found.append((candidate, kind, mapping))
            if kind == "invoice":  # its adjustments after payment: invoices or credit notes
                for n in range(1, mapping.invoice.adjustments + 1):
                    adjusted = job.mappings.get(documents.adjustment_key(key, n))
                    if adjusted is not None and adjusted.xero_id:
                        note = "credit note" if adjusted.credit.decrease else "invoice"
                        found.append((adjusted.key, note, adjusted))
        elif kind == "invoice" and "#issue" in candidate:
            reissues_over = True  # reissues are numbered in order: none after a missing one
    if not found:
        return tag("p", "nothing written to Xero for it yet", class_="muted"), ""
    note = ""
    try:
        short_code = job.xero.short_code()
    except Exception as exc:  # no connection yet, or Xero refused: ids without links
        short_code, note = "", f"Xero did not answer ({type(exc).__name__}): shown without its figures or links"
    rows = []
    invoice_link = ""
    for candidate, kind, mapping in found[:MOST_DOCUMENTS]:
        figures = _read(job, kind, mapping.xero_id) if short_code else {}
        xero_type = {"invoice": "ACCREC", "credit note": "ACCRECCREDIT", "contact": "CONTACT"}.get(kind, "")
        url = deep_link(short_code, xero_type, mapping.xero_id)
        if kind == "invoice" and not invoice_link:
            invoice_link = url
        if kind == "payment":
            url = invoice_link  # a payment is shown on its invoice's page in Xero
        number = mapping.xero_number or figures.get("number") or mapping.xero_id[:8]
        rows.append(
            [
                kind,
                link(url, number, rel="noreferrer", target="_blank") if url else number,
                figures.get("status", ""),
                figures.get("total", ""),
                candidate,
            ]
        )
    return table(("document", "in Xero", "status", "total", "mapping"), rows), note


def _read(job: Any, kind: str, xero_id: str) -> dict[str, str]:
    try:
        if kind == "invoice":
            doc = job.xero.get_invoice(xero_id)
            return {"number": doc.get("InvoiceNumber", ""), "status": doc.get("Status", ""), "total": _total(doc)}
        if kind == "credit note":
            doc = job.xero.get_credit_note(xero_id)
            return {"number": doc.get("CreditNoteNumber", ""), "status": doc.get("Status", ""), "total": _total(doc)}
        if kind == "payment":
            doc = job.xero.get_payment(xero_id)
            return {"status": doc.get("Status", ""), "total": _total(doc, "Amount")}
    except Exception as exc:  # one document unreadable: say so on its row
        return {"status": f"unread ({type(exc).__name__})"}
    return {}


def _total(doc: dict[str, Any], field: str = "Total") -> str:
    value = doc.get(field)
    currency = doc.get("CurrencyCode", "")
    return f"{currency} {Decimal(str(value)):,.2f}".strip() if value is not None else ""


def record_link(key: str) -> Html:
    return link(f"/console/record/{quote(key, safe=':')}", key)
