"""Quotes and purchases -> Xero: one quote, purchase order or ACCPAY bill per source record,
created exactly once and kept in step with the record's stage.

An adapter produces the record's whole current state as a domain value
(:class:`~xerosync.domain.Quote` or :class:`~xerosync.domain.Purchase`, its ``body.key`` the
mapping key, e.g. ``"quote:<id>"``, and ``body.modified_at`` its source time) and calls
:func:`sync_quote` or :func:`sync_purchase`. Each event then, holding the record:

1. finds the contact (the customer, or the supplier) as orders do, creating it at most once;
2. creates the document once (a claim in the mapping table, the create under an idempotency key,
   a number already in Xero adopted), in a status Xero lets a new one have;
3. changes its lines and amounts while Xero allows (a draft or sent quote; a purchase order not
   yet billed; a bill with no payment), else reports the change instead of rewriting the books;
4. moves its status to the one the settings map the stage to (``quotes.statuses``,
   ``purchasing.order_statuses`` / ``bill_statuses``: :mod:`xerosync.config_quotes`), one
   move at a time along the moves Xero takes (:data:`QUOTE`, :data:`PURCHASE_ORDER`, :data:`BILL`),
   each under its own idempotency key; a move Xero refuses because someone changed the
   document in Xero is retried once from the status Xero reports.

What an adapter produces and calls, exactly:

* ``sync_quote(Quote(body, stage, expiry=, title=, summary=, terms=), settings=, xero=, mappings=)``;
* ``sync_purchase(Purchase(body, stage, delivery_date=, delivery_address=, attention_to=,
  telephone=, delivery_instructions=), settings=, xero=, mappings=)``, the purchase booked as
  the settings' ``purchasing`` section says (:class:`~xerosync.config_quotes.Purchasing`: its
  account, tax types, purchase order or ACCPAY bill, and statuses), unless ``purchasing=`` is given;

where ``body`` is a :class:`~xerosync.domain.Sale` whose ``key``, ``number`` (the Xero document
number), ``date``, ``currency``, ``prices_include_tax``, ``customer`` (the supplier for a
purchase), ``lines``, ``total``, ``total_tax``, ``tax_rates`` and ``modified_at`` are read (a
line's ``product_key`` finds the Xero item its product was synced to), ``xero`` is the
:class:`~xerosync.xero.client.XeroClient` and ``mappings`` the mapping table. Both return the
:class:`~xerosync.sync.base.Outcome` for the sync log (its ``reason`` says what was reported
instead of booked).

Xero's moves for quotes are partly reported (DRAFT -> DECLINED and ACCEPTED -> DECLINED are
refused: https://github.com/XeroAPI/xero-mcp-server/pull/309) and partly the natural reading of
the statuses' documentation (https://developer.xero.com/documentation/api/accounting/quotes,
https://developer.xero.com/documentation/api/accounting/purchaseorders).
"""

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from xerosync.config import StoreSettings
from xerosync.config_quotes import Purchasing
from xerosync.domain import Purchase, Quote, Sale
from xerosync.frozen import frozen
from xerosync.sync.base import Outcome, create_once, holding, now_iso, superseded, superseded_outcome
from xerosync.sync.contacts import ensure_contact
from xerosync.sync.items import item_codes
from xerosync.sync.order_run import LOCKED_MESSAGES, number_taken
from xerosync.sync.ports import Mapping, Mappings, Xero
from xerosync.xero import quote_payloads
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected
from xerosync.xero.lines import line_sources
from xerosync.xero.payloads import content_hash
from xerosync.xero.quote_payloads import bill_status, order_status, quote_status

GONE = ("DELETED", "VOIDED")
Builder = Callable[[str, dict[str, str]], dict[str, Any]]  # (ContactID, LineItemIDs by source line) -> body


class QuoteXero(Xero, Protocol):
    """The client's operations these use cases call, besides the orders' (:class:`Xero`)."""

    def create_quotes(self, quotes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_quote(self, quote_id: str, quote: dict[str, Any], *, idempotency_key: str) -> ElementResult: ...

    def get_quote(self, quote_id: str) -> dict[str, Any]: ...

    def quotes_by_number(self, number: str) -> list[dict[str, Any]]: ...

    def create_purchase_orders(self, orders: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_purchase_order(self, order_id: str, order: dict[str, Any], *, idempotency_key: str) -> ElementResult: ...

    def get_purchase_order(self, order_id: str) -> dict[str, Any]: ...

    def purchase_order_by_number(self, number: str) -> dict[str, Any] | None: ...


@frozen
class Kind:
    """One kind of document: how it is written and read, and the status moves Xero takes."""

    name: str
    plural: str
    id_field: str
    creatable: tuple[str, ...]  # the statuses a new one may have
    editable: tuple[str, ...]  # the statuses in which its lines and amounts may still change
    moves: dict[str, tuple[str, ...]]  # status -> the statuses one update can take it to
    create: Callable[[QuoteXero, dict[str, Any], str], ElementResult]
    update: Callable[[QuoteXero, str, dict[str, Any], str], ElementResult]
    read: Callable[[QuoteXero, str], dict[str, Any]]
    find: Callable[[QuoteXero, dict[str, Any]], dict[str, Any] | None]


def _first(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((r for r in found if r.get("Status") not in GONE), None)


QUOTE = Kind(
    name="quote",
    plural="Quotes",
    id_field="QuoteID",
    creatable=("DRAFT", "SENT"),
    editable=("DRAFT", "SENT"),
    moves={
        "DRAFT": ("SENT", "DELETED"),
        "SENT": ("DRAFT", "ACCEPTED", "DECLINED", "DELETED"),
        "ACCEPTED": ("SENT", "INVOICED", "DELETED"),
        "DECLINED": ("SENT", "DELETED"),
        "INVOICED": ("ACCEPTED",),
    },
    create=lambda xero, body, key: xero.create_quotes([body], idempotency_key=key)[0],
    update=lambda xero, xero_id, body, key: xero.update_quote(xero_id, body, idempotency_key=key),
    read=lambda xero, xero_id: xero.get_quote(xero_id),
    find=lambda xero, body: _first(xero.quotes_by_number(str(body["QuoteNumber"]))),
)
PURCHASE_ORDER = Kind(
    name="purchase order",
    plural="PurchaseOrders",
    id_field="PurchaseOrderID",
    creatable=("DRAFT", "SUBMITTED", "AUTHORISED"),
    editable=("DRAFT", "SUBMITTED", "AUTHORISED"),
    moves={
        "DRAFT": ("SUBMITTED", "AUTHORISED", "DELETED"),
        "SUBMITTED": ("DRAFT", "AUTHORISED", "DELETED"),
        "AUTHORISED": ("BILLED", "DELETED"),
        "BILLED": ("AUTHORISED",),
    },
    create=lambda xero, body, key: xero.create_purchase_orders([body], idempotency_key=key)[0],
    update=lambda xero, xero_id, body, key: xero.update_purchase_order(xero_id, body, idempotency_key=key),
    read=lambda xero, xero_id: xero.get_purchase_order(xero_id),
    find=lambda xero, body: _first([r for r in [xero.purchase_order_by_number(str(body["PurchaseOrderNumber"]))] if r]),
)


def _our_bill(xero: QuoteXero, body: dict[str, Any]) -> dict[str, Any] | None:
    """A bill this record made (bill numbers are the supplier's and may repeat: its reference,
    type and contact must be ours too)."""
    found = xero.invoices_by_number([str(body["InvoiceNumber"])])
    return _first(
        [
            r
            for r in found
            if r.get("Type") == "ACCPAY"
            and r.get("Reference") == body["Reference"]
            and (r.get("Contact") or {}).get("ContactID") == body["Contact"]["ContactID"]
        ]
    )


BILL = Kind(
    name="bill",
    plural="Invoices",
    id_field="InvoiceID",
    creatable=("DRAFT", "SUBMITTED", "AUTHORISED"),
    editable=("DRAFT", "SUBMITTED", "AUTHORISED"),
    moves={
        "DRAFT": ("SUBMITTED", "AUTHORISED", "DELETED"),
        "SUBMITTED": ("DRAFT", "AUTHORISED", "DELETED"),
        "AUTHORISED": ("VOIDED",),
    },
    create=lambda xero, body, key: xero.create_invoices([body], idempotency_key=key)[0],
    update=lambda xero, xero_id, body, key: xero.update_invoice(xero_id, body, idempotency_key=key),
    read=lambda xero, xero_id: xero.get_invoice(xero_id),
    find=_our_bill,
)


def moves(kind: Kind, current: str, target: str) -> list[str] | None:
    """The statuses to pass through, in order, from ``current`` to ``target`` (None: no way)."""
    if kind is BILL and target == "DELETED" and current not in ("DRAFT", "SUBMITTED"):
        target = "VOIDED"  # an approved bill is voided, not deleted
    paths: dict[str, list[str]] = {current: []}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        if status == target:
            return paths[status]
        for after in kind.moves.get(status, ()):
            if after not in paths:
                paths[after] = [*paths[status], after]
                queue.append(after)
    return None


def _line_ids(sale: Sale, body: dict[str, Any], record: dict[str, Any]) -> dict[str, str]:
    sources = line_sources(sale.lines, body)
    lines = record.get("LineItems") or []
    return {s: str(line["LineItemID"]) for s, line in zip(sources, lines, strict=False) if line.get("LineItemID")}


class Run:
    """One event of one quote or purchase: its document created, changed and moved."""

    def __init__(self, kind: Kind, sale: Sale, build: Builder, target: str, contact_id: str, *,
                 xero: QuoteXero, mappings: Mappings) -> None:  # fmt: skip
        self.kind, self.sale, self.build, self.target = kind, sale, build, target
        self.contact_id, self.xero, self.mappings = contact_id, xero, mappings
        self.key = sale.key
        self.stamp = sale.modified_at.isoformat() if sale.modified_at else None
        self.done: list[str] = []  # the status moves made
        self.notes: list[str] = []  # what was reported instead of done

    def body(self, known: Mapping | None = None) -> dict[str, Any]:
        return self.build(self.contact_id, dict((known.data.get("lines") if known else None) or {}))

    def mapping(self, xero_id: str, body: dict[str, Any], record: dict[str, Any], digest: str, status: str) -> Mapping:
        number = body.get("QuoteNumber") or body.get("PurchaseOrderNumber") or body.get("InvoiceNumber")
        data = {"lines": _line_ids(self.sale, body, record), "status": status}
        return Mapping(self.key, xero_id, digest, str(number or ""), self.stamp, now_iso(), data)

    def write(self, known: Mapping, body: dict[str, Any], digest: str, what: str) -> Mapping:
        """One update of the document; the mapping then says what Xero holds."""
        before, status = known.data.get("status"), str(body["Status"])
        key = f"{self.kind.name}:{self.key}:{self.stamp or digest}:{what}:{before}>{status}"
        result = self.kind.update(self.xero, known.xero_id, body, key)
        if not result.ok:
            raise XeroRejected(list(result.errors), result.record)
        lines = _line_ids(self.sale, body, result.record) if "LineItems" in body else known.data.get("lines") or {}
        data = {"lines": lines, "status": str(result.record.get("Status") or status)}
        updated = replace(known, content_hash=digest, source_modified=self.stamp, updated_at=now_iso(), data=data)
        self.mappings.put(updated)
        return updated

    def apply(self) -> Outcome:
        body = self.body()
        digest = content_hash({k: v for k, v in body.items() if k != "Status"})
        path = moves(self.kind, "DRAFT", self.target) or []
        start = next((s for s in reversed(["DRAFT", *path]) if s in self.kind.creatable), "DRAFT")
        first = {**body, "Status": start}
        created = create_once(
            self.mappings,
            self.key,
            find=lambda: self.kind.find(self.xero, first),
            create=lambda claim: self.kind.create(self.xero, first, f"{self.kind.name}:{self.key}:{claim}"),
            # found in Xero (a lost mapping): its lines are brought in step below
            record=lambda r, new: self.mapping(
                str(r[self.kind.id_field]), first, r, digest if new else "", str(r.get("Status") or start)
            ),
            look_up_first_claim=False,  # nothing can have made it before this record's first claim
            taken=number_taken,  # quote and purchase order numbers are unique in Xero
        )
        known = created.mapping
        changed = False
        if created.record is None and known.content_hash != digest:
            if known.data.get("status") not in self.kind.editable and self.target in self.kind.editable:
                known = self.move(known)  # taken back (an accepted quote sent again): then changed
            known, changed = self.change(known, digest)
        known = self.move(known)
        action = "updated" if changed or self.done else "unchanged"
        action = "created" if created.record is not None else action
        return Outcome(action, self.key, known.xero_id, reason="; ".join(self.notes), also=tuple(self.done))

    def change(self, known: Mapping, digest: str) -> tuple[Mapping, bool]:
        """Its lines and amounts brought in step, while Xero still allows it."""
        status = str(known.data.get("status") or "DRAFT")
        if status not in self.kind.editable:
            self.notes.append(f"the {self.kind.name} is {status} in Xero: the change is reported, not booked")
            return known, False
        try:
            return self.write(known, {**self.body(known), "Status": status}, digest, "change"), True
        except XeroRejected as rejected:
            if any(m in " ".join(rejected.messages) for m in LOCKED_MESSAGES):
                self.notes.append(f"the {self.kind.name} is locked in Xero: the change is reported, not booked")
                return known, False
            now = str(self.kind.read(self.xero, known.xero_id).get("Status"))  # moved by hand in Xero?
            if now == status or now in self.kind.editable:
                raise
            known = replace(known, data={**known.data, "status": now})
            self.mappings.put(known)
            self.notes.append(f"the {self.kind.name} is {now} in Xero: the change is reported, not booked")
            return known, False

    def move(self, known: Mapping, *, again: bool = True) -> Mapping:
        """Its status moved to the stage's, one move at a time."""
        current = str(known.data.get("status") or "DRAFT")
        path = moves(self.kind, current, self.target)
        if path is None:
            self.notes.append(f"the {self.kind.name} is {current} in Xero, which cannot be moved to {self.target}")
            return known
        # an invoice's status moves alone; a quote's or order's with its descriptive fields
        body = {} if self.kind is BILL else quote_payloads.status_move(self.body(known), current)
        for status in path:
            try:
                # a retry's writes have keys of their own: Xero replays a key's first answer (a refusal too)
                known = self.write(known, {**body, "Status": status}, known.content_hash, "move" if again else "retry")
            except XeroRejected:
                if not again:
                    raise
                record = self.kind.read(self.xero, known.xero_id)  # changed in Xero: start from what it is
                return self.move(replace(known, data={**known.data, "status": str(record.get("Status"))}), again=False)
            self.done.append(f"{self.kind.name} {status}")
        return known


def _sync(kind: Kind, sale: Sale, build: Builder, target: str, *, xero: QuoteXero, mappings: Mappings) -> Outcome:
    with holding(mappings, sale.key):
        known = mappings.get(sale.key)
        stamp = sale.modified_at.isoformat() if sale.modified_at else None
        if known is not None and superseded(known, stamp):
            return superseded_outcome(sale.key, stamp, known)
        if known is None and target in GONE:
            return Outcome("skipped", sale.key, reason=f"the {kind.name} was withdrawn before it reached Xero")
        contact_id = ensure_contact(sale.customer, xero, mappings)
        return Run(kind, sale, build, target, contact_id, xero=xero, mappings=mappings).apply()


def _codes(sale: Sale, mappings: Mappings) -> dict[str, str]:
    return item_codes({line.product_key for line in sale.lines if line.product_key}, mappings)


def sync_quote(offer: Quote, *, settings: StoreSettings, xero: QuoteXero, mappings: Mappings) -> Outcome:
    """A quote changed at its source: its Xero quote created once and brought in step."""
    codes = _codes(offer.body, mappings)

    def build(contact_id: str, line_ids: dict[str, str]) -> dict[str, Any]:
        return quote_payloads.quote(offer, contact_id, settings, item_codes=codes, line_ids=line_ids)

    return _sync(QUOTE, offer.body, build, quote_status(settings, offer.stage), xero=xero, mappings=mappings)


def sync_purchase(
    purchase: Purchase,
    *,
    settings: StoreSettings,
    xero: QuoteXero,
    mappings: Mappings,
    purchasing: Purchasing | None = None,
) -> Outcome:
    """A purchase changed at its source: its Xero purchase order (or, ``purchasing.as_bills``,
    its ACCPAY bill) created once and brought in step (``purchasing``: the settings' own unless
    given)."""
    purchasing = purchasing or settings.purchasing
    codes = _codes(purchase.body, mappings)
    if purchasing.as_bills:

        def bill(contact_id: str, line_ids: dict[str, str]) -> dict[str, Any]:
            return quote_payloads.bill(purchase, contact_id, settings, purchasing, item_codes=codes, line_ids=line_ids)

        return _sync(BILL, purchase.body, bill, bill_status(purchasing, purchase.stage), xero=xero, mappings=mappings)

    def order(contact_id: str, line_ids: dict[str, str]) -> dict[str, Any]:
        return quote_payloads.purchase_order(
            purchase, contact_id, settings, purchasing, item_codes=codes, line_ids=line_ids
        )

    target = order_status(purchasing, purchase.stage)
    return _sync(PURCHASE_ORDER, purchase.body, order, target, xero=xero, mappings=mappings)
