"""The operator's command line: preview and settings, offline."""

import json
from typing import Any

from typer.testing import CliRunner

from tests.conftest import EVENTS, ROOT
from xerosync.cli import app
from xerosync.config import parse_settings
from xerosync.settings_check import check

runner = CliRunner()
SETTINGS = str(ROOT / "local" / "demo-settings.yaml")


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_preview_of_an_order_prints_the_exact_bodies_as_json() -> None:
    result = run("preview", str(EVENTS / "woocommerce" / "order-1001.json"), "-s", SETTINGS, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    paths = [r["path"] for r in document["requests"]]
    assert paths[:2] == ["/Contacts?summarizeErrors=false", "/Invoices?summarizeErrors=false&unitdp=4"]
    invoice = document["requests"][1]["body"]["Invoices"][0]
    assert invoice["InvoiceNumber"] == "WC-1001"
    assert invoice["Contact"]["ContactID"] == "<ContactID of customer:12>"
    assert invoice["LineItems"][1]["DiscountAmount"] == 2.49  # money as JSON numbers, exact
    assert invoice["LineItems"][0]["Quantity"] == 2


def test_preview_shows_what_a_setting_change_does(tmp_path: Any) -> None:
    changed = tmp_path / "settings.yaml"
    changed.write_text(
        (ROOT / "local" / "demo-settings.yaml").read_text().replace('invoice_prefix: "WC-"', 'invoice_prefix: "SHOP-"')
    )
    result = run("preview", str(EVENTS / "woocommerce" / "order-1003.json"), "-s", str(changed), "--json")
    assert json.loads(result.stdout)["requests"][1]["body"]["Invoices"][0]["InvoiceNumber"] == "SHOP-1003"


def test_preview_of_a_skipped_status_and_of_a_product() -> None:
    draft = run("preview", str(EVENTS / "woocommerce" / "order-1004-checkout-draft.json"), "-s", SETTINGS, "--json")
    assert json.loads(draft.stdout)["requests"] == []
    product = run("preview", str(EVENTS / "woocommerce" / "product-301.json"), "-s", SETTINGS, "--json")
    [request] = json.loads(product.stdout)["requests"]
    assert request["body"]["Items"][0]["Code"] == "BEANIE-MER-GRY"


def test_preview_with_an_unmapped_tax_rate_says_which(tmp_path: Any) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("invoice_prefix: WC-\n")
    result = run("preview", str(EVENTS / "woocommerce" / "order-1001.json"), "-s", str(bare))
    assert result.exit_code == 1
    assert "AU-GST-1" in result.output


def test_settings_validate_reports_each_problem(tmp_path: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("acounts: {}\n")
    result = run("settings", "validate", str(bad))
    assert result.exit_code == 2
    assert "acounts: unknown setting" in result.output
    assert run("settings", "validate", SETTINGS).exit_code == 0


def test_settings_validate_checks_the_store_section_with_the_stores_adapter(tmp_path: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("store: {order_statuses: {on-hold: maybe}, paid_status: shipped}\n")
    result = run("settings", "validate", str(bad))
    assert result.exit_code == 2
    assert "store.order_statuses.on-hold" in result.output and "store.paid_status" in result.output
    unknown = run("settings", "validate", SETTINGS, "--source", "no-such-store")
    assert unknown.exit_code == 2 and "'no-such-store'" in unknown.output


def test_settings_validate_says_where_settings_at_their_old_place_go_now(tmp_path: Any) -> None:
    old = tmp_path / "old.yaml"
    old.write_text("order_statuses: {on-hold: AUTHORISED}\npayments: {paid_statuses: [processing]}\n")
    result = run("settings", "validate", str(old))
    assert result.exit_code == 0, result.output  # existing files keep working ...
    assert "order_statuses is now store.order_statuses" in result.output  # ... and say how to move
    assert "payments.paid_statuses is now store.paid_statuses" in result.output
    assert "valid" in result.stdout


def test_preview_reads_the_file_as_the_stacks_source_would(tmp_path: Any) -> None:
    # the source's default invoice prefix applies where the file has none
    bare = tmp_path / "bare.yaml"
    bare.write_text((ROOT / "local" / "demo-settings.yaml").read_text().replace('invoice_prefix: "WC-"\n', ""))
    assert "invoice_prefix" not in bare.read_text()
    result = run("preview", str(EVENTS / "woocommerce" / "order-1003.json"), "-s", str(bare), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["requests"][1]["body"]["Invoices"][0]["InvoiceNumber"] == "WC-1003"
    unknown = run("preview", str(EVENTS / "woocommerce" / "order-1003.json"), "-s", SETTINGS, "--source", "nope")
    assert unknown.exit_code == 2


class Org:
    def accounts(self) -> list[dict[str, Any]]:
        return [
            {"Code": "200", "Name": "Sales", "Type": "REVENUE", "Status": "ACTIVE"},
            {"Code": "210", "Name": "Shipping", "Type": "REVENUE", "Status": "ACTIVE"},
            {"Code": "220", "Name": "Fees", "Type": "REVENUE", "Status": "ARCHIVED"},
            {"Code": "860", "Name": "Rounding", "Type": "CURRLIAB", "Status": "ACTIVE"},
            {"Code": "092", "Name": "Stripe", "Type": "BANK", "Status": "ACTIVE"},
            {"Code": "093", "Name": "PayPal", "Type": "CURRENT", "Status": "ACTIVE"},
        ]

    def tax_rates(self) -> list[dict[str, Any]]:
        return [{"TaxType": t, "Name": t, "Status": "ACTIVE", "EffectiveRate": 10} for t in ("OUTPUT", "BASEXCLUDED")]

    def tracking_categories(self) -> list[dict[str, Any]]:
        return []


def test_settings_check_names_each_mismatch() -> None:
    findings = {f.setting: f for f in check(parse_settings((ROOT / "local" / "demo-settings.yaml").read_text()), Org())}
    assert findings["accounts.sales"].ok
    assert not findings["accounts.fees"].ok and "archived" in findings["accounts.fees"].detail
    assert not findings["payments.accounts.ppcp-gateway"].ok  # not a bank account
    assert findings["payments.accounts.stripe"].ok
    assert findings["tax.rates.1"].ok
    assert not findings["tax.no_tax"].ok and "no such tax type" in findings["tax.no_tax"].detail
