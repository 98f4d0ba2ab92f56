"""Marketplaces, the regions that serve them, and how each writes numbers and dates in a
settlement flat file.

Ids: developer-docs.amazon.com/sp-api/docs/marketplace-ids. Regions and their hosts
(``sellingpartnerapi-na/-eu/-fe.amazon.com``): developer-docs.amazon.com/sp-api/docs/sp-api-endpoints.
The decimal comma and ``dd.mm.yyyy`` dates of the continental EU marketplaces are a **guess**
from public parsers' test data (Amazon documents no per-marketplace format); the UK, the
Americas and the Far East write ``1234.56`` and ``yyyy-mm-dd``.
"""

from dataclasses import dataclass

REGION_HOSTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}


@dataclass(frozen=True)
class Marketplace:
    id: str
    name: str  # the flat file's marketplace-name
    currency: str
    region: str
    decimal_comma: bool = False  # guess: "95,00" and "dd.mm.yyyy"
    facilitator_tax: bool = False  # US marketplace-facilitator tax collected and withheld
    vat_inclusive: bool = False  # prices include VAT/GST the seller remits (no Tax lines: a guess)


MARKETPLACES = {
    m.name: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "Amazon.com", "USD", "na", facilitator_tax=True),
        Marketplace("A2EUQ1WTGCTBG2", "Amazon.ca", "CAD", "na"),
        Marketplace("A1F83G8C2ARO7P", "Amazon.co.uk", "GBP", "eu", vat_inclusive=True),
        Marketplace("A1PA6795UKMFR9", "Amazon.de", "EUR", "eu", decimal_comma=True, vat_inclusive=True),
        Marketplace("A13V1IB3VIYZZH", "Amazon.fr", "EUR", "eu", decimal_comma=True, vat_inclusive=True),
        Marketplace("APJ6JRA9NG5V4", "Amazon.it", "EUR", "eu", decimal_comma=True, vat_inclusive=True),
        Marketplace("A1RKKUPIHCS89", "Amazon.es", "EUR", "eu", decimal_comma=True, vat_inclusive=True),
        Marketplace("A39IBJ37TRP1C6", "Amazon.com.au", "AUD", "fe", vat_inclusive=True),
    )
}


def in_region(region: str) -> list[Marketplace]:
    return [m for m in MARKETPLACES.values() if m.region == region]
