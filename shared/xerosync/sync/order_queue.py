"""The orders' queue: every command a source makes of an ``order`` record, routed by its type.

A store's order becomes a :class:`~xerosync.domain.SaleChanged` (or ``SaleGone``); a source with
quotes and purchases (:mod:`xerosync.sources.quotes_port`) delivers those on the same queue, as
:class:`~xerosync.domain.QuoteChanged` and :class:`~xerosync.domain.PurchaseChanged` (and
:class:`~xerosync.domain.DocumentGone` once deleted, :mod:`xerosync.sync.quotes_gone`): one
queue per record kind, whatever the document, so the template needs no queue per document and
a record's events stay in one FIFO group whatever it turns out to be.

:data:`CALL_ORDER` is the orders' call order with the quote and purchase order calls put where
their invoice counterparts are, so the batcher sends a batch's quote creates together, after
its contact lookups and writes, as it does its invoices.
"""

from typing import TYPE_CHECKING

from xerosync.config import StoreSettings
from xerosync.domain import DocumentGone, Ignored, PurchaseChanged, QuoteChanged, SaleChanged, SaleGone
from xerosync.sync.base import Outcome
from xerosync.sync.orders import CALL_ORDER as SALE_CALL_ORDER
from xerosync.sync.orders import sync_sale
from xerosync.sync.ports import Mappings, Store

if TYPE_CHECKING:  # the quotes' and purchases' use cases load with their first record (a store's orders never do)
    from xerosync.sync.quotes import QuoteXero

OrderCommand = SaleChanged | SaleGone | Ignored | QuoteChanged | PurchaseChanged | DocumentGone
ACCEPTS = (SaleChanged, SaleGone, Ignored, QuoteChanged, PurchaseChanged, DocumentGone)
_WITH = {
    "invoices_by_number": ("quotes_by_number", "purchase_order_by_number"),
    "create_invoices": ("create_quotes", "create_purchase_orders", "update_quote", "update_purchase_order"),
    "get_invoice": ("get_quote", "get_purchase_order"),
}
CALL_ORDER: tuple[tuple[str, ...], ...] = tuple(
    (*phase, *(extra for kind in phase for extra in _WITH.get(kind, ()))) for phase in SALE_CALL_ORDER
)


def sync_order_record(
    command: OrderCommand, *, settings: StoreSettings, xero: "QuoteXero", mappings: Mappings, store: Store | None = None
) -> Outcome:
    """One record of the orders' queue brought in step with Xero (``sync.orders`` off: quotes and
    purchases are skipped with the sales)."""
    if isinstance(command, DocumentGone):
        if not settings.sync.orders:
            return Outcome("skipped", command.key, reason="order sync is switched off (settings: sync.orders)")
        from xerosync.sync.quotes_gone import sync_gone

        return sync_gone(command, settings=settings, xero=xero, mappings=mappings, store=store)
    if isinstance(command, QuoteChanged | PurchaseChanged):
        body = command.quote.body if isinstance(command, QuoteChanged) else command.purchase.body
        if not settings.sync.orders:
            return Outcome("skipped", body.key, reason="order sync is switched off (settings: sync.orders)")
        from xerosync.sync.quotes import sync_purchase, sync_quote

        if isinstance(command, QuoteChanged):
            return sync_quote(command.quote, settings=settings, xero=xero, mappings=mappings)
        return sync_purchase(command.purchase, settings=settings, xero=xero, mappings=mappings)
    return sync_sale(command, settings=settings, xero=xero, mappings=mappings, store=store)
