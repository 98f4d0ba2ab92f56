"""Shopify's own section of the store settings (``store:``).

Where an order stands (the domain's lifecycle, which the core decides on) is read from three
things Shopify says about it (https://shopify.dev/docs/api/admin-graphql/latest/objects/Order):

| Shopify says | lifecycle (default) | why |
|---|---|---|
| ``cancelledAt`` is set | cancelled (always) | cancelled in Shopify: what was booked comes off the books |
| ``test: true`` | unconfirmed (``test_orders: skip``) | a test order (Bogus gateway) is not a sale |
| ``displayFinancialStatus`` PENDING | awaiting_payment | a manual payment method (bank deposit, cash on delivery) |
| AUTHORIZED | confirmed | the card is authorised, not captured yet |
| PARTIALLY_PAID | confirmed | part of the money received (each capture is a payment when the core books tenders) |
| PAID, PARTIALLY_REFUNDED, REFUNDED | paid | the money was received (refunds become credit notes) |
| VOIDED | cancelled | the authorisation was voided: no sale |
| EXPIRED | unconfirmed | the authorisation expired uncaptured |
| anything else | unconfirmed | nothing is booked until the merchant says what it is |

``financial_statuses`` overrides any row but the first (the enum's words, upper case). A paid
order's paid date is its last successful SALE or CAPTURE transaction's, in the shop's time zone.

Other settings: ``api_version`` (checked for its form only: the client pins the version given as
``api_version`` in StoreApiSecret, else :data:`API_VERSION`, because the store's client is built
from its credentials before any settings are read; the README's Shopify section has the upgrade
path),
``currency`` (``shop``: the store's currency, what Shopify Payments settles in; ``presentment``:
the buyer's), ``timezone`` (the shop's IANA zone: the Admin API answers in UTC, the books want
the shop's own day), ``test_orders``, ``gift_card_gateway`` (the gateway name Shopify gives a
gift card redeemed as payment) and ``tip_titles`` (the line item titles Shopify gives tips).
"""

from dataclasses import field
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xerosync.config import section_problems, store_section
from xerosync.domain import Lifecycle
from xerosync.frozen import frozen
from xerosync.schema import After, Before, Pattern

API_VERSION = "2026-07"
DEFAULT_FINANCIAL_STATUSES: dict[str, Lifecycle] = {
    "PENDING": "awaiting_payment",
    "AUTHORIZED": "confirmed",
    "PARTIALLY_PAID": "confirmed",
    "PAID": "paid",
    "PARTIALLY_REFUNDED": "paid",
    "REFUNDED": "paid",
    "VOIDED": "cancelled",
    "EXPIRED": "unconfirmed",
}


def _merged(value: Any) -> Any:
    """Statuses read over the defaults, in upper case as the enum is."""
    if not isinstance(value, dict):
        return value
    return {**DEFAULT_FINANCIAL_STATUSES, **{str(k).upper(): v for k, v in value.items()}}


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Australia/Sydney)") from None
    return value


@frozen
class ShopifySettings:
    api_version: Annotated[str, Pattern(r"^\d{4}-(01|04|07|10)$")] = API_VERSION
    """the Admin API version, e.g. 2026-07"""
    currency: Literal["shop", "presentment"] = "shop"
    """"shop": invoices in the store's currency; "presentment": in the buyer's"""
    timezone: Annotated[str, After(_zone)] = "UTC"
    """the shop's IANA time zone (Settings > General), e.g. Australia/Sydney"""
    financial_statuses: Annotated[dict[str, Lifecycle], Before(_merged)] = field(
        default_factory=lambda: dict(DEFAULT_FINANCIAL_STATUSES)
    )
    """Shopify displayFinancialStatus -> lifecycle (a cancelled order is always cancelled)"""
    test_orders: Literal["skip", "sync"] = "skip"
    """test orders: skip (unconfirmed) or sync"""
    gift_card_gateway: str = "gift_card"
    """the gateway of a gift card redeemed as payment"""
    tip_titles: tuple[str, ...] = ("Tip",)
    """line item titles that are tips"""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def lifecycle(self, financial_status: str, *, cancelled: bool, test: bool) -> Lifecycle:
        if cancelled:
            return "cancelled"
        if test and self.test_orders == "skip":
            return "unconfirmed"
        return self.financial_statuses.get(financial_status.upper(), "unconfirmed")


def shopify_settings(section: dict[str, Any]) -> ShopifySettings:
    """The section, validated (cached)."""
    return store_section(ShopifySettings, section)


def problems(section: dict[str, Any]) -> list[str]:
    """What is wrong with the section, each naming its field and the fix."""
    return section_problems(ShopifySettings, section)
