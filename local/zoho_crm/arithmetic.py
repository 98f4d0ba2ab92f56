"""How an inventory record's amounts are computed: line items (``Quoted_Items``, ``Ordered_Items``,
``Invoiced_Items``, ``Purchase_Items``) and the record's ``Sub_Total`` / ``Discount`` / ``Tax`` /
``Adjustment`` / ``Grand_Total``, in ``Decimal`` to the cent.

What Zoho documents (the CRM help "Inventory" pages, https://help.zoho.com/portal/en/kb/crm/
and the record examples of the official spec https://github.com/zoho/crm-oas ``v8.0/record``):
a line carries a product lookup, a quantity, a list price, a discount and its taxes
(``Line_Tax`` ``[{name, percentage, value}]``); the record carries ``Sub_Total``, ``Discount``,
``Tax``, ``Adjustment`` and ``Grand_Total``, and those are calculated fields.

The arithmetic below is the Zoho CRM edit form's, as its columns read (**a guess** at the exact
rules: no public page states them as formulas):

* line ``Total`` = quantity * list price; ``Discount`` is an amount, or ``"n%"`` of ``Total``;
  ``Total_After_Discount`` = Total - discount amount;
* tax exclusive: ``Tax`` = Σ percentage * Total_After_Discount, each tax rounded to the cent;
  ``Net_Total`` = Total_After_Discount + Tax;
* tax inclusive (the record's ``Tax_Inclusive`` flag, **a guessed name**: no public source
  names the switch): the tax is inside the price, ``Tax`` = after * Σp / (100 + Σp) (apportioned
  over the taxes, the last one takes the remainder), ``Net_Total`` = Total_After_Discount;
* record ``Sub_Total`` = Σ ``Net_Total``; the record ``Discount`` is an amount or ``"n%"`` of
  the Sub_Total; record-level taxes (``$line_tax``, tax at total level) apply to
  Sub_Total - Discount; ``Grand_Total`` = Sub_Total - Discount + Tax + Adjustment, where the
  record ``Tax`` is the total-level tax only (line taxes are already in the Sub_Total).

Every amount is rounded half up to two places when it is computed, so the record's identities
hold to the cent.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)


class AmountError(ValueError):
    """A value that is not a number where Zoho wants one (answered as ``INVALID_DATA``)."""

    def __init__(self, api_name: str) -> None:
        super().__init__(api_name)
        self.api_name = api_name


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Any, api_name: str, default: Decimal = ZERO) -> Decimal:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise AmountError(api_name)
    try:
        return Decimal(str(value))
    except InvalidOperation as err:
        raise AmountError(api_name) from err


def discount(value: Any, base: Decimal, api_name: str) -> Decimal:
    """An amount, or ``"n%"`` of ``base``."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return cents(base * number(value.strip()[:-1], api_name) / 100)
    return cents(number(value, api_name))


def taxes(rows: Any, api_name: str) -> list[dict[str, Any]]:
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise AmountError(api_name)
    return [{"name": row.get("name"), "percentage": number(row.get("percentage"), api_name)} for row in rows]


def apply_taxes(base: Decimal, rows: list[dict[str, Any]], inclusive: bool) -> tuple[Decimal, list[dict[str, Any]]]:
    """The tax on ``base`` and each tax row with its ``value``."""
    rate = sum((row["percentage"] for row in rows), ZERO)
    if not rows or rate == 0:
        return ZERO, [{**row, "value": ZERO} for row in rows]
    if not inclusive:
        out = [{**row, "value": cents(base * row["percentage"] / 100)} for row in rows]
        return sum((row["value"] for row in out), ZERO), out
    total = cents(base * rate / (100 + rate))
    out, left = [], total
    for index, row in enumerate(rows):
        value = left if index == len(rows) - 1 else cents(total * row["percentage"] / rate)
        left -= value
        out.append({**row, "value": value})
    return total, out


def line(row: dict[str, Any], inclusive: bool, path: str) -> dict[str, Any]:
    """The computed columns of one line item (``row`` holds the canonical keys)."""
    quantity = number(row.get("Quantity"), f"{path}.Quantity", Decimal(1))
    price = number(row.get("List_Price"), f"{path}.List_Price")
    total = cents(quantity * price)
    off = discount(row.get("Discount"), total, f"{path}.Discount")
    after = total - off
    tax, tax_rows = apply_taxes(after, taxes(row.get("Line_Tax"), f"{path}.Line_Tax"), inclusive)
    net = after if inclusive else after + tax
    return {
        "Quantity": quantity,
        "List_Price": price,
        "Total": total,
        "Discount": row.get("Discount") if isinstance(row.get("Discount"), str) else off,
        "Total_After_Discount": after,
        "Tax": tax,
        "Line_Tax": tax_rows,
        "Net_Total": net,
    }


def record(lines: list[dict[str, Any]], fields: dict[str, Any], inclusive: bool) -> dict[str, Decimal | list[Any]]:
    """The record's totals from its computed lines and its own Discount / $line_tax / Adjustment."""
    sub_total = sum((row["Net_Total"] for row in lines), ZERO)
    off = discount(fields.get("Discount"), sub_total, "Discount")
    tax, tax_rows = apply_taxes(sub_total - off, taxes(fields.get("$line_tax"), "$line_tax"), inclusive)
    adjustment = cents(number(fields.get("Adjustment"), "Adjustment"))
    grand = sub_total - off + (ZERO if inclusive else tax) + adjustment
    return {
        "Sub_Total": sub_total,
        "Discount": off,
        "Tax": tax,
        "$line_tax": tax_rows,
        "Adjustment": adjustment,
        "Grand_Total": grand,
    }
