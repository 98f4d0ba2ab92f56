"""``xerosync preview settlement FILE --source amazon``: the Xero requests of an Amazon settlement
flat file, offline (the synthetic fixture: 30.30 across a month end), or why it would be parked,
and the deprecated V1 layout refused with the report to use."""

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import reference_file
from tests.unit.test_amazon_settlement import KINDS
from xerosync.cli import app

D = Decimal
SETTINGS = f"""
tax: {{no_tax: NONE}}
sync: {{orders: false}}
settlements:
  enabled: true
  mode: summary
  split_by_month: true
  bank_account: "090"
  accounts: {{other: "899", reserves: "615", carried_forward: "827", by_type: {json.dumps(KINDS)}}}
"""
FIXTURE = ("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv")


def preview(tmp_path: Path, flat_file: Path, *extra: str) -> tuple[int, str]:
    settings = tmp_path / "settings.yaml"
    settings.write_text(SETTINGS)
    command = ["preview", "settlement", str(flat_file), "-s", str(settings), "--source", "amazon", *extra]
    result = CliRunner().invoke(app, command, env={"COLUMNS": "250"})
    return result.exit_code, result.output


def test_the_fixture_previews_both_months_documents_and_the_payment_of_the_deposit(tmp_path: Path) -> None:
    code, output = preview(tmp_path, reference_file(*FIXTURE), "--json")
    assert code == 0, output
    august, september, payment = json.loads(output)["requests"]
    [early] = august["body"]["Invoices"]
    [last] = september["body"]["Invoices"]
    assert (early["InvoiceNumber"], last["InvoiceNumber"]) == ("AMZ-24680135790-2026-08", "AMZ-24680135790-2026-09")
    total = lambda body: sum(D(str(x["UnitAmount"])) * D(str(x.get("Quantity", 1))) for x in body["LineItems"])  # noqa: E731
    assert total(early) == 0 and total(last) == D("30.30")
    assert payment["body"]["Payments"][0]["Amount"] == 30.3 and payment["body"]["Payments"][0]["Account"] == {
        "Code": "090"
    }


def test_a_file_that_does_not_add_up_shows_why_it_would_be_parked_and_sends_nothing(tmp_path: Path) -> None:
    lines = reference_file(*FIXTURE).read_bytes().split(b"\n")
    dropped = tmp_path / "inconsistent.tsv"
    dropped.write_bytes(b"\n".join(line for n, line in enumerate(lines) if n != 3))  # one amount line missing
    code, output = preview(tmp_path, dropped, "--json")
    assert code == 0, output
    found = json.loads(output)
    assert found["requests"] == []
    assert found["notes"][0].endswith("deposit is 30.30 USD (39.98 unexplained): not posted"), found["notes"]


def test_the_v1_layout_is_refused_with_the_report_to_use(tmp_path: Path) -> None:
    v1 = next(p for p in reference_file("fixtures", "amazon").iterdir() if "v1" in p.name.lower())
    code, output = preview(tmp_path, v1)
    assert code == 1 and "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2" in output.replace("\n", "")
