"""The settings of quotes and purchases (``quotes:`` and ``purchasing:``), for a source whose records
include offers to customers and orders to suppliers (a CRM): what Xero status each stage of theirs
becomes, where a purchase's lines go, and whether a purchase is a Xero purchase order or an ACCPAY
bill. The stages are the core's (:data:`xerosync.domain.QuoteStage`,
:data:`xerosync.domain.PurchaseStage`); the source's own words map to them in its section
(``store:``), as its invoice statuses map to a sale's lifecycle.

Each stage's Xero status may be any Xero takes for the document (the use case,
:mod:`xerosync.sync.quotes`, walks Xero's status moves to it): e.g. ``sent: DRAFT`` keeps quotes
the CRM has sent as drafts in Xero, for someone to review there.
"""

from dataclasses import field
from typing import Annotated, Literal

from xerosync.frozen import frozen
from xerosync.schema import Length

QuoteStatus = Literal["DRAFT", "SENT", "ACCEPTED", "DECLINED", "INVOICED", "DELETED"]
PurchaseOrderStatus = Literal["DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED"]
BillStatus = Literal["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"]


@frozen
class QuoteStatuses:
    """The Xero quote status of each stage of a quote."""

    draft: QuoteStatus = "DRAFT"
    """being written"""
    sent: QuoteStatus = "SENT"
    """sent to the customer"""
    accepted: QuoteStatus = "ACCEPTED"
    """the customer accepted it"""
    declined: QuoteStatus = "DECLINED"
    """the customer declined it"""
    invoiced: QuoteStatus = "INVOICED"
    """invoiced (an invoice was raised from it)"""
    withdrawn: QuoteStatus = "DELETED"
    """withdrawn by the seller"""


@frozen
class Quotes:
    statuses: QuoteStatuses = field(default_factory=QuoteStatuses)
    """the Xero status of each stage (draft, sent, accepted, declined, invoiced, withdrawn)"""


@frozen
class PurchaseOrderStatuses:
    """The Xero purchase order status of each stage of a purchase."""

    draft: PurchaseOrderStatus = "DRAFT"
    """being written"""
    submitted: PurchaseOrderStatus = "SUBMITTED"
    """submitted for approval"""
    approved: PurchaseOrderStatus = "AUTHORISED"
    """approved: ordered from the supplier"""
    billed: PurchaseOrderStatus = "BILLED"
    """the supplier's bill for it came"""
    cancelled: PurchaseOrderStatus = "DELETED"
    """cancelled"""


@frozen
class BillStatuses:
    """The Xero status of the ACCPAY bill of each stage of a purchase (``as_bills``). An approved bill
    that is cancelled is voided (Xero deletes only drafts and bills awaiting approval)."""

    draft: BillStatus = "DRAFT"
    """being written"""
    submitted: BillStatus = "SUBMITTED"
    """submitted for approval"""
    approved: BillStatus = "AUTHORISED"
    """approved: money owed to the supplier"""
    billed: BillStatus = "AUTHORISED"
    """the supplier's bill came: an approved bill"""
    cancelled: BillStatus = "DELETED"
    """cancelled (an approved bill is voided)"""


@frozen
class Purchasing:
    """Where purchases go in Xero: the account of their lines, the Xero tax type of each source
    tax rate on the purchase side (``INPUT`` where sales say ``OUTPUT``), and whether a purchase
    becomes a purchase order or an ACCPAY bill."""

    account: Annotated[str, Length(min=1)] = "310"
    """account code of purchase lines (310 is Cost of Goods Sold in Xero's default chart of accounts)"""
    tax_rates: dict[str, str] = field(default_factory=dict)
    """source tax rate id or code (several joined by "+") -> Xero TaxType usable on expenses, e.g. {"GST": "INPUT"}"""
    no_tax: str = "NONE"
    """Xero TaxType of purchase lines without tax (e.g. EXEMPTEXPENSES in Australia)"""
    as_bills: bool = False
    """book each purchase as an ACCPAY bill (money owed once approved) instead of a Xero purchase order"""
    order_statuses: PurchaseOrderStatuses = field(default_factory=PurchaseOrderStatuses)
    """the Xero purchase order status of each stage (draft, submitted, approved, billed, cancelled)"""
    bill_statuses: BillStatuses = field(default_factory=BillStatuses)
    """as_bills: the Xero bill status of each stage"""
