"""Settlements: the deposits a payment provider or a marketplace pays into the bank, and how each
is booked so that Xero explains the deposit to the cent (pure: no I/O).

A settlement (a payout of a store's payment service, a marketplace's settlement) is one deposit
(negative: a withdrawal) and the store's lines that make it: money customers paid through it
(``charge``), money given back (``refund``), the provider's fees, adjustments, disputes, reserves
held and released, the money of an earlier failed settlement paid out again (``retried``), and
whatever else the store reports (``other``: a kind of line the store added later, logged, never a
failure). The store's adapter reads them into :class:`Settlement` (its lines as :class:`Entry`),
in the store's words only where a merchant needs to recognise them (``Entry.kind``).

:func:`book` turns one settlement into the lines of one Xero document, by the settings
(``settlements:``), in one of two modes:

* ``per_order`` (the default): the sales are booked order by order, each payment into the
  gateway's clearing account; the settlement moves its net from clearing to the bank and books
  its fees, adjustments, disputes and reserves to their accounts (one bank transaction), so the
  clearing account nets to zero for what the settlement carried.
* ``summary``: no order documents; each sale a settlement carries is booked in it, in full
  (sales, discounts, shipping, duties, tips, gift cards sold, each with the store's tax), with
  the parts paid otherwise offset to where that money went (another gateway's clearing account,
  the gift-card liability for a gift card redeemed, a ``pending`` account for the gateway's money
  in another settlement or not paid yet); refunds likewise, negative. A sale is booked with the
  first of its payments through the settlement's gateway, so a sale paid in two settlements is
  booked once, whatever order they are posted in.

Either way the lines must add up to the deposit to the cent before anything is posted
(:attr:`Booking.difference`); a settlement that does not is parked with the difference named.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from datetime import date as Day  # a field below is named date
from decimal import Decimal
from typing import Literal, get_args

from xerosync.config import StoreSettings
from xerosync.config_settlements import SettlementMode, Tracking
from xerosync.domain import Refund, Sale, SaleLine, Tender
from xerosync.frozen import frozen
from xerosync.xero.lines import MappingError, allocate_tax, cents, line_account, line_tax_type

ZERO = Decimal("0")

Category = Literal["charge", "refund", "fee", "adjustment", "dispute", "reserve", "retried", "other"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
Status = Literal["pending", "paid", "failed", "canceled"]
Document = Literal["bank_transaction", "invoice", "credit_note", "bill"]


@frozen
class Entry:
    """One line of a settlement as the store reports it."""

    category: Category
    amount: Decimal  # signed: what it adds to the deposit (a fee is negative)
    kind: str = ""  # the store's own word for it (CHARGE, ADVANCE, "FBA storage fee")
    description: str = ""
    sale_key: str = ""  # charge / refund: the sale ("order:1001")
    tender: str = ""  # charge / refund: the store's id of the payment or refund transaction
    source: str = ""  # the store's id of this line, for logs
    via: str = ""  # the key of the failed settlement whose line this was (paid out again here)
    posted: date | None = None  # the day the store booked it (which month's document it goes in)


@frozen
class Settlement:
    key: str  # the mapping key, as the adapter makes it ("payout:623721858")
    id: str
    number: str  # the document number the store proposes ("SP-623721858")
    status: Status
    currency: str
    date: date  # the day of the deposit
    deposit: Decimal  # into the bank (negative: taken from it)
    gateway: str  # the payment gateway whose money this is, as the sales name it ("shopify_payments")
    payer: str  # who pays it, as a Xero contact name ("Shopify Payments")
    entries: tuple[Entry, ...] = ()
    reference: str = ""  # what the bank statement shows, where the store says
    label: str = ""  # for people: "Shopify payout 623721858"
    retries: tuple[str, ...] = ()  # keys of failed settlements whose lines this one pays out again
    period_end: Day | None = None  # the last day of the lines it carries, when before ``date``
    named_kinds: bool = False  # the store's words name every line: one the settings do not map goes to other
    revision: str = ""  # the store's id of this issue of the settlement (Amazon: the report id)

    @property
    def lines_total(self) -> Decimal:
        return sum((e.amount for e in self.entries), ZERO)

    @property
    def fingerprint(self) -> str:
        """A hash of what the store says the settlement is (its deposit, day, currency and every
        line's money, kind and day), not of how it is booked: a settlement issued again with the
        same content has the same fingerprint, a corrected one another (whatever the settings)."""
        lines = sorted(
            "|".join((e.category, e.kind, str(e.amount.normalize()), str(e.posted or ""), e.sale_key, e.tender))
            for e in self.entries
        )
        text = "\n".join([f"{self.id}|{self.currency}|{self.deposit.normalize()}|{self.date.isoformat()}", *lines])
        return hashlib.sha256(text.encode()).hexdigest()

    def sale_keys(self) -> list[str]:
        """The sales its payments and refunds belong to (what summary mode reads), in order."""
        return list(
            dict.fromkeys(e.sale_key for e in self.entries if e.sale_key and e.category in ("charge", "refund"))
        )


@frozen
class Line:
    """One line of the Xero document: money in the deposit's direction, tax included."""

    category: str
    account: str
    tax_type: str
    amount: Decimal
    description: str
    tax: Decimal | None = None  # the store's tax within ``amount``; None: Xero's, from the tax type
    rate: str = ""  # the store's tax rates (grouping by tax rate)
    group: str = ""  # the store's product type (grouping by product type)


@frozen
class Part:
    """One Xero document of a settlement: its mapping key, number, date and lines. A settlement
    split by month has one per month; all but the last add up to zero (their balance carried
    forward), the last to the deposit."""

    key: str
    number: str
    date: date
    lines: tuple[Line, ...]
    period: str = ""  # "2026-08" when split by month

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@frozen
class Booking:
    """A settlement as one Xero document's lines, and what was noticed on the way."""

    settlement: Settlement
    mode: SettlementMode
    number: str
    contact: str
    bank_account: str
    status: Literal["DRAFT", "AUTHORISED"]
    lines: tuple[Line, ...]
    tracking: Tracking | None = None
    notes: tuple[str, ...] = ()  # lines defaulted to the other account, sales not read...
    dated: date | None = None  # the document's date when not the deposit's (the last day of its lines)
    earlier: tuple[Part, ...] = ()  # split by month: the earlier months' documents, each totalling zero
    negative: Literal["credit_note", "bill"] = "credit_note"
    period: str = ""  # split by month: the month of this (the last) document

    @property
    def parts(self) -> list[Part]:
        """Every document of the settlement, the one totalling the deposit last."""
        s = self.settlement
        return [*self.earlier, Part(s.key, self.number, self.dated or s.date, self.lines, self.period)]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def difference(self) -> Decimal:
        """The deposit less what the lines add up to: zero, or the settlement is not posted."""
        return self.settlement.deposit - self.total

    @property
    def document(self) -> Document:
        if self.mode == "per_order":
            return "bank_transaction"
        return self.negative if self.settlement.deposit < 0 else "invoice"

    @property
    def reference(self) -> str:
        return self.settlement.reference or self.number

    def problem(self) -> str | None:
        """Why it cannot be posted as it is (None: it can)."""
        s = self.settlement
        if s.lines_total != s.deposit:
            return (
                f"{s.label or s.key}: its lines add up to {s.lines_total} {s.currency} but the deposit is "
                f"{s.deposit} {s.currency} ({s.deposit - s.lines_total} unexplained): not posted"
            )
        if self.difference:
            return (
                f"{s.label or s.key}: the Xero document would total {self.total} {s.currency}, the deposit is "
                f"{s.deposit} {s.currency} ({self.difference} apart): not posted"
            )
        if self.mode == "per_order" and s.deposit == 0:
            return f"{s.label or s.key}: a deposit of 0 has no bank line to explain: nothing posted"
        for part in self.earlier:
            if part.total:
                return f"{s.label or s.key}: document {part.number} would total {part.total}, not 0: not posted"
        return None


WORDS = {
    "charge": "Payments received",
    "refund": "Refunds paid",
    "fee": "Fees",
    "adjustment": "Adjustments",
    "dispute": "Disputes and chargebacks",
    "reserve": "Reserves held and released",
    "retried": "A failed settlement paid out again",
}
KIND_WORDS = {
    "product": "Sales",
    "shipping": "Shipping",
    "fee": "Fees charged",
    "duty": "Duties",
    "tip": "Tips",
    "gift_card": "Gift cards sold",
    "adjustment": "Adjustments",
}


def document_number(settlement: Settlement, settings: StoreSettings) -> str:
    prefix = settings.settlements.number_prefix
    return settlement.number if prefix is None else f"{prefix}{settlement.id}"


def book(settlement: Settlement, settings: StoreSettings, sales: Mapping[str, Sale] | None = None) -> Booking:
    """The lines of ``settlement``'s Xero document (``sales``: the sales it carries, read from the
    store, which summary mode books). Raises :class:`MappingError` when a setting is missing that
    the merchant must fill in (the bank account, a gateway's account, a tax rate's type)."""
    cfg = settings.settlements
    bank = bank_account(settlement, settings)
    grouping = cfg.grouping if cfg.mode == "summary" else "single"
    notes: list[str] = []

    def lines_of(entries: Iterable[Entry]) -> list[Line]:
        books = _Books(settlement, settings, sales or {}, notes=notes)
        for entry in entries:
            if cfg.mode == "summary" and entry.category in ("charge", "refund") and entry.sale_key:
                books.compose(entry)
            else:
                books.plain(entry)
        return group(books.lines, grouping)

    number = document_number(settlement, settings)
    months = _months(settlement) if cfg.split_by_month and cfg.mode == "summary" else {}
    earlier: list[Part] = []
    carried = ZERO
    if len(months) > 1:
        *first, last = sorted(months)
        account = cfg.accounts.carried_forward or ""
        for month in first:
            lines = lines_of(months[month])
            balance = sum((line.amount for line in lines), ZERO)
            if balance:
                lines.append(Line("carried_forward", account, settings.tax.no_tax, -balance, CARRIED_OUT))
            carried += balance
            earlier.append(
                Part(f"{settlement.key}#{month}", f"{number}-{month}", _month_end(month), tuple(lines), month)
            )
        final = lines_of(months[last])
        if carried:
            final.append(Line("carried_forward", account, settings.tax.no_tax, carried, CARRIED_IN))
        number, period = f"{number}-{last}", last
    else:
        final, period = lines_of(settlement.entries), ""
    return Booking(
        settlement=settlement,
        mode=cfg.mode,
        number=number,
        contact=cfg.contact or settlement.payer,
        bank_account=bank,
        status="AUTHORISED" if cfg.mode == "per_order" else cfg.status,
        lines=tuple(final),
        tracking=cfg.tracking or settings.tracking,
        notes=tuple(dict.fromkeys(notes)),
        dated=settlement.period_end,
        earlier=tuple(earlier),
        negative=cfg.negative,
        period=period,
    )


def bank_account(settlement: Settlement, settings: StoreSettings) -> str:
    """The Xero bank account a settlement's deposit lands in: the one of its currency when the
    settings name accounts per currency (``settlements.bank_accounts``), else ``bank_account``.
    Xero pays a document in another currency only from an account in that currency or the base
    currency, and the bank statement line is in the deposit's currency: a currency the settings
    do not name is refused, not paid from an account in another one."""
    cfg = settings.settlements
    if cfg.bank_accounts:
        code = cfg.bank_accounts.get(settlement.currency.upper())
        if not code:
            named = ", ".join(sorted(cfg.bank_accounts))
            raise MappingError(
                f"{settlement.label or settlement.key} is in {settlement.currency}, and settlements.bank_accounts "
                f'names a bank account for {named} only: add {settlement.currency}: "<code of your '
                f'{settlement.currency} bank account in Xero>" (nothing is posted until then)'
            )
        return code
    if not cfg.bank_account:
        raise MappingError("settlements.bank_account is not set: the Xero bank account the deposits land in")
    return cfg.bank_account


CARRIED_OUT = "Balance carried forward to next period of this settlement"
CARRIED_IN = "Carried forward from previous period of this settlement"


def _months(settlement: Settlement) -> dict[str, list[Entry]]:
    """The settlement's lines by the month they were booked in; a line with no day, or one after
    the last month of the settlement, in the last."""
    last = (settlement.period_end or settlement.date).strftime("%Y-%m")
    out: dict[str, list[Entry]] = {}
    for entry in settlement.entries:
        month = entry.posted.strftime("%Y-%m") if entry.posted else last
        out.setdefault(min(month, last), []).append(entry)
    return out


def _month_end(month: str) -> date:
    year, number = (int(x) for x in month.split("-"))
    after = date(year + (number == 12), number % 12 + 1, 1)
    return date.fromordinal(after.toordinal() - 1)


def group(lines: Iterable[Line], grouping: str) -> list[Line]:
    """Lines of one kind added together: per account and tax type (``single``), and per store tax
    rate (``tax_rate``) or product type (``product_type``); lines that come to nothing dropped."""
    merged: dict[tuple[str, ...], Line] = {}
    for line in lines:
        key: tuple[str, ...] = (line.category, line.account, line.tax_type, line.description)
        if grouping == "tax_rate":
            key += (line.rate,)
        elif grouping == "product_type":
            key += (line.group,)
        seen = merged.get(key)
        if seen is None:
            merged[key] = line
            continue
        tax = None if seen.tax is None and line.tax is None else (seen.tax or ZERO) + (line.tax or ZERO)
        merged[key] = Line(
            seen.category,
            seen.account,
            seen.tax_type,
            seen.amount + line.amount,
            seen.description,
            tax,
            seen.rate,
            seen.group,
        )
    out = []
    for line in merged.values():
        if line.amount == 0 and not line.tax:
            continue
        description = line.description
        if grouping == "tax_rate" and line.rate:
            description += f" ({line.rate})"
        elif grouping == "product_type" and line.group:
            description += f": {line.group}"
        out.append(Line(line.category, line.account, line.tax_type, line.amount, description, line.tax))
    return out


@dataclass
class _Books:
    """What :func:`book` collects, line by line."""

    settlement: Settlement
    settings: StoreSettings
    sales: Mapping[str, Sale]
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> "SettlementAccountsView":
        return SettlementAccountsView(self.settlement, self.settings, self.notes)

    def add(self, category: str, account: str, amount: Decimal, description: str, tax_type: str | None = None) -> None:
        self.lines.append(Line(category, account, tax_type or self.settings.tax.no_tax, amount, description))

    # --- lines booked as the store reports them ------------------------------------------------
    def plain(self, entry: Entry) -> None:
        account, tax_type = self.accounts.of(entry)
        named = self.settings.settlements.accounts.kind(entry.kind) is not None
        if named or (self.settlement.named_kinds and entry.category == "reserve"):
            description = entry.kind
        elif entry.category == "other" or self.settlement.named_kinds:
            description = f"Other: {entry.kind}"
        else:
            description = WORDS[entry.category]
        self.add(entry.category, account, entry.amount, description, tax_type=tax_type)

    # --- summary mode: a sale's payment or a refund, as what was sold or given back -------------
    def compose(self, entry: Entry) -> None:
        sale = self.sales.get(entry.sale_key)
        s = self.settlement
        if sale is None or sale.currency != s.currency:
            why = (
                "was not read from the store" if sale is None else f"is in {sale.currency}, the deposit in {s.currency}"
            )
            self.notes.append(f"{entry.sale_key} {why}: its {entry.category} of {entry.amount} is booked as one line")
            self.fallback(entry)
            return
        if entry.category == "charge":
            tenders = sale.payments
            money = self.sale_lines(sale)
            total, sign = sale.total, Decimal(1)
        else:
            refund = next((r.detail for r in sale.refunds if r.detail and _has(r.detail.payments, entry.tender)), None)
            if refund is None:
                self.notes.append(
                    f"{entry.sale_key}: no refund of it has transaction {entry.tender}: booked as one line"
                )
                self.fallback(entry)
                return
            tenders = refund.payments
            money = self.refund_lines(refund, sale)
            total, sign = refund.amount, Decimal(-1)
        own = [t for t in tenders if t.gateway == s.gateway]
        if not _has(own, entry.tender):
            self.notes.append(
                f"{entry.sale_key}: transaction {entry.tender} is not one of its {s.gateway} payments: "
                "booked as one line"
            )
            self.fallback(entry)
            return
        pending = self.accounts.pending()
        if own[0].id != entry.tender:  # the sale (or refund) was booked with its first payment
            self.add("pending", pending, entry.amount, "Booked with an earlier settlement")
            return
        self.lines.extend(money)
        paid = ZERO
        for t in tenders:
            paid += t.amount
            if t.id == entry.tender:
                continue
            if t.gateway == s.gateway:
                self.add("pending", pending, -sign * t.amount, "In other settlements")
            else:
                account = self.accounts.gateway(t)
                self.add("gateway", account, -sign * t.amount, f"Paid by {t.gateway_title or t.gateway}")
        if total != paid:
            self.add("pending", pending, -sign * (total - paid), "Not paid yet" if sign > 0 else "Not refunded yet")
        own_amount = next(t.amount for t in own if t.id == entry.tender)
        if entry.amount != sign * own_amount:
            self.notes.append(
                f"{entry.sale_key}: the settlement carries {entry.amount} for transaction {entry.tender}, "
                f"the store recorded {sign * own_amount}: the difference is pending"
            )
            self.add("pending", pending, entry.amount - sign * own_amount, "Difference to the store's amount")

    def fallback(self, entry: Entry) -> None:
        words = "Sales" if entry.category == "charge" else "Refunds"
        self.add("sale" if entry.category == "charge" else "refund", self.settings.accounts.sales, entry.amount, words)

    def sale_lines(self, sale: Sale) -> list[Line]:
        return self.priced(sale.lines, sale, sale.total, sale.total_tax, Decimal(1))

    def refund_lines(self, refund: Refund, sale: Sale) -> list[Line]:
        if not refund.lines:  # an amount only: the order's tax type when it has one, else none
            rate_sets = {line.tax_rate_ids for line in sale.lines}
            probe = SaleLine("product", "refund", "Refund", Decimal(1), ZERO, ZERO, ZERO, ZERO, next(iter(rate_sets)))
            tax_type = line_tax_type(probe, sale.tax_rates, self.settings) if len(rate_sets) == 1 else None
            account = self.settings.accounts.sales
            return [Line("refund", account, tax_type or self.settings.tax.no_tax, -refund.amount, "Refunds")]
        tax = sum((line.tax for line in refund.lines), ZERO)
        return self.priced(refund.lines, sale, refund.amount, tax, Decimal(-1))

    def priced(
        self, lines: Iterable[SaleLine], sale: Sale, total: Decimal, total_tax: Decimal, sign: Decimal
    ) -> list[Line]:
        """Each store line as money with its tax (taxes rounded to add up to the store's), its
        discount on a line of its own, and one rounding line for what the cents leave over."""
        lines = [line for line in lines if line.total or line.tax or line.subtotal]
        taxes = allocate_tax([line.tax for line in lines], total_tax)
        discounts = self.settings.settlements.accounts.discounts
        out: list[Line] = []
        for line, tax in zip(lines, taxes, strict=True):
            account = line_account(line, self.settings)
            tax_type = line_tax_type(line, sale.tax_rates, self.settings)
            rate = ", ".join(sale.tax_rates[i].label or i if i in sale.tax_rates else i for i in line.tax_rate_ids)
            words = KIND_WORDS[line.kind] if sign > 0 else f"Refunded: {KIND_WORDS[line.kind].lower()}"
            money = cents(line.total) + tax
            before = cents(line.subtotal) + cents(line.subtotal_tax)
            if line.kind == "product" and before != money and line.subtotal:
                before_tax = cents(line.subtotal_tax)
                out.append(Line("sale", account, tax_type, sign * before, words, sign * before_tax, rate, line.group))
                out.append(
                    Line(
                        "discount",
                        discounts or account,
                        tax_type,
                        sign * (money - before),
                        "Discounts" if sign > 0 else "Refunded: discounts",
                        sign * (tax - before_tax),
                        rate,
                        line.group,
                    )
                )
            else:
                out.append(Line("sale", account, tax_type, sign * money, words, sign * tax, rate, line.group))
        left = sign * cents(total) - sum((line.amount for line in out), ZERO)
        if left:
            out.append(
                Line(
                    "rounding",
                    self.settings.accounts.rounding,
                    self.settings.tax.rounding,
                    left,
                    "Rounding (the store's and Xero's)",
                    ZERO,
                )
            )
        return out


@frozen
class SettlementAccountsView:
    """Which account each line goes to, by the settings; notes what was defaulted."""

    settlement: Settlement
    settings: StoreSettings
    notes: list[str]

    def other(self, why: str) -> str:
        code = self.settings.settlements.accounts.other
        if not code:
            raise MappingError("settlements.accounts.other is not set: the account of lines no other setting covers")
        self.notes.append(f"{why}: booked to the other account {code}")
        return code

    def clearing(self) -> str:
        cfg = self.settings.settlements.accounts
        code = cfg.clearing or self.settings.payment_account(self.settlement.gateway)
        if not code:
            raise MappingError(
                f"no clearing account for {self.settlement.gateway}: set settlements.accounts.clearing or "
                f'payments.accounts."{self.settlement.gateway}" to the account its payments go to'
            )
        return code

    def pending(self) -> str:
        code = self.settings.settlements.accounts.pending
        if code:
            return code
        try:
            return self.clearing()
        except MappingError:
            return self.other("money of sales paid in other settlements (no pending or clearing account)")

    def gateway(self, tender: Tender) -> str:
        code = self.settings.payment_account(tender.gateway)
        if code is None:
            raise MappingError(
                f"payment gateway {tender.gateway!r} ({tender.gateway_title or tender.gateway}) has no Xero account: "
                f'add "{tender.gateway}": "<account code>" under payments.accounts in the store settings'
            )
        return code

    def of(self, entry: Entry) -> tuple[str, str | None]:
        """The account and tax type of a line booked as the store reports it."""
        cfg = self.settings.settlements
        mapped = cfg.accounts.kind(entry.kind)
        if mapped:
            return mapped.account, mapped.tax_type
        a = cfg.accounts
        label = self.settlement.label or self.settlement.key
        if self.settlement.named_kinds and entry.category != "reserve":
            return self.other(f"{label}: {entry.kind!r} is not mapped in settlements.accounts.by_type"), None
        if entry.category in ("charge", "refund"):
            return self.clearing(), None
        if entry.category == "fee":
            return a.fees or self.settings.accounts.fees, cfg.fee_tax
        if entry.category == "adjustment":
            return a.adjustments or self.settings.accounts.adjustments or self.other(f"{label}: adjustments"), None
        named = {"dispute": a.disputes, "reserve": a.reserves, "retried": a.retried}
        if entry.category in named:
            return named[entry.category] or self.other(f"{label}: {WORDS[entry.category].lower()}"), None
        return self.other(f"{label}: {entry.kind or 'a line'} is a kind of line xerosync does not know"), None


def _has(tenders: Iterable[Tender], tender_id: str) -> bool:
    return any(t.id == tender_id for t in tenders)
