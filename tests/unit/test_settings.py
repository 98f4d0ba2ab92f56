import pytest

from local.sam import ROOT
from xerosync.config import DEFAULT_ORDER_STATUSES, SettingsError, parse_settings


def test_demo_settings_parse() -> None:
    settings = parse_settings((ROOT / "local" / "demo-settings.yaml").read_text())
    assert settings.tax.rates == {"1": "OUTPUT"}
    assert settings.accounts.shipping == "210"
    assert settings.order_statuses["processing"] == "AUTHORISED"


def test_json_and_empty_documents_give_defaults() -> None:
    assert parse_settings('{"invoice_prefix": "SHOP-"}').invoice_prefix == "SHOP-"
    assert parse_settings("").order_statuses == DEFAULT_ORDER_STATUSES


def test_order_statuses_merge_over_the_defaults() -> None:
    settings = parse_settings("order_statuses:\n  pending: DRAFT\n")
    assert settings.order_statuses["pending"] == "DRAFT"
    assert settings.order_statuses["completed"] == "AUTHORISED"


def test_errors_name_every_field_and_the_fix() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings("acounts: {}\norder_statuses:\n  processing: PAID\ninvoice_prefix: " + "X" * 30)
    message = str(caught.value)
    assert "acounts: unknown setting; remove it or check its spelling" in message
    assert "order_statuses.processing" in message and "'PAID'" in message
    assert "invoice_prefix" in message
    assert "3 problem(s)" in message


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(SettingsError, match="mapping"):
        parse_settings("- a\n- b\n")
