"""Amazon settlements through the whole local stack: template.yaml with StoreSource=amazon, the
SettlementsFunction on its schedule (moto, the runner), the SP-API simulator over HTTP (LWA and the
Reports API, with the app's credentials in StoreApiSecret) and the Xero sandbox over HTTP
(validated against the spec).

Given a seller whose settlement history holds one settlement across a month end and one negative,
when the schedule runs, then each settlement is in Xero once: its last document totals the
deposit (the earlier month's carried forward to it), paid from the bank account for exactly the
deposit; running it again posts nothing; a settlement Amazon publishes later is posted by the
next run; and the stack's webhook route refuses any HTTP delivery (Amazon sends none).

The LWA client secret, which expires every 180 days
(developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials): given a secret that
expires in 20 days, the schedule publishes the days left and status warns; when the operator
rotates it, Amazon delivers the new secret to the stack's credential notifications queue, the stack
stores it as a new version (the old kept as AWSPREVIOUS) and mints with it once the old one is
refused; a stack left with the old secret after the grace period is told (logged without the
secret, alarmed). Status shows what Amazon posted since the last settlement, provisional, summed
per type (the Finances API).
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml

from local.amazon_sp import AmazonSP, Notifier
from local.amazon_sp.finances import open_period
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
        posted = seller.documents(fresh.settlement.id)  # type: ignore[union-attr]  # two across a month end
        seller.sp.notify(fresh)  # delivered at least once: the same notification again
        assert seller.stack.wait_idle(120, queues=("SettlementNotificationsQueue",))
        assert seller.writes() == writes and seller.documents(fresh.settlement.id) == posted  # type: ignore[union-attr]
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


# --- the LWA client secret: its expiry, its rotation, a refused one; the provisional view ----------
# (last in this module: they rotate the simulator's secret and move its clock by days)
def secret(seller: Seller, stage: str = "AWSCURRENT") -> dict[str, Any]:
    answer = seller.stack.client("secretsmanager").get_secret_value(
        SecretId=seller.stack.secret_arn("StoreApiSecret"), VersionStage=stage
    )
    loaded: dict[str, Any] = json.loads(answer["SecretString"])
    return loaded


def function_log(seller: Seller) -> str:
    return (seller.stack.log_dir / "SettlementsFunction.log").read_text(errors="replace")


def metric(seller: Seller, name: str) -> list[float]:
    """Values of ``name`` in the function's embedded-metric log lines (what CloudWatch would get)."""
    found = []
    for line in function_log(seller).splitlines():
        if f'"{name}"' in line and '"_aws"' in line:
            value = json.loads(line[line.index("{") :])[name]
            found += value if isinstance(value, list) else [value]
    return found


def cli(seller: Seller, *args: str) -> Any:
    from typer.testing import CliRunner

    from tests.e2e.conftest import operator
    from xerosync.cli import app

    with operator(seller.stack):
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def poll_once(seller: Seller) -> dict[str, Any]:
    result = seller.stack.run_schedule("SettlementsFunction")
    assert result.ok, result.error
    payload: dict[str, Any] = result.payload
    return payload


def test_the_schedule_publishes_the_days_left_and_status_warns_inside_30_days(seller: Seller) -> None:
    expires = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)  # copied from the developer console
    seller.stack.put_secret(
        "StoreApiSecret", json.dumps({**secret(seller), "client_secret_expires": expires.isoformat()})
    )
    assert poll_once(seller)["outcome"] == "polled"
    assert metric(seller, "store_secret_days_left")[-1] in (19, 20)
    status = cli(seller, "status", "--no-provisional")
    assert status.exit_code == 0, status.output
    expires = secret(seller)["client_secret_expires"][:10]
    assert re.search(
        rf"Login with Amazon client secret expires {expires} .*\((19|20) days left\): WARNING", status.output
    )


def test_a_rotation_is_delivered_to_the_stack_s_queue_and_stored_as_a_new_version(seller: Seller) -> None:
    old = secret(seller)
    queue = seller.stack.queue_url("CredentialNotificationsQueue")
    seller.sp.secret_notifier = Notifier(queue, seller.stack.aws_endpoint)  # registered in the developer console
    rotated = cli(seller, "rotate", "store-secret")
    assert rotated.exit_code == 0, rotated.output
    assert "CredentialNotificationsQueue" in rotated.output or queue in rotated.output
    assert seller.stack.wait_idle(60, queues=("CredentialNotificationsQueue",))
    new = secret(seller)
    assert new["client_secret"] == seller.sp.credentials.client_secret != old["client_secret"]
    assert new["client_secret_expires"][:10] == seller.sp.tokens.secret_expires.date().isoformat()
    assert {k: v for k, v in new.items() if "secret" not in k} == {k: v for k, v in old.items() if "secret" not in k}
    assert secret(seller, "AWSPREVIOUS")["client_secret"] == old["client_secret"]  # kept, not overwritten
    assert seller.stack.queue_depths()["CredentialNotificationsDLQ"] == 0
    # delivered again (Amazon delivers at least once): nothing changes
    seller.sp.secret_notifier.send(seller.sp.secret_notifier.sent[-1])
    assert seller.stack.wait_idle(60, queues=("CredentialNotificationsQueue",))
    assert secret(seller) == new and secret(seller, "AWSPREVIOUS")["client_secret"] == old["client_secret"]
    # past the old secret's grace period and the cached token's hour: the next mint uses the new one
    refused = seller.sp.tokens.refused_secrets
    seller.sp.clock.advance(timedelta(days=8).total_seconds())
    assert poll_once(seller)["outcome"] == "polled"
    assert seller.sp.tokens.refused_secrets == refused
    status = cli(seller, "status", "--no-provisional")
    said = status.output.split("Login with Amazon client secret")[1].split("\n")[0]
    assert re.search(r"\((179|180) days left\)$", said), said  # the new secret's 180 days, no warning


def test_a_stack_left_with_a_rotated_away_secret_says_so_without_the_secret(seller: Seller) -> None:
    current = secret(seller)
    stale = secret(seller, "AWSPREVIOUS")
    seller.stack.put_secret("StoreApiSecret", json.dumps(stale))  # someone pasted the old one back
    seller.sp.clock.advance(3601)  # the cached access token has expired: a mint is needed
    try:
        result = poll_once(seller)
        assert result["outcome"] == "credentials_refused", result
        assert "Login with Amazon refused the client secret" in result["reason"]
        assert metric(seller, "settings_invalid")[-1] == 1  # the SettingsInvalidAlarm
        log = function_log(seller)
        assert "credentials_refused" in log
        assert stale["client_secret"] not in log and current["client_secret"] not in log
        assert stale["client_secret"] not in result["reason"]
    finally:
        seller.stack.put_secret("StoreApiSecret", json.dumps(current))


def test_status_shows_what_amazon_posted_since_the_last_settlement_provisional_never_posted(seller: Seller) -> None:
    running = open_period(seller.sp)
    underway = running.start + timedelta(days=5) - seller.sp.now()  # the runs above published periods ahead
    if underway > timedelta(0):
        seller.sp.clock.advance(underway.total_seconds())
    now = seller.sp.now()
    expected: dict[str, Decimal] = {}
    kinds = {"Order": "Shipment", "Refund": "Refund"}
    for line in running.lines:
        if line.posted < now - timedelta(minutes=2) and "reserve" not in line.amount_description.casefold():
            kind = kinds.get(line.transaction_type) or (
                "Adjustment" if "reimbursement" in line.amount_type.casefold() else "ServiceFee"
            )
            expected[kind] = expected.get(kind, Decimal(0)) + line.amount
    assert expected, "the period running now has events"
    status = cli(seller, "status")
    assert status.exit_code == 0, status.output
    assert "NOT SETTLED, never posted to Xero" in status.output
    for kind, amount in expected.items():
        assert re.search(rf"{kind}\s+USD\s+{amount:,.2f}", status.output), (kind, amount, status.output)
    total = sum(expected.values(), Decimal(0))
    assert re.search(rf"total\s+USD\s+{total:,.2f}", status.output), status.output
