"""The generator: every settlement's lines add up to its summary row's total-amount, in the file as
written (decimal point or comma), across month ends and below zero; the layout is the V2 flat file."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.amazon_sp import HEADER, MARKETPLACES, Settlement, SettlementGenerator
from tests.conftest import reference_file


def parse_amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def file_total_and_sum(settlement: Settlement) -> tuple[Decimal, Decimal]:
    """(total-amount, Σ amount) read back from the tab-separated text, as a parser would."""
    rows = [line.split("\t") for line in settlement.flat_file().splitlines()]
    assert rows[0] == list(HEADER) and all(len(row) == len(HEADER) for row in rows)
    column = {name: i for i, name in enumerate(HEADER)}
    summary, lines = rows[1], rows[2:]
    assert summary[column["transaction-type"]] == "" and summary[column["currency"]] == settlement.currency
    assert all(row[column["total-amount"]] == "" and row[column["settlement-id"]] == settlement.id for row in lines)
    amounts = [parse_amount(row[column["amount"]]) for row in lines]
    return parse_amount(summary[column["total-amount"]]), sum(amounts, Decimal(0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    marketplace=st.sampled_from(sorted(MARKETPLACES)),
    count=st.integers(1, 4),
    negative=st.booleans(),
    month_end=st.booleans(),
    orders=st.one_of(st.none(), st.integers(0, 30)),
)
def test_every_settlement_adds_up_to_its_total(
    seed: int, marketplace: str, count: int, negative: bool, month_end: bool, orders: int | None
) -> None:
    generator = SettlementGenerator(seed, MARKETPLACES[marketplace])
    held = Decimal(0)
    for _ in range(count):
        settlement = generator.next(orders=orders, negative=negative, month_end=month_end)
        total, summed = file_total_and_sum(settlement)
        assert total == summed == settlement.total
        assert total.as_tuple().exponent == -2
        assert sum(settlement.month_subtotals().values(), Decimal(0)) == total
        if negative:
            assert total < 0
        if month_end:
            assert settlement.spans_month_end() and len(settlement.month_subtotals()) >= 1
        # the reserve held in one settlement is released in the next
        released = [x.amount for x in settlement.lines if x.amount_description == "Previous Reserve Amount Balance"]
        assert released == ([held] if held else [])
        current = [x.amount for x in settlement.lines if x.amount_description == "Current Reserve Amount"]
        held = -sum(current, Decimal(0))
        # marketplace-facilitator tax collected is withheld again: nets to zero
        taxes = [x.amount for x in settlement.lines if x.amount_type == "ItemWithheldTax" or
                 (x.amount_type == "ItemPrice" and x.amount_description in ("Tax", "ShippingTax"))]  # fmt: skip
        assert sum(taxes, Decimal(0)) == 0


def test_a_month_end_settlement_splits_into_two_months() -> None:
    settlement = SettlementGenerator(5).next(month_end=True, orders=20)
    months = settlement.month_subtotals()
    assert settlement.spans_month_end() and len(months) == 2
    assert sum(months.values(), Decimal(0)) == settlement.total


def test_the_generator_covers_the_amazon_vocabulary() -> None:
    generator = SettlementGenerator(1)
    lines = [line for _ in range(12) for line in generator.next(orders=15).lines]
    kinds = {(line.transaction_type, line.amount_type, line.amount_description) for line in lines}
    for expected in [
        ("Order", "ItemPrice", "Principal"), ("Order", "ItemPrice", "Tax"), ("Order", "ItemPrice", "Shipping"),
        ("Order", "ItemPrice", "ShippingTax"), ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal"),
        ("Order", "ItemFees", "Commission"), ("Order", "ItemFees", "FBAPerUnitFulfillmentFee"),
        ("Refund", "ItemFees", "RefundCommission"), ("Refund", "ItemFees", "Commission"),
        ("other-transaction", "other-transaction", "Subscription Fee"),
        ("other-transaction", "other-transaction", "Storage Fee"),
        ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount"),
        ("other-transaction", "other-transaction", "Current Reserve Amount"),
        ("other-transaction", "other-transaction", "Previous Reserve Amount Balance"),
    ]:  # fmt: skip
        assert expected in kinds, expected
    assert {line.fulfillment_id for line in lines} >= {"AFN", "MFN"}
    assert any(line.amount_type == "Promotion" and line.promotion_id for line in lines)
    assert any(line.amount_type == "FBA Inventory Reimbursement" for line in lines)


def test_continental_eu_files_use_a_decimal_comma_and_latin_1() -> None:
    settlement = SettlementGenerator(2, MARKETPLACES["Amazon.de"]).next(orders=10)
    summary = settlement.flat_file().splitlines()[1].split("\t")
    assert "," in summary[4] and "." not in summary[4] and summary[5] == "EUR"
    assert summary[1][2] == "." and summary[1].endswith(" UTC")  # dd.mm.yyyy
    assert settlement.document().decode("iso-8859-1") == settlement.flat_file()
    us = SettlementGenerator(2).next().flat_file().splitlines()[1].split("\t")
    assert "." in us[4] and us[1][4] == "-"


def test_an_inconsistent_settlement_misses_a_line_but_keeps_its_total() -> None:
    settlement = SettlementGenerator(3).next(orders=10)
    while not any(line.amount_description == "Current Reserve Amount" for line in settlement.lines):
        settlement = SettlementGenerator(int(settlement.id) % 1000).next(orders=10)
    broken = settlement.inconsistent()
    total, summed = file_total_and_sum(broken)
    assert total == settlement.total and summed != total
    with pytest.raises(ValueError):
        SettlementGenerator(3).next(orders=0).inconsistent("No Such Line")


def test_the_header_is_the_reference_fixtures_v2_header() -> None:
    path = reference_file("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv")
    assert path.read_text(encoding="iso-8859-1").splitlines()[0].split("\t") == list(HEADER)
    v1 = reference_file("fixtures", "amazon", "airbyte_test_fixture_settlement_v1_deprecated_layout.tsv")
    assert v1.read_text(encoding="iso-8859-1").splitlines()[0].split("\t") != list(HEADER)
