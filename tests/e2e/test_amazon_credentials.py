"""An Amazon stack's Login with Amazon client secret, which expires every 180 days
(developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials), through the whole local
stack: template.yaml with StoreSource=amazon in moto, the SettlementsFunction on its schedule and on
the credential notifications queue, the SP-API simulator over HTTP (LWA, the Application Management
API's rotation delivering APPLICATION_OAUTH_CLIENT_NEW_SECRET to the stack's queue, the Finances API)
and the operator's commands.

Given a seller whose secret expires in 20 days, the schedule publishes the days left and status
warns; when the operator rotates it, Amazon delivers the new secret to the stack's queue, the stack
stores it as a new version (the old kept as AWSPREVIOUS) and mints with it once the old one is
refused; a stack left with the old secret after the grace period is told (logged without the secret,
alarmed); status shows what Amazon posted since the last settlement, provisional, summed by type.
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
from typer.testing import CliRunner

from local.amazon_sp import AmazonSP, Notifier
from local.amazon_sp.finances import open_period
from local.stack import LocalStack
from local.xero_sandbox import XeroSandbox
from tests.e2e.conftest import ROOMY, operator

pytestmark = pytest.mark.e2e

SETTINGS = {
    "sync": {"orders": False},
    "settlements": {"enabled": True, "mode": "summary", "bank_account": "090",
                    "accounts": {"other": "200", "reserves": "610", "carried_forward": "610"}},
}  # fmt: skip


@dataclass
class Seller:
    stack: LocalStack
    sp: AmazonSP

    def run(self) -> dict[str, Any]:
        result = self.stack.run_schedule("SettlementsFunction")
        assert result.ok, result.error
        payload: dict[str, Any] = result.payload
        return payload

    def secret(self, stage: str = "AWSCURRENT") -> dict[str, Any]:
        answer = self.stack.client("secretsmanager").get_secret_value(
            SecretId=self.stack.secret_arn("StoreApiSecret"), VersionStage=stage
        )
        loaded: dict[str, Any] = json.loads(answer["SecretString"])
        return loaded

    def log(self) -> str:
        return (self.stack.log_dir / "SettlementsFunction.log").read_text(errors="replace")

    def metric(self, name: str) -> list[float]:
        """Values of ``name`` in the function's embedded-metric log lines (what CloudWatch would get)."""
        found = []
        for line in self.log().splitlines():
            if f'"{name}"' in line and '"_aws"' in line:
                with_metric = json.loads(line[line.index("{") :])
                value = with_metric[name]
                found += value if isinstance(value, list) else [value]
        return found

    def cli(self, *args: str) -> Any:
        from xerosync.cli import app

        with operator(self.stack):
            return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def seller() -> Iterator[Seller]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Amazon Seller Co", base_currency="USD", country="US", limits=ROOMY)
    connection = sandbox.add_client([org.tenant_id])
    sp = AmazonSP(region="na", seed=23).start()
    sp.generator("Amazon.com")  # the seller's history: the period running now (no settlement yet)
    stack = LocalStack(
        stack_name="e2e-amazon-lwa",
        store_name="amazonlwa",
        poll=True,  # the credential notifications queue's event source
        parameters={"StoreSource": "amazon", "XeroApiUrl": sandbox.url, "XeroIdentityUrl": sandbox.url},
    ).start()
    stack.put_secret(
        "XeroCredentialsSecret",
        json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
    )
    c = sp.credentials
    expires = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    stack.put_secret(
        "StoreApiSecret",
        json.dumps(
            {
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "client_secret_expires": expires.isoformat(),  # copied from the developer console
                "refresh_token": c.refresh_token,
                "region": "NA",
                "endpoint": sp.endpoint,
                "lwa_url": sp.lwa_url,
            }
        ),
    )
    stack.put_settings(yaml.safe_dump(SETTINGS))
    try:
        yield Seller(stack, sp)
    finally:
        stack.stop()
        sp.stop()
        sandbox.stop()


def test_the_schedule_publishes_the_days_left_and_status_warns_inside_30_days(seller: Seller) -> None:
    assert seller.run()["outcome"] == "polled"
    assert seller.metric("store_secret_days_left")[-1] in (19, 20)
    status = seller.cli("status", "--no-provisional")
    assert status.exit_code == 0, status.output
    expires = seller.secret()["client_secret_expires"][:10]
    assert re.search(
        rf"Login with Amazon client secret expires {expires} .*\((19|20) days left\): WARNING", status.output
    )


def test_a_rotation_is_delivered_to_the_stack_s_queue_and_stored_as_a_new_version(seller: Seller) -> None:
    old = seller.secret()
    queue = seller.stack.queue_url("CredentialNotificationsQueue")
    seller.sp.secret_notifier = Notifier(queue, seller.stack.aws_endpoint)  # registered in the developer console
    rotated = seller.cli("rotate", "store-secret")
    assert rotated.exit_code == 0, rotated.output
    assert "CredentialNotificationsQueue" in rotated.output or queue in rotated.output
    assert seller.stack.wait_idle(60, queues=("CredentialNotificationsQueue",))
    new = seller.secret()
    assert new["client_secret"] == seller.sp.credentials.client_secret != old["client_secret"]
    assert new["client_secret_expires"][:10] == seller.sp.tokens.secret_expires.date().isoformat()
    assert {k: v for k, v in new.items() if "secret" not in k} == {k: v for k, v in old.items() if "secret" not in k}
    assert seller.secret("AWSPREVIOUS")["client_secret"] == old["client_secret"]  # kept, not overwritten
    assert seller.stack.queue_depths()["CredentialNotificationsDLQ"] == 0
    # delivered again (Amazon delivers at least once): nothing changes
    seller.sp.secret_notifier.send(seller.sp.secret_notifier.sent[-1])
    assert seller.stack.wait_idle(60, queues=("CredentialNotificationsQueue",))
    assert seller.secret() == new and seller.secret("AWSPREVIOUS")["client_secret"] == old["client_secret"]
    # past the old secret's grace period and the cached token's hour: the next mint uses the new one
    refused = seller.sp.tokens.refused_secrets
    seller.sp.clock.advance(timedelta(days=8).total_seconds())
    assert seller.run()["outcome"] == "polled"
    assert seller.sp.tokens.refused_secrets == refused
    status = seller.cli("status", "--no-provisional")
    assert "(179 days left)" in status.output and "WARNING" not in status.output.split("Login with Amazon")[1][:120]


def test_a_stack_left_with_a_rotated_away_secret_says_so_without_the_secret(seller: Seller) -> None:
    current = seller.secret()
    stale = seller.secret("AWSPREVIOUS")
    seller.stack.put_secret("StoreApiSecret", json.dumps(stale))  # someone pasted the old one back
    seller.sp.clock.advance(3601)  # the cached access token has expired: a mint is needed
    try:
        result = seller.run()
        assert result["outcome"] == "credentials_refused", result
        assert "Login with Amazon refused the client secret" in result["reason"]
        assert seller.metric("settings_invalid")[-1] == 1  # the SettingsInvalidAlarm
        log = seller.log()
        assert "credentials_refused" in log
        assert stale["client_secret"] not in log and current["client_secret"] not in log
        assert stale["client_secret"] not in result["reason"]
    finally:
        seller.stack.put_secret("StoreApiSecret", json.dumps(current))


def test_status_shows_what_amazon_posted_since_the_last_settlement_provisional_never_posted(seller: Seller) -> None:
    now = seller.sp.now()
    running = open_period(seller.sp)
    expected: dict[str, Decimal] = {}
    kinds = {"Order": "Shipment", "Refund": "Refund"}
    for line in running.lines:
        if line.posted < now - timedelta(minutes=2) and "reserve" not in line.amount_description.casefold():
            kind = kinds.get(line.transaction_type) or (
                "Adjustment" if "reimbursement" in line.amount_type.casefold() else "ServiceFee"
            )
            expected[kind] = expected.get(kind, Decimal(0)) + line.amount
    assert expected, "the period running now has events"
    status = seller.cli("status")
    assert status.exit_code == 0, status.output
    assert "NOT SETTLED, never posted to Xero" in status.output
    for kind, amount in expected.items():
        assert re.search(rf"{kind}\s+USD\s+{amount:,.2f}", status.output), (kind, amount, status.output)
    total = sum(expected.values(), Decimal(0))
    assert re.search(rf"total\s+USD\s+{total:,.2f}", status.output), status.output
