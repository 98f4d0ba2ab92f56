"""The client's calls for quotes and purchase orders (a part of :class:`xerosync.xero.client.XeroClient`,
kept apart so that module stays readable; every call still goes through its ``call``).

Both are written in batches as invoices are (``PUT /Quotes`` and ``PUT /PurchaseOrders`` take a
list, ``summarizeErrors=false``: one element's refusal fails it alone) and updated one at a time
by id (``POST /Quotes/{QuoteID}``, ``POST /PurchaseOrders/{PurchaseOrderID}``), each write under an
idempotency key. Neither operation takes ``unitdp`` nor ``where`` (Xero's OpenAPI spec:
https://developer.xero.com/documentation/api/accounting/quotes,
https://developer.xero.com/documentation/api/accounting/purchaseorders): they are read by id, by
number, or by ``If-Modified-Since`` a page at a time.
"""

from datetime import datetime
from typing import Any, Protocol

from xerosync.xero.errors import XeroNotFound
from xerosync.xero.wire import ElementResult, Response, limited_key


class Client(Protocol):
    """What these calls use of the client (mypy's self-type for a mixin)."""

    def call(self, operation: str, **kwargs: Any) -> Response: ...

    def batch(
        self, operation: str, plural: str, elements: list[dict[str, Any]], *, idempotency_key: str, **kwargs: Any
    ) -> list[ElementResult]: ...

    def get_list(self, operation: str, plural: str, **kwargs: Any) -> list[dict[str, Any]]: ...

    def one(self, reply: Response, plural: str, operation: str) -> ElementResult: ...


class QuoteCalls:
    """Quotes and purchase orders: create (a batch), update (one, by id) and read."""

    # --- quotes --------------------------------------------------------------------------------
    def create_quotes(self: Client, quotes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self.batch("create_quotes", "Quotes", quotes, idempotency_key=idempotency_key)

    def update_quote(self: Client, quote_id: str, quote: dict[str, Any], *, idempotency_key: str) -> ElementResult:
        reply = self.call(
            "update_quote", quote_id=quote_id, quotes={"Quotes": [quote]}, idempotency_key=limited_key(idempotency_key)
        )
        return self.one(reply, "Quotes", "update_quote")

    def get_quote(self: Client, quote_id: str) -> dict[str, Any]:
        found = self.get_list("get_quote", "Quotes", quote_id=quote_id)
        if not found:
            raise XeroNotFound(f"quote {quote_id}")
        return found[0]

    def quotes_by_number(self: Client, number: str) -> list[dict[str, Any]]:
        """The quotes numbered ``number`` (deleted ones are not listed)."""
        return self.get_list("get_quotes", "Quotes", quote_number=number)

    def quotes_modified_since(self: Client, since: datetime, *, page: int = 1) -> list[dict[str, Any]]:
        """One page (up to 100) of the quotes changed at or after ``since``."""
        return self.get_list("get_quotes", "Quotes", if_modified_since=since, page=page)

    # --- purchase orders -----------------------------------------------------------------------
    def create_purchase_orders(
        self: Client, orders: list[dict[str, Any]], *, idempotency_key: str
    ) -> list[ElementResult]:
        return self.batch("create_purchase_orders", "PurchaseOrders", orders, idempotency_key=idempotency_key)

    def update_purchase_order(
        self: Client, order_id: str, order: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult:
        reply = self.call(
            "update_purchase_order",
            purchase_order_id=order_id,
            purchase_orders={"PurchaseOrders": [order]},
            idempotency_key=limited_key(idempotency_key),
        )
        return self.one(reply, "PurchaseOrders", "update_purchase_order")

    def get_purchase_order(self: Client, order_id: str) -> dict[str, Any]:
        found = self.get_list("get_purchase_order", "PurchaseOrders", purchase_order_id=order_id)
        if not found:
            raise XeroNotFound(f"purchase order {order_id}")
        return found[0]

    def purchase_order_by_number(self: Client, number: str) -> dict[str, Any] | None:
        """The purchase order numbered ``number``, or None."""
        try:
            found = self.get_list("get_purchase_order_by_number", "PurchaseOrders", purchase_order_number=number)
        except XeroNotFound:
            return None
        return found[0] if found else None

    def purchase_orders_modified_since(
        self: Client, since: datetime, *, page: int = 1, status: str | None = None
    ) -> list[dict[str, Any]]:
        """One page (100) of the purchase orders changed at or after ``since`` (of one status)."""
        options: dict[str, Any] = {"if_modified_since": since, "page": page}
        if status:
            options["status"] = status
        return self.get_list("get_purchase_orders", "PurchaseOrders", **options)
