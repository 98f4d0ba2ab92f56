"""Shopify Payments payouts as settlements (:mod:`xerosync.settlement`): the store port's
:class:`~xerosync.sources.port.SettlementStore` for a Shopify shop.

Shopify has no webhook for payouts (none in https://shopify.dev/docs/api/admin-graphql/latest/enums/WebhookSubscriptionTopic),
so the core polls :meth:`ShopifyPayouts.settlements`. A payout
(https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsPayout) is ``net``
(its ``transactionType`` says DEPOSIT or WITHDRAWAL), issued at ``issuedAt``, SCHEDULED, then
(IN_TRANSIT,) PAID, FAILED or CANCELED, with the bank's reference in ``externalTraceId``. Its
balance transactions (https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsBalanceTransaction),
listed with ``payments_transfer_id:<payout id>`` and ``hideTransfers`` (the payout's own negative
TRANSFER row left out), add up to it: net = sum of amounts less sum of fees (the docs payout
623721858: 44.52 - 1.32 - 3.54 + 0.23 + 2.13 - 0.12 = 41.90).

Each row becomes its amount in a category (CHARGE, REFUND, ADJUSTMENT, DISPUTE_*, RESERVED_FUNDS*)
and its fee, negated, as a ``fee`` line. The type enum grows every API version
(https://shopify.dev/docs/api/admin-graphql/latest/enums/ShopifyPaymentsTransactionType): a type
not named here is an ``other`` line, booked to the other account and logged, never a failure.

A failed or cancelled payout comes back into the balance as one positive TRANSFER_FAILURE
(TRANSFER_CANCEL) row whose ``sourceId`` is that payout, paid out again with a later payout (the
docs' example of ``balanceTransactions`` shows both). The failed payout's posting is reversed, so
the later payout carries the failed one's own rows in place of that one row (when they add up to
it; else the one row, as ``retried``), and names it in ``retries``: the core posts it only once
the failed one is off the books.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from xerosync.settlement import Category, Entry, Settlement
from xerosync.sources.port import SettlementFound, StoreError
from xerosync.sources.shopify.client import ShopifyGraphQL
from xerosync.sources.shopify.values import legacy_id, shop_day
from xerosync.timestamps import store_time

GATEWAY = "shopify_payments"  # as the orders' transactions name the gateway
PAYER = "Shopify Payments"
NUMBER_PREFIX = "SP-"
PAGE = 100
MAX_RETRIED_DEPTH = 5  # a failed payout's money inside a failed payout's, and so on

PAYOUTS = """
query Payouts($first: Int!, $after: String, $query: String) {
  shopifyPaymentsAccount {
    payouts(first: $first, after: $after, query: $query, sortKey: ISSUED_AT) {
      nodes { id legacyResourceId issuedAt status transactionType externalTraceId net { amount currencyCode } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
PAYOUT = """
query Payout($id: ID!) {
  node(id: $id) {
    ... on ShopifyPaymentsPayout {
      id legacyResourceId issuedAt status transactionType externalTraceId net { amount currencyCode }
    }
  }
}
"""
TRANSACTIONS = """
query PayoutTransactions($first: Int!, $after: String, $query: String) {
  shopifyPaymentsAccount {
    balanceTransactions(first: $first, after: $after, query: $query, hideTransfers: true) {
      nodes {
        id type test sourceType sourceId sourceOrderTransactionId adjustmentReason transactionDate
        amount { amount currencyCode } fee { amount } net { amount }
        associatedOrder { id name }
        associatedPayout { id status }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

STATUSES: dict[str, Literal["pending", "paid", "failed", "canceled"]] = {
    "SCHEDULED": "pending",
    "IN_TRANSIT": "pending",
    "PAID": "paid",
    "FAILED": "failed",
    "CANCELED": "canceled",
}
CATEGORIES: dict[str, Category] = {
    "CHARGE": "charge",
    "REFUND": "refund",
    "ADJUSTMENT": "adjustment",
    "DISPUTE_WITHDRAWAL": "dispute",
    "DISPUTE_REVERSAL": "dispute",
    "RESERVED_FUNDS": "reserve",
    "RESERVED_FUNDS_REVERSAL": "reserve",
    "RESERVED_FUNDS_WITHDRAWAL": "reserve",
    "TRANSFER_FAILURE": "retried",
    "TRANSFER_CANCEL": "retried",
}
RETRIED = ("TRANSFER_FAILURE", "TRANSFER_CANCEL")
# REST's words for the types (legacy Admin REST, /shopify_payments/balance/transactions.json)
REST_TYPES = {
    "payout": "TRANSFER",
    "payout_failure": "TRANSFER_FAILURE",
    "payout_cancellation": "TRANSFER_CANCEL",
    "reserve": "RESERVED_FUNDS",
    "dispute": "DISPUTE_WITHDRAWAL",
}


def payout_key(payout_id: str) -> str:
    return f"payout:{payout_id}"


def _amount(value: Any) -> Decimal:
    if isinstance(value, Mapping):
        value = value.get("amount")
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"Shopify sent {value!r} for an amount") from None


def deposit_of(payout: Mapping[str, Any]) -> Decimal:
    """The payout's money into the bank: ``net``, negative for a WITHDRAWAL however it is signed."""
    net = _amount(payout.get("net"))
    return -abs(net) if str(payout.get("transactionType") or "").upper() == "WITHDRAWAL" else net


def found_of(payout: Mapping[str, Any]) -> SettlementFound:
    payout_id = legacy_id(payout, "payout")
    issued = store_time(payout.get("issuedAt"))
    if issued is None:
        raise ValueError(f"Shopify payout {payout_id} has no issuedAt")
    return SettlementFound(
        key=payout_key(payout_id),
        id=payout_id,
        status=STATUSES.get(str(payout.get("status") or "").upper(), "pending"),
        issued=issued,
        deposit=deposit_of(payout),
        currency=str((payout.get("net") or {}).get("currencyCode") or "").upper(),
        label=f"Shopify payout {payout_id}",
    )


def entries_of(rows: list[Mapping[str, Any]], *, via: str = "") -> list[Entry]:
    """A payout's balance transactions as settlement lines: each its amount and its fee."""
    entries = []
    for row in rows:
        kind = str(row.get("type") or "").upper()
        if kind == "TRANSFER":
            continue  # the payout itself
        amount, fee = _amount(row.get("amount")), _amount(row.get("fee"))
        category = CATEGORIES.get(kind, "other")
        order = row.get("associatedOrder") or None
        sale_key = f"order:{legacy_id(order, 'order')}" if order and category in ("charge", "refund") else ""
        tender = str(row.get("sourceOrderTransactionId") or "") if sale_key else ""
        source = legacy_id(row, "balance transaction") if row.get("id") else ""
        words = str(row.get("adjustmentReason") or "")
        if amount:
            entries.append(Entry(category, amount, kind, words, sale_key, tender, source, via))
        if fee:
            entries.append(Entry("fee", -fee, kind, "", "", "", source, via))
    return entries


@dataclass
class ShopifyPayouts:
    """Payouts and their balance transactions over the Admin GraphQL API."""

    api: ShopifyGraphQL
    zone: ZoneInfo
    earliest: datetime | None = None  # the earliest transactionDate of the rows read (a failed payout's too)

    def settlements(self, since: datetime, until: datetime | None = None) -> Iterator[SettlementFound]:
        search = f"issued_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        if until is not None:
            search += f" issued_at:<='{until.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        for payout in self.api.pages(PAYOUTS, {"first": PAGE, "query": search}, ("shopifyPaymentsAccount", "payouts")):
            yield found_of(payout)

    def rows(self, payout_id: str) -> list[dict[str, Any]]:
        variables = {"first": PAGE, "query": f"payments_transfer_id:{payout_id}"}
        rows = list(self.api.pages(TRANSACTIONS, variables, ("shopifyPaymentsAccount", "balanceTransactions")))
        for row in rows:
            when = store_time(row.get("transactionDate"))
            if when is not None and (self.earliest is None or when < self.earliest):
                self.earliest = when
        return rows

    def payout(self, payout_id: str) -> dict[str, Any]:
        node = self.api.query(PAYOUT, {"id": f"gid://shopify/ShopifyPaymentsPayout/{payout_id}"}).get("node")
        if not node:
            raise StoreError(f"Shopify has no payout {payout_id}")
        return dict(node)

    def settlement(self, settlement_id: str) -> Settlement:
        payout = self.payout(settlement_id)
        return settlement_from(payout, self.rows(settlement_id), self.zone, self.rows)


def settlement_from(
    payout: Mapping[str, Any],
    rows: list[dict[str, Any]],
    zone: ZoneInfo | None,
    rows_of: Callable[[str], list[dict[str, Any]]] | None = None,
) -> Settlement:
    """A payout and its balance transactions as a settlement. ``rows_of(payout id)`` reads a
    failed payout's rows, which a TRANSFER_FAILURE row pays out again (None: no expansion)."""
    found = found_of(payout)
    entries, retries = _lines(rows, rows_of, 0)
    issued = shop_day(payout.get("issuedAt"), zone) or found.issued.date()
    return Settlement(
        key=found.key,
        id=found.id,
        number=f"{NUMBER_PREFIX}{found.id}",
        status=found.status,
        currency=found.currency,
        date=issued,
        deposit=found.deposit,
        gateway=GATEWAY,
        payer=PAYER,
        entries=tuple(entries),
        reference=str(payout.get("externalTraceId") or ""),
        label=found.label,
        retries=tuple(dict.fromkeys(retries)),
    )


def _lines(
    rows: list[dict[str, Any]], rows_of: Callable[[str], list[dict[str, Any]]] | None, depth: int
) -> tuple[list[Entry], list[str]]:
    """Rows as lines, a failed payout's money replaced by that payout's own lines where they add
    up to it; and the keys of the failed payouts so replaced."""
    entries: list[Entry] = []
    retries: list[str] = []
    for row in rows:
        kind = str(row.get("type") or "").upper()
        failed = str(row.get("sourceId") or "")
        if kind in RETRIED and failed and rows_of is not None and depth < MAX_RETRIED_DEPTH:
            inner_rows = rows_of(failed)
            inner, nested = _lines(inner_rows, rows_of, depth + 1)
            if inner_rows and sum((e.amount for e in inner), Decimal(0)) == _amount(row.get("net")):
                via = payout_key(failed)
                entries.extend(replace(e, via=e.via or via) for e in inner)
                retries.extend([via, *nested])
                continue
        entries.extend(entries_of([row]))
    return entries, retries


# --- REST-shaped records (the legacy Admin REST API's, as in Shopify's docs) ---------------------
def rest_payout(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A REST payout (``/shopify_payments/payouts.json``) in the GraphQL shape read above."""
    payout = raw.get("payout", raw)
    amount = _amount(payout.get("amount"))
    return {
        "id": f"gid://shopify/ShopifyPaymentsPayout/{payout['id']}",
        "legacyResourceId": str(payout["id"]),
        "issuedAt": str(payout.get("date") or ""),
        "status": str(payout.get("status") or "").upper(),
        "transactionType": "WITHDRAWAL" if amount < 0 else "DEPOSIT",
        "externalTraceId": payout.get("external_trace_id"),
        "net": {"amount": str(amount), "currencyCode": str(payout.get("currency") or "")},
    }


def rest_transaction(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A REST balance transaction in the GraphQL shape read above."""
    kind = str(raw.get("type") or "")
    order = raw.get("source_order_id")
    return {
        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{raw.get('id')}",
        "type": REST_TYPES.get(kind, kind.upper()),
        "test": bool(raw.get("test")),
        "amount": {"amount": str(raw.get("amount") or "0"), "currencyCode": str(raw.get("currency") or "")},
        "fee": {"amount": str(raw.get("fee") or "0")},
        "net": {"amount": str(raw.get("net") or "0")},
        "sourceType": str(raw.get("source_type") or "").upper() or None,
        "sourceId": raw.get("source_id"),
        "sourceOrderTransactionId": raw.get("source_order_transaction_id"),
        "associatedOrder": {"id": f"gid://shopify/Order/{order}"} if order else None,
        "associatedPayout": {"id": raw.get("payout_id"), "status": str(raw.get("payout_status") or "").upper()},
        "adjustmentReason": raw.get("adjustment_reason"),
        "transactionDate": raw.get("processed_at"),
    }


def read_settlement(raw: Mapping[str, Any]) -> Settlement:
    """A payout file: ``{"payout": {...}, "transactions": [...]}`` in the REST shape (as Shopify's
    docs show it), or ``{"payout": {...}, "balanceTransactions": [...]}`` in the GraphQL shape."""
    payout = raw.get("payout")
    if not isinstance(payout, Mapping):
        raise ValueError('a Shopify payout file has a "payout" object (and its "transactions")')
    if "legacyResourceId" in payout or "issuedAt" in payout:
        return settlement_from(payout, list(raw.get("balanceTransactions") or ()), None)
    rows = [rest_transaction(t) for t in raw.get("transactions") or () if isinstance(t, Mapping)]
    return settlement_from(rest_payout(payout), rows, None)
