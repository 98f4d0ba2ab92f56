"""The Amazon source behind the store port: found by the registry, its settlement capability, its
settings, and the SP-API credentials (a secret never shows; the region picks the endpoint).
The client's HTTP side is checked against the SP-API simulator (local/amazon_sp) once it lands."""

import pytest

from tests.conftest import reference_file
from xerosync.config import parse_settings
from xerosync.sources import source
from xerosync.sources.amazon.client import Credentials
from xerosync.sources.port import SettlementReader, StoreError, settlements_of


def test_the_registry_finds_amazon_and_it_reads_a_flat_file_as_a_settlement() -> None:
    amazon = source("amazon")
    assert amazon.name == "amazon" and isinstance(amazon, SettlementReader)
    text = reference_file("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv").read_bytes()
    s = amazon.read_settlement({"bytes": text})
    assert (s.key, s.number, str(s.deposit), s.currency, s.payer) == (
        "settlement:24680135790",
        "AMZ-24680135790",
        "30.30",
        "USD",
        "Amazon.com",
    )


def test_credentials_pick_the_regional_endpoint_and_hide_their_secrets() -> None:
    amazon = source("amazon")
    assert amazon.client({"client_id": "amzn1.x"}) is None  # not filled in yet
    store = amazon.client(
        {"client_id": "amzn1.x", "client_secret": "s3cret", "refresh_token": "Atzr|t", "region": "eu"}
    )
    assert settlements_of(store) is store and store is not None
    assert store.url == "https://sellingpartnerapi-eu.amazon.com"
    shown = repr(Credentials("id", "s3cret", "Atzr|t"))
    assert "s3cret" not in shown and "Atzr" not in shown
    with pytest.raises(StoreError, match="region 'XX'"):
        _ = Credentials("id", "s", "r", region="XX").base_url
    with pytest.raises(StoreError, match="https"):
        _ = Credentials("id", "s", "r", endpoint="http://example.com").base_url
    with pytest.raises(StoreError, match="settlements only"):
        store.fetch("order", "1")  # type: ignore[union-attr]


def test_amazon_settings_want_summary_mode_and_no_order_sync() -> None:
    amazon = source("amazon")
    wrong = parse_settings("settlements: {enabled: true, bank_account: '090', accounts: {other: '899'}}")
    assert len(amazon.check_settings(wrong)) == 2
    right = parse_settings(
        "sync: {orders: false}\n"
        "settlements: {enabled: true, mode: summary, bank_account: '090', accounts: {other: '899'}}"
    )
    assert amazon.check_settings(right) == []


def test_the_ingress_refuses_any_amazon_delivery_without_reading_the_secret() -> None:
    from xerosync.sources import decider

    def secret() -> str:
        raise AssertionError("the webhook secret is not read: nothing Amazon sends comes here")

    decision = decider("amazon")({"content-type": "application/json"}, b'{"notificationType": "X"}', secret, None)
    assert (decision.status, decision.outcome, decision.messages) == (404, "no_webhooks", ())
