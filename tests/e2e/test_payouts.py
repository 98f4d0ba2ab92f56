"""Shopify Payments payouts through the whole local stack: template.yaml's SettlementsFunction on
its schedule (moto, the runner), the Shopify simulator over HTTP (its Admin GraphQL API, with the
credentials in StoreApiSecret) and the Xero sandbox over HTTP (validated against the spec).

Given a shop whose history paid out several times (some payouts failed and were paid again),
when the schedule runs, then every paid payout is one Receive (or Spend) Money on the bank account
totalling its deposit with the bank's reference; running it again posts nothing; a payout that
fails after posting is reversed; and the payout that pays its money again carries its lines.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml

from local.shopify_store import ShopifyStore
from local.shopify_store.generate import populate
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.e2e.conftest import ROOMY

pytestmark = pytest.mark.e2e
D = Decimal
START = datetime.now(UTC) - timedelta(days=12)


@dataclass
class Payouts:
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    shop: ShopifyStore

    def run(self) -> dict[str, Any]:
        result = self.stack.run_schedule("SettlementsFunction")
        assert result.ok, result.error
        payload: dict[str, Any] = result.payload
        assert payload["outcome"] == "polled", payload
        return payload

    def writes(self) -> int:
        return sum(n for (_, endpoint), n in self.sandbox.state.calls.items() if not endpoint.startswith("GET"))

    def posted(self) -> dict[str, dict[str, Any]]:
        """The bank transactions by reference (the payout's trace id)."""
        return {t["Reference"]: t for t in self.org.bank_transactions.values()}


SETTINGS = {
    "payments": {"accounts": {"shopify_payments": "615", "paypal": "093", "gift_card": "825", "manual": "091"}},
    "accounts": {"fees": "404", "gift_cards": "825", "adjustments": "260"},
    "settlements": {
        "enabled": True,
        "bank_account": "090",
        "since": START.date().isoformat(),
        "accounts": {"other": "260", "disputes": "400", "reserves": "616"},
    },
}


@pytest.fixture(scope="module")
def payouts() -> Iterator[Payouts]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Payouts Co", base_currency="USD", country="US", limits=ROOMY)
    now = datetime.now(UTC)
    for code, name, kind in (("615", "Shopify Payments clearing", "CURRENT"), ("616", "Payments reserve", "CURRENT"),
                             ("825", "Gift cards outstanding", "CURRLIAB")):  # fmt: skip
        create_account(org, {"Code": code, "Name": name, "Type": kind, "EnablePaymentsToAccount": True}, now)
    connection = sandbox.add_client([org.tenant_id])
    shop = ShopifyStore().start()
    populate(shop, seed=5, customers=8, orders=40, start=START, end=now - timedelta(hours=1))
    stack = LocalStack(
        stack_name="e2e-payouts",
        store_name="payouts",
        poll=False,
        parameters={"StoreSource": "shopify", "XeroApiUrl": sandbox.url, "XeroIdentityUrl": sandbox.url},
    ).start()
    stack.put_secret(
        "XeroCredentialsSecret",
        json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
    )
    stack.put_secret(
        "StoreApiSecret",
        json.dumps({"shop": shop.url, "client_id": shop.app.client_id, "client_secret": shop.app.client_secret}),
    )
    stack.put_settings(yaml.safe_dump(SETTINGS))
    try:
        yield Payouts(stack, sandbox, org, shop)
    finally:
        stack.stop()
        shop.stop()
        sandbox.stop()


def test_every_paid_payout_is_one_bank_line_of_its_deposit_and_a_second_run_posts_nothing(payouts: Payouts) -> None:
    first = payouts.run()
    paid = [p for p in payouts.shop.payments.payouts.values() if p.status == "PAID"]
    assert len(paid) >= 3 and first["posted"] == len(paid) and first["failed"] == 0 and first["parked"] == 0
    posted = payouts.posted()
    for payout in paid:
        transaction = posted[str(payout.trace)]
        assert transaction["Type"] == ("RECEIVE" if payout.net >= 0 else "SPEND")
        assert transaction["Total"] == abs(payout.net)
        assert transaction["BankAccountID"] == payouts.org.account_by_code("090")["AccountID"]  # type: ignore[index]
    writes = payouts.writes()
    again = payouts.run()
    assert again["posted"] == 0 and payouts.writes() == writes  # nothing new, whatever the overlap re-lists
    assert payouts.sandbox.spec_violations == []


def test_a_payout_that_fails_after_posting_is_reversed_and_its_money_posted_with_the_next(payouts: Payouts) -> None:
    payouts.run()
    pay = payouts.shop.payments
    latest = max((p for p in pay.payouts.values() if p.status == "PAID"), key=lambda p: p.issued_at)
    pay.settle(latest.id, "FAILED")
    reversed_ = payouts.run()
    assert reversed_["reversed"] == 1
    assert payouts.posted()[str(latest.trace)]["Status"] == "DELETED"
    [retry] = pay.pay_out()
    pay.settle(retry.id, "PAID")
    after = payouts.run()
    assert after["posted"] == 1 and after["failed"] == 0
    transaction = payouts.posted()[str(retry.trace)]
    assert transaction["Total"] == abs(retry.net) and transaction["Status"] == "AUTHORISED"
    failed_lines = [r for r in pay.rows if r.payout_id == latest.id and r.type == "CHARGE"]
    clearing = sum((line["LineAmount"] for line in transaction["LineItems"] if line["AccountCode"] == "615"), D(0))
    sign = 1 if retry.net >= 0 else -1
    moved = ("CHARGE", "REFUND")
    carried = sum((r.amount for r in pay.rows if r.payout_id in (latest.id, retry.id) and r.type in moved), D(0))
    assert failed_lines and sign * clearing == carried  # the failed payout's payments, cleared now
    assert payouts.sandbox.spec_violations == []


def test_the_operator_pushes_payouts_previews_one_and_the_drift_report_checks_them(payouts: Payouts) -> None:
    from typer.testing import CliRunner

    from tests.e2e.conftest import operator
    from xerosync.cli import app
    from xerosync.xero.client import XeroClient, XeroCredentials

    payouts.run()
    pay = payouts.shop.payments
    payouts.shop.payments.record("ADJUSTMENT", D("12.50"), D("0.30"), reason="Fee correction")
    [fresh] = pay.pay_out()
    pay.settle(fresh.id, "PAID")
    day = fresh.issued_at.date().isoformat()
    runner = CliRunner()
    with operator(payouts.stack):
        preview = runner.invoke(app, ["preview", "payout", str(fresh.id), "--json"], env={"COLUMNS": "250"})
        assert preview.exit_code == 0, preview.output
        [request] = json.loads(preview.output)["requests"]
        assert sum(D(str(x["UnitAmount"])) for x in request["body"]["BankTransactions"][0]["LineItems"]) == fresh.net
        pushed = runner.invoke(app, ["push", "--payouts", "--from", day, "--to", day], env={"COLUMNS": "250"})
        assert pushed.exit_code == 0, pushed.output
        assert "posted 1" in pushed.output and payouts.posted()[str(fresh.trace)]["Total"] == fresh.net
        writes = payouts.writes()
        again = runner.invoke(app, ["push", "--payouts", "--from", day, "--to", day], env={"COLUMNS": "250"})
        assert again.exit_code == 0 and "posted 1" not in again.output and payouts.writes() == writes
        connection = next(iter(payouts.sandbox.state.clients.values()))
        accountant = XeroClient(XeroCredentials(connection.client_id, connection.client_secret),
                                api_url=payouts.sandbox.url, identity_url=payouts.sandbox.url)  # fmt: skip
        made = payouts.posted()[str(fresh.trace)]
        accountant.update_bank_transaction(
            made["BankTransactionID"],
            {"Type": "RECEIVE", "BankAccount": {"Code": "090"}, "LineItems": [], "Status": "DELETED"},
            idempotency_key="by-hand",
        )
        drift = runner.invoke(app, ["drift", "--day", day], env={"COLUMNS": "250"})
        assert drift.exit_code == 0, drift.output
        assert f"payout:{fresh.id}" in drift.output and "taken off the books in Xero by hand" in drift.output


def test_status_shows_the_settlements_jobs_last_run(payouts: Payouts) -> None:
    from typer.testing import CliRunner

    from tests.e2e.conftest import operator
    from xerosync.cli import app

    last = payouts.run()
    with operator(payouts.stack):
        status = CliRunner().invoke(app, ["status"], env={"COLUMNS": "250"})
    assert status.exit_code == 0, status.output
    [line] = [x for x in status.output.splitlines() if x.startswith("last settlements run: ")]
    assert line.startswith("last settlements run: 20") and ": polled, " in line
    assert f"{last['listed']} listed, {last['posted']} posted" in line and "0 parked, 0 failed" in line
    assert "Xero calls left today: unknown" not in status.output  # the job's quota note counts
