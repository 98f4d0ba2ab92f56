"""A sale's money by tender (pure): the payments a paid sale gets in Xero, and the payments of
the money going back for a refund, each to the account mapped for its gateway.

A sale received its money by one or more tenders (``Sale.payments``: a card charge, a gift card
redeemed, a PayPal payment). A store that records one payment per order gives none: the sale then
has one implied tender (its gateway, its total, its paid date, its transaction id), keyed
``payment:<sale id>`` as it always was. Each tender with an id is a Xero payment of its own, keyed
``payment:<sale id>:<tender id>`` and created once, so a tender a later event adds pays only
itself. A gift card redeemed is a tender like any other: its gateway maps to the gift-card
liability account (``payments.accounts``).

Caps, in the store's order of the tenders: a tender is paid in full while the invoice has that
much due; the tender that reaches the end of what is due absorbs the difference (it is paid what
is left), and any after it get nothing. Xero never takes more than is due (it would refuse the
payment), so money a store says it received beyond the invoice is not booked, and the event says
so. The money going back for a refund is capped the same way at the credit left on its note.

Amounts are in the sale's currency: the adapter chooses it (the shop's or the buyer's) and gives
the tenders in the same one; Xero records a payment in its document's currency, so nothing here
depends on which it is.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.domain import Sale, Tender
from xerosync.frozen import frozen
from xerosync.xero import payloads

ZERO = Decimal("0")


@frozen
class Due:
    """One payment to make: a tender, what of it is paid, where and under which reference."""

    key: str  # the mapping key ("" for money going back: the credit note's mapping records it)
    tender: Tender
    amount: Decimal  # capped: at most the tender's amount
    account: str
    reference: str

    @property
    def label(self) -> str:
        """The tender as the outcome names it."""
        return self.tender.gateway_title or self.tender.gateway or "payment"


def received(sale: Sale) -> tuple[Tender, ...]:
    """The money the sale received, by tender: the store's, else the one its paid date implies."""
    if sale.payments:
        _unique(sale.payments, f"sale {sale.number}")
        return sale.payments
    if sale.paid_date is None:
        return ()
    return (
        Tender("", sale.payment_method, sale.total, sale.paid_date, sale.transaction_id, sale.payment_method_title),
    )


def _unique(tenders: Sequence[Tender], whose: str) -> None:
    """Each tender is a payment of its own: its id tells it from the others."""
    ids = [t.id for t in tenders]
    if len(tenders) > 1 and (len(set(ids)) != len(ids) or "" in ids):
        raise ValueError(f"{whose} has {len(tenders)} payments without a distinct store id each: {ids}")


def gateway(sale: Sale) -> tuple[str, str]:
    """The sale's gateway and its title: the store's, else its first tender's."""
    if sale.payment_method or not sale.payments:
        return sale.payment_method, sale.payment_method_title
    return sale.payments[0].gateway, sale.payments[0].gateway_title


def reference(sale: Sale, tender: Tender) -> str:
    """What the payment is known by: the gateway's reference, else the order (and the tender's id,
    where there are tenders), so each payment of an order has a reference of its own."""
    if tender.reference:
        return tender.reference
    base = f"Order {sale.number}"
    return f"{base} {tender.gateway_title or tender.gateway} {tender.id}".strip() if tender.id else base


def capped(amounts: Iterable[Decimal], due: Decimal) -> list[Decimal]:
    """Each amount, in order, while ``due`` lasts (the one reaching its end absorbs the difference)."""
    out = []
    for amount in amounts:
        paid = max(min(amount, due), ZERO)
        out.append(paid)
        due -= paid
    return out


def sale_payments(sale: Sale, settings: StoreSettings, tenders: Sequence[Tender], due: Decimal) -> list[Due]:
    """The payments of ``tenders`` (a sale's, not paid yet) against an invoice with ``due`` left;
    a tender with nothing left to pay comes back with amount 0. Unmapped gateways fail first."""
    accounts = [payloads.gateway_account(t.gateway, t.gateway_title, settings) for t in tenders]
    amounts = capped((t.amount for t in tenders), due)
    return [
        Due(documents.payment_key(sale.key, t.id), t, amount, account, payloads.limit(reference(sale, t), 255))
        for t, amount, account in zip(tenders, amounts, accounts, strict=True)
    ]


def money_back(
    sale: Sale,
    settings: StoreSettings,
    refund_tenders: Sequence[Tender],
    *,
    when: date,
    remaining: Decimal,
    paid_references: Iterable[str] = (),
) -> list[Due]:
    """The payments of the money going back on a credit note with ``remaining`` credit: by the
    refund's tenders (each to its gateway's account, dated and referenced by it) when the store
    says how it went back, else one payment to the sale's gateway, dated ``when``. Tenders whose
    reference is among ``paid_references`` (an earlier attempt paid them) are left out."""
    if not refund_tenders:
        method, title = gateway(sale)
        tender = Tender("", method, remaining, when, "", title)
        account = payloads.gateway_account(method, title, settings)
        return [Due("", tender, remaining, account, f"Refund of order {sale.number}")] if remaining > 0 else []
    _unique(refund_tenders, f"a refund of sale {sale.number}")
    paid = list(paid_references)
    pending: list[tuple[Tender, str]] = []
    for tender in refund_tenders:
        ref = payloads.limit(refund_reference(sale, tender), 255)
        if ref in paid:
            paid.remove(ref)  # each payment found stands for one tender
            continue
        pending.append((tender, ref))
    accounts = [payloads.gateway_account(t.gateway, t.gateway_title, settings) for t, _ in pending]
    amounts = capped((t.amount for t, _ in pending), remaining)
    return [
        Due("", tender, amount, account, ref)
        for (tender, ref), amount, account in zip(pending, amounts, accounts, strict=True)
        if amount > 0
    ]


def refund_reference(sale: Sale, tender: Tender) -> str:
    if tender.reference:
        return tender.reference
    base = f"Refund of order {sale.number}"
    return f"{base} {tender.gateway_title or tender.gateway} {tender.id}".strip() if tender.id else base
