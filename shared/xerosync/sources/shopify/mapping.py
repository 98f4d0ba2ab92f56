"""Shopify records, in the Admin GraphQL API's shape (:mod:`.queries`), into the domain (pure).

Webhook bodies (REST-shaped) are first put in the same shape by :mod:`.rest`, so there is one
reading of each record. The rules, with Shopify's reference for each
(https://shopify.dev/docs/api/admin-graphql/latest/objects/Order and the objects it names):

* money is the shop's (``shopMoney``) unless the settings say ``presentment``; amounts are
  Decimal from their strings;
* ``taxesIncluded`` says whether prices include tax; each line's tax is the sum of its
  ``taxLines``, and names its rates by (title, rate): the rate id ``"GST 10%"`` (code ``"GST"``),
  so the merchant maps ``"GST 10%"`` (or just ``"GST"``) to a Xero tax type;
* a line's discount is the sum of its ``discountAllocations`` (order-level discounts included:
  Shopify allocates them to lines); shipping lines likewise; removed shipping lines are left out;
* duties are lines of kind ``duty``, tips (``tip_titles``) of kind ``tip``, gift cards sold
  (``isGiftCard``) of kind ``gift_card`` (a liability, not revenue); an order whose tip is only
  in ``totalTipReceivedSet`` (no line item is a tip) gets one untaxed ``tip`` line of it, so the
  tip is booked to the tips account rather than left for the rounding line;
* payments are the successful SALE and CAPTURE transactions, one tender each, by gateway; a gift
  card redeemed is a tender of the gateway ``gift_card``;
* a refund's money is the sum of its successful REFUND transactions: the truth, whatever its
  lines say (Shopify's own refunds/create sample has lines worth 414.95 and 85.00 refunded).
  Its lines are what was refunded; the difference is one line of kind ``adjustment``, so the
  credit note's lines add up to the money exactly;
* the sale is the order as it stands after **order edits**, before refunds (each refund is a
  credit note of its own): a line's ``quantity`` counts the units an edit removed and
  ``currentQuantity`` does not ("excluding refunded and removed units":
  https://shopify.dev/docs/api/admin-graphql/latest/objects/LineItem), so the units removed are
  ``quantity - currentQuantity -`` those the refunds took. They come off the line (its amount,
  discount and tax in proportion, rounded to the cent) and off the order's ``totalPriceSet`` and
  ``totalTaxSet``, which stay as ordered (the ``current*`` totals are the ones that follow edits,
  and refunds too). On a paid order the core books the decrease as a credit note, never an edit of
  the paid invoice. When a refund of the order is known only as a summary (a bulk export) the
  units it took cannot be told from removed ones, and no removal is assumed.
"""

from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from xerosync import documents
from xerosync.domain import Refund, RefundSummary, Sale, SaleLine, TaxRate
from xerosync.sources.shopify.parties import party_from_order
from xerosync.sources.shopify.settings import ShopifySettings
from xerosync.sources.shopify.values import (
    ONE,
    ZERO,
    Currency,
    Record,
    legacy_id,
    line_taxes,
    money,
    nodes,
    sale_line,
    shop_day,
    tenders,
)
from xerosync.timestamps import store_time


def _discount(allocations: Any, currency: Currency) -> Decimal:
    return sum((money(a.get("allocatedAmountSet"), currency) for a in nodes(allocations)), ZERO)


CENT = Decimal("0.01")


def _removed_share(whole: Decimal, removed: Decimal, quantity: Decimal) -> Decimal:
    """The removed units' share of a line amount, to the cent (all of it when every unit went)."""
    return whole if removed >= quantity else (whole * removed / quantity).quantize(CENT, ROUND_HALF_UP)


def _line_money(item: Record, cur: Currency, removed: int = 0) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A line item's quantity, gross, discount and tax, less the share of ``removed`` units."""
    quantity = Decimal(int(item.get("quantity") or 0))
    unit = money(item.get("originalUnitPriceSet"), cur)
    gross = money(item.get("originalTotalSet"), cur) if item.get("originalTotalSet") else unit * quantity
    discount = _discount(item.get("discountAllocations"), cur)
    tax = sum((money(t.get("priceSet"), cur) for t in nodes(item.get("taxLines"))), ZERO)
    if removed and quantity:
        gone = Decimal(removed)
        gross -= _removed_share(gross, gone, quantity)
        discount -= _removed_share(discount, gone, quantity)
        tax -= _removed_share(tax, gone, quantity)
        quantity -= gone
    return quantity, gross, discount, tax


def removed_by_edits(order: Record, cur: Currency, removed: dict[str, int]) -> tuple[Decimal, Decimal]:
    """What order edits took off the order's total and its tax (the totals' own convention: the
    tax counts in the total only when prices exclude it)."""
    inclusive = bool(order.get("taxesIncluded"))
    total, tax = ZERO, ZERO
    for item in nodes(order.get("lineItems")):
        gone = removed.get(legacy_id(item, "line item"), 0)
        if not gone:
            continue
        _, gross, discount, line_tax = _line_money(item, cur)
        _, gross_now, discount_now, tax_now = _line_money(item, cur, gone)
        total += (gross - discount) - (gross_now - discount_now)
        tax += line_tax - tax_now
    return total + (ZERO if inclusive else tax), tax


def removed_units(order: Record) -> dict[str, int] | None:
    """Units order edits removed, by line id (None when a refund's lines are not known: see above)."""
    refunds = nodes(order.get("refunds"))
    if any("refundLineItems" not in r for r in refunds):
        return None
    refunded: dict[str, int] = {}
    for refund in refunds:
        for line in nodes(refund.get("refundLineItems")):
            key = legacy_id(line.get("lineItem") or {}, "line item") if line.get("lineItem") else ""
            refunded[key] = refunded.get(key, 0) + int(line.get("quantity") or 0)
    removed = {}
    for item in nodes(order.get("lineItems")):
        if item.get("currentQuantity") is None:
            continue
        line_id = legacy_id(item, "line item")
        gone = int(item.get("quantity") or 0) - int(item["currentQuantity"]) - refunded.get(line_id, 0)
        if gone > 0:
            removed[line_id] = gone
    return removed


def _item_lines(
    item: Record,
    inclusive: bool,
    cur: Currency,
    rates: dict[str, TaxRate],
    cfg: ShopifySettings,
    removed: int = 0,
) -> list[SaleLine]:
    """The sale lines of a line item (``removed``: units an order edit took off it)."""
    line_id = legacy_id(item, "line item")
    _, ids = line_taxes(nodes(item.get("taxLines")), cur, rates)
    quantity, gross, discount, tax = _line_money(item, cur, removed)
    title = str(item.get("name") or item.get("title") or "")
    no_product = not item.get("product") and not item.get("variant")
    if item.get("isGiftCard"):
        kind = "gift_card"
    elif no_product and str(item.get("title") or "").strip() in cfg.tip_titles:
        kind = "tip"
    else:
        kind = "product"
    variant = item.get("variant")
    product = (
        f"product:{legacy_id(variant)}"
        if variant
        else (f"product:{legacy_id(item['product'])}" if item.get("product") else None)
    )
    sku = str(item.get("sku") or (variant or {}).get("sku") or "").strip() or None
    lines = [
        sale_line(kind, f"line:{line_id}", title, quantity or ONE, gross, discount, tax, ids, inclusive, sku, product)
    ]
    if removed and not quantity:
        lines = []  # every unit removed: the line is gone from the order
    for duty in nodes(item.get("duties")):
        duty_tax, duty_ids = line_taxes(nodes(duty.get("taxLines")), cur, rates)
        amount = money(duty.get("price"), cur)
        lines.append(
            sale_line(
                "duty",
                f"duty:{legacy_id(duty, 'duty')}",
                f"Duties: {title}",
                ONE,
                amount,
                ZERO,
                duty_tax,
                duty_ids,
                False,
            )
        )
    return lines


def _shipping_line(line: Record, inclusive: bool, cur: Currency, rates: dict[str, TaxRate]) -> SaleLine:
    tax, ids = line_taxes(nodes(line.get("taxLines")), cur, rates)
    gross = money(line.get("originalPriceSet"), cur)
    discount = _discount(line.get("discountAllocations"), cur)
    if not discount and line.get("discountedPriceSet"):
        discount = gross - money(line.get("discountedPriceSet"), cur)
    return sale_line(
        "shipping",
        f"shipping:{legacy_id(line, 'shipping line')}",
        str(line.get("title") or "Shipping"),
        ONE,
        gross,
        discount,
        tax,
        ids,
        inclusive,
    )


# --- orders ---------------------------------------------------------------------------------
def sale_from_order(order: Record, cfg: ShopifySettings, *, own_offsets: bool = False) -> Sale:
    """The sale an order is. ``own_offsets``: the record's times carry the shop's offset (REST
    bodies), so its days are read from them; else (the GraphQL API's UTC) in ``cfg.timezone``."""
    zone = None if own_offsets else cfg.zone
    if not isinstance(order.get("lineItems"), Mapping | list):
        raise ValueError("a Shopify order summary, not the order: the sync reads the whole order")
    cur: Currency = cfg.currency
    order_id = legacy_id(order, "order")
    inclusive = bool(order.get("taxesIncluded"))
    rates: dict[str, TaxRate] = {}
    lines: list[SaleLine] = []
    removed = removed_units(order) or {}
    for item in nodes(order.get("lineItems")):
        lines.extend(_item_lines(item, inclusive, cur, rates, cfg, removed.get(legacy_id(item, "line item"), 0)))
    edited = removed_by_edits(order, cur, removed)
    for shipping in nodes(order.get("shippingLines")):
        if not shipping.get("isRemoved"):
            lines.append(_shipping_line(shipping, inclusive, cur, rates))
    tip = money(order.get("totalTipReceivedSet"), cur)
    if tip and not any(line.kind == "tip" for line in lines):
        lines.append(sale_line("tip", "tip", "Tip", ONE, tip, ZERO, ZERO, (), inclusive))
    created = store_time(order.get("createdAt"))
    if created is None:
        raise ValueError(f"Shopify order {order_id} has no createdAt")
    payments = tenders(nodes(order.get("transactions")), ("SALE", "CAPTURE"), cur, zone)
    status = str(order.get("displayFinancialStatus") or "")
    lifecycle = cfg.lifecycle(status, cancelled=bool(order.get("cancelledAt")), test=bool(order.get("test")))
    paid_date = max((p.date for p in payments), default=None) if lifecycle == "paid" else None
    main = max((p for p in payments if p.gateway != cfg.gift_card_gateway), key=lambda p: p.amount, default=None)
    gateways = [str(g) for g in order.get("paymentGatewayNames") or ()]
    sale = Sale(
        key=f"order:{order_id}",
        id=order_id,
        number=str(order.get("name") or order_id).lstrip("#"),
        lifecycle=lifecycle,
        status_word=(status or "unknown").lower() + (" (cancelled)" if order.get("cancelledAt") else ""),
        date=(created.astimezone(zone) if zone else created).date(),
        currency=str(order.get("presentmentCurrencyCode" if cur == "presentment" else "currencyCode") or "").upper(),
        prices_include_tax=inclusive,
        customer=party_from_order(order),
        lines=tuple(lines),
        total=money(order.get("totalPriceSet"), cur) - edited[0],
        total_tax=money(order.get("totalTaxSet"), cur) - edited[1],
        modified_at=store_time(order.get("updatedAt")),
        created_at=created,
        paid_at=store_time(max((str(t.get("processedAt") or "") for t in nodes(order.get("transactions"))), default=""))
        if paid_date
        else None,
        payment_method=main.gateway if main else (gateways[0] if gateways else ""),
        payment_method_title=main.gateway_title if main else (gateways[0] if gateways else ""),
        transaction_id=main.reference if main else "",
        tax_rates=rates,
        paid_date=paid_date,
        payments=payments,
    )
    # a refund is read against the sale (its lines name the order's); one that moved no money
    # (a restock only) changes nothing in the books
    summaries = (refund_summary(r, sale, cur, zone) for r in nodes(order.get("refunds")))
    return replace(sale, refunds=tuple(s for s in summaries if s.amount != 0))


def refund_summary(raw: Record, sale: Sale, cur: Currency, zone: ZoneInfo | None) -> RefundSummary:
    """What the order says of a refund; in full (``detail``) when it carries its transactions."""
    refund_id = legacy_id(raw, "refund")
    note = str(raw.get("note") or "")
    if "transactions" not in raw:
        return RefundSummary(refund_id, abs(money(raw.get("totalRefundedSet"), cur)), note)
    detail = refund_from(raw, sale, cur, zone)
    return RefundSummary(refund_id, detail.amount, note, detail)


def refund_from(raw: Record, sale: Sale, cur: Currency, zone: ZoneInfo | None) -> Refund:
    """A refund of ``sale``: what was refunded (lines, shipping) and the money that went back
    (its successful REFUND transactions); any difference is an ``adjustment`` line."""
    refund_id = legacy_id(raw, "refund")
    for part in ("refundLineItems", "refundShippingLines", "orderAdjustments", "transactions"):
        if ((raw.get(part) or {}).get("pageInfo") or {}).get("hasNextPage"):
            raise ValueError(
                f"Shopify refund {refund_id} has more {part} than one query reads: it is not booked "
                "rather than booked in part (enter it in Xero by hand)"
            )
    inclusive = sale.prices_include_tax
    by_source = {line.source_id: line for line in sale.lines}
    lines: list[SaleLine] = []
    for item in nodes(raw.get("refundLineItems")):
        original = item.get("lineItem") or {}
        sold = by_source.get(f"line:{legacy_id(original, 'line item')}") if original else None
        tax = money(item.get("totalTaxSet"), cur)
        gross = money(item.get("subtotalSet"), cur)
        kind = "gift_card" if original.get("isGiftCard") else (sold.kind if sold else "product")
        lines.append(
            sale_line(
                kind,
                sold.source_id if sold else f"refund-line:{legacy_id(item)}",
                sold.description if sold else str(original.get("name") or "Item"),
                Decimal(int(item.get("quantity") or 0)) or ONE,
                gross,
                ZERO,
                tax,
                sold.tax_rate_ids if sold else (),
                inclusive,
                sold.sku if sold else None,
                sold.product_key if sold else None,
            )
        )
    for shipping in nodes(raw.get("refundShippingLines")):
        sold = by_source.get(f"shipping:{legacy_id(shipping.get('shippingLine'), 'shipping line')}")
        tax = money(shipping.get("taxAmountSet"), cur)
        net = money(shipping.get("subtotalAmountSet"), cur)  # before tax, as the object says
        lines.append(
            sale_line(
                "shipping",
                sold.source_id if sold else "shipping",
                sold.description if sold else "Shipping",
                ONE,
                net + (tax if inclusive else ZERO),
                ZERO,
                tax,
                sold.tax_rate_ids if sold else (),
                inclusive,
            )
        )
    for duty in nodes(raw.get("duties")):
        lines.append(
            sale_line(
                "duty",
                f"duty:{legacy_id(duty.get('originalDuty'), 'duty')}",
                "Duties refunded",
                ONE,
                money(duty.get("amountSet"), cur),
                ZERO,
                ZERO,
                (),
                False,
            )
        )
    payments = tenders(nodes(raw.get("transactions")), ("REFUND",), cur, zone)
    amount = sum((p.amount for p in payments), ZERO)
    # a refund of lines is one even when they are worth nothing (a line discounted to 0.00, its
    # money all adjustment): only a refund without lines is amount-only (the settings' tax rule)
    of_lines = bool(lines)
    lines = [line for line in lines if line.total or line.tax]
    counted = sum((line.total + line.tax for line in lines), ZERO)
    if counted != amount and of_lines:
        reasons = ", ".join(
            sorted(
                {str(a.get("reason") or "").lower().replace("_", " ") for a in nodes(raw.get("orderAdjustments"))}
                - {""}
            )
        )
        what = (
            f"Refund adjustment ({reasons})" if reasons else "Refund adjustment: money refunded differs from the lines"
        )
        gap = amount - counted
        lines.append(SaleLine("adjustment", f"adjustment:{refund_id}", what, ONE, gap, ZERO, gap, ZERO))
    created = shop_day(raw.get("createdAt"), zone) or sale.date
    return Refund(
        key=documents.refund_key(sale.key, refund_id),
        id=refund_id,
        order_key=sale.key,
        date=created,
        amount=amount,
        reason=str(raw.get("note") or ""),
        lines=tuple(lines),
        refunded_payment=bool(payments),
        payments=payments,
    )
