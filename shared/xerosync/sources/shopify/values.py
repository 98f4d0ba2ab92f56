"""Shopify's values as the domain's (pure): ids, money bags, connections, days, tax lines,
lines and transactions. Field names are the Admin GraphQL API's
(https://shopify.dev/docs/api/admin-graphql/latest/objects/MoneyBag, ``TaxLine``,
``OrderTransaction``)."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from xerosync.domain import SaleLine, TaxRate, Tender
from xerosync.timestamps import store_time

ZERO = Decimal("0")
ONE = Decimal("1")
Currency = Literal["shop", "presentment"]
Record = Mapping[str, Any]


def legacy_id(record: Record | None, what: str = "record") -> str:
    """A record's numeric id: ``legacyResourceId``, else the tail of its gid
    (``gid://shopify/Order/820982911946154508`` -> ``820982911946154508``)."""
    if not record:
        return ""
    legacy = record.get("legacyResourceId")
    if legacy not in (None, ""):
        return str(legacy)
    gid = str(record.get("id") or "")
    tail = gid.rsplit("/", 1)[-1].split("?", 1)[0]
    if not tail:
        raise ValueError(f"a Shopify {what} without an id")
    return tail


def money(bag: Any, currency: Currency = "shop") -> Decimal:
    """An amount of a MoneyBag (``{shopMoney: {amount}, presentmentMoney: {amount}}``); 0 for none."""
    if not isinstance(bag, Mapping):
        return ZERO
    side = bag.get("presentmentMoney" if currency == "presentment" else "shopMoney") or {}
    amount = side.get("amount") if isinstance(side, Mapping) else None
    if amount in (None, ""):
        return ZERO
    try:
        return Decimal(str(amount))
    except ArithmeticError:
        raise ValueError(f"Shopify sent {amount!r} for an amount") from None


def nodes(connection: Any) -> list[Record]:
    """The records of a connection (``{nodes: [...]}`` or ``{edges: [{node}]}``) or a plain list."""
    if isinstance(connection, list):
        return [n for n in connection if isinstance(n, Mapping)]
    if not isinstance(connection, Mapping):
        return []
    if "nodes" in connection:
        return [n for n in connection["nodes"] or () if isinstance(n, Mapping)]
    return [e["node"] for e in connection.get("edges") or () if isinstance(e, Mapping) and e.get("node")]


def shop_day(moment: Any, zone: ZoneInfo | None) -> date | None:
    """The shop's day of a time: in ``zone``, or (None) in the time's own offset, which is the
    shop's in REST-shaped records (``2021-12-31T19:00:00-05:00``)."""
    when = store_time(moment)
    if when is None:
        return None
    return (when.astimezone(zone) if zone is not None else when).date()


# --- taxes ----------------------------------------------------------------------------------
def _percent(tax: Record) -> Decimal | None:
    if tax.get("ratePercentage") not in (None, ""):
        return Decimal(str(tax["ratePercentage"]))
    if tax.get("rate") not in (None, ""):
        return Decimal(str(tax["rate"])) * 100
    return None


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tax_rate(tax: Record) -> TaxRate:
    """A Shopify tax line's rate, named by (title, rate): ``GST 10%``."""
    title = " ".join(str(tax.get("title") or "Tax").split())
    percent = _percent(tax)
    rate_id = f"{title} {_plain(percent)}%" if percent is not None else title
    return TaxRate(rate_id, title, title, percent)


def line_taxes(
    taxes: Iterable[Record], currency: Currency, rates: dict[str, TaxRate]
) -> tuple[Decimal, tuple[str, ...]]:
    total, ids = ZERO, []
    for tax in taxes:
        amount = money(tax.get("priceSet"), currency)
        rate = tax_rate(tax)
        rates.setdefault(rate.id, rate)
        total += amount
        if amount != 0 or (rate.percent or 0) != 0:
            ids.append(rate.id)
    return total, tuple(sorted(set(ids)))


def sale_line(
    kind: Any,
    source_id: str,
    description: str,
    quantity: Decimal,
    gross: Decimal,
    discount: Decimal,
    tax: Decimal,
    rate_ids: tuple[str, ...],
    inclusive: bool,
    sku: str | None = None,
    product: str | None = None,
) -> SaleLine:
    """A line from Shopify's amounts: ``gross`` before discounts and ``discount`` are in the
    order's convention (tax included when ``taxesIncluded``), ``tax`` after discounts."""
    less = tax if inclusive else ZERO
    return SaleLine(
        kind=kind,
        source_id=source_id,
        description=description or "Item",
        quantity=quantity,
        subtotal=gross - less,
        subtotal_tax=tax,
        total=gross - discount - less,
        tax=tax,
        tax_rate_ids=rate_ids,
        sku=sku,
        product_key=product,
    )


# --- money moved ----------------------------------------------------------------------------
def tenders(
    transactions: Iterable[Record], kinds: Sequence[str], cur: Currency, zone: ZoneInfo | None
) -> tuple[Tender, ...]:
    """Successful transactions of ``kinds``, one tender each (a gift card's gateway included)."""
    found = []
    for t in transactions:
        if str(t.get("kind") or "").upper() not in kinds or str(t.get("status") or "").upper() != "SUCCESS":
            continue
        when = shop_day(t.get("processedAt") or t.get("createdAt"), zone)
        if when is None:
            raise ValueError(f"Shopify transaction {t.get('id')} has no date")
        found.append(
            Tender(
                id=legacy_id(t, "transaction") if t.get("id") else "",
                gateway=str(t.get("gateway") or ""),
                amount=money(t.get("amountSet"), cur),
                date=when,
                reference=str(t.get("authorizationCode") or (legacy_id(t) if t.get("id") else "")),
                gateway_title=str(t.get("formattedGateway") or t.get("gateway") or ""),
            )
        )
    return tuple(found)
