"""The settlements job writes each settlement's sync log entry when it is done, not at the end of
the run: a run that dies after posting one (its timeout, a crash; ``make chaos
CHAOS_SOURCE=amazon`` found it) keeps that one in the sync log as applied, although the next run
finds it all recorded and logs nothing for it.

Given the SP-API simulator with two settlements (over HTTP, through the Amazon adapter), the Xero
sandbox (over HTTP), and the job state and mappings in moto, when a run posts the first and dies
before the second, then the sync log holds the first's "applied" entry, and the next run posts the
second and logs it.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.amazon_sp import AmazonSP
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.integration.conftest import mappings_table
from tests.unit.test_amazon_settlement import ACCOUNTS, KINDS
from xerosync.aws.jobstate import DynamoJobState
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.synclog import LogEntry
from xerosync.config import parse_settings
from xerosync.settlement import Settlement
from xerosync.settlement_job import settlements_job
from xerosync.sources import source
from xerosync.sources.port import SettlementFound
from xerosync.xero.client import XeroClient, XeroCredentials

pytestmark = pytest.mark.integration


class Died(BaseException):
    """The function's process ends here (nothing after it runs, no ``except Exception`` sees it)."""


class DiesReading:
    """The Amazon adapter, in a process that dies when it reads one settlement's lines."""

    def __init__(self, store: Any, dies_at: str) -> None:
        self.store, self.dies_at = store, dies_at

    def settlements(self, since: datetime, until: datetime | None = None) -> Iterator[SettlementFound]:
        return self.store.settlements(since, until)  # type: ignore[no-any-return]

    def settlement(self, settlement_id: str) -> Settlement:  # the listing's id: Amazon's report id
        if settlement_id == self.dies_at:
            raise Died
        return self.store.settlement(settlement_id)  # type: ignore[no-any-return]


class StackJob:
    """What the settlements job uses of :class:`xerosync.jobs.Job`, on real parts."""

    def __init__(self, table: str, store: Any, xero: XeroClient, since: datetime) -> None:
        self.source, self.store, self.xero = source("amazon"), store, xero
        self.states, self.mappings = DynamoJobState(table), DynamoMappings(table, lease_seconds=60)
        self.journal: list[LogEntry] = []
        self.settings = parse_settings(
            "sync: {orders: false}\ntax: {no_tax: NONE}\nsettlements:\n  enabled: true\n  mode: summary\n"
            f"  bank_account: '090'\n  since: '{since.date().isoformat()}'\n"
            f"  accounts: {{other: '899', reserves: '615', by_type: {KINDS}}}\n"
        )

    def check_running(self) -> None:
        return None

    def note_quota(self, state: dict[str, Any], now: datetime) -> None:
        return None

    def log(self, entries: list[LogEntry]) -> None:
        self.journal.extend(entries)


def test_a_run_that_dies_after_posting_one_settlement_keeps_its_log_entry(endpoint: str) -> None:
    sandbox = XeroSandbox().start()
    sp = AmazonSP(region="na", seed=23).start()
    try:
        org = sandbox.add_organisation("Amazon Seller Co", base_currency="USD", country="US")
        for name, code in [*ACCOUNTS.items(), ("Amazon other", "899")]:
            if org.account_by_code(code) is None:
                create_account(org, {"Code": code, "Name": name, "Type": "CURRENT"}, datetime.now(UTC))
        app = sandbox.add_client([org.tenant_id])
        xero = XeroClient(XeroCredentials(app.client_id, app.client_secret), api_url=sandbox.url,
                          identity_url=sandbox.url)  # fmt: skip
        reports = [sp.settle("Amazon.com") for _ in range(2)]
        first, second = (r.settlement for r in reports)
        assert first is not None and second is not None
        c = sp.credentials
        amazon = source("amazon").client(
            {"client_id": c.client_id, "client_secret": c.client_secret, "refresh_token": c.refresh_token,
             "endpoint": sp.endpoint, "lwa_url": sp.lwa_url}
        )  # fmt: skip
        since = datetime.now(UTC) - timedelta(days=89)
        job = StackJob(mappings_table(endpoint, "settlements-log"), DiesReading(amazon, reports[1].id), xero, since)
        with pytest.raises(Died):
            settlements_job(job, lease_seconds=1)  # type: ignore[arg-type]
        assert [(e.key, e.outcome) for e in job.journal] == [(f"settlement:{first.id}", "applied")]
        assert len(org.invoices) + len(org.credit_notes) == 1 and len(org.payments) == 1  # the first is posted

        job.store = DiesReading(amazon, dies_at="")
        time.sleep(2.1)  # the next run, once the dead run's lease has run out
        after = settlements_job(job)  # type: ignore[arg-type]
        assert after is not None and after.summary()["posted"] == 1
        outcomes = [(e.key, e.outcome) for e in job.journal]
        assert outcomes[1:] == [(f"settlement:{second.id}", "applied"), ("job:settlements", "polled")]
        assert len(org.invoices) + len(org.credit_notes) == 2 and len(org.payments) == 2
    finally:
        sp.stop()
        sandbox.stop()
