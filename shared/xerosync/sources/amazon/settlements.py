"""An Amazon settlement report as the core's :class:`~xerosync.settlement.Settlement` (pure).

Each line of the report becomes one :class:`~xerosync.settlement.Entry` whose ``kind`` is
Amazon's three describing columns, ``"<transaction-type> / <amount-type> / <amount-description>"``
(e.g. ``"Order / ItemFees / Commission"``): the words a merchant maps to an account and tax type
under ``settlements.accounts.by_type``, and the words each line of the Xero document carries, so
lines are summed per those three columns. Amazon's vocabulary is open (it adds types), so the
settlement says ``named_kinds``: a line the settings do not name goes to the ``other`` account
and is noted in the sync log, never guessed into income. Reserve lines (money held back and
released) go to ``settlements.accounts.reserves`` (an asset account) unless named. The day each
line was posted decides which month's document it goes in when ``split_by_month`` is on.

Marketplace-facilitator tax (``ItemPrice / Tax`` collected, ``ItemWithheldTax / ...`` withheld
and remitted by Amazon) stays on its own lines, which net to zero on the account they are mapped
to; nothing here merges them.
"""

from xerosync.settlement import Category, Entry, Settlement
from xerosync.sources.amazon.flatfile import FlatLine, FlatSettlement

KEY_PREFIX = "settlement:"
REPORT_PREFIX = "settlement-report:"


def key_of(settlement_id: str) -> str:
    return f"{KEY_PREFIX}{settlement_id}"


def report_key(report_id: str) -> str:
    """The mapping key of one report (one issue of a settlement): what the poll records once the
    report is posted, so it is never downloaded again."""
    return f"{REPORT_PREFIX}{report_id}"


def category(line: FlatLine) -> Category:
    """What kind of money a line is, in the core's words (for the reserve account and the logs)."""
    tt, at, ad = (line.transaction_type.casefold(), line.amount_type.casefold(), line.amount_description.casefold())
    if "reserve" in ad:
        return "reserve"
    if at == "itemfees" or at == "cost of advertising" or "fee" in ad or "fee" in at:
        return "fee"
    if "chargeback" in tt or "a-to-z" in tt:
        return "dispute"
    if at in ("itemprice", "promotion", "itemwithheldtax"):
        return "refund" if "refund" in tt else "charge"
    if "reimbursement" in at or tt == "adjustment":
        return "adjustment"
    return "other"


def to_settlement(report: FlatSettlement) -> Settlement:
    sid = report.settlement_id
    entries = tuple(
        Entry(
            category=category(line),
            amount=line.amount,
            kind=line.kind,
            description=line.amount_description,
            source=f"{sid}:{line.row}",
            posted=line.posted,
        )
        for line in report.lines
    )
    return Settlement(
        key=key_of(sid),
        id=sid,
        number=f"AMZ-{sid}",
        status="paid",
        currency=report.currency,
        date=report.deposit_date.date(),
        deposit=report.total,
        gateway="amazon",
        payer=report.marketplace or "Amazon",
        entries=entries,
        reference=sid,
        label=f"Amazon settlement {sid}",
        period_end=min(report.end.date(), report.deposit_date.date()),
        named_kinds=True,
    )
