"""An Amazon settlement booked by the core's settlement policy (the one Shopify payouts use).

Given a V2 settlement report and settings mapping Amazon's three describing columns to accounts,
when it is booked in summary mode split by month, then each month's document sums its lines per
(transaction-type, amount-type, amount-description), the earlier months are zeroed by a
carried-forward line and the last totals the deposit to the cent; a line the settings do not name
goes to the other account and is noted; a negative settlement is a bill or a credit note by setting;
a settlement whose lines do not add up is parked with its difference.
"""

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import reference_file
from xerosync.config import parse_settings
from xerosync.settlement import book
from xerosync.sources.amazon.flatfile import FlatLine, FlatSettlement, parse
from xerosync.sources.amazon.settlements import to_settlement
from xerosync.xero.settlement_payloads import document_total, settlement_payment, summary_document

D = Decimal
# The fixture's suggested accounts, as codes of a chart of accounts
ACCOUNTS = {
    "Amazon Reserved Balances (current asset)": "615",
    "Amazon Sales": "201",
    "Sales Tax Collected by Amazon (clearing)": "826",
    "Amazon Seller Fees": "404",
    "Amazon FBA Fees": "405",
    "Amazon Reimbursements (other income)": "262",
    "Amazon Shipping Income": "202",
    "Amazon Promotions (contra-revenue)": "203",
    "Advertising": "400",
    "Amazon Refunds (contra-revenue)": "204",
    "Amazon Carried Forward Balance": "827",
}
KINDS = {
    "Order / ItemPrice / Principal": "201",
    "Order / ItemPrice / Shipping": "202",
    "Order / ItemPrice / Tax": "826",
    "Order / ItemPrice / ShippingTax": "826",
    "Order / ItemWithheldTax / MarketplaceFacilitatorTax-Principal": "826",
    "Order / ItemWithheldTax / MarketplaceFacilitatorTax-Shipping": "826",
    "Order / ItemFees / Commission": "404",
    "Order / ItemFees / FBAPerUnitFulfillmentFee": "405",
    "Order / Promotion / Shipping": "203",
    "Refund / ItemPrice / Principal": "204",
    "Refund / ItemPrice / Tax": "826",
    "Refund / ItemWithheldTax / MarketplaceFacilitatorTax-Principal": "826",
    "Refund / ItemFees / Commission": "404",
    "Refund / ItemFees / RefundCommission": "404",
    "other-transaction / FBA Inventory Reimbursement / WAREHOUSE_DAMAGE": "262",
    "other-transaction / other-transaction / Subscription Fee": "404",
    "other-transaction / other-transaction / Storage Fee": "405",
    "ServiceFee / Cost of Advertising / TransactionTotalAmount": "400",
}


def amazon_settings(extra: str = "", kinds: dict[str, str] = KINDS) -> Any:
    by_type = json.dumps(kinds)
    return parse_settings(
        f"""
tax: {{no_tax: NONE}}
sync: {{orders: false}}
settlements:
  enabled: true
  mode: summary
  split_by_month: true
  bank_account: "090"
  accounts: {{other: "899", reserves: "615", carried_forward: "827", by_type: {by_type}}}
{extra}"""
    )


def test_the_fixture_posts_the_expected_summary_two_documents_the_second_the_deposit() -> None:
    report = parse(reference_file("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv").read_bytes())
    expected = json.loads(
        reference_file("fixtures", "amazon", "synthetic_settlement_v2_expected_summary.json").read_text()
    )
    booking = book(to_settlement(report), amazon_settings())
    assert booking.problem() is None and booking.notes == ()
    parts = booking.parts
    assert [p.number for p in parts] == [i["invoice_number"] for i in expected["invoices"]]
    for part, invoice in zip(parts, expected["invoices"], strict=True):
        want = [
            (
                " / ".join((line["transaction-type"], line["amount-type"], line["amount-description"]))
                if "transaction-type" in line
                else line["description"],
                D(line["amount"]),
                ACCOUNTS[line["account"]],
            )
            for line in invoice["lines"]
        ]
        assert [(line.description, line.amount, line.account) for line in part.lines] == want
        assert part.total == D(invoice["total"])
        body = summary_document(booking, part)
        assert body["Type"] == "ACCREC" and body["InvoiceNumber"] == part.number
        assert document_total(body) == D(invoice["total"]) and body["CurrencyCode"] == "USD"
    assert parts[0].date == date(2026, 8, 31) and parts[1].date == date(2026, 9, 8)
    assert summary_document(booking)["DueDate"] == "2026-09-10"
    pay = settlement_payment(booking, "inv-2")
    assert pay["Amount"] == D("30.30") and pay["Date"] == "2026-09-10" and pay["Account"] == {"Code": "090"}
    # the facilitator tax nets to zero on its own lines
    tax = [line.amount for part in parts for line in part.lines if line.account == "826"]
    assert len(tax) == 8 and sum(tax) == 0


def line(n: int, kind: str, amount: str, posted: date) -> FlatLine:
    t, at, ad = kind.split(" / ")
    return FlatLine(n, t, at, ad, D(amount), posted, marketplace="Amazon.co.uk")


def flat(total: str, *lines: FlatLine, currency: str = "GBP") -> FlatSettlement:
    from datetime import UTC, datetime

    return FlatSettlement(
        "42",
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 14, tzinfo=UTC),
        datetime(2026, 3, 16, tzinfo=UTC),
        D(total),
        currency,
        lines,
        "Amazon.co.uk",
    )


def test_an_unmapped_description_is_an_other_line_and_noted() -> None:
    s = to_settlement(
        flat(
            "7.00",
            line(3, "Order / ItemPrice / Principal", "10.00", date(2026, 3, 2)),
            line(4, "Order_Retrocharge / ItemPrice / Base", "-3.00", date(2026, 3, 3)),
        )
    )
    booking = book(s, amazon_settings())
    assert [(x.description, x.account) for x in booking.lines] == [
        ("Order / ItemPrice / Principal", "201"),
        ("Other: Order_Retrocharge / ItemPrice / Base", "899"),
    ]
    assert any("'Order_Retrocharge / ItemPrice / Base' is not mapped" in n for n in booking.notes)
    assert booking.parts[0].number == "AMZ-42" and booking.problem() is None  # one month: one document


def test_names_match_ignoring_case_and_carry_their_tax_type() -> None:
    settings = amazon_settings(
        kinds={
            "other-transaction / other-transaction / storage fee": "405",
            "ORDER / ITEMFEES / COMMISSION": {"account": "404", "tax_type": "INPUT2"},  # type: ignore[dict-item]
        }
    )
    s = to_settlement(
        flat(
            "-11.00",
            line(3, "Other-Transaction / Other-Transaction / Storage Fee", "-8.00", date(2026, 3, 2)),
            line(4, "Order / ItemFees / Commission", "-3.00", date(2026, 3, 3)),
        )
    )
    booking = book(s, settings)
    assert [(x.account, x.tax_type) for x in booking.lines] == [("405", "NONE"), ("404", "INPUT2")]


def test_a_negative_settlement_is_a_credit_note_or_a_bill_by_setting() -> None:
    s = to_settlement(
        flat("-5.00", line(3, "other-transaction / other-transaction / Storage Fee", "-5.00", date(2026, 3, 2)))
    )
    note = book(s, amazon_settings())
    assert note.document == "credit_note" and summary_document(note)["Type"] == "ACCRECCREDIT"
    bill = book(s, amazon_settings("  negative: bill"))
    body = summary_document(bill)
    assert bill.document == "bill" and body["Type"] == "ACCPAY" and body["InvoiceNumber"] == "AMZ-42"
    assert document_total(body) == D("5.00")
    assert settlement_payment(bill, "b-1")["Invoice"] == {"InvoiceID": "b-1"}


def test_reserves_go_to_the_reserve_account_unnamed() -> None:
    s = to_settlement(
        flat(
            "0.00",
            line(3, "Order / ItemPrice / Principal", "20.00", date(2026, 3, 2)),
            line(4, "other-transaction / other-transaction / Current Reserve Amount", "-20.00", date(2026, 3, 14)),
        )
    )
    booking = book(s, amazon_settings())
    assert [(x.account, x.amount) for x in booking.lines] == [("201", D("20.00")), ("615", D("-20.00"))]
    assert booking.notes == () and booking.problem() is None


# --- a property over generated settlements ------------------------------------------------------
VOCABULARY = [
    *KINDS,
    "Order_Retrocharge / ItemPrice / Base",
    "other-transaction / other-transaction / Current Reserve Amount",
    "other-transaction / other-transaction / Previous Reserve Amount Balance",
    "Adjustment / NewThing / Unknown",
]


@st.composite
def generated(draw: st.DrawFn) -> tuple[FlatSettlement, bool]:
    """A settlement of random lines over one or two months; sometimes its total is off."""
    start = date(2026, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    span = draw(st.integers(0, 20))
    n = draw(st.integers(1, 25))
    lines = [
        line(
            i + 3,
            draw(st.sampled_from(VOCABULARY)),
            str(D(draw(st.integers(-99999, 99999))) / 100),
            start + timedelta(days=draw(st.integers(0, span))),
        )
        for i in range(n)
    ]
    total = sum((x.amount for x in lines), D(0))
    off = draw(st.sampled_from([D(0), D(0), D(0), D("0.01"), D("-35.00")]))
    from datetime import UTC, datetime

    end = datetime.combine(start + timedelta(days=span), datetime.min.time(), UTC)
    report = FlatSettlement(
        "77",
        datetime.combine(start, datetime.min.time(), UTC),
        end,
        end + timedelta(days=2),
        total + off,
        draw(st.sampled_from(["USD", "GBP", "EUR", "JPY"])),
        tuple(lines),
        "Amazon.com",
    )
    return report, off == 0


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(generated(), st.sampled_from(["credit_note", "bill"]))
def test_documents_total_each_deposit_every_line_mapped_or_visibly_defaulted(
    case: tuple[FlatSettlement, bool], negative: str
) -> None:
    report, consistent = case
    booking = book(to_settlement(report), amazon_settings(f"  negative: {negative}"))
    if not consistent:
        problem = booking.problem()
        assert problem is not None and str(report.difference) in problem
        return
    assert booking.problem() is None
    parts = booking.parts
    sign = D(-1) if report.total < 0 else D(1)
    for part in parts[:-1]:
        assert part.total == 0 and document_total(summary_document(booking, part)) == 0
    assert document_total(summary_document(booking)) == sign * report.total
    assert all(summary_document(booking, p)["CurrencyCode"] == report.currency for p in parts)
    months = {x.posted.strftime("%Y-%m") for x in report.lines if x.posted}
    assert len(parts) == len(months)
    for part in parts:
        for x in part.lines:
            assert x.account
            if x.category == "carried_forward":
                assert x.account == "827"
            elif x.description.startswith("Other: "):
                assert x.account == "899" and any(x.description[len("Other: ") :] in n for n in booking.notes)
            elif "Reserve" in x.description:
                assert x.account == "615"
            else:
                assert KINDS[x.description] == x.account


def test_a_bank_account_per_currency_and_a_currency_without_one_refused_by_name() -> None:
    import pytest

    from xerosync.xero.lines import MappingError

    settings = amazon_settings('  bank_accounts: {USD: "090", EUR: "095"}')
    fee = line(3, "other-transaction / other-transaction / Storage Fee", "-5.00", date(2026, 3, 2))
    eur = to_settlement(flat("-5.00", fee, currency="EUR"))
    assert book(eur, settings).bank_account == "095"
    gbp = to_settlement(flat("-5.00", fee))
    assert gbp.currency == "GBP"
    with pytest.raises(MappingError, match=r"is in GBP, and settlements.bank_accounts names .* EUR, USD only"):
        book(gbp, settings)
    assert book(gbp, amazon_settings()).bank_account == "090"  # one bank account for every currency
    with pytest.raises(ValueError, match="not a currency code"):
        amazon_settings('  bank_accounts: {euro: "095"}')
