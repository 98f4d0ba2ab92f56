"""Quotes and purchases: an optional capability of the store port (:mod:`xerosync.sources.port`).

A source whose records include offers to customers and orders to suppliers (a CRM's quotes and
purchase orders) delivers them as it delivers its sales: envelopes of resource ``order``, on the
orders' queue, whose :meth:`~xerosync.sources.port.StoreSource.command` is a
:class:`~xerosync.domain.QuoteChanged` or :class:`~xerosync.domain.PurchaseChanged` instead of a
:class:`~xerosync.domain.SaleChanged`. The orders' use case routes each command by its type
(:mod:`xerosync.sync.order_queue`); nothing in the core asks which store it came from.

What the core asks of such a source: which of the two its settings sync, so that ``xerosync
settings check`` checks the ``purchasing:`` section (its account and tax types) only for a stack
that books purchases; and a record as the store represents it read into a quote or purchase, so
that ``xerosync preview`` shows the Xero requests a file of one would cause. A source without
the capability books neither.

This module is standard library only, as the port is.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from xerosync.config import StoreSettings
    from xerosync.domain import Purchase, Quote

Document = Literal["quote", "purchase"]


@runtime_checkable
class QuotesAndPurchases(Protocol):
    """A :class:`~xerosync.sources.port.StoreSource` that delivers quotes and purchases."""

    def documents_synced(self, settings: "StoreSettings") -> frozenset[Document]:
        """Which of quotes and purchases the settings sync (e.g. the CRM modules named)."""
        ...

    def read_document(self, raw: Mapping[str, Any], settings: "StoreSettings") -> "Quote | Purchase | None":
        """``raw`` read into a quote or purchase; None when it is another kind of record."""
        ...


def documents_of(source: object, settings: "StoreSettings") -> frozenset[Document]:
    """What ``source`` delivers of quotes and purchases with ``settings`` (none without the capability)."""
    return source.documents_synced(settings) if isinstance(source, QuotesAndPurchases) else frozenset()


def read_document(source: object, raw: Mapping[str, Any], settings: "StoreSettings") -> "Quote | Purchase | None":
    """``raw`` as a quote or purchase when ``source`` has them and it is one, else None."""
    return source.read_document(raw, settings) if isinstance(source, QuotesAndPurchases) else None
