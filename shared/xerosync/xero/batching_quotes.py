"""Quotes and purchase orders through the batcher (a part of :class:`xerosync.xero.batching.BatchingXero`,
kept apart so that module stays readable).

Writes are coalesced as invoices are: a batch's new quotes go in one ``PUT /Quotes`` (its purchase
orders in one ``PUT /PurchaseOrders``), and its updates in one ``POST /Quotes`` /
``POST /PurchaseOrders`` with each element's id (Xero's "update or create": the element's
``QuoteID`` / ``PurchaseOrderID`` names the one updated), ``summarizeErrors=false`` so a refused
element fails its own record alone, under the caller's idempotency key when it goes alone.

Reads go straight to the client, one request each (counted): Xero's ``GET /Quotes`` and
``GET /PurchaseOrders`` take no ``where`` and no list of numbers or ids (Xero's OpenAPI spec;
https://developer.xero.com/documentation/api/accounting/quotes), so there is nothing to
coalesce them into; and the use case (:mod:`xerosync.sync.quotes`) reads only when a mapping was
lost or Xero refused a move, not once per record.
"""

from collections.abc import Callable
from typing import Any, Protocol

from xerosync.xero.client import ElementResult, XeroClient

Flush = Callable[[list[Any]], None]


class Batcher(Protocol):
    """What these calls use of :class:`BatchingXero` (mypy's self-type for a mixin)."""

    client: XeroClient
    requests: int

    def _writer(self, operation: str, plural: str, **kwargs: Any) -> Flush: ...

    def _submit(self, kind: str, *args: Any, key: str = "") -> Any: ...

    def _write_one(self, kind: str, elements: list[dict[str, Any]], key: str) -> list[ElementResult]: ...


class QuoteBatching:
    """The quote and purchase order calls of the Xero port, for :class:`BatchingXero`."""

    def _quote_flushers(self: Batcher) -> dict[str, Flush]:
        return {
            "create_quotes": self._writer("create_quotes", "Quotes"),
            "update_quote": self._writer("update_or_create_quotes", "Quotes"),
            "create_purchase_orders": self._writer("create_purchase_orders", "PurchaseOrders"),
            "update_purchase_order": self._writer("update_or_create_purchase_orders", "PurchaseOrders"),
        }

    # --- quotes --------------------------------------------------------------------------------
    def create_quotes(self: Batcher, quotes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("create_quotes", quotes, idempotency_key)

    def update_quote(self: Batcher, quote_id: str, quote: dict[str, Any], *, idempotency_key: str) -> ElementResult:
        result: ElementResult = self._submit("update_quote", {**quote, "QuoteID": quote_id}, key=idempotency_key)
        return result

    def get_quote(self: Batcher, quote_id: str) -> dict[str, Any]:
        self.requests += 1  # one request: nothing to coalesce it with
        return self.client.get_quote(quote_id)

    def quotes_by_number(self: Batcher, number: str) -> list[dict[str, Any]]:
        self.requests += 1  # one request: nothing to coalesce it with
        return self.client.quotes_by_number(number)

    # --- purchase orders -----------------------------------------------------------------------
    def create_purchase_orders(
        self: Batcher, orders: list[dict[str, Any]], *, idempotency_key: str
    ) -> list[ElementResult]:
        return self._write_one("create_purchase_orders", orders, idempotency_key)

    def update_purchase_order(
        self: Batcher, order_id: str, order: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult:
        result: ElementResult = self._submit(
            "update_purchase_order", {**order, "PurchaseOrderID": order_id}, key=idempotency_key
        )
        return result

    def get_purchase_order(self: Batcher, order_id: str) -> dict[str, Any]:
        self.requests += 1  # one request: nothing to coalesce it with
        return self.client.get_purchase_order(order_id)

    def purchase_order_by_number(self: Batcher, number: str) -> dict[str, Any] | None:
        self.requests += 1  # one request: nothing to coalesce it with
        return self.client.purchase_order_by_number(number)
