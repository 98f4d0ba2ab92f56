"""Invoice bodies: Xero's own arithmetic (the sandbox's, written independently) must land on
the store's totals to the cent."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.xero_sandbox import invoices as xero_invoices
from local.xero_sandbox.contacts import create as create_contact
from local.xero_sandbox.seed import seed
from local.xero_sandbox.state import Organisation
from tests.conftest import EVENTS
from xerosync.config import StoreSettings, TaxSettings
from xerosync.domain import Party, Refund, Sale, SaleLine
from xerosync.sources.woocommerce.mapping import parse_order, sale_from_order
from xerosync.xero import payloads

SETTINGS = StoreSettings(
    invoice_prefix="WC-", tax=TaxSettings(rates={"1": "OUTPUT"}, no_tax="EXEMPTOUTPUT", rounding="BASEXCLUDED")
)
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def land(body: dict[str, Any], prepare: Any = None) -> dict[str, Any]:
    """What Xero computes for ``body`` (the sandbox's invoice engine, unitdp=4)."""
    org = seed(Organisation("t", "Test"))
    if prepare:
        prepare(org)
    contact = create_contact(org, {"Name": "Someone"}, NOW)
    return xero_invoices.create(org, {**body, "Contact": {"ContactID": contact["ContactID"]}}, 4, NOW)


@pytest.mark.parametrize("name", ["order-1001.json", "order-1002.json", "order-1003.json"])
def test_sample_orders_land_on_the_store_totals(name: str) -> None:
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / name).read_text()))
    invoice = land(payloads.invoice(sale, "c", SETTINGS))
    assert invoice["Total"] == sale.total
    assert invoice["TotalTax"] == sale.total_tax


def test_round_at_subtotal_store_tax_is_kept_exactly() -> None:
    # three 0.45 lines at 10%: Xero per line says 0.15, the store (rounding at subtotal) 0.14
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1002.json").read_text()))
    body = payloads.invoice(sale, "c", SETTINGS)
    assert [line["TaxAmount"] for line in body["LineItems"][:3]] == [Decimal("0.04"), Decimal("0.05"), Decimal("0.05")]


def test_unmapped_tax_rate_is_a_clear_error_naming_the_rate() -> None:
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1001.json").read_text()))
    with pytest.raises(payloads.MappingError, match=r'rate 1 AU-GST-1 \(GST\).*"1"'):
        payloads.invoice(sale, "c", StoreSettings())


def test_allocate_tax_hits_the_target_and_moves_the_fewest_cents() -> None:
    assert payloads.allocate_tax([Decimal("0.045")] * 3, Decimal("0.14")) == [
        Decimal("0.04"),
        Decimal("0.05"),
        Decimal("0.05"),
    ]
    assert payloads.allocate_tax([Decimal("1.004"), Decimal("2.004")], Decimal("3.01")) == [
        Decimal("1.01"),
        Decimal("2.00"),
    ]
    assert payloads.allocate_tax([Decimal(0), Decimal(0)], Decimal(0)) == [Decimal("0.00"), Decimal("0.00")]


def test_contact_body_respects_xero_limits() -> None:
    party = Party(key="customer:1", name="N" * 300, customer_number="9" * 60, email="a@b.c")
    body = payloads.contact(party)
    assert len(body["Name"]) == 255 and len(body["ContactNumber"]) == 50


def test_a_difference_left_over_becomes_a_rounding_line() -> None:
    # a store line total with more precision than cents cannot be expressed exactly
    line = SaleLine(
        "product", "line:1", "Thing", Decimal(3), Decimal("10.005"), Decimal(0), Decimal("10.005"), Decimal(0)
    )
    sale = Sale(
        key="order:1",
        id="1",
        number="1",
        lifecycle="confirmed",
        status_word="processing",
        date=NOW.date(),
        currency="AUD",
        prices_include_tax=False,
        customer=Party("guest:x", "X"),
        lines=(line,),
        total=Decimal("10.00"),
        total_tax=Decimal("0"),
    )
    body = payloads.invoice(sale, "c", SETTINGS)
    assert body["LineItems"][-1]["AccountCode"] == SETTINGS.accounts.rounding
    assert land(body)["Total"] == Decimal("10.00")


# --- property: any order a store could produce lands on its total ----------------------------

CENTS = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def orders(draw: st.DrawFn) -> Sale:
    inclusive = draw(st.booleans())
    lines = []
    for n in range(draw(st.integers(1, 6))):
        quantity = Decimal(draw(st.integers(1, 9)))
        subtotal = draw(CENTS)
        discount = min(subtotal, draw(CENTS)) if draw(st.booleans()) else Decimal(0)
        total = subtotal - discount
        taxed = draw(st.booleans())
        rate = Decimal("0.1") if taxed else Decimal(0)
        # WooCommerce line taxes carry three or more decimals
        tax = (total * rate).quantize(Decimal("0.001"))
        sub_tax = (subtotal * rate).quantize(Decimal("0.001"))
        kind = draw(st.sampled_from(["product", "product", "shipping", "fee"]))
        lines.append(
            SaleLine(
                kind,
                f"{kind}:{n}",
                f"Line {n}",
                quantity if kind == "product" else Decimal(1),
                subtotal,
                sub_tax,
                total,
                tax,
                ("1",) if taxed else (),
            )
        )
    total_tax = sum((ln.tax for ln in lines), Decimal(0)).quantize(Decimal("0.01"))
    total = sum((ln.total for ln in lines), Decimal(0)) + total_tax
    return Sale(
        key="order:9",
        id="9",
        number="9",
        lifecycle="confirmed",
        status_word="processing",
        date=NOW.date(),
        currency="AUD",
        prices_include_tax=inclusive,
        customer=Party("guest:x", "X"),
        lines=tuple(lines),
        total=total,
        total_tax=total_tax,
    )


@settings(max_examples=200, deadline=None)
@given(orders())
def test_any_order_lands_on_its_total_and_tax(sale: Sale) -> None:
    invoice = land(payloads.invoice(sale, "c", SETTINGS))
    assert invoice["Total"] == sale.total
    assert invoice["TotalTax"] == sale.total_tax


# --- items, tracking, payments, credit notes ------------------------------------------------


def test_item_codes_follow_xeros_limits() -> None:
    from xerosync.config import Items

    assert payloads.item_code("BEANIE-MER-GRY", SETTINGS).code == "BEANIE-MER-GRY"
    missing = payloads.item_code(None, SETTINGS)
    assert missing.code is None and "no SKU" in missing.decision
    long_sku = "X" * 25 + "-VARIANT-BLUE-LARGE"
    shortened = payloads.item_code(long_sku, SETTINGS)
    assert shortened.code is not None and len(shortened.code) == 30
    assert shortened.code == payloads.item_code(long_sku, SETTINGS).code  # stable
    assert shortened.code != payloads.item_code(long_sku + "2", SETTINGS).code
    assert long_sku in shortened.decision
    skipping = replace(SETTINGS, items=Items(long_sku="skip"))
    assert payloads.item_code(long_sku, skipping).code is None


def test_item_body_is_untracked_and_truncates_the_name() -> None:
    from xerosync.domain import Product

    body = payloads.item(Product("product:1", "SKU1", "N" * 80, "desc", Decimal("19.995")), "SKU1", SETTINGS)
    assert len(body["Name"]) == 50
    assert body["IsTrackedAsInventory"] is False
    assert body["SalesDetails"] == {"AccountCode": "200", "UnitPrice": Decimal("19.995")}


def test_tracking_and_item_codes_go_on_the_lines() -> None:
    from local.xero_sandbox import items as xero_items
    from local.xero_sandbox import settings as xero_settings
    from xerosync.config import Tracking

    settings = replace(SETTINGS, tracking=Tracking(category="Channel", option="Online"))
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1001.json").read_text()))
    body = payloads.invoice(sale, "c", settings, item_codes={"product:301": "BEANIE-MER-GRY"})
    assert body["LineItems"][0]["ItemCode"] == "BEANIE-MER-GRY"
    assert "ItemCode" not in body["LineItems"][1]
    assert all(line["Tracking"] == [{"Name": "Channel", "Option": "Online"}] for line in body["LineItems"])

    def prepare(org: Organisation) -> None:  # Xero refuses unknown item codes and tracking options
        xero_items.create(org, {"Code": "BEANIE-MER-GRY", "Name": "Beanie"}, 4, NOW)
        category = xero_settings.create_tracking_category(org, {"Name": "Channel"})
        xero_settings.add_option(category, {"Name": "Online"})

    assert land(body, prepare)["Total"] == sale.total


def test_tax_rates_map_by_rate_code_too() -> None:
    settings = replace(SETTINGS, tax=TaxSettings(rates={"AU-GST-1": "OUTPUT"}))
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1003.json").read_text()))
    assert {line["TaxType"] for line in payloads.invoice(sale, "c", settings)["LineItems"]} == {"OUTPUT"}


def test_line_ids_are_kept_on_update() -> None:
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1003.json").read_text()))
    body = payloads.invoice(sale, "c", SETTINGS, line_ids={"line:5201": "id-1", "shipping:5202": "id-2"})
    assert [line["LineItemID"] for line in body["LineItems"]] == ["id-1", "id-2"]


def test_payment_needs_a_mapped_gateway() -> None:
    from xerosync.config import Payments

    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1002.json").read_text()))
    with pytest.raises(payloads.MappingError, match=r"payment gateway 'ppcp-gateway' \(PayPal\)"):
        payloads.payment_account(sale, SETTINGS)
    mapped = replace(SETTINGS, payments=Payments(accounts={"ppcp-gateway": "093"}))
    assert payloads.payment_account(sale, mapped) == "093"
    fallback = replace(SETTINGS, payments=Payments(default_account="090"))
    assert payloads.payment_account(sale, fallback) == "090"
    body = payloads.payment(
        invoice_id="i",
        account="093",
        when=sale.paid_date or NOW.date(),
        amount=Decimal("28.690"),
        reference=payloads.payment_reference(sale),
    )
    assert body == {
        "Account": {"Code": "093"},
        "Date": "2026-11-20",
        "Amount": Decimal("28.69"),
        "Reference": "8DEMO1002PAYPAL",
        "Invoice": {"InvoiceID": "i"},
    }


def refund_of(sale: Sale, lines: tuple[SaleLine, ...], amount: str) -> Refund:
    return Refund("refund:1:5", "5", sale.key, NOW.date(), Decimal(amount), "damaged", lines)


def test_credit_note_for_a_line_refund_totals_the_refund() -> None:
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1001.json").read_text()))
    beanie = sale.lines[0]
    one = SaleLine(
        "product",
        beanie.source_id,
        beanie.description,
        Decimal(1),
        Decimal("27.00"),
        Decimal("2.70"),
        Decimal("27.00"),
        Decimal("2.70"),
        beanie.tax_rate_ids,
        beanie.sku,
        beanie.product_key,
    )
    body = payloads.credit_note(refund_of(sale, (one,), "29.70"), sale, "c", SETTINGS)
    assert body["Type"] == "ACCRECCREDIT" and body["CreditNoteNumber"] == "WC-1001-R5"
    assert "damaged" in body["Reference"]
    landed = land({**body, "Type": "ACCREC"})  # same arithmetic as an invoice
    assert (landed["Total"], landed["TotalTax"]) == (Decimal("29.70"), Decimal("2.70"))


def test_amount_only_refund_carries_the_orders_single_tax_rate() -> None:
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1003.json").read_text()))
    body = payloads.credit_note(refund_of(sale, (), "11.00"), sale, "c", SETTINGS)
    landed = land({**body, "Type": "ACCREC"})
    # GST-inclusive 11.00 at 10% holds 1.00 of GST
    assert (landed["Total"], landed["TotalTax"]) == (Decimal("11.00"), Decimal("1.00"))
    assert {line["TaxType"] for line in body["LineItems"]} == {"OUTPUT"}


def test_amount_only_refund_of_a_mixed_rate_order_has_no_tax() -> None:
    sale = sale_from_order(parse_order((EVENTS / "woocommerce" / "order-1002.json").read_text()))
    body = payloads.credit_note(refund_of(sale, (), "5.00"), sale, "c", SETTINGS)
    landed = land({**body, "Type": "ACCREC"})
    assert (landed["Total"], landed["TotalTax"]) == (Decimal("5.00"), Decimal("0"))


def test_amount_only_refund_of_a_tax_exclusive_order_still_totals_the_refund() -> None:
    data = json.loads((EVENTS / "woocommerce" / "order-1003.json").read_text())
    sale = replace(sale_from_order(parse_order(data)), prices_include_tax=False)
    body = payloads.credit_note(refund_of(sale, (), "11.00"), sale, "c", SETTINGS)
    landed = land({**body, "Type": "ACCREC"})
    assert (landed["Total"], landed["TotalTax"]) == (Decimal("11.00"), Decimal("1.00"))


def test_long_idempotency_keys_stay_distinct_within_xeros_128_characters() -> None:
    from xerosync.xero.client import limited_key

    a, b = "k" * 200 + "a", "k" * 200 + "b"
    assert len(limited_key(a)) == 128 and limited_key(a) != limited_key(b)
    assert limited_key("short") == "short"
