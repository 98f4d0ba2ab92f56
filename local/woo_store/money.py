"""Decimal arithmetic rounded the way WooCommerce rounds, and the two ways it writes numbers.

WooCommerce computes in PHP doubles; the simulator computes the same formulas exactly in
``Decimal`` and applies WooCommerce's roundings at the same points:

* ``NumberUtil::round`` is PHP ``round()``: half away from zero (``ROUND_HALF_UP``), or half
  towards zero where WooCommerce passes ``PHP_ROUND_HALF_DOWN`` (``WC_DISCOUNT_ROUNDING_MODE``
  is 2; ``WC_TAX_ROUNDING_MODE`` is 2 when prices include tax, else 1).
* ``wc_get_rounding_precision()`` = max(price decimals + 2, ``WC_ROUNDING_PRECISION`` = 6).
* ``wc_add_number_precision()`` moves the point right by the price decimals ("cents") and
  rounds to ``rounding precision - decimals`` places.

Text forms: ``wc_format_decimal($value, $dp)`` (REST money fields: fixed ``dp`` places) and
``wc_format_decimal($float)`` (what WooCommerce stores for line totals and line taxes:
``sprintf('%.6f')`` with trailing zeros trimmed, e.g. ``"2.268182"``, ``"5.4"``, ``"3"``).
"""

from decimal import ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal

HALF_UP = ROUND_HALF_UP  # PHP_ROUND_HALF_UP: half away from zero
HALF_DOWN = ROUND_HALF_DOWN  # PHP_ROUND_HALF_DOWN: half towards zero
ZERO = Decimal(0)
ROUNDING_PRECISION = 6  # WC_ROUNDING_PRECISION

# Currencies WooCommerce shops usually run with no decimals (woocommerce_price_num_decimals = 0).
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF"})
CURRENCY_SYMBOLS = {"AUD": "$", "NZD": "$", "USD": "$", "CAD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩"}


def rounding_precision(decimals: int) -> int:
    """``wc_get_rounding_precision()``."""
    return max(decimals + 2, ROUNDING_PRECISION)


def php_round(value: Decimal, places: int = 0, mode: str = HALF_UP) -> Decimal:
    """``NumberUtil::round($value, $places, $mode)`` on an exact decimal."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=mode)


def floor(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_FLOOR)


def to_minor(value: Decimal, decimals: int) -> Decimal:
    """``wc_add_number_precision($value)``: into cents (minor units), rounded as WooCommerce does."""
    return php_round(value.scaleb(decimals), rounding_precision(decimals) - decimals)


def to_major(value: Decimal, decimals: int) -> Decimal:
    """``wc_remove_number_precision($value)``."""
    return value.scaleb(-decimals)


def stored(value: Decimal, decimals: int = 2) -> Decimal:
    """The value as WooCommerce stores a computed amount: ``wc_format_decimal($float)`` keeps
    ``rounding precision`` places (6)."""
    return php_round(value, rounding_precision(decimals))


def fixed(value: Decimal, dp: int) -> str:
    """``wc_format_decimal($value, $dp)`` (PHP ``number_format``): exactly ``dp`` places."""
    text = format(php_round(value, dp), "f")
    return text[1:] if text.startswith("-") and not php_round(value, dp) else text


def raw(value: Decimal, decimals: int = 2) -> str:
    """``wc_format_decimal($float)``: up to 6 places, trailing zeros (and a bare point) trimmed."""
    text = format(php_round(value, rounding_precision(decimals)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse(value: object) -> Decimal:
    """A money value from a request: WooCommerce accepts strings and numbers."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip()
    return Decimal(text) if text else ZERO
