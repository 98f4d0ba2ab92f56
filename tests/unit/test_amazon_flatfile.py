"""Amazon's V2 settlement flat file, read: by header name, in the file's own encoding and decimal
convention, the summary row's total kept apart from the lines, the V1 layout refused by its header.

Given a settlement report (the team's synthetic fixture when ../shared is present, and hand-written
ones here), when it is parsed, then every line is read with its three describing columns and its
amount as a Decimal, and the gap between the lines and total-amount is named (zero when consistent).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.conftest import reference_file
from xerosync.sources.amazon.flatfile import FlatFileError, decode, parse, parse_amount, parse_datetime

D = Decimal
HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\t"
    "transaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\t"
    "amount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\t"
    "merchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id"
)


def row(**cells: str) -> str:
    names = HEADER.split("\t")
    return "\t".join(cells.get(name.replace("-", "_"), "") for name in names)


def report(total: str, *lines: tuple[str, str, str, str, str], marketplace: str = "Amazon.com", **summary: str) -> str:
    head = row(
        settlement_id="111",
        settlement_start_date=summary.get("start", "2026-08-25 07:12:04 UTC"),
        settlement_end_date=summary.get("end", "2026-09-08 07:12:04 UTC"),
        deposit_date=summary.get("deposit", "2026-09-10 07:12:04 UTC"),
        total_amount=total,
        currency=summary.get("currency", "USD"),
    )
    body = [
        row(
            settlement_id="111",
            transaction_type=t,
            amount_type=at,
            amount_description=ad,
            amount=amount,
            posted_date=posted,
            marketplace_name=marketplace,
        )
        for t, at, ad, amount, posted in lines
    ]
    return "\n".join([HEADER, head, *body]) + "\n"


def test_the_synthetic_fixture_reads_to_its_total_across_the_month_end() -> None:
    data = reference_file("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv").read_bytes()
    s = parse(data)
    assert (s.settlement_id, s.currency, s.total, s.marketplace) == ("24680135790", "USD", D("30.30"), "Amazon.com")
    assert len(s.lines) == 29 and s.lines_total == D("30.30") and s.difference == 0
    assert s.start == datetime(2026, 8, 25, 7, 12, 4, tzinfo=UTC) and s.deposit_date.date() == date(2026, 9, 10)
    august = sum((line.amount for line in s.lines if line.posted and line.posted.month == 8), D(0))
    assert august == D("49.49") and s.total - august == D("-19.19")
    promo = next(line for line in s.lines if line.amount_type == "Promotion")
    assert (promo.kind, promo.amount, promo.promotion_id) == (
        "Order / Promotion / Shipping",
        D("-5.99"),
        "Free Shipping 2026-08",
    )
    assert promo.order_id == "114-8830164-2209177" and promo.sku == "GADGET-001" and promo.row == 17


def test_the_v1_layout_is_refused_by_its_header_saying_which_report_to_use() -> None:
    data = reference_file("fixtures", "amazon", "airbyte_test_fixture_settlement_v1_deprecated_layout.tsv").read_bytes()
    with pytest.raises(FlatFileError, match=r"deprecated V1 .*GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"):
        parse(data)


def test_a_hand_written_v1_header_is_refused_too() -> None:
    header = "\t".join(
        [
            "settlement-id",
            "total-amount",
            "currency",
            "price-type",
            "price-amount",
            "item-related-fee-type",
            "item-related-fee-amount",
        ]
    )
    with pytest.raises(FlatFileError, match="deprecated V1"):
        parse(header + "\n1\t2.00\tUSD\t\t\t\t\n")


def test_lines_that_do_not_add_up_name_the_difference() -> None:
    text = report(
        "10.00",
        ("Order", "ItemPrice", "Principal", "12.00", "2026-08-27"),
        ("Order", "ItemFees", "Commission", "-1.80", "2026-08-27"),
    )
    s = parse(text)
    assert s.lines_total == D("10.20") and s.difference == D("-0.20")


def test_a_german_file_with_decimal_commas_dotted_dates_and_latin_1_text() -> None:
    text = report(
        "1.234,50",
        ("Order", "ItemPrice", "Principal", "1.250,00", "27.08.2026"),
        ("Order", "ItemFees", "Commission", "(15,50)", "27.08.2026"),
        ("other-transaction", "other-transaction", "Gebühr für Lagerung", "0,00", "01.09.2026"),
        marketplace="Amazon.de",
        start="25.08.2026 07:12:04 UTC",
        end="08.09.2026 07:12:04 UTC",
        deposit="10.09.2026",
        currency="EUR",
    )
    s = parse(text.encode("iso-8859-1"))
    assert s.decimal == "," and s.total == D("1234.50") and s.difference == 0
    assert [line.amount for line in s.lines] == [D("1250.00"), D("-15.50"), D("0.00")]
    assert s.lines[2].amount_description == "Gebühr für Lagerung"
    assert s.lines[0].posted == date(2026, 8, 27) and s.end.date() == date(2026, 9, 8)


def test_whole_amounts_take_the_marketplace_convention() -> None:
    jp = report(
        "1200", ("Order", "ItemPrice", "Principal", "1200", "2026-08-27"), marketplace="Amazon.co.jp", currency="JPY"
    )
    assert parse(jp).total == D("1200")
    de = report(
        "1.200", ("Order", "ItemPrice", "Principal", "1.200", "2026-08-27"), marketplace="Amazon.de", currency="EUR"
    )
    assert parse(de).total == D("1200")  # a thousands point in a decimal-comma marketplace


def test_a_file_mixing_decimal_point_and_comma_is_refused() -> None:
    text = report(
        "2.50",
        ("Order", "ItemPrice", "Principal", "1,25", "2026-08-27"),
        ("Order", "ItemPrice", "Tax", "1.25", "2026-08-27"),
    )
    with pytest.raises(FlatFileError, match="both a decimal point and a decimal comma"):
        parse(text)


def test_bad_input_says_where() -> None:
    with pytest.raises(FlatFileError, match=r"line 3: 'twelve' is not an amount"):
        parse(report("1.00", ("Order", "ItemPrice", "Principal", "twelve", "2026-08-27")))
    with pytest.raises(FlatFileError, match=r"line 3: '2026-13-45' is not a date"):
        parse(report("1.00", ("Order", "ItemPrice", "Principal", "1.00", "2026-13-45")))
    with pytest.raises(FlatFileError, match="no column amount-type, amount-description"):
        parse(
            "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\tamount\n"
        )
    with pytest.raises(FlatFileError, match="no summary row"):
        parse(HEADER + "\n" + row(settlement_id="1", amount="1.00") + "\n")
    with pytest.raises(FlatFileError, match="empty"):
        parse(b"")


def test_a_line_of_another_settlement_is_refused() -> None:
    text = report("1.00", ("Order", "ItemPrice", "Principal", "1.00", "2026-08-27")).replace("\n111\t\t", "\n222\t\t")
    with pytest.raises(FlatFileError, match="settlement 222, the report's is 111"):
        parse(text)


def test_encoding_the_declared_charset_first_then_utf8_then_latin_1() -> None:
    assert decode("Gebühr".encode()) == "Gebühr"
    assert decode(b"\xef\xbb\xbfabc") == "abc"
    assert decode("Gebühr".encode("iso-8859-1")) == "Gebühr"
    assert decode("Gebühr".encode("cp1252"), "windows-1252") == "Gebühr"
    with pytest.raises(FlatFileError, match="declared charset"):
        decode(b"\xff\xfe", "utf-8")


def test_dates_and_amounts() -> None:
    assert parse_datetime("2026-08-25T07:12:04+02:00", "x").utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    assert parse_datetime("2026-08-25", "x") == datetime(2026, 8, 25, tzinfo=UTC)
    assert parse_amount("(55.00)", ".", "x") == D("-55.00") and parse_amount("-0,60", ",", "x") == D("-0.60")
