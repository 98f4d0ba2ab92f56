"""Amazon settlements through the whole local stack: template.yaml with StoreSource=amazon, the
SettlementsFunction on its schedule (moto, the runner), the SP-API simulator over HTTP (LWA and the
Reports API, with the app's credentials in StoreApiSecret) and the Xero sandbox over HTTP
(validated against the spec).

Given a seller whose settlement history holds one settlement across a month end and one negative,
when the schedule runs, then each settlement is in Xero once: its last document totals the
deposit (the earlier month's carried forward to it), paid from the bank account for exactly the
deposit; running it again posts nothing; a settlement Amazon publishes later is posted by the
next run; and the stack's webhook route refuses any HTTP delivery (Amazon sends none).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml

from local.amazon_sp import AmazonSP, Notifier
from local.amazon_sp.reports import Report
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.e2e.conftest import ROOMY
from tests.unit.test_amazon_settlement import ACCOUNTS, KINDS

pytestmark = pytest.mark.e2e
D = Decimal

SETTINGS = {
    "sync": {"orders": False},
    "tax": {"no_tax": "NONE"},
    "settlements": {
        "enabled": True,
        "mode": "summary",
        "split_by_month": True,
        "negative": "bill",
        "bank_account": "090",
        "since": (datetime.now(UTC) - timedelta(days=89)).date().isoformat(),
        "accounts": {"other": "899", "reserves": "615", "carried_forward": "827", "by_type": KINDS},
    },
}


@dataclass
class Seller:
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    sp: AmazonSP
    reports: list[Report]

    def run(self) -> dict[str, Any]:
        result = self.stack.run_schedule("SettlementsFunction")
        assert result.ok, result.error
        payload: dict[str, Any] = result.payload
        assert payload["outcome"] == "polled", payload
        return payload

    def writes(self) -> int:
        return sum(n for (_, endpoint), n in self.sandbox.state.calls.items() if not endpoint.startswith("GET"))

    def documents(self, settlement_id: str) -> list[dict[str, Any]]:
        """The settlement's Xero documents, oldest month first (numbers AMZ-<id>[-yyyy-mm])."""
        found = [i for i in self.org.invoices.values() if str(i["InvoiceNumber"]).startswith(f"AMZ-{settlement_id}")]
        return sorted(found, key=lambda i: str(i["InvoiceNumber"]))


@pytest.fixture(scope="module")
def seller() -> Iterator[Seller]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Amazon Seller Co", base_currency="USD", country="US", limits=ROOMY)
    now = datetime.now(UTC)
    codes = {str(a.get("Code")) for a in org.accounts.values()}
    for name, code in [*ACCOUNTS.items(), ("Amazon other", "899")]:
        if code not in codes:
            create_account(org, {"Code": code, "Name": name, "Type": "CURRENT", "EnablePaymentsToAccount": True}, now)
    connection = sandbox.add_client([org.tenant_id])
    sp = AmazonSP(region="na", seed=17).start()
    reports = sp.populate(4)  # the second across a month end, the third negative
    stack = LocalStack(
        stack_name="e2e-amazon",
        store_name="amazon",
        poll=True,  # the settlement notifications queue's event source (the only one an Amazon stack uses)
        parameters={"StoreSource": "amazon", "XeroApiUrl": sandbox.url, "XeroIdentityUrl": sandbox.url},
    ).start()
    stack.put_secret(
        "XeroCredentialsSecret",
        json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
    )
    c = sp.credentials
    stack.put_secret(
        "StoreApiSecret",
        json.dumps(
            {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "refresh_token": c.refresh_token,
                "region": "NA",
                "endpoint": sp.endpoint,  # stands for https://sellingpartnerapi-na.amazon.com
                "lwa_url": sp.lwa_url,
            }
        ),
    )
    stack.put_settings(yaml.safe_dump(SETTINGS))
    try:
        yield Seller(stack, sandbox, org, sp, reports)
    finally:
        stack.stop()
        sp.stop()
        sandbox.stop()


def check_posted(seller: Seller, report: Report) -> None:
    settlement = report.settlement
    assert settlement is not None
    documents = seller.documents(settlement.id)
    assert documents, f"settlement {settlement.id} not in Xero"
    *earlier, last = documents
    assert last["Total"] == abs(settlement.total) and last["Status"] == "PAID", (last["Total"], settlement.total)
    assert last["Type"] == ("ACCREC" if settlement.total >= 0 else "ACCPAY")
    assert all(d["Total"] == 0 for d in earlier)  # carried forward to the deposit's document
    [payment] = [p for p in seller.org.payments.values() if p["Document"][1] == last["InvoiceID"]]
    assert payment["Amount"] == abs(settlement.total) and payment["Status"] == "AUTHORISED"
    assert payment["AccountID"] == seller.org.account_by_code("090")["AccountID"]  # type: ignore[index]
    assert payment["PaymentType"] == ("ACCRECPAYMENT" if settlement.total >= 0 else "ACCPAYPAYMENT")


def test_every_settlement_is_posted_once_to_its_deposit_and_a_second_run_posts_nothing(seller: Seller) -> None:
    first = seller.run()
    assert first["posted"] == len(seller.reports) and first["failed"] == 0 and first["parked"] == 0, first
    assert any(r.settlement and r.settlement.total < 0 for r in seller.reports)
    assert any(len(seller.documents(r.settlement.id)) == 2 for r in seller.reports if r.settlement)  # month end
    for report in seller.reports:
        check_posted(seller, report)
    writes, downloads = seller.writes(), sum(seller.sp.reports.downloads.values())
    again = seller.run()
    assert again["posted"] == 0 and again["failed"] == 0 and seller.writes() == writes
    assert sum(seller.sp.reports.downloads.values()) == downloads  # a posted report is not downloaded again
    assert seller.sp.tokens.minted == 1  # the LWA token kept in the mapping table, shared by both runs
    assert seller.sandbox.spec_violations == []


def test_a_settlement_published_later_is_posted_by_the_next_run(seller: Seller) -> None:
    seller.run()
    fresh = seller.sp.settle("Amazon.com", compressed=True)
    after = seller.run()
    assert after["posted"] == 1 and after["failed"] == 0, after
    check_posted(seller, fresh)


def test_a_report_processing_finished_notification_posts_the_settlement_at_once(seller: Seller) -> None:
    seller.run()
    queue = seller.stack.queue_url("SettlementNotificationsQueue")
    seller.sp.notifier = Notifier(queue, seller.stack.aws_endpoint)  # the destination the seller registers
    try:
        fresh = seller.sp.settle("Amazon.com", compressed=True)  # Amazon tells the queue
        assert seller.stack.wait_idle(120, queues=("SettlementNotificationsQueue",))
        check_posted(seller, fresh)  # no schedule ran: the notification did it
        writes = seller.writes()
        seller.sp.notify(fresh)  # delivered at least once: the same notification again
        assert seller.stack.wait_idle(120, queues=("SettlementNotificationsQueue",))
        assert seller.writes() == writes and len(seller.documents(fresh.settlement.id)) == 1  # type: ignore[union-attr]
        assert seller.stack.queue_depths()["SettlementNotificationsDLQ"] == 0
    finally:
        seller.sp.notifier = None
    assert seller.run()["posted"] == 0


def test_the_webhook_route_refuses_any_delivery_amazon_sends_none(seller: Seller) -> None:
    body = json.dumps({"notificationType": "REPORT_PROCESSING_FINISHED"}).encode()
    status, _, answer = seller.stack.http_request(
        "POST", "/webhooks/amazon", {"content-type": "application/json"}, body
    )
    assert status == 404 and b"Amazon sends no webhooks" in answer
    assert all(n == 0 for q, n in seller.stack.queue_depths().items() if not q.endswith("DLQ"))


def test_the_operator_pushes_settlements_by_day_once(seller: Seller) -> None:
    from typer.testing import CliRunner

    from tests.e2e.conftest import operator
    from xerosync.cli import app

    seller.run()
    seller.sp.clock.advance(900)  # an operator comes later
    fresh = seller.sp.settle("Amazon.com", compressed=False)
    day = fresh.created.date().isoformat()
    runner = CliRunner()
    with operator(seller.stack):
        pushed = runner.invoke(app, ["push", "--settlements", "--from", day, "--to", day], env={"COLUMNS": "250"})
        assert pushed.exit_code == 0, pushed.output
        assert "posted 1" in pushed.output
        check_posted(seller, fresh)
        writes = seller.writes()
        again = runner.invoke(app, ["push", "--settlements", "--from", day, "--to", day], env={"COLUMNS": "250"})
        assert again.exit_code == 0 and "posted 1" not in again.output and seller.writes() == writes
    assert seller.run()["posted"] == 0  # the schedule finds it posted: once, whoever posts it


def test_notifications_a_running_poll_holds_are_handed_back_for_later(seller: Seller) -> None:
    from tests.e2e.conftest import operator
    from xerosync.aws.jobstate import DynamoJobState

    event = {"Records": [{"messageId": "m-1", "body": "{}"}, {"messageId": "m-2", "body": "{}"}]}
    function = seller.stack.functions["SettlementsFunction"]
    with operator(seller.stack):
        states = DynamoJobState(seller.stack.resources["MappingsTable"])
        assert states.acquire("settlements", "another-run", 600)  # a scheduled run is polling
        try:
            held = function.invoke(event)
        finally:
            states.release("settlements", "another-run")
    assert held.ok and held.payload == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    done = function.invoke(event)
    assert done.ok and done.payload == {"batchItemFailures": []}


def test_a_settlement_amazon_reissues_replaces_its_documents_in_xero(seller: Seller) -> None:
    from local.amazon_sp.settlement import Line

    seller.run()
    [report] = [r for r in seller.reports if r.settlement and r.settlement.total > 0][:1]
    settlement = report.settlement
    assert settlement is not None
    before = [d["InvoiceID"] for d in seller.documents(settlement.id)]
    found = Line("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", D("4.56"), settlement.end)
    seller.sp.reissue(report, [found], compressed=True)
    done = seller.run()
    assert done["replaced"] == 1 and done["failed"] == 0 and done["posted"] == 0, done
    *earlier, last = seller.documents(settlement.id)
    assert [d["InvoiceID"] for d in [*earlier, last]] == before  # the same documents, updated in place
    assert last["Total"] == settlement.total + D("4.56") and last["Status"] == "PAID"
    paid = [
        p for p in seller.org.payments.values() if p["Document"][1] == last["InvoiceID"] and p["Status"] != "DELETED"
    ]
    assert [p["Amount"] for p in paid] == [settlement.total + D("4.56")]
    writes = seller.writes()
    assert seller.run()["replaced"] == 0 and seller.writes() == writes
    assert seller.sandbox.spec_violations == []
