"""How xerosync names what it writes (pure): Xero document numbers and mapping-table keys.

One place, used by the sync, the preview, the reconciliation and the drift report alike, so a
document is always looked for under the number it was written with.

Numbers (the invoice's is the merchant's prefix and the store's order number):

* ``WC-1001`` the invoice; ``WC-1001-2`` the invoice issued again for an order restored after
  it was cancelled (the old one stays voided);
* ``WC-1001-R812`` the credit note of refund 812;
* ``WC-1001-A1``, ``-A2``... the documents booking changes made after the invoice was paid
  (a credit note for a decrease, an invoice for an increase);
* ``WC-1001-CN`` the credit note that takes a paid, cancelled order off the books.

Keys of the mapping table: ``order:<id>``, ``customer:<id>``, ``product:<id>`` are the store
records (made by the store's adapter); the documents an order has besides its invoice are keyed
below (a payment per tender, a credit note per refund, an adjustment per change after payment).
"""


def invoice_number(prefix: str, order_number: str) -> str:
    return f"{prefix}{order_number}"


def reissue_number(invoice: str, issue: int) -> str:
    return f"{invoice}-{issue}"


def refund_number(invoice: str, refund_id: str) -> str:
    return f"{invoice}-R{refund_id}"


def adjustment_number(invoice: str, n: int) -> str:
    return f"{invoice}-A{n}"


def cancellation_number(invoice: str) -> str:
    return f"{invoice}-CN"


def sale_id(sale_key: str) -> str:
    """The store id in a sale's key (``order:1001`` -> ``1001``)."""
    return sale_key.split(":", 1)[1]


def is_sale_key(key: str) -> bool:
    """A sale's own key (``order:1001``), not the key of one of its documents (``order:1001#issue2``)."""
    return key.startswith("order:") and "#" not in key


def payment_key(sale_key: str, tender_id: str = "") -> str:
    """A sale's payment: ``payment:1001`` for the one payment of a store that records one per
    order (a tender without id), ``payment:1001:<tender id>`` for each of a sale's tenders."""
    base = f"payment:{sale_id(sale_key)}"
    return f"{base}:{tender_id}" if tender_id else base


def refund_key(sale_key: str, refund_id: str) -> str:
    return f"refund:{sale_id(sale_key)}:{refund_id}"


def adjustment_key(sale_key: str, n: int) -> str:
    return f"adjust:{sale_id(sale_key)}:{n}"


def cancellation_key(sale_key: str) -> str:
    return f"cancel:{sale_id(sale_key)}"


def reissue_key(sale_key: str, issue: int) -> str:
    return f"{sale_key}#issue{issue}"
