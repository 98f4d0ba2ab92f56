"""Amazon's settlement report, ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``, read (pure: no I/O).

The layout (https://developer-docs.amazon.com/sp-api/docs/settlement-reports-attributes):
tab-separated text, the first line its header; the first data row is the settlement's summary
(settlement-id, start and end dates, deposit-date, total-amount and currency filled, the rest
blank); every following row is one amount of one transaction, described by three columns,
``transaction-type``, ``amount-type`` and ``amount-description`` ("Price columns are condensed
into three general-purpose columns", https://developer-docs.amazon.com/sp-api/docs/report-type-values-settlement).
Columns are read by their header name, so an added column (real files carry ``promotion-id``) or
a reordered one changes nothing.

The file's own conventions, never assumed:

* **encoding**: the one the download names (its ``Content-Type`` charset) when it names one;
  else UTF-8 when the bytes are valid UTF-8 (a byte-order mark skipped), else ISO-8859-1, the
  encoding reports are decoded with in Airbyte's Amazon connector
  (airbytehq/airbyte ``source-amazon-seller-partner`` unit tests);
* **decimal separator**: marketplaces in continental Europe may write ``12,50`` where the US and
  UK write ``12.50``; the separator is read from the file's own amounts (the last ``.`` or ``,``
  followed by one or two digits), and only a file whose amounts show neither (whole amounts,
  e.g. yen) falls back to its marketplace's convention. A file mixing both is refused. Negative
  amounts may be written ``-55.00`` or ``(55.00)``;
* **dates**: ``2026-08-25 07:12:04 UTC``, ISO 8601 with an offset, a bare ``2026-08-25``, or the
  European ``25.08.2026`` (with or without a time).

The deprecated V1 flat file (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE``, 36 columns:
``price-type``/``price-amount``, ``item-related-fee-type``...) is recognised by its header and
refused with a message saying which report to use: its amounts are spread over other columns.

A settlement whose lines do not add up to its ``total-amount`` is read all the same
(:attr:`FlatSettlement.difference` names the gap): the booking parks it, never posts a plug.
"""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from xerosync.frozen import frozen

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
V1_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
REQUIRED = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "amount-type",
    "amount-description",
    "amount",
)
V1_COLUMNS = ("price-type", "price-amount", "item-related-fee-type", "item-related-fee-amount")

# Marketplaces whose files may write a decimal comma: continental Europe. Used only when the
# file's own amounts do not show their separator.
DECIMAL_COMMA = frozenset(
    {
        "amazon.de",
        "amazon.fr",
        "amazon.it",
        "amazon.es",
        "amazon.nl",
        "amazon.se",
        "amazon.pl",
        "amazon.com.be",
        "amazon.com.tr",
    }
)


class FlatFileError(ValueError):
    """The file is not a settlement report xerosync can read; the message says why and where."""


@frozen
class FlatLine:
    """One amount of a settlement, in Amazon's words."""

    row: int  # the file's line number (the header is line 1)
    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted: date | None
    order_id: str = ""
    adjustment_id: str = ""
    marketplace: str = ""
    sku: str = ""
    quantity: str = ""
    promotion_id: str = ""

    @property
    def kind(self) -> str:
        """What the settings map to an account: the three columns, as Amazon writes them."""
        return f"{self.transaction_type} / {self.amount_type} / {self.amount_description}"


@frozen
class FlatSettlement:
    settlement_id: str
    start: datetime
    end: datetime
    deposit_date: datetime
    total: Decimal  # the summary row's total-amount: what reaches the bank
    currency: str
    lines: tuple[FlatLine, ...]
    marketplace: str = ""
    decimal: str = "."  # the file's decimal separator

    @property
    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def difference(self) -> Decimal:
        """total-amount less what the lines add up to: zero in a consistent settlement."""
        return self.total - self.lines_total


def decode(data: bytes, charset: str | None = None) -> str:
    """The report's text in its own encoding (see the module's docstring)."""
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            raise FlatFileError(f"the report does not decode as its declared charset {charset!r}: {exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


_SEPARATOR = re.compile(r"([.,])\d{1,2}\)?$")


def decimal_separator(amounts: list[str], marketplace: str) -> str:
    """The separator the file's amounts use; the marketplace's when they do not say."""
    seen = {m.group(1) for a in amounts if (m := _SEPARATOR.search(a.strip()))}
    if len(seen) > 1:
        raise FlatFileError("the report writes amounts with both a decimal point and a decimal comma: not read")
    if seen:
        return seen.pop()
    return "," if marketplace.strip().lower() in DECIMAL_COMMA else "."


def parse_amount(text: str, separator: str, where: str) -> Decimal:
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    negative = raw.startswith("(") and raw.endswith(")")
    if negative:
        raw = raw[1:-1]
    thousands = "," if separator == "." else "."
    raw = raw.replace(thousands, "").replace(separator, ".")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", raw):
        raise FlatFileError(f"{where}: {text!r} is not an amount")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise FlatFileError(f"{where}: {text!r} is not an amount") from None
    return -value if negative else value


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?$"
)
_EU = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?$")


def parse_datetime(text: str, where: str) -> datetime:
    """A report date as an aware datetime (UTC when the file names no zone)."""
    value = text.strip()
    m = _ISO.match(value)
    if m:
        y, mo, d, hh, mi, ss, zone = m.groups()
    else:
        m = _EU.match(value)
        if not m:
            raise FlatFileError(f"{where}: {text!r} is not a date")
        d, mo, y, hh, mi, ss, zone = m.groups()
    tz = UTC
    if zone and zone not in ("UTC", "GMT", "Z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=tz)
    except ValueError:
        raise FlatFileError(f"{where}: {text!r} is not a date") from None


def parse(text: str | bytes, charset: str | None = None) -> FlatSettlement:
    """One settlement report, read (raises :class:`FlatFileError` saying why it cannot be)."""
    if isinstance(text, bytes):
        text = decode(text, charset)
    rows = [line.rstrip("\r").split("\t") for line in text.split("\n")]
    while rows and rows[-1] == [""]:
        rows.pop()
    if not rows:
        raise FlatFileError("the report is empty")
    header = [name.strip().lower() for name in rows[0]]
    if all(c in header for c in V1_COLUMNS) and "amount-type" not in header:
        raise FlatFileError(
            f"this is the deprecated V1 settlement flat file ({V1_REPORT_TYPE}: price-type, item-related-fee-type "
            f"and other fee columns, {len(header)} columns); xerosync reads {REPORT_TYPE}, which Amazon generates "
            "beside it for the same settlement: use that report"
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FlatFileError(f"not a {REPORT_TYPE} report: no column {', '.join(missing)} in its header")
    index = {name: i for i, name in enumerate(header)}

    def cell(row: list[str], name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    body = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)]
    summary = next(((n, row) for n, row in body if cell(row, "total-amount")), None)
    if summary is None:
        raise FlatFileError("the report has no summary row (the row with total-amount)")
    sn, srow = summary
    marketplace = next((cell(row, "marketplace-name") for _, row in body if cell(row, "marketplace-name")), "")
    amounts = [cell(srow, "total-amount")] + [cell(row, "amount") for n, row in body if n != sn]
    separator = decimal_separator([a for a in amounts if a], marketplace)
    settlement_id = cell(srow, "settlement-id")
    currency = cell(srow, "currency").upper()
    if not settlement_id or not currency:
        raise FlatFileError(f"line {sn}: the summary row has no settlement-id or currency")
    lines: list[FlatLine] = []
    for n, row in body:
        if n == sn:
            continue
        where = f"line {n}"
        if cell(row, "total-amount"):
            raise FlatFileError(f"{where}: a second summary row (one settlement per report)")
        if cell(row, "settlement-id") not in ("", settlement_id):
            raise FlatFileError(f"{where}: settlement {cell(row, 'settlement-id')}, the report's is {settlement_id}")
        if not cell(row, "amount"):
            raise FlatFileError(f"{where}: no amount")
        posted_text = cell(row, "posted-date") or cell(row, "posted-date-time")
        lines.append(
            FlatLine(
                row=n,
                transaction_type=cell(row, "transaction-type"),
                amount_type=cell(row, "amount-type"),
                amount_description=cell(row, "amount-description"),
                amount=parse_amount(cell(row, "amount"), separator, where),
                posted=parse_datetime(posted_text, where).date() if posted_text else None,
                order_id=cell(row, "order-id"),
                adjustment_id=cell(row, "adjustment-id"),
                marketplace=cell(row, "marketplace-name"),
                sku=cell(row, "sku"),
                quantity=cell(row, "quantity-purchased"),
                promotion_id=cell(row, "promotion-id"),
            )
        )
    where = f"line {sn}"
    return FlatSettlement(
        settlement_id=settlement_id,
        start=parse_datetime(cell(srow, "settlement-start-date"), where),
        end=parse_datetime(cell(srow, "settlement-end-date"), where),
        deposit_date=parse_datetime(cell(srow, "deposit-date"), where),
        total=parse_amount(cell(srow, "total-amount"), separator, where),
        currency=currency,
        lines=tuple(lines),
        marketplace=marketplace,
        decimal=separator,
    )


def summary_of(report: FlatSettlement) -> Mapping[str, str]:
    """The settlement's figures, for logs (ids and amounts, no customer data)."""
    return {
        "settlement_id": report.settlement_id,
        "currency": report.currency,
        "total": str(report.total),
        "lines": str(len(report.lines)),
        "difference": str(report.difference),
    }
