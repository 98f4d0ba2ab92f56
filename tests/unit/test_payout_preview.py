"""``xerosync preview payout FILE``: the Xero requests of a payout file, offline, in both modes
(the docs payout's synthetic transactions: 41.90). Skips when ../shared is absent."""

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import reference_file
from xerosync.cli import app

D = Decimal
SETTINGS = """
payments: {accounts: {shopify_payments: "615"}}
settlements: {enabled: true, bank_account: "090", accounts: {other: "260"}, mode: %s}
"""


def preview(tmp_path: Path, mode: str, *extra: str) -> dict:  # type: ignore[type-arg]
    settings = tmp_path / f"{mode}.yaml"
    settings.write_text(SETTINGS % mode + ("sync: {orders: false}\n" if mode == "summary" else ""))
    payout = str(reference_file("fixtures", "shopify", "synthetic_payout_623721858_balance_transactions.json"))
    result = CliRunner().invoke(
        app, ["preview", "payout", payout, "-s", str(settings), "--source", "shopify", "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_per_order_mode_previews_one_receive_money_of_the_deposit(tmp_path: Path) -> None:
    [request] = preview(tmp_path, "per_order")["requests"]
    assert request["method"] == "PUT" and request["path"].startswith("/BankTransactions")
    [body] = request["body"]["BankTransactions"]
    assert body["Type"] == "RECEIVE" and body["BankAccount"] == {"Code": "090"}
    assert sum(D(str(line["UnitAmount"])) for line in body["LineItems"]) == D("41.90")


def test_summary_mode_previews_the_invoice_and_its_payment(tmp_path: Path) -> None:
    found = preview(tmp_path, "summary")
    invoice, payment = found["requests"]
    [body] = invoice["body"]["Invoices"]
    assert body["InvoiceNumber"] == "SP-623721858" and body["Contact"] == {"Name": "Shopify Payments"}
    assert sum(D(str(line["UnitAmount"])) for line in body["LineItems"]) == D("41.90")
    assert payment["body"]["Payments"][0]["Amount"] == 41.9
    assert payment["body"]["Payments"][0]["Invoice"] == {"InvoiceID": "<InvoiceID of SP-623721858>"}
    assert any("was not read from the store" in note for note in found["notes"])  # offline: no orders


def test_a_payout_id_without_a_stack_is_refused_with_how(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["preview", "payout", "623721858", "--source", "shopify"])
    assert result.exit_code == 1 and "--stack" in result.output
