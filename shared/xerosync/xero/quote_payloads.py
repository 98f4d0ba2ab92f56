"""Quotes and purchases -> Xero request bodies (pure): quotes, purchase orders and ACCPAY bills.

Their lines are built as every sale's (:func:`xerosync.xero.lines.line_items`: each line's tax
carried as ``TaxAmount``, rounded so the lines add up to the source's tax; a rounding line for what
is left), with two differences Xero imposes:

* neither ``/Quotes`` nor ``/PurchaseOrders`` takes ``unitdp`` (Xero's OpenAPI spec lists it for
  neither; https://developer.xero.com/documentation/api/accounting/quotes), so their unit amounts
  are sent at 2 dp. A line whose unit price needs more keeps its exact amount on a quote through
  its ``DiscountAmount`` (discounts are "supported on ACCREC invoices and quotes", the spec's
  ``LineItem``); otherwise the few cents that 2 dp moves go to the rounding line, which is
  recomputed from the lines as Xero will compute them;
* purchases take no discount (purchase orders and ACCPAY bills do not support one, same source):
  a purchase line is priced at what it comes to after its discount.

A purchase's lines go to the purchasing account and its taxes to the purchasing tax types
(:class:`Purchasing`), not the sales ones.
"""

from collections.abc import Mapping
from dataclasses import asdict, replace
from decimal import ROUND_CEILING, Decimal
from typing import Any

from xerosync.config import StoreSettings
from xerosync.config_quotes import BillStatuses, PurchaseOrderStatuses, Purchasing, QuoteStatuses
from xerosync.domain import Purchase, PurchaseStage, Quote, QuoteStage, Sale
from xerosync.xero.lines import CENT, ROUNDING_LINE, ZERO, MappingError, cents, limit, line_items, plain

# the default settings' statuses of each stage (``quotes.statuses``, ``purchasing.*_statuses``)
QUOTE_STATUS: dict[QuoteStage, str] = asdict(QuoteStatuses())  # type: ignore[assignment]
PURCHASE_ORDER_STATUS: dict[PurchaseStage, str] = asdict(PurchaseOrderStatuses())  # type: ignore[assignment]
BILL_STATUS: dict[PurchaseStage, str] = asdict(BillStatuses())  # type: ignore[assignment]


def quote_status(settings: StoreSettings, stage: QuoteStage) -> str:
    """The Xero status of a quote at ``stage``, as the settings say (``quotes.statuses``)."""
    return str(getattr(settings.quotes.statuses, stage))


def order_status(purchasing: Purchasing, stage: PurchaseStage) -> str:
    """The Xero status of a purchase order at ``stage`` (``purchasing.order_statuses``)."""
    return str(getattr(purchasing.order_statuses, stage))


def bill_status(purchasing: Purchasing, stage: PurchaseStage) -> str:
    """The Xero status of a purchase's ACCPAY bill at ``stage`` (``purchasing.bill_statuses``)."""
    return str(getattr(purchasing.bill_statuses, stage))


# what an update that only moves a quote's status leaves out: Xero refuses changes to these once a
# quote is no longer a draft or sent (and re-sending them would re-price it); the descriptive
# fields stay in, since an update that leaves them out clears them
# (https://github.com/XeroAPI/xero-mcp-server/pull/309)
FINANCIAL = ("Contact", "LineItems", "LineAmountTypes", "CurrencyCode")
ROUNDING_DESCRIPTION = "Rounding (difference between the source's and Xero's rounding)"


def _purchase_lines(
    sale: Sale, settings: StoreSettings, purchasing: Purchasing, **options: Any
) -> list[dict[str, Any]]:
    """A purchase's lines, on the purchase side (a tax rate it cannot map names the setting to fix)."""
    try:
        return _lines(sale, _purchase_settings(settings, purchasing), discounts=False, **options)
    except MappingError as exc:
        raise MappingError(f"{exc} - for a purchase: under purchasing.tax_rates, not tax.rates") from None


def _purchase_settings(settings: StoreSettings, purchasing: Purchasing) -> StoreSettings:
    account = purchasing.account
    accounts = replace(settings.accounts, sales=account, shipping=account, fees=account, duties=account, tips=account)
    accounts = replace(accounts, adjustments=account, gift_cards=account)
    tax = replace(settings.tax, rates=dict(purchasing.tax_rates), no_tax=purchasing.no_tax, gift_cards=None)
    return replace(settings, accounts=accounts, tax=tax)


def _amount(line: Mapping[str, Any]) -> Decimal:
    """A line's amount as Xero computes it: round2(Quantity x UnitAmount) less its discount."""
    gross = cents(Decimal(line["Quantity"]) * Decimal(line["UnitAmount"]))
    return gross - Decimal(line.get("DiscountAmount") or ZERO)


def _two_places(line: dict[str, Any], *, discounts: bool) -> dict[str, Any]:
    """``line`` with its unit amount at 2 dp: on a quote the unit amount rounded up and the
    difference a discount, so the line keeps its exact amount; else priced at its amount after
    discount, the cents that moves left to the rounding line."""
    exact = _amount(line)
    unit = Decimal(line["UnitAmount"])
    quantity = Decimal(line["Quantity"])
    if unit == cents(unit) and (discounts or "DiscountAmount" not in line):
        return dict(line)
    out = {k: v for k, v in line.items() if k != "DiscountAmount"}
    if discounts and exact >= 0 and unit >= 0:
        up = unit.quantize(CENT, rounding=ROUND_CEILING)
        discount = cents(quantity * up) - exact
        out["UnitAmount"] = plain(up)
        if discount:
            out["DiscountAmount"] = discount
        return out
    out["UnitAmount"] = plain(cents(exact / quantity))
    return out


def _lines(
    sale: Sale,
    settings: StoreSettings,
    *,
    discounts: bool,
    two_places: bool,
    item_codes: Mapping[str, str],
    line_ids: Mapping[str, str],
) -> list[dict[str, Any]]:
    built = line_items(
        sale.lines,
        inclusive=sale.prices_include_tax,
        total=sale.total,
        total_tax=sale.total_tax,
        rates=sale.tax_rates,
        settings=settings,
        item_codes=item_codes,
        line_ids=line_ids,
    )[: len(sale.lines)]  # the rounding line, if any, is made again below
    if two_places or not discounts:
        built = [_two_places(line, discounts=discounts) if two_places else _undiscounted(line) for line in built]
    amounts = sum((_amount(line) for line in built), ZERO)
    taxes = sum((Decimal(line["TaxAmount"]) for line in built), ZERO)
    difference = cents(sale.total) - (amounts if sale.prices_include_tax else amounts + taxes)
    if difference:
        rounding: dict[str, Any] = {
            "Description": ROUNDING_DESCRIPTION,
            "Quantity": Decimal(1),
            "UnitAmount": difference,
            "AccountCode": settings.accounts.rounding,
            "TaxType": settings.tax.rounding,
            "TaxAmount": ZERO,
        }
        if ROUNDING_LINE in line_ids:
            rounding["LineItemID"] = line_ids[ROUNDING_LINE]
        built.append(rounding)
    return built


def _undiscounted(line: dict[str, Any]) -> dict[str, Any]:
    """A line priced at its amount after discount, without one (4 dp unit amounts: bills)."""
    if "DiscountAmount" not in line:
        return line
    out = {k: v for k, v in line.items() if k != "DiscountAmount"}
    out["UnitAmount"] = plain((_amount(line) / Decimal(line["Quantity"])).quantize(Decimal("0.0001")))
    return out


def quote(
    offer: Quote,
    contact_id: str,
    settings: StoreSettings,
    *,
    item_codes: Mapping[str, str] | None = None,
    line_ids: Mapping[str, str] | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """A Xero quote for ``offer`` whose Total equals the source's to the cent (``status``: the one
    to send, when it is not yet the stage's own, e.g. on creation)."""
    sale = offer.body
    body: dict[str, Any] = {
        "Contact": {"ContactID": contact_id},
        "QuoteNumber": limit(sale.number, 255),
        "Reference": limit(f"Quote {sale.number}", 4000),
        "Date": sale.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "INCLUSIVE" if sale.prices_include_tax else "EXCLUSIVE",
        "Status": status or quote_status(settings, offer.stage),
        "LineItems": _lines(
            sale, settings, discounts=True, two_places=True, item_codes=item_codes or {}, line_ids=line_ids or {}
        ),
    }
    if offer.expiry:
        body["ExpiryDate"] = offer.expiry.isoformat()
    for name, text, size in (
        ("Title", offer.title, 100),
        ("Summary", offer.summary, 3000),
        ("Terms", offer.terms, 4000),
    ):
        if text:
            body[name] = limit(text, size)
    return body


def purchase_order(
    purchase: Purchase,
    contact_id: str,
    settings: StoreSettings,
    purchasing: Purchasing,
    *,
    item_codes: Mapping[str, str] | None = None,
    line_ids: Mapping[str, str] | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """A Xero purchase order for ``purchase`` whose Total equals the source's to the cent."""
    sale = purchase.body
    body: dict[str, Any] = {
        "Contact": {"ContactID": contact_id},
        "PurchaseOrderNumber": limit(sale.number, 255),
        "Reference": limit(f"Purchase order {sale.number}", 255),
        "Date": sale.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": status or order_status(purchasing, purchase.stage),
        "LineItems": _purchase_lines(
            sale, settings, purchasing, two_places=True, item_codes=item_codes or {}, line_ids=line_ids or {}
        ),
    }
    if purchase.delivery_date:
        body["DeliveryDate"] = purchase.delivery_date.isoformat()
    for name, text, size in (
        ("DeliveryAddress", purchase.delivery_address, 4000),
        ("AttentionTo", purchase.attention_to, 255),
        ("Telephone", purchase.telephone, 50),
        ("DeliveryInstructions", purchase.delivery_instructions, 500),
    ):
        if text:
            body[name] = limit(text, size)
    return body


def bill(
    purchase: Purchase,
    contact_id: str,
    settings: StoreSettings,
    purchasing: Purchasing,
    *,
    item_codes: Mapping[str, str] | None = None,
    line_ids: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An ACCPAY bill for ``purchase`` (sent with ``unitdp=4``, as invoices are), its Total the
    source's to the cent. Its number is the purchase's: ACCPAY numbers need not be unique."""
    sale = purchase.body
    return {
        "Type": "ACCPAY",
        "Contact": {"ContactID": contact_id},
        "InvoiceNumber": limit(sale.number, 255),
        "Reference": limit(f"Purchase order {sale.number}", 255),
        "Date": sale.date.isoformat(),
        "DueDate": (purchase.delivery_date or sale.date).isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": bill_status(purchasing, purchase.stage),
        "LineItems": _purchase_lines(
            sale, settings, purchasing, two_places=False, item_codes=item_codes or {}, line_ids=line_ids or {}
        ),
    }


def status_move(body: Mapping[str, Any], status: str) -> dict[str, Any]:
    """An update of a quote or purchase order that moves only its status: its descriptive fields
    as ``body`` has them (Xero clears a quote's when an update leaves them out), not its money."""
    return {**{k: v for k, v in body.items() if k not in FINANCIAL}, "Status": status}
