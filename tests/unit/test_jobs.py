"""The scheduled jobs' wiring: when the drift report is due, Xero's dates, the store source the
stack serves (its adapter, its settings defaults, its API), and the drift report's re-enqueueing
through that adapter (the stack's resources: test_environment)."""

import json
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.fake_woo_rest import FakeRest, woo_store
from tests.fakes import InMemoryMappings
from xerosync import sources
from xerosync.aws import parameters, secrets
from xerosync.config import SettingsError, parse_settings
from xerosync.envelopes import Message
from xerosync.environment import Environment
from xerosync.jobs import (
    Job,
    NotConfigured,
    SyncStopped,
    drift_day_due,
    drift_job,
    pull_job,
    reconcile_job,
    xero_date,
)
from xerosync.sources.woocommerce.adapter import WooStore
from xerosync.sync.ports import Mapping, Stopped
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.governor import BudgetExhausted


def test_a_days_drift_report_waits_until_the_day_is_over_everywhere() -> None:
    # 2026-11-21 ends last at UTC-12, i.e. at 2026-11-22 12:00 UTC
    assert drift_day_due(datetime(2026, 11, 22, 13, 0, tzinfo=UTC), {}) == date(2026, 11, 20)
    assert drift_day_due(datetime(2026, 11, 22, 15, 0, tzinfo=UTC), {}) == date(2026, 11, 21)
    assert drift_day_due(datetime(2026, 11, 22, 15, 0, tzinfo=UTC), {"drift_day": "2026-11-21"}) is None


def test_xero_dates_in_both_shapes() -> None:
    assert xero_date("/Date(1543536000000+0000)/") == date(2018, 11, 30)
    assert xero_date("2018-11-30T00:00:00") == date(2018, 11, 30)
    assert xero_date(None) is None and xero_date("soon") is None


def test_pull_and_reconcile_settings_are_checked() -> None:
    settings = parse_settings("pull: {price: xero, stock_items: [' MUG ', MUG]}\nreconcile: {overlap_seconds: 60}")
    assert settings.pull.price == "xero" and settings.pull.stock_items == ("MUG",)
    assert settings.pull.owned_by_xero() and not parse_settings("").pull.owned_by_xero()
    with pytest.raises(SettingsError) as caught:
        parse_settings("pull: {price: both, stock_items: ['']}\nreconcile: {overlap_seconds: 0, webhook: true}")
    message = str(caught.value)
    for where in ("pull.price", "pull.stock_items", "reconcile.overlap_seconds", "reconcile.webhook"):
        assert where in message


class _Exhausted:
    """A governor whose minute budget frees up after ``refusals`` refusals of ``retry_after`` s."""

    def __init__(self, refusals: int, retry_after: float) -> None:
        self.refusals, self.retry_after, self.asked = refusals, retry_after, 0

    def acquire(self, tenant: str) -> str:
        self.asked += 1
        if self.asked <= self.refusals:
            raise BudgetExhausted("minute", self.retry_after)
        return "permit"


def test_a_jobs_xero_call_waits_for_the_shared_budget_a_sync_record_goes_back_to_the_queue() -> None:
    client = XeroClient(XeroCredentials("id", "secret"))
    client.governor = _Exhausted(refusals=1, retry_after=1.0)  # type: ignore[assignment]
    with pytest.raises(BudgetExhausted):  # the sync functions' default: no waiting inside Lambda
        client._permit("t1")
    client.governor = _Exhausted(refusals=2, retry_after=1.0)  # type: ignore[assignment]
    client.budget_wait = 5.0  # a scheduled job's or the operator's call: it waits
    started = time.monotonic()
    assert client._permit("t1") == "permit"
    assert 2.0 <= time.monotonic() - started < 4.0
    client.governor = _Exhausted(refusals=1, retry_after=3600.0)  # type: ignore[assignment]
    with pytest.raises(BudgetExhausted):  # a spent day is not waited for
        client._permit("t1")


# --- the job's store, through the source's adapter ----------------------------------------------
def job(monkeypatch: pytest.MonkeyPatch, settings: str = "", secret: dict[str, Any] | None = None) -> Job:
    monkeypatch.setattr(parameters, "get_parameter", lambda name: settings)
    stored = (
        secret if secret is not None else {"url": "https://shop.example", "consumer_key": "ck", "consumer_secret": "s"}
    )
    monkeypatch.setattr(secrets, "get_secret_json", lambda arn, **_: stored)
    running = Job(
        Environment.from_env(
            {
                "MAPPINGS_TABLE": "m",
                "SETTINGS_PARAMETER": "/p",
                "STORE_API_SECRET_ARN": "arn:store",
                "XERO_CREDENTIALS_SECRET_ARN": "arn:xero",
            }
        )
    )
    running.switch = Switch()  # type: ignore[assignment]
    return running


class Switch:
    """The stop flag, in memory."""

    def __init__(self, stopped: Stopped | None = None) -> None:
        self.state = stopped

    def stopped(self) -> Stopped | None:
        return self.state


def test_a_stopped_sync_runs_no_job_and_says_how_to_resume(monkeypatch: pytest.MonkeyPatch) -> None:
    running = job(monkeypatch)
    running.switch = Switch(Stopped("the app was uninstalled in the store", "2026-05-01T00:00:00+00:00"))  # type: ignore[assignment]
    running.__dict__.update(store=None, xero=None)  # neither is reached
    for run in (
        lambda: reconcile_job(running),
        lambda: pull_job(running),
        lambda: drift_job(running, date(2026, 11, 21), fix=True),
    ):
        with pytest.raises(SyncStopped, match=r"uninstalled.*xerosync resume"):
            run()


def test_a_job_reads_its_store_through_the_adapter_of_the_stacks_source(monkeypatch: pytest.MonkeyPatch) -> None:
    running = job(monkeypatch, "reconcile: {overlap_seconds: 60}")
    assert running.source is sources.source(sources.DEFAULT)
    assert running.settings.invoice_prefix == running.source.settings_defaults["invoice_prefix"]
    assert running.settings.reconcile.overlap_seconds == 60
    assert isinstance(running.store, WooStore) and running.store.url == "https://shop.example/"


def test_a_job_without_the_stores_credentials_says_what_to_fill_in(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotConfigured, match="StoreApiSecret"):
        _ = job(monkeypatch, secret={}).store


class DriftXero:
    def __init__(self) -> None:
        self.invoices = [{"InvoiceNumber": "WC-1", "InvoiceID": "inv-1", "Status": "AUTHORISED", "Total": "5.00"}]

    def organisation(self) -> dict[str, Any]:
        return {"PeriodLockDate": None}

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        return [i for i in self.invoices if i["InvoiceNumber"] in numbers]

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        return []


def test_the_drift_report_reenqueues_what_the_sync_can_fix_as_its_webhook_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rest = FakeRest()
    base = {"status": "completed", "currency": "AUD", "total": "5.00", "date_created": "2026-11-21T10:00:00"}
    base["date_modified_gmt"] = "2026-11-21T00:00:00"
    rest.data["orders"] = [{**base, "id": 1, "number": "1"}, {**base, "id": 2, "number": "2"}]
    running = job(monkeypatch)
    mappings = InMemoryMappings()
    mappings.put(Mapping("order:1", "inv-1", xero_number="WC-1", source_modified="2026-11-21T00:00:00"))
    sent: list[Message] = []

    def send(messages: list[Message]) -> set[str]:
        sent.extend(messages)
        return set()

    running.__dict__.update(store=woo_store(rest), xero=DriftXero(), mappings=mappings, send=send)
    report = drift_job(running, date(2026, 11, 21), fix=True)
    assert [d.key for d in report.fixable] == ["order:2"]  # order 1 is in step
    [message] = sent
    envelope = json.loads(message.body)
    assert (message.key, envelope["source"], envelope["delivery_id"]) == (
        "order:2",
        sources.DEFAULT,
        "drift:2026-11-21",
    )
    assert envelope["store"] == "https://shop.example/" and json.loads(envelope["payload"])["id"] == 2
