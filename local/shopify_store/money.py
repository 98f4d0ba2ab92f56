"""Money as Shopify carries it: every amount of an order in two currencies at once (a ``MoneyBag``:
``shopMoney`` in the shop's currency, ``presentmentMoney`` in the buyer's), as ``Decimal``.

The simulator computes each *atomic* amount (a unit price, a tax line, a discount allocation, a
shipping price, a duty, a tip) in the presentment currency and converts it to the shop's currency
once, rounding to the currency's minor unit; every total is a sum of atoms in each currency, so
the identities an order obeys hold in both currencies to the cent (README: a guess at how Shopify
converts, which it does not document per amount).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

D = Decimal
ZERO = D(0)
ONE = D(1)
# ISO 4217 minor units of the currencies the simulator knows (the CurrencyCode enum subset).
MINOR_UNITS = {"USD": 2, "CAD": 2, "AUD": 2, "NZD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "SGD": 2}


def places(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def cents(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the currency's minor unit (half up, as Shopify's checkout rounds)."""
    return amount.quantize(D(1).scaleb(-places(currency)), rounding=rounding)


@dataclass(frozen=True)
class Bag:
    """One amount in the shop's currency and in the buyer's (presentment) currency."""

    shop: Decimal
    presentment: Decimal

    def __add__(self, other: "Bag") -> "Bag":
        return Bag(self.shop + other.shop, self.presentment + other.presentment)

    def __sub__(self, other: "Bag") -> "Bag":
        return Bag(self.shop - other.shop, self.presentment - other.presentment)

    def __neg__(self) -> "Bag":
        return Bag(-self.shop, -self.presentment)

    def times(self, n: int) -> "Bag":
        return Bag(self.shop * n, self.presentment * n)

    @property
    def is_zero(self) -> bool:
        return self.shop == 0 and self.presentment == 0


NOTHING = Bag(ZERO, ZERO)


def total(bags: Iterable[Bag]) -> Bag:
    out = NOTHING
    for bag in bags:
        out = out + bag
    return out


@dataclass(frozen=True)
class Currencies:
    """An order's two currencies and the rate: ``shop = presentment * rate`` (1 when they are one)."""

    shop: str
    presentment: str
    rate: Decimal = ONE

    def bag(self, presentment_amount: Decimal) -> Bag:
        """An atomic amount, given in the presentment currency, in both currencies."""
        amount = cents(presentment_amount, self.presentment)
        if self.shop == self.presentment:
            return Bag(cents(amount, self.shop), amount)
        return Bag(cents(amount * self.rate, self.shop, ROUND_HALF_EVEN), amount)


def decimal_text(amount: Decimal) -> str:
    """GraphQL ``Decimal``/``MoneyV2.amount`` as Shopify prints it: no trailing zeros beyond one
    decimal ("41.9", "0.0", "10.0" in the docs' shopifyPaymentsAccount example)."""
    text = format(amount.normalize(), "f")
    if "." not in text:
        return text + ".0"
    return text


def rest_text(amount: Decimal, currency: str) -> str:
    """REST (webhook) money: a string with the currency's decimals ("10.00", as the docs samples)."""
    return str(cents(amount, currency))


def money_v2(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"__typename": "MoneyV2", "amount": amount, "currencyCode": currency}


def money_bag(bag: Bag, currencies: Currencies) -> dict[str, Any]:
    return {
        "shopMoney": money_v2(bag.shop, currencies.shop),
        "presentmentMoney": money_v2(bag.presentment, currencies.presentment),
    }


def rest_set(bag: Bag, currencies: Currencies) -> dict[str, Any]:
    """A REST ``*_set``: ``{"shop_money": {...}, "presentment_money": {...}}``."""
    return {
        "shop_money": {"amount": rest_text(bag.shop, currencies.shop), "currency_code": currencies.shop},
        "presentment_money": {
            "amount": rest_text(bag.presentment, currencies.presentment),
            "currency_code": currencies.presentment,
        },
    }
