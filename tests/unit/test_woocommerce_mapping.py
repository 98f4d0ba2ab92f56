import json
from decimal import Decimal

from tests.conftest import EVENTS, reference_file
from xerosync.sources.woocommerce.mapping import parse_customer, parse_order, party_from_customer, sale_from_order


def sample(name: str) -> str:
    return (EVENTS / "woocommerce" / name).read_text()


def test_money_is_decimal_parsed_from_text() -> None:
    order = parse_order(sample("order-1001.json"))
    assert order.total == Decimal("91.86")
    assert isinstance(order.line_items[1].taxes[0].total, Decimal)
    assert order.line_items[1].taxes[0].total == Decimal("2.041818")  # six decimals survive
    assert order.line_items[1].price == Decimal("20.418182")  # a JSON number, still exact


def test_sale_lines_cover_products_shipping_and_fees_with_store_taxes() -> None:
    sale = sale_from_order(parse_order(sample("order-1002.json")))
    assert [line.kind for line in sale.lines] == ["product"] * 4 + ["fee"]
    assert sale.lines[0].description == "Sticker \u2013 Mountain"  # &ndash; decoded
    assert sale.lines[0].tax_rate_ids == ("1",)
    assert sale.lines[3].tax_rate_ids == ()  # a 0.00 tax on the GST-free rate is no tax
    assert sale.lines[4].tax == Decimal("0.2")
    assert sale.key == "order:1002" and sale.number == "1002"
    assert sale.date.isoformat() == "2026-11-20"  # the store's local date, not the UTC one


def test_guest_is_keyed_by_email_and_registered_customer_by_id() -> None:
    guest = sale_from_order(parse_order(sample("order-1002.json"))).customer
    assert guest.key == "guest:sam.taylor@example.net"
    assert guest.customer_number is None
    assert guest.name == "Taylor & Sons Pty Ltd"  # company first
    registered = sale_from_order(parse_order(sample("order-1001.json"))).customer
    assert registered.key == "customer:12" and registered.customer_number == "12"


def test_guest_without_email_is_keyed_by_order() -> None:
    data = json.loads(sample("order-1003.json"))
    data["billing"]["email"] = ""
    assert sale_from_order(parse_order(data)).customer.key == "guest-order:1003"


def test_customer_becomes_a_party() -> None:
    party = party_from_customer(parse_customer(sample("customer-12.json")))
    assert (party.key, party.name, party.email, party.customer_number) == (
        "customer:12",
        "Jane Citizen",
        "jane@example.com",
        "12",
    )
    assert party.address.city == "Melbourne" and party.address.country == "AU"


def test_docs_order_fixture_maps() -> None:
    order = parse_order(reference_file("fixtures", "woocommerce", "docs_v3_order_create_response.json").read_text())
    sale = sale_from_order(order)
    assert sale.total == Decimal("29.35")
    assert sale.lines[1].description == "Ship Your Idea \u2013 Color: Black, Size: M Test"
    assert sale.lines[1].sku == "Bar3"
    assert sale.lines[2].kind == "shipping"
