"""A refund of money a decrease after payment already credited (pure): how much of it is paid back
out of the decrease's credit note, and what is left to credit as a refund of its own.

An order whose invoice is locked (paid) and whose amount then goes down (units an order edit
removed, a line changed after payment) has its decrease booked as a credit note (``-A1``, see
:mod:`xerosync.sync.adjustments`): the customer is owed that credit, and it stays on the note as
remaining credit. When the store then gives the money back, the refund names no lines for it (the
units are gone from the order): its money is more than its lines are worth. That money is what the
decrease's note already credits, so it is paid out of that note (a payment on an ACCRECCREDIT
credit note is money paid back, and Xero takes no more than its remaining credit:
https://developer.xero.com/documentation/api/accounting/payments), not credited a second time.

* only money its lines do not explain can be the decrease's: a refund's lines (goods returned,
  shipping) are a further decrease, credited as ever; a line of kind ``adjustment`` is the store
  saying its money differs from its lines, so it counts with the unexplained money;
* decreases' notes are drawn on oldest first, each for at most the credit it has left;
* whatever the notes do not hold is a refund like any other (its own credit note ``-R<id>``),
  lines and all, less the adjustment money drawn; the refund's tenders go to the draws first, in
  their order, the rest to its own note.
"""

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from xerosync.domain import Refund, Sale, SaleLine, Tender
from xerosync.frozen import frozen
from xerosync.xero import payloads

ZERO = Decimal("0")


@frozen
class Draw:
    """Money of a refund paid back out of one decrease's credit note."""

    note: str  # the decrease's mapping key (adjust:<sale id>:<n>)
    amount: Decimal
    tenders: tuple[Tender, ...] = ()  # how it went back, where the refund says (its share of them)


@frozen
class Split:
    """A refund split: what is paid back out of decreases' credit notes, and what is left to credit."""

    draws: tuple[Draw, ...]
    rest: Refund  # what is left to credit as a refund of its own (amount 0: nothing)

    @property
    def drawn(self) -> Decimal:
        return sum((d.amount for d in self.draws), ZERO)


def unexplained(refund: Refund) -> Decimal:
    """The refund's money beyond what its lines are worth (never below 0 nor above the refund)."""
    worth = sum((line.total + line.tax for line in refund.lines if line.kind != "adjustment"), ZERO)
    return min(max(refund.amount - worth, ZERO), refund.amount)


def split(refund: Refund, credit: Sequence[tuple[str, Decimal]]) -> Split:
    """The refund against the decreases' notes' ``credit`` left ((mapping key, remaining), oldest
    first): drawn on for its unexplained money, the rest a refund of its own."""
    want = unexplained(refund)
    amounts: list[tuple[str, Decimal]] = []
    for note, left in credit:
        take = min(want, max(left, ZERO))
        if take > 0:
            amounts.append((note, take))
            want -= take
    return recorded(refund, amounts)


def recorded(refund: Refund, amounts: Sequence[tuple[str, Decimal]]) -> Split:
    """The split of ``refund`` whose draws were decided (and recorded) before: ``amounts`` by note."""
    draws: list[Draw] = []
    tenders = list(refund.payments)
    for note, amount in amounts:
        taken, tenders = _take(tenders, amount)
        draws.append(Draw(note, amount, tuple(taken)))
    drawn = sum((a for _, a in amounts), ZERO)
    rest = replace(
        refund, amount=refund.amount - drawn, lines=_less_adjustment(refund.lines, drawn), payments=tuple(tenders)
    )
    return Split(tuple(draws), rest)


def _take(tenders: list[Tender], amount: Decimal) -> tuple[list[Tender], list[Tender]]:
    """``amount`` of the tenders, in their order (one split in two where it ends), and the rest."""
    taken: list[Tender] = []
    left: list[Tender] = []
    for tender in tenders:
        if amount <= 0:
            left.append(tender)
        elif tender.amount <= amount:
            taken.append(tender)
            amount -= tender.amount
        else:
            taken.append(replace(tender, amount=amount))
            left.append(replace(tender, amount=tender.amount - amount))
            amount = ZERO
    return taken, left


def _less_adjustment(lines: tuple[SaleLine, ...], drawn: Decimal) -> tuple[SaleLine, ...]:
    """The lines without ``drawn`` of their positive adjustment money (a line left at 0 goes); money
    the lines never named (an amount-only refund) needs no line: the note lands on its amount."""
    out: list[SaleLine] = []
    for line in lines:
        if line.kind == "adjustment" and line.total > 0 and drawn > 0:
            cut = min(line.total, drawn)
            drawn -= cut
            if line.total - cut == 0 and not line.tax:
                continue
            line = replace(line, subtotal=line.subtotal - cut, total=line.total - cut)
        out.append(line)
    return tuple(out)


def reference(sale: Sale, refund: Refund, tender: Tender | None) -> str:
    """A draw's payment reference: it names the refund (a decrease's note may pay back several
    refunds, and a retry tells what an earlier attempt paid by it), then how the money went."""
    base = f"Refund {refund.id} of order {sale.number}"
    if tender is None:
        return base
    how = tender.reference or " ".join(x for x in (tender.gateway_title or tender.gateway, tender.id) if x)
    return payloads.limit(f"{base}: {how}" if how else base, 255)
