import os
import subprocess
import sys

import pytest

from local.sam import ROOT
from xerosync import sources
from xerosync.config import SettingsError, parse_settings, parse_settings_noting
from xerosync.sources.woocommerce.settings import DEFAULT_ORDER_STATUSES, woo_settings

WOO = sources.source("woocommerce")


def parse(text: str) -> object:
    return parse_settings(text, defaults=WOO.settings_defaults, check=WOO.check_settings)


def test_demo_settings_parse() -> None:
    settings = parse_settings((ROOT / "local" / "demo-settings.yaml").read_text(), check=WOO.check_settings)
    assert settings.tax.rates == {"1": "OUTPUT"}
    assert settings.accounts.shipping == "210"
    assert settings.invoice_status.confirmed == "AUTHORISED"
    assert woo_settings(settings.store).order_statuses["processing"] == "confirmed"


def test_the_local_shopify_settings_parse_with_the_tax_types_local_shopify_adds() -> None:
    from local.shopify import US_TAXES, rates_key, settings_text

    shopify = sources.source("shopify")
    text = settings_text({"CA State Tax 6%+District Tax 2.25%+Los Angeles County Tax 0.25%": "TAX001"})
    settings = parse_settings(text, defaults=shopify.settings_defaults, check=shopify.check_settings)
    assert settings.invoice_prefix == "SH-" and settings.payments.accounts["shopify_payments"] == "094"
    assert settings.tax.rates["GST 10%"] == "OUTPUT" and len(settings.tax.rates) == 2
    assert settings.store["timezone"] == "Australia/Brisbane"
    assert rates_key(US_TAXES) in settings.tax.rates  # the adapter's own names of the lines' rates


def test_json_and_empty_documents_give_defaults() -> None:
    assert parse_settings('{"invoice_prefix": "SHOP-"}').invoice_prefix == "SHOP-"
    empty = parse_settings("", defaults=WOO.settings_defaults)
    assert empty.invoice_prefix == "WC-"  # the store's default, where the document says nothing
    assert woo_settings(empty.store).order_statuses == DEFAULT_ORDER_STATUSES


def test_a_document_that_is_neither_json_nor_yaml_is_refused_with_the_parsers_reason() -> None:
    for text in ('{"invoice_prefix": ', "accounts: [sales: 200"):
        with pytest.raises(SettingsError, match=r"(?s)^SSM parameter x: not valid JSON or YAML \(.+\)$"):
            parse_settings(text, source="SSM parameter x")


def test_json_and_absent_settings_are_read_without_the_yaml_parser() -> None:
    # Given a fresh interpreter; When JSON settings and absent settings are parsed
    probe = (
        "import sys; from xerosync.config import parse_settings; "
        """parse_settings('{"invoice_prefix": "S-"}'); parse_settings(''); print('yaml' in sys.modules)"""
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "shared")}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    # Then YAML's parser was never imported (a sync function with such settings never loads it)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "False"


def test_store_statuses_merge_over_the_defaults() -> None:
    settings = parse_settings("store:\n  order_statuses:\n    pending: awaiting_payment\n")
    statuses = woo_settings(settings.store).order_statuses
    assert statuses["pending"] == "awaiting_payment"
    assert statuses["completed"] == "confirmed"


def test_a_settings_file_of_before_the_store_section_keeps_working_and_says_so() -> None:
    old = "order_statuses:\n  pending: DRAFT\n  on-hold: AUTHORISED\npayments:\n  paid_statuses: [completed]\n"
    settings, notes = parse_settings_noting(old, check=WOO.check_settings)
    woo = woo_settings(settings.store)
    # the old values meant Xero statuses: read as the stages the default invoice_status turns into them
    assert woo.order_statuses["pending"] == "awaiting_payment" and settings.invoice_status.awaiting_payment == "DRAFT"
    assert woo.order_statuses["on-hold"] == "confirmed" and settings.invoice_status.confirmed == "AUTHORISED"
    assert woo.paid_statuses == ("completed",)
    assert any("order_statuses is now store.order_statuses" in n for n in notes)
    assert any("payments.paid_statuses is now store.paid_statuses" in n for n in notes)


def test_errors_name_every_field_and_the_fix() -> None:
    with pytest.raises(SettingsError) as caught:
        parse("acounts: {}\ninvoice_status:\n  confirmed: PAID\ninvoice_prefix: " + "X" * 30)
    message = str(caught.value)
    assert "acounts: unknown setting; remove it or check its spelling" in message
    assert "invoice_status.confirmed" in message and "'PAID'" in message
    assert "invoice_prefix" in message
    assert "3 problem(s)" in message


def test_the_store_section_is_checked_by_its_adapter() -> None:
    with pytest.raises(SettingsError) as caught:
        parse("store:\n  order_statuses:\n    processing: shipped\n  colour: red\n")
    message = str(caught.value)
    assert "store.order_statuses.processing" in message and "'shipped'" in message
    assert "store.colour: unknown setting" in message


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(SettingsError, match="mapping"):
        parse_settings("- a\n- b\n")
