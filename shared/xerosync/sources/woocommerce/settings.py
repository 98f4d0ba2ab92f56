"""WooCommerce's own section of the store settings (``store:``): its order statuses.

WooCommerce orders carry a status word (``pending``, ``on-hold``, ``processing``, ...; plugins
add their own). This section says where each stands in the sale's lifecycle (the core decides on
that, and ``invoice_status`` says what each stage becomes in Xero), which statuses mean the money
was received (with the order's ``date_paid``), and which status an order paid in Xero moves to.

Files written before the lifecycle existed map statuses straight to Xero statuses
(``"on-hold": "DRAFT"``); those values are read as the lifecycle stage that the default
``invoice_status`` turns into the same Xero status, so such files keep doing what they did.
"""

from dataclasses import field
from typing import Annotated, Any, Literal

from xerosync.config import section_problems, store_section
from xerosync.domain import Lifecycle
from xerosync.frozen import frozen
from xerosync.schema import Before

# Statuses meaning the order will not be fulfilled: what was booked comes off the books.
CANCELLED_STATUSES = ("cancelled", "failed", "trash")
DEFAULT_ORDER_STATUSES: dict[str, Lifecycle] = {
    "pending": "unconfirmed",  # payment not completed at checkout
    "on-hold": "awaiting_payment",  # a bank transfer or cheque to come
    "processing": "confirmed",  # paid when it has date_paid (paid_statuses)
    "completed": "confirmed",
    "refunded": "confirmed",
}
LEGACY_VALUES: dict[str, Lifecycle] = {"skip": "unconfirmed", "DRAFT": "awaiting_payment", "AUTHORISED": "confirmed"}


def _lifecycle(value: Any) -> Any:
    """Statuses read over the defaults, a value of before the lifecycle as its stage."""
    if not isinstance(value, dict):
        return value
    read = {str(k): LEGACY_VALUES.get(v, v) if isinstance(v, str) else v for k, v in value.items()}
    return {**DEFAULT_ORDER_STATUSES, **read}


@frozen
class WooSettings:
    order_statuses: Annotated[dict[str, Lifecycle], Before(_lifecycle)] = field(
        default_factory=lambda: dict(DEFAULT_ORDER_STATUSES)
    )
    """WooCommerce order status -> where the sale stands: unconfirmed, awaiting_payment, confirmed (cancelled,
    failed and trash are always cancelled; an unknown status is unconfirmed)
    """
    paid_statuses: tuple[str, ...] = ("processing", "completed", "refunded")
    """statuses in which an order with date_paid is paid"""
    paid_status: Literal["processing", "completed"] = "processing"
    """the status a WooCommerce order paid in Xero moves to (settings: pull.mark_paid)"""

    def lifecycle(self, status: str, paid: bool) -> Lifecycle:
        if status in CANCELLED_STATUSES:
            return "cancelled"
        stage = self.order_statuses.get(status, "unconfirmed")
        if stage in ("confirmed", "paid"):
            return "paid" if paid and status in self.paid_statuses else "confirmed"
        return stage


def woo_settings(section: dict[str, Any]) -> WooSettings:
    """The section, validated (cached)."""
    return store_section(WooSettings, section)


def problems(section: dict[str, Any]) -> list[str]:
    """What is wrong with the section, each naming its field and the fix."""
    return section_problems(WooSettings, section)
