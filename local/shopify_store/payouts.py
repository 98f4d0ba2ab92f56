"""Shopify Payments: the balance ledger and the payouts drawn from it (issue 16).
https://shopify.dev/docs/api/admin-graphql/latest/objects/ShopifyPaymentsBalanceTransaction

* Every successful ``shopify_payments`` SALE/CAPTURE is a CHARGE row (amount, its fee, net), every
  refund of one a REFUND row (negative amount; the fee returned in proportion, a negative fee, as
  the docs payout's ``refunds_fee_amount`` -0.23 shows). The shop also records ADJUSTMENT rows,
  disputes (DISPUTE_WITHDRAWAL: the amount back out plus a chargeback fee; DISPUTE_REVERSAL when
  won) and reserves (RESERVED_FUNDS held, RESERVED_FUNDS_REVERSAL released).
* :meth:`Payments.pay_out` gathers every row not yet paid out into one payout per currency:
  ``net = sum  amount - sum  fee`` of its rows, and adds the payout's own negative TRANSFER row. A payout
  is SCHEDULED, then PAID or FAILED (:meth:`settle`); a failed one comes back as a positive
  TRANSFER_FAILURE row, paid out again with the next payout (its "retried payouts").
* The summary sums gross and fee by category: charges (CHARGE), refunds (REFUND), adjustments
  (ADJUSTMENT and disputes), reserved funds (RESERVED_FUNDS*), retried payouts (TRANSFER_FAILURE).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.shopify_store.model import gid
from local.shopify_store.money import cents, money_v2
from local.shopify_store.search import filtered
from local.shopify_store.views import Ctx

if TYPE_CHECKING:
    from local.shopify_store.store import ShopifyStore

D = Decimal
CATEGORY = {
    "CHARGE": "charges", "REFUND": "refunds", "ADJUSTMENT": "adjustments", "DISPUTE_WITHDRAWAL": "adjustments",
    "DISPUTE_REVERSAL": "adjustments", "RESERVED_FUNDS": "reservedFunds", "RESERVED_FUNDS_REVERSAL": "reservedFunds",
    "RESERVED_FUNDS_WITHDRAWAL": "reservedFunds", "TRANSFER_FAILURE": "retriedPayouts",
}  # fmt: skip
SOURCE = {"CHARGE": "CHARGE", "REFUND": "REFUND", "ADJUSTMENT": "ADJUSTMENT", "DISPUTE_WITHDRAWAL": "DISPUTE",
          "DISPUTE_REVERSAL": "DISPUTE", "TRANSFER": "TRANSFER", "TRANSFER_FAILURE": "TRANSFER"}  # fmt: skip


@dataclass
class Row:
    id: int
    type: str
    amount: Decimal
    fee: Decimal
    currency: str
    at: datetime
    order_id: int | None = None
    source_id: int | None = None  # the order transaction, dispute, adjustment or payout it comes from
    payout_id: int | None = None
    reason: str | None = None

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


@dataclass
class Payout:
    id: int
    issued_at: datetime
    currency: str
    net: Decimal
    status: str = "SCHEDULED"
    trace: str | None = None


class Payments:
    def __init__(self, store: "ShopifyStore") -> None:
        self.store = store
        self.rows: list[Row] = []
        self.payouts: dict[int, Payout] = {}
        self._seen: set[int] = set()

    # --- the ledger -------------------------------------------------------------------------------
    def sync(self) -> None:
        """Ledger rows for Shopify Payments transactions not yet in it."""
        store = self.store
        for o in sorted(store.orders.values(), key=lambda o: o.id):
            cur = o.currencies.shop
            charges = {t.id: t for t in o.transactions}
            for t in o.transactions:
                if (
                    t.id not in self._seen
                    and t.gateway == "shopify_payments"
                    and t.status == "SUCCESS"
                    and t.kind in ("SALE", "CAPTURE")
                ):
                    fee = sum((f.amount for f in t.fees), D(0))
                    self._add(Row(t.id, "CHARGE", t.amount.shop, fee, cur, t.processed_at, o.id, t.id))
            for r in o.refunds:
                for t in r.transactions:
                    parent = charges.get(t.parent_id or 0)
                    if t.id in self._seen or t.gateway != "shopify_payments" or parent is None:
                        continue
                    fee = sum((f.amount for f in parent.fees), D(0))
                    back = cents(fee * t.amount.shop / parent.amount.shop, cur) if parent.amount.shop else D(0)
                    self._add(Row(t.id, "REFUND", -t.amount.shop, -back, cur, t.processed_at, o.id, t.id))

    def _add(self, row: Row) -> Row:
        self._seen.add(row.id)
        self.rows.append(row)
        return row

    def record(
        self, type: str, amount: Decimal, fee: Decimal | None = None, *, order_id: int | None = None,
        reason: str | None = None,
    ) -> Row:  # fmt: skip
        """An adjustment, a dispute (``DISPUTE_WITHDRAWAL`` negative with its chargeback fee,
        ``DISPUTE_REVERSAL``) or a reserve (``RESERVED_FUNDS`` negative, ``…_REVERSAL`` positive)."""
        with self.store.lock:
            self.sync()
            number = self.store.ids.next()
            return self._add(Row(number, type, amount, fee or D(0), self.store.currency, self.store.now(), order_id,
                                 number, reason=reason))  # fmt: skip

    def pay_out(self) -> list[Payout]:
        """One payout per currency of every row not yet paid out (none when there is nothing)."""
        with self.store.lock:
            self.sync()
            made = []
            for currency in sorted({r.currency for r in self.rows if r.payout_id is None}):
                rows = [r for r in self.rows if r.payout_id is None and r.currency == currency]
                net = sum((r.net for r in rows), D(0))
                payout = Payout(self.store.ids.next(), self.store.now(), currency, net,
                                trace=f"SIMTRACE{len(self.payouts) + 1:06d}")  # fmt: skip
                for r in rows:
                    r.payout_id = payout.id
                transfer = self._add(Row(self.store.ids.next(), "TRANSFER", -net, D(0), currency, payout.issued_at,
                                         source_id=payout.id))  # fmt: skip
                transfer.payout_id = payout.id
                self.payouts[payout.id] = payout
                made.append(payout)
            return made

    def settle(self, payout_id: int, status: str = "PAID") -> Payout:
        with self.store.lock:
            payout = self.payouts[payout_id]
            payout.status = status
            if status in ("FAILED", "CANCELED"):
                self._add(Row(self.store.ids.next(), "TRANSFER_FAILURE" if status == "FAILED" else "TRANSFER_CANCEL",
                              payout.net, D(0), payout.currency, self.store.now(), source_id=payout.id))  # fmt: skip
            return payout

    def summary(self, payout_id: int) -> dict[str, tuple[Decimal, Decimal]]:
        """Gross and fee by category (``ShopifyPaymentsPayoutSummary``)."""
        out = {c: (D(0), D(0)) for c in ("charges", "refunds", "adjustments", "reservedFunds", "retriedPayouts")}
        for r in self.rows:
            if r.payout_id == payout_id and r.type in CATEGORY:
                gross, fee = out[CATEGORY[r.type]]
                out[CATEGORY[r.type]] = (gross + r.amount, fee + r.fee)
        return out

    # --- GraphQL ------------------------------------------------------------------------------------
    def payout_view(self, p: Payout) -> dict[str, Any]:
        s = self.summary(p.id)
        summary = {f"{name}Gross": money_v2(g, p.currency) for name, (g, _) in s.items()} | {
            f"{name}Fee": money_v2(f, p.currency) for name, (_, f) in s.items()
        }
        summary["refundsFeeGross"] = summary.pop("refundsGross")
        return {"__typename": "ShopifyPaymentsPayout", "id": gid("ShopifyPaymentsPayout", p.id),
                "legacyResourceId": p.id, "issuedAt": p.issued_at, "net": money_v2(abs(p.net), p.currency),
                "status": p.status, "transactionType": "DEPOSIT" if p.net >= 0 else "WITHDRAWAL",
                "externalTraceId": p.trace, "summary": summary}  # fmt: skip

    def payout_node(self, ctx: Ctx, number: int) -> dict[str, Any] | None:
        p = self.payouts.get(number)
        return self.payout_view(p) if p else None

    def row_view(self, r: Row) -> dict[str, Any]:
        payout = self.payouts.get(r.payout_id or 0)
        order = self.store.orders.get(r.order_id or 0)
        return {
            "id": gid("ShopifyPaymentsBalanceTransaction", r.id), "type": r.type, "test": False,
            "amount": money_v2(r.amount, r.currency), "fee": money_v2(r.fee, r.currency),
            "net": money_v2(r.net, r.currency), "sourceType": SOURCE.get(r.type, "ADJUSTMENT"),
            "sourceId": r.source_id,
            "sourceOrderTransactionId": r.source_id if r.type in ("CHARGE", "REFUND") else None,
            "associatedOrder": {"id": gid("Order", order.id), "name": order.name} if order else None,
            "associatedPayout": {"id": gid("ShopifyPaymentsPayout", payout.id) if payout else None,
                                 "status": payout.status if payout else "PENDING"},
            "adjustmentReason": r.reason, "adjustmentsOrders": [], "transactionDate": r.at,
        }  # fmt: skip

    def account(self, ctx: Ctx) -> dict[str, Any]:
        self.sync()
        store = self.store

        def payouts(info: Any, query: str | None = None, sortKey: str = "ID", transactionType: str | None = None,
                    **a: Any) -> Any:  # fmt: skip
            items = [p for p in self.payouts.values()
                     if transactionType is None or (transactionType == "DEPOSIT") == (p.net >= 0)]  # fmt: skip
            fields = {"status": lambda p: p.status.lower(), "issued_at": lambda p: p.issued_at, "id": lambda p: p.id,
                      "date": lambda p: p.issued_at}  # fmt: skip
            sort: dict[str, Any] = {"ISSUED_AT": lambda p: p.issued_at, "PAYOUT_DATE": lambda p: p.issued_at,
                    "AMOUNT": lambda p: p.net, "STATUS": lambda p: p.status}  # fmt: skip
            key: Any = sort.get(sortKey, lambda p: p.id)
            return ctx.page(filtered(items, query, fields, ctx.search), a, lambda p: (key(p), p.id), self.payout_view)

        def rows(info: Any, query: str | None = None, sortKey: str = "ID", hideTransfers: bool = False,
                 **a: Any) -> Any:  # fmt: skip
            items = [r for r in self.rows if not (hideTransfers and r.type == "TRANSFER")]
            of = self.payouts.get
            fields = {"payments_transfer_id": lambda r: r.payout_id, "payout_id": lambda r: r.payout_id,
                      "payout_status": lambda r: (p.status.lower() if (p := of(r.payout_id or 0)) else "pending"),
                      "payout_date": lambda r: (p.issued_at if (p := of(r.payout_id or 0)) else None),
                      "processed_at": lambda r: r.at, "transaction_type": lambda r: r.type.lower()}  # fmt: skip
            sort: dict[str, Any] = {"PROCESSED_AT": lambda r: r.at, "AMOUNT": lambda r: r.amount,
                                    "FEE": lambda r: r.fee, "NET": lambda r: r.net,
                                    "TRANSACTION_TYPE": lambda r: r.type}  # fmt: skip
            key: Any = sort.get(sortKey, lambda r: r.id)
            return ctx.page(filtered(items, query, fields, ctx.search), a, lambda r: (key(r), r.id), self.row_view)

        balance = sum((r.net for r in self.rows if r.payout_id is None), D(0))
        return {"id": gid("ShopifyPaymentsAccount", 1), "activated": True, "country": "US",
                "defaultCurrency": store.currency, "balance": [money_v2(balance, store.currency)],
                "payouts": payouts, "balanceTransactions": rows}  # fmt: skip
