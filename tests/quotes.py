"""Quotes and purchases for the tests: source lines priced as a CRM prices them (taxes kept to
4 dp), the settings they are booked with, and lines whose prices Xero cannot hold at 2 dp."""

from datetime import date
from decimal import Decimal

from xerosync.config import StoreSettings, TaxSettings
from xerosync.config_quotes import Purchasing
from xerosync.domain import Party, Sale, SaleLine, TaxRate
from xerosync.xero.lines import cents

D = Decimal
ZERO = D(0)
GST = {"1": TaxRate("1", "GST", "GST", D(10))}
SETTINGS = StoreSettings(tax=TaxSettings(rates={"1": "OUTPUT"}, no_tax="EXEMPTOUTPUT", rounding="BASEXCLUDED"))
PURCHASING = Purchasing(account="500", tax_rates={"1": "INPUT"}, no_tax="EXEMPTEXPENSES")


def item(n: int, quantity: str, unit: str, discount: str = "0", *, inclusive: bool = False) -> SaleLine:
    """A source line: ``quantity`` at ``unit`` less ``discount``, 10 % tax (kept at 4 dp, as a CRM may)."""
    subtotal = D(quantity) * D(unit)
    total = subtotal - D(discount)
    if inclusive:  # amounts include tax: the tax is the part of them that is tax
        tax, subtotal_tax = (total / 11).quantize(D("0.0001")), (subtotal / 11).quantize(D("0.0001"))
        return SaleLine("product", str(n), f"Item {n}", D(quantity), subtotal - subtotal_tax, subtotal_tax,
                        total - tax, tax, ("1",))  # fmt: skip
    tax = (total / 10).quantize(D("0.0001"))
    return SaleLine("product", str(n), f"Item {n}", D(quantity), subtotal, subtotal / 10, total, tax, ("1",))


def body_of(number: str, *lines: SaleLine, inclusive: bool = False, key: str = "quote") -> Sale:
    tax = cents(sum((line.tax for line in lines), ZERO))
    net = sum((line.total for line in lines), ZERO)
    return Sale(
        key=f"{key}:{number}",
        id=number,
        number=number,
        lifecycle="confirmed",  # not read for quotes and purchases
        status_word="",
        date=date(2026, 11, 20),
        currency="AUD",
        prices_include_tax=inclusive,
        customer=Party("account:1", "Some Customer"),
        lines=lines,
        total=cents(net + tax),
        total_tax=tax,
        tax_rates=GST,
    )


AWKWARD = (item(1, "3", "10.3333", "1.25"), item(2, "7", "0.1429"), item(3, "1", "99.99", "10"))
