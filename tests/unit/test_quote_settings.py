"""The quotes: and purchasing: sections of the settings, read like every other section."""

import pytest

from xerosync.config import SettingsError, parse_settings
from xerosync.config_quotes import Purchasing
from xerosync.xero import quote_payloads


def test_the_defaults_are_xeros_natural_statuses_and_an_order_not_a_bill() -> None:
    settings = parse_settings("")
    assert settings.purchasing == Purchasing() and not settings.purchasing.as_bills
    assert quote_payloads.quote_status(settings, "withdrawn") == "DELETED"
    assert quote_payloads.order_status(settings.purchasing, "billed") == "BILLED"
    assert quote_payloads.bill_status(settings.purchasing, "billed") == "AUTHORISED"


def test_a_file_chooses_bills_and_each_stages_status() -> None:
    text = """
quotes:
  statuses: {sent: DRAFT}
purchasing:
  account: "310"
  tax_rates: {GST: INPUT}
  no_tax: EXEMPTEXPENSES
  as_bills: true
  bill_statuses: {approved: DRAFT}
"""
    settings = parse_settings(text)
    assert quote_payloads.quote_status(settings, "sent") == "DRAFT"
    assert quote_payloads.quote_status(settings, "accepted") == "ACCEPTED"
    p = settings.purchasing
    assert (p.account, p.tax_rates, p.no_tax, p.as_bills) == ("310", {"GST": "INPUT"}, "EXEMPTEXPENSES", True)
    assert quote_payloads.bill_status(p, "approved") == "DRAFT"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("quotes: {statuses: {sent: PAID}}", "quotes.statuses.sent"),
        ("purchasing: {bill_statuses: {billed: BILLED}}", "purchasing.bill_statuses.billed"),
        ('purchasing: {account: ""}', "purchasing.account"),
        ("purchasing: {as_bill: true}", "purchasing.as_bill"),
    ],
)
def test_a_wrong_value_is_named_with_its_field(text: str, field: str) -> None:
    with pytest.raises(SettingsError, match=field.replace(".", r"\.")):
        parse_settings(text)


def test_with_order_sync_off_quotes_and_purchases_are_skipped_like_sales() -> None:
    from dataclasses import replace

    from tests.fakes import InMemoryMappings
    from tests.quotes import AWKWARD, body_of
    from xerosync.config import Sync
    from xerosync.domain import Purchase, PurchaseChanged, Quote, QuoteChanged
    from xerosync.sync.order_queue import sync_order_record

    off = replace(parse_settings(""), sync=Sync(orders=False))
    body = body_of("Q-1", *AWKWARD)
    for command in (QuoteChanged(Quote(body, "sent")), PurchaseChanged(Purchase(body, "approved"))):
        outcome = sync_order_record(command, settings=off, xero=None, mappings=InMemoryMappings())  # type: ignore[arg-type]
        assert outcome.action == "skipped" and "sync.orders" in outcome.reason


def test_a_purchase_tax_without_a_purchase_tax_type_names_the_purchasing_setting() -> None:
    from tests.quotes import AWKWARD, SETTINGS, body_of
    from xerosync.domain import Purchase
    from xerosync.xero.lines import MappingError

    purchase = Purchase(body_of("PO-1", *AWKWARD), "approved")  # its lines' tax rate "1": mapped for sales only
    with pytest.raises(MappingError, match=r"purchasing\.tax_rates"):
        quote_payloads.purchase_order(purchase, "c", SETTINGS, Purchasing(tax_rates={}))
