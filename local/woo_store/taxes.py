"""Tax rates as WooCommerce keeps them (``/wp-json/wc/v3/taxes``) and ``WC_Tax``'s arithmetic.

Reproduced from ``includes/class-wc-tax.php``:

* ``find_rates``: rates of one tax class matching the country (or any), state (or any),
  postcode (exact, ``3*`` wildcard or ``3000...3999`` range) and city; sorted by priority,
  then specific country/state before "any", more postcodes/cities first, then id; **one rate
  per priority** is kept.
* ``calc_exclusive_tax``: each regular rate on the price; compound rates on the price plus
  the taxes before them. ``calc_inclusive_tax``: compound rates worked backwards, then the
  regular rates' share of what is left. Every result is rounded to the rounding precision
  (6 places of whatever unit the price is in: cents for cart items, dollars for shipping).
* Shipping rates: the rates of the shipping tax class (``woocommerce_shipping_tax_class``;
  ``inherit`` = the class of the cart's items: the standard class if any item has it,
  else the first class listed in the settings) restricted to rates with ``shipping`` set.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from local.woo_store.money import ZERO, php_round


@dataclass(frozen=True)
class Location:
    country: str = ""
    state: str = ""
    postcode: str = ""
    city: str = ""


@dataclass(frozen=True)
class TaxRate:
    id: int
    rate: Decimal  # percent: 10 for 10 %
    name: str = "Tax"
    country: str = ""  # "" = every country
    state: str = ""
    postcodes: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    priority: int = 1
    compound: bool = False
    shipping: bool = True
    order: int = 0
    tax_class: str = ""  # "" = the standard class (the REST API calls it "standard")

    @property
    def code(self) -> str:
        """``WC_Tax::get_rate_code``: COUNTRY-STATE-NAME-PRIORITY, empty parts dropped."""
        parts = [self.country, self.state, self.name or "TAX", str(self.priority) if self.priority else ""]
        return "-".join(p for p in parts if p).upper()

    @property
    def label(self) -> str:
        return self.name or "Tax"


def _postcode_matches(pattern: str, postcode: str) -> bool:
    pattern, postcode = pattern.strip().upper().replace(" ", ""), postcode.strip().upper().replace(" ", "")
    if "..." in pattern:
        low, high = pattern.split("...", 1)
        if postcode.isdigit() and low.isdigit() and high.isdigit():
            return int(low) <= int(postcode) <= int(high)
        return low <= postcode <= high
    if pattern.endswith("*"):
        return postcode.startswith(pattern[:-1])
    return pattern == postcode


def _matches(rate: TaxRate, where: Location, tax_class: str) -> bool:
    if rate.tax_class != tax_class or not where.country:
        return False
    if rate.country not in ("", where.country.upper()) or rate.state not in ("", where.state.upper()):
        return False
    postcode_ok = not rate.postcodes or any(_postcode_matches(p, where.postcode) for p in rate.postcodes)
    city_ok = not rate.cities or where.city.strip().upper() in {c.strip().upper() for c in rate.cities}
    return postcode_ok and city_ok


def find_rates(rates: Iterable[TaxRate], where: Location, tax_class: str = "") -> list[TaxRate]:
    """``WC_Tax::find_rates``: the matching rates of ``tax_class``, one per priority, in order."""
    found = [r for r in rates if _matches(r, where, tax_class)]
    found.sort(
        key=lambda r: (
            r.priority,
            r.country == "",
            r.country,
            r.state == "",
            r.state,
            -len(r.postcodes),
            -len(r.cities),
            r.id,
        )
    )
    chosen: list[TaxRate] = []
    priorities: set[int] = set()
    for rate in found:
        if rate.priority not in priorities:
            chosen.append(rate)
            priorities.add(rate.priority)
    return chosen


def shipping_tax_class(setting: str, item_classes: Sequence[str], tax_classes: Sequence[str]) -> str | None:
    """The class ``WC_Tax::get_shipping_tax_rates`` uses; None when no item is taxable."""
    if setting != "inherit":
        return setting
    classes = list(dict.fromkeys(item_classes))
    if not classes:
        return None
    if "" in classes or len(classes) == 1:
        return "" if "" in classes else classes[0]
    return next((c for c in tax_classes if c in classes), "")


def calc_tax(price: Decimal, rates: Sequence[TaxRate], inclusive: bool, precision: int) -> dict[int, Decimal]:
    """``WC_Tax::calc_tax``: the tax of each rate in ``price``, rounded to ``precision`` places."""
    taxes = _inclusive(price, rates) if inclusive else _exclusive(price, rates)
    return {rate_id: php_round(tax, precision) for rate_id, tax in taxes.items()}


def _exclusive(price: Decimal, rates: Sequence[TaxRate]) -> dict[int, Decimal]:
    taxes: dict[int, Decimal] = {}
    for rate in rates:
        if not rate.compound:
            taxes[rate.id] = taxes.get(rate.id, ZERO) + price * rate.rate / 100
    pre_compound = sum(taxes.values(), ZERO)
    for rate in rates:
        if rate.compound:
            taxes[rate.id] = taxes.get(rate.id, ZERO) + (price + pre_compound) * rate.rate / 100
            pre_compound = sum(taxes.values(), ZERO)
    return taxes


def _inclusive(price: Decimal, rates: Sequence[TaxRate]) -> dict[int, Decimal]:
    taxes = {rate.id: ZERO for rate in rates}
    compound = [r for r in rates if r.compound]
    regular = [r for r in rates if not r.compound]
    non_compound_price = price
    for rate in reversed(compound):
        tax = non_compound_price - non_compound_price / (1 + rate.rate / 100)
        taxes[rate.id] += tax
        non_compound_price -= tax
    regular_tax_rate = 1 + sum((r.rate for r in regular), ZERO) / 100
    for rate in regular:
        the_rate = (rate.rate / 100) / regular_tax_rate
        net_price = price - the_rate * non_compound_price
        taxes[rate.id] += price - net_price
    return taxes
