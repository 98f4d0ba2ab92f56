"""Zoho CRM behind the store port (:mod:`xerosync.sources.port`): ``SOURCE``.

A notification names records, never carries them (:mod:`.webhook`: each id an envelope with what
the notification said of it): :meth:`Zoho.command` first asks the store client whether that is
xerosync's own write coming back (:meth:`~.writeback.ZohoWriteBack.own_write`: then ``Ignored``,
nothing read), and otherwise reads the record (:meth:`ZohoStore.fetch`) and turns it into the
domain (:mod:`.mapping`). The reconciliation's listings
(:meth:`ZohoStore.changed_since`: records by ``Modified_Time`` and the deleted-records list)
ask only for ids and times, and enqueue by reference the same way, so a listing costs one
credit a page and each changed record is read whole, once, by the sync. An invoice's account (or
contact) is read whole with it (one credit more), so the contact the invoice makes in Xero is the
one the account's own sync makes.

What is synced: Accounts, Contacts and Vendors as Xero contacts, Products as items, Invoices
(and Sales Orders, ``store.sales_orders``) as ACCREC invoices, Quotes as Xero quotes and
Purchase Orders as purchase orders or ACCPAY bills (:mod:`.quotes`; the port's capability
:mod:`xerosync.sources.quotes_port`). A record deleted in the CRM keeps its Xero contact or item,
and a deleted invoice, quote or purchase order comes off the books (as far as Xero allows).
"""

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from xerosync.config import StoreSettings
from xerosync.domain import (
    Command,
    CustomerChanged,
    DocumentGone,
    Ignored,
    Party,
    Product,
    ProductChanged,
    Refund,
    Sale,
    SaleChanged,
    SaleGone,
)
from xerosync.envelopes import Message
from xerosync.events import StoreEvent
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import (
    Found,
    Kind,
    ProductUpdate,
    StoreClient,
    StoreError,
    StoreNotFound,
    StoreProduct,
    StoreSource,
    Subscriptions,
    TokenCache,
)
from xerosync.sources.quotes_port import Document
from xerosync.sources.zoho.client import ZohoCRM
from xerosync.sources.zoho.from_xero import ZohoFromXero
from xerosync.sources.zoho.mapping import (
    MODULE,
    ZohoRecordError,
    module_of,
    money,
    party_from,
    product_from,
    sale_from,
    text,
    unwrap,
)
from xerosync.sources.zoho.oauth import Credentials
from xerosync.sources.zoho.quotes import DOCUMENTS, QuoteOrPurchase, document_command, document_from, synced
from xerosync.sources.zoho.settings import ZohoSettings, problems, zoho_settings
from xerosync.sources.zoho.webhook import NOTIFICATION, PARTIAL, RESOURCE_OF_MODULE, record_key
from xerosync.sources.zoho.webhook import SOURCE as NAME
from xerosync.sources.zoho.writeback import ZohoWriteBack
from xerosync.timestamps import store_time
from xerosync.webhooks import envelope, reference

LISTED = ("Modified_Time", "Created_Time")  # what a listing asks for (``id`` comes with every record)
PRODUCT_FIELDS = ("Product_Name", "Product_Code", "Unit_Price", "Qty_in_Stock", "Product_Active", "Modified_Time")
OPERATION = {"updated": "update", "deleted": "delete"}


def _split(record_id: str) -> tuple[str, str]:
    """``Invoices:5725767000011400011`` -> (module, id); a ValueError for anything else."""
    module, _, rid = record_id.partition(":")
    if module not in RESOURCE_OF_MODULE or not rid.isdigit():
        raise ValueError(f"{record_id!r} is not a Zoho CRM record id (<Module>:<digits>)")
    return module, rid


def encode(record: Mapping[str, Any]) -> bytes:
    """A record as an envelope carries it: compact JSON, keys sorted (equal state, equal hash)."""
    return json.dumps(record, separators=(",", ":"), sort_keys=True, default=str).encode()


class Zoho:
    """The Zoho CRM source: one instance serves every stack (it holds no state)."""

    name = NAME
    # a CRM invoice changed once paid in Xero is reported, not booked (settings: after_payment)
    settings_defaults: Mapping[str, Any] = {"invoice_prefix": "ZC-", "after_payment": "report"}
    lists_customer_changes = True  # records by Modified_Time, in every module

    def check_settings(self, settings: StoreSettings) -> list[str]:
        return problems(settings.store)

    def _cfg(self, settings: StoreSettings) -> ZohoSettings:
        return zoho_settings(settings.store)

    def _not_synced(self, module: str, cfg: ZohoSettings) -> str:
        if module not in cfg.modules:
            return f"{module} is not among the modules synced (settings: store.modules)"
        if module == "Sales_Orders" and not cfg.sales_orders:
            return "Sales Orders are not synced (settings: store.sales_orders)"
        return ""

    def command(self, event: StoreEvent, settings: StoreSettings, store: StoreClient | None) -> Command:
        module, _ = _split(event.id)
        key = event.key
        cfg = self._cfg(settings)
        why = self._not_synced(module, cfg)
        if why:
            return Ignored(key, why)
        if event.event == "deleted":
            if module in DOCUMENTS:
                return DocumentGone(key, DOCUMENTS[module], f"{module} record deleted in Zoho CRM")
            if event.resource == "order":
                return SaleGone(key, f"{module} record deleted in Zoho CRM")
            return Ignored(key, f"{module} record deleted in Zoho CRM; the Xero {_xero_word(event.resource)} is kept")
        record = json.loads(event.payload, parse_float=Decimal) if event.payload else {}
        if not isinstance(record, dict):
            raise ValueError("a Zoho CRM envelope carries a JSON object")
        if not record or record.get(PARTIAL):  # named only: read it
            if store is None:
                raise StoreError(
                    f"Zoho CRM names {event.id} only: reading it needs the CRM's API credentials (StoreApiSecret)"
                )
            said = record.get(NOTIFICATION)
            ours = isinstance(said, dict) and isinstance(store, ZohoWriteBack) and store.own_write(said, settings)
            if ours:  # xerosync's own write coming back: nothing to read, nothing for Xero
                return Ignored(key, f"{module} {_split(event.id)[1]}: {ours}")
            found = store.fetch(event.resource, event.id)  # type: ignore[arg-type]  # a Kind: the id's module says
            if found.gone:
                if module in DOCUMENTS:
                    return DocumentGone(key, DOCUMENTS[module], f"{module} record no longer in Zoho CRM")
                if event.resource == "order":
                    return SaleGone(key, f"{module} record no longer in Zoho CRM")
                kept = _xero_word(event.resource)
                return Ignored(key, f"{module} record no longer in Zoho CRM; the Xero {kept} is kept")
            record = dict(found.raw)
        if module in DOCUMENTS:
            return document_command(module, record, cfg, lambda sale: self._with_customer(sale, cfg, store))
        read = self._read(module, record, cfg)
        if isinstance(read, Sale):
            return SaleChanged(self._with_customer(read, cfg, store))
        modified = store_time(record.get("Modified_Time")) or store_time(event.modified)
        if isinstance(read, Party):
            return CustomerChanged(read, modified)
        return ProductChanged(read, modified)

    def _with_customer(self, sale: Sale, cfg: ZohoSettings, store: StoreClient | None) -> Sale:
        """``sale`` naming its account (or contact) as the CRM has it, read whole when the API is
        there: the contact an invoice creates in Xero is then the one the account's own sync makes
        (the same ContactNumber, email and address), never a second one."""
        if store is None:
            return sale
        record_id = sale.customer.key.split(":", 1)[1]
        found = store.fetch("customer", record_id)
        if found.gone:
            return sale  # deleted since: the invoice keeps the name its lookup gives
        return replace(sale, customer=party_from(_split(record_id)[0], found.raw, cfg))

    def documents_synced(self, settings: StoreSettings) -> frozenset[Document]:
        return synced(self._cfg(settings))

    def read_document(self, raw: Mapping[str, Any], settings: StoreSettings) -> QuoteOrPurchase | None:
        module = module_of(raw)
        return document_from(module, raw, self._cfg(settings)) if module in DOCUMENTS else None

    def _read(self, module: str, record: Mapping[str, Any], cfg: ZohoSettings) -> Sale | Party | Product:
        resource = RESOURCE_OF_MODULE[module]
        if resource == "customer":
            return party_from(module, record, cfg)
        if resource == "product":
            return product_from(record)
        if module in DOCUMENTS:  # not a sale: drift and the reconciliation's sales leave them out
            raise ZohoRecordError(f"a {module} record is a {DOCUMENTS[module]}, not a sale (read_document reads it)")
        return sale_from(module, record, cfg)

    def read(self, kind: Kind, raw: Mapping[str, Any], settings: StoreSettings) -> Sale | Party | Product:
        module = module_of(raw)
        if RESOURCE_OF_MODULE[module] != kind:
            raise ZohoRecordError(f"a {module} record is not a {kind}")
        return self._read(module, unwrap(raw), self._cfg(settings))

    def kind_of(self, raw: Mapping[str, Any]) -> Kind | Literal["refund"]:
        resource = RESOURCE_OF_MODULE[module_of(raw)]
        return "order" if resource == "order" else "customer" if resource == "customer" else "product"

    def read_refund(self, raw: Mapping[str, Any], sale: Sale) -> Refund:
        raise StoreError("Zoho CRM has no refunds: a credit is booked in Xero (or a CRM invoice is cancelled)")

    def message(self, found: Found, *, store: str, origin: str, now: datetime | None = None) -> Message | None:
        raw = dict(found.raw)
        module = str(raw.get(MODULE) or "") or module_of(raw)
        rid = str(raw.get("id") or "")
        if module not in RESOURCE_OF_MODULE or not rid.isdigit():
            raise ValueError(f"a Zoho CRM {found.kind} without its module and id cannot be enqueued")
        event = "deleted" if found.gone else "updated"
        modified = found.changed_at.isoformat() if found.changed_at and not found.gone else None
        if found.gone:
            payload: Mapping[str, Any] = {"id": rid, MODULE: module}
        elif raw.get(PARTIAL):  # named only: the sync reads it (its identity: its id and time)
            payload = {"id": rid, MODULE: module, "Modified_Time": raw.get("Modified_Time"), PARTIAL: True}
        else:
            payload = raw
        made = envelope(
            source=NAME,
            store=store,
            topic=f"{module}.{OPERATION[event]}",
            resource=RESOURCE_OF_MODULE[module],
            event=event,
            record_id=record_key(module, rid),
            modified=modified,
            raw=encode(payload),
            delivery_id=origin,
            now=now,
        )
        if raw.get(PARTIAL) and not found.gone:
            made = reference(made)
        return Message(made.queue, made.group, made.body)

    def client(self, credentials: Mapping[str, Any], tokens: TokenCache | None = None) -> "ZohoStore | None":
        """``tokens``: where the stack keeps access tokens (the mapping table's); without it, this
        process's own (an operator's command)."""
        parsed = Credentials.from_dict(credentials)
        if parsed is None:
            return None
        return ZohoStore(
            ZohoCRM(parsed, tokens if tokens is not None else _PROCESS_TOKENS, concurrency=parsed.concurrency)
        )


def _xero_word(resource: str) -> str:
    return {"customer": "contact", "product": "item"}.get(resource, "document")


_PROCESS_TOKENS = MemoryTokens()  # the process's own, for an operator's command


@dataclass
class ZohoStore(ZohoFromXero):
    """Zoho CRM's records API (:class:`ZohoCRM`), as the port's :class:`~xerosync.sources.port.StoreClient`,
    with the write-back side (:class:`ZohoWriteBack`, which :class:`~.from_xero.ZohoFromXero` extends:
    Xero's state of each document, the Xero ContactID, its own writes known when their notifications
    come back; contacts and items made in Xero created in the CRM)."""

    crm: ZohoCRM

    @property
    def url(self) -> str:
        """The CRM's API domain (the token answer's ``api_domain``), as the notifications name it."""
        return self.crm.token()[1]

    def _synced(self, kinds: set[Kind]) -> list[str]:
        return [m for m in self.crm.modules if RESOURCE_OF_MODULE.get(m) in kinds]

    @staticmethod
    def _found(module: str, record: Mapping[str, Any], label: str, *, partial: bool = False) -> Found:
        kind: Kind = RESOURCE_OF_MODULE[module]  # type: ignore[assignment]  # the table's values are kinds
        raw = {**record, MODULE: module, **({PARTIAL: True} if partial else {})}
        key = f"{kind}:{record_key(module, str(record.get('id')))}"
        modified = store_time(record.get("Modified_Time"))
        return Found(kind, key, modified, raw, label)

    def refund(self, sale: Sale, refund_id: str) -> Refund:
        raise StoreError("Zoho CRM has no refunds")

    def fetch(self, kind: Kind, record_id: str) -> Found:
        """One record, whole; ``gone`` once the CRM has it no more (deleted: in its recycle bin
        or beyond; a get answers 204 either way)."""
        module, rid = _split(record_id)
        if RESOURCE_OF_MODULE[module] != kind:
            raise StoreError(f"{record_id} is not a {kind}")
        try:
            record = self.crm.get(module, rid)
        except StoreNotFound:
            return Found(kind, f"{kind}:{record_id}", None, {"id": rid, MODULE: module}, module, gone=True)
        return self._found(module, record, module)

    def changed_since(self, since: datetime, kinds: set[Kind]) -> Iterator[Found]:
        for module in self._synced(kinds):
            for record in self.crm.records(module, LISTED, since=since):
                yield self._found(module, record, module, partial=True)
            for gone in self.crm.deleted(module, since=since):
                rid = str(gone.get("id") or "")
                at = store_time(gone.get("deleted_time"))
                kind: Kind = RESOURCE_OF_MODULE[module]  # type: ignore[assignment]
                raw = {"id": rid, MODULE: module}
                yield Found(kind, f"{kind}:{record_key(module, rid)}", at, raw, f"{module} deleted", gone=True)

    def customers(self) -> Iterator[Found]:
        for module in self._synced({"customer"}):
            for record in self.crm.records(module, LISTED):
                yield self._found(module, record, module, partial=True)

    def sales_created(self, start: date, end: date, *, deleted: bool = False) -> Iterator[Found]:
        """Invoices and Sales Orders dated ``start`` to ``end`` (``Invoice_Date``, else created),
        each read whole: Zoho lists no line items, and a listing cannot filter by creation."""
        for module in (m for m in self._synced({"order"}) if m not in DOCUMENTS):  # sales only
            dated = ("Invoice_Date", *LISTED) if module == "Invoices" else LISTED
            for record in self.crm.records(module, dated):
                day = str(record.get("Invoice_Date") or record.get("Created_Time") or "")[:10]
                if start.isoformat() <= day <= end.isoformat():
                    yield self.fetch("order", record_key(module, str(record["id"])))
            if deleted:
                for gone in self.crm.deleted(module):
                    day = str(gone.get("deleted_time") or "")[:10]
                    if start.isoformat() <= day <= end.isoformat():
                        key = record_key(module, str(gone.get("id")))
                        at = store_time(gone.get("deleted_time"))
                        raw = {"id": str(gone.get("id")), MODULE: module}
                        yield Found("order", f"order:{key}", at, raw, f"{module} deleted", gone=True)

    def count_sales_created(self, start: date, end: date) -> int | None:
        return None  # Zoho cannot count by date without reading

    def catalogue(self) -> list[StoreProduct]:
        found = []
        for record in self.crm.records("Products", PRODUCT_FIELDS):
            stock = record.get("Qty_in_Stock")
            price = record.get("Unit_Price")
            found.append(
                StoreProduct(
                    key=f"product:{record_key('Products', str(record['id']))}",
                    sku=text(record.get("Product_Code")),
                    name=text(record.get("Product_Name")),
                    regular_price=money(price, "Unit_Price") if price not in (None, "") else None,
                    manage_stock=stock is not None,
                    stock_quantity=int(Decimal(str(stock))) if stock is not None else None,
                )
            )
        return found

    def update_product(self, product: StoreProduct, update: ProductUpdate) -> None:
        _, rid = _split(product.key.split(":", 1)[1])
        row: dict[str, Any] = {"id": rid}
        if update.name is not None:
            row["Product_Name"] = update.name
        if update.regular_price is not None:
            row["Unit_Price"] = update.regular_price
        if update.stock_quantity is not None:
            row["Qty_in_Stock"] = update.stock_quantity
        self._one("Products", row)

    def _one(self, module: str, row: Mapping[str, Any]) -> None:
        answer = self.crm.update(module, [row])[0]
        if not answer.ok:
            raise StoreError(f"Zoho CRM refused the update of {module} {row['id']} ({answer.code}: {answer.message})")

    def mark_paid(self, sale_key: str, settings: StoreSettings) -> str | None:
        """The CRM invoice's Status set to what the settings map Xero's PAID to
        (``xero_status_map.PAID``; ``"trigger": []``: no workflow runs on it); None when it has
        that status already, is cancelled, is a Sales Order, or the map writes no PAID status. Only
        with ``pull.write_back`` off: otherwise the core hands the whole state (:meth:`write_back`)."""
        module, rid = _split(sale_key.split(":", 1)[1])
        if module != "Invoices":
            return None  # a Sales Order awaits no payment (its picklist has no paid status)
        cfg = zoho_settings(settings.store)
        paid, field_name = cfg.xero_status_map.get("PAID"), cfg.status_field
        status = text(self.crm.get(module, rid).get(field_name)) if field_name else ""
        if not paid or not field_name or status == paid or cfg.statuses(module).get(status) == "cancelled":
            return None
        self._update(module, rid, {"id": rid, field_name: paid})  # remembered: its notification is known
        return f"{module} {rid} Status {status or '(none)'} -> {paid}"

    def subscriptions(
        self, url: str, secret: Callable[[], str], kinds: set[Kind], memory: dict[str, Any], now: datetime, repair: bool
    ) -> Subscriptions:
        """The notification channel to this stack (:meth:`ZohoCRM.subscriptions`)."""
        return self.crm.subscriptions(url, secret, kinds, memory, now, repair)


SOURCE: StoreSource = Zoho()  # what the registry reads (typed: mypy holds it to the port)
