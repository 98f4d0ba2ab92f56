"""The line kinds beyond goods, shipping and fees (duties, tips, gift cards sold, store
adjustments): each on its account, and a refund whose money differs from its lines landing on
its money to the cent, the difference an adjustment line and rounding only rounding."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.xero_sandbox.settings import create_account
from local.xero_sandbox.state import Organisation
from tests.unit.test_payloads import NOW, SETTINGS, land
from xerosync.config import Accounts, StoreSettings, TaxSettings
from xerosync.domain import LineKind, Party, Refund, Sale, SaleLine, TaxRate
from xerosync.xero import payloads
from xerosync.xero.lines import cents

D = Decimal
ZERO = D(0)
GST = {"1": TaxRate("1", "AU-GST-1", "GST", D(10))}


def line(kind: LineKind, total: str, tax: str = "0", n: int = 1) -> SaleLine:
    rates = ("1",) if D(tax) else ()
    return SaleLine(kind, f"{kind}:{n}", f"A {kind}", D(1), D(total), D(tax), D(total), D(tax), rates)


def sale_of(*lines: SaleLine, inclusive: bool = False) -> Sale:
    tax = cents(sum((ln.tax for ln in lines), ZERO))
    net = sum((ln.total for ln in lines), ZERO)
    return Sale(
        key="order:1",
        id="1",
        number="1",
        lifecycle="confirmed",
        status_word="processing",
        date=NOW.date(),
        currency="AUD",
        prices_include_tax=inclusive,
        customer=Party("guest:x", "X"),
        lines=lines,
        total=cents(net + tax),
        total_tax=tax,
        tax_rates=GST,
    )


def accounts_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(ln["AccountCode"], ln["TaxType"]) for ln in body["LineItems"]]


def test_duties_tips_and_adjustments_default_to_the_shipping_and_sales_accounts() -> None:
    custom = StoreSettings(tax=SETTINGS.tax, accounts=Accounts(sales="201", shipping="210", fees="220", rounding="860"))
    sale = sale_of(line("duty", "12.00", "1.20"), line("tip", "5.00"), line("adjustment", "-1.00"))
    assert accounts_of(payloads.invoice(sale, "c", custom)) == [
        ("210", "OUTPUT"),
        ("201", "EXEMPTOUTPUT"),
        ("201", "EXEMPTOUTPUT"),
    ]
    own = replace(custom, accounts=Accounts(duties="215", tips="825", adjustments="260"))
    assert [a for a, _ in accounts_of(payloads.invoice(sale, "c", own))] == ["215", "825", "260"]

    def prepare(org: Organisation) -> None:
        create_account(org, {"Code": "215", "Name": "Duties collected", "Type": "REVENUE"}, NOW)
        create_account(org, {"Code": "825", "Name": "Tips owed to staff", "Type": "CURRLIAB"}, NOW)

    assert land(payloads.invoice(sale, "c", own), prepare)["Total"] == sale.total


def test_a_gift_card_sold_is_never_revenue_by_default() -> None:
    sale = sale_of(line("product", "10.00", "1.00"), line("gift_card", "50.00"))
    with pytest.raises(payloads.MappingError) as error:
        payloads.invoice(sale, "c", SETTINGS)
    assert "accounts.gift_cards" in str(error.value) and "liability" in str(error.value)
    assert "'A gift_card'" in str(error.value)  # names the line


def test_a_gift_card_sold_carries_no_tax_unless_the_store_charged_some() -> None:
    liability = replace(SETTINGS, accounts=Accounts(gift_cards="825"))
    sale = sale_of(line("gift_card", "50.00"))
    assert accounts_of(payloads.invoice(sale, "c", liability)) == [("825", "EXEMPTOUTPUT")]  # tax.no_tax
    scoped = replace(liability, tax=TaxSettings(rates={"1": "OUTPUT"}, no_tax="EXEMPTOUTPUT", gift_cards="BASEXCLUDED"))
    body = payloads.invoice(sale, "c", scoped)
    assert accounts_of(body) == [("825", "BASEXCLUDED")] and body["LineItems"][0]["TaxAmount"] == ZERO
    taxed = sale_of(line("gift_card", "50.00", "5.00"))  # a store that taxes gift cards when sold
    body = payloads.invoice(taxed, "c", scoped)
    assert accounts_of(body) == [("825", "OUTPUT")] and body["LineItems"][0]["TaxAmount"] == D("5.00")


# --- a refund's money, whatever its lines say ------------------------------------------------


def adjusted(lines: list[SaleLine], amount: Decimal) -> tuple[SaleLine, ...]:
    """The refund's lines and, as an adapter makes it, an adjustment line for the money the lines
    do not explain (the store's money is the truth)."""
    explained = sum((ln.total + ln.tax for ln in lines), ZERO)
    if amount == explained:
        return tuple(lines)
    difference = amount - explained
    adjustment = SaleLine("adjustment", "adjustment:1", "Refund adjustment", D(1), difference, ZERO, difference, ZERO)
    return (*lines, adjustment)


@st.composite
def refunds(draw: st.DrawFn, tax_places: int) -> tuple[Sale, Refund]:
    inclusive = draw(st.booleans())
    lines = []
    for n in range(draw(st.integers(1, 5))):
        kind: LineKind = draw(st.sampled_from(["product", "product", "shipping", "duty", "tip"]))
        total = D(draw(st.integers(0, 50_000))).scaleb(-2)
        taxed = draw(st.booleans())
        tax = (total / 10).quantize(D(1).scaleb(-tax_places)) if taxed else ZERO
        rates = ("1",) if taxed else ()
        lines.append(SaleLine(kind, f"{kind}:{n}", f"Line {n}", D(1), total, tax, total, tax, rates))
    amount = D(draw(st.integers(1, 100_000))).scaleb(-2)  # what went back: more or less than the lines
    sale = sale_of(*lines, inclusive=inclusive)
    refund = Refund("refund:1:5", "5", sale.key, NOW.date(), amount, "", adjusted(lines, amount))
    return sale, refund


ADJUSTING = replace(SETTINGS, accounts=Accounts(adjustments="260"))


def rounding_of(body: dict[str, Any]) -> Decimal:
    lines = [ln for ln in body["LineItems"] if ln["AccountCode"] == ADJUSTING.accounts.rounding]
    return sum((D(str(ln["UnitAmount"])) for ln in lines), ZERO)


@settings(max_examples=150, deadline=None)
@given(refunds(tax_places=2))
def test_a_refund_of_whole_cents_lands_on_its_money_with_no_rounding_line(case: tuple[Sale, Refund]) -> None:
    sale, refund = case
    body = payloads.credit_note(refund, sale, "c", ADJUSTING)
    landed = land({**body, "Type": "ACCREC"})  # a credit note's arithmetic is an invoice's
    assert landed["Total"] == refund.amount
    assert landed["TotalTax"] == cents(sum((ln.tax for ln in refund.lines), ZERO))
    assert rounding_of(body) == 0  # the difference is the adjustment line's, never a residue
    if any(ln.kind == "adjustment" for ln in refund.lines):
        assert body["LineItems"][-1]["AccountCode"] == "260"


@settings(max_examples=150, deadline=None)
@given(refunds(tax_places=3))
def test_a_refund_at_store_precision_lands_on_its_money_and_rounds_only_rounding(case: tuple[Sale, Refund]) -> None:
    sale, refund = case
    body = payloads.credit_note(refund, sale, "c", ADJUSTING)
    landed = land({**body, "Type": "ACCREC"})
    assert landed["Total"] == refund.amount
    assert landed["TotalTax"] == cents(sum((ln.tax for ln in refund.lines), ZERO))
    # each line's amount and the tax total are rounded to cents once: half a cent each at most
    assert abs(rounding_of(body)) <= cents(D("0.005") * (len(refund.lines) + 1))
