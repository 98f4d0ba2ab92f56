"""The scheduled jobs' wiring: when the drift report is due, Xero's dates (the stack's resources:
test_environment)."""

import time
from datetime import UTC, date, datetime

import pytest

from xerosync.config import SettingsError, parse_settings
from xerosync.jobs import drift_day_due, xero_date
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
