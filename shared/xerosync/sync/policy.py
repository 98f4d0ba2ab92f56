"""What a sale becomes in Xero (pure): one rule, for the sync, the preview, the reconciliation
and the drift report alike.

A cancelled sale comes off the books (its invoice voided, deleted or credited in full, as Xero
allows). Otherwise the settings say, by where the sale stands (its lifecycle), whether it is
invoiced and as DRAFT or AUTHORISED; a paid sale's invoice is AUTHORISED (Xero takes payments on
no other) and gets its payment; refunds become credit notes on an AUTHORISED invoice.
"""

from typing import Literal

from xerosync.config import StoreSettings
from xerosync.domain import Sale
from xerosync.frozen import frozen

Action = Literal["invoice", "cancel", "skip"]


@frozen
class SalePlan:
    """What the sync does with a sale in Xero, decided from its lifecycle and the settings."""

    action: Action
    status: Literal["DRAFT", "AUTHORISED"] | None = None  # the invoice's, when invoiced
    pay: bool = False  # record the payment (the sale is paid, payments are synced)
    credit_refunds: bool = False  # a credit note per refund
    reason: str = ""  # why it is skipped or cancelled

    @property
    def authorised(self) -> bool:
        return self.status == "AUTHORISED"


def plan_sale(sale: Sale, settings: StoreSettings) -> SalePlan:
    if not settings.sync.orders:
        return SalePlan("skip", reason="order sync is switched off (settings: sync.orders)")
    if sale.lifecycle == "cancelled":
        return SalePlan("cancel", reason=f"order {sale.status_word} in the store")
    statuses = settings.invoice_status
    chosen = {"unconfirmed": statuses.unconfirmed, "awaiting_payment": statuses.awaiting_payment}
    status = chosen.get(sale.lifecycle, "AUTHORISED" if sale.lifecycle == "paid" else statuses.confirmed)
    if status == "skip":
        return SalePlan(
            "skip",
            reason=f"orders in status {sale.status_word!r} ({sale.lifecycle.replace('_', ' ')}) are not synced "
            "(settings: invoice_status)",
        )
    if sale.total == 0 and not settings.zero_total_orders:
        return SalePlan("skip", reason="zero-total orders are not invoiced (settings: zero_total_orders)")
    authorised = status == "AUTHORISED"
    paid = sale.lifecycle == "paid" and (sale.paid_date is not None or bool(sale.payments))
    return SalePlan(
        "invoice",
        status,
        pay=authorised and paid and settings.sync.payments,
        credit_refunds=authorised and settings.sync.refunds,
    )
